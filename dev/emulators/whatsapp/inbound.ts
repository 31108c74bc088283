/**
 * The `POST /_emulator/inbound` spec ("client Sam says hello", "taps button X", "sends a photo")
 * and its translation into the message object Meta would put in `value.messages[]`: digits-only
 * `from`, a wamid, unix-seconds `timestamp`, the type-specific block, and for button/list replies
 * the `context` pointing at the message that offered them.
 */
import { z } from "zod";
import { newWamid, unixSeconds, type InboundMessage } from "./envelope.ts";
import { SAMPLE_PDF, SAMPLE_PNG } from "./media.ts";
import type { EmulatorState } from "./state.ts";

const phone = z.string().regex(/^\+?\d{6,15}$/, "must be a phone number: digits with an optional leading +");
/** A business-scoped user ID as Meta formats it ("US.13491208655302741918"). */
export const BSUID = /^[A-Z]{2}\.[A-Za-z0-9][A-Za-z0-9.]{0,140}$/;
const userId = z.string().regex(BSUID, "must be a BSUID: a country code, a period, letters and digits");
const base64 = z.string().regex(/^[A-Za-z0-9+/=\s]*$/, "must be base64").max(12_000_000);

/** What a test or the chat page asks the emulated client to send. Exactly one content key. */
export const InboundSpec = z.strictObject({
  /** The client's number; omitted for a client who uses a WhatsApp username (then `user_id` names them). */
  from: phone.optional(),
  /** The client's business-scoped user ID (sent as `from_user_id` and the contact's `user_id`). */
  user_id: userId.optional(),
  /** The client's WhatsApp username (`contacts[].profile.username`). */
  username: z.string().min(1).max(64).optional(),
  name: z.string().min(1).max(256).optional(),
  id: z.string().min(1).max(512).optional(),
  timestamp: z.string().regex(/^\d{1,12}$/, "must be unix seconds as a string").optional(),
  /** Explicit reply context (the wamid replied to); button/list replies find it themselves. */
  context: z.object({ message_id: z.string().min(1) }).optional(),
  text: z.string().min(1).max(4096).optional(),
  button: z.object({ id: z.string().min(1), title: z.string().min(1) }).optional(),
  list: z.object({ id: z.string().min(1), title: z.string().min(1), description: z.string().optional() }).optional(),
  /** A tap on a template's quick-reply button (Meta's `type: "button"` message). */
  quick_reply: z.object({ payload: z.string(), text: z.string().min(1) }).optional(),
  image: z.object({ base64: base64.optional(), mime_type: z.string().min(3).optional(), caption: z.string().optional() }).optional(),
  document: z
    .object({
      base64: base64.optional(),
      mime_type: z.string().min(3).optional(),
      filename: z.string().min(1).optional(),
      caption: z.string().optional(),
    })
    .optional(),
  location: z
    .object({
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      name: z.string().optional(),
      address: z.string().optional(),
    })
    .optional(),
  reaction: z.object({ message_id: z.string().min(1), emoji: z.string() }).optional(),
  /** WhatsApp's notice that the client changed number (a `system` message from the old identity). */
  changed_number: z.object({ to: phone, new_user_id: userId.optional() }).optional(),
});
export type InboundSpec = z.infer<typeof InboundSpec>;

const CONTENT_KEYS = ["text", "button", "list", "quick_reply", "image", "document", "location", "reaction", "changed_number"] as const;

/** The message to post, plus who sent it. */
export interface BuiltInbound {
  /** The emulator's key for the client: their number's digits, else their BSUID. */
  waId: string;
  name: string;
  message: InboundMessage;
  /** The contact entry Meta puts beside the message (`wa_id` only when the number is shown). */
  contact: { name: string; waId?: string; userId?: string; username?: string };
}

/** `{ ok: true, value }` or the reason the spec cannot become a message. */
export type InboundBuild = { ok: true; value: BuiltInbound } | { ok: false; reason: string };

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/**
 * Builds Meta's message object for a validated spec. Media bytes are stored so the Worker can
 * fetch them through `GET /{version}/{media-id}`; missing bytes default to a tiny sample file.
 */
