/**
 * The booking step in the engine (src/domain/engine/booking.ts): the offer after approval, the
 * client's choice by tap or text, "none of these", repairs, a hold refused, the client's windows,
 * and what the deposit (or its expiry) does to a held slot. Pure (Node).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { NO_PAYMENT, type PaymentEvent, type PaymentState } from "../../src/domain/deposit.ts";
import { decideArtistAction, decidePayment, type Decision, type EngineConfig, type LeadState } from "../../src/domain/engine.ts";
import { HOLD_PENDING, withHold } from "../../src/domain/engine/booking.ts";
import type { BookingConfig } from "../../src/domain/engine/types.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import type { Outbound } from "../../src/domain/messages.ts";
import { noneRowId, readRowId, type SlotOffer } from "../../src/domain/slot-offer.ts";
import { CONFIG, CONSENTED, copyKeys, eventTypes, expectLegalTransitions, HOUR, leadState, NOW, run, says, taps, toArtist } from "../support/engine.ts";

const ZONE = "Europe/London";
const RULES = defaultAvailability(ZONE);
const BOOKING: BookingConfig = { timeZone: ZONE, offerCount: 5, holdLinkMs: HOUR, studioAddress: "1 Ink Lane, London", view: { rules: RULES, busy: [] } };
const BOOKING_CONFIG: EngineConfig = { ...CONFIG, payments: true, actionLinks: true, booking: BOOKING };
const DEPOSIT = { amountMinor: 10_000, currency: "GBP" };

/** A lead waiting for approval whose consent step is done (consent.test.ts covers the step before the offer). */
const approved = (overrides: Partial<LeadState> = {}) =>
  leadState({ status: LeadStatus.PENDING_APPROVAL, displayName: "Ari Lane", deposit: DEPOSIT, size: { category: "MEDIUM" }, serviceWindowEndsAt: new Date(NOW.getTime() + 20 * HOUR), consent: CONSENTED, ...overrides });

const approve = (lead: LeadState, config: EngineConfig = BOOKING_CONFIG) =>
  decideArtistAction(lead, { type: "artist_action", action: "approve", reason: null, via: "link" }, NOW, config);

const listOf = (decision: Decision): Extract<Outbound, { kind: "list" }> => {
  const list = decision.outbound.find((o): o is Extract<Outbound, { kind: "list" }> => o.kind === "list");
  if (!list) throw new Error("no list message");
  return list;
};

/** Slot `index` of an offer (a test bug when it is not there). */
function slotAt(offer: SlotOffer, index: number) {
  const slot = offer.slots[index];
  if (!slot) throw new Error(`offer has no slot ${index}`);
  return slot;
}

/** The lead after the approval's offer: choosing from it. */
function choosing(overrides: Partial<LeadState> = {}): { lead: LeadState; offer: SlotOffer } {
  const { decision } = approve(approved());
  const offer = decision.patch.slotOffer;
  if (!offer) throw new Error("no offer");
  return { lead: approved({ status: LeadStatus.CHOOSING_SLOT, slotOffer: offer, ...overrides }), offer };
}

