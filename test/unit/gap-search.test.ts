import { TZDate } from "@date-fns/tz";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultAvailability, minutesOf, workingRanges, type AvailabilityRules } from "../../src/domain/availability.ts";
import { clientWindowsFrom, findSlots, FLEXIBLE, localInstant, slotLabel, type ClientWindows, type Interval, type SessionSize, type Slot } from "../../src/domain/gap-search.ts";
import { parseTimeWindows } from "../../src/domain/parsing/time-windows.ts";
import { partOfDayForHour, WEEKDAYS, type Weekday } from "../../src/domain/parsing/time.ts";

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Local wall clock of an instant in `zone`, read independently of the module under test. */
function local(ms: number, zone: string) {
  const d = new TZDate(ms, zone);
  const iso = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  return { iso, weekday: WEEKDAYS[(d.getDay() + 6) % 7] as Weekday, minutes: d.getHours() * 60 + d.getMinutes(), date: d };
}

/** The instants of a local day's working ranges (for counting sessions already that day). */
function dayRanges(rules: AvailabilityRules, ms: number): Interval[] {
  const { date, weekday } = local(ms, rules.timeZone);
  return workingRanges(rules, weekday).map((r) => ({
    start: TZDate.tz(rules.timeZone, date.getFullYear(), date.getMonth(), date.getDate(), Math.floor(r.start / 60), r.start % 60),
    end: TZDate.tz(rules.timeZone, date.getFullYear(), date.getMonth(), date.getDate(), Math.floor(r.end / 60), r.end % 60),
  }));
}

/**
 * The instant a working-range boundary (local minutes) falls at on the local day of `ms`. A boundary
 * in the spring-forward gap does not exist on the clock; the zone library resolves it forwards, to
 * the instant the clock jumps past it (London 2027-03-28: "01:00" is 01:00Z, read as 02:00 BST).
 */
function boundary(zone: string, ms: number, minutes: number): number {
  const { date } = local(ms, zone);
  return TZDate.tz(zone, date.getFullYear(), date.getMonth(), date.getDate(), Math.floor(minutes / 60), minutes % 60).getTime();
}

function sessionLength(rules: AvailabilityRules, size: SessionSize): number | null {
  return size.category === "XL" ? null : rules.sessionMinutes[size.category];
}

function overlaps(a: Interval, b: Interval, padMs = 0): boolean {
  return a.start.getTime() < b.end.getTime() + padMs && a.end.getTime() > b.start.getTime() - padMs;
}

const ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC"] as const;

const timeRanges = fc
  .uniqueArray(fc.integer({ min: 0, max: 47 }), { minLength: 0, maxLength: 4 })
  .map((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const ranges = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) {
      const [s, e] = [(sorted[i] ?? 0) * 30, (sorted[i + 1] ?? 0) * 30];
      ranges.push({ start: `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`, end: `${String(Math.floor(e / 60)).padStart(2, "0")}:${String(e % 60).padStart(2, "0")}` });
    }
    return ranges;
  });

const rulesArb: fc.Arbitrary<AvailabilityRules> = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  weeklyHours: fc.record(Object.fromEntries(WEEKDAYS.map((d) => [d, timeRanges])) as Record<Weekday, typeof timeRanges>),
  breaks: fc.constantFrom([], [{ start: "13:00", end: "13:30" }]),
  daysOff: fc.subarray([...WEEKDAYS], { maxLength: 2 }),
  holidays: fc.constantFrom([], [{ from: "2027-03-27", to: "2027-04-02" }], [{ from: "2026-12-24", to: "2027-01-02" }]),
  bufferMinutes: fc.integer({ min: 0, max: 60 }),
  minNoticeHours: fc.integer({ min: 0, max: 72 }),
  horizonDays: fc.integer({ min: 1, max: 30 }),
  maxSessionsPerDay: fc.integer({ min: 1, max: 4 }),
  startStepMinutes: fc.constantFrom(15, 30, 60),
  sessionMinutes: fc.record({ SMALL: fc.integer({ min: 30, max: 180 }), MEDIUM: fc.integer({ min: 60, max: 300 }), LARGE: fc.integer({ min: 120, max: 480 }) }),
});

// Around both 2027 DST changes in Europe and the US, and a quiet stretch.
const nowArb = fc.constantFrom(Date.UTC(2027, 2, 10), Date.UTC(2027, 9, 20), Date.UTC(2027, 5, 1), Date.UTC(2026, 11, 20)).chain((base) =>
  fc.integer({ min: 0, max: 20 * 24 * 60 }).map((m) => new Date(base + m * MINUTE)),
);

