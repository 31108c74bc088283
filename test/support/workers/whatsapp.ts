/**
 * Test helpers inside the Workers runtime: play the client through the WhatsApp emulator (which
 * builds and signs Meta's envelope), deliver it to the Worker, wait for the lead's DO to settle,
 * and read what the emulator received.
 */
import { env, SELF } from "cloudflare:test";
import { inject } from "vitest";

const emulator = () => inject("whatsappUrl");

let counter = 0;
/** A fresh UK mobile number per call, so tests never share a Durable Object or a lead. */
export function uniquePhone(): string {
  counter++;
  const n = (Date.now() % 1_000_000) * 100 + (counter % 100);
  return `+4477${String(n).padStart(8, "0").slice(-8)}`;
}

let userIds = 0;
/** A fresh business-scoped user ID per call ("GB." and digits, as Meta formats them). */
export function uniqueUserId(): string {
  userIds++;
  return `GB.${Date.now()}${String(userIds).padStart(4, "0")}${Math.floor(Math.random() * 1000)}`;
}

export interface InboundSpec {
  /** The client's number; omitted for a username client known only by BSUID. */
  from?: string;
  /** The client's business-scoped user ID. */
  user_id?: string;
  username?: string;
  /** WhatsApp's "changed number" notice from this client. */
  changed_number?: { to: string; new_user_id?: string };
  name?: string;
  id?: string;
  timestamp?: string;
  text?: string;
  button?: { id: string; title: string };
  list?: { id: string; title: string };
  image?: { base64?: string; mime_type?: string; caption?: string };
  document?: { base64?: string; mime_type?: string; caption?: string; filename?: string };
}

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emulator()}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json<T>();
}

/** The signed envelope Meta would send for this client message (recorded by the emulator). */
export function prepareInbound(spec: InboundSpec): Promise<{ body: string; signature: string; message_id: string }> {
  return control("POST", "/_emulator/inbound/prepare", spec);
}

/** POSTs a body to the Worker's webhook with the given signature header (null: none). */
export function postWebhook(body: string, signature: string | null): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  return SELF.fetch("https://inkline.test/webhooks/whatsapp", { method: "POST", headers, body });
}

/** Client sends a message: built and signed by the emulator, posted to the Worker. */
export async function clientSends(spec: InboundSpec): Promise<{ response: Response; messageId: string }> {
  const prepared = await prepareInbound(spec);
  const response = await postWebhook(prepared.body, prepared.signature);
  return { response, messageId: prepared.message_id };
}

/** Waits until the number's DO has drained everything it can right now; returns its inbox size. */
export function settle(phone: string): Promise<number> {
  return env.LEAD_CONVERSATION.getByName(phone).settled();
}

/** An interactive message as sent to Graph: reply buttons (or a list) under a body text. */
export interface RecordedInteractive {
  type: string;
  body?: { text: string };
  action?: { buttons?: { type: string; reply: { id: string; title: string } }[] };
}

export interface RecordedSend {
  id: string;
  to: string;
  type: string;
  body: {
    /** Our outbox row id, which Meta echoes in the send's status webhooks. */
    biz_opaque_callback_data?: string;
    /** Set when the send went to a BSUID (Graph's `recipient`) rather than a number (`to`). */
    recipient?: string;
    text?: { body: string }; template?: { name: string }; interactive?: RecordedInteractive };
}

/** What the bot sent to `phone`, in order. */
export async function sentTo(phone: string): Promise<RecordedSend[]> {
  const result = await control<{ sends: RecordedSend[] }>("GET", `/_emulator/sends?to=${encodeURIComponent(phone)}`);
  return result.sends;
}

/** The text of each message sent to `phone` (an interactive message's body; templates as "template:<name>"). */
export async function textsTo(phone: string): Promise<string[]> {
  return (await sentTo(phone)).map(
    (s) => s.body.text?.body ?? s.body.interactive?.body?.text ?? (s.body.template ? `template:${s.body.template.name}` : s.type),
  );
}

