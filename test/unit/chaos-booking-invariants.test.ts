/**
 * The booking invariants of `npm run chaos` (bench/chaos/booking-invariants.ts): each way a run
 * can double-book, lose a booking or write an event twice is caught, and a clean run passes.
 */
import { describe, expect, it } from "vitest";
import { renderBookingChaos, type BookingChaosSummary } from "../../bench/chaos/booking.ts";
import { checkBookings, checkChanges, type BookingRowView, type CalendarEventView, type ChangeView, type PaidLeadView } from "../../bench/chaos/booking-invariants.ts";

const H = 3_600_000;
const T0 = Date.UTC(2027, 0, 4, 10);

function row(id: string, leadId: string, status: string, startH: number, overrides: Partial<BookingRowView> = {}): BookingRowView {
  return { id, artistId: "artist-1", leadId, status, startsAt: T0 + startH * H, endsAt: T0 + (startH + 3) * H, blockedUntil: T0 + (startH + 3.5) * H, calendarEventId: status === "CONFIRMED" ? `ev${id}` : null, ...overrides };
}
const booked = (id: string): PaidLeadView => ({ id, status: "BOOKED", ledgerKinds: ["payment"] });
const event = (bookingId: string, id = `ev${bookingId}`, status = "confirmed"): CalendarEventView => ({ id, status, bookingId });

describe("chaos booking invariants", () => {
  it("a clean run: two sessions apart, a released hold, a credited payer, one event each", () => {
    const rows = [row("b1", "l1", "CONFIRMED", 0), row("b2", "l2", "CONFIRMED", 4), row("b3", "l3", "RELEASED", 0)];
    const paid = [booked("l1"), booked("l2"), { id: "l3", status: "CHOOSING_SLOT", ledgerKinds: ["payment", "credit"] }];
    const verdict = checkBookings(rows, paid, [event("b1"), event("b2"), { id: "byhand", status: "confirmed", bookingId: null }]);
    expect(verdict.problems).toEqual([]);
    expect(verdict).toMatchObject({ doubleBookings: 0, lostBookings: 0, duplicateEvents: 0, counts: { confirmed: 2, credit: 1, events: 2 } });
  });

  it("two blocking rows of one artist overlapping (a session inside the other's buffer) are a double booking; another artist's is not", () => {
    const rows = [row("b1", "l1", "CONFIRMED", 0), row("b2", "l2", "HELD", 3.25), row("b3", "l3", "HELD", 1, { artistId: "artist-2" })];
    const verdict = checkBookings(rows, [booked("l1")], [event("b1")]);
    expect(verdict.doubleBookings).toBe(1);
    expect(verdict.problems[0]).toContain("b1 and HELD b2");
  });

  it("one lead with two blocking rows is a double booking", () => {
    const verdict = checkBookings([row("b1", "l1", "HELD", 0), row("b2", "l1", "HELD", 10)], [], []);
    expect(verdict.doubleBookings).toBe(1);
  });

  it("a paid lead not BOOKED without credit, BOOKED without its confirmed booking, or confirmed but not BOOKED is a lost booking", () => {
    const rows = [row("b2", "l2", "RELEASED", 0), row("b3", "l3", "CONFIRMED", 5)];
    const paid = [{ id: "l1", status: "AWAITING_DEPOSIT", ledgerKinds: ["payment"] }, booked("l2"), { id: "l3", status: "DEPOSIT_PAID", ledgerKinds: ["payment"] }];
    const verdict = checkBookings(rows, paid, [event("b3")]);
    expect(verdict.lostBookings).toBe(3);
  });

  it("two live events for one booking are a duplicate; a cancelled copy is not", () => {
    const rows = [row("b1", "l1", "CONFIRMED", 0)];
    expect(checkBookings(rows, [booked("l1")], [event("b1"), event("b1", "evother")]).duplicateEvents).toBe(1);
    expect(checkBookings(rows, [booked("l1")], [event("b1"), event("b1", "evother", "cancelled")]).problems).toEqual([]);
  });

  it("a confirmed booking with no event, or naming another, and a released booking whose event stayed, are problems", () => {
    expect(checkBookings([row("b1", "l1", "CONFIRMED", 0)], [booked("l1")], []).problems).toHaveLength(1);
    expect(checkBookings([row("b1", "l1", "CONFIRMED", 0)], [booked("l1")], [event("b1", "evwrong")]).problems[0]).toContain("names event evb1");
    expect(checkBookings([row("b1", "l1", "CANCELLED", 0)], [], [event("b1")]).problems[0]).toContain("still in the calendar");
  });
});

