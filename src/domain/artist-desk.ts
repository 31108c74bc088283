/**
 * The artist runs the studio from WhatsApp: what the artist's own messages to the business number
 * mean (a button tap, a reason picked from a list, "today", anything else), and how button and row
 * ids carry action tokens. Pure: the ArtistDesk Durable Object looks the tokens up, runs the
 * action through the lead's object and answers (durable-objects/artist-desk.ts).
 *
 * A button id is an action token exactly like a link's (src/domain/artist-actions.ts): 256 random
 * bits, stored only as a hash, bound to one lead and one action, single use, expiring. The prefix
 * says what the tap asks for; a client's own question buttons never start with one of these.
 */
import { ACTION_TOKEN_PATTERN, ArtistAction } from "./artist-actions.ts";
import { renderCopy } from "./copy.ts";
import type { InboundMessage, OutboundPayload } from "./messages.ts";
import { templateName, TEMPLATES, type TemplateKey } from "./templates.ts";

/** Prefixes of the ids Inkline gives the artist's buttons and list rows. */
export const BUTTON_PREFIX = { act: "act:", more: "more:", reason: "rej:" } as const;

/**
 * Why the artist turns a piece down, as offered in the reject list. Each (but `no_message`) has a
 * kind message for the client in copy (`action.reject.client.<reason>`); `no_message` rejects and
 * tells the client nothing.
 */
export const REJECT_REASONS = ["not_my_style", "too_big", "fully_booked", "other", "no_message"] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export function isRejectReason(value: string): value is RejectReason {
  return (REJECT_REASONS as readonly string[]).includes(value);
}

/** Actions shown as reply buttons on a notice, in order; more than 3 leave the rest behind "More". */
export const BUTTON_LIMIT = 3;

/** The id of a button that runs (or, for reject, starts) `token`'s action. */
export const actionButtonId = (token: string) => `${BUTTON_PREFIX.act}${token}`;
/** The id of the "More" button: the remaining actions' tokens, dot-separated. */
export const moreButtonId = (tokens: readonly string[]) => `${BUTTON_PREFIX.more}${tokens.join(".")}`;
/** The id of a reject-list row: the reject token and the reason picked. */
export const reasonRowId = (token: string, reason: RejectReason) => `${BUTTON_PREFIX.reason}${token}:${reason}`;

/** One action of a notice and the token its button carries. */
export interface TokenButton {
  action: ArtistAction;
  token: string;
}

/**
 * An artist notice's actions as they go to Graph: reply buttons under `body` whose ids carry the
 * tokens (beyond three, the rest behind "More"), and, for when the artist's 24-hour window is
 * closed, the template that fits the actions ({@link actionTemplate}) naming `subject`, whose URL
 * buttons carry the first tokens as their dynamic suffixes. The summary (durable-objects/action-links.ts) and the digest
 * (durable-objects/artist-desk.ts) both build their buttons here.
 */
export function actionButtons(
  body: string,
  subject: string,
  tokens: readonly TokenButton[],
  templates: { language: string; names: Readonly<Partial<Record<TemplateKey, string>>> },
): { message: Extract<OutboundPayload, { kind: "buttons" }>; fallback: Extract<OutboundPayload, { kind: "template" }> } {
  const key = actionTemplate(tokens);
  const direct = tokens.length <= BUTTON_LIMIT ? tokens : tokens.slice(0, BUTTON_LIMIT - 1);
  const rest = tokens.slice(direct.length);
  const buttons = direct.map((t) => ({ id: actionButtonId(t.token), title: renderCopy(`artist.button.${t.action}`) }));
  if (rest.length > 0) buttons.push({ id: moreButtonId(rest.map((t) => t.token)), title: renderCopy("artist.button.more") });
  return {
    message: { kind: "buttons", body, buttons },
    fallback: {
      kind: "template",
      name: templateName(key, templates.names),
      language: templates.language,
      params: [subject],
      urlButtons: tokens.slice(0, TEMPLATES[key].urlButtons.length).map((t) => t.token),
    },
  };
}

