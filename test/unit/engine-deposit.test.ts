/**
 * The deposit in the engine: what each payment event does to a lead, in any order and however
 * often it comes; the link a reply after an expiry brings; the refund's ledger entry; and the
 * completion of a decision with Stripe's answers. Pure (Node).
 */
import { describe, expect, it } from "vitest";
import { NO_PAYMENT, type PaymentEvent, type PaymentState } from "../../src/domain/deposit.ts";
import { decide, decideArtistAction, decidePayment, linkTtlMs, withCheckout, withRefund, type LeadState } from "../../src/domain/engine.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import { CONFIG, expectLegalTransitions, HOUR, leadState, NOW, replies, says, toArtist } from "../support/engine.ts";
import { renderCopy } from "../../src/domain/copy.ts";

const PAYMENTS = { ...CONFIG, payments: true, actionLinks: true };
const copy = (key: Parameters<typeof renderCopy>[0], extra: Record<string, string> = {}) =>
  renderCopy(key, { artistName: "Mara", greetingName: " Ari", replyDays: 3, ...extra });

const SESSION = "cs_test_1";
const linkSent: PaymentState = { ...NO_PAYMENT, attempt: 1, sessionId: SESSION, linkUrl: "https://pay.test/1", linkExpiresAt: new Date(NOW.getTime() + HOUR) };
const awaiting = (overrides: Partial<LeadState> = {}) =>
  leadState({ status: LeadStatus.AWAITING_DEPOSIT, displayName: "Ari Lane", deposit: { amountMinor: 10_000, currency: "GBP" }, depositLockedAt: NOW, payment: linkSent, ...overrides });

type Completed = Extract<PaymentEvent, { type: "checkout_completed" }>;
const completed = (overrides: Partial<Completed> = {}): Completed => ({
  type: "checkout_completed",
  sessionId: SESSION,
  paymentStatus: "paid",
  amountTotal: 10_000,
  currency: "gbp",
  paymentIntentId: "pi_1",
  atMs: NOW.getTime() - 1000,
  source: "webhook",
  ...overrides,
});
const expired: PaymentEvent = { type: "checkout_expired", sessionId: SESSION, atMs: NOW.getTime(), source: "webhook" };

