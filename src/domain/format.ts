/**
 * Locale-aware formatting of the values copy placeholders carry: money and calendar dates. The
 * copy module decides the words; this module decides how a number or a date reads in the locale.
 */
import { DEFAULT_LOCALE } from "../../copy/index.ts";
import { dayStart } from "./tour-schedule.ts";

/** "en_GB" (our locale keys) → "en-GB" (a BCP 47 tag for Intl). */
function languageTag(locale: string): string {
  return locale.replace("_", "-");
}

function safeTag(locale: string): string {
  const tag = languageTag(locale);
  return Intl.DateTimeFormat.supportedLocalesOf([tag]).length > 0 ? tag : languageTag(DEFAULT_LOCALE);
}

/** "£400" or "£412.50": whole amounts without pence. */
export function formatMoney(amountMinor: number, currency: string, locale: string = DEFAULT_LOCALE): string {
  const whole = amountMinor % 100 === 0;
  return new Intl.NumberFormat(safeTag(locale), {
    style: "currency",
    currency,
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: 2,
  }).format(amountMinor / 100);
}

/** "1–7 Feb 2027" (or "28 Feb – 3 Mar 2027"): an inclusive range of calendar dates. */
export function formatDateRange(from: string, to: string, locale: string = DEFAULT_LOCALE): string {
  const format = new Intl.DateTimeFormat(safeTag(locale), { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  return from === to ? format.format(dayStart(from)) : format.formatRange(dayStart(from), dayStart(to));
}

/** "21 Nov 2026, 10:16 UTC": a moment, for the artist (UTC, so it reads the same everywhere). */
export function formatDateTime(at: Date, locale: string = DEFAULT_LOCALE): string {
  const text = new Intl.DateTimeFormat(safeTag(locale), { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(at);
  return `${text} UTC`;
}
