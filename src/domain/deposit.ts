/**
 * Deposits as data: the ledger kept on the lead (every payment and refund, with amounts and
 * times), the payment events the engine understands (Stripe's, normalised by the adapter), and
 * what a decision asks of the payment provider before it may apply (a checkout link, a refund,
 * expiring a link nobody should pay any more). Pure: no I/O, no clock.
 */
import { z } from "zod";

/** One movement of the deposit. Unknown fields are kept, so an older reader never drops them. */
export const LedgerEntrySchema = z.looseObject({
  /**
   * payment and refund move money. The others move none; they say what became of paid money:
   * credit: kept for the client to use on a new date (its slot was taken, or a cancel in time);
   * forfeit: kept by the studio (a late cancel, a no-show, under the studio's policy);
   * applied: used, the session happened (taken off the final price, or kept as the booking fee).
   * reopen: the artist's override takes back an earlier forfeit, credit or applied (`from`), so the
   * money is held again and can be given another fate (entries are never edited or removed).
   * A balanced ledger: paid = refunded + forfeited + credit + applied + held ({@link ledgerBalance}).
   */
  kind: z.enum(["payment", "refund", "credit", "forfeit", "applied", "reopen"]),
  amountMinor: z.number().int().positive(),
  currency: z.string().min(3).max(3),
  /** When the money moved (Stripe's event time, or when our refund was created), ISO 8601. */
  at: z.string(),
  /** Stripe's id: the PaymentIntent (a payment), our Refund, or the Charge (a refund made in Stripe). */
  reference: z.string(),
  /** Who moved it: the client at checkout, the artist through Inkline, or Stripe (its dashboard). */
  source: z.enum(["checkout", "artist", "stripe"]),
  /** Why (a refund by the artist); never sent to the client. */
  reason: z.string().nullable(),
  /** The provider's status of the movement (a refund may be "pending"). */
  status: z.string().nullable(),
  /** A credit's expiry (the studio's policy), ISO 8601; absent on other kinds. */
  expiresAt: z.string().optional(),
  /** What a `reopen` takes back; absent on other kinds. */
  from: z.enum(["credit", "forfeit", "applied"]).optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/**
 * Reads leads.deposit_ledger. A ledger that does not parse is a bug, never "empty": appending to
 * a misread ledger would erase its history, so this throws.
 */
export function readLedger(value: unknown): LedgerEntry[] {
  return z.array(LedgerEntrySchema).parse(value ?? []);
}

const sum = (ledger: readonly LedgerEntry[], kind: LedgerEntry["kind"]) =>
  ledger.filter((e) => e.kind === kind).reduce((total, e) => total + e.amountMinor, 0);

/** What a kind holds now: its entries less what overrides reopened of it. */
const net = (ledger: readonly LedgerEntry[], kind: "credit" | "forfeit" | "applied") =>
  sum(ledger, kind) - ledger.filter((e) => e.kind === "reopen" && e.from === kind).reduce((total, e) => total + e.amountMinor, 0);

/** Money received for the deposit, in minor units. */
export const paidMinor = (ledger: readonly LedgerEntry[]) => sum(ledger, "payment");

/**
 * Where the paid money is: refunded, forfeited, credit, applied, and `held` (paid and not yet
 * decided: the deposit on a booking still to come). `held` is never negative in a sound ledger; the
 * chaos run and the tests check paid = refunded + forfeited + credit + applied + held with held >= 0.
 */
export function ledgerBalance(ledger: readonly LedgerEntry[]): { paid: number; refunded: number; forfeited: number; credit: number; applied: number; held: number } {
  const paid = sum(ledger, "payment");
  const refunded = sum(ledger, "refund");
  const forfeited = net(ledger, "forfeit");
  const credit = net(ledger, "credit");
  const applied = net(ledger, "applied");
  return { paid, refunded, forfeited, credit, applied, held: paid - refunded - forfeited - credit - applied };
}

/**
 * What the engine knows of a lead's deposit payment (the estimate's quote is `LeadState.deposit`).
 * `attempt` counts the links sent: each has its own Checkout Session and idempotency key.
 */
export interface PaymentState {
  attempt: number;
  ruleVersion: string | null;
  sessionId: string | null;
  linkUrl: string | null;
  linkExpiresAt: Date | null;
  paidAt: Date | null;
  paymentIntentId: string | null;
  refundedMinor: number;
  ledger: readonly LedgerEntry[];
}

export const NO_PAYMENT: PaymentState = {
  attempt: 0,
  ruleVersion: null,
  sessionId: null,
  linkUrl: null,
  linkExpiresAt: null,
  paidAt: null,
  paymentIntentId: null,
  refundedMinor: 0,
  ledger: [],
};

/**
 * What can still be refunded of the current payment: received under its PaymentIntent minus
 * refunded of it (`refundedMinor` counts the current payment's refunds). A lead pays twice only
 * when a move under the policy needed a new deposit (engine/move-settlement.ts): Stripe can refund
 * the new payment, never the first one again. No entry under the PaymentIntent (older ledgers):
 * everything received.
 */
export function refundableMinor(payment: PaymentState): number {
  const current = payment.paymentIntentId === null ? [] : payment.ledger.filter((e) => e.kind === "payment" && e.reference === payment.paymentIntentId);
  const received = current.length > 0 ? current.reduce((total, e) => total + e.amountMinor, 0) : paidMinor(payment.ledger);
  return Math.max(0, received - payment.refundedMinor);
}

/** The Checkout Session fields the engine reads (from a webhook or from retrieving the session). */
interface CheckoutFacts {
  sessionId: string;
  /** paid, unpaid (an async method still clearing) or no_payment_required. */
  paymentStatus: string;
  amountTotal: number | null;
  /** Lower case, as Stripe writes it. */
  currency: string | null;
  paymentIntentId: string | null;
}

/**
 * A payment event in the engine's terms. `atMs` is when it happened at Stripe; `source` says
 * whether a webhook brought it or the sweep found it by asking Stripe (a missed webhook).
 */
export type PaymentEvent =
  | ({ type: "checkout_completed"; atMs: number; source: PaymentSource } & CheckoutFacts)
  | ({ type: "async_payment_succeeded"; atMs: number; source: PaymentSource } & CheckoutFacts)
  | { type: "async_payment_failed"; sessionId: string; atMs: number; source: PaymentSource }
  | { type: "checkout_expired"; sessionId: string; atMs: number; source: PaymentSource }
  | { type: "charge_refunded"; chargeId: string; paymentIntentId: string | null; amountRefunded: number; currency: string; atMs: number; source: PaymentSource };

export type PaymentSource = "webhook" | "sweep";

/** Why a payment event changed nothing (it is still recorded as processed, and logged). */
export const PaymentIgnored = {
  /** The event is about another Checkout Session than the lead's current one. */
  SESSION_MISMATCH: "session_mismatch",
  /** A charge event for a payment that is not the lead's. */
  PAYMENT_MISMATCH: "payment_mismatch",
  /** The deposit is paid: an expiry or a second confirmation changes nothing. */
  ALREADY_PAID: "already_paid",
  /** Already applied in substance (a refund recorded when it was made, an expiry the sweep found). */
  ALREADY_RECORDED: "already_recorded",
  /** The lead is no longer waiting for this deposit (rejected, booked by hand, …). */
  NOT_AWAITING: "not_awaiting",
  /** A completed session without a payment (no_payment_required): nothing to record. */
  NOT_PAID: "not_paid",
} as const;
export type PaymentIgnored = (typeof PaymentIgnored)[keyof typeof PaymentIgnored];

/**
 * The deposit's Checkout Session to create before the decision applies. The engine writes
 * `placeholder` where the URL goes; the lead's session creates the session (idempotency key per
 * lead and attempt) and puts the URL in its place (`withCheckout`).
 */
export interface CheckoutRequest {
  attempt: number;
  amountMinor: number;
  currency: string;
  ruleVersion: string | null;
  /** When the link stops working (Stripe's expires_at), ms since the epoch. */
  expiresAtMs: number;
  placeholder: string;
  /** The client message in the decision's `outbound` that gets the URL; the only one. */
  messageIndex: number | null;
}

/** What Stripe answered for a created Checkout Session. */
export interface CheckoutCreated {
  sessionId: string;
  url: string;
  expiresAtMs: number;
}

/** A refund to make before the decision applies; `placeholder` stands for the Refund's id in the ledger. */
export interface RefundRequest {
  amountMinor: number;
  currency: string;
  paymentIntentId: string;
  reason: string | null;
  placeholder: string;
}

/** What Stripe answered for a created Refund. */
export interface RefundCreated {
  refundId: string;
  status: string | null;
}