/**
 * The template whose URL buttons fit the notice's actions: Approve / Reject for a lead waiting for
 * approval (`artist_actions`, its buttons' labels are fixed at Meta), else one "Open" button for the
 * first action (`artist_action`).
 */
export function actionTemplate(tokens: readonly Pick<TokenButton, "action">[]): "artist_actions" | "artist_action" {
  return tokens[0]?.action === ArtistAction.APPROVE && tokens[1]?.action === ArtistAction.REJECT ? "artist_actions" : "artist_action";
}

/** The ref (Graph's `biz_opaque_callback_data`) of the `n`th reply to the artist's message `messageId`. */
export const deskReplyRef = (messageId: string, n: number | string) => `desk-${messageId}-${n}`;
/** The ref of the `n`th message of the digest for `slot`. */
export const digestRef = (slot: Date, n: number) => `digest-${slot.toISOString()}-${n}`;

/** Whether a send's ref is one of the artist desk's (its status webhooks settle the desk's sends in doubt). */
export function isDeskRef(ref: string | undefined): boolean {
  return ref !== undefined && (ref.startsWith("desk-") || ref.startsWith("digest-"));
}

/** Whether an inbound reply id is one of ours (an action button or row), whoever sent it. */
export function isActionReplyId(replyId: string | null): boolean {
  return replyId !== null && Object.values(BUTTON_PREFIX).some((p) => replyId.startsWith(p));
}

/** What one message from the artist asks for. */
export type ArtistCommand =
  | { kind: "tap"; token: string }
  | { kind: "reason"; token: string; reason: RejectReason }
  | { kind: "more"; tokens: string[] }
  /** An id with our prefix that is not well formed (altered, or never ours): refused like an unknown token. */
  | { kind: "forged"; replyId: string }
  | { kind: "digest" }
  | { kind: "help" }
  /** Not the artist saying anything (a reaction, a system notice): no answer. */
  | { kind: "ignore" };

/** Words that ask for the digest now. */
const DIGEST_WORDS = new Set(["today", "digest", "today?"]);

/** Reads a reply id (button, list row or template quick reply payload). */
function readReplyId(replyId: string): ArtistCommand {
  if (replyId.startsWith(BUTTON_PREFIX.act)) {
    const token = replyId.slice(BUTTON_PREFIX.act.length);
    return ACTION_TOKEN_PATTERN.test(token) ? { kind: "tap", token } : { kind: "forged", replyId };
  }
  if (replyId.startsWith(BUTTON_PREFIX.more)) {
    const tokens = replyId.slice(BUTTON_PREFIX.more.length).split(".");
    return tokens.length > 0 && tokens.every((t) => ACTION_TOKEN_PATTERN.test(t)) ? { kind: "more", tokens } : { kind: "forged", replyId };
  }
  if (replyId.startsWith(BUTTON_PREFIX.reason)) {
    const [token = "", reason = ""] = replyId.slice(BUTTON_PREFIX.reason.length).split(":");
    return ACTION_TOKEN_PATTERN.test(token) && isRejectReason(reason) ? { kind: "reason", token, reason } : { kind: "forged", replyId };
  }
  return { kind: "help" };
}

/** What the artist's message asks for. */
export function readArtistCommand(message: Pick<InboundMessage, "kind" | "text" | "replyId">): ArtistCommand {
  if (message.replyId !== null) return readReplyId(message.replyId);
  if (message.kind === "reaction" || message.kind === "system" || message.kind === "unsupported") return { kind: "ignore" };
  const words = (message.text ?? "").trim().toLowerCase();
  return DIGEST_WORDS.has(words) ? { kind: "digest" } : { kind: "help" };
}

/**
 * A refund tap opens the refund page (its reason and amount are confirmed there, the token used
 * only then): money going back never moves on one tap.
 */
export function tapOpensPage(action: ArtistAction): boolean {
  return action === ArtistAction.REFUND;
}

/** A reject tap shows the reasons first; every other action runs on the tap. */
export function tapNeedsReason(action: ArtistAction): boolean {
  return action === ArtistAction.REJECT;
}
