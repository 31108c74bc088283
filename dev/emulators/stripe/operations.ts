/**
 * What the emulated Stripe does, in Stripe's terms and with Stripe's validation: create a
 * Checkout Session, pay it (at once, or by an async method that settles later), expire it (on
 * request, or when its time is up), refund a payment. Each change emits the event Stripe would.
 * Errors come back as the reply Stripe would give.
 */
import { obj, str, stringMap, type FormObject } from "./form.ts";
import { stripeError, type Reply } from "./http.ts";
import { stripeId, type ChargeObject, type EventRecord, type RefundObject, type SessionObject, type StoredSession, type StripeState } from "./state.ts";
import type { Webhooks } from "./webhooks.ts";

export interface OperationsContext {
  state: StripeState;
  webhooks: Webhooks;
  /** The emulator's base URL (the hosted checkout page lives under it). */
  baseUrl(): string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; reply: Reply };

const MIN_EXPIRY_S = 30 * 60;
const MAX_EXPIRY_S = 24 * 60 * 60;
const invalid = (message: string, param?: string, code = "parameter_invalid"): Outcome<never> => ({
  ok: false,
  reply: stripeError(400, "invalid_request_error", message, { code, ...(param ? { param } : {}) }),
});

const integer = (value: string | undefined): number | null => (value !== undefined && /^-?\d+$/.test(value) ? Number(value) : null);

/** POST /v1/checkout/sessions: mode=payment with price_data line items, as Inkline sends. */
export function createSession(ctx: OperationsContext, params: FormObject): Outcome<SessionObject> {
  const { state } = ctx;
  const mode = str(params, "mode");
  if (mode !== "payment") return invalid(`The emulator supports mode=payment only (got ${mode ?? "none"}).`, "mode");
  const successUrl = str(params, "success_url");
  if (!successUrl) return invalid("Missing required param: success_url.", "success_url", "parameter_missing");
  const items = params.line_items;
  if (!Array.isArray(items) || items.length === 0) return invalid("Missing required param: line_items.", "line_items", "parameter_missing");
  let total = 0;
  let currency: string | null = null;
  let productName = "";
  for (const [i, raw] of items.entries()) {
    const item = typeof raw === "object" && !Array.isArray(raw) ? raw : {};
    const price = obj(item, "price_data");
    const quantity = integer(str(item, "quantity")) ?? 1;
    const amount = integer(str(price, "unit_amount"));
    const itemCurrency = str(price, "currency");
    if (amount === null || amount < 0) return invalid("Invalid integer: unit_amount.", `line_items[${i}][price_data][unit_amount]`);
    if (!itemCurrency || !/^[a-z]{3}$/.test(itemCurrency)) return invalid("Invalid currency.", `line_items[${i}][price_data][currency]`);
    if (currency !== null && currency !== itemCurrency) return invalid("All line items must use the same currency.", "line_items");
    if (quantity < 1) return invalid("Invalid quantity.", `line_items[${i}][quantity]`);
    currency = itemCurrency;
    total += amount * quantity;
    productName ||= str(obj(price, "product_data"), "name") ?? "";
  }
  if (total < 30) return invalid("The Checkout Session's total amount due must add up to at least £0.30.", "line_items", "amount_too_small");
  const now = state.nowSeconds();
  const expiresAt = integer(str(params, "expires_at")) ?? now + MAX_EXPIRY_S;
  if (expiresAt < now + MIN_EXPIRY_S) return invalid("The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", "expires_at");
  if (expiresAt > now + MAX_EXPIRY_S) return invalid("The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", "expires_at");
  const id = stripeId("cs_test", 58);
  const session: SessionObject = {
    id,
    object: "checkout.session",
    amount_subtotal: total,
    amount_total: total,
    cancel_url: str(params, "cancel_url") ?? null,
    client_reference_id: str(params, "client_reference_id") ?? null,
    created: now,
    currency: currency ?? "gbp",
    customer: null,
    customer_details: null,
    expires_at: expiresAt,
    livemode: false,
    metadata: stringMap(obj(params, "metadata")),
    mode: "payment",
    payment_intent: null,
    payment_method_types: ["card"],
    payment_status: "unpaid",
    status: "open",
    success_url: successUrl,
    url: `${ctx.baseUrl()}/checkout/${id}`,
  };
  const paymentIntentMetadata = stringMap(obj(obj(params, "payment_intent_data"), "metadata"));
  state.sessions.set(id, { session, productName, paymentIntentMetadata, chargeId: null });
  return { ok: true, value: session };
}

/** The customer pays: `paid` at once, or an async method that then succeeds or fails. */
export type PayMethod = "card" | "async_succeeded" | "async_failed";

function charge(state: StripeState, stored: StoredSession): ChargeObject {
  const { session } = stored;
  const created: ChargeObject = {
    id: stripeId("ch"),
    object: "charge",
    amount: session.amount_total,
    amount_captured: session.amount_total,
    amount_refunded: 0,
    captured: true,
    created: state.nowSeconds(),
    currency: session.currency,
    metadata: stored.paymentIntentMetadata,
    paid: true,
    payment_intent: session.payment_intent ?? stripeId("pi"),
    refunded: false,
    status: "succeeded",
  };
  state.charges.set(created.id, created);
  stored.chargeId = created.id;
  session.payment_status = "paid";
  return created;
}

