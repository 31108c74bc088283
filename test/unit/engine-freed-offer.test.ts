/**
 * A freed slot offered to one waiting client (src/domain/engine/freed-offer.ts): the offer (buttons
 * in the 24-hour window, the template outside it), "yes" through the usual hold → deposit path,
 * "no", a lost race, an offer no longer open, the deadline's withdrawal and stale buttons. Pure.
 */
import { describe, expect, it } from "vitest";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { decideFreedOffer, decideFreedWithdraw, type EngineConfig, type LeadState } from "../../src/domain/engine.ts";
import { freedButtonId } from "../../src/domain/engine/freed-offer.ts";
import type { BookingConfig } from "../../src/domain/engine/types.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import type { Outbound } from "../../src/domain/messages.ts";
import { TEMPLATES } from "../../src/domain/templates.ts";
import { CONFIG, copyKeys, eventTypes, expectLegalTransitions, HOUR, leadState, NOW, run, says, taps } from "../support/engine.ts";

const ZONE = "Europe/London";
const BOOKING: BookingConfig = { timeZone: ZONE, offerCount: 5, holdLinkMs: HOUR, studioAddress: null, view: { rules: defaultAvailability(ZONE), busy: [] } };
const FREED_CONFIG: EngineConfig = { ...CONFIG, payments: true, booking: BOOKING };
const ROW = "5f1c2d3e-4a5b-4c6d-8e7f-901234567890";
const INPUT = {
  rowId: ROW,
  start: new Date("2026-03-05T10:00:00Z"),
  end: new Date("2026-03-05T12:00:00Z"),
  label: "Thu 5 Mar, 10:00–12:00",
  timeZone: ZONE,
  deadline: new Date(NOW.getTime() + 2 * HOUR),
  deadlineLabel: "Mon 2 Mar, 12:00",
};

const waiting = (overrides: Partial<LeadState> = {}) =>
  leadState({
    status: LeadStatus.COLLECTING_TIME_WINDOWS,
    displayName: "Ari Lane",
    deposit: { amountMinor: 10_000, currency: "GBP" },
    size: { category: "SMALL" },
    serviceWindowEndsAt: new Date(NOW.getTime() + 20 * HOUR),
    ...overrides,
  });

/** The lead after the offer went out. */
function offered(overrides: Partial<LeadState> = {}): LeadState {
  const lead = waiting(overrides);
  const { decision } = decideFreedOffer(lead, INPUT, NOW, FREED_CONFIG);
  return { ...lead, status: LeadStatus.CHOOSING_SLOT, slotOffer: decision.patch.slotOffer ?? null };
}

const offerId = (lead: LeadState) => lead.slotOffer?.id ?? "?";
const answered = (events: { type: string; payload: Record<string, unknown> }[]) => events.find((e) => e.type === "booking.freed_answered")?.payload;

describe("the offer", () => {
  it("in the window: free text with 'Yes, book it' / 'No thanks', the lead now choosing that one slot", () => {
    const lead = waiting();
    const { decision, outcome } = decideFreedOffer(lead, INPUT, NOW, FREED_CONFIG);
    expect(outcome).toEqual({ offered: true, template: false });
    expectLegalTransitions(lead, decision);
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.CHOOSING_SLOT]);
    const message = decision.outbound[0] as Extract<Outbound, { kind: "buttons" }>;
    expect(message.kind).toBe("buttons");
    expect(message.buttons.map((b) => b.title)).toEqual(["Yes, book it", "No thanks"]);
    expect(message.body).toContain("Thu 5 Mar, 10:00–12:00");
    expect(message.body).toContain("Mon 2 Mar, 12:00");
    expect(decision.patch.slotOffer?.slots).toHaveLength(1);
    expect(decision.patch.slotOffer?.freed).toEqual({ rowId: ROW, returnTo: "COLLECTING_TIME_WINDOWS", deadline: INPUT.deadline.toISOString() });
  });

  it("outside the window: the freed_slot_offer template from the registry", () => {
    const { decision } = decideFreedOffer(waiting({ serviceWindowEndsAt: new Date(NOW.getTime() - HOUR) }), INPUT, NOW, FREED_CONFIG);
    const message = decision.outbound[0];
    expect(message?.kind).toBe("template");
    if (message?.kind !== "template") throw new Error("no template");
    expect(message.name).toBe(TEMPLATES.freed_slot_offer.name);
    expect(message.params).toEqual(["Ari", "Mara", `Thu 5 Mar, 10:00–12:00 (${ZONE})`, "Mon 2 Mar, 12:00"]);
  });

  it("a waitlisted client goes back to the waitlist after", () => {
    const { decision } = decideFreedOffer(waiting({ status: LeadStatus.WAITLISTED }), INPUT, NOW, FREED_CONFIG);
    expect(decision.patch.slotOffer?.freed?.returnTo).toBe("WAITLISTED");
  });

  it.each([
    ["moved on", { status: LeadStatus.BOOKED }, FREED_CONFIG, "not_waiting"],
    ["opted out", { optedOut: true }, FREED_CONFIG, "opted_out"],
    ["no deposit quoted", { deposit: null }, FREED_CONFIG, "cannot_book"],
    ["payments off", {}, { ...FREED_CONFIG, payments: false }, "cannot_book"],
    ["panic switch on", {}, { ...FREED_CONFIG, panic: { on: true, since: NOW } }, "panic"],
  ] as const)("not offered when %s", (_, overrides, config, reason) => {
    const { decision, outcome } = decideFreedOffer(waiting(overrides), INPUT, NOW, config);
    expect(outcome).toEqual({ offered: false, reason });
    expect(decision.outbound).toEqual([]);
    expect(decision.transitions).toEqual([]);
  });
});

