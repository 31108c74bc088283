/**
 * After the booking (issue 18), as engine transcripts: a booked client moves or cancels by the
 * studio's rules, outside them the artist decides; the artist cancels, lets a move through, marks a
 * no-show or overrides the deposit's outcome; a no-show client's next deposit follows the policy.
 * Every ledger the decisions leave balances with held >= 0.
 */
import { describe, expect, it } from "vitest";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { ledgerBalance, NO_PAYMENT, type LedgerEntry, type PaymentState } from "../../src/domain/deposit.ts";
import { decideArtistAction, decidePayment, type Decision, type EngineConfig, type LeadState } from "../../src/domain/engine.ts";
import { ChangeButton } from "../../src/domain/engine/booking-change.ts";
import type { BookingConfig } from "../../src/domain/engine/types.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import { defaultPolicy } from "../../src/domain/studio-policy.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import { answersBefore, askedAbout, CONFIG, copyKeys, eventTypes, expectLegalTransitions, HOUR, leadState, NOW, run, says, taps, toArtist } from "../support/engine.ts";

const ZONE = "Europe/London";
const BOOKING: BookingConfig = { timeZone: ZONE, offerCount: 5, holdLinkMs: HOUR, studioAddress: null, view: { rules: defaultAvailability(ZONE), busy: [] } };
const CFG: EngineConfig = { ...CONFIG, payments: true, actionLinks: true, booking: BOOKING, policy: defaultPolicy() };
const PAID: PaymentState = {
  ...NO_PAYMENT,
  attempt: 1,
  sessionId: "cs_1",
  paidAt: NOW,
  paymentIntentId: "pi_1",
  ledger: [{ kind: "payment", amountMinor: 10_000, currency: "GBP", at: NOW.toISOString(), reference: "pi_1", source: "checkout", reason: null, status: "succeeded" }],
};
const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR).toISOString();

/** A booked lead whose session starts `hours` from now (moved `moves` times already). */
const booked = (hours: number, moves = 0): LeadState =>
  leadState({
    status: LeadStatus.BOOKED,
    displayName: "Ari Lane",
    deposit: { amountMinor: 10_000, currency: "GBP" },
    payment: PAID,
    size: { category: "MEDIUM" },
    serviceWindowEndsAt: new Date(NOW.getTime() + 20 * HOUR),
    heldSlot: { bookingId: "booking-1", start: at(hours), end: at(hours + 3), label: "Thu 5 March, 10:00–13:00", moves },
  });

const balanced = (ledger: readonly LedgerEntry[] | undefined) => {
  const b = ledgerBalance(ledger ?? []);
  return b.held >= 0 && b.paid === b.refunded + b.forfeited + b.credit + b.applied + b.held;
};
const actions = (d: Decision) => d.actionLinks.map((l) => l.action);