describe("the offer after approval", () => {
  it("approved with the calendar on: a WhatsApp list of 5 free slots in the studio's zone, plus 'none of these'; the lead chooses", () => {
    const lead = approved();
    const { decision, outcome } = approve(lead);
    expect(outcome.ok).toBe(true);
    expectLegalTransitions(lead, decision);
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.CHOOSING_SLOT]);
    expect(copyKeys(decision)).toEqual(["action.approve_booking.client", "booking.offer.client"]);
    const list = listOf(decision);
    expect(list.rows).toHaveLength(6);
    expect(list.rows.at(-1)?.id).toBe(noneRowId(decision.patch.slotOffer?.id ?? "?"));
    expect(list.body).toContain(ZONE);
    for (const row of list.rows) {
      expect(row.title.length).toBeLessThanOrEqual(24);
      expect((row.description ?? "").length).toBeLessThanOrEqual(72);
    }
    const offer = decision.patch.slotOffer;
    expect(offer?.slots).toHaveLength(5);
    // 48 h notice from Monday 10:00 UTC: nothing before Wednesday 10:00.
    for (const slot of offer?.slots ?? []) expect(new Date(slot.start).getTime()).toBeGreaterThanOrEqual(NOW.getTime() + 48 * HOUR);
    expect(list.body).toContain(`1. ${offer?.slots[0]?.label}`);
  });

  it("never offers time the calendar has busy", () => {
    const busyStart = new Date("2026-03-04T09:00:00Z");
    const busyEnd = new Date("2026-03-06T18:00:00Z");
    const busy = [{ start: busyStart, end: busyEnd }];
    const { decision } = approve(approved(), { ...BOOKING_CONFIG, booking: { ...BOOKING, view: { rules: RULES, busy } } });
    for (const slot of decision.patch.slotOffer?.slots ?? []) {
      const [s, e] = [new Date(slot.start).getTime(), new Date(slot.end).getTime()];
      expect(e <= busyStart.getTime() - 30 * 60_000 || s >= busyEnd.getTime() + 30 * 60_000).toBe(true);
    }
  });

  it("nothing free: their windows are collected and the artist is told, with a button to offer times later", () => {
    const full = { rules: { ...RULES, horizonDays: 2 }, busy: [] };
    const lead = approved();
    const { decision } = approve(lead, { ...BOOKING_CONFIG, booking: { ...BOOKING, view: full } });
    expectLegalTransitions(lead, decision);
    expect(decision.transitions.at(-1)?.to).toBe(LeadStatus.COLLECTING_TIME_WINDOWS);
    expect(copyKeys(decision)).toEqual(["action.approve_booking.client", "booking.no_slots.client"]);
    // The notice with the lead's page button, then "Offer times" as a reply button (no raw link).
    expect(toArtist(decision).map((m) => [m.copyKey, m.kind])).toEqual([["booking.no_slots.artist", "cta"], ["artist.notice_buttons", "actions"]]);
    expect(decision.actionLinks.map((l) => l.action)).toEqual(["offer_slots"]);
  });

  it("the calendar unreadable: never offered as free; their windows are asked for instead", () => {
    const { decision } = approve(approved(), { ...BOOKING_CONFIG, booking: { ...BOOKING, view: null } });
    expect(decision.patch.slotOffer).toBeNull();
    expect(copyKeys(decision)).toContain("booking.calendar_unavailable_later.client");
  });

  it("with the calendar off (no booking config), or no deposit quoted, approval is as before: the artist books by hand", () => {
    for (const [lead, config] of [
      [approved(), { ...BOOKING_CONFIG, booking: undefined }],
      [approved({ deposit: null }), BOOKING_CONFIG],
    ] as const) {
      const { decision } = approve(lead, config);
      expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.COLLECTING_TIME_WINDOWS]);
      expect(copyKeys(decision)).toEqual(["action.approve.client"]);
    }
  });

  it("the client's windows narrow the offer ('weekday evenings' → only after 17:00)", () => {
    const lead = approved({ recentAnswers: [{ questionKey: "timing", rawText: "weekday afternoons", value: { windows: [{ partOfDay: "afternoon" }], flexible: false } }] });
    const { decision } = approve(lead);
    const slots = decision.patch.slotOffer?.slots ?? [];
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) {
      const hour = Number(new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, hour: "2-digit", hourCycle: "h23" }).format(new Date(slot.start)));
      expect(hour).toBeGreaterThanOrEqual(12);
    }
  });
});

