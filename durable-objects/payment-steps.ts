/**
 * The Stripe side of a lead's decisions, run inside its Durable Object before the decision is
 * committed: the deposit's Checkout Session (its parameters and idempotency key kept per lead and
 * attempt, checkout-intents.ts), the artist's refund (idempotency key per action request), and
 * expiring a link that must no longer take money. Also the sweep's question to Stripe: where does
 * this link stand?
 *
 * Stripe is called before Postgres is written. If the commit then fails, the inbox retries the
 * whole step and the same idempotency keys bring back the same session or refund: nothing is
 * created twice, nothing is recorded without Stripe having done it.
 */
import type Stripe from "stripe";
import {
  checkoutParams,
  createCheckoutSession,
  createRefund,
  expireCheckoutSession,
  retrieveCheckoutSession,
  stripeClient,
  stripeSettingsFrom,
} from "../src/adapters/stripe/client.ts";
import { sessionEvent } from "../src/adapters/stripe/events.ts";
import type { AppConfig } from "../src/config.ts";
import { renderCopy } from "../src/domain/copy.ts";
import type { PaymentEvent } from "../src/domain/deposit.ts";
import { withCheckout, withRefund, type Decision } from "../src/domain/engine.ts";
import { CheckoutIntents } from "./checkout-intents.ts";

/** The lead as the payment steps need it. */
export interface PaymentLead {
  id: string;
  locale: string;
}

export type Fulfilled = { ok: true; decision: Decision } | { ok: false; status: number | null; code: string; message: string };

/** What the sweep found: the event to apply and the marker that makes applying it idempotent. */
export interface SweepFinding {
  event: PaymentEvent;
  marker: string;
}

/** Past the time we told the client by this much and still open at Stripe: the sweep expires it itself. */
const EXPIRE_OPEN_AFTER_MS = 5 * 60 * 1000;

export class PaymentSteps {
  private readonly intents: CheckoutIntents;
  private readonly config: AppConfig;
  private client: Stripe | null = null;

  constructor(sql: SqlStorage, config: AppConfig) {
    this.intents = new CheckoutIntents(sql);
    this.config = config;
  }

  /** Whether deposits can be taken: Stripe configured, and a public origin for the return pages. */
  get enabled(): boolean {
    return stripeSettingsFrom(this.config) !== null && this.config.PUBLIC_BASE_URL !== undefined;
  }

  private stripe(): Stripe {
    const settings = stripeSettingsFrom(this.config);
    if (!settings) throw new Error("a decision asked for Stripe but STRIPE_SECRET_KEY is not set");
    this.client ??= stripeClient(settings);
    return this.client;
  }

  /**
   * Makes the Stripe calls `decision` asks for and returns it completed with Stripe's answers.
   * A request Stripe refuses comes back as a refusal (nothing is committed); an outage throws.
   */
  async fulfil(decision: Decision, lead: PaymentLead, eventId: string, now: Date): Promise<Fulfilled> {
    let out = decision;
    if (decision.expireCheckout) {
      const expired = await expireCheckoutSession(this.stripe(), decision.expireCheckout);
      // Already complete or expired: the webhook for that says what happened; the decision stands.
      if (!expired.ok) out = { ...out, events: [...out.events, { type: "deposit.link_expire_refused", level: "warn", payload: { session_id: decision.expireCheckout, code: expired.code, message: expired.message } }] };
    }
    const checkout = decision.checkout;
    if (checkout) {
      const base = (this.config.PUBLIC_BASE_URL ?? "").replace(/\/+$/, "");
      const intent = this.intents.prepare(lead.id, checkout.attempt, `${checkout.amountMinor}:${checkout.currency}`, now.getTime(), () =>
        checkoutParams({
          leadId: lead.id,
          attempt: checkout.attempt,
          amountMinor: checkout.amountMinor,
          currency: checkout.currency,
          ruleVersion: checkout.ruleVersion,
          productName: renderCopy("deposit.product_name", { artistName: this.config.ARTIST_NAME }, lead.locale),
          expiresAtMs: checkout.expiresAtMs,
          successUrl: `${base}/deposit/paid?session_id={CHECKOUT_SESSION_ID}`,
          cancelUrl: `${base}/deposit/cancelled`,
        }),
      );
      const created = await createCheckoutSession(this.stripe(), intent.params, intent.idempotencyKey);
      if (!created.ok) {
        this.intents.discard(lead.id, checkout.attempt);
        return created;
      }
      const { id, url, expires_at } = created.value;
      if (!url) return { ok: false, status: null, code: "no_url", message: `Checkout Session ${id} came back without a URL` };
      out = withCheckout(out, { sessionId: id, url, expiresAtMs: expires_at * 1000 });
    }
    const refund = decision.refund;
    if (refund) {
      // One key per action request: a retried step gets the first refund back, never a second one.
      const key = `inkline:refund:${lead.id}:${eventId}`;
      const created = await createRefund(this.stripe(), { paymentIntentId: refund.paymentIntentId, amountMinor: refund.amountMinor, leadId: lead.id }, key);
      if (!created.ok) return created;
      out = withRefund(out, { refundId: created.value.id, status: created.value.status });
    }
    return { ok: true, decision: out };
  }

  /**
   * Where a deposit link stands at Stripe, for the sweep (its webhook may have been missed):
   * expired or paid gives the event to apply; still open (its time not up), or unknown to Stripe,
   * gives null. A session still open after the time we told the client (`linkExpiresAtMs`) is
   * expired at Stripe here: Stripe's own expiry runs late at times, and the promise was ours.
   */
  async check(sessionId: string, linkExpiresAtMs: number, now: Date): Promise<SweepFinding | null> {
    const found = await retrieveCheckoutSession(this.stripe(), sessionId);
    if (!found.ok) return null;
    let session = found.value;
    if (session.status === "open" && linkExpiresAtMs < now.getTime() - EXPIRE_OPEN_AFTER_MS) {
      const expired = await expireCheckoutSession(this.stripe(), sessionId);
      if (expired.ok) session = expired.value;
    }
    const atMs = now.getTime();
    if (session.status === "expired") return { event: { type: "checkout_expired", sessionId, atMs, source: "sweep" }, marker: `${sessionId}:expired` };
    if (session.status === "complete") {
      return { event: sessionEvent("checkout_completed", session, atMs, "sweep"), marker: `${sessionId}:complete:${session.payment_status}` };
    }
    return null;
  }
}