describe("payment events", () => {
  it("paid: DEPOSIT_PAID then BOOKING_PENDING, the ledger gets the payment, the client the policy, the artist a notice with buttons", () => {
    const lead = awaiting();
    const { decision, outcome } = decidePayment(lead, completed(), NOW, PAYMENTS);
    expect(outcome).toEqual({ applied: true });
    expectLegalTransitions(lead, decision);
    expect(decision.transitions.map((t) => t.to)).toEqual(["DEPOSIT_PAID", "BOOKING_PENDING"]);
    expect(decision.patch).toMatchObject({ depositPaidAt: new Date(NOW.getTime() - 1000), stripePaymentIntentId: "pi_1" });
    expect(decision.patch.depositLedger).toEqual([
      { kind: "payment", amountMinor: 10_000, currency: "GBP", at: new Date(NOW.getTime() - 1000).toISOString(), reference: "pi_1", source: "checkout", reason: null, status: "succeeded" },
    ]);
    expect(replies(decision)).toEqual([copy("deposit.paid.client", { deposit: "£100", policy: copy("deposit.policy") })]);
    // The notice with the lead's page button, then Mark booked / Refund as reply buttons.
    expect(toArtist(decision).map((m) => m.kind)).toEqual(["cta", "actions"]);
    expect(decision.actionLinks.map((l) => l.action)).toEqual(["mark_booked", "refund"]);
  });

  it.each([
    ["paid stays paid: a second completion", completed(), "already_paid"],
    ["paid stays paid: an expiry after the payment", expired, "already_paid"],
    ["another session's event", completed({ sessionId: "cs_test_other" }), "session_mismatch"],
  ] as const)("%s changes nothing (%s)", (_name, event, reason) => {
    const paid = awaiting({ status: LeadStatus.BOOKING_PENDING, payment: { ...linkSent, paidAt: NOW, paymentIntentId: "pi_1" } });
    const lead = reason === "session_mismatch" ? awaiting() : paid;
    const { decision, outcome } = decidePayment(lead, event, NOW, PAYMENTS);
    expect(outcome).toEqual({ applied: false, reason });
    expect(decision).toMatchObject({ transitions: [], outbound: [], patch: {} });
  });

  it("expired: DEPOSIT_EXPIRED, the client offered a fresh link; reported twice (sweep, then webhook), the second is already recorded", () => {
    const { decision } = decidePayment(awaiting(), expired, NOW, PAYMENTS);
    expect(decision.transitions.map((t) => t.to)).toEqual(["DEPOSIT_EXPIRED"]);
    expect(replies(decision)).toEqual([copy("deposit.expired.client")]);
    expect(decidePayment(awaiting({ status: LeadStatus.DEPOSIT_EXPIRED }), expired, NOW, PAYMENTS).outcome).toEqual({ applied: false, reason: "already_recorded" });
  });

  it("expired while handed over: the handover stays, it resumes to DEPOSIT_EXPIRED", () => {
    const lead = awaiting({ status: LeadStatus.NEEDS_ARTIST_REPLY, resumeStatus: LeadStatus.AWAITING_DEPOSIT });
    const { decision } = decidePayment(lead, expired, NOW, PAYMENTS);
    expect(decision.transitions).toEqual([]);
    expect(decision.patch.resumeStatus).toBe(LeadStatus.DEPOSIT_EXPIRED);
    expect(replies(decision)).toEqual([]);
  });

  it("paid after the lead was rejected: the money is recorded, the artist asked to refund, no booking step", () => {
    const lead = awaiting({ status: LeadStatus.REJECTED });
    const { decision } = decidePayment(lead, completed(), NOW, PAYMENTS);
    expect(decision.transitions).toEqual([]);
    expect(decision.patch.depositPaidAt).toBeDefined();
    expect(replies(decision)).toEqual([copy("deposit.paid_unexpected.client", { deposit: "£100" })]);
    expect(decision.actionLinks.map((l) => l.action)).toEqual(["refund"]);
    expect(decision.events.map((e) => e.type)).toContain("deposit.paid_unexpected");
  });

  it("paid while opted out: recorded silently, START returns to the booking step", () => {
    const lead = awaiting({ status: LeadStatus.OPTOUT, optedOut: true, resumeStatus: LeadStatus.AWAITING_DEPOSIT });
    const { decision } = decidePayment(lead, completed(), NOW, PAYMENTS);
    expect(decision.transitions).toEqual([]);
    expect(decision.patch.resumeStatus).toBe(LeadStatus.BOOKING_PENDING);
    expect(replies(decision)).toEqual([]);
  });

  it("charge.refunded counts running totals: a refund is recorded once whatever the order and repeats", () => {
    const paid = awaiting({
      status: LeadStatus.BOOKING_PENDING,
      payment: { ...linkSent, paidAt: NOW, paymentIntentId: "pi_1", ledger: [{ kind: "payment", amountMinor: 10_000, currency: "GBP", at: NOW.toISOString(), reference: "pi_1", source: "checkout", reason: null, status: "succeeded" }] },
    });
    const refunded = (total: number): Extract<PaymentEvent, { type: "charge_refunded" }> => ({ type: "charge_refunded", chargeId: "ch_1", paymentIntentId: "pi_1", amountRefunded: total, currency: "gbp", atMs: NOW.getTime(), source: "webhook" });
    const first = decidePayment(paid, refunded(3_000), NOW, PAYMENTS);
    expect(first.decision.patch).toMatchObject({ refundedAmountMinor: 3_000 });
    expect(first.decision.patch.depositLedger?.at(-1)).toMatchObject({ kind: "refund", amountMinor: 3_000, source: "stripe" });
    const recorded = { ...paid, payment: { ...(paid.payment ?? NO_PAYMENT), refundedMinor: 3_000 } };
    expect(decidePayment(recorded, refunded(3_000), NOW, PAYMENTS).outcome).toEqual({ applied: false, reason: "already_recorded" });
    expect(decidePayment(recorded, refunded(10_000), NOW, PAYMENTS).decision.patch.depositLedger?.at(-1)).toMatchObject({ amountMinor: 7_000 });
    expect(decidePayment(recorded, { ...refunded(10_000), paymentIntentId: "pi_other" }, NOW, PAYMENTS).outcome).toEqual({ applied: false, reason: "payment_mismatch" });
  });
});

