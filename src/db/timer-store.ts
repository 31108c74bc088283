/**
 * Timers in Postgres: the cron's scan for due leads (through the partial index on
 * `leads.next_timer_at`, never a pass over all leads), what is coming up and what fired (the admin
 * API and the inbox), and the dead letters of the jobs queue.
 */
import { and, asc, desc, eq, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { conversation } from "./deposit-store.ts";
import { deadLetters, leads, systemEvents } from "./schema.ts";

export interface DueTimerRow {
  id: string;
  conversation: string;
  status: string;
  version: number;
  lastClientMessageAt: Date | null;
  nextTimerAt: Date;
  nextTimerKind: string;
}

const timerColumns = {
  id: leads.id,
  conversation,
  status: leads.status,
  version: leads.version,
  lastClientMessageAt: leads.lastClientMessageAt,
  nextTimerAt: leads.nextTimerAt,
  nextTimerKind: leads.nextTimerKind,
};

function complete(rows: { nextTimerAt: Date | null; nextTimerKind: string | null }[]): boolean {
  return rows.every((r) => r.nextTimerAt !== null && r.nextTimerKind !== null);
}

/** The cron's scan as a query (not yet run): `npm run bench` explains this very statement. */
export function dueTimerQuery(db: Database, now: Date, limit: number) {
  return db.select(timerColumns).from(leads).where(lte(leads.nextTimerAt, now)).orderBy(asc(leads.nextTimerAt)).limit(limit);
}

/** Leads whose next timer is due at `now`, soonest first, at most `limit` (the rest wait for the next run). */
export async function dueTimerLeads(db: Database, now: Date, limit: number): Promise<DueTimerRow[]> {
  const rows = await dueTimerQuery(db, now, limit);
  if (!complete(rows)) throw new Error("a due lead without its timer kind");
  return rows as DueTimerRow[];
}

/** Timers due after `now` and up to `until`, soonest first. */
export async function upcomingTimers(db: Database, now: Date, until: Date, limit: number): Promise<DueTimerRow[]> {
  const rows = await db
    .select(timerColumns)
    .from(leads)
    .where(and(gt(leads.nextTimerAt, now), lte(leads.nextTimerAt, until)))
    .orderBy(asc(leads.nextTimerAt))
    .limit(limit);
  return rows as DueTimerRow[];
}

export interface FiredTimer {
  leadId: string | null;
  at: Date;
  payload: unknown;
}

/** Timers fired lately (system events `timer.fired`), newest first; one lead's when `leadId` is given. */
export async function firedTimers(db: Database, limit: number, leadId?: string): Promise<FiredTimer[]> {
  const where = leadId === undefined ? eq(systemEvents.type, "timer.fired") : and(eq(systemEvents.type, "timer.fired"), eq(systemEvents.leadId, leadId));
  const rows = await db
    .select({ leadId: systemEvents.leadId, at: systemEvents.createdAt, payload: systemEvents.payload })
    .from(systemEvents)
    .where(where)
    .orderBy(desc(systemEvents.createdAt))
    .limit(limit);
  return rows;
}

/** One lead's next timer (the inbox lead page). */
export async function leadNextTimer(db: Database, leadId: string): Promise<{ at: Date; kind: string } | null> {
  const [row] = await db.select({ at: leads.nextTimerAt, kind: leads.nextTimerKind }).from(leads).where(eq(leads.id, leadId));
  return row?.at && row.kind ? { at: row.at, kind: row.kind } : null;
}

export interface DeadLetterInput {
  messageId: string;
  queue: string;
  body: unknown;
  kind: string | null;
  attempts: number;
  reason: string;
}

/** Records a dead letter once per queue message id; true when it was new. */
export async function recordDeadLetter(db: Database, input: DeadLetterInput): Promise<boolean> {
  const rows = await db
    .insert(deadLetters)
    .values({ ...input, body: input.body ?? null })
    .onConflictDoNothing({ target: deadLetters.messageId })
    .returning({ id: deadLetters.id });
  return rows.length > 0;
}

export type DeadLetter = typeof deadLetters.$inferSelect;

/** Dead letters, newest first; only those not replayed yet unless `all`. */
export async function listDeadLetters(db: Database, limit: number, all = false): Promise<DeadLetter[]> {
  return db
    .select()
    .from(deadLetters)
    .where(all ? undefined : isNull(deadLetters.replayedAt))
    .orderBy(desc(deadLetters.createdAt))
    .limit(limit);
}

/**
 * Marks dead letters replayed at `now` and returns them; one already replayed is not returned
 * (a double click replays once).
 */
export async function claimDeadLetters(db: Database, ids: readonly number[], now: Date): Promise<DeadLetter[]> {
  if (ids.length === 0) return [];
  return db
    .update(deadLetters)
    .set({ replayedAt: now })
    .where(and(inArray(deadLetters.id, [...ids]), isNull(deadLetters.replayedAt)))
    .returning();
}

/** Puts a claimed dead letter back (its replay could not be sent). */
export async function unclaimDeadLetter(db: Database, id: number): Promise<void> {
  await db.update(deadLetters).set({ replayedAt: sql`null` }).where(eq(deadLetters.id, id));
}
