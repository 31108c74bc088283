/**
 * Gap search: from an artist's availability rules, their busy time and the client's stated timing,
 * the few session slots worth offering. Pure and deterministic: `now` is an argument.
 *
 * How: walk the artist's local days from `now + notice` to `now + horizon`; on each working day put
 * start times on the rules' grid inside each working range (local wall-clock, converted to instants
 * by @date-fns/tz, so DST days keep their local hours and a local time that does not exist is never
 * produced); keep those clear of busy time widened by the buffer (busy is sorted and merged once,
 * each check is a binary search), inside the day's session cap and the client's windows; then pick
 * one per day, preferring the part of the day offered least so far, before a second one on any day.
 * XL pieces take whole working days, several consecutive ones when the estimate says so.
 */
import { TZDate } from "@date-fns/tz";
import { isHoliday, workingRanges, type AvailabilityRules } from "./availability.ts";
import { matchesDay, type ClientWindows } from "./client-windows.ts";
import { addDays, partOfDayForHour, toIsoDate, weekdayIndex, WEEKDAYS, type CalendarDate, type PartOfDay, type Weekday } from "./parsing/time.ts";

export { ClientWindow, ClientWindows, clientWindowsFrom, FLEXIBLE } from "./client-windows.ts";

/** A stretch of busy time, [start, end) as instants. */
export interface Interval {
  start: Date;
  end: Date;
}

/** One offer: [start, end) as instants; `parts` are its days (one, or several for a multi-day XL). */
export interface Slot extends Interval {
  parts: Interval[];
}

/** How long the session is: a category with a length in the rules, or XL in whole days. */
export type SessionSize = { category: "SMALL" | "MEDIUM" | "LARGE" } | { category: "XL"; days: number };

/** Input of {@link findSlots}. */
export interface GapSearchInput {
  rules: AvailabilityRules;
  /** Busy time (calendar events, holds, bookings), in any order. */
  busy: readonly Interval[];
  windows: ClientWindows;
  size: SessionSize;
  now: Date;
  /** How many slots; default {@link DEFAULT_SLOT_COUNT}, at most {@link MAX_SLOT_COUNT}. */
  count?: number;
  /** Only slots inside this stretch (a freed booking's time); the whole horizon unless given. */
  within?: Interval;
}

export const DEFAULT_SLOT_COUNT = 5;
/** A WhatsApp list holds 10 rows. */
export const MAX_SLOT_COUNT = 10;

const MINUTE = 60_000;

interface Candidate {
  start: number;
  end: number;
  part: PartOfDay;
  parts: { start: number; end: number }[];
}

/** Busy time widened by the buffer, sorted and merged: disjoint, ascending. */
function mergeBusy(busy: readonly Interval[], bufferMs: number): { start: number; end: number }[] {
  const sorted = busy
    .map((b) => ({ start: b.start.getTime() - bufferMs, end: b.end.getTime() + bufferMs }))
    .filter((b) => Number.isFinite(b.start) && Number.isFinite(b.end) && b.end > b.start)
    .sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const b of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && b.start <= last.end) last.end = Math.max(last.end, b.end);
    else merged.push({ ...b });
  }
  return merged;
}

/** Whether [start, end) misses every merged interval (binary search for the first ending after start). */
function isFree(merged: readonly { start: number; end: number }[], start: number, end: number): boolean {
  let lo = 0;
  let hi = merged.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((merged[mid]?.end ?? 0) <= start) lo = mid + 1;
    else hi = mid;
  }
  const next = merged[lo];
  return next === undefined || next.start >= end;
}

/** Busy events sorted by start, for counting the sessions already in a day. */
class SessionCounter {
  private readonly sorted: { start: number; end: number }[];
  private readonly longest: number;

  constructor(busy: readonly Interval[]) {
    this.sorted = busy.map((b) => ({ start: b.start.getTime(), end: b.end.getTime() })).filter((b) => b.end > b.start).sort((a, b) => a.start - b.start);
    this.longest = this.sorted.reduce((max, b) => Math.max(max, b.end - b.start), 0);
  }

  /** Busy events overlapping any of `ranges` (one day's working ranges, ascending). */
  count(ranges: readonly { start: number; end: number }[]): number {
    const first = ranges[0];
    const last = ranges[ranges.length - 1];
    if (first === undefined || last === undefined) return 0;
    let lo = 0;
    let hi = this.sorted.length;
    const from = first.start - this.longest;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.sorted[mid]?.start ?? 0) < from) lo = mid + 1;
      else hi = mid;
    }
    let n = 0;
    for (let i = lo; i < this.sorted.length; i++) {
      const b = this.sorted[i];
      if (b === undefined || b.start >= last.end) break;
      if (ranges.some((r) => b.start < r.end && b.end > r.start)) n++;
    }
    return n;
  }
}

