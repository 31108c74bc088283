/**
 * Time ranges for freeBusy: Google answers at most 90 days per query ("The requested time range
 * is too long") and refuses an empty one (400 timeRangeEmpty), so a long range is split into
 * windows of at most 90 days and the busy intervals of the windows are merged again (an event
 * across a window boundary comes back once per window). Pure, on epoch milliseconds; `end` is
 * exclusive, as Google's busy intervals are.
 */

export interface Interval {
  startMs: number;
  endMs: number;
}

/** Google's longest freeBusy range. */
export const FREEBUSY_MAX_RANGE_MS = 90 * 86_400_000;

/** Windows of at most `maxMs` covering [startMs, endMs) in order, end to end; none for an empty range. */
export function splitRange(startMs: number, endMs: number, maxMs = FREEBUSY_MAX_RANGE_MS): Interval[] {
  if (!(maxMs > 0)) throw new RangeError("splitRange: maxMs must be positive");
  const windows: Interval[] = [];
  for (let from = startMs; from < endMs; from += maxMs) windows.push({ startMs: from, endMs: Math.min(from + maxMs, endMs) });
  return windows;
}

/** Sorted, with overlapping or touching intervals joined; empty intervals dropped. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.endMs > i.startMs).sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  const merged: Interval[] = [];
  for (const next of sorted) {
    const last = merged.at(-1);
    if (last && next.startMs <= last.endMs) last.endMs = Math.max(last.endMs, next.endMs);
    else merged.push({ ...next });
  }
  return merged;
}
