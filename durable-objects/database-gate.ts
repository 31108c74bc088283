/**
 * DatabaseGate: the one serial point that bounds how many LeadConversation objects work against
 * Postgres at once (issue 19, item 5). One webhook POST can name a thousand new numbers; each
 * number's object asks here for a permit before its drain loop touches the database and gives it
 * back when the loop goes idle or waits for a retry. At most DATABASE_OBJECT_PERMITS are out;
 * the others wait in line inside this object (their `acquire()` call simply resolves when a permit
 * frees up), so Postgres sees a steady N objects instead of a thousand connection attempts, and
 * requests (admin, inbox, webhooks, `/ready`), which take no permit, always find a connection.
 *
 * The bookkeeping is src/lib/permits.ts (pure); this object only orchestrates: it answers the
 * calls that wait, times them out after {@link PERMIT_WAIT_MS} ("come back later": the object
 * sets its alarm for a jittered retry, its items untouched), looks again when a lease runs out
 * while someone waits, and reports long waits (a log line and a sampled system event, at most one
 * each per {@link REPORT_EVERY_MS}).
 *
 * The state lives in memory only. A reset gate (a deploy, a crash, a restart of every object at
 * once) forgets its leases and its line: the calls that waited fail, and their objects retry from
 * their alarm; holders still working carry on, and their renewals and releases meet a gate that
 * starts again from them. Until their drains end, up to twice the permits can be out, once; kept
 * leases would instead block the gate after a restart of everything until the dead holders'
 * leases ran out (a minute of no database for anyone).
 *
 * One instance: {@link databaseGate}. `now` comes from the caller (tests move it to expire
 * leases); the gate's own clock never runs behind the latest `now` it was given.
 */
import { DurableObject } from "cloudflare:workers";
import { requireConfig } from "../src/config.ts";
import { SAMPLED_EVENTS } from "../src/lib/event-tally.ts";
import { createLogger } from "../src/lib/log.ts";
import {
  expire,
  nextExpiry,
  NO_PERMITS,
  PERMIT_WAIT_MS,
  release,
  request,
  summarise,
  withdraw,
  type Permits,
  type PermitSummary,
  type Step,
} from "../src/lib/permits.ts";

/** The one gate's name. */
export const DATABASE_GATE_NAME = "postgres";
/** A permit granted after waiting this long counts as a long wait. */
export const LONG_WAIT_MS = 5_000;
/** At most one report (log line, sampled event) of long waits this often. */
export const REPORT_EVERY_MS = 10_000;

/** The stub of the one gate. */
export function databaseGate(env: Pick<Env, "DATABASE_GATE">): DurableObjectStub<DatabaseGate> {
  return env.DATABASE_GATE.getByName(DATABASE_GATE_NAME);
}

/** A permit (until `expiresAt`, the gate's clock), or "come back later" after `waitedMs` in line. */
export type PermitAnswer = { granted: true; expiresAt: number; waitedMs: number } | { granted: false; waitedMs: number };

interface Pending {
  resolve: (answer: PermitAnswer) => void;
  timer: ReturnType<typeof setTimeout>;
  since: number;
}

export class DatabaseGate extends DurableObject<Env> {
  private permits: Permits;
  private readonly pending = new Map<number, Pending>();
  private lastTicket = 0;
  /** The gate's clock: the latest caller `now`, moved on by the time passed since. */
  private clock: { at: number; real: number };
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  private reportTimer: ReturnType<typeof setTimeout> | null = null;
  private longWaits = { turnedAway: 0, slowGrants: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.permits = NO_PERMITS;
    this.clock = { at: Date.now(), real: Date.now() };
  }

  private get limit(): number {
    return requireConfig(this.env).DATABASE_OBJECT_PERMITS;
  }

  /** Now on the gate's clock, never behind `callerNow`. */
  private now(callerNow?: number): number {
    const real = Date.now();
    const at = Math.max(this.clock.at + (real - this.clock.real), callerNow ?? Number.NEGATIVE_INFINITY);
    this.clock = { at, real };
    return at;
  }

