/**
 * Local time for people in other time zones: whose clock a message lands on, and the quiet hours
 * no automatic message may break. Zone arithmetic (DST included) is @date-fns/tz's, over the
 * runtime's IANA database through Intl; nothing here adds or subtracts offsets by hand.
 *
 * Pure: every function takes the instant it reasons about.
 */
import { TZDate } from "@date-fns/tz";
import type { RecordedAnswer } from "./engine/types.ts";

/** The studio's zone when the configuration names none. */
export const DEFAULT_STUDIO_TIME_ZONE = "Europe/London";

/** Hours (local, 0–23) in which no automatic message reaches a client: from `fromHour` until `untilHour`. */
export interface QuietHours {
  fromHour: number;
  untilHour: number;
}

/** No automatic message reaches a client from 21:00 to 09:00 their time; one due then goes at 09:00. */
export const QUIET_HOURS: QuietHours = { fromHour: 21, untilHour: 9 };

/** Whether `hour` falls in `quiet` (a window may wrap midnight, as the default does). */
function isQuiet(hour: number, quiet: QuietHours): boolean {
  if (quiet.fromHour === quiet.untilHour) return false;
  return quiet.fromHour > quiet.untilHour ? hour >= quiet.fromHour || hour < quiet.untilHour : hour >= quiet.fromHour && hour < quiet.untilHour;
}

/** Whether `zone` is an IANA time zone the runtime knows ("Europe/London"). */
export function isTimeZone(zone: string): boolean {
  if (zone.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock hour (0–23) at `instant` in `zone`. */
export function localHour(instant: Date, zone: string): number {
  return new TZDate(instant.getTime(), zone).getHours();
}

/**
 * `instant`, or when it falls in the quiet hours of `zone`, the end of them (09:00 local on the
 * same morning, or the next morning when it is evening there). `quiet` null: no quiet hours.
 */
export function outsideQuietHours(instant: Date, zone: string, quiet: QuietHours | null = QUIET_HOURS): Date {
  if (quiet === null) return instant;
  const local = new TZDate(instant.getTime(), zone);
  const hour = local.getHours();
  if (!isQuiet(hour, quiet)) return instant;
  // Past midnight (before the end hour) the quiet hours end this morning, else the next one.
  const nextDay = quiet.fromHour > quiet.untilHour && hour >= quiet.fromHour ? 1 : 0;
  // The day overflows into the next month or year as Date's does; the end hour exists on every
  // DST day in zones that change at night (TZDate resolves a skipped hour forwards).
  const end = TZDate.tz(zone, local.getFullYear(), local.getMonth(), local.getDate() + nextDay, quiet.untilHour, 0, 0);
  return new Date(end.getTime());
}

/**
 * Countries whose whole territory keeps one zone (ISO 3166 alpha-2 → IANA). Countries spanning
 * several zones (US, Canada, Australia, Brazil, Russia, Mexico…) are left out on purpose: their
 * country alone does not say the client's clock.
 */
const COUNTRY_ZONES: Readonly<Record<string, string>> = {
  GB: "Europe/London",
  IE: "Europe/Dublin",
  FR: "Europe/Paris",
  DE: "Europe/Berlin",
  ES: "Europe/Madrid",
  IT: "Europe/Rome",
  NL: "Europe/Amsterdam",
  BE: "Europe/Brussels",
  LU: "Europe/Luxembourg",
  CH: "Europe/Zurich",
  AT: "Europe/Vienna",
  DK: "Europe/Copenhagen",
  SE: "Europe/Stockholm",
  NO: "Europe/Oslo",
  FI: "Europe/Helsinki",
  PL: "Europe/Warsaw",
  CZ: "Europe/Prague",
  SK: "Europe/Bratislava",
  HU: "Europe/Budapest",
  GR: "Europe/Athens",
  RO: "Europe/Bucharest",
  BG: "Europe/Sofia",
  HR: "Europe/Zagreb",
  SI: "Europe/Ljubljana",
  EE: "Europe/Tallinn",
  LV: "Europe/Riga",
  LT: "Europe/Vilnius",
  IS: "Atlantic/Reykjavik",
  MT: "Europe/Malta",
  CY: "Asia/Nicosia",
  NZ: "Pacific/Auckland",
  JP: "Asia/Tokyo",
  KR: "Asia/Seoul",
  SG: "Asia/Singapore",
  HK: "Asia/Hong_Kong",
  IN: "Asia/Kolkata",
  AE: "Asia/Dubai",
  IL: "Asia/Jerusalem",
  ZA: "Africa/Johannesburg",
  TH: "Asia/Bangkok",
  PH: "Asia/Manila",
};

/**
 * Calling codes whose numbers all keep one zone (the longest matching prefix wins). +1, +7, +61
 * and other codes spanning zones are left out: the studio's zone is the better guess there.
 * Portugal (+351) and Spain (+34) have island zones, but nearly every number is mainland.
 */
const CALLING_CODE_ZONES: Readonly<Record<string, string>> = {
  "44": "Europe/London",
  "353": "Europe/Dublin",
  "33": "Europe/Paris",
  "49": "Europe/Berlin",
  "34": "Europe/Madrid",
  "39": "Europe/Rome",
  "31": "Europe/Amsterdam",
  "32": "Europe/Brussels",
  "352": "Europe/Luxembourg",
  "41": "Europe/Zurich",
  "43": "Europe/Vienna",
  "45": "Europe/Copenhagen",
  "46": "Europe/Stockholm",
  "47": "Europe/Oslo",
  "358": "Europe/Helsinki",
  "48": "Europe/Warsaw",
  "420": "Europe/Prague",
  "36": "Europe/Budapest",
  "30": "Europe/Athens",
  "351": "Europe/Lisbon",
  "354": "Atlantic/Reykjavik",
  "356": "Europe/Malta",
  "64": "Pacific/Auckland",
  "81": "Asia/Tokyo",
  "82": "Asia/Seoul",
  "65": "Asia/Singapore",
  "852": "Asia/Hong_Kong",
  "91": "Asia/Kolkata",
  "971": "Asia/Dubai",
  "972": "Asia/Jerusalem",
  "27": "Africa/Johannesburg",
};

/** Where the zone was read from, for the event log. */
export type ZoneSource = "answers" | "number" | "studio";

function countryCodeOf(value: unknown): string | null {
  if (typeof value !== "object" || value === null || !("countryCode" in value)) return null;
  const code = value.countryCode;
  return typeof code === "string" && code.length === 2 ? code.toUpperCase() : null;
}

/**
 * The client's time zone: from their location answers (the newest naming a one-zone country),
 * else their number's calling code, else the studio's zone.
 */
export function clientTimeZone(
  client: { phoneE164: string | null; recentAnswers: readonly RecordedAnswer[] },
  studioZone: string,
): { zone: string; source: ZoneSource } {
  for (let i = client.recentAnswers.length - 1; i >= 0; i--) {
    const answer = client.recentAnswers[i];
    if (answer?.questionKey !== "location_city" && answer?.questionKey !== "location_country") continue;
    const code = countryCodeOf(answer.value);
    const zone = code === null ? undefined : COUNTRY_ZONES[code];
    if (zone) return { zone, source: "answers" };
  }
  const digits = client.phoneE164?.replace(/^\+/, "") ?? "";
  for (const length of [3, 2, 1]) {
    const zone = CALLING_CODE_ZONES[digits.slice(0, length)];
    if (digits.length > length && zone) return { zone, source: "number" };
  }
  return { zone: studioZone, source: "studio" };
}