describe("the client's choice", () => {
  it("a tap on a row of this offer holds that slot: the deposit link for it, the lead waits for the deposit", () => {
    const { lead, offer } = choosing();
    const slot = slotAt(offer, 1);
    const decision = run(lead, taps(slot.id, "whatever the title"), BOOKING_CONFIG);
    expectLegalTransitions(lead, decision);
    expect(decision.hold).toEqual({ start: new Date(slot.start), end: new Date(slot.end), label: slot.label, confirm: false });
    expect(decision.patch.heldSlot).toEqual({ bookingId: HOLD_PENDING, start: slot.start, end: slot.end, label: slot.label });
    expect(decision.checkout?.expiresAtMs).toBe(NOW.getTime() + 60 * 60_000);
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.AWAITING_DEPOSIT]);
    expect(copyKeys(decision)).toEqual(["booking.held.client"]);
  });

  it.each([
    ["2", 1],
    ["option 3 please", 2],
    ["the last one", 4],
  ])("by text: %j picks slot %i", (text, index) => {
    const { lead, offer } = choosing();
    const decision = run(lead, says(text), BOOKING_CONFIG);
    expect(decision.patch.heldSlot?.start).toBe(offer.slots[index]?.start);
  });

  it("by its label, as the client saw it", () => {
    const { lead, offer } = choosing();
    const decision = run(lead, says(slotAt(offer, 3).label), BOOKING_CONFIG);
    expect(decision.patch.heldSlot?.start).toBe(slotAt(offer, 3).start);
  });

  it("a list reply id we never offered is text, never a choice", () => {
    const { lead } = choosing();
    const decision = run(lead, taps("slot:forged:1", "hello there"), BOOKING_CONFIG);
    expect(decision.hold).toBeUndefined();
    expect(eventTypes(decision)).toContain("booking.unknown_row");
    expect(copyKeys(decision)).toEqual(["booking.choice_repair.client"]);
  });

  it("'none of these' (tapped or said): their windows are collected and the artist is told", () => {
    const { lead, offer } = choosing();
    for (const message of [taps(noneRowId(offer.id), "None of these work"), says("none of those work for me sorry")]) {
      const decision = run(lead, message, BOOKING_CONFIG);
      expectLegalTransitions(lead, decision);
      expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.COLLECTING_TIME_WINDOWS]);
      expect(copyKeys(decision)).toEqual(["booking.none.client"]);
      // The notice with the lead's page button, then "Offer times" as a reply button (no raw link).
    expect(toArtist(decision).map((m) => [m.copyKey, m.kind])).toEqual([["booking.none.artist", "cta"], ["artist.notice_buttons", "actions"]]);
      expect(decision.patch.slotOffer).toBeNull();
    }
  });

  it("unclear answers are repaired, and the third hands the conversation to the artist", () => {
    const { lead } = choosing();
    const first = run(lead, says("hmm maybe"), BOOKING_CONFIG);
    expect(copyKeys(first)).toEqual(["booking.choice_repair.client"]);
    expect(first.patch.failureCounts).toMatchObject({ slot_choice: 1 });
    const third = run({ ...lead, failureCounts: { slot_choice: 2 } }, says("1 or 2"), BOOKING_CONFIG);
    expect(third.transitions.map((t) => t.to)).toEqual([LeadStatus.NEEDS_ARTIST_REPLY]);
    expect(third.hold).toBeUndefined();
  });

  it("the slot has gone (the calendar object refused the hold): 'that one has just gone' and the nearest alternatives, still choosing", () => {
    const { lead, offer } = choosing();
    const alternatives = [{ start: new Date("2026-03-10T10:00:00Z"), end: new Date("2026-03-10T14:00:00Z") }];
    const config = { ...BOOKING_CONFIG, booking: { ...BOOKING, holdRefused: { reason: "slot_taken" as const, alternatives } } };
    const decision = run(lead, taps(slotAt(offer, 0).id, "x"), config);
    expect(decision.hold).toBeUndefined();
    expect(decision.transitions).toEqual([]);
    expect(copyKeys(decision)).toEqual(["booking.slot_gone.client"]);
    expect(decision.patch.slotOffer?.slots.map((s) => s.start)).toEqual(["2026-03-10T10:00:00.000Z"]);
  });

  it("the calendar could not answer: asked to try again shortly, the offer kept", () => {
    const { lead, offer } = choosing();
    const config = { ...BOOKING_CONFIG, booking: { ...BOOKING, holdRefused: { reason: "calendar_unavailable" as const, alternatives: [] } } };
    const decision = run(lead, taps(slotAt(offer, 0).id, "x"), config);
    expect(copyKeys(decision)).toEqual(["booking.calendar_unavailable.client"]);
    expect(decision.patch.slotOffer).toBeUndefined();
  });

  it("paid before (credit): the chosen slot is booked at once, with the confirmation", () => {
    const { lead, offer } = choosing({ payment: { ...NO_PAYMENT, attempt: 1, sessionId: "cs_1", paidAt: NOW, paymentIntentId: "pi_1" } });
    const decision = run(lead, says("1"), BOOKING_CONFIG);
    expectLegalTransitions(lead, decision);
    expect(decision.hold?.confirm).toBe(true);
    expect(decision.checkout).toBeUndefined();
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.BOOKED]);
    expect(copyKeys(decision)).toEqual(["booking.confirmed.client"]);
    expect(decision.patch.heldSlot?.start).toBe(slotAt(offer, 0).start);
  });
});

