/**
 * Date phrases inside a timing answer: "next 2-4 weeks", "in a month", "next month", "this
 * weekend", "early March", "March to May", "before June" → calendar date ranges.
 *
 * Works on the word tokens of a normalised message and a local "today"; month names that already
 * passed this year mean next year. `from`/`to` are inclusive ISO dates.
 */
import { smallNumber } from "./text.ts";
import {
  addDays,
  addMonths,
  compareDates,
  daysInMonth,
  toIsoDate,
  weekdayIndex,
  type CalendarDate,
} from "./time.ts";

/** An inclusive range of dates; an open end is omitted. */
export interface DateRange {
  from?: string;
  to?: string;
}

interface Span {
  from?: CalendarDate;
  to?: CalendarDate;
}

const MONTHS = {
  january: 1, jan: 1, february: 2, feb: 2, march: 3, mar: 3, april: 4, apr: 4, may: 5, june: 6, jun: 6,
  july: 7, jul: 7, august: 8, aug: 8, september: 9, sep: 9, sept: 9, october: 10, oct: 10, november: 11,
  nov: 11, december: 12, dec: 12,
} as const satisfies Record<string, number>;

const UNITS = { day: "day", days: "day", week: "week", weeks: "week", wk: "week", wks: "week", month: "month", months: "month" } as const;
type Unit = (typeof UNITS)[keyof typeof UNITS];

/** Part of a month: "early March" is the 1st–10th. */
const MONTH_PARTS = {
  early: [1, 10], beginning: [1, 10], start: [1, 10], mid: [11, 20], middle: [11, 20], late: [21, 31], end: [21, 31],
} as const satisfies Record<string, readonly [number, number]>;

/** Words that make "may" the month rather than the verb. */
const MAY_CUES = new Set(["in", "of", "early", "mid", "late", "before", "by", "until", "till", "after", "from", "during", "or", "and", "to", "-", "since"]);

const RANGE_WORDS = new Set(["-", "to", "until", "till", "through", "thru"]);

function lookup<T extends Record<string, unknown>>(table: T, word: string | undefined): T[keyof T] | undefined {
  return word !== undefined && Object.hasOwn(table, word) ? table[word as keyof T] : undefined;
}

function monthAt(tokens: readonly string[], i: number): number | undefined {
  const word = tokens[i];
  const month = lookup(MONTHS, word);
  if (month === undefined) return undefined;
  if (word !== "may") return month;
  const before = tokens[i - 1];
  const after = tokens[i + 1];
  const cued = tokens.length === 1 || (before !== undefined && MAY_CUES.has(before)) || lookup(MONTHS, after) !== undefined;
  return cued || after === "or" || after === "-" ? month : undefined;
}

function shift(today: CalendarDate, amount: number, unit: Unit): CalendarDate {
  return unit === "month" ? addMonths(today, amount) : addDays(today, unit === "week" ? amount * 7 : amount);
}

/** "next 2-4 weeks", "within 3 weeks", "in a month", "in the next month". */
function relative(tokens: readonly string[], i: number, today: CalendarDate): [Span, number] | null {
  const lead = tokens[i];
  if (lead !== "next" && lead !== "in" && lead !== "within" && lead !== "over") return null;
  let j = i + 1;
  if (tokens[j] === "the") j++;
  const hasNext = lead === "next" || tokens[j] === "next";
  if (tokens[j] === "next") j++;
  if (tokens[j] === "a" && (tokens[j + 1] === "couple" || tokens[j + 1] === "few")) j++;
  const low = smallNumber(tokens[j]);
  if (low !== null) j++;
  if (tokens[j] === "of") j++;
  let high: number | null = null;
  if (low !== null && tokens[j] !== undefined && (tokens[j] === "-" || tokens[j] === "to" || tokens[j] === "or")) {
    high = smallNumber(tokens[j + 1]);
    if (high !== null) j += 2;
  }
  const unit = lookup(UNITS, tokens[j]);
  if (unit === undefined) return null;
  const consumed = j + 1 - i;
  if (low !== null && high !== null) return [{ from: shift(today, low, unit), to: shift(today, high, unit) }, consumed];
  if (low === null && lead === "next") return [calendarNext(today, unit), consumed];
  const amount = low ?? 1;
  if (hasNext || lead === "within" || lead === "over") return [{ from: today, to: shift(today, amount, unit) }, consumed];
  // "in 3 weeks": that week (or day, or month), not everything before it.
  const start = shift(today, amount, unit);
  return [{ from: start, to: addDays(shift(start, 1, unit), -1) }, consumed];
}

/** "next week" is Monday–Sunday of next week, "next month" the whole calendar month. */
function calendarNext(today: CalendarDate, unit: Unit): Span {
  if (unit === "week") {
    const monday = addDays(today, 7 - weekdayIndex(today));
    return { from: monday, to: addDays(monday, 6) };
  }
  if (unit === "month") {
    const first = addMonths({ ...today, day: 1 }, 1);
    return { from: first, to: { ...first, day: daysInMonth(first.year, first.month) } };
  }
  const tomorrow = addDays(today, 1);
  return { from: tomorrow, to: tomorrow };
}

