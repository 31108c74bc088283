/**
 * The one retry schedule every Durable Object step uses (inbox items, outbox sends, attachment
 * uploads, a connection the database refused), so "how long until the next try" has a single
 * answer.
 *
 * Equal jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): the wait is drawn
 * uniformly from [ceiling/2, ceiling), where the ceiling doubles with each attempt. Without it, a burst of
 * objects that failed together (a thousand numbers in one webhook POST against a database out of
 * connections) retry together, at 2 s, 4 s, 8 s…, and each wave hits the database as the first
 * did. With it, their retries spread over half the window. Pure: the caller passes the random
 * draw, so tests pin it.
 */

/** Longest wait between two attempts. */
export const MAX_BACKOFF_MS = 300_000;

/**
 * The ceiling of the wait before attempt `attempts + 1`: base * 2^(attempts-1), capped at
 * `maxMs` (five minutes unless the caller caps it lower).
 */
export function backoffCeilingMs(baseMs: number, attempts: number, maxMs: number = MAX_BACKOFF_MS): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), maxMs, MAX_BACKOFF_MS);
}

/**
 * Delay before attempt `attempts + 1`: equal jitter under {@link backoffCeilingMs}, half the
 * ceiling fixed and half drawn, so a retry never comes straight after the failure (full jitter can
 * draw ~0: the service that just failed asked again at once) while a burst still spreads over half
 * the window. `random` is a draw from [0, 1) (`Math.random()` in the objects); values outside are
 * clamped. `maxMs` caps the ceiling (a database outage: see CONNECTION_RETRY_MAX_MS).
 */
export function backoffMs(baseMs: number, attempts: number, random: number, maxMs: number = MAX_BACKOFF_MS): number {
  const draw = Math.min(Math.max(random, 0), 1);
  const ceiling = backoffCeilingMs(baseMs, attempts, maxMs);
  return Math.floor(ceiling / 2 + (ceiling / 2) * draw);
}
