/**
 * Stripe in Workers tests: the emulator's control API (sessions, the requests it answered with
 * their idempotency keys, the events it signed, paying or expiring a session as the customer or
 * Stripe's clock would, fault injection) and posting a signed event to the Worker's webhook, the
 * way Stripe delivers it. The emulator cannot reach the Worker under test, so tests carry events.
 */
import { SELF } from "cloudflare:test";
import { inject } from "vitest";

const emulator = () => inject("stripeUrl");

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emulator()}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`stripe emulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json<T>();
}

export interface EmulatedSession {
  id: string;
  status: "open" | "complete" | "expired";
  payment_status: string;
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  expires_at: number;
  created: number;
  success_url: string | null;
  cancel_url: string | null;
  url: string | null;
  payment_intent: string | null;
}

export interface EmulatedEvent {
  id: string;
  type: string;
  object_id: string;
  payload: string;
  /** A `Stripe-Signature` header made when the event was read. */
  signature: string;
}

export interface EmulatedRequest {
  method: string;
  path: string;
  operation: string | null;
  idempotency_key: string | null;
  status: number;
  replayed: boolean;
  injected: boolean;
}

/** Every Checkout Session for a lead (client_reference_id), oldest first. */
export async function sessionsFor(leadId: string): Promise<EmulatedSession[]> {
  const { sessions } = await control<{ sessions: EmulatedSession[] }>("GET", "/_emulator/sessions");
  return sessions.filter((s) => s.client_reference_id === leadId);
}

/** API requests about a lead's sessions (creates carry the lead id in their idempotency key). */
export async function requests(): Promise<EmulatedRequest[]> {
  return (await control<{ requests: EmulatedRequest[] }>("GET", "/_emulator/requests")).requests;
}

/** The customer pays (card at once, or an async method that succeeds or fails); the events Stripe would send. */
export async function pay(sessionId: string, method: "card" | "async_succeeded" | "async_failed" = "card"): Promise<EmulatedEvent[]> {
  return (await control<{ events: EmulatedEvent[] }>("POST", `/_emulator/sessions/${sessionId}/pay`, { method, deliver: false })).events;
}

/** The session's time runs out at Stripe; the `checkout.session.expired` event it sends. */
export async function expire(sessionId: string): Promise<EmulatedEvent> {
  const { events } = await control<{ events: EmulatedEvent[] }>("POST", `/_emulator/sessions/${sessionId}/expire`, { deliver: false });
  const event = events.find((e) => e.type === "checkout.session.expired");
  if (!event) throw new Error(`no expired event for ${sessionId}`);
  return event;
}

/** Events the emulator signed about an object (a session, a charge), optionally of one type. */
export async function eventsAbout(objectId: string, type?: string): Promise<EmulatedEvent[]> {
  const query = new URLSearchParams({ object: objectId, ...(type ? { type } : {}) });
  return (await control<{ events: EmulatedEvent[] }>("GET", `/_emulator/events?${query.toString()}`)).events;
}

/** A `Stripe-Signature` for `payload` (with another secret: a forgery). */
export async function sign(payload: string, secret?: string): Promise<string> {
  return (await control<{ signature: string }>("POST", "/_emulator/sign", secret === undefined ? { payload } : { payload, secret })).signature;
}

/** Makes the emulator's next `count` calls (of one operation) fail. */
export async function failStripe(count: number, mode: "500" | "429" | "timeout", only?: string, keyPrefix?: string): Promise<void> {
  await control("POST", "/_emulator/fail", { count, mode, ...(only === undefined ? {} : { only }), ...(keyPrefix === undefined ? {} : { key_prefix: keyPrefix }) });
}

/** POSTs a body to the Worker's Stripe webhook with a `Stripe-Signature` header (null: none). */
export function postStripe(payload: string, signature: string | null): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["stripe-signature"] = signature;
  return SELF.fetch("https://inkline.test/webhooks/stripe", { method: "POST", headers, body: payload });
}

/** Delivers an event as Stripe would. */
export function deliver(event: EmulatedEvent): Promise<Response> {
  return postStripe(event.payload, event.signature);
}

/** An event envelope of `type` about `object`, as Stripe would send it (for shapes the emulator has no button for). */
export function envelope(type: string, object: Record<string, unknown>, id = `evt_test_${crypto.randomUUID().replace(/-/g, "")}`): string {
  return JSON.stringify({ id, object: "event", api_version: "2026-10-28.endive", created: Math.floor(Date.now() / 1000), data: { object }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type });
}

/** Stripe's charge.refunded events for a payment, oldest first. */
export async function chargeRefunds(paymentIntentId: string): Promise<EmulatedEvent[]> {
  const { events } = await control<{ events: EmulatedEvent[] }>("GET", "/_emulator/events?type=charge.refunded");
  return events.filter((e) => (JSON.parse(e.payload) as { data: { object: { payment_intent: string } } }).data.object.payment_intent === paymentIntentId);
}

/** Someone refunds in Stripe's dashboard (straight to the API, not through Inkline). */
export async function dashboardRefund(paymentIntentId: string, amountMinor: number): Promise<number> {
  const res = await fetch(`${emulator()}/v1/refunds`, {
    method: "POST",
    headers: { authorization: `Bearer ${inject("testSecrets").STRIPE_SECRET_KEY}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ payment_intent: paymentIntentId, amount: String(amountMinor) }).toString(),
  });
  await res.body?.cancel();
  return res.status;
}
