/**
 * The deposit in the engine: sending the link (which locks the deposit), what each payment event
 * does to the lead, and the artist's refund. Pure: the lead's Durable Object makes the Stripe
 * calls a decision asks for (`checkout`, `refund`, `expireCheckout`) and completes the decision
 * with Stripe's answer (`withCheckout`, `withRefund`) before applying it.
 *
 * After the deposit is paid the lead moves on to the booking step (DEPOSIT_PAID, then
 * BOOKING_PENDING): no calendar exists yet, so the client is told the artist will be in touch to
 * fix the date and `booking_link.requested` is recorded, as the artist's "send booking link" does.
 */
import { ArtistAction, ActionRefusal } from "../artist-actions.ts";
import { NO_PAYMENT, PaymentIgnored, refundableMinor, type CheckoutCreated, type LedgerEntry, type PaymentEvent, type PaymentState, type RefundCreated } from "../deposit.ts";
import { formatMoney } from "../format.ts";
import { LeadStatus } from "../lead-status.ts";
import { canTransition } from "../state-machine.ts";
import { paidForHeldSlot } from "./booking.ts";
import { DecisionBuilder } from "./builder.ts";
import { ENGINE_DEFAULTS, type Decision, type EngineConfig, type LeadState } from "./types.ts";

const S = LeadStatus;
const REFUND_PLACEHOLDER = "[[inkline-refund]]";
/** Stripe accepts expires_at 30 minutes to 24 hours ahead; a minute's margin each side for the round trip. */
const MIN_LINK_TTL_MS = 31 * 60 * 1000;
const MAX_LINK_TTL_MS = 24 * 60 * 60 * 1000 - 60 * 1000;

export const paymentOf = (lead: LeadState): PaymentState => lead.payment ?? NO_PAYMENT;

/** How long a new link works: the configured time, kept inside what Stripe accepts. */
export function linkTtlMs(config: EngineConfig): number {
  const wanted = config.depositLinkTtlMs ?? ENGINE_DEFAULTS.depositLinkTtlMs;
  return Math.min(MAX_LINK_TTL_MS, Math.max(MIN_LINK_TTL_MS, wanted));
}

const money = (b: DecisionBuilder, amountMinor: number, currency: string) => formatMoney(amountMinor, currency, b.lead.locale);

/** "24" or "0.5": the link's lifetime in hours, for copy. */
const hoursOf = (ms: number) => String(Math.round((ms / 3_600_000) * 10) / 10);

/**
 * Sends a deposit link (the artist's request, or the client's reply after a link expired): the
 * deposit is locked when its first link goes, the lead waits for the deposit, and the client gets
 * the link. Returns why it cannot (and decides nothing), or null.
 */