/** The reply buttons of each message sent to `phone` (ids; empty for other messages). */
export async function buttonIdsTo(phone: string): Promise<string[][]> {
  return (await sentTo(phone)).map((s) => (s.body.interactive?.action?.buttons ?? []).map((b) => b.reply.id));
}

/**
 * Makes the emulator's next `count` Graph calls for `phone` fail (sends to it, its media); with
 * `only`, just message sends or just media calls (lookup and download), the other kind passing
 * untouched. Always scoped to one client: ~100 files share the emulator, and a fault armed for any
 * client would hit another file's send.
 */
export async function failNextSends(phone: string, count: number, mode: "500" | "429" | "timeout" | "lost_reply" | "bsuid_unsupported", only?: "messages" | "media"): Promise<void> {
  await control("POST", "/_emulator/fail", only === undefined ? { count, mode, phone } : { count, mode, only, phone });
}

/**
 * Makes the next `count` message sends whose ref (`biz_opaque_callback_data`) starts with
 * `refPrefix` fail: a fault that hits only this test's sends (to the shared artist number too).
 */
export async function failSendsWithRef(refPrefix: string, count: number, mode: "500" | "429" | "timeout" | "lost_reply"): Promise<void> {
  await control("POST", "/_emulator/fail", { count, mode, ref: refPrefix });
}

/** Disarms what is still armed for `phone` (both kinds). */
export async function resetEmulatorFailures(phone: string): Promise<void> {
  await control("POST", "/_emulator/fail", { count: 0, mode: "500", phone });
}

/** Opens a number's 24-hour window at the emulator, as if the client had just written (no message). */
export async function openServiceWindow(phone: string): Promise<void> {
  await control("POST", "/_emulator/window", { phone });
}

/** Signs a raw body as Meta does (X-Hub-Signature-256), for hand-built envelopes. */
export async function signBody(body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(env.WHATSAPP_APP_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Moves the emulator's clock (its 24-hour windows age with it); 0 puts it back to wall time. */
export async function setEmulatorClockOffset(offsetMs: number): Promise<void> {
  await control("POST", "/_emulator/clock", { offsetMs });
}

/** Meta's webhook envelope around one `value` (messages or statuses), for hand-built cases. */
export function metaEnvelope(value: Record<string, unknown>): string {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "1",
        changes: [
          {
            field: "messages",
            value: { messaging_product: "whatsapp", metadata: { phone_number_id: env.WHATSAPP_PHONE_NUMBER_ID }, ...value },
          },
        ],
      },
    ],
  });
}

/** Graph calls for `phone` the emulator is answering right now (held by latency or not yet answered). */
export async function graphCallsInFlight(phone: string): Promise<number> {
  const res = await fetch(`${inject("whatsappUrl")}/_emulator/in-flight?phone=${encodeURIComponent(phone)}`);
  const body: { calls: number } = await res.json();
  return body.calls;
}

/** Makes every Graph answer for `phone` take `ms` longer (0 turns it off); other clients are not slowed. */
export async function setGraphLatency(phone: string, ms: number): Promise<void> {
  await control("POST", "/_emulator/latency", { ms, phone });
}

/**
 * Meta's status webhook for a recorded send, as Meta posts it: the wamid, the recipient and the
 * `biz_opaque_callback_data` the send carried. `recipient` overrides the number it is routed by.
 */
export async function postStatusFor(send: RecordedSend, status: "sent" | "delivered" | "read" | "failed", recipient?: string): Promise<Response> {
  const update: Record<string, unknown> = { id: send.id, status, timestamp: String(Math.floor(Date.now() / 1000)) };
  // A send to a BSUID comes back with `recipient_user_id` (Meta withholds the number).
  if (recipient === undefined && send.body.recipient !== undefined) update.recipient_user_id = send.body.recipient;
  else update.recipient_id = (recipient ?? send.to).replace(/^\+/, "");
  if (send.body.biz_opaque_callback_data !== undefined) update.biz_opaque_callback_data = send.body.biz_opaque_callback_data;
  const body = metaEnvelope({ statuses: [update] });
  return postWebhook(body, await signBody(body));
}