const sizeArb: fc.Arbitrary<SessionSize> = fc.oneof(
  fc.constantFrom<SessionSize>({ category: "SMALL" }, { category: "MEDIUM" }, { category: "LARGE" }),
  fc.integer({ min: 1, max: 3 }).map((days): SessionSize => ({ category: "XL", days })),
);

const windowsArb: fc.Arbitrary<ClientWindows> = fc.oneof(
  fc.constant(FLEXIBLE),
  fc.record({
    flexible: fc.constant(false),
    windows: fc.array(
      fc.record(
        { days: fc.subarray([...WEEKDAYS], { minLength: 1 }), partOfDay: fc.constantFrom("morning" as const, "afternoon" as const, "evening" as const) },
        { requiredKeys: [] },
      ),
      { minLength: 1, maxLength: 3 },
    ),
  }),
);

interface Case {
  rules: AvailabilityRules;
  now: Date;
  busy: Interval[];
  windows: ClientWindows;
  size: SessionSize;
  count: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({ rules: rulesArb, now: nowArb, windows: windowsArb, size: sizeArb, count: fc.integer({ min: 1, max: 10 }) }).chain((c) =>
  fc
    .array(fc.record({ at: fc.integer({ min: -24 * 60, max: (c.rules.horizonDays + 1) * 24 * 60 }), len: fc.integer({ min: 15, max: 10 * 60 }) }), { maxLength: 60 })
    .map((raw) => ({
      ...c,
      busy: raw.map(({ at, len }) => ({ start: new Date(c.now.getTime() + at * MINUTE), end: new Date(c.now.getTime() + (at + len) * MINUTE) })),
    })),
);

function run(c: Case): Slot[] {
  return findSlots({ rules: c.rules, busy: c.busy, windows: c.windows, size: c.size, now: c.now, count: c.count });
}

describe("gap search properties", () => {
  it("never overlaps busy time widened by the buffer", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        for (const slot of run(c)) for (const part of slot.parts) for (const b of c.busy) expect(overlaps(part, b, c.rules.bufferMinutes * MINUTE)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("stays inside minimum notice and horizon, returns at most N, and offers never overlap", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const slots = run(c);
        expect(slots.length).toBeLessThanOrEqual(c.count);
        for (const slot of slots) {
          expect(slot.start.getTime()).toBeGreaterThanOrEqual(c.now.getTime() + c.rules.minNoticeHours * HOUR);
          expect(slot.end.getTime()).toBeLessThanOrEqual(c.now.getTime() + c.rules.horizonDays * 24 * HOUR);
        }
        for (let i = 1; i < slots.length; i++) expect(slots[i - 1]?.end.getTime() ?? 0).toBeLessThanOrEqual(slots[i]?.start.getTime() ?? 0);
      }),
      { numRuns: 300 },
    );
  });