  /**
   * A permit for `holder` (an object's id): at once when one is free (or it already holds one:
   * then its lease is renewed), else when its turn comes, or "come back later" after
   * {@link PERMIT_WAIT_MS} in line. A caller coming back gives `firstAskedAt` (its clock) and
   * takes back its place in the line.
   */
  async acquire(holder: string, now: number, firstAskedAt?: number): Promise<PermitAnswer> {
    const at = this.now(now);
    const ticket = ++this.lastTicket;
    // The caller's clock and the gate's may differ: its first ask is placed as long before the gate's now.
    const step = request(this.permits, holder, ticket, at, this.limit, firstAskedAt === undefined ? at : at - Math.max(0, now - firstAskedAt));
    this.apply(step, at);
    if (step.outcome.held) return { granted: true, expiresAt: step.outcome.expiresAt, waitedMs: 0 };
    return new Promise<PermitAnswer>((resolve) => {
      const timer = setTimeout(() => this.turnAway(ticket), PERMIT_WAIT_MS);
      this.pending.set(ticket, { resolve, timer, since: at });
    });
  }

  /** `holder` gives its permit back; nothing happens if it holds none. */
  release(holder: string, now?: number): void {
    const at = this.now(now);
    this.apply(release(this.permits, holder, at, this.limit), at);
  }

  /** Held and waiting, for the admin view and tests. */
  state(now?: number): PermitSummary {
    const at = this.now(now);
    this.apply(expire(this.permits, at, this.limit), at);
    return summarise(this.permits, at, this.limit);
  }

  /** Takes a step: answers the waiters it granted or dropped, times the next look. */
  private apply(step: Step, at: number): void {
    this.permits = step.permits;
    for (const grant of step.granted) {
      if (grant.waitedMs >= LONG_WAIT_MS) this.noteLongWait("slowGrants");
      this.answer(grant.ticket, { granted: true, expiresAt: grant.expiresAt, waitedMs: grant.waitedMs });
    }
    for (const ticket of step.dropped) this.answer(ticket, { granted: false, waitedMs: at - (this.pending.get(ticket)?.since ?? at) });
    this.scheduleExpiry(at);
  }

  private answer(ticket: number, answer: PermitAnswer): void {
    const pending = this.pending.get(ticket);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(ticket);
    pending.resolve(answer);
  }

  /** The call `ticket` has waited its time: it leaves the line and is told to come back later. */
  private turnAway(ticket: number): void {
    const pending = this.pending.get(ticket);
    if (!pending) return;
    const at = this.now();
    this.permits = withdraw(this.permits, ticket);
    this.noteLongWait("turnedAway");
    this.answer(ticket, { granted: false, waitedMs: at - pending.since });
    this.scheduleExpiry(at);
  }

  /** While anyone waits, looks again when the soonest lease runs out (its holder may have died). */
  private scheduleExpiry(at: number): void {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    const soonest = nextExpiry(this.permits);
    if (this.permits.waiters.length === 0 || soonest === null) return;
    this.expiryTimer = setTimeout(
      () => {
        this.expiryTimer = null;
        const now = this.now();
        this.apply(expire(this.permits, now, this.limit), now);
      },
      Math.max(0, soonest - at),
    );
  }

  /** Counts a long wait; the first after a quiet spell schedules the report. */
  private noteLongWait(kind: keyof DatabaseGate["longWaits"]): void {
    this.longWaits[kind]++;
    this.reportTimer ??= setTimeout(() => this.report(), REPORT_EVERY_MS);
  }

  /** One log line and one count into the sampled system events for the long waits since the last report. */
  private report(): void {
    this.reportTimer = null;
    const { turnedAway, slowGrants } = this.longWaits;
    this.longWaits = { turnedAway: 0, slowGrants: 0 };
    const now = this.now();
    const summary = summarise(this.permits, now, this.limit);
    const config = requireConfig(this.env);
    createLogger("database-gate", config.LOG_LEVEL).warn("database_gate.long_waits", { turned_away: turnedAway, slow_grants: slowGrants, ...summary });
    const type = SAMPLED_EVENTS.databaseGateWait;
    const sampler = this.env.EVENT_SAMPLER.getByName(type);
    const counts: Promise<void>[] = [];
    if (turnedAway > 0) counts.push(sampler.count(type, `turned away after ${PERMIT_WAIT_MS / 1000} s`, now, turnedAway));
    if (slowGrants > 0) counts.push(sampler.count(type, `granted after over ${LONG_WAIT_MS / 1000} s`, now, slowGrants));
    this.ctx.waitUntil(Promise.all(counts).catch(() => undefined));
  }
}
