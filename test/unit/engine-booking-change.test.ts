/**
 * After the booking (issue 18), as engine transcripts: a booked client moves or cancels by the
 * studio's rules, outside them the artist decides; the artist cancels, lets a move through, marks a
 * no-show or overrides the deposit's outcome; a no-show client's next deposit follows the policy.
 * Every ledger the decisions leave balances with held >= 0.
 */
import { describe, expect, it } from "vitest";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { ledgerBalance, NO_PAYMENT, type LedgerEntry, type PaymentState } from "../../src/domain/deposit.ts";
import { decideArtistAction, type Decision, type EngineConfig, type LeadState } from "../../src/domain/engine.ts";
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