describe("a booked client asks to change their session", () => {
  it("the reminder's button asks which: move, cancel or keep", () => {
    const d = run(booked(100), taps(ChangeButton.CHANGE, "I need to change it"), CFG);
    expect(copyKeys(d)).toEqual(["booking.change_ask.client"]);
    const buttons = d.outbound[0]?.kind === "buttons" ? d.outbound[0].buttons.map((b) => b.id) : [];
    expect(buttons).toEqual([ChangeButton.MOVE, ChangeButton.CANCEL, ChangeButton.KEEP]);
    expect(d.transitions).toEqual([]);
  });

  it("cancel within the rules: credit with the policy's expiry, the booking cancelled, CANCELLED", () => {
    const lead = booked(100);
    const d = run(lead, says("I need to cancel, sorry"), CFG);
    expectLegalTransitions(lead, d);
    expect(d.transitions.map((t) => t.to)).toEqual([LeadStatus.CANCELLED]);
    expect(d.cancelBooking).toEqual({ bookingId: "booking-1", reason: "cancelled_by_client" });
    expect(d.patch.depositLedger?.at(-1)).toMatchObject({ kind: "credit", amountMinor: 10_000, expiresAt: new Date(NOW.getTime() + 180 * 24 * HOUR).toISOString() });
    expect(balanced(d.patch.depositLedger)).toBe(true);
    expect(copyKeys(d)).toEqual(["booking.cancelled.client"]);
    expect(toArtist(d).map((o) => o.copyKey)).toEqual(["booking.cancelled.artist"]);
  });

  it("cancel too late: the client hears the policy, the artist decides with buttons; nothing changes yet", () => {
    const d = run(booked(10), says("I have to cancel my appointment"), CFG);
    expect(d.transitions).toEqual([]);
    expect(d.cancelBooking).toBeUndefined();
    expect(d.patch.depositLedger).toBeUndefined();
    expect(copyKeys(d)).toEqual(["booking.change_outside.late.client"]);
    expect(actions(d)).toEqual(["cancel_booking", "cancel_refund", "allow_move"]);
    expect(eventTypes(d)).toContain("booking.change_outside_policy");
  });

  it("a move within the rules: fresh slots, the lead stays BOOKED; the choice moves the booking, the deposit with it", () => {
    const lead = booked(100);
    const d = run(lead, says("can I move my appointment?"), CFG);
    expect(d.transitions).toEqual([]);
    expect(d.patch.slotOffer?.moving).toBe(true);
    expect(copyKeys(d)).toEqual(["booking.move_offer.client"]);
    const offer = d.patch.slotOffer;
    if (!offer) throw new Error("no offer");
    const choosing = { ...lead, slotOffer: offer };
    const chosen = run(choosing, says("1"), CFG);
    expect(chosen.transitions).toEqual([]);
    expect(chosen.hold).toMatchObject({ moveBookingId: "booking-1", confirm: true, start: new Date(offer.slots[0]?.start ?? "") });
    expect(chosen.patch.heldSlot).toMatchObject({ bookingId: "booking-1", start: offer.slots[0]?.start, moves: 1 });
    expect(chosen.checkout).toBeUndefined();
    expect(chosen.patch.depositLedger).toBeUndefined();
    expect(copyKeys(chosen)).toEqual(["booking.moved.client"]);
  });

  it("a policy whose reschedule fate is credit: the offer says so; the choice moves the booking, the credit used on it at once", () => {
    const cfg: EngineConfig = { ...CFG, policy: { ...defaultPolicy(), depositOnReschedule: "credit" } };
    const lead = booked(100);
    const d = run(lead, says("can I move my appointment?"), cfg);
    expect(copyKeys(d)).toEqual(["booking.move_offer_fate.client"]);
    expect(d.patch.slotOffer).toMatchObject({ moving: true, moveFate: "credit" });
    expect(d.outbound[0]?.kind === "list" ? d.outbound[0].body : "").toContain("becomes credit");
    const offer = d.patch.slotOffer;
    if (!offer) throw new Error("no offer");
    const chosen = run({ ...lead, slotOffer: offer }, says("1"), cfg);
    expect(chosen.hold).toMatchObject({ moveBookingId: "booking-1", confirm: true });
    expect(chosen.checkout).toBeUndefined();
    expect(chosen.patch.depositLedger?.slice(1)).toMatchObject([{ kind: "credit", amountMinor: 10_000 }, { kind: "reopen", from: "credit", amountMinor: 10_000 }]);
    expect(ledgerBalance(chosen.patch.depositLedger ?? [])).toMatchObject({ credit: 0, held: 10_000 });
    expect(copyKeys(chosen)).toEqual(["booking.moved.client"]);
  });

  it("late, the artist lets the move through: the policy's late fate (forfeit) applies when the new time is chosen, which is held with a new deposit link", () => {
    const lead = booked(10);
    const { decision, outcome } = decideArtistAction(lead, { type: "artist_action", action: "allow_move", reason: null, via: "inbox" }, NOW, CFG);
    expect(outcome.ok).toBe(true);
    expect(decision.patch.slotOffer).toMatchObject({ moving: true, moveFate: "forfeit" });
    expect(copyKeys(decision)).toEqual(["booking.move_offer_fate.client"]);
    const offer = decision.patch.slotOffer;
    if (!offer) throw new Error("no offer");
    const choosing = { ...lead, slotOffer: offer };
    const chosen = run(choosing, says("2"), CFG);
    expectLegalTransitions(choosing, chosen);
    expect(chosen.transitions.map((t) => t.to)).toEqual([LeadStatus.AWAITING_DEPOSIT]);
    expect(chosen.cancelBooking).toEqual({ bookingId: "booking-1", reason: "moved_new_deposit" });
    expect(chosen.hold).toMatchObject({ confirm: false, start: new Date(offer.slots[1]?.start ?? "") });
    expect(chosen.hold?.moveBookingId).toBeUndefined();
    expect(chosen.patch.heldSlot).toMatchObject({ bookingId: "hold-pending", start: offer.slots[1]?.start, moves: 1 });
    expect(chosen.patch.depositPaidAt).toBeNull();
    expect(chosen.checkout).toMatchObject({ attempt: 2, amountMinor: 10_000 });
    expect(chosen.patch.depositLedger?.at(-1)).toMatchObject({ kind: "forfeit", amountMinor: 10_000, reference: "booking-1" });
    expect(balanced(chosen.patch.depositLedger)).toBe(true);
    expect(ledgerBalance(chosen.patch.depositLedger ?? []).held).toBe(0);
    expect(copyKeys(chosen)).toEqual(["booking.move_rebook.client", "booking.held.client"]);
    expect(toArtist(chosen).map((o) => o.copyKey)).toEqual(["booking.move_rebook.artist"]);
  });

  it("a policy whose reschedule fate is refund: the deposit refunded through the refund path, the new time needs a new deposit", () => {
    const cfg: EngineConfig = { ...CFG, policy: { ...defaultPolicy(), depositOnReschedule: "refund" } };
    const lead = booked(100);
    const offer = run(lead, says("I'd like to reschedule"), cfg).patch.slotOffer;
    if (!offer) throw new Error("no offer");
    expect(offer.moveFate).toBe("refund");
    const chosen = run({ ...lead, slotOffer: offer }, says("1"), cfg);
    expect(chosen.refund).toMatchObject({ amountMinor: 10_000, paymentIntentId: "pi_1" });
    expect(chosen.checkout).toMatchObject({ amountMinor: 10_000 });
    expect(chosen.transitions.map((t) => t.to)).toEqual([LeadStatus.AWAITING_DEPOSIT]);
    expect(ledgerBalance(chosen.patch.depositLedger ?? [])).toMatchObject({ refunded: 10_000, held: 0 });
    expect(copyKeys(chosen)).toEqual(["deposit.refunded.client", "booking.move_rebook.client", "booking.held.client"]);

    // The new deposit is paid (a new PaymentIntent): booked; a later refund is of the new payment only.
    const awaiting: LeadState = {
      ...lead,
      status: LeadStatus.AWAITING_DEPOSIT,
      slotOffer: null,
      heldSlot: { ...(chosen.patch.heldSlot ?? { start: "", end: "", label: "" }), bookingId: "booking-2" },
      payment: { ...PAID, attempt: 2, sessionId: "cs_2", paidAt: null, refundedMinor: 10_000, ledger: chosen.patch.depositLedger ?? [] },
    };
    const paid = decidePayment(awaiting, { type: "checkout_completed", sessionId: "cs_2", paymentStatus: "paid", amountTotal: 10_000, currency: "gbp", paymentIntentId: "pi_2", atMs: NOW.getTime(), source: "webhook" }, NOW, { ...cfg, booking: { ...BOOKING, paidOutcome: "confirmed" } }).decision;
    expect(paid.transitions.map((t) => t.to)).toEqual([LeadStatus.DEPOSIT_PAID, LeadStatus.BOOKED]);
    expect(paid.patch.refundedAmountMinor).toBe(0);
    const rebooked: LeadState = { ...awaiting, status: LeadStatus.BOOKED, payment: { ...awaiting.payment ?? PAID, paidAt: NOW, paymentIntentId: "pi_2", refundedMinor: 0, ledger: paid.patch.depositLedger ?? [] } };
    expect(ledgerBalance(paid.patch.depositLedger ?? [])).toMatchObject({ paid: 20_000, refunded: 10_000, held: 10_000 });
    const refund = decideArtistAction(rebooked, { type: "artist_action", action: "refund", reason: "goodwill", via: "inbox" }, NOW, cfg).decision;
    expect(refund.refund).toMatchObject({ amountMinor: 10_000, paymentIntentId: "pi_2" });
  });

  it("no free moves left: the client is told, the artist may allow the move", () => {
    const d = run(booked(100, 1), says("could I reschedule?"), CFG);
    expect(copyKeys(d)).toEqual(["booking.change_outside.no_free_reschedules.client"]);
    expect(actions(d)).toEqual(["allow_move", "cancel_booking", "cancel_refund"]);
    expect(d.patch.slotOffer).toBeUndefined();
  });

  it("a session that has happened: a polite explanation, nothing changes", () => {
    const d = run(booked(-30), says("I need to move my appointment"), CFG);
    expect(copyKeys(d)).toEqual(["booking.change_past.client"]);
    expect(d.transitions).toEqual([]);
  });
});

