/**
 * Date-of-birth parser (the consent step, issue 18): "12/03/1999", "12.3.99", "12 March 1999",
 * "March 12th, 1999", "1999-03-12" → "1999-03-12". UK day-first by default: "03/04/2000" is
 * 3 April; a first number over 12 is a day either way, a second over 12 makes it month-first.
 * Two-digit years are the latest year that is not in the future ("12/03/99" → 1999, "01/02/05" → 2005).
 *
 * Pure: "today" is an argument (a UTC calendar date). A date in the future, or one that would make
 * the client older than anyone, is not a date of birth: the engine asks again.
 */
import { fail, ok, type ParseResult } from "./result.ts";

/** Why a message could not be read as a date of birth. */
export type DateOfBirthFailure = "empty" | "not_a_date" | "future" | "implausible";

/** Oldest age we believe (older reads as a typo: "1899"). */
export const MAX_AGE_YEARS = 120;

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11, november: 11,
  dec: 12, december: 12,
};

interface Ymd {
  y: number;
  m: number;
  d: number;
}

const pad = (n: number) => String(n).padStart(2, "0");
const iso = ({ y, m, d }: Ymd) => `${String(y).padStart(4, "0")}-${pad(m)}-${pad(d)}`;

function validDay({ y, m, d }: Ymd): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** A two-digit year: this century unless that is after `today`'s year. */
function fullYear(raw: string, today: Date): number {
  const n = Number(raw);
  if (raw.length > 2) return n;
  const thisYear = today.getUTCFullYear();
  const century = Math.floor(thisYear / 100) * 100;
  return century + n > thisYear ? century - 100 + n : century + n;
}

/** The numeric forms: year first (ISO), or day and month in either order. */
function numeric(text: string, today: Date, monthFirst: boolean): Ymd | null {
  const yearFirst = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text);
  if (yearFirst) return { y: Number(yearFirst[1]), m: Number(yearFirst[2]), d: Number(yearFirst[3]) };
  const dayMonth = /^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})$/.exec(text);
  if (!dayMonth) return null;
  const [a, b] = [Number(dayMonth[1]), Number(dayMonth[2])];
  const y = fullYear(dayMonth[3] ?? "", today);
  // Day-first unless told otherwise; an impossible month decides the order instead.
  const swap = monthFirst ? a <= 12 : a <= 12 && b > 12;
  return swap ? { y, m: a, d: b } : { y, m: b, d: a };
}

/** "12 March 1999", "12th of Mar 99", "March 12th, 1999". */
function worded(text: string, today: Date): Ymd | null {
  const cleaned = text.replace(/,/g, " ").replace(/\s+/g, " ").trim();
  const dayFirst = /^(\d{1,2})(?:st|nd|rd|th)? (?:of )?([a-z]+)\.? (\d{2}|\d{4})$/.exec(cleaned);
  const monthFirst = /^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)? (\d{2}|\d{4})$/.exec(cleaned);
  const [day, month, year] = dayFirst ? [dayFirst[1], dayFirst[2], dayFirst[3]] : monthFirst ? [monthFirst[2], monthFirst[1], monthFirst[3]] : [];
  if (day === undefined || month === undefined || year === undefined) return null;
  const m = MONTHS[month];
  return m === undefined ? null : { y: fullYear(year, today), m, d: Number(day) };
}

/**
 * Reads a date of birth from a client's message, as "YYYY-MM-DD". `today` bounds it (a UTC
 * calendar date); `monthFirst` reads "03/04/2000" as March 4 (off: UK day-first).
 */
export function parseDateOfBirth(text: string, today: Date, options: { monthFirst?: boolean } = {}): ParseResult<string, DateOfBirthFailure> {
  const lowered = text
    .trim()
    .toLowerCase()
    .replace(/^(?:my )?(?:date of birth|dob|birthday|born)(?: is)?[:\s-]*/, "")
    .replace(/[.!]+$/, "")
    .trim();
  if (lowered === "") return fail("empty");
  const date = numeric(lowered, today, options.monthFirst ?? false) ?? worded(lowered, today);
  if (date === null || !validDay(date)) return fail("not_a_date");
  const value = iso(date);
  const todayIso = iso({ y: today.getUTCFullYear(), m: today.getUTCMonth() + 1, d: today.getUTCDate() });
  if (value > todayIso) return fail("future");
  if (today.getUTCFullYear() - date.y > MAX_AGE_YEARS) return fail("implausible");
  return ok(value);
}
