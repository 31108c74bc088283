/**
 * Time helpers for the timing and slot parsers: weekday and part-of-day words, local calendar
 * fields of an instant in a time zone (via Intl, never the host's zone), and date arithmetic on
 * plain calendar dates.
 *
 * Nothing here reads the clock; callers pass `now`.
 */

/** Weekday codes, Monday first. */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
/** A weekday code. */
export type Weekday = (typeof WEEKDAYS)[number];

/** Parts of the day a client can ask for. */
export const PARTS_OF_DAY = ["morning", "afternoon", "evening"] as const;
/** A part of the day. */
export type PartOfDay = (typeof PARTS_OF_DAY)[number];

/** Spellings of weekdays, singular and plural ("thursdays"), full and short ("thurs"). */
export const WEEKDAY_WORDS = {
  monday: "mon", mondays: "mon", mon: "mon", mons: "mon",
  tuesday: "tue", tuesdays: "tue", tue: "tue", tues: "tue",
  wednesday: "wed", wednesdays: "wed", wed: "wed", weds: "wed",
  thursday: "thu", thursdays: "thu", thu: "thu", thur: "thu", thurs: "thu",
  friday: "fri", fridays: "fri", fri: "fri", fris: "fri",
  saturday: "sat", saturdays: "sat", sat: "sat", sats: "sat",
  sunday: "sun", sundays: "sun", sun: "sun", suns: "sun",
} as const satisfies Record<string, Weekday>;

/** Spellings of parts of the day; "night" is an evening in a tattoo studio. */
export const PART_OF_DAY_WORDS = {
  morning: "morning", mornings: "morning",
  afternoon: "afternoon", afternoons: "afternoon", lunchtime: "afternoon", lunchtimes: "afternoon", arvo: "afternoon",
  evening: "evening", evenings: "evening", night: "evening", nights: "evening", tonight: "evening",
} as const satisfies Record<string, PartOfDay>;

/** Weekday for a word, if it names one. */
export function weekdayOf(word: string | undefined): Weekday | undefined {
  return word !== undefined && Object.hasOwn(WEEKDAY_WORDS, word) ? WEEKDAY_WORDS[word as keyof typeof WEEKDAY_WORDS] : undefined;
}

/** Part of the day for a word, if it names one. */
export function partOfDayOf(word: string | undefined): PartOfDay | undefined {
  return word !== undefined && Object.hasOwn(PART_OF_DAY_WORDS, word)
    ? PART_OF_DAY_WORDS[word as keyof typeof PART_OF_DAY_WORDS]
    : undefined;
}

/** Morning before 12:00, afternoon until 17:00, evening after. */
export function partOfDayForHour(hour: number): PartOfDay {
  return hour < 12 ? "morning" : hour < 17 ? "afternoon" : "evening";
}

/** A calendar date (month 1–12) with no time zone attached. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** Local wall-clock fields of an instant. */
export interface LocalParts extends CalendarDate {
  weekday: Weekday;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

/** A cached formatter for `timeZone`, or null when the zone is not one Intl knows. */
function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  const cached = formatters.get(timeZone);
  if (cached !== undefined) return cached;
  let formatter: Intl.DateTimeFormat | null;
  try {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      hourCycle: "h23",
    });
  } catch {
    formatter = null;
  }
  if (formatters.size < 64) formatters.set(timeZone, formatter);
  return formatter;
}

/** Local fields of `instant` in `timeZone`; null for an invalid instant or unknown zone. */
export function localParts(instant: Date, timeZone: string): LocalParts | null {
  if (Number.isNaN(instant.getTime())) return null;
  const formatter = formatterFor(timeZone);
  if (formatter === null) return null;
  const fields = new Map(formatter.formatToParts(instant).map((part) => [part.type, part.value]));
  const weekday = weekdayOf(fields.get("weekday")?.toLowerCase());
  const numbers = ["year", "month", "day", "hour", "minute"].map((type) => Number(fields.get(type as Intl.DateTimeFormatPartTypes)));
  const [year, month, day, hour, minute] = numbers;
  if (weekday === undefined || numbers.some((n) => !Number.isInteger(n))) return null;
  if (year === undefined || month === undefined || day === undefined || hour === undefined || minute === undefined) return null;
  return { year, month, day, weekday, hour: hour % 24, minute };
}

function fromUtc(ms: number): CalendarDate {
  const date = new Date(ms);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function toUtc(date: CalendarDate): number {
  return Date.UTC(date.year, date.month - 1, date.day);
}

/** `date` plus `days` (negative to go back). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromUtc(toUtc(date) + days * 86_400_000);
}

/** `date` plus whole calendar months, clamped to the end of a shorter month. */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

/** Number of days in a month (1–12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Monday = 0 … Sunday = 6. */
export function weekdayIndex(date: CalendarDate): number {
  return (new Date(toUtc(date)).getUTCDay() + 6) % 7;
}

/** Negative, zero or positive as `a` is before, on or after `b`. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return toUtc(a) - toUtc(b);
}

/** "2025-03-07". */
export function toIsoDate(date: CalendarDate): string {
  const pad = (n: number, width: number): string => String(n).padStart(width, "0");
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}