describe("the client's windows (after 'none of these')", () => {
  const collecting = () => approved({ status: LeadStatus.COLLECTING_TIME_WINDOWS });

  it("windows that fit free time: recorded as the timing answer and a fresh offer in them", () => {
    const lead = collecting();
    const decision = run(lead, says("saturdays"), BOOKING_CONFIG);
    expectLegalTransitions(lead, decision);
    expect(decision.answers.map((a) => a.questionKey)).toEqual(["timing"]);
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.CHOOSING_SLOT]);
    for (const slot of decision.patch.slotOffer?.slots ?? []) {
      expect(new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, weekday: "short" }).format(new Date(slot.start))).toBe("Sat");
    }
  });

  it("windows nothing fits (Sundays, when the studio is closed): noted, the artist told, still collecting", () => {
    const decision = run(collecting(), says("sundays only"), BOOKING_CONFIG);
    expect(decision.transitions).toEqual([]);
    expect(copyKeys(decision)).toEqual(["booking.windows_noted.client"]);
    // The notice with the lead's page button, then "Offer times" as a reply button (no raw link).
    expect(toArtist(decision).map((m) => [m.copyKey, m.kind])).toEqual([["booking.windows.artist", "cta"], ["artist.notice_buttons", "actions"]]);
  });

  it("an answer that is not a time is repaired", () => {
    const decision = run(collecting(), says("banana"), BOOKING_CONFIG);
    expect(copyKeys(decision)).toEqual(["booking.windows_repair.client"]);
    expect(decision.answers).toEqual([]);
  });
});

