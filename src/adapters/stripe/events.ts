/**
 * Stripe webhooks: the signature checked on the raw body with the official SDK (SubtleCrypto, as
 * the Workers runtime has no synchronous HMAC), then each event of a type Inkline handles read
 * into a {@link PaymentEvent} with the lead it concerns. Other types are acknowledged and ignored.
 */
import Stripe from "stripe";
import { z } from "zod";
import type { PaymentEvent, PaymentSource } from "../../domain/deposit.ts";
import { CheckoutSessionSchema, type CheckoutSession } from "./client.ts";

const crypto = Stripe.createSubtleCryptoProvider();

export type VerifiedWebhook = { ok: true; event: unknown } | { ok: false; reason: "missing_signature" | "invalid_signature" | "malformed_json" };

/** Checks `Stripe-Signature` against the raw body (5-minute tolerance) and parses it. */
export async function verifyStripeWebhook(raw: string, header: string | undefined, secret: string): Promise<VerifiedWebhook> {
  if (!header) return { ok: false, reason: "missing_signature" };
  try {
    const event: unknown = await Stripe.webhooks.constructEventAsync(raw, header, secret, undefined, crypto);
    return { ok: true, event };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) return { ok: false, reason: "invalid_signature" };
    if (error instanceof SyntaxError) return { ok: false, reason: "malformed_json" };
    throw error;
  }
}

const EnvelopeSchema = z.object({ id: z.string().min(1), type: z.string(), created: z.number().int(), data: z.object({ object: z.unknown() }) });

const idOf = z.union([z.string(), z.object({ id: z.string() }).transform((o) => o.id)]);
const ChargeSchema = z.object({
  id: z.string().min(1),
  object: z.literal("charge"),
  payment_intent: idOf.nullable(),
  amount_refunded: z.number().int().nonnegative(),
  currency: z.string(),
});

/** Where an event goes: to a lead by id (checkout sessions), or by its payment (charges). */
export type RoutedEvent =
  | { kind: "lead"; eventId: string; type: string; leadId: string | null; payment: PaymentEvent }
  | { kind: "payment_intent"; eventId: string; type: string; paymentIntentId: string | null; payment: PaymentEvent }
  | { kind: "ignored"; eventId: string | null; type: string | null; reason: "unhandled_type" | "malformed" };

/** The lead a session belongs to: client_reference_id, else metadata.lead_id. */
export function leadIdOf(session: CheckoutSession): string | null {
  return session.client_reference_id ?? session.metadata?.lead_id ?? null;
}

/** A session as a payment event (a webhook's object, or what the sweep retrieved). */
export function sessionEvent(type: "checkout_completed" | "async_payment_succeeded", session: CheckoutSession, atMs: number, source: PaymentSource): PaymentEvent {
  return {
    type,
    sessionId: session.id,
    paymentStatus: session.payment_status,
    amountTotal: session.amount_total,
    currency: session.currency,
    paymentIntentId: session.payment_intent,
    atMs,
    source,
  };
}

type Reader = (object: unknown, atMs: number, base: { eventId: string; type: string }) => RoutedEvent;

function sessionReader(toPayment: (session: CheckoutSession, atMs: number) => PaymentEvent): Reader {
  return (object, atMs, base) => {
    const session = CheckoutSessionSchema.safeParse(object);
    if (!session.success) return { ...base, kind: "ignored", reason: "malformed" };
    return { ...base, kind: "lead", leadId: leadIdOf(session.data), payment: toPayment(session.data, atMs) };
  };
}

/** Every event type Inkline subscribes to, and how it is read. */
const READERS = {
  "checkout.session.completed": sessionReader((s, at) => sessionEvent("checkout_completed", s, at, "webhook")),
  "checkout.session.async_payment_succeeded": sessionReader((s, at) => sessionEvent("async_payment_succeeded", s, at, "webhook")),
  "checkout.session.async_payment_failed": sessionReader((s, at) => ({ type: "async_payment_failed", sessionId: s.id, atMs: at, source: "webhook" })),
  "checkout.session.expired": sessionReader((s, at) => ({ type: "checkout_expired", sessionId: s.id, atMs: at, source: "webhook" })),
  "charge.refunded": (object, atMs, base) => {
    const charge = ChargeSchema.safeParse(object);
    if (!charge.success) return { ...base, kind: "ignored", reason: "malformed" };
    const { id, payment_intent, amount_refunded, currency } = charge.data;
    const payment: PaymentEvent = { type: "charge_refunded", chargeId: id, paymentIntentId: payment_intent, amountRefunded: amount_refunded, currency, atMs, source: "webhook" };
    return { ...base, kind: "payment_intent", paymentIntentId: payment_intent, payment };
  },
} satisfies Record<string, Reader>;

/** The event types to enable on the Stripe webhook endpoint (README, Deploying). */
export const HANDLED_EVENT_TYPES = Object.keys(READERS);

const isHandled = (type: string): type is keyof typeof READERS => Object.hasOwn(READERS, type);

/** Reads a verified event; unknown types and shapes come back as `ignored`. */
export function routeStripeEvent(event: unknown): RoutedEvent {
  const envelope = EnvelopeSchema.safeParse(event);
  if (!envelope.success) return { kind: "ignored", eventId: null, type: null, reason: "malformed" };
  const { id, type, created, data } = envelope.data;
  const base = { eventId: id, type };
  if (!isHandled(type)) return { ...base, kind: "ignored", reason: "unhandled_type" };
  return READERS[type](data.object, created * 1000, base);
}
