/**
 * Meta's WhatsApp Cloud API webhook envelope, validated with zod and normalised into Inkline's
 * own `InboundMessage` / `DeliveryStatus` shapes.
 *
 * Lenient where Meta may add fields (objects pass unknown keys through), strict where we depend on
 * a value. A message of a type we do not know becomes `kind: "unsupported"` instead of failing the
 * whole POST: Meta would redeliver a rejected POST for days.
 *
 * Every contact, message and status is read on its own: one that cannot be read lands in
 * `skipped` with its reason (the route records it as a system event) and the rest of the change
 * is processed. A client is named by their phone (`wa_id`/`from`/`recipient_id`), by their
 * business-scoped user ID (`user_id`/`from_user_id`/`recipient_user_id`), or both: since April
 * 2026 Meta sends the BSUID with every message, and a client with a WhatsApp username may come
 * with no phone at all.
 */
import { z } from "zod";
import type { InboundMessage, MediaKind } from "../../domain/messages.ts";
import { toE164 } from "../../domain/phone.ts";
import { toUserId } from "../../domain/client-id.ts";
import { storableOrNull, storableText } from "../../lib/storable-text.ts";

export type { InboundMessage };
const MEDIA_KINDS: readonly MediaKind[] = ["image", "document", "audio", "video", "sticker"];

const MediaSchema = z.looseObject({
  id: z.string().min(1),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
});

/** Unix seconds; Meta sends a string, some senders (and older test data) a number. */
const Timestamp = z.union([z.string().regex(/^\d{1,12}$/), z.number().int().nonnegative().max(999_999_999_999)]);

const MessageSchema = z.looseObject({
  from: z.string().optional(),
  from_user_id: z.string().optional(),
  from_parent_user_id: z.string().optional(),
  id: z.string().min(1),
  timestamp: Timestamp,
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
    })
    .optional(),
  button: z.looseObject({ payload: z.string().optional(), text: z.string() }).optional(),
  image: MediaSchema.optional(),
  document: MediaSchema.optional(),
  audio: MediaSchema.optional(),
  video: MediaSchema.optional(),
  sticker: MediaSchema.optional(),
  location: z
    .looseObject({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    })
    .optional(),
  contacts: z.array(z.looseObject({})).optional(),
  reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  context: z.looseObject({ id: z.string().optional(), from: z.string().optional() }).optional(),
  system: z
    .looseObject({
      type: z.string().optional(),
      body: z.string().optional(),
      wa_id: z.string().optional(),
      user_id: z.string().optional(),
      new_wa_id: z.string().optional(),
      new_user_id: z.string().optional(),
    })
    .optional(),
});

const StatusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: Timestamp,
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z
    .array(z.looseObject({ code: z.number(), title: z.string().optional(), message: z.string().optional() }))
    .optional(),
});

const ValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({ phone_number_id: z.string(), display_phone_number: z.string().optional() }).optional(),
  contacts: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

const ContactSchema = z.looseObject({
  wa_id: z.string().optional(),
  user_id: z.string().optional(),
  parent_user_id: z.string().optional(),
  profile: z.looseObject({ name: z.string().optional(), username: z.string().optional() }).optional(),
});

/** What a change's `contacts` tell us about a sender: their names and ids. */
interface ContactInfo {
  name: string | null;
  username: string | null;
  userId: string | null;
  parentUserId: string | null;
}

export const WebhookEnvelopeSchema = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })),
    }),
  ),
});
export type WebhookEnvelope = z.infer<typeof WebhookEnvelopeSchema>;

/** A delivery status update for a message we sent. */
export interface DeliveryStatus {
  providerMessageId: string;
  status: "sent" | "delivered" | "read" | "failed" | "unknown";
  timestampMs: number;
  /** The client's E.164 number (absent when the message went to their BSUID and Meta withholds the number). */
  recipient: string | null;
  /** The client's BSUID (`recipient_user_id`). */
  recipientUserId: string | null;
  /**
   * The outbox row the status is about: Meta echoes the send's `biz_opaque_callback_data`, which
   * is our row id. Null when absent or not one of ours. It is what ties a status to a send whose
   * answer never reached us (a timeout, a reset mid-call).
   */
  outboxId: string | null;
  /**
   * The send's `biz_opaque_callback_data` when it names no outbox row (an alert's ref, the artist
   * desk's `desk-…`/`digest-…` refs, see durable-objects/desk-replies.ts); absent otherwise.
   */
  callbackRef?: string;
  errors: { code: number; title: string | null }[];
}

export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: DeliveryStatus[];
  /** Parts we could not read (recorded as system events, acknowledged, never retried forever). */
  skipped: SkippedPart[];
  /** Changes for a phone number id that is not ours: not read, only counted. */
  foreign: ForeignChange[];
}

/** A change Meta sent for another business phone number (or with none): left unprocessed. */
export interface ForeignChange {
  /** The change's `metadata.phone_number_id`, null when it had none. */
  phoneNumberId: string | null;
  messages: number;
  statuses: number;
}

