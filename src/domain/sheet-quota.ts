/**
 * Pacing the sheet writer under Google's write quota (about 60 write requests a minute for one
 * service account, research/scheduling.md): pure, `now` is an argument. Writes are spread evenly
 * (at most one every 60 s / limit) rather than spent in a burst, so a change waits about a second
 * for its write, not a minute for the window to empty; and never more than `limit` in any
 * sliding minute, nor before a back-off Google asked for (429 Retry-After) has passed.
 */

export const QUOTA_WINDOW_MS = 60_000;

export interface QuotaState {
  /** Epoch ms of recent writes, oldest first. */
  recentWrites: readonly number[];
  /** No write before this (Google's Retry-After), or null. */
  blockedUntilMs: number | null;
}

/** The earliest time (epoch ms, ≥ `nowMs`) the next write may be sent. */
export function nextWriteAt(state: QuotaState, nowMs: number, limitPerMinute: number): number {
  const limit = Math.max(1, Math.floor(limitPerMinute));
  const recent = state.recentWrites.filter((t) => t > nowMs - QUOTA_WINDOW_MS);
  const last = recent.at(-1);
  const spaced = last === undefined ? nowMs : last + Math.ceil(QUOTA_WINDOW_MS / limit);
  // The write that would be the limit-th before this one must have left the window.
  const oldestCounted = recent.length >= limit ? (recent[recent.length - limit] ?? nowMs) + QUOTA_WINDOW_MS : nowMs;
  return Math.max(nowMs, spaced, oldestCounted, state.blockedUntilMs ?? nowMs);
}

/** The recent writes after one sent at `nowMs` (older than the window dropped). */
export function recordWrite(recentWrites: readonly number[], nowMs: number): number[] {
  return [...recentWrites.filter((t) => t > nowMs - QUOTA_WINDOW_MS), nowMs];
}

/** Which of the rows need a write: the sheet is behind the lead (never written, or an older version). */
export function needsWrite(row: { version: number; syncedVersion: number | null }): boolean {
  return row.syncedVersion === null || row.version > row.syncedVersion;
}
