/**
 * The one retry schedule every Durable Object step uses (inbox items, outbox sends, attachment
 * uploads), so "how long until the next try" has a single answer.
 *
 * Jittered ("equal jitter": half the exponential step fixed, half random): when a burst of
 * objects fails together (the database away, Graph rate-limiting), their retries spread over the
 * window instead of arriving as one wave that fails again.
 */

/** Longest wait between two attempts. */
export const MAX_BACKOFF_MS = 300_000;

/**
 * Delay before attempt `attempts + 1`: between half and all of base * 2^(attempts-1), capped at
 * five minutes. `random` (0 ≤ r < 1) is an argument so tests can pin it.
 */
export function backoffMs(baseMs: number, attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random(), 0), 1));
}
