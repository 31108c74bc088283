/**
 * Meta's inbound webhook envelopes and their signature. The Worker verifies
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` with the app secret, so the
 * emulator serialises the envelope once and signs exactly those bytes.
 */
import { createHmac, randomBytes } from "node:crypto";

/** Identity of the emulated business number, as it appears in every envelope. */
export interface BusinessIdentity {
  wabaId: string;
  phoneNumberId: string;
  /** Digits only: Meta's `metadata.display_phone_number` carries no "+" or spaces. */
  displayPhoneNumber: string;
}

/** A message object as it appears in `value.messages[]`. */
export type InboundMessage = Record<string, unknown>;

/** A delivery status as it appears in `value.statuses[]`. */
export interface StatusUpdate {
  id: string;
  status: "sent" | "delivered" | "read" | "failed";
  timestamp: string;
  /** The client's number; absent when the send went to their BSUID (Meta then names them by `recipient_user_id`). */
  recipient_id?: string;
  recipient_user_id?: string;
  /** Echoed from the send that carried it (Meta returns it in every status of that message). */
  biz_opaque_callback_data?: string;
  conversation?: { id: string; origin: { type: string } };
  pricing?: { billable: boolean; pricing_model: string; category: string };
  errors?: { code: number; title: string; message?: string; error_data?: { details: string } }[];
}

/** `X-Hub-Signature-256` header value for a raw body. */
export function signBody(rawBody: string, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody, "utf8").digest("hex")}`;
}

/** Unix seconds as Meta sends them: a decimal string. */
export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

/**
 * A fresh message id. Real wamids are base64 of an opaque structure; tests need only the
 * `wamid.` prefix and uniqueness, and a readable recipient inside helps when debugging.
 */
export function newWamid(waId: string): string {
  const opaque = Buffer.concat([Buffer.from(`${waId}:`), randomBytes(12)]).toString("base64");
  return `wamid.${opaque}`;
}

function wrap(business: BusinessIdentity, value: Record<string, unknown>): string {
  const envelope = {
    object: "whatsapp_business_account",
    entry: [
      {
        id: business.wabaId,
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: {
                display_phone_number: business.displayPhoneNumber,
                phone_number_id: business.phoneNumberId,
              },
              ...value,
            },
            field: "messages",
          },
        ],
      },
    ],
  };
  return JSON.stringify(envelope);
}

/** The raw body of a `messages` webhook carrying one client message. */
export function messageEnvelope(
  business: BusinessIdentity,
  contact: { name: string; waId?: string; userId?: string; username?: string },
  message: InboundMessage,
): string {
  const profile = contact.username === undefined ? { name: contact.name } : { name: contact.name, username: contact.username };
  const entry: Record<string, unknown> = { profile };
  if (contact.waId !== undefined) entry.wa_id = contact.waId;
  if (contact.userId !== undefined) entry.user_id = contact.userId;
  // Meta sends no contacts with a system notice.
  return wrap(business, message.type === "system" ? { messages: [message] } : { contacts: [entry], messages: [message] });
}

/** The raw body of one `messages` webhook carrying many clients' messages (Meta batches up to 1,000). */
export function batchEnvelope(
  business: BusinessIdentity,
  contacts: readonly { name: string; waId: string }[],
  messages: readonly InboundMessage[],
): string {
  return wrap(business, {
    contacts: contacts.map((c) => ({ profile: { name: c.name }, wa_id: c.waId })),
    messages,
  });
}

/** The raw body of a `messages` webhook carrying one status update. */
export function statusEnvelope(business: BusinessIdentity, status: StatusUpdate): string {
  return wrap(business, { statuses: [status] });
}

/** The `biz_opaque_callback_data` a send carried, if any. */
function callbackDataOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null || !("biz_opaque_callback_data" in body)) return null;
  return typeof body.biz_opaque_callback_data === "string" ? body.biz_opaque_callback_data : null;
}

/** A status update for a sent message, with the conversation/pricing blocks Meta adds. */
export function statusUpdate(
  send: { id: string; wa_id: string; type: string; body: unknown },
  status: StatusUpdate["status"],
  nowMs: number,
  errors?: StatusUpdate["errors"],
): StatusUpdate {
  const toUserId = typeof send.body === "object" && send.body !== null && "recipient" in send.body && !("to" in send.body);
  const update: StatusUpdate = toUserId
    ? { id: send.id, status, timestamp: unixSeconds(nowMs), recipient_user_id: send.wa_id }
    : { id: send.id, status, timestamp: unixSeconds(nowMs), recipient_id: send.wa_id };
  const callbackData = callbackDataOf(send.body);
  if (callbackData !== null) update.biz_opaque_callback_data = callbackData;
  if (status === "failed") {
    update.errors = errors ?? [{ code: 131000, title: "Something went wrong", message: "Something went wrong" }];
    return update;
  }
  const category = send.type === "template" ? "utility" : "service";
  update.conversation = { id: `conv-${send.wa_id}`, origin: { type: category } };
  update.pricing = { billable: send.type === "template", pricing_model: "PMP", category };
  return update;
}