describe("after the booking: cancels, moves and the ledger (issue 18)", () => {
  const paidLedger = (...rest: { kind: string; amountMinor: number; from?: string }[]) => [{ kind: "payment", amountMinor: 10_000 }, ...rest];

  it("a moved booking whose event stayed at the old time, or whose lead holds another time, has strayed", () => {
    const moved = row("b1", "l1", "CONFIRMED", 10);
    expect(checkBookings([moved], [{ ...booked("l1"), heldStart: moved.startsAt }], [{ ...event("b1"), startsAt: moved.startsAt }]).problems).toEqual([]);
    const stale = checkBookings([moved], [booked("l1")], [{ ...event("b1"), startsAt: T0 }]);
    expect(stale.strayEvents).toBe(1);
    expect(stale.problems[0]).toContain("its event did not follow it");
    const disagree = checkBookings([moved], [{ ...booked("l1"), heldStart: T0 }], [event("b1")]);
    expect(disagree.strayEvents).toBe(1);
    expect(disagree.problems[0]).toContain("holds 2027-01-04T10:00:00.000Z");
  });

  it("a cancelled lead with its deposit as credit balances; one with money undecided, or more given back than paid, drifts", () => {
    const rows = [row("b1", "l1", "CANCELLED", 0), row("b2", "l2", "CANCELLED", 5), row("b3", "l3", "CONFIRMED", 10)];
    const paid: PaidLeadView[] = [
      { id: "l1", status: "CANCELLED", ledgerKinds: ["payment", "credit"], ledger: paidLedger({ kind: "credit", amountMinor: 10_000 }) },
      { id: "l2", status: "CANCELLED", ledgerKinds: ["payment"], ledger: paidLedger() },
      { ...booked("l3"), ledger: paidLedger({ kind: "credit", amountMinor: 10_000 }, { kind: "refund", amountMinor: 10_000 }) },
    ];
    const verdict = checkBookings(rows, paid, [event("b3")]);
    expect(verdict.ledgerDrift).toBe(2);
    expect(verdict.problems.filter((p) => p.startsWith("ledger drift"))).toEqual([
      "ledger drift: lead l2 is CANCELLED with 10000 of its deposit undecided",
      "ledger drift: lead l3 does not balance (held -10000)",
    ]);
  });

  const change = (leadId: string, kind: ChangeView["kind"], fromH: number | null, chosenH: number | null = null): ChangeView => ({
    leadId,
    script: kind,
    kind,
    bookingId: fromH === null ? null : `b${leadId.slice(1)}`,
    fromStart: fromH === null ? null : T0 + fromH * H,
    chosenStart: chosenH === null ? null : T0 + chosenH * H,
  });

  it("cancels that ended CANCELLED and moves at the old or the chosen time are kept; anything else is a lost change", () => {
    const rows = [row("b1", "l1", "CANCELLED", 0), row("b2", "l2", "CONFIRMED", 20), row("b3", "l3", "CONFIRMED", 10), row("b4", "l4", "CONFIRMED", 30), row("b5", "l5", "CANCELLED", 40)];
    const leads = ["l1", "l5"].map((id) => ({ id, status: "CANCELLED" })).concat(["l2", "l3", "l4"].map((id) => ({ id, status: "BOOKED" })));
    const changes = [change("l1", "cancel", 0), change("l2", "move", 10, 20), change("l3", "move", 10, 20), change("l4", "keep", 30), change("l5", "cancel_while_paying", null)];
    const verdict = checkChanges(changes, rows, leads);
    expect(verdict.problems).toEqual([]);
    expect(verdict.counts).toEqual({ cancelled: 1, moved: 1, moveRefused: 1, kept: 1, paidThenCancelled: 1, paidAndKept: 0 });

    const broken = checkChanges(
      [change("l1", "cancel", 0), change("l2", "move", 10, 15), change("l4", "keep", 25), change("l6", "cancel_while_paying", null)],
      [row("b1", "l1", "CONFIRMED", 0), ...rows.slice(1), row("b6", "l6", "HELD", 50)],
      [{ id: "l1", status: "CANCELLED" }, ...leads.slice(1), { id: "l6", status: "AWAITING_DEPOSIT" }],
    );
    expect(broken.lostChanges).toBe(4);
    expect(broken.problems[0]).toBe("lost change: cancel of lead l1: its booking is CONFIRMED");
    expect(broken.problems[1]).toContain("neither where it was nor where the client chose");
    expect(broken.problems[3]).toContain("AWAITING_DEPOSIT with 0 CONFIRMED");
  });
});

describe("the booking chaos report", () => {
  const summary = (verdict: ReturnType<typeof checkBookings>): BookingChaosSummary => ({
    clients: 4,
    rounds: 2,
    taps: 6,
    held: 3,
    refused: 3,
    paid: 2,
    expired: 1,
    faults: [
      { operation: "freeBusy", mode: "500", count: 2 },
      { operation: "insert", mode: "lost", count: 1 },
    ],
    googleCalls: { freeBusy: 12, insert: 3 },
    injected: 3,
    injectedBy: { "freeBusy 500": 2, "insert dropped": 1 },
    verdict,
    changes: { byScript: { "cancel by chat": 1, "reminder button: move": 1 }, artistDecided: 0, verdict: checkChanges([], [], []) },
    seconds: 42,
  });

  it("names the faults, the counts and each invariant met", () => {
    const text = renderBookingChaos(summary(checkBookings([row("b1", "l1", "CONFIRMED", 0)], [booked("l1")], [event("b1")])));
    expect(text).toContain("freeBusy 500 ×2, insert lost ×1");
    expect(text).toContain("insert dropped ×1");
    expect(text).toContain("| CONFIRMED bookings | 1 |");
    expect(text).toContain("✅ 0 double bookings");
    expect(text).toContain("✅ 0 lost bookings");
    expect(text).toContain("✅ 0 duplicate calendar events");
    expect(text).toContain("✅ 0 ledger drift");
    expect(text).toContain("✅ 0 moved bookings away from their events");
    expect(text).toContain("✅ 0 lost changes");
    expect(text).toContain("cancel by chat ×1, reminder button: move ×1");
  });

  it("a broken invariant shows as ❌ with its problem", () => {
    const text = renderBookingChaos(summary(checkBookings([row("b1", "l1", "CONFIRMED", 0)], [booked("l1")], [event("b1"), event("b1", "evagain")])));
    expect(text).toContain("❌ 1 duplicate calendar events");
    expect(text).toContain("- ❌ duplicate events: booking b1 has 2 events");
  });
});