describe("the answer", () => {
  it("'Yes, book it' while the offer is open: the usual hold with the deposit link for that slot", () => {
    const lead = offered();
    const decision = run(lead, taps(freedButtonId(offerId(lead), "yes"), "Yes, book it"), { ...FREED_CONFIG, booking: { ...BOOKING, freedOpen: true } });
    expectLegalTransitions(lead, decision);
    expect(decision.hold).toMatchObject({ start: INPUT.start, end: INPUT.end, confirm: false });
    expect(decision.checkout).toBeDefined();
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.AWAITING_DEPOSIT]);
    expect(answered(decision.events)).toEqual({ row_id: ROW, outcome: "accepted" });
  });

  it("a typed 'yes' counts too", () => {
    const lead = offered();
    const decision = run(lead, says("yes please"), { ...FREED_CONFIG, booking: { ...BOOKING, freedOpen: true } });
    expect(decision.hold).toBeDefined();
  });

  it("'No thanks': back to waiting, told kindly, the row closed as declined", () => {
    const lead = offered({ status: LeadStatus.WAITLISTED });
    const decision = run({ ...lead, status: LeadStatus.CHOOSING_SLOT }, taps(freedButtonId(offerId(lead), "no"), "No thanks"), FREED_CONFIG);
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.WAITLISTED]);
    expect(decision.patch.slotOffer).toBeNull();
    expect(copyKeys(decision)).toEqual(["freed.declined_waitlist.client"]);
    expect(answered(decision.events)).toEqual({ row_id: ROW, outcome: "declined" });
    expect(decision.hold).toBeUndefined();
  });

  it("'yes' after the offer closed (deadline, or passed on): no hold, told it has gone, back to waiting", () => {
    const lead = offered();
    const decision = run(lead, taps(freedButtonId(offerId(lead), "yes"), "Yes, book it"), { ...FREED_CONFIG, booking: { ...BOOKING, freedOpen: false } });
    expect(decision.hold).toBeUndefined();
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.COLLECTING_TIME_WINDOWS]);
    expect(copyKeys(decision)).toEqual(["freed.lapsed.client"]);
    expect(answered(decision.events)).toEqual({ row_id: ROW, outcome: "lapsed" });
  });

  it("the hold refused (someone else took the time first): told politely, back to waiting, no alternatives list", () => {
    const lead = offered();
    const refused: BookingConfig = { ...BOOKING, freedOpen: true, holdRefused: { reason: "slot_taken", alternatives: [{ start: new Date("2026-03-06T10:00:00Z"), end: new Date("2026-03-06T12:00:00Z") }] } };
    const decision = run(lead, taps(freedButtonId(offerId(lead), "yes"), "Yes, book it"), { ...FREED_CONFIG, booking: refused });
    expect(decision.hold).toBeUndefined();
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.COLLECTING_TIME_WINDOWS]);
    expect(copyKeys(decision)).toEqual(["freed.gone.client"]);
    expect(answered(decision.events)).toEqual({ row_id: ROW, outcome: "lost" });
  });

  it("something else: asked again with the buttons, nothing closed", () => {
    const lead = offered();
    const decision = run(lead, says("what about my cat"), FREED_CONFIG);
    expect(copyKeys(decision)).toEqual(["freed.repair.client"]);
    expect(decision.transitions).toEqual([]);
    expect(answered(decision.events)).toBeUndefined();
  });

  it("a freed button of an offer no longer open: said so, nothing changes", () => {
    const decision = run(waiting(), taps(freedButtonId("fold0000000", "yes"), "Yes, book it"), FREED_CONFIG);
    expect(copyKeys(decision)).toEqual(["freed.lapsed.client"]);
    expect(decision.transitions).toEqual([]);
    expect(eventTypes(decision)).toContain("booking.freed_stale_button");
  });
});

describe("the deadline", () => {
  it("withdraws the open offer quietly (no message), back to waiting", () => {
    const lead = offered();
    const { decision, withdrawn } = decideFreedWithdraw(lead, ROW, NOW, FREED_CONFIG);
    expect(withdrawn).toBe(true);
    expect(decision.transitions.map((t) => t.to)).toEqual([LeadStatus.COLLECTING_TIME_WINDOWS]);
    expect(decision.outbound).toEqual([]);
    expect(decision.patch.slotOffer).toBeNull();
  });

  it("does nothing once the client has answered (or for another offer)", () => {
    expect(decideFreedWithdraw(waiting({ status: LeadStatus.AWAITING_DEPOSIT }), ROW, NOW, FREED_CONFIG).withdrawn).toBe(false);
    expect(decideFreedWithdraw(offered(), "another-row", NOW, FREED_CONFIG).withdrawn).toBe(false);
  });
});