/**
 * The instant of local `minutes` past midnight on `date` in `zone`, or null when that wall-clock
 * time does not exist there (the spring-forward gap): @date-fns/tz resolves it forwards, so a
 * read-back that differs means it was skipped.
 */
export function localInstant(date: CalendarDate, minutes: number, zone: string): number | null {
  const hour = Math.floor(minutes / 60);
  const minute = minutes % 60;
  const local = TZDate.tz(zone, date.year, date.month - 1, date.day, hour, minute, 0);
  const ok = local.getFullYear() === date.year && local.getMonth() === date.month - 1 && local.getDate() === date.day && local.getHours() === hour && local.getMinutes() === minute;
  return ok ? local.getTime() : null;
}

/** A local day's date as the artist's calendar has it. */
function localDate(ms: number, zone: string): CalendarDate {
  const local = new TZDate(ms, zone);
  return { year: local.getFullYear(), month: local.getMonth() + 1, day: local.getDate() };
}

interface WorkDay {
  date: CalendarDate;
  iso: string;
  weekday: Weekday;
  /** Working ranges as instants, with their local start minutes. */
  ranges: { start: number; end: number; localStart: number; localEnd: number }[];
}

/** The artist's working days from the day of `fromMs` to the day of `toMs`, holidays left out. */
function workDays(rules: AvailabilityRules, fromMs: number, toMs: number): WorkDay[] {
  const zone = rules.timeZone;
  const days: WorkDay[] = [];
  const last = toIsoDate(localDate(toMs, zone));
  for (let date = localDate(fromMs, zone); toIsoDate(date) <= last; date = addDays(date, 1)) {
    const iso = toIsoDate(date);
    const weekday = WEEKDAYS[weekdayIndex(date)] ?? "mon";
    if (isHoliday(rules, iso)) continue;
    const ranges = workingRanges(rules, weekday).flatMap((r) => {
      // A boundary in the spring gap is resolved forwards by the library (still a real instant).
      const start = TZDate.tz(zone, date.year, date.month - 1, date.day, Math.floor(r.start / 60), r.start % 60, 0).getTime();
      const end = TZDate.tz(zone, date.year, date.month - 1, date.day, Math.floor(r.end / 60), r.end % 60, 0).getTime();
      return end > start ? [{ start, end, localStart: r.start, localEnd: r.end }] : [];
    });
    if (ranges.length > 0) days.push({ date, iso, weekday, ranges });
  }
  return days;
}

/** Every fitting start of a SMALL/MEDIUM/LARGE session on one day. */
function dayCandidates(day: WorkDay, input: GapSearchInput, merged: readonly { start: number; end: number }[], earliest: number, latest: number, minutes: number): Candidate[] {
  const { rules } = input;
  const out: Candidate[] = [];
  for (const range of day.ranges) {
    for (let t = range.localStart; t < range.localEnd; t += rules.startStepMinutes) {
      const start = localInstant(day.date, t, rules.timeZone);
      if (start === null) continue;
      const end = start + minutes * MINUTE;
      if (start < range.start || end > range.end) continue;
      if (start < earliest || end > latest) continue;
      const part = partOfDayForHour(Math.floor(t / 60));
      if (!matchesDay(input.windows, day.weekday, day.iso, part)) continue;
      if (!isFree(merged, start, end)) continue;
      out.push({ start, end, part, parts: [{ start, end }] });
    }
  }
  return out;
}

/** Most calendar days from one part of a multi-day XL session to the next (Friday → Monday). */
export const MAX_XL_STEP_DAYS = 3;

/** Calendar days from `a` to `b` (plain date arithmetic, no zone involved). */
function calendarDays(a: CalendarDate, b: CalendarDate): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

/**
 * Whole working days: `days` consecutive working days (days off and weekends between them are
 * stepped over, at most {@link MAX_XL_STEP_DAYS} apart), each entirely free and with no session yet.
 */
