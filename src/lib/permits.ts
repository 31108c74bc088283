/**
 * Permits to use Postgres, as pure data: the bookkeeping of the DatabaseGate Durable Object
 * (durable-objects/database-gate.ts), which bounds how many LeadConversation objects work against
 * the database at once. One webhook POST can name a thousand numbers; without a bound each of
 * their objects asks Postgres for a connection at the same moment, and every refused attempt
 * still costs Postgres a backend (issue 19, item 5).
 *
 * - At most `limit` leases are held; a holder holds at most one.
 * - A lease expires {@link PERMIT_LEASE_MS} after it was granted or renewed, so a holder that died
 *   without releasing loses its permit. A holder asking again while it holds renews its lease.
 * - Everyone else waits in one line, ordered by when each first asked; a freed permit goes to the
 *   head at once. A caller told to come back later (it waited {@link PERMIT_WAIT_MS}) asks again
 *   with the time it first asked, so it takes back its place instead of going to the end: with
 *   a long line, going to the end each time could keep one client's reply waiting for minutes
 *   while later arrivals were served. A holder asking again while it waits keeps its place (its
 *   earlier ticket is dropped: the object behind it was reset and asks anew).
 * - A release by someone who holds nothing changes nothing.
 *
 * Every function takes the state and `now` and returns the next state with what happened; side
 * effects (answering waiters, timers, storage) stay in the caller.
 */

/** How long a permit lasts unless renewed; a holder renews past half of it. */
export const PERMIT_LEASE_MS = 60_000;
/** How long an object waits at the gate before it is told to come back later. */
export const PERMIT_WAIT_MS = 10_000;

/** A permit held. */
export interface Lease {
  holder: string;
  expiresAt: number;
}

/** Someone waiting for a permit: `ticket` names the call that waits, `since` is when it first asked. */
export interface Waiter {
  holder: string;
  ticket: number;
  since: number;
}

export interface Permits {
  leases: readonly Lease[];
  waiters: readonly Waiter[];
}

/** A permit handed to a waiter: its ticket's call is answered with it. */
export interface Grant {
  holder: string;
  ticket: number;
  expiresAt: number;
  waitedMs: number;
}

/** The next state, the waiters granted a permit, and the tickets dropped (answered "come back later"). */
export interface Step {
  permits: Permits;
  granted: Grant[];
  dropped: number[];
}

/** What a request got at once: a lease, or a place in the line. */
export type RequestOutcome = { held: true; expiresAt: number } | { held: false };

export const NO_PERMITS: Permits = { leases: [], waiters: [] };

/** Hands freed permits to the head of the line, first come first served. */
function fill(permits: Permits, now: number, limit: number): Step {
  const leases = [...permits.leases];
  const waiters = [...permits.waiters];
  const granted: Grant[] = [];
  while (leases.length < limit && waiters.length > 0) {
    const next = waiters.shift();
    if (!next) break;
    const expiresAt = now + PERMIT_LEASE_MS;
    leases.push({ holder: next.holder, expiresAt });
    granted.push({ holder: next.holder, ticket: next.ticket, expiresAt, waitedMs: Math.max(0, now - next.since) });
  }
  return { permits: { leases, waiters }, granted, dropped: [] };
}

/** Drops the leases that have run out by `now` and hands their permits on. */
export function expire(permits: Permits, now: number, limit: number): Step {
  const live = permits.leases.filter((l) => l.expiresAt > now);
  return fill({ leases: live, waiters: permits.waiters }, now, limit);
}

/** How far back a caller's first ask may place it in the line (older claims count from then). */
export const MAX_PLACE_KEPT_MS = 5 * 60_000;

/** The line with `waiter` in its place: behind everyone who first asked at or before it did. */
function joinLine(waiters: readonly Waiter[], waiter: Waiter): Waiter[] {
  const behind = waiters.findIndex((w) => w.since > waiter.since);
  return behind === -1 ? [...waiters, waiter] : [...waiters.slice(0, behind), waiter, ...waiters.slice(behind)];
}

/**
 * `holder` asks for a permit with call `ticket`: renewed if it holds one, granted if one is free
 * and nobody waits, else it joins the line (or keeps its place in it, with the new ticket).
 * `firstAskedAt` is when this holder first asked for the permit it still waits for (it was told
 * to come back later since); it places the caller in the line, never later than `now` and never
 * more than {@link MAX_PLACE_KEPT_MS} before it.
 */
export function request(
  permits: Permits,
  holder: string,
  ticket: number,
  now: number,
  limit: number,
  firstAskedAt: number = now,
): Step & { outcome: RequestOutcome } {
  const swept = expire(permits, now, limit);
  const { leases, waiters } = swept.permits;
  const expiresAt = now + PERMIT_LEASE_MS;
  if (leases.some((l) => l.holder === holder)) {
    const renewed = leases.map((l) => (l.holder === holder ? { holder, expiresAt } : l));
    return { ...swept, permits: { leases: renewed, waiters }, outcome: { held: true, expiresAt } };
  }
  const waiting = waiters.find((w) => w.holder === holder);
  if (waiting) {
    const line = waiters.map((w) => (w === waiting ? { ...w, ticket } : w));
    return { ...swept, permits: { leases, waiters: line }, dropped: [waiting.ticket], outcome: { held: false } };
  }
  if (leases.length < limit && waiters.length === 0) {
    return { ...swept, permits: { leases: [...leases, { holder, expiresAt }], waiters }, outcome: { held: true, expiresAt } };
  }
  const since = Math.min(now, Math.max(firstAskedAt, now - MAX_PLACE_KEPT_MS));
  return { ...swept, permits: { leases, waiters: joinLine(waiters, { holder, ticket, since }) }, outcome: { held: false } };
}

/** `holder` gives its permit back; the head of the line gets it. Nothing changes for a non-holder. */
export function release(permits: Permits, holder: string, now: number, limit: number): Step {
  if (!permits.leases.some((l) => l.holder === holder)) return { permits, granted: [], dropped: [] };
  return expire({ leases: permits.leases.filter((l) => l.holder !== holder), waiters: permits.waiters }, now, limit);
}

/** The call `ticket` stops waiting (it waited {@link PERMIT_WAIT_MS}); unknown tickets change nothing. */
export function withdraw(permits: Permits, ticket: number): Permits {
  if (!permits.waiters.some((w) => w.ticket === ticket)) return permits;
  return { leases: permits.leases, waiters: permits.waiters.filter((w) => w.ticket !== ticket) };
}

/** When the soonest lease runs out (null without leases): the gate looks again then if anyone waits. */
export function nextExpiry(permits: Permits): number | null {
  return permits.leases.length === 0 ? null : Math.min(...permits.leases.map((l) => l.expiresAt));
}

/** What the admin view shows. */
export interface PermitSummary {
  limit: number;
  held: number;
  waiting: number;
  /** How long the head of the line has waited, milliseconds (0 when nobody waits). */
  longest_wait_ms: number;
}

export function summarise(permits: Permits, now: number, limit: number): PermitSummary {
  const head = permits.waiters[0];
  return { limit, held: permits.leases.length, waiting: permits.waiters.length, longest_wait_ms: head ? Math.max(0, now - head.since) : 0 };
}
