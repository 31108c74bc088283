/**
 * Message shapes the domain works with: a client's inbound message (normalised from WhatsApp) and
 * the outbound messages the engine decides to send.
 */

export type MediaKind = "image" | "document" | "audio" | "video" | "sticker";

/**
 * A client's "changed number" notice (Meta's `system` message of type `user_changed_number`):
 * the new number, and the new business-scoped user ID when Meta names it (a new number gets a
 * new BSUID).
 */
export interface NumberChange {
  newPhone: string | null;
  newUserId: string | null;
}

/** A client message, as Inkline understands it. */
export interface InboundMessage {
  id: string;
  /**
   * E.164 number of the client; null for a client who uses a WhatsApp username and has not shared
   * their number with us (then `userId` names them).
   */
  from: string | null;
  /** The client's business-scoped user ID (BSUID, e.g. "US.13491208655302741918"), when Meta sends it. */
  userId: string | null;
  /** The parent BSUID ("US.ENT.…") of a managed business, when enabled. */
  parentUserId: string | null;
  /** The client's WhatsApp username, when they have one (display only: it can change). */
  username: string | null;
  /** Meta's send time, epoch milliseconds. */
  timestampMs: number;
  phoneNumberId: string | null;
  profileName: string | null;
  /**
   * What the client did. `reaction`, `system` (a notice from WhatsApp, not the client's words) and
   * `unsupported` (edits, deletions, orders, polls, types Cloud API does not deliver) are not
   * conversation: they never start a consultation.
   */
  kind: "text" | "reply" | "media" | "location" | "contacts" | "reaction" | "system" | "unsupported";
  /** Free text (text body, button/list title, media caption, location name). */
  text: string | null;
  /** Id of the tapped reply button or list row. */
  replyId: string | null;
  media: { kind: MediaKind; id: string; mimeType: string | null; caption: string | null; filename: string | null } | null;
  location: { latitude: number; longitude: number; name: string | null } | null;
  /** Meta's original type, for logs and `unsupported`. */
  rawType: string;
  /** Set for a "changed number" system notice. */
  numberChange?: NumberChange | null;
}

/** Kinds that are the client talking to us (the others are notices about the chat). */
const CONVERSATIONAL: ReadonlySet<InboundMessage["kind"]> = new Set(["text", "reply", "media", "location", "contacts"]);

/** Whether a message is the client saying something (it may start a consultation). */
export function isConversational(message: Pick<InboundMessage, "kind">): boolean {
  return CONVERSATIONAL.has(message.kind);
}

/** Who an outbound message goes to. */
export type Recipient = "client" | "artist";

export interface ReplyButton {
  id: string;
  /** At most 20 characters (WhatsApp's limit). */
  title: string;
}

export interface ListRow {
  id: string;
  /** At most 24 characters. */
  title: string;
  /** At most 72 characters. */
  description?: string;
}

/**
 * An artist's one-tap link waiting in the outbox: the body keeps `placeholder` where the URL goes,
 * and the URL itself is `sealed` (src/lib/link-seal.ts) until the send path opens it.
 */
export interface SealedLink {
  placeholder: string;
  action: string;
  sealed: string;
}

/**
 * An action offered to the artist as a reply button: `placeholder` until the session mints its
 * token, then the token `sealed` (like a link's URL) until the send path opens it into the id.
 */
export interface ActionButton {
  action: string;
  placeholder: string;
  sealed?: string;
}

/** A message the engine decided to send, already rendered from copy. */
export type Outbound = { to: Recipient; copyKey: string } & (
  | { kind: "text"; body: string; links?: SealedLink[] }
  /** The artist's notice with action buttons (≤3, more behind "More"); `subject` names the client for the template. */
  | { kind: "actions"; body: string; subject: string; actions: ActionButton[] }
  /** A message with one call-to-action URL button (WhatsApp's `cta_url`). */
  | { kind: "cta"; body: string; label: string; url: string }
  | { kind: "buttons"; body: string; buttons: ReplyButton[] }
  | { kind: "list"; body: string; buttonLabel: string; rows: ListRow[] }
  /** `urlButtons`: the dynamic suffix of each URL button, in the template's button order; `quickReplies`: each quick-reply button's payload, after them. */
  | { kind: "template"; name: string; language: string; params: string[]; urlButtons?: string[]; quickReplies?: string[] }
  | { kind: "media"; mediaKind: "image" | "document"; link: string; caption?: string }
);

/** An outbound message without its routing fields: what goes over the wire. */
export type OutboundPayload = Outbound extends infer T ? (T extends unknown ? Omit<T, "to" | "copyKey"> : never) : never;

/** Limits WhatsApp enforces on interactive messages. */
export const WHATSAPP_LIMITS = { buttons: 3, buttonTitle: 20, listRows: 10, rowTitle: 24, rowDescription: 72, interactiveBody: 1024 } as const;