/** Completes an open session as the hosted page's Pay button does; returns the events it sent. */
export function paySession(ctx: OperationsContext, id: string, method: PayMethod = "card", deliver = true): Outcome<EventRecord[]> {
  const stored = ctx.state.sessions.get(id);
  if (!stored) return { ok: false, reply: stripeError(404, "invalid_request_error", `No such checkout.session: '${id}'`, { code: "resource_missing" }) };
  const { session } = stored;
  if (session.status !== "open") return invalid(`This Checkout Session is ${session.status} and can no longer be paid.`, "session", "checkout_session_not_open");
  session.status = "complete";
  session.url = null;
  session.payment_intent = stripeId("pi");
  session.customer_details = { email: "client@example.test", name: "Inkline Client" };
  const events: EventRecord[] = [];
  if (method === "card") {
    charge(ctx.state, stored);
    events.push(ctx.webhooks.emit("checkout.session.completed", { ...session }, undefined, deliver));
    return { ok: true, value: events };
  }
  events.push(ctx.webhooks.emit("checkout.session.completed", { ...session }, undefined, deliver));
  if (method === "async_succeeded") {
    charge(ctx.state, stored);
    events.push(ctx.webhooks.emit("checkout.session.async_payment_succeeded", { ...session }, undefined, deliver));
  } else events.push(ctx.webhooks.emit("checkout.session.async_payment_failed", { ...session }, undefined, deliver));
  return { ok: true, value: events };
}

/** POST /v1/checkout/sessions/:id/expire, or the session's time running out. */
export function expireSession(ctx: OperationsContext, id: string, idempotencyKey: string | null, deliver = true): Outcome<SessionObject> {
  const stored = ctx.state.sessions.get(id);
  if (!stored) return { ok: false, reply: stripeError(404, "invalid_request_error", `No such checkout.session: '${id}'`, { code: "resource_missing", param: "session" }) };
  const { session } = stored;
  if (session.status !== "open") {
    return invalid(`Only Checkout Sessions with a status of \`open\` can be expired. This Checkout Session has a status of \`${session.status}\`.`, "session", "checkout_session_not_open");
  }
  session.status = "expired";
  session.url = null;
  ctx.webhooks.emit("checkout.session.expired", { ...session }, { idempotencyKey }, deliver);
  return { ok: true, value: session };
}

/** Expires every open session whose expires_at has passed, as Stripe does on its own. */
export function expireDue(ctx: OperationsContext): number {
  const now = ctx.state.nowSeconds();
  let expired = 0;
  for (const { session } of ctx.state.sessions.values()) {
    if (session.status === "open" && session.expires_at <= now && expireSession(ctx, session.id, null).ok) expired++;
  }
  return expired;
}

/** POST /v1/refunds: by payment_intent (or charge), the whole remainder unless `amount` says less. */
export function createRefund(ctx: OperationsContext, params: FormObject, idempotencyKey: string | null): Outcome<RefundObject> {
  const { state } = ctx;
  const paymentIntent = str(params, "payment_intent");
  const chargeId = str(params, "charge");
  const found = [...state.charges.values()].find((c) => (paymentIntent ? c.payment_intent === paymentIntent : c.id === chargeId));
  if (!paymentIntent && !chargeId) return invalid("One of `payment_intent` or `charge` is required.", "payment_intent", "parameter_missing");
  if (!found) {
    const what = paymentIntent ? `payment_intent: '${paymentIntent}'` : `charge: '${chargeId ?? ""}'`;
    return { ok: false, reply: stripeError(400, "invalid_request_error", `No such ${what}`, { code: "resource_missing", param: paymentIntent ? "payment_intent" : "charge" }) };
  }
  const remaining = found.amount - found.amount_refunded;
  if (remaining <= 0) return invalid(`Charge ${found.id} has already been refunded.`, undefined, "charge_already_refunded");
  const amount = integer(str(params, "amount")) ?? remaining;
  if (amount <= 0) return invalid("Invalid positive integer: amount.", "amount");
  if (amount > remaining) return invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`, "amount", "amount_too_large");
  const refund: RefundObject = {
    id: stripeId("re"),
    object: "refund",
    amount,
    charge: found.id,
    created: state.nowSeconds(),
    currency: found.currency,
    metadata: stringMap(obj(params, "metadata")),
    payment_intent: found.payment_intent,
    reason: str(params, "reason") ?? null,
    status: "succeeded",
  };
  state.refunds.set(refund.id, refund);
  found.amount_refunded += amount;
  found.refunded = found.amount_refunded >= found.amount;
  ctx.webhooks.emit("charge.refunded", { ...found }, { idempotencyKey });
  return { ok: true, value: refund };
}