describe("links and refunds", () => {
  it("the client's reply after an expiry brings a fresh link (attempt 2, the locked amount)", () => {
    const lead = awaiting({ status: LeadStatus.DEPOSIT_EXPIRED, lastClientMessageAt: new Date(NOW.getTime() - HOUR) });
    const decision = decide(lead, { type: "client_message", message: says("can I still pay?") }, NOW, PAYMENTS);
    expect(decision.transitions.map((t) => t.to)).toEqual(["AWAITING_DEPOSIT"]);
    expect(decision.checkout).toMatchObject({ attempt: 2, amountMinor: 10_000, currency: "GBP" });
    expect(decision.patch).not.toHaveProperty("depositLockedAt");
    expect(replies(decision)).toEqual([copy("deposit.link_again.client", { deposit: "£100", url: decision.checkout?.placeholder ?? "?", hours: "24" })]);
  });

  it("withCheckout puts Stripe's URL in the message and the session on the lead", () => {
    const { decision } = decideArtistAction(awaiting({ status: LeadStatus.COLLECTING_TIME_WINDOWS, payment: NO_PAYMENT, depositLockedAt: null }), { type: "artist_action", action: "send_deposit", reason: null, via: "admin" }, NOW, PAYMENTS);
    const done = withCheckout(decision, { sessionId: "cs_test_9", url: "https://checkout.test/cs_test_9", expiresAtMs: NOW.getTime() + 2 * HOUR });
    expect(replies(done)[0]).toContain("https://checkout.test/cs_test_9");
    expect(replies(done)[0]).not.toContain("[[");
    expect(done.patch).toMatchObject({ stripeCheckoutSessionId: "cs_test_9", depositLinkUrl: "https://checkout.test/cs_test_9", depositLinkExpiresAt: new Date(NOW.getTime() + 2 * HOUR) });
  });

  it("a refund asks Stripe for the amount and, completed, records the Refund's id", () => {
    const paid = awaiting({
      status: LeadStatus.BOOKED,
      payment: { ...linkSent, paidAt: NOW, paymentIntentId: "pi_1", ledger: [{ kind: "payment", amountMinor: 10_000, currency: "GBP", at: NOW.toISOString(), reference: "pi_1", source: "checkout", reason: null, status: "succeeded" }] },
    });
    const { decision, outcome } = decideArtistAction(paid, { type: "artist_action", action: "refund", reason: "moved away", via: "inbox", amountMinor: 2_500 }, NOW, PAYMENTS);
    expect(outcome).toMatchObject({ ok: true, from: "BOOKED", to: "BOOKED" });
    expect(decision.refund).toMatchObject({ amountMinor: 2_500, paymentIntentId: "pi_1", reason: "moved away" });
    const done = withRefund(decision, { refundId: "re_1", status: "succeeded" });
    expect(done.patch.depositLedger?.at(-1)).toMatchObject({ kind: "refund", amountMinor: 2_500, reference: "re_1", reason: "moved away", source: "artist", status: "succeeded" });
    expect(replies(done)).toEqual([copy("deposit.refunded.client", { amount: "£25" })]);
    const tooMuch = decideArtistAction(paid, { type: "artist_action", action: "refund", reason: null, via: "inbox", amountMinor: 10_001 }, NOW, PAYMENTS);
    expect(tooMuch.outcome).toMatchObject({ ok: false, reason: "not_refundable" });
  });

  it("the link's lifetime stays inside Stripe's 30 minutes to 24 hours", () => {
    expect(linkTtlMs({ ...CONFIG, depositLinkTtlMs: 0.5 * HOUR })).toBe(31 * 60 * 1000);
    expect(linkTtlMs({ ...CONFIG, depositLinkTtlMs: 2 * HOUR })).toBe(2 * HOUR);
    expect(linkTtlMs({ ...CONFIG, depositLinkTtlMs: 48 * HOUR })).toBe(24 * HOUR - 60_000);
  });
});