export function buildInbound(spec: InboundSpec, state: EmulatorState, businessDigits: string): InboundBuild {
  const present = CONTENT_KEYS.filter((key) => spec[key] !== undefined);
  if (present.length !== 1) {
    return { ok: false, reason: `exactly one of ${CONTENT_KEYS.join(", ")} is required, got ${present.length}` };
  }
  if (spec.from === undefined && spec.user_id === undefined) return { ok: false, reason: "from or user_id is required" };
  const digits = spec.from?.replace(/^\+/, "");
  const waId = digits ?? spec.user_id ?? "";
  const name = spec.name ?? state.contactName(waId) ?? "Client";
  const nowMs = state.now();
  const head: Record<string, unknown> = {
    ...(digits === undefined ? {} : { from: digits }),
    ...(spec.user_id === undefined ? {} : { from_user_id: spec.user_id }),
    id: spec.id ?? newWamid(waId),
    timestamp: spec.timestamp ?? unixSeconds(nowMs),
  };
  let contextId = spec.context?.message_id;
  let body: Record<string, unknown>;

  if (spec.text !== undefined) {
    body = { type: "text", text: { body: spec.text } };
  } else if (spec.button) {
    contextId ??= state.sendOffering(waId, spec.button.id)?.id;
    body = { type: "interactive", interactive: { type: "button_reply", button_reply: spec.button } };
  } else if (spec.list) {
    contextId ??= state.sendOffering(waId, spec.list.id)?.id;
    body = { type: "interactive", interactive: { type: "list_reply", list_reply: withoutUndefined(spec.list) } };
  } else if (spec.quick_reply) {
    body = { type: "button", button: spec.quick_reply };
  } else if (spec.image) {
    const bytes = spec.image.base64 ? Buffer.from(spec.image.base64, "base64") : SAMPLE_PNG;
    if (bytes.length === 0) return { ok: false, reason: "image.base64: decodes to no bytes" };
    const media = state.media.put(bytes, spec.image.mime_type ?? "image/png", nowMs, undefined, waId);
    const image = { caption: spec.image.caption, mime_type: media.mimeType, sha256: media.sha256Base64, id: media.id };
    body = { type: "image", image: withoutUndefined(image) };
  } else if (spec.document) {
    const bytes = spec.document.base64 ? Buffer.from(spec.document.base64, "base64") : SAMPLE_PDF;
    if (bytes.length === 0) return { ok: false, reason: "document.base64: decodes to no bytes" };
    const filename = spec.document.filename ?? "document.pdf";
    const media = state.media.put(bytes, spec.document.mime_type ?? "application/pdf", nowMs, filename, waId);
    const document = { caption: spec.document.caption, filename, mime_type: media.mimeType, sha256: media.sha256Base64, id: media.id };
    body = { type: "document", document: withoutUndefined(document) };
  } else if (spec.location) {
    body = { type: "location", location: withoutUndefined(spec.location) };
  } else if (spec.reaction) {
    body = { type: "reaction", reaction: spec.reaction };
  } else if (spec.changed_number) {
    const to = spec.changed_number.to.replace(/^\+/, "");
    const system = { body: `User ${name} changed from ${digits ?? "their number"} to ${to}`, wa_id: to, user_id: spec.changed_number.new_user_id, type: "user_changed_number" };
    body = { type: "system", system: withoutUndefined(system) };
  } else {
    return { ok: false, reason: "no message content" };
  }

  // Meta puts `context` first and names the business number as its `from`.
  const context = contextId === undefined ? {} : { context: { from: businessDigits, id: contextId } };
  const contact = withoutUndefined({ name, waId: digits, userId: spec.user_id, username: spec.username }) as BuiltInbound["contact"];
  return { ok: true, value: { waId, name, message: { ...context, ...head, ...body }, contact } };
}