describe("the artist decides", () => {
  const act = (lead: LeadState, action: Parameters<typeof decideArtistAction>[1]["action"], extra: Partial<Parameters<typeof decideArtistAction>[1]> = {}) =>
    decideArtistAction(lead, { type: "artist_action", action, reason: null, via: "inbox", ...extra }, NOW, CFG);

  it("cancel with refund: the refund path, CANCELLED, the booking cancelled", () => {
    const { decision, outcome } = act(booked(10), "cancel_refund");
    expect(outcome).toMatchObject({ ok: true, to: LeadStatus.CANCELLED });
    expect(decision.refund).toMatchObject({ amountMinor: 10_000, paymentIntentId: "pi_1" });
    expect(decision.cancelBooking?.bookingId).toBe("booking-1");
    expect(balanced(decision.patch.depositLedger)).toBe(true);
  });

  it("a no-show before the session has begun is refused; after, the policy's fate and the count", () => {
    expect(act(booked(2), "mark_no_show").outcome).toMatchObject({ ok: false, reason: "wrong_time" });
    const { decision, outcome } = act(booked(-1), "mark_no_show");
    expect(outcome).toMatchObject({ ok: true, to: LeadStatus.NO_SHOW });
    expect(decision.patch.noShowCount).toBe(1);
    expect(decision.patch.depositLedger?.at(-1)).toMatchObject({ kind: "forfeit", amountMinor: 10_000 });
    expect(balanced(decision.patch.depositLedger)).toBe(true);
  });

  it("the override turns the forfeit into credit, with the reason; the ledger still balances", () => {
    const noShow = act(booked(-1), "mark_no_show").decision;
    const after = { ...booked(-1), status: LeadStatus.NO_SHOW, payment: { ...PAID, ledger: noShow.patch.depositLedger ?? [] } };
    const { decision, outcome } = act(after, "override_deposit", { fate: "credit", reason: "their car broke down" });
    expect(outcome.ok).toBe(true);
    expect(decision.patch.depositLedger?.slice(-2)).toMatchObject([
      { kind: "reopen", from: "forfeit", amountMinor: 10_000, reason: "their car broke down" },
      { kind: "credit", amountMinor: 10_000 },
    ]);
    expect(ledgerBalance(decision.patch.depositLedger ?? [])).toMatchObject({ forfeited: 0, credit: 10_000, held: 0 });
    expect(eventTypes(decision)).toContain("deposit.overridden");
    // The same outcome again changes nothing.
    const again = { ...after, payment: { ...PAID, ledger: decision.patch.depositLedger ?? [] } };
    expect(act(again, "override_deposit", { fate: "credit", reason: "again" }).outcome).toMatchObject({ ok: false, reason: "nothing_to_change" });
  });
});

