/**
 * The booking invariants of `npm run chaos` (bench/chaos/booking-invariants.ts): each way a run
 * can double-book, lose a booking or write an event twice is caught, and a clean run passes.
 */
import { describe, expect, it } from "vitest";
import { renderBookingChaos, type BookingChaosSummary } from "../../bench/chaos/booking.ts";
import { checkBookings, checkChanges, type BookingRowView, type CalendarEventView, type ChangeSnapshot, type ChangeView, type PaidLeadView } from "../../bench/chaos/booking-invariants.ts";

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

  const change = (kind: ChangeView["kind"], fromH: number | null, chosenH: number | null, after: ChangeSnapshot | null): ChangeView => ({
    leadId: "l1",
    script: kind,
    kind,
    bookingId: fromH === null ? null : "b1",
    fromStart: fromH === null ? null : T0 + fromH * H,
    chosenStart: chosenH === null ? null : T0 + chosenH * H,
    after,
  });
  const at = (status: string, confirmed: number, bookingStatus: string | null, startH: number | null): ChangeSnapshot => ({ status, confirmed, bookingStatus, bookingStart: startH === null ? null : T0 + startH * H });

  it("each change is judged where it stood once answered: cancelled, moved to the chosen time, refused at the old one, kept", () => {
    const verdict = checkChanges([
      change("cancel", 0, null, at("CANCELLED", 0, "CANCELLED", 0)),
      change("move", 10, 20, at("BOOKED", 1, "CONFIRMED", 20)),
      change("move", 20, 30, at("BOOKED", 1, "CONFIRMED", 20)),
      change("keep", 30, null, at("BOOKED", 1, "CONFIRMED", 30)),
      change("cancel_while_paying", null, null, at("CANCELLED", 0, "CANCELLED", 40)),
      change("cancel_while_paying", null, null, at("BOOKED", 1, "CONFIRMED", 40)),
    ]);
    expect(verdict.problems).toEqual([]);
    expect(verdict.counts).toEqual({ cancelled: 1, moved: 1, moveRefused: 1, kept: 1, paidThenCancelled: 1, paidAndKept: 1 });
  });

  it("a cancel left standing, a move at a third time or with its booking gone, a half-cancel while paying, or no reading at all is a lost change", () => {
    const verdict = checkChanges([
      change("cancel", 0, null, at("CANCELLED", 1, "CONFIRMED", 0)),
      change("cancel", 0, null, at("CANCELLED", 0, "CONFIRMED", 0)),
      change("move", 10, 20, at("BOOKED", 1, "CONFIRMED", 15)),
      change("move", 10, 20, at("BOOKED", 0, "CANCELLED", 10)),
      change("keep", 30, null, at("BOOKED", 1, "CONFIRMED", 31)),
      change("cancel_while_paying", null, null, at("AWAITING_DEPOSIT", 0, "HELD", 40)),
      change("move", 10, null, null),
    ]);
    expect(verdict.lostChanges).toBe(7);
    expect(verdict.problems[0]).toBe("lost change: cancel of lead l1: the lead is CANCELLED with 1 CONFIRMED booking(s)");
    expect(verdict.problems[1]).toBe("lost change: cancel of lead l1: its booking is CONFIRMED");
    expect(verdict.problems[2]).toContain("neither where it was nor where the client chose");
    expect(verdict.problems[3]).toContain("its booking CANCELLED");
    expect(verdict.problems[5]).toContain("AWAITING_DEPOSIT with 0 CONFIRMED");
    expect(verdict.problems[6]).toContain("never read back");
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
    changes: { byScript: { "cancel by chat": 1, "reminder button: move": 1 }, artistDecided: 0, verdict: checkChanges([]) },
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