function xlCandidates(days: readonly WorkDay[], input: GapSearchInput, merged: readonly { start: number; end: number }[], counter: SessionCounter, earliest: number, latest: number, count: number): Candidate[][] {
  const usable = days.map((day) => {
    const first = day.ranges[0];
    const last = day.ranges[day.ranges.length - 1];
    if (first === undefined || last === undefined) return null;
    const span = { start: first.start, end: last.end };
    const ok =
      span.start >= earliest && span.end <= latest && isFree(merged, span.start, span.end) && counter.count(day.ranges) === 0 &&
      matchesDay(input.windows, day.weekday, day.iso, null);
    return ok ? span : null;
  });
  return days.map((day, i) => {
    const spans = usable.slice(i, i + count);
    if (spans.length < count || spans.some((s) => s === null)) return [];
    // A run may step over a weekend or a weekday off, not over a holiday week.
    const run = days.slice(i, i + count);
    for (let k = 1; k < run.length; k++) {
      const [a, b] = [run[k - 1], run[k]];
      if (a === undefined || b === undefined || calendarDays(a.date, b.date) > MAX_XL_STEP_DAYS) return [];
    }
    const parts = spans.filter((s) => s !== null);
    const first = parts[0];
    const last = parts[parts.length - 1];
    if (first === undefined || last === undefined) return [];
    const part = partOfDayForHour(Math.floor((day.ranges[0]?.localStart ?? 0) / 60));
    return [{ start: first.start, end: last.end, part, parts }];
  });
}

/** One per day first (the least-offered part of the day, earliest on a tie), then seconds, until `count`; sorted by start. */
function spread(perDay: readonly Candidate[][], count: number): Candidate[] {
  const chosen: Candidate[] = [];
  const used = new Map<PartOfDay, number>();
  const taken = perDay.map(() => [] as Candidate[]);
  for (let round = 0; chosen.length < count; round++) {
    let added = false;
    for (let d = 0; d < perDay.length && chosen.length < count; d++) {
      const mine = taken[d] ?? [];
      if (mine.length !== round) continue;
      // Offers never overlap each other (an XL run starting on a day another run covers included).
      const free = (perDay[d] ?? []).filter((c) => chosen.every((m) => c.end <= m.start || c.start >= m.end));
      let best: Candidate | undefined;
      for (const c of free) if (best === undefined || (used.get(c.part) ?? 0) < (used.get(best.part) ?? 0)) best = c;
      if (best === undefined) continue;
      chosen.push(best);
      mine.push(best);
      used.set(best.part, (used.get(best.part) ?? 0) + 1);
      added = true;
    }
    if (!added) break;
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/** The slots to offer: at most `count` (default 5, at most 10), earliest first, spread over days and times of day. */
export function findSlots(input: GapSearchInput): Slot[] {
  const { rules, now } = input;
  const count = Math.max(0, Math.min(MAX_SLOT_COUNT, Math.floor(input.count ?? DEFAULT_SLOT_COUNT)));
  const nowMs = now.getTime();
  if (count === 0 || !Number.isFinite(nowMs)) return [];
  const within = input.within;
  const earliest = Math.max(nowMs + rules.minNoticeHours * 60 * MINUTE, within ? within.start.getTime() : -Infinity);
  const latest = Math.min(nowMs + rules.horizonDays * 24 * 60 * MINUTE, within ? within.end.getTime() : Infinity);
  if (!(earliest < latest)) return [];
  const merged = mergeBusy(input.busy, rules.bufferMinutes * MINUTE);
  const counter = new SessionCounter(input.busy);
  const days = workDays(rules, earliest, latest);

  const size = input.size;
  const perDay =
    size.category === "XL"
      ? xlCandidates(days, input, merged, counter, earliest, latest, Math.max(1, Math.floor(size.days)))
      : days.map((day) =>
          counter.count(day.ranges) + 1 > rules.maxSessionsPerDay ? [] : dayCandidates(day, input, merged, earliest, latest, rules.sessionMinutes[size.category]),
        );
  return spread(perDay, count).map((c) => ({
    start: new Date(c.start),
    end: new Date(c.end),
    parts: c.parts.map((p) => ({ start: new Date(p.start), end: new Date(p.end) })),
  }));
}

/** How a slot reads in the artist's zone: "Tue 30 Mar", "10:00–12:00", and the zone named. */
export interface SlotLabel {
  day: string;
  time: string;
  timeZone: string;
}

/** A slot's local labels in `zone` (a multi-day slot: "Tue 30 Mar – Wed 31 Mar", first start–last end). */
export function slotLabel(slot: Interval, zone: string): SlotLabel {
  const day = new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short", day: "numeric", month: "short" });
  const time = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const [startDay, endDay] = [day.format(slot.start), day.format(new Date(slot.end.getTime() - 1))];
  return {
    day: startDay === endDay ? startDay : `${startDay} – ${endDay}`,
    time: `${time.format(slot.start)}–${time.format(slot.end)}`,
    timeZone: zone,
  };
}