describe("a client whose booking ended writes again", () => {
  it("after a cancel with credit: handed to the artist politely, reminded of the credit; CONTINUE returns them to CANCELLED", () => {
    const cancelled = run(booked(100), says("I need to cancel, sorry"), CFG);
    const lead: LeadState = { ...booked(100), status: LeadStatus.CANCELLED, heldSlot: null, payment: { ...PAID, ledger: cancelled.patch.depositLedger ?? [] } };
    const d = run(lead, says("hi, it's me again"), CFG);
    expectLegalTransitions(lead, d);
    expect(d.transitions.map((t) => t.to)).toEqual([LeadStatus.NEEDS_ARTIST_REPLY]);
    expect(d.patch.resumeStatus).toBe(LeadStatus.CANCELLED);
    expect(d.patch.handoverReason).toBe("booking_ended");
    expect(copyKeys(d)).toEqual(["handover.client.booking_ended", "booking.ended_credit.client"]);
    const credit = d.outbound.find((o) => o.copyKey === "booking.ended_credit.client");
    expect(credit?.kind === "text" ? credit.body : "").toContain("£100");
    expect(toArtist(d).map((o) => o.copyKey)).toContain("handover.artist");
    const handed = { ...lead, status: LeadStatus.NEEDS_ARTIST_REPLY, resumeStatus: LeadStatus.CANCELLED };
    const back = run(handed, says("continue"), CFG);
    expect(back.transitions.map((t) => t.to)).toEqual([LeadStatus.CANCELLED]);
  });

  it("after a no-show (deposit forfeit): handed to the artist, no credit mentioned; a reaction changes nothing", () => {
    const noShow = decideArtistAction(booked(-1), { type: "artist_action", action: "mark_no_show", reason: null, via: "inbox" }, NOW, CFG).decision;
    const lead: LeadState = { ...booked(-1), status: LeadStatus.NO_SHOW, payment: { ...PAID, ledger: noShow.patch.depositLedger ?? [] } };
    const d = run(lead, says("so sorry, my train was cancelled"), CFG);
    expect(d.transitions.map((t) => t.to)).toEqual([LeadStatus.NEEDS_ARTIST_REPLY]);
    expect(copyKeys(d)).toEqual(["handover.client.booking_ended"]);
    const reaction = run(lead, says("", { kind: "reaction", text: null, rawType: "reaction" }), CFG);
    expect(reaction.transitions).toEqual([]);
    expect(reaction.outbound).toEqual([]);
  });
});