  it("every part lies in one working range of its local day, with the session's length", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const zone = c.rules.timeZone;
        const length = sessionLength(c.rules, c.size);
        for (const slot of run(c)) {
          if (c.size.category === "XL") expect(slot.parts).toHaveLength(c.size.days);
          for (const part of slot.parts) {
            const [s, e] = [local(part.start.getTime(), zone), local(part.end.getTime(), zone)];
            expect(e.iso).toBe(s.iso);
            expect(c.rules.holidays.some((h) => h.from <= s.iso && s.iso <= h.to)).toBe(false);
            const ranges = workingRanges(c.rules, s.weekday);
            // Compared as instants: a boundary in the spring-forward gap has no wall-clock reading of
            // its own (the part then ends when the clock jumps, and reads the hour after it).
            const at = (minutes: number) => boundary(zone, part.start.getTime(), minutes);
            if (length === null) {
              // XL: the whole working day, first start to last end.
              expect(part.start.getTime()).toBe(at(ranges[0]?.start ?? Number.NaN));
              expect(part.end.getTime()).toBe(at(ranges[ranges.length - 1]?.end ?? Number.NaN));
            } else {
              expect(part.end.getTime() - part.start.getTime()).toBe(length * MINUTE);
              expect(
                ranges.some(
                  (r) =>
                    r.start <= s.minutes &&
                    (s.minutes - r.start) % c.rules.startStepMinutes === 0 &&
                    at(r.start) <= part.start.getTime() &&
                    part.end.getTime() <= at(r.end),
                ),
              ).toBe(true);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("respects most sessions per day, counting busy events in that day's working hours", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        for (const slot of run(c)) {
          for (const part of slot.parts) {
            const ranges = dayRanges(c.rules, part.start.getTime());
            const already = c.busy.filter((b) => ranges.some((r) => overlaps(b, r))).length;
            expect(already + 1).toBeLessThanOrEqual(c.size.category === "XL" ? 1 : c.rules.maxSessionsPerDay);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("honours the client's windows (day and part of the day)", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        if (c.windows.flexible) return;
        const zone = c.rules.timeZone;
        for (const slot of run(c)) {
          for (const part of slot.parts) {
            const s = local(part.start.getTime(), zone);
            const ok = c.windows.windows.some(
              (w) =>
                (w.days === undefined || w.days.includes(s.weekday)) &&
                (c.size.category === "XL" || w.partOfDay === undefined || w.partOfDay === partOfDayForHour(Math.floor(s.minutes / 60))),
            );
            expect(ok).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("is not vacuous: most generated cases offer something", () => {
    const offered = fc.sample(caseArb, { numRuns: 200, seed: 42 }).filter((c) => run(c).length > 0).length;
    expect(offered).toBeGreaterThan(60);
  });

  it("is deterministic: the same input (busy in any order) gives the same slots", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        expect(run({ ...c, busy: [...c.busy].reverse() })).toEqual(run(c));
      }),
      { numRuns: 100 },
    );
  });
});

/** Monday–Sunday 10:00–18:00, no notice, no buffer: the plain day the DST cases need. */
function everyDay(zone: string, patch: Partial<AvailabilityRules> = {}): AvailabilityRules {
  const day = [{ start: "10:00", end: "18:00" }];
  return {
    ...defaultAvailability(zone),
    weeklyHours: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day },
    bufferMinutes: 0,
    minNoticeHours: 0,
    maxSessionsPerDay: 8,
    ...patch,
  };
}

function labels(slots: readonly Slot[], zone: string): string[] {
  return slots.map((s) => {
    const l = slotLabel(s, zone);
    return `${l.day} ${l.time}`;
  });
}

describe("DST days keep local working hours", () => {
  const cases = [
    { zone: "Europe/London", date: "2027-03-28", day: "Sun 28 Mar" },
    { zone: "Europe/London", date: "2027-10-31", day: "Sun 31 Oct" },
    { zone: "America/New_York", date: "2027-03-14", day: "Sun 14 Mar" },
    { zone: "America/New_York", date: "2027-11-07", day: "Sun 7 Nov" },
  ];
  it.each(cases)("$zone on $date: a 10:00–18:00 day offers 10:00 and its last start is 16:00 local", ({ zone, date, day }) => {
    const rules = everyDay(zone, { horizonDays: 2, startStepMinutes: 60, holidays: [] });
    const now = TZDate.tz(zone, Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), 0, 0);
    const slots = findSlots({ rules, busy: [], windows: FLEXIBLE, size: { category: "SMALL" }, now, count: 10 });
    expect(labels(slots, zone).find((l) => l.startsWith(day))).toBe(`${day} 10:00–12:00`);
    for (const slot of slots) {
      const s = local(slot.start.getTime(), zone);
      const e = local(slot.end.getTime(), zone);
      expect(s.minutes).toBeGreaterThanOrEqual(600);
      expect(e.minutes).toBeLessThanOrEqual(1080);
      expect(slot.end.getTime() - slot.start.getTime()).toBe(2 * HOUR);
    }
  });

  it("an XL day on the spring-forward Sunday is 10:00–18:00 local, 8 real hours", () => {
    const zone = "Europe/London";
    const rules = everyDay(zone, { horizonDays: 1 });
    const [slot] = findSlots({ rules, busy: [], windows: FLEXIBLE, size: { category: "XL", days: 1 }, now: new Date("2027-03-28T00:00:00Z") });
    expect(slot && labels([slot], zone)).toEqual(["Sun 28 Mar 10:00–18:00"]);
    expect(slot && slot.end.getTime() - slot.start.getTime()).toBe(8 * HOUR);
  });

  it("never produces a local time that does not exist (London 01:00–02:00 on 2027-03-28)", () => {
    const zone = "Europe/London";
    const night = [{ start: "00:00", end: "04:00" }];
    const rules = everyDay(zone, {
      weeklyHours: { mon: night, tue: night, wed: night, thu: night, fri: night, sat: night, sun: night },
      horizonDays: 1,
      startStepMinutes: 30,
      sessionMinutes: { SMALL: 30, MEDIUM: 60, LARGE: 120 },
      maxSessionsPerDay: 12,
    });
    const now = new Date("2027-03-28T00:00:00Z");
    const slots = findSlots({ rules, busy: [], windows: FLEXIBLE, size: { category: "SMALL" }, now, count: 10 });
    const starts = slots.map((s) => slotLabel(s, zone).time.slice(0, 5));
    expect(starts.length).toBeGreaterThan(0);
    for (const start of starts) expect(minutesOf(start) < 60 || minutesOf(start) >= 120).toBe(true);
    // 00:00 and 00:30 exist (GMT); 01:00 and 01:30 are skipped; 02:00 onwards exist (BST).
    expect(new Set(starts)).toEqual(new Set(["00:00", "00:30", "02:00", "02:30", "03:00", "03:30"]));
  });

  it("localInstant refuses wall-clock times in the spring gap and keeps both sides of it", () => {
    const day = { year: 2027, month: 3, day: 28 };
    expect(localInstant(day, 60, "Europe/London")).toBeNull();
    expect(localInstant(day, 90, "Europe/London")).toBeNull();
    expect(localInstant(day, 59, "Europe/London")).toBe(Date.UTC(2027, 2, 28, 0, 59));
    expect(localInstant(day, 120, "Europe/London")).toBe(Date.UTC(2027, 2, 28, 1, 0));
    expect(localInstant({ year: 2027, month: 3, day: 14 }, 150, "America/New_York")).toBeNull();
    expect(localInstant({ year: 2027, month: 3, day: 14 }, 180, "America/New_York")).toBe(Date.UTC(2027, 2, 14, 7, 0));
  });

  it("a working day ending in the spring-forward gap: the XL part ends when the clock jumps (fast-check counterexample, seed -379822848)", () => {
    // Sundays 00:00–01:00 in London; on 2027-03-28 the clock goes 00:59 GMT → 02:00 BST, so "01:00"
    // never shows. The day is still one real hour, 00:00Z–01:00Z, read "00:00–02:00" on the clock.
    const zone = "Europe/London";
    const rules: AvailabilityRules = {
      ...everyDay(zone),
      weeklyHours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [{ start: "00:00", end: "01:00" }] },
      horizonDays: 1,
      maxSessionsPerDay: 1,
      startStepMinutes: 15,
      sessionMinutes: { SMALL: 30, MEDIUM: 60, LARGE: 120 },
    };
    const slots = findSlots({
      rules,
      busy: [],
      windows: { flexible: false, windows: [{}] },
      size: { category: "XL", days: 1 },
      now: new Date("2027-03-27T01:37:00.000Z"),
      count: 1,
    });
    expect(slots).toEqual([
      {
        start: new Date("2027-03-28T00:00:00Z"),
        end: new Date("2027-03-28T01:00:00Z"),
        parts: [{ start: new Date("2027-03-28T00:00:00Z"), end: new Date("2027-03-28T01:00:00Z") }],
      },
    ]);
    expect(labels(slots, zone)).toEqual(["Sun 28 Mar 00:00–02:00"]);
  });

  it("fall-back day in New York: a 10:00–18:00 day is 9 real hours, and the XL session covers it", () => {
    const zone = "America/New_York";
    const rules = everyDay(zone, { horizonDays: 1 });
    const [slot] = findSlots({ rules, busy: [], windows: FLEXIBLE, size: { category: "XL", days: 1 }, now: new Date("2027-11-07T04:00:00Z") });
    // 10:00–18:00 local is the same wall-clock span; the change happened at 02:00, before work.
    expect(slot && labels([slot], zone)).toEqual(["Sun 7 Nov 10:00–18:00"]);
  });
});

describe("gap search behaviour", () => {
  const zone = "Europe/London";
  const now = new Date("2027-06-07T08:00:00Z"); // Monday 09:00 BST

  it("spreads five offers over five days and alternates mornings and afternoons", () => {
    const rules = everyDay(zone);
    const slots = findSlots({ rules, busy: [], windows: FLEXIBLE, size: { category: "SMALL" }, now });
    expect(labels(slots, zone)).toEqual([
      "Mon 7 Jun 10:00–12:00",
      "Tue 8 Jun 12:00–14:00",
      "Wed 9 Jun 10:00–12:00",
      "Thu 10 Jun 12:00–14:00",
      "Fri 11 Jun 10:00–12:00",
    ]);
  });

  it("keeps the buffer around busy time and skips a day at its session cap", () => {
    const rules = everyDay(zone, { bufferMinutes: 30, maxSessionsPerDay: 1 });
    const busy = [
      { start: new Date("2027-06-07T09:00:00Z"), end: new Date("2027-06-07T12:00:00Z") }, // Mon 10–13 BST: Monday full
      { start: new Date("2027-06-08T08:00:00Z"), end: new Date("2027-06-08T09:00:00Z") }, // Tue 09–10 BST: before hours
    ];
    const slots = findSlots({ rules, busy, windows: FLEXIBLE, size: { category: "SMALL" }, now, count: 1 });
    expect(labels(slots, zone)).toEqual(["Tue 8 Jun 10:30–12:30"]);
  });

  it("weekday evenings from the consultation's answer: only evening starts on weekdays", () => {
    const parsed = parseTimeWindows("weekday evenings", now);
    expect(parsed.ok).toBe(true);
    const windows = clientWindowsFrom(parsed.ok ? parsed.value : null);
    const rules = everyDay(zone, {
      weeklyHours: { ...everyDay(zone).weeklyHours, tue: [{ start: "12:00", end: "21:00" }], sat: [{ start: "12:00", end: "21:00" }] },
    });
    const slots = findSlots({ rules, busy: [], windows, size: { category: "SMALL" }, now, count: 3 });
    expect(labels(slots, zone)).toEqual(["Tue 8 Jun 17:00–19:00", "Tue 15 Jun 17:00–19:00", "Tue 22 Jun 17:00–19:00"]);
  });

  it("weekends in July from the consultation's answer: only July weekend days", () => {
    const parsed = parseTimeWindows("weekends in july", now);
    const windows = clientWindowsFrom(parsed.ok ? parsed.value : null);
    const slots = findSlots({ rules: everyDay(zone), busy: [], windows, size: { category: "MEDIUM" }, now, count: 4 });
    expect(slots.map((s) => slotLabel(s, zone).day)).toEqual(["Sat 3 Jul", "Sun 4 Jul", "Sat 10 Jul", "Sun 11 Jul"]);
  });

  it("XL over two days takes two consecutive working days, whole", () => {
    const rules = everyDay(zone, { daysOff: ["wed"] });
    const [slot] = findSlots({ rules, busy: [], windows: FLEXIBLE, size: { category: "XL", days: 2 }, now: new Date("2027-06-08T00:00:00Z"), count: 1 });
    expect(slot?.parts.map((p) => `${slotLabel(p, zone).day} ${slotLabel(p, zone).time}`)).toEqual(["Tue 8 Jun 10:00–18:00", "Thu 10 Jun 10:00–18:00"]);
  });

  it("an XL run steps over a weekend but not over a holiday week", () => {
    const rules = { ...everyDay(zone), weeklyHours: defaultAvailability(zone).weeklyHours, holidays: [{ from: "2027-06-15", to: "2027-06-20" }] };
    // From Fri 11 Jun: Fri + Sat (Sun off); Sat + Mon; Mon 14 + Mon 21 is 7 days apart: no run.
    const slots = findSlots({ rules, busy: [], windows: FLEXIBLE, size: { category: "XL", days: 2 }, now: new Date("2027-06-11T00:00:00Z"), count: 3 });
    expect(slots.map((s) => s.parts.map((p) => slotLabel(p, zone).day).join(" + "))).toEqual(["Fri 11 Jun + Sat 12 Jun", "Mon 21 Jun + Tue 22 Jun", "Wed 23 Jun + Thu 24 Jun"]);
  });

  it("reads anything unreadable as flexible", () => {
    expect(clientWindowsFrom(null)).toEqual(FLEXIBLE);
    expect(clientWindowsFrom({ windows: "soon" })).toEqual(FLEXIBLE);
    expect(clientWindowsFrom({ windows: [{ days: ["sat", "sun"] }], flexible: false })).toEqual({ windows: [{ days: ["sat", "sun"] }], flexible: false });
  });

  it("60 days with 500 busy events takes a few milliseconds", () => {
    const rules = { ...defaultAvailability(zone), horizonDays: 60 };
    const busy = Array.from({ length: 500 }, (_, i) => ({ start: new Date(now.getTime() + i * 2.9 * HOUR), end: new Date(now.getTime() + i * 2.9 * HOUR + HOUR) }));
    findSlots({ rules, busy, windows: FLEXIBLE, size: { category: "MEDIUM" }, now });
    const started = performance.now();
    for (let i = 0; i < 20; i++) findSlots({ rules, busy, windows: FLEXIBLE, size: { category: "MEDIUM" }, now, count: 10 });
    expect((performance.now() - started) / 20).toBeLessThan(20);
  });
});