export function sendDepositLink(b: DecisionBuilder, via: string, held?: { slot: string; ttlMs: number; timeZone: string }): ActionRefusal | null {
  const deposit = b.lead.deposit;
  if (!deposit) return ActionRefusal.NO_DEPOSIT;
  if (!b.config.payments) return ActionRefusal.PAYMENTS_OFF;
  const payment = paymentOf(b.lead);
  const attempt = payment.attempt + 1;
  // A held slot's link lives as long as the hold (within Stripe's limits); the artist's link as configured.
  const ttl = held ? Math.min(MAX_LINK_TTL_MS, Math.max(MIN_LINK_TTL_MS, held.ttlMs)) : linkTtlMs(b.config);
  const placeholder = b.slot("checkout");
  b.decision.checkout = {
    attempt,
    amountMinor: deposit.amountMinor,
    currency: deposit.currency,
    ruleVersion: payment.ruleVersion,
    expiresAtMs: b.now.getTime() + ttl,
    placeholder,
    messageIndex: null,
  };
  // Locked for good: the estimate leaves the amount and its rule version alone from now on.
  if (b.lead.depositLockedAt === null) b.decision.patch.depositLockedAt = b.now;
  b.decision.patch.depositAttempt = attempt;
  const reasons: Record<string, string> = { client: "client replied after the link expired", slot: "client chose a slot: held while the deposit is paid" };
  b.moveTo(S.AWAITING_DEPOSIT, reasons[via] ?? "artist sent the deposit link");
  if (held) {
    const until = new Intl.DateTimeFormat("en-GB", { timeZone: held.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(b.now.getTime() + ttl));
    b.say("booking.held.client", { slot: held.slot, deposit: money(b, deposit.amountMinor, deposit.currency), url: placeholder, until, zone: held.timeZone });
  } else {
    b.say(attempt === 1 ? "deposit.link.client" : "deposit.link_again.client", {
      deposit: money(b, deposit.amountMinor, deposit.currency),
      url: placeholder,
      hours: hoursOf(ttl),
    });
  }
  b.event("deposit.link_sent", {
    via,
    attempt,
    amount_minor: deposit.amountMinor,
    currency: deposit.currency,
    rule_version: payment.ruleVersion,
    locked_before: b.lead.depositLockedAt !== null,
  });
  return null;
}

/** The decision with Stripe's Checkout Session in it: the URL in the client's message, the session on the lead. */
export function withCheckout(decision: Decision, created: CheckoutCreated): Decision {
  const checkout = decision.checkout;
  if (!checkout) return decision;
  const expiresAt = new Date(created.expiresAtMs);
  return {
    ...decision,
    patch: { ...decision.patch, stripeCheckoutSessionId: created.sessionId, depositLinkUrl: created.url, depositLinkExpiresAt: expiresAt },
    // Only the client message the link was made for: text elsewhere that looks like the
    // placeholder (a name, an answer) stays as written.
    outbound: decision.outbound.map((m, i) =>
      i === checkout.messageIndex && m.kind === "text" ? { ...m, body: m.body.split(checkout.placeholder).join(created.url) } : m,
    ),
    events: decision.events.map((e) =>
      e.type === "deposit.link_sent" ? { ...e, payload: { ...e.payload, session_id: created.sessionId, expires_at: expiresAt.toISOString() } } : e,
    ),
  };
}

/** The decision with Stripe's Refund id and status in its ledger entry. */
export function withRefund(decision: Decision, created: RefundCreated): Decision {
  const placeholder = decision.refund?.placeholder;
  const ledger = decision.patch.depositLedger;
  if (!placeholder || !ledger) return decision;
  const filled = ledger.map((e) => (e.reference === placeholder ? { ...e, reference: created.refundId, status: created.status } : e));
  return {
    ...decision,
    patch: { ...decision.patch, depositLedger: filled },
    events: decision.events.map((e) => (e.type === "deposit.refunded" ? { ...e, payload: { ...e.payload, refund_id: created.refundId, refund_status: created.status } } : e)),
  };
}

/** The artist refunds (all that is left, or `amountMinor` of it) with a reason kept for their records. */
export function refundDeposit(b: DecisionBuilder, amountMinor: number | null, reason: string | null): ActionRefusal | null {
  const payment = paymentOf(b.lead);
  const refundable = refundableMinor(payment);
  const amount = amountMinor ?? refundable;
  if (payment.paidAt === null || payment.paymentIntentId === null || amount <= 0 || amount > refundable) return ActionRefusal.NOT_REFUNDABLE;
  if (!b.config.payments) return ActionRefusal.PAYMENTS_OFF;
  const currency = payment.ledger.find((e) => e.kind === "payment")?.currency ?? b.lead.deposit?.currency ?? "GBP";
  b.decision.refund = { amountMinor: amount, currency, paymentIntentId: payment.paymentIntentId, reason, placeholder: REFUND_PLACEHOLDER };
  const entry: LedgerEntry = { kind: "refund", amountMinor: amount, currency, at: b.now.toISOString(), reference: REFUND_PLACEHOLDER, source: "artist", reason, status: null };
  b.decision.patch.refundedAmountMinor = payment.refundedMinor + amount;
  b.decision.patch.depositLedger = [...payment.ledger, entry];
  b.say("deposit.refunded.client", { amount: money(b, amount, currency) });
  b.event("deposit.refunded", { source: "artist", amount_minor: amount, currency, reason, refunded_total_minor: payment.refundedMinor + amount });
  return null;
}

/** The artist's "payment received" notice, with one-tap buttons to refund and to mark the lead booked. */
function tellArtistPaid(b: DecisionBuilder, amount: string, unexpected: boolean): void {
  const clientName = b.lead.displayName ?? b.renderArtist("handover.unknown_name");
  const params = { clientName, phone: b.clientContact(), deposit: amount, status: b.renderArtist(`status.${b.lead.status}`) };
  const notice = b.renderArtist(unexpected ? "deposit.paid_unexpected.artist" : "deposit.paid.artist", params);
  // Mark booked first: outside the window the template's one button carries the first action.
  const actions = unexpected ? [ArtistAction.REFUND] : [ArtistAction.MARK_BOOKED, ArtistAction.REFUND];
  b.artistNotice(unexpected ? "deposit.paid_unexpected.artist" : "deposit.paid.artist", notice, clientName, actions);
}

/** The deposit arrived: recorded in the ledger, the lead moves on to booking, both sides told once. */
function depositPaid(b: DecisionBuilder, event: Extract<PaymentEvent, { sessionId: string; amountTotal: number | null }>): void {
  const payment = paymentOf(b.lead);
  const quoted = b.lead.deposit;
  const amountMinor = event.amountTotal ?? quoted?.amountMinor ?? 0;
  const currency = (event.currency ?? quoted?.currency ?? "GBP").toUpperCase();
  const at = new Date(event.atMs);
  const entry: LedgerEntry = {
    kind: "payment",
    amountMinor,
    currency,
    at: at.toISOString(),
    reference: event.paymentIntentId ?? event.sessionId,
    source: "checkout",
    reason: null,
    status: "succeeded",
  };
  Object.assign(b.decision.patch, { depositPaidAt: at, stripePaymentIntentId: event.paymentIntentId, depositLedger: [...payment.ledger, entry] });
  // A second payment (a new deposit after a move, move-settlement.ts): its refunds count from zero,
  // as Stripe's charge.refunded running total for it does.
  if (payment.paymentIntentId !== null && event.paymentIntentId !== payment.paymentIntentId) b.decision.patch.refundedAmountMinor = 0;
  if (quoted && (quoted.amountMinor !== amountMinor || quoted.currency !== currency)) {
    b.event("deposit.amount_mismatch", { quoted_minor: quoted.amountMinor, paid_minor: amountMinor, currency }, "warn");
  }
  const amount = money(b, amountMinor, currency);
  const from = b.currentStatus;
  b.event("deposit.paid", { session_id: event.sessionId, amount_minor: amountMinor, currency, from_status: from, source: event.source });
  if (b.lead.optedOut) {
    // No messages to an opted-out client; START brings them back to the booking step.
    b.decision.patch.resumeStatus = S.BOOKING_PENDING;
    tellArtistPaid(b, amount, false);
    return;
  }
  if (!canTransition(from, S.DEPOSIT_PAID)) {
    // Paid after the lead was closed (rejected, booked by hand…): the money is recorded, the artist decides.
    b.say("deposit.paid_unexpected.client", { deposit: amount });
    tellArtistPaid(b, amount, true);
    b.event("deposit.paid_unexpected", { status: from }, "warn");
    return;
  }
  // A payment during a handover is accepted: the lead leaves the handover for the booking step.
  b.moveTo(S.DEPOSIT_PAID, from === S.NEEDS_ARTIST_REPLY ? "deposit paid during a handover" : "deposit paid");
  if (from === S.NEEDS_ARTIST_REPLY) Object.assign(b.decision.patch, { resumeStatus: null, holdingReplySentAt: null });
  // A held slot (booking.ts): booked, or kept as credit with fresh slots when it was taken meanwhile.
  if (paidForHeldSlot(b, entry, amount)) return;
  b.moveTo(S.BOOKING_PENDING, "booking step after the deposit");
  b.say("deposit.paid.client", { deposit: amount, policy: b.render("deposit.policy") });
  tellArtistPaid(b, amount, false);
  b.event("booking_link.requested", { via: "deposit", todo: "no booking link yet: the calendar step sends it" });
}

/**
 * The link can no longer be paid (it expired, or an async payment failed): the client is told and
 * offered a fresh link on their next reply. A lead paused elsewhere (handover, opt-out) keeps
 * its pause and returns to DEPOSIT_EXPIRED.
 */
function linkEnded(b: DecisionBuilder, sessionId: string, kind: "expired" | "failed", source: string): PaymentIgnored | null {
  const { lead } = b;
  const payload = { session_id: sessionId, source };
  const eventType = kind === "expired" ? "deposit.link_expired" : "deposit.payment_failed";
  if (b.currentStatus === S.AWAITING_DEPOSIT) {
    b.moveTo(S.DEPOSIT_EXPIRED, kind === "expired" ? "deposit link expired" : "deposit payment failed");
    // A held slot went with the link (the calendar object released it): the client may pick again.
    const held = lead.heldSlot ?? null;
    if (held !== null && kind === "expired") b.say("booking.hold_released.client", { slot: held.label });
    else b.say(kind === "expired" ? "deposit.expired.client" : "deposit.failed.client");
    b.event(eventType, payload, kind === "failed" ? "warn" : "info");
    return null;
  }
  const paused = b.currentStatus === S.NEEDS_ARTIST_REPLY || b.currentStatus === S.OPTOUT;
  if (paused && lead.resumeStatus === S.AWAITING_DEPOSIT) {
    b.decision.patch.resumeStatus = S.DEPOSIT_EXPIRED;
    b.event(eventType, { ...payload, paused_in: b.currentStatus });
    return null;
  }
  return b.currentStatus === S.DEPOSIT_EXPIRED ? PaymentIgnored.ALREADY_RECORDED : PaymentIgnored.NOT_AWAITING;
}

/** Stripe refunded some of the charge (our refund, or one made in Stripe's dashboard): the ledger catches up. */
function chargeRefunded(b: DecisionBuilder, event: Extract<PaymentEvent, { type: "charge_refunded" }>): PaymentIgnored | null {
  const payment = paymentOf(b.lead);
  if (payment.paymentIntentId === null || event.paymentIntentId !== payment.paymentIntentId) return PaymentIgnored.PAYMENT_MISMATCH;
  // amount_refunded is the charge's running total, so duplicates and any order settle to the same ledger.
  const delta = event.amountRefunded - payment.refundedMinor;
  if (delta <= 0) return PaymentIgnored.ALREADY_RECORDED;
  const currency = event.currency.toUpperCase();
  const entry: LedgerEntry = { kind: "refund", amountMinor: delta, currency, at: new Date(event.atMs).toISOString(), reference: event.chargeId, source: "stripe", reason: null, status: "succeeded" };
  b.decision.patch.refundedAmountMinor = event.amountRefunded;
  b.decision.patch.depositLedger = [...payment.ledger, entry];
  b.say("deposit.refunded.client", { amount: money(b, delta, currency) });
  b.event("deposit.refunded", { source: "stripe", amount_minor: delta, currency, charge_id: event.chargeId, refunded_total_minor: event.amountRefunded });
  return null;
}

export type PaymentDecision = { decision: Decision; outcome: { applied: true } | { applied: false; reason: PaymentIgnored } };

/**
 * Decides what a payment event does to a lead. Events arrive duplicated and in any order: each
 * is judged against the lead as it is now, so a paid deposit stays paid, a session that is not the
 * lead's current one changes nothing, and a refund is counted once.
 */
export function decidePayment(lead: LeadState, event: PaymentEvent, now: Date, config: EngineConfig): PaymentDecision {
  const b = new DecisionBuilder(lead, config, now);
  const ignored = (reason: PaymentIgnored): PaymentDecision => ({ decision: new DecisionBuilder(lead, config, now).decision, outcome: { applied: false, reason } });
  const payment = paymentOf(lead);
  if (event.type === "charge_refunded") {
    const reason = chargeRefunded(b, event);
    return reason ? ignored(reason) : { decision: b.decision, outcome: { applied: true } };
  }
  if (event.sessionId !== payment.sessionId) return ignored(PaymentIgnored.SESSION_MISMATCH);
  if (payment.paidAt !== null) return ignored(PaymentIgnored.ALREADY_PAID);
  switch (event.type) {
    case "checkout_completed":
    case "async_payment_succeeded":
      if (event.paymentStatus === "paid") depositPaid(b, event);
      else if (event.paymentStatus === "unpaid" && event.type === "checkout_completed") {
        // An async method (a bank debit) still clearing: async_payment_succeeded or _failed follows.
        b.say("deposit.processing.client");
        b.event("deposit.payment_processing", { session_id: event.sessionId, source: event.source });
      } else return ignored(PaymentIgnored.NOT_PAID);
      return { decision: b.decision, outcome: { applied: true } };
    case "async_payment_failed":
    case "checkout_expired": {
      const reason = linkEnded(b, event.sessionId, event.type === "checkout_expired" ? "expired" : "failed", event.source);
      return reason ? ignored(reason) : { decision: b.decision, outcome: { applied: true } };
    }
  }
}
