/**
 * Latency statistics for the bench: nearest-rank percentiles over raw samples (no histograms, no
 * interpolation, so every reported figure is a latency that was actually observed).
 */

/** p50/p95/p99 and friends of one series, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentile of an ascending array: the smallest sample with at least `p`% of the
 * samples at or below it. NaN for an empty array.
 */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const n = sortedAscending.length;
  if (n === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * n);
  return sortedAscending[Math.min(n, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** Summarises samples (any order; the input is not modified). */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

/** `value / baseline`, or NaN when either is missing or the baseline is not positive. */
export function ratio(value: number, baseline: number): number {
  return Number.isFinite(value) && Number.isFinite(baseline) && baseline > 0 ? value / baseline : Number.NaN;
}

/** Events per second over a window; NaN for an empty window. */
export function ratePerSecond(events: number, windowMs: number): number {
  return windowMs > 0 ? (events * 1000) / windowMs : Number.NaN;
}
