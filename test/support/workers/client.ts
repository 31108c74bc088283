/**
 * One client in a transcript test through the whole Worker: what they send (signed webhooks via
 * the emulator), what they have been told since the last look, their lead row; and the artist's
 * side of the conversation.
 */
import { expect } from "vitest";
import { renderCopy } from "../../../src/domain/copy.ts";
import { QUESTIONS, type QuestionKey } from "../../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../consultation.ts";
import { completeConsent } from "./consent.ts";
import { leadByKey } from "./db.ts";
import { clientSends, prepareInbound, sentTo, settle, textsTo, uniquePhone, uniqueUserId, type InboundSpec } from "./whatsapp.ts";

export const ARTIST = "+447700900001";
export const NAME = "Ari Lane";

export class Client {
  /**
   * Where the client is reached and their object's name: their number, or for a client who uses a
   * WhatsApp username and shares no number, their business-scoped user ID.
   */
  readonly phone: string;
  /** Set for a username client (`new Client("username")`). */
  readonly userId: string | null;
  readonly username: string | null;
  private seen = 0;

  /** The WhatsApp profile name every message carries. */
  readonly name: string;

  constructor(kind: "phone" | "username" = "phone", name: string = NAME) {
    this.name = name;
    this.userId = kind === "username" ? uniqueUserId() : null;
    this.username = kind === "username" ? "@ari.ink" : null;
    this.phone = this.userId ?? uniquePhone();
  }

  /** Sends a text (or a button tap / photo) and waits for the lead's object to settle. */
  async says(message: string | Omit<InboundSpec, "from">): Promise<void> {
    const spec = typeof message === "string" ? { text: message } : message;
    const who = this.userId === null ? { from: this.phone } : { user_id: this.userId, username: this.username ?? undefined };
    const { response } = await clientSends({ ...who, name: this.name, ...spec });
    expect(response.status).toBe(200);
    await settle(this.phone);
  }

  taps(id: string, title: string): Promise<void> {
    return this.says({ button: { id, title } });
  }

  /** Replies received since the previous call. */
  async hears(): Promise<string[]> {
    const texts = await textsTo(this.phone);
    const fresh = texts.slice(this.seen);
    this.seen = texts.length;
    return fresh;
  }

  lead(): Promise<Record<string, unknown> | undefined> {
    return leadByKey(this.phone);
  }

  /** Answers the consent step the artist's approval started (consent.ts): an adult, no medical flags, "I agree". */
  async givesConsent(): Promise<string[]> {
    return completeConsent(String((await this.lead())?.id), (message) => this.says(message));
  }

  /** Says hi and answers up to (not including) `key`, with the good answers (or `changes`). */
  async reaches(key: QuestionKey, changes: Partial<Record<QuestionKey, string>> = {}): Promise<void> {
    await this.says("hi");
    for (const q of QUESTIONS) {
      if (q.key === key) break;
      await this.says(changes[q.key] ?? GOOD_ANSWERS[q.key].text);
    }
    await this.hears();
  }
}

/** The artist's own recent message, so a free-text notice may reach them (24-hour window). */
export async function artistWindowOpen(): Promise<number> {
  await prepareInbound({ from: ARTIST, text: "morning" });
  return (await sentTo(ARTIST)).length;
}

/** What the artist was sent since `before` (templates as "template:<name>"). */
export async function artistHeardSince(before: number): Promise<string[]> {
  return (await sentTo(ARTIST)).slice(before).map((s) => s.body.text?.body ?? s.body.interactive?.body?.text ?? `template:${s.body.template?.name ?? "?"}`);
}

/** The first words of the reply-button message that follows an artist notice ("One tap for …"). */
const BUTTONS_PREFIX = renderCopy("artist.notice_buttons", { clientName: "\u0000" }).split("\u0000")[0] ?? "";

/** The artist's notices since `before`, without the reply-button messages that follow them. */
export async function artistNoticesSince(before: number): Promise<string[]> {
  return (await artistHeardSince(before)).filter((t) => !t.startsWith(BUTTONS_PREFIX));
}