/** One part of a webhook we could not read, and why (no client text, no full ids: it is logged). */
export interface SkippedPart {
  part: "change" | "contact" | "message" | "status";
  reason: string;
  /** Meta's id of the message or status, when it could be read. */
  id: string | null;
  /** The first schema issue's path (or the message type), for ops. */
  detail: string | null;
}

/** Where a zod parse failed, as "messages.0.timestamp: expected string". */
function issueOf(error: z.ZodError): string | null {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".")}: ${issue.message}`.slice(0, 200) : null;
}

function seconds(t: string | number): number {
  return Number(t) * 1000;
}

function idOf(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null || !("id" in raw)) return null;
  return typeof raw.id === "string" ? storableText(raw.id).slice(0, 200) : null;
}

function normaliseMessage(
  raw: z.infer<typeof MessageSchema>,
  phoneNumberId: string | null,
  contacts: Map<string, ContactInfo>,
): { ok: true; message: InboundMessage } | { ok: false; reason: string } {
  const from = raw.from === undefined || raw.from === "" ? null : toE164(raw.from);
  if (raw.from !== undefined && raw.from !== "" && from === null) return { ok: false, reason: "sender number unreadable" };
  const contact = (raw.from_user_id !== undefined ? contacts.get(raw.from_user_id) : undefined) ?? (raw.from !== undefined ? contacts.get(raw.from) : undefined);
  const userId = toUserId(raw.from_user_id ?? contact?.userId ?? null);
  if (raw.from_user_id !== undefined && userId === null) return { ok: false, reason: "sender user id unreadable" };
  if (from === null && userId === null) return { ok: false, reason: "no sender: neither from nor from_user_id" };
  const base: InboundMessage = {
    id: raw.id,
    from,
    userId,
    parentUserId: toUserId(raw.from_parent_user_id ?? contact?.parentUserId ?? null),
    username: contact?.username ?? null,
    timestampMs: seconds(raw.timestamp),
    phoneNumberId,
    profileName: contact?.name ?? null,
    kind: "unsupported",
    text: null,
    replyId: null,
    media: null,
    location: null,
    rawType: raw.type,
  };
  const message = readKind(raw, base);
  return { ok: true, message };
}

function readKind(raw: z.infer<typeof MessageSchema>, base: InboundMessage): InboundMessage {
  if (raw.type === "text" && raw.text) return { ...base, kind: "text", text: raw.text.body };
  if (raw.type === "interactive" && raw.interactive) {
    const reply = raw.interactive.button_reply ?? raw.interactive.list_reply;
    if (reply) return { ...base, kind: "reply", text: reply.title, replyId: reply.id };
  }
  if (raw.type === "button" && raw.button) {
    return { ...base, kind: "reply", text: raw.button.text, replyId: raw.button.payload ?? null };
  }
  if (raw.type === "system") {
    const system = raw.system;
    const changed = system?.type === "user_changed_number" || system?.type === "customer_changed_number";
    const newPhone = changed ? (system.new_wa_id ?? system.wa_id) : undefined;
    const newUserId = changed ? (system.new_user_id ?? system.user_id) : undefined;
    return {
      ...base,
      kind: "system",
      rawType: system?.type ? `system:${system.type}` : "system",
      numberChange: changed ? { newPhone: newPhone ? toE164(newPhone) : null, newUserId: toUserId(newUserId ?? null) } : null,
    };
  }
  const mediaKind = MEDIA_KINDS.find((k) => k === raw.type);
  const media = mediaKind ? raw[mediaKind] : undefined;
  if (mediaKind && media) {
    return {
      ...base,
      kind: "media",
      text: media.caption ?? null,
      media: {
        kind: mediaKind,
        id: media.id,
        mimeType: media.mime_type ?? null,
        caption: media.caption ?? null,
        filename: media.filename ?? null,
      },
    };
  }
  if (raw.type === "location" && raw.location) {
    const { latitude, longitude, name } = raw.location;
    return { ...base, kind: "location", text: name ?? null, location: { latitude, longitude, name: name ?? null } };
  }
  if (raw.type === "contacts" && raw.contacts) return { ...base, kind: "contacts" };
  if (raw.type === "reaction" && raw.reaction) return { ...base, kind: "reaction", text: raw.reaction.emoji ?? null };
  return base;
}

/** Every client-supplied string of a message, storable in Postgres (NUL, lone surrogates → U+FFFD). */
function storableMessage(m: InboundMessage): InboundMessage {
  return {
    ...m,
    id: storableText(m.id),
    phoneNumberId: storableOrNull(m.phoneNumberId),
    profileName: storableOrNull(m.profileName),
    username: storableOrNull(m.username),
    text: storableOrNull(m.text),
    replyId: storableOrNull(m.replyId),
    rawType: storableText(m.rawType),
    media: m.media && {
      ...m.media,
      id: storableText(m.media.id),
      mimeType: storableOrNull(m.media.mimeType),
      caption: storableOrNull(m.media.caption),
      filename: storableOrNull(m.media.filename),
    },
    location: m.location && { ...m.location, name: storableOrNull(m.location.name) },
  };
}

const STATUS_VALUES = new Set(["sent", "delivered", "read", "failed"]);
/** Outbox row ids are UUIDs; other callback data (an alert's `parked-…` reference) names no row. */
const OUTBOX_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function normaliseStatus(raw: z.infer<typeof StatusSchema>): DeliveryStatus {
  const callback = raw.biz_opaque_callback_data;
  const callbackRef = callback !== undefined && callback !== "" && !OUTBOX_ID.test(callback) ? storableText(callback).slice(0, 200) : undefined;
  return {
    ...(callbackRef === undefined ? {} : { callbackRef }),
    providerMessageId: storableText(raw.id),
    status: STATUS_VALUES.has(raw.status) ? (raw.status as DeliveryStatus["status"]) : "unknown",
    timestampMs: seconds(raw.timestamp),
    recipient: raw.recipient_id ? toE164(raw.recipient_id) : null,
    recipientUserId: toUserId(raw.recipient_user_id ?? null),
    outboxId: raw.biz_opaque_callback_data !== undefined && OUTBOX_ID.test(raw.biz_opaque_callback_data) ? raw.biz_opaque_callback_data.toLowerCase() : null,
    errors: (raw.errors ?? []).map((e) => ({ code: e.code, title: storableOrNull(e.title ?? e.message ?? null) })),
  };
}

/** Reads a change's contacts one by one; an unreadable one is skipped, the others still name their senders. */
function readContacts(raw: readonly unknown[], skipped: SkippedPart[]): Map<string, ContactInfo> {
  const contacts = new Map<string, ContactInfo>();
  for (const item of raw) {
    const parsed = ContactSchema.safeParse(item);
    if (!parsed.success) {
      skipped.push({ part: "contact", reason: "contact unreadable", id: null, detail: issueOf(parsed.error) });
      continue;
    }
    const c = parsed.data;
    const info: ContactInfo = {
      name: c.profile?.name || null,
      username: c.profile?.username || null,
      userId: toUserId(c.user_id ?? null),
      parentUserId: toUserId(c.parent_user_id ?? null),
    };
    if (c.wa_id) contacts.set(c.wa_id, info);
    if (c.user_id) contacts.set(c.user_id, info);
  }
  return contacts;
}

/**
 * Flattens an envelope into messages and statuses, each part read on its own: an unreadable one
 * lands in `skipped` and the rest are still read. With `ourPhoneNumberId`, a change whose
 * `metadata.phone_number_id` is another (or missing) is not read: it lands in `foreign` (one app
 * can serve several numbers; only ours are our clients). Without it (a dev stack that set none)
 * every change is read.
 */
export function readEnvelope(envelope: WebhookEnvelope, ourPhoneNumberId?: string): ParsedWebhook {
  const out: ParsedWebhook = { messages: [], statuses: [], skipped: [], foreign: [] };
  for (const entry of envelope.entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") {
        out.skipped.push({ part: "change", reason: `field ${change.field} not handled`, id: null, detail: storableText(change.field).slice(0, 60) });
        continue;
      }
      const value = ValueSchema.safeParse(change.value);
      if (!value.success) {
        out.skipped.push({ part: "change", reason: "change value unreadable", id: null, detail: issueOf(value.error) });
        continue;
      }
      const phoneNumberId = value.data.metadata?.phone_number_id ?? null;
      if (ourPhoneNumberId !== undefined && phoneNumberId !== ourPhoneNumberId) {
        out.foreign.push({
          phoneNumberId: phoneNumberId === null ? null : storableText(phoneNumberId),
          messages: value.data.messages?.length ?? 0,
          statuses: value.data.statuses?.length ?? 0,
        });
        continue;
      }
      const contacts = readContacts(value.data.contacts ?? [], out.skipped);
      for (const rawMessage of value.data.messages ?? []) {
        const parsed = MessageSchema.safeParse(rawMessage);
        if (!parsed.success) {
          out.skipped.push({ part: "message", reason: "message unreadable", id: idOf(rawMessage), detail: issueOf(parsed.error) });
          continue;
        }
        const read = normaliseMessage(parsed.data, phoneNumberId, contacts);
        if (read.ok) out.messages.push(storableMessage(read.message));
        else out.skipped.push({ part: "message", reason: read.reason, id: idOf(rawMessage), detail: storableText(parsed.data.type).slice(0, 40) });
      }
      for (const rawStatus of value.data.statuses ?? []) {
        const parsed = StatusSchema.safeParse(rawStatus);
        if (!parsed.success) {
          out.skipped.push({ part: "status", reason: "status unreadable", id: idOf(rawStatus), detail: issueOf(parsed.error) });
          continue;
        }
        const status = normaliseStatus(parsed.data);
        if (status.recipient === null && status.recipientUserId === null) {
          out.skipped.push({ part: "status", reason: "status names no recipient", id: status.providerMessageId, detail: status.status });
          continue;
        }
        out.statuses.push(status);
      }
    }
  }
  return out;
}
