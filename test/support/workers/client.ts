/**
 * One client in a transcript test through the whole Worker: what they send (signed webhooks via
 * the emulator), what they have been told since the last look, their lead row; and the artist's
 * side of the conversation.
 */
import { expect } from "vitest";
import { QUESTIONS, type QuestionKey } from "../../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../consultation.ts";
import { leadByPhone } from "./db.ts";
import { clientSends, prepareInbound, sentTo, settle, textsTo, uniquePhone, type InboundSpec } from "./whatsapp.ts";

export const ARTIST = "+447700900001";
export const NAME = "Ari Lane";

export class Client {
  readonly phone = uniquePhone();
  private seen = 0;

  /** The WhatsApp profile name every message carries. */
  readonly name: string;

  constructor(name: string = NAME) {
    this.name = name;
  }

  /** Sends a text (or a button tap / photo) and waits for the lead's object to settle. */
  async says(message: string | Omit<InboundSpec, "from">): Promise<void> {
    const spec = typeof message === "string" ? { text: message } : message;
    const { response } = await clientSends({ from: this.phone, name: this.name, ...spec });
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
    return leadByPhone(this.phone);
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
  return (await sentTo(ARTIST)).slice(before).map((s) => s.body.text?.body ?? `template:${s.body.template?.name ?? "?"}`);
}
