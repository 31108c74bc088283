/**
 * Stripe API client: the four calls Inkline makes (create, retrieve and expire a Checkout Session;
 * create a refund), through the official SDK on the Workers fetch client, every answer validated.
 *
 * STRIPE_API_URL (local only) points the SDK at the emulator through its host/port/protocol
 * settings. The SDK retries timeouts, connection errors and 5xx twice with the same idempotency
 * key. Failures are classified: a 4xx (other than 409/429) is Stripe refusing the request and
 * comes back as a result; anything else is an outage and is thrown, so the lead's inbox retries.
 */
import Stripe from "stripe";
import { z } from "zod";
import type { AppConfig } from "../../config.ts";

export interface StripeSettings {
  secretKey: string;
  /** Emulator base URL; the SDK's own host when unset. */
  apiUrl: string | undefined;
  timeoutMs: number;
}

/** Stripe settings from config, or null when payments are not configured or switched off (FEATURE_PAYMENTS). */
export function stripeSettingsFrom(config: AppConfig): StripeSettings | null {
  if (!config.FEATURE_PAYMENTS || !config.STRIPE_SECRET_KEY) return null;
  return { secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL, timeoutMs: config.STRIPE_TIMEOUT_MS };
}

/** The SDK on the fetch client, pointed at STRIPE_API_URL when set. */
export function stripeClient(settings: StripeSettings): Stripe {
  const target = settings.apiUrl ? new URL(settings.apiUrl) : null;
  const protocol = target?.protocol === "http:" ? "http" : "https";
  return new Stripe(settings.secretKey, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 2,
    timeout: settings.timeoutMs,
    ...(target ? { host: target.hostname, port: Number(target.port || (protocol === "http" ? 80 : 443)), protocol } : {}),
  });
}

const idOf = z.union([z.string(), z.object({ id: z.string() }).transform((o) => o.id)]);

/** The Checkout Session fields Inkline reads. */
export const CheckoutSessionSchema = z.object({
  id: z.string().min(1),
  object: z.literal("checkout.session"),
  status: z.enum(["open", "complete", "expired"]).nullable(),
  payment_status: z.string(),
  url: z.string().nullable(),
  expires_at: z.number().int(),
  created: z.number().int(),
  amount_total: z.number().int().nullable(),
  currency: z.string().nullable(),
  payment_intent: idOf.nullable(),
  client_reference_id: z.string().nullable(),
  metadata: z.record(z.string(), z.string()).nullable(),
});
export type CheckoutSession = z.infer<typeof CheckoutSessionSchema>;

const RefundSchema = z.object({ id: z.string().min(1), object: z.literal("refund"), amount: z.number().int(), status: z.string().nullable() });
export type StripeRefund = z.infer<typeof RefundSchema>;

/** A request Stripe refused (4xx): its status, code and message, for the lead's events. */
export type StripeResult<T> = { ok: true; value: T } | { ok: false; status: number | null; code: string; message: string };

/** Runs a call: a refusal becomes a result, an outage is thrown (see the module header). */
async function call<T>(schema: z.ZodType<T>, run: () => Promise<unknown>): Promise<StripeResult<T>> {
  try {
    return { ok: true, value: schema.parse(await run()) };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) {
      const status = error.statusCode ?? null;
      const refused = status !== null && status >= 400 && status < 500 && status !== 409 && status !== 429;
      if (refused) return { ok: false, status, code: error.code ?? error.type, message: error.message };
    }
    throw error;
  }
}

export interface DepositCheckout {
  leadId: string;
  attempt: number;
  amountMinor: number;
  /** ISO 4217, any case. */
  currency: string;
  ruleVersion: string | null;
  /** What the client sees on Stripe's page. */
  productName: string;
  expiresAtMs: number;
  successUrl: string;
  cancelUrl: string;
}

/** The Checkout Session parameters for a deposit: the same input always gives the same parameters. */
export function checkoutParams(d: DepositCheckout): Stripe.Checkout.SessionCreateParams {
  const metadata = { lead_id: d.leadId, attempt: String(d.attempt), rule_version: d.ruleVersion ?? "" };
  return {
    mode: "payment",
    client_reference_id: d.leadId,
    metadata,
    payment_intent_data: { metadata: { lead_id: d.leadId } },
    line_items: [{ quantity: 1, price_data: { currency: d.currency.toLowerCase(), unit_amount: d.amountMinor, product_data: { name: d.productName } } }],
    expires_at: Math.floor(d.expiresAtMs / 1000),
    success_url: d.successUrl,
    cancel_url: d.cancelUrl,
  };
}

export function createCheckoutSession(stripe: Stripe, params: Stripe.Checkout.SessionCreateParams, idempotencyKey: string): Promise<StripeResult<CheckoutSession>> {
  return call(CheckoutSessionSchema, () => stripe.checkout.sessions.create(params, { idempotencyKey }));
}

export function retrieveCheckoutSession(stripe: Stripe, id: string): Promise<StripeResult<CheckoutSession>> {
  return call(CheckoutSessionSchema, () => stripe.checkout.sessions.retrieve(id));
}

/** Expires an open session; Stripe refuses (a result) when it is already complete or expired. */
export function expireCheckoutSession(stripe: Stripe, id: string): Promise<StripeResult<CheckoutSession>> {
  return call(CheckoutSessionSchema, () => stripe.checkout.sessions.expire(id));
}

export interface RefundInput {
  paymentIntentId: string;
  amountMinor: number;
  leadId: string;
}

export function createRefund(stripe: Stripe, input: RefundInput, idempotencyKey: string): Promise<StripeResult<StripeRefund>> {
  return call(RefundSchema, () =>
    stripe.refunds.create(
      { payment_intent: input.paymentIntentId, amount: input.amountMinor, metadata: { lead_id: input.leadId } },
      { idempotencyKey },
    ),
  );
}