describe("the deposit for a held slot", () => {
  const SESSION = "cs_hold_1";
  const held = { bookingId: "b-1", start: "2026-03-05T10:00:00.000Z", end: "2026-03-05T14:00:00.000Z", label: "Thu 5 Mar, 10:00–14:00" };
  const linkSent: PaymentState = { ...NO_PAYMENT, attempt: 1, sessionId: SESSION, linkUrl: "https://pay.test/1", linkExpiresAt: new Date(NOW.getTime() + HOUR) };
  const awaiting = () => approved({ status: LeadStatus.AWAITING_DEPOSIT, payment: linkSent, depositLockedAt: NOW, heldSlot: held });
  const completed: PaymentEvent = { type: "checkout_completed", sessionId: SESSION, paymentStatus: "paid", amountTotal: 10_000, currency: "gbp", paymentIntentId: "pi_9", atMs: NOW.getTime(), source: "webhook" };

  it("confirmed by the calendar: booked, the confirmation has the time in the studio's zone, the address and an add-to-calendar link", () => {
    const lead = awaiting();
    const { decision } = decidePayment(lead, completed, NOW, { ...BOOKING_CONFIG, booking: { ...BOOKING, paidOutcome: "confirmed" } });
    expectLegalTransitions(lead, decision);
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.DEPOSIT_PAID, LeadStatus.BOOKED]);
    const [message] = decision.outbound.filter((o) => o.to === "client");
    expect(message?.kind === "text" && message.body).toContain("Thu 5 Mar, 10:00–14:00 (Europe/London time)");
    expect(message?.kind === "text" && message.body).toContain("1 Ink Lane, London");
    expect(message?.kind === "text" && message.body).toContain("calendar.google.com/calendar/render?action=TEMPLATE");
    expect(message?.kind === "text" && message.body).toContain("dates=20260305T100000Z%2F20260305T140000Z");
    expect(toArtist(decision).map((m) => m.copyKey)).toEqual(["booking.confirmed.artist"]);
    expect(decision.patch.depositLedger?.map((e) => e.kind)).toEqual(["payment"]);
  });

  it("outside the client's 24-hour window the confirmation goes as its template", () => {
    const lead = { ...awaiting(), serviceWindowEndsAt: new Date(NOW.getTime() - HOUR) };
    const { decision } = decidePayment(lead, completed, NOW, { ...BOOKING_CONFIG, booking: { ...BOOKING, paidOutcome: "confirmed" } });
    const [message] = decision.outbound.filter((o) => o.to === "client");
    expect(message?.kind).toBe("template");
    expect(message?.kind === "template" && message.params[2]).toBe("Thu 5 Mar, 10:00–14:00 (Europe/London)");
  });

  it("paid after the hold lapsed and the time taken since: kept as credit in the ledger, fresh slots offered, the artist told", () => {
    const lead = { ...awaiting(), status: LeadStatus.DEPOSIT_EXPIRED };
    const { decision } = decidePayment(lead, completed, NOW, { ...BOOKING_CONFIG, booking: { ...BOOKING, paidOutcome: "slot_taken" } });
    expectLegalTransitions(lead, decision);
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.DEPOSIT_PAID, LeadStatus.CHOOSING_SLOT]);
    expect(decision.patch.depositLedger?.map((e) => [e.kind, e.amountMinor])).toEqual([["payment", 10_000], ["credit", 10_000]]);
    expect(copyKeys(decision)).toEqual(["booking.paid_slot_taken.client", "booking.offer.client"]);
    expect(toArtist(decision).map((m) => m.copyKey)).toEqual(["booking.slot_taken.artist"]);
    expect(decision.patch.heldSlot).toBeNull();
  });

  it("the link expired: the client hears the held time was released; their next reply gets the free times again", () => {
    const lead = awaiting();
    const expiredEvent: PaymentEvent = { type: "checkout_expired", sessionId: SESSION, atMs: NOW.getTime(), source: "webhook" };
    const { decision } = decidePayment(lead, expiredEvent, NOW, BOOKING_CONFIG);
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.DEPOSIT_EXPIRED]);
    expect(copyKeys(decision)).toEqual(["booking.hold_released.client"]);
    const reply = run({ ...lead, status: LeadStatus.DEPOSIT_EXPIRED }, says("sorry, can I have another go?"), BOOKING_CONFIG);
    expect(reply.transitions.map((t) => t.to)).toEqual([LeadStatus.CHOOSING_SLOT]);
    expect(reply.checkout).toBeUndefined();
  });

  it("withHold puts the booking's id on the lead and ends the deposit link with the hold", () => {
    const { lead, offer } = choosing();
    const decision = run(lead, taps(slotAt(offer, 0).id, "x"), BOOKING_CONFIG);
    const linkExpiresAt = new Date(NOW.getTime() + 59 * 60_000);
    const done = withHold(decision, { bookingId: "b-42", linkExpiresAt });
    expect(done.patch.heldSlot?.bookingId).toBe("b-42");
    expect(done.checkout?.expiresAtMs).toBe(linkExpiresAt.getTime());
  });
});

describe("list reply ids (property)", () => {
  it("an id is a choice only when it names a row of this offer", () => {
    const { offer } = choosing();
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (id) => {
        const read = readRowId(offer, id);
        if (read === null) return;
        if (read.kind === "none") expect(id).toBe(noneRowId(offer.id));
        else expect(offer.slots[read.index]?.id).toBe(id);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: offer.slots.length - 1 }), (index) => {
        expect(readRowId(offer, slotAt(offer, index).id)).toEqual({ kind: "slot", index });
        expect(readRowId({ ...offer, id: "other" }, slotAt(offer, index).id)).toBeNull();
      }),
    );
  });

  it("whatever the client writes, a hold is only ever for a slot of the offer", () => {
    const { lead, offer } = choosing();
    const starts = new Set(offer.slots.map((s) => s.start));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("1", "2", "the last one", "none", "thursday", "10am", "either")), (text) => {
        const decision = run(lead, says(text), BOOKING_CONFIG);
        if (decision.hold) expect(starts.has(decision.hold.start.toISOString())).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

// The copy the client sees names the zone in words they can read.
describe("copy", () => {
  it("the offer's body names the studio's zone", () => {
    expect(renderCopy("booking.offer.client", { artistName: "Mara", zone: ZONE, slots: "1. x", count: 1 })).toContain("Europe/London time");
  });
});