/** "this week", "this month", "this weekend", "next weekend", "next year". */
function named(tokens: readonly string[], i: number, today: CalendarDate): [Span, number] | null {
  const [lead, what] = [tokens[i], tokens[i + 1]];
  if (lead !== "this" && lead !== "next") return null;
  const weekday = weekdayIndex(today);
  const saturday = weekday === 6 ? addDays(today, -1) : addDays(today, 5 - weekday);
  if (what === "weekend") {
    const sat = lead === "this" ? saturday : addDays(saturday, 7);
    return [{ from: compareDates(sat, today) < 0 ? today : sat, to: addDays(sat, 1) }, 2];
  }
  if (lead === "next" && what === "year") {
    return [{ from: { year: today.year + 1, month: 1, day: 1 }, to: { year: today.year + 1, month: 12, day: 31 } }, 2];
  }
  if (lead !== "this") return null;
  if (what === "week") return [{ from: today, to: addDays(today, 6 - weekday) }, 2];
  if (what === "month") return [{ from: today, to: { ...today, day: daysInMonth(today.year, today.month) } }, 2];
  return null;
}

interface MonthSpan {
  /** First day of the month (or of its part), before clamping to today. */
  start: CalendarDate;
  from: CalendarDate;
  to: CalendarDate;
}

/** `month` (or its early/mid/late part) in the first year where it has not passed yet. */
function monthSpan(month: number, part: readonly [number, number] | undefined, today: CalendarDate, year?: number): MonthSpan {
  const build = (y: number): { start: CalendarDate; to: CalendarDate } => {
    const last = daysInMonth(y, month);
    return { start: { year: y, month, day: part?.[0] ?? 1 }, to: { year: y, month, day: Math.min(part?.[1] ?? last, last) } };
  };
  let span = build(year ?? today.year);
  if (year === undefined && compareDates(span.to, today) < 0) span = build(today.year + 1);
  return { ...span, from: compareDates(span.start, today) < 0 ? today : span.start };
}

const PREPOSITIONS = new Set(["before", "by", "until", "till", "after", "from", "since"]);

/** "March", "early March", "March to May", "before June", "after April", "march 2026". */
function months(tokens: readonly string[], i: number, today: CalendarDate): [Span, number] | null {
  const month = monthAt(tokens, i);
  if (month === undefined) return null;
  const back = [tokens[i - 1], tokens[i - 2], tokens[i - 3]];
  const part = back.map((word) => lookup(MONTH_PARTS, word)).find((found) => found !== undefined);
  const preposition = back.find((word) => word !== undefined && PREPOSITIONS.has(word));
  const yearToken = tokens[i + 1];
  const year = yearToken !== undefined && /^20[0-9]{2}$/.test(yearToken) ? Number(yearToken) : undefined;
  let consumed = year === undefined ? 1 : 2;
  const span = monthSpan(month, part, today, year);
  let to = span.to;
  const joiner = tokens[i + consumed];
  const joined = joiner !== undefined && (RANGE_WORDS.has(joiner) || (joiner === "and" && back.includes("between")));
  const endMonth = joined ? monthAt(tokens, i + consumed + 1) : undefined;
  if (endMonth !== undefined) {
    const endYear = endMonth < month ? span.start.year + 1 : span.start.year;
    to = { year: endYear, month: endMonth, day: daysInMonth(endYear, endMonth) };
    consumed += 2;
  }
  switch (preposition) {
    case "before":
      return [{ from: today, to: addDays(span.start, -1) }, consumed];
    case "by":
    case "until":
    case "till":
      return [{ from: today, to: part === undefined ? addDays(span.start, -1) : to }, consumed];
    case "after":
      return [{ from: addDays(to, 1) }, consumed];
    case "from":
    case "since":
      return [endMonth === undefined ? { from: span.from } : { from: span.from, to }, consumed];
    default:
      return [{ from: span.from, to }, consumed];
  }
}

/** Every date range named in `tokens`, in the order they appear. */
export function findDateRanges(tokens: readonly string[], today: CalendarDate): DateRange[] {
  const ranges: DateRange[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const found = relative(tokens, i, today) ?? named(tokens, i, today) ?? months(tokens, i, today);
    if (found === null) continue;
    const [span, consumed] = found;
    if (span.from !== undefined && span.to !== undefined && compareDates(span.from, span.to) > 0) continue;
    ranges.push({
      ...(span.from === undefined ? {} : { from: toIsoDate(span.from) }),
      ...(span.to === undefined ? {} : { to: toIsoDate(span.to) }),
    });
    i += consumed - 1;
  }
  return ranges;
}
