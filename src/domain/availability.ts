/**
 * An artist's availability rules: when they work, in which zone, and how long each size of tattoo
 * takes. The zod schema is the trust boundary for the admin API and for the jsonb column
 * (`artists.availability`); the gap search (gap-search.ts) reads only rules that passed it.
 *
 * Breaks: a day's working hours are a list of ranges, so a gap between two ranges is a break
 * ("10:00–13:00, 14:00–18:00"). `breaks` adds daily breaks cut out of every working day (a fixed
 * lunch). A session never spans a break; an XL day is the whole span from first start to last end.
 *
 * Times are local wall-clock "HH:MM" in `timeZone`, so a 10:00–18:00 day stays 10:00–18:00 on DST
 * days. Pure: no clock, no I/O.
 */
import { z } from "zod";
import { isTimeZone } from "./local-time.ts";
import { WEEKDAYS, type Weekday } from "./parsing/time.ts";

/** "HH:MM", 00:00–23:59. */
const HHMM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/** Minutes since local midnight of a valid "HH:MM". */
export function minutesOf(hhmm: string): number {
  const match = HHMM.exec(hhmm);
  if (match === null) throw new Error(`not HH:MM: ${hhmm}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** A local clock time "HH:MM". */
export const ClockTime = z.string().regex(HHMM, "must be HH:MM (00:00–23:59)");

/** A stretch of one local day, start before end. */
export const TimeRange = z
  .object({ start: ClockTime, end: ClockTime })
  .strict()
  .superRefine((range, ctx) => {
    if (HHMM.test(range.start) && HHMM.test(range.end) && minutesOf(range.end) <= minutesOf(range.start)) {
      ctx.addIssue({ code: "custom", path: ["end"], message: `end ${range.end} is not after start ${range.start}` });
    }
  });
export type TimeRange = z.infer<typeof TimeRange>;

/** Ranges of one list must not overlap (touching is fine: 10:00–13:00 then 13:00–18:00). */
function noOverlaps(ranges: readonly TimeRange[], ctx: z.RefinementCtx, what: string): void {
  const order = ranges.map((range, index) => ({ index, start: minutesOf(range.start), end: minutesOf(range.end) })).sort((a, b) => a.start - b.start || a.index - b.index);
  for (let i = 1; i < order.length; i++) {
    const [before, after] = [order[i - 1], order[i]];
    if (before !== undefined && after !== undefined && after.start < before.end) {
      ctx.addIssue({ code: "custom", path: [Math.max(before.index, after.index)], message: `${what} overlap` });
    }
  }
}

function rangeList(what: string) {
  return z
    .array(TimeRange)
    .max(12)
    .superRefine((ranges, ctx) => {
      // Only compare when every range is itself valid; the element issues say what is wrong then.
      if (ranges.every((r) => TimeRange.safeParse(r).success)) noOverlaps(ranges, ctx, what);
    });
}

/** A local calendar date "YYYY-MM-DD" that exists. */
export const LocalDate = z.iso.date();

/** Dates off (holidays, conventions, tours), inclusive, in the artist's local dates. */
export const Holiday = z
  .object({ from: LocalDate, to: LocalDate, label: z.string().max(100).optional() })
  .strict()
  .superRefine((h, ctx) => {
    if (h.to < h.from) ctx.addIssue({ code: "custom", path: ["to"], message: `to ${h.to} is before from ${h.from}` });
  });
export type Holiday = z.infer<typeof Holiday>;

/** Session lengths the estimate's categories map to; XL is whole working days (count from the estimate). */
export const SessionMinutes = z
  .object({
    SMALL: z.number().int().min(15).max(24 * 60),
    MEDIUM: z.number().int().min(15).max(24 * 60),
    LARGE: z.number().int().min(15).max(24 * 60),
  })
  .strict();
export type SessionMinutes = z.infer<typeof SessionMinutes>;

const WeeklyHours = z
  .object(Object.fromEntries(WEEKDAYS.map((day) => [day, rangeList("working hours")])) as Record<Weekday, ReturnType<typeof rangeList>>)
  .strict();

/** An artist's availability rules (the jsonb in `artists.availability`). */
export const AvailabilityRules = z
  .object({
    /** IANA zone the times below are read in ("Europe/London"). */
    timeZone: z.string().refine(isTimeZone, "unknown time zone"),
    /** Working hours per weekday; an empty list is a day off. Gaps between ranges are breaks. */
    weeklyHours: WeeklyHours,
    /** Breaks cut out of every working day ("13:00"–"13:30"). */
    breaks: rangeList("breaks").default([]),
    /** Weekdays never worked, whatever `weeklyHours` says. */
    daysOff: z.array(z.enum(WEEKDAYS)).max(7).default([]),
    /** Local date ranges not worked. */
    holidays: z.array(Holiday).max(200).default([]),
    /** Minutes kept free before and after every session and busy event (set-up, clean-up). */
    bufferMinutes: z.number().int().min(0).max(240),
    /** Earliest start: this many hours after now (stencil preparation). */
    minNoticeHours: z.number().int().min(0).max(24 * 60),
    /** Latest end: this many days after now. */
    horizonDays: z.number().int().min(1).max(365),
    /** Most sessions in one day, busy events in working hours included. */
    maxSessionsPerDay: z.number().int().min(1).max(12),
    /** Session starts fall on this grid from the start of each working range. */
    startStepMinutes: z.number().int().min(5).max(240).default(30),
    sessionMinutes: SessionMinutes,
  })
  .strict();
export type AvailabilityRules = z.infer<typeof AvailabilityRules>;
/** The rules as sent (defaults not yet applied). */
export type AvailabilityRulesInput = z.input<typeof AvailabilityRules>;

const WEEKDAY_HOURS: TimeRange[] = [{ start: "10:00", end: "18:00" }];

/** The rules a new artist starts with: Mon–Fri 10–18, Sat 10–16, 30 min buffer, 48 h notice, 60 days. */
export function defaultAvailability(timeZone: string): AvailabilityRules {
  return {
    timeZone,
    weeklyHours: {
      mon: WEEKDAY_HOURS,
      tue: WEEKDAY_HOURS,
      wed: WEEKDAY_HOURS,
      thu: WEEKDAY_HOURS,
      fri: WEEKDAY_HOURS,
      sat: [{ start: "10:00", end: "16:00" }],
      sun: [],
    },
    breaks: [],
    daysOff: [],
    holidays: [],
    bufferMinutes: 30,
    minNoticeHours: 48,
    horizonDays: 60,
    maxSessionsPerDay: 2,
    startStepMinutes: 30,
    sessionMinutes: { SMALL: 120, MEDIUM: 240, LARGE: 360 },
  };
}

/** One validation problem, its field as a dotted path ("weeklyHours.mon.0.end"). */
export interface RuleIssue {
  field: string;
  message: string;
}

/** Validates rules from outside (admin body, stored jsonb). */
export function parseAvailability(input: unknown): { ok: true; value: AvailabilityRules } | { ok: false; issues: RuleIssue[] } {
  const parsed = AvailabilityRules.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((issue) => ({ field: issue.path.map(String).join("."), message: issue.message })) };
}

/**
 * A weekday's working ranges in local minutes, breaks cut out, sorted; empty on a day off.
 * Ranges shorter than a minute after cutting are dropped.
 */
export function workingRanges(rules: AvailabilityRules, day: Weekday): { start: number; end: number }[] {
  if (rules.daysOff.includes(day)) return [];
  let ranges = rules.weeklyHours[day].map((r) => ({ start: minutesOf(r.start), end: minutesOf(r.end) }));
  for (const brk of rules.breaks) {
    const [bs, be] = [minutesOf(brk.start), minutesOf(brk.end)];
    ranges = ranges.flatMap((r) => (be <= r.start || bs >= r.end ? [r] : [{ start: r.start, end: bs }, { start: be, end: r.end }].filter((p) => p.end > p.start)));
  }
  return ranges.sort((a, b) => a.start - b.start);
}

/** Whether the local date "YYYY-MM-DD" falls in a holiday. */
export function isHoliday(rules: AvailabilityRules, isoDate: string): boolean {
  return rules.holidays.some((h) => h.from <= isoDate && isoDate <= h.to);
}
