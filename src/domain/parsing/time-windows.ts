/**
 * Timing parser: "weekday evenings", "tuesdays or thursdays after 5", "weekends in March",
 * "next 2-4 weeks", "asap" → availability windows for the booking step.
 *
 * Days and parts of the day group into windows in the order they are written ("weekday evenings
 * and saturday mornings" is two windows); date phrases (date-ranges.ts) apply to every window.
 * `now` is an argument and "today" is read in the studio's time zone.
 */
import { findDateRanges, type DateRange } from "./date-ranges.ts";
import { fail, ok, type ParseResult } from "./result.ts";
import { containsAnyPhrase, normalizeText } from "./text.ts";
import { localParts, partOfDayForHour, partOfDayOf, weekdayOf, WEEKDAYS, type PartOfDay, type Weekday } from "./time.ts";

/** One stretch of availability; every field narrows it, an absent field does not. */
export interface TimeWindow {
  days?: Weekday[];
  partOfDay?: PartOfDay;
  /** First possible date, ISO "YYYY-MM-DD" (inclusive). */
  from?: string;
  /** Last possible date, ISO "YYYY-MM-DD" (inclusive). */
  to?: string;
}

/** Everything a timing answer said: its windows, and whether any time at all will do. */
export interface TimeWindows {
  windows: TimeWindow[];
  /** "asap", "anytime", "flexible": any slot will do. */
  flexible: boolean;
}

/** Why a message could not be read as availability. */
export type TimeWindowsFailure = "empty" | "no_match";

/** Options for {@link parseTimeWindows}. */
export interface TimeWindowsOptions {
  /** Zone that decides what "today" is; "Europe/London" unless given. */
  timeZone?: string;
}

const FLEXIBLE_PHRASES = [
  "asap", "a.s.a.p", "as soon as possible", "soonest", "anytime", "any time", "any day", "any date", "whenever",
  "flexible", "i'm easy", "im easy", "don't mind", "dont mind", "no preference", "free most days",
  "whatever works", "whatever suits", "any weekday or weekend",
  // Indifference is an answer: any time will do.
  "not bothered", "not fussed", "no rush", "no hurry", "doesn't matter", "doesnt matter", "does not matter",
  "up to you", "you tell me", "don't care", "dont care", "whenever works", "whenever suits", "whenever's fine",
  "whenevers fine", "any time's fine", "anytime's fine", "either is fine", "no preference", "easy either way",
  "not picky", "i'm free whenever", "open to anything", "happy with anything",
];

const WEEKDAY_SET: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri"];
const WEEKEND_SET: readonly Weekday[] = ["sat", "sun"];
const DAY_RANGE_WORDS = new Set(["-", "to", "through", "thru", "till", "until"]);
const ATTACH_WORDS = new Set(["on", "during", "in", "at"]);
const MAX_WINDOWS = 20;

const TOKEN = /[a-z]+|[0-9]+(?:[:.][0-9]{2})?|[-/,]/g;

type Event = { kind: "days"; days: readonly Weekday[]; at: number } | { kind: "part"; part: PartOfDay; at: number };

/** Hour (0–23) of "5", "5pm", "17:00", "5.30pm" at `tokens[j]`; bare 1–7 are afternoons/evenings. */
function hourAt(tokens: readonly string[], j: number): number | null {
  const match = /^([0-9]{1,2})(?:[:.]([0-9]{2}))?$/.exec(tokens[j] ?? "");
  if (match === null) return null;
  const hour = Number(match[1]);
  if (hour > 23) return null;
  const suffix = tokens[j + 1];
  if (suffix === "pm") return hour < 12 ? hour + 12 : hour;
  if (suffix === "am") return hour === 12 ? 0 : hour;
  if (match[2] !== undefined || hour >= 12) return hour;
  return hour <= 7 ? hour + 12 : hour;
}

/** "after 5", "before noon", "after work", "5pm" → a part of the day. */
function partFromClock(tokens: readonly string[], i: number): PartOfDay | undefined {
  const word = tokens[i];
  const next = tokens[i + 1];
  if (word === "after" || word === "before") {
    if (next === "work") return word === "after" ? "evening" : "morning";
    if (next === "lunch" || next === "noon" || next === "midday") return word === "after" ? "afternoon" : "morning";
    if (next === "school") return "afternoon";
  }
  if (word === "after" || word === "from" || word === "at" || word === "around" || word === "before") {
    const hour = hourAt(tokens, i + 1);
    if (hour === null) return undefined;
    return partOfDayForHour(word === "before" ? Math.max(0, hour - 1) : hour);
  }
  if ((next === "am" || next === "pm") && !["after", "from", "at", "around", "before"].includes(tokens[i - 1] ?? "")) {
    const hour = hourAt(tokens, i);
    return hour === null ? undefined : partOfDayForHour(hour);
  }
  return undefined;
}

