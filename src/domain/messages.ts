/**
 * Message shapes the domain works with: a client's inbound message (normalised from WhatsApp) and
 * the outbound messages the engine decides to send.
 */

export type MediaKind = "image" | "document" | "audio" | "video" | "sticker";

/** A client message, as Inkline understands it. */
export interface InboundMessage {
  id: string;
  /** E.164 number of the client. */
  from: string;
  /** Meta's send time, epoch milliseconds. */
  timestampMs: number;
  phoneNumberId: string | null;
  profileName: string | null;
  kind: "text" | "reply" | "media" | "location" | "contacts" | "reaction" | "unsupported";
  /** Free text (text body, button/list title, media caption, location name). */
  text: string | null;
  /** Id of the tapped reply button or list row. */
  replyId: string | null;
  media: { kind: MediaKind; id: string; mimeType: string | null; caption: string | null; filename: string | null } | null;
  location: { latitude: number; longitude: number; name: string | null } | null;
  /** Meta's original type, for logs and `unsupported`. */
  rawType: string;
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

/** A message the engine decided to send, already rendered from copy. */
export type Outbound = { to: Recipient; copyKey: string } & (
  | { kind: "text"; body: string; links?: SealedLink[] }
  | { kind: "buttons"; body: string; buttons: ReplyButton[] }
  | { kind: "list"; body: string; buttonLabel: string; rows: ListRow[] }
  | { kind: "template"; name: string; language: string; params: string[] }
  | { kind: "media"; mediaKind: "image" | "document"; link: string; caption?: string }
);

/** An outbound message without its routing fields: what goes over the wire. */
export type OutboundPayload = Outbound extends infer T ? (T extends unknown ? Omit<T, "to" | "copyKey"> : never) : never;

/** Limits WhatsApp enforces on interactive messages. */
export const WHATSAPP_LIMITS = { buttons: 3, buttonTitle: 20, listRows: 10, rowTitle: 24, rowDescription: 72 } as const;
