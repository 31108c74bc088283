/**
 * The one retry schedule every Durable Object step uses (inbox items, outbox sends, attachment
 * uploads), so "how long until the next try" has a single answer.
 */

/** Longest wait between two attempts. */
export const MAX_BACKOFF_MS = 300_000;

/** Delay before attempt `attempts + 1`: base * 2^(attempts-1), capped at five minutes. */
export function backoffMs(baseMs: number, attempts: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}
