/**
 * Studio settings in Postgres (`settings`): changed at runtime from the inbox or the admin API,
 * with no deploy. The panic switch is the one setting so far.
 *
 * Every lead's Durable Object reads the switch before deciding a client message (or a timer),
 * through a per-isolate cache of {@link PANIC_CACHE_MS}: a flip reaches every object within that
 * time (at once in the isolate that made it, which updates its cache). A message arriving while
 * the switch flips is decided once, under whichever value its object read: the whole message
 * follows one rule.
 */
import { and, desc, eq, gte, sql } from "drizzle-orm";
import { z } from "zod";
import type { PanicState } from "../domain/engine.ts";
import type { Database } from "./client.ts";
import { leads, settings, systemEvents } from "./schema.ts";

/** The settings' keys (one place for the magic strings). */
export const SettingKey = { PANIC: "panic" } as const;

/** How long an isolate trusts its copy of the panic switch before reading Postgres again. */
export const PANIC_CACHE_MS = 5_000;

/** The stored value of the panic switch (jsonb): validated on the way out. */
const PanicValue = z.object({
  on: z.boolean(),
  since: z.iso.datetime({ offset: true }).nullable(),
  reason: z.string().nullable().optional(),
});

/** The panic switch as stored, plus who flipped it last and when. */
export interface PanicSetting extends PanicState {
  reason: string | null;
  updatedAt: Date | null;
  updatedBy: string | null;
}

const OFF: PanicSetting = { on: false, since: null, reason: null, updatedAt: null, updatedBy: null };

let cache: { value: PanicSetting; readAtMs: number } | null = null;

/** The panic switch from Postgres (off when never set, or unreadable). */
export async function readPanic(db: Database): Promise<PanicSetting> {
  const [row] = await db.select().from(settings).where(eq(settings.key, SettingKey.PANIC));
  if (!row) return OFF;
  const parsed = PanicValue.safeParse(row.value);
  if (!parsed.success) return OFF;
  const { on, since, reason } = parsed.data;
  return { on, since: since === null ? null : new Date(since), reason: reason ?? null, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
}

/** The panic switch, from this isolate's cache when it is fresher than {@link PANIC_CACHE_MS}. */
export async function panicSwitch(db: Database, nowMs: number): Promise<PanicSetting> {
  if (cache !== null && nowMs - cache.readAtMs >= 0 && nowMs - cache.readAtMs < PANIC_CACHE_MS) return cache.value;
  const value = await readPanic(db);
  cache = { value, readAtMs: nowMs };
  return value;
}

/**
 * Turns the switch on or off (recorded as `panic.switched`). `since` is kept while it stays on
 * (turning it on twice does not move it) and after it is turned off (what the inbox lists the held
 * leads from); it moves when the switch is turned on again.
 */
export async function setPanic(
  db: Database,
  input: { on: boolean; reason: string | null; by: string; now: Date },
): Promise<PanicSetting> {
  const before = await readPanic(db);
  const since = input.on ? (before.on ? before.since : input.now) : before.since;
  const value = { on: input.on, since: since?.toISOString() ?? null, reason: input.reason };
  await db.transaction(async (tx) => {
    await tx
      .insert(settings)
      .values({ key: SettingKey.PANIC, value, updatedAt: input.now, updatedBy: input.by })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: input.now, updatedBy: input.by } });
    await tx.insert(systemEvents).values({ type: "panic.switched", payload: { on: input.on, was_on: before.on, reason: input.reason, by: input.by } });
  });
  const stored: PanicSetting = { on: input.on, since, reason: input.reason, updatedAt: input.now, updatedBy: input.by };
  cache = { value: stored, readAtMs: input.now.getTime() };
  return stored;
}

/** A lead that wrote while the switch was on: how many messages were held, and the last. */
export interface HeldLead {
  leadId: string;
  displayName: string | null;
  phoneE164: string | null;
  status: string;
  held: number;
  lastHeldAt: Date;
}

/** Leads with `panic.message_held` events since `since`, the most recent first. */
export async function heldLeadsSince(db: Database, since: Date, limit = 200): Promise<HeldLead[]> {
  const lastHeldAt = sql<Date>`max(${systemEvents.createdAt})`.mapWith(systemEvents.createdAt);
  const rows = await db
    .select({
      leadId: leads.id,
      displayName: leads.displayName,
      phoneE164: leads.phoneE164,
      status: leads.status,
      held: sql<number>`count(*)::int`,
      lastHeldAt,
    })
    .from(systemEvents)
    .innerJoin(leads, eq(leads.id, systemEvents.leadId))
    .where(and(eq(systemEvents.type, "panic.message_held"), gte(systemEvents.createdAt, since)))
    .groupBy(leads.id)
    .orderBy(desc(lastHeldAt))
    .limit(limit);
  return rows;
}
