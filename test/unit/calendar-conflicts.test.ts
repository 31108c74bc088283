/**
 * Which calendar events collide with confirmed bookings (src/domain/calendar-conflicts.ts): a
 * fast-check property against a brute-force minute-by-minute model, plus the cases that decide
 * what an alert is about (ours, cancelled, free, touching ends, all-day in the artist's zone).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calendarSyncDue, conflictKey, eventSpan, findConflicts, overlaps, type BookedSession, type CalendarEventView } from "../../src/domain/calendar-conflicts.ts";

const BASE = Date.parse("2027-07-05T00:00:00Z");
const MIN = 60_000;
const at = (minutes: number) => new Date(BASE + minutes * MIN);
const iso = (minutes: number) => at(minutes).toISOString();

const booking = (id: string, from: number, to: number): BookedSession => ({ id, leadId: `lead-${id}`, startsAt: at(from), endsAt: at(to) });
const event = (id: string, from: number, to: number, extra: Partial<CalendarEventView> = {}): CalendarEventView => ({
  id,
  ours: false,
  status: "confirmed",
  start: { dateTime: iso(from) },
  end: { dateTime: iso(to) },
  ...extra,
});

/** The model: two ranges collide when some whole minute lies in both (all ranges here are whole minutes). */
function shareAMinute(a: [number, number], b: [number, number]): boolean {
  for (let m = a[0]; m < a[1]; m++) if (m >= b[0] && m < b[1]) return true;
  return false;
}

const range = fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 240 })).map(([from, length]): [number, number] => [from, from + length]);
const arbEvent = fc.record({
  range,
  ours: fc.boolean(),
  status: fc.constantFrom("confirmed", "tentative", "cancelled"),
  transparency: fc.constantFrom(undefined, "opaque", "transparent"),
});

describe("calendar conflicts: the overlap property", () => {
  it("reports exactly the (booking, foreign busy event) pairs sharing a moment, whatever the order of events", () => {
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 12 }), fc.array(range, { minLength: 1, maxLength: 5 }), fc.integer(), (raw, sessions, seed) => {
        const events = raw.map((e, i) => event(`e${i}`, e.range[0], e.range[1], { ours: e.ours, status: e.status, transparency: e.transparency }));
        const bookings = sessions.map((s, i) => booking(`b${i}`, s[0], Math.max(s[1], s[0] + 1)));
        const found = findConflicts(events, bookings, "Europe/London");
        const expected = bookings.flatMap((b) =>
          raw.flatMap((e, i) => {
            const foreignBusy = !e.ours && e.status !== "cancelled" && e.transparency !== "transparent";
            const session: [number, number] = [(b.startsAt.getTime() - BASE) / MIN, (b.endsAt.getTime() - BASE) / MIN];
            return foreignBusy && shareAMinute(e.range, session) ? [`${b.id}/e${i}`] : [];
          }),
        );
        expect(found.map((c) => `${c.bookingId}/${c.eventId}`).sort()).toEqual(expected.sort());
        // The order of events never changes the answer.
        const shuffled = [...events].sort((x, y) => ((x.id.length * 31 + seed) % 7) - ((y.id.length * 31 + seed) % 7) || (x.id < y.id ? 1 : -1));
        expect(findConflicts(shuffled, bookings, "Europe/London")).toEqual(found);
      }),
      { numRuns: 300 },
    );
  });

  it("overlap is symmetric, and never true for an empty range", () => {
    fc.assert(
      fc.property(range, range, (a, b) => {
        const x = { start: at(a[0]), end: at(a[1]) };
        const y = { start: at(b[0]), end: at(b[1]) };
        expect(overlaps(x, y)).toBe(overlaps(y, x));
        expect(overlaps(x, y)).toBe(shareAMinute(a, b));
        if (a[0] === a[1]) expect(overlaps(x, y)).toBe(false);
      }),
    );
  });
});

