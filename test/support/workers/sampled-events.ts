/**
 * Reading what the EventSampler objects counted: rows in system_events (each carrying a count and
 * its reasons), and a flush that writes what an object holds now.
 */
import { env } from "cloudflare:test";
import type { SampledEvent } from "../../../src/lib/event-tally.ts";
import { sql } from "./db.ts";

export interface SampledRows {
  /** The newest row's id (0 without rows). */
  lastId: number;
  rows: number;
  /** The sum of the rows' counts. */
  counted: number;
}

/** The rows of `type` in system_events so far. */
export async function sampledRows(type: SampledEvent): Promise<SampledRows> {
  const [row] = await sql<{ last_id: string; rows: string; counted: string }>(
    `SELECT coalesce(max(id), 0)::text AS last_id, count(*)::text AS rows, coalesce(sum((payload->>'count')::int), 0)::text AS counted
       FROM system_events WHERE type = $1`,
    [type],
  );
  return { lastId: Number(row?.last_id ?? 0), rows: Number(row?.rows ?? 0), counted: Number(row?.counted ?? 0) };
}

/** Writes what earlier requests left counted, then reads the rows: the baseline a test counts from. */
export async function sampledBaseline(type: SampledEvent): Promise<SampledRows> {
  await new Promise((r) => setTimeout(r, 50)); // counts from earlier responses' waitUntil
  await env.EVENT_SAMPLER.getByName(type).flush();
  return sampledRows(type);
}

/** The reasons of the rows of `type` written after `before`, added up. */
export async function reasonsSince(type: SampledEvent, before: SampledRows): Promise<Record<string, number>> {
  const rows = await sql<{ reasons: Record<string, number> }>("SELECT payload->'reasons' AS reasons FROM system_events WHERE type = $1 AND id > $2", [
    type,
    before.lastId,
  ]);
  const total: Record<string, number> = {};
  for (const { reasons } of rows) for (const [reason, n] of Object.entries(reasons)) total[reason] = (total[reason] ?? 0) + n;
  return total;
}

/**
 * Waits until `n` occurrences of `type` after `before` are written (the routes count after the
 * response, and the object writes the rest at once when asked) and returns the rows since.
 */
export async function flushSampled(type: SampledEvent, before: SampledRows, n: number): Promise<Omit<SampledRows, "lastId">> {
  const stub = env.EVENT_SAMPLER.getByName(type);
  let now = before;
  for (let i = 0; i < 200; i++) {
    await stub.flush();
    now = await sampledRows(type);
    if (now.counted - before.counted >= n && (await stub.pending()) === null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { rows: now.rows - before.rows, counted: now.counted - before.counted };
}