function scan(tokens: readonly string[]): Event[] {
  const events: Event[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i];
    const day = weekdayOf(word);
    if (day !== undefined) {
      const until = DAY_RANGE_WORDS.has(tokens[i + 1] ?? "") ? weekdayOf(tokens[i + 2]) : undefined;
      if (until !== undefined) {
        const [a, b] = [WEEKDAYS.indexOf(day), WEEKDAYS.indexOf(until)];
        events.push({ kind: "days", days: a <= b ? WEEKDAYS.slice(a, b + 1) : [...WEEKDAYS.slice(a), ...WEEKDAYS.slice(0, b + 1)], at: i });
        i += 2;
      } else events.push({ kind: "days", days: [day], at: i });
      continue;
    }
    if (word === "weekday" || word === "weekdays" || (word === "week" && (tokens[i + 1] === "days" || tokens[i + 1] === "day"))) {
      events.push({ kind: "days", days: WEEKDAY_SET, at: i });
    } else if (word === "weeknight" || word === "weeknights") {
      events.push({ kind: "days", days: WEEKDAY_SET, at: i }, { kind: "part", part: "evening", at: i });
    } else if (word === "weekend" || word === "weekends") {
      events.push({ kind: "days", days: WEEKEND_SET, at: i });
    } else {
      const part = partOfDayOf(word) ?? partFromClock(tokens, i);
      if (part !== undefined) events.push({ kind: "part", part, at: i });
    }
  }
  return events;
}

interface Draft {
  days: Set<Weekday>;
  part?: PartOfDay;
  lastAt: number;
}

/** Groups day and part-of-day events into windows (see the module comment). */
function group(events: readonly Event[], tokens: readonly string[]): Draft[] {
  const drafts: Draft[] = [];
  let current: Draft | undefined;
  for (const event of events) {
    if (event.kind === "days") {
      // "evenings on weekdays" attaches; "evenings or weekends" starts a new window.
      const attaches = current !== undefined && current.days.size === 0 &&
        (event.at === current.lastAt + 1 || ATTACH_WORDS.has(tokens[event.at - 1] ?? ""));
      if (current === undefined || (current.part !== undefined && !attaches)) {
        if (current !== undefined) drafts.push(current);
        current = { days: new Set(), lastAt: event.at };
      }
      for (const day of event.days) current.days.add(day);
    } else if (current?.part !== undefined) {
      drafts.push(current);
      current = { days: new Set(current.days), part: event.part, lastAt: event.at };
    } else {
      current ??= { days: new Set(), lastAt: event.at };
      current.part = event.part;
    }
    current.lastAt = event.at;
  }
  if (current !== undefined) drafts.push(current);
  return drafts;
}

function toWindow(draft: Draft, range: DateRange): TimeWindow {
  const days = WEEKDAYS.filter((day) => draft.days.has(day));
  return {
    ...(days.length > 0 ? { days } : {}),
    ...(draft.part === undefined ? {} : { partOfDay: draft.part }),
    ...range,
  };
}

/** Reads when the client can come in; "today" for relative dates is `now` in `timeZone`. */
export function parseTimeWindows(
  text: string,
  now: Date,
  options: TimeWindowsOptions = {},
): ParseResult<TimeWindows, TimeWindowsFailure> {
  const normalized = normalizeText(text);
  if (normalized === "") return fail("empty");
  const tokens = normalized.match(TOKEN) ?? [];
  const flexible = containsAnyPhrase(normalized, FLEXIBLE_PHRASES);
  // An unknown zone falls back to UTC: a day off is better than no dates at all.
  const local = now instanceof Date ? (localParts(now, options.timeZone ?? "Europe/London") ?? localParts(now, "UTC")) : null;
  const ranges = local === null ? [] : findDateRanges(tokens, { year: local.year, month: local.month, day: local.day });
  const drafts = group(scan(tokens), tokens);
  const windows =
    drafts.length === 0
      ? ranges.map((range) => ({ ...range }))
      : drafts.flatMap((draft) => (ranges.length === 0 ? [toWindow(draft, {})] : ranges.map((range) => toWindow(draft, range))));
  if (windows.length === 0 && !flexible) return fail("no_match");
  return ok({ windows: windows.slice(0, MAX_WINDOWS), flexible });
}
