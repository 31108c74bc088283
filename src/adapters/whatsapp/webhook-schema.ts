/**
 * Meta's WhatsApp Cloud API webhook envelope, validated with zod and normalised into Inkline's
 * own `InboundMessage` / `DeliveryStatus` shapes.
 *
 * Lenient where Meta may add fields (objects pass unknown keys through), strict where we depend on
 * a value. A message of a type we do not know becomes `kind: "unsupported"` instead of failing the
 * whole POST: Meta would redeliver a rejected POST for days.
 */
import { z } from "zod";
import type { InboundMessage, MediaKind } from "../../domain/messages.ts";
import { toE164 } from "../../domain/phone.ts";
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

const MessageSchema = z.looseObject({
  from: z.string().min(1),
  id: z.string().min(1),
  timestamp: z.string().regex(/^\d{1,12}$/),
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
});

const StatusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string().regex(/^\d{1,12}$/),
  recipient_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z
    .array(z.looseObject({ code: z.number(), title: z.string().optional(), message: z.string().optional() }))
    .optional(),
});

const ValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({ phone_number_id: z.string(), display_phone_number: z.string().optional() }).optional(),
  contacts: z.array(z.looseObject({ wa_id: z.string(), profile: z.looseObject({ name: z.string() }).optional() })).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

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
  recipient: string | null;
  /**
   * The outbox row the status is about: Meta echoes the send's `biz_opaque_callback_data`, which
   * is our row id. Null when absent or not one of ours. It is what ties a status to a send whose
   * answer never reached us (a timeout, a reset mid-call).
   */
  outboxId: string | null;
  errors: { code: number; title: string | null }[];
}

export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: DeliveryStatus[];
  /** Parts we could not read (logged, acknowledged, never retried forever). */
  skipped: { reason: string; sample: unknown }[];
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

function normaliseMessage(
  raw: z.infer<typeof MessageSchema>,
  phoneNumberId: string | null,
  names: Map<string, string>,
): InboundMessage | null {
  const from = toE164(raw.from);
  if (!from) return null;
  const base: InboundMessage = {
    id: raw.id,
    from,
    timestampMs: Number(raw.timestamp) * 1000,
    phoneNumberId,
    profileName: names.get(raw.from) ?? null,
    kind: "unsupported",
    text: null,
    replyId: null,
    media: null,
    location: null,
    rawType: raw.type,
  };
  if (raw.type === "text" && raw.text) return { ...base, kind: "text", text: raw.text.body };
  if (raw.type === "interactive" && raw.interactive) {
    const reply = raw.interactive.button_reply ?? raw.interactive.list_reply;
    if (reply) return { ...base, kind: "reply", text: reply.title, replyId: reply.id };
  }
  if (raw.type === "button" && raw.button) {
    return { ...base, kind: "reply", text: raw.button.text, replyId: raw.button.payload ?? null };
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
  return {
    providerMessageId: storableText(raw.id),
    status: STATUS_VALUES.has(raw.status) ? (raw.status as DeliveryStatus["status"]) : "unknown",
    timestampMs: Number(raw.timestamp) * 1000,
    recipient: raw.recipient_id ? toE164(raw.recipient_id) : null,
    outboxId: raw.biz_opaque_callback_data !== undefined && OUTBOX_ID.test(raw.biz_opaque_callback_data) ? raw.biz_opaque_callback_data.toLowerCase() : null,
    errors: (raw.errors ?? []).map((e) => ({ code: e.code, title: storableOrNull(e.title ?? e.message ?? null) })),
  };
}

/**
 * Flattens an envelope into messages and statuses; unreadable parts land in `skipped`. With
 * `ourPhoneNumberId`, a change whose `metadata.phone_number_id` is another (or missing) is not
 * read: it lands in `foreign` (one app can serve several numbers; only ours are our clients).
 * Without it (a dev stack that set none) every change is read.
 */
export function readEnvelope(envelope: WebhookEnvelope, ourPhoneNumberId?: string): ParsedWebhook {
  const out: ParsedWebhook = { messages: [], statuses: [], skipped: [], foreign: [] };
  for (const entry of envelope.entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") {
        out.skipped.push({ reason: `field ${change.field} not handled`, sample: change.field });
        continue;
      }
      const value = ValueSchema.safeParse(change.value);
      if (!value.success) {
        out.skipped.push({ reason: "change value unreadable", sample: value.error.issues[0]?.message });
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
      const names = new Map((value.data.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? ""] as const));
      for (const rawMessage of value.data.messages ?? []) {
        const parsed = MessageSchema.safeParse(rawMessage);
        const message = parsed.success ? normaliseMessage(parsed.data, phoneNumberId, names) : null;
        if (message) out.messages.push(storableMessage(message));
        else out.skipped.push({ reason: "message unreadable", sample: parsed.success ? "bad from" : parsed.error.issues[0]?.path });
      }
      for (const rawStatus of value.data.statuses ?? []) {
        const parsed = StatusSchema.safeParse(rawStatus);
        if (parsed.success) out.statuses.push(normaliseStatus(parsed.data));
        else out.skipped.push({ reason: "status unreadable", sample: parsed.error.issues[0]?.path });
      }
    }
  }
  return out;
}