describe("a client with a no-show pays the policy's deposit next time", () => {
  const estimate = (noShowCount: number, config: EngineConfig = CFG) =>
    run(askedAbout("location_city", { recentAnswers: answersBefore("location_city"), noShowCount }), says("Manchester"), config);
  it("the usual deposit without a no-show; the multiplier (2x by default) with one; the studio's own multiplier", () => {
    expect(estimate(0).patch.depositAmountMinor).toBe(10_000);
    expect(estimate(1).patch.depositAmountMinor).toBe(20_000);
    expect(estimate(2, { ...CFG, policy: { ...defaultPolicy(), noShowDepositMultiplier: 1.5 } }).patch.depositAmountMinor).toBe(15_000);
    expect(estimate(1).events.find((e) => e.type === "estimate.updated")?.payload).toMatchObject({ deposit_minor: 20_000, usual_deposit_minor: 10_000, no_shows: 1 });
  });

  /** The artist's summary when the client answers the last question, with `noShowCount` earlier no-shows. */
  const summary = (noShowCount: number, config: EngineConfig = CFG): string => {
    const decision = run(askedAbout("timing", { recentAnswers: answersBefore("timing"), noShowCount }), says(GOOD_ANSWERS.timing.text), config);
    const sent = toArtist(decision).find((o) => o.copyKey === "summary.artist");
    if (!sent || (sent.kind !== "text" && sent.kind !== "cta")) throw new Error("no summary");
    return sent.body;
  };

  it("the artist's summary shows the deposit the client will be asked for, and why", () => {
    expect(summary(0)).toContain("Deposit: £100");
    expect(summary(0)).not.toContain("no-show");
    const raised = summary(1);
    expect(raised).toContain("Deposit: £200");
    expect(raised).toContain("2× the usual £100: they have 1 earlier no-show(s)");
    const own = summary(2, { ...CFG, policy: { ...defaultPolicy(), noShowDepositMultiplier: 1.5 } });
    expect(own).toContain("Deposit: £150");
    expect(own).toContain("1.5× the usual £100: they have 2 earlier no-show(s)");
  });
});