describe("calendar conflicts: what an alert is about", () => {
  const session = booking("b", 600, 720);

  it("a hand-added event over the session is a conflict; ours, cancelled or free ones are not", () => {
    expect(findConflicts([event("hand", 650, 700)], [session], "Europe/London")).toEqual([
      { bookingId: "b", leadId: "lead-b", eventId: "hand", summary: null, event: { start: at(650), end: at(700), allDay: false } },
    ]);
    expect(findConflicts([event("mine", 600, 720, { ours: true })], [session], "Europe/London")).toEqual([]);
    expect(findConflicts([event("gone", 600, 720, { status: "cancelled" })], [session], "Europe/London")).toEqual([]);
    expect(findConflicts([event("free", 600, 720, { transparency: "transparent" })], [session], "Europe/London")).toEqual([]);
  });

  it("an event ending as the session starts, or starting as it ends, does not collide", () => {
    expect(findConflicts([event("before", 500, 600), event("after", 720, 800)], [session], "Europe/London")).toEqual([]);
    expect(findConflicts([event("edge", 719, 800)], [session], "Europe/London")).toHaveLength(1);
  });

  it("the latest copy of an event wins (a sync may return it again, cancelled)", () => {
    expect(findConflicts([event("x", 650, 700), { id: "x", ours: false, status: "cancelled" }], [session], "Europe/London")).toEqual([]);
    expect(findConflicts([event("x", 100, 200), event("x", 650, 700)], [session], "Europe/London")).toHaveLength(1);
  });

  it("an all-day event covers its dates from local midnight in the artist's zone (end date exclusive)", () => {
    // 5 July 2027 in London (BST, UTC+1): 4 July 23:00 UTC to 5 July 23:00 UTC.
    const span = eventSpan({ start: { date: "2027-07-05" }, end: { date: "2027-07-06" } }, "Europe/London");
    expect(span).toEqual({ start: new Date("2027-07-04T23:00:00Z"), end: new Date("2027-07-05T23:00:00Z"), allDay: true });
    const lateSession = { id: "late", leadId: "l", startsAt: new Date("2027-07-04T22:00:00Z"), endsAt: new Date("2027-07-04T23:00:00Z") };
    const allDay: CalendarEventView = { id: "holiday", ours: false, start: { date: "2027-07-05" }, end: { date: "2027-07-06" } };
    // The session ends at London's midnight starting the 5th: the day off does not touch it there.
    // In Tokyo the 5th began at 15:00 UTC on the 4th (it does); in New York at 04:00 UTC on the 5th (it does not).
    expect(findConflicts([allDay], [lateSession], "Europe/London")).toEqual([]);
    expect(findConflicts([allDay], [lateSession], "Asia/Tokyo")).toHaveLength(1);
    expect(findConflicts([allDay], [lateSession], "America/New_York")).toEqual([]);
  });

  it("an event without readable times is skipped, never a crash", () => {
    expect(findConflicts([{ id: "odd", ours: false, start: { dateTime: "soon" }, end: { dateTime: "later" } }, { id: "bare", ours: false }], [session], "Europe/London")).toEqual([]);
  });

  it("each (booking, event) pair has its own once-only key", () => {
    expect(conflictKey("b1", "e1")).not.toBe(conflictKey("b1", "e2"));
    expect(conflictKey("b1", "e1")).not.toBe(conflictKey("b2", "e1"));
  });
});

describe("calendar sync cadence", () => {
  const run = (minutes: number) => new Date(Date.parse("2027-07-01T00:00:00Z") + minutes * MIN);

  it("every run for 5 minutes, every third for 15, once an hour for 60; judged by the run's scheduled time", () => {
    const runs = Array.from({ length: 24 }, (_, i) => run(i * 5));
    expect(runs.filter((t) => calendarSyncDue(t, 5))).toHaveLength(24);
    expect(runs.filter((t) => calendarSyncDue(t, 15)).map((t) => t.getUTCMinutes())).toEqual([0, 15, 30, 45, 0, 15, 30, 45]);
    expect(runs.filter((t) => calendarSyncDue(t, 60)).map((t) => t.toISOString())).toEqual(["2027-07-01T00:00:00.000Z", "2027-07-01T01:00:00.000Z"]);
  });

  it("a run fired a little late still counts as its own period", () => {
    expect(calendarSyncDue(new Date(run(15).getTime() + 20_000), 15)).toBe(true);
    expect(calendarSyncDue(new Date(run(20).getTime() + 20_000), 15)).toBe(false);
  });
});
