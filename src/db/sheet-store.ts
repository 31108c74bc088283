/**
 * The Sheets mirror in Postgres (issue 16): `sheet_rows` (one per lead: its row number, the newest
 * version of the lead and the version the sheet shows) and `sheet_sync_state` (one per spreadsheet:
 * the writer's lock, recent writes, back-off, a flush on its way, a permanent failure).
 *
 * A change is recorded by applyDecision itself ({@link markSheetDirtySql}, in the decision's
 * statement), so it cannot be lost between the commit and the queue. The writer works under the
 * row lock of its spreadsheet's state row (one write at a time: an older state can never land
 * after a newer one), reads the dirty leads' current state, and after a successful write marks each
 * row with the version it wrote; a row whose lead moved on meanwhile stays dirty.
 */
import { sql, type SQL } from "drizzle-orm";
import { readLedger } from "../domain/deposit.ts";
import type { SheetLead } from "../domain/sheet-row.ts";
import { FIRST_LEAD_ROW } from "../domain/sheet-row.ts";
import type { Database } from "./client.ts";
import { rowFromJson } from "./statement.ts";
import { sheetSyncState, type SheetSyncStateRow } from "./schema.ts";

export type SheetTx = Parameters<Parameters<Database["transaction"]>[0]>[0];
type Queryable = Database | SheetTx;

/**
 * The sub-statement applyDecision runs with every committed decision (`updated` is its CTE of the
 * updated lead): the lead's sheet row learns its newest version and is dirty from now on (the
 * oldest unsynced change keeps its time).
 */
export function markSheetDirtySql(at: SQL): SQL {
  return sql`
    insert into sheet_rows (lead_id, lead_version, changed_at, dirty_since)
    select updated.id, updated.version, ${at}, ${at} from updated
    on conflict (lead_id) do update
       set lead_version = greatest(sheet_rows.lead_version, excluded.lead_version),
           changed_at = excluded.changed_at,
           dirty_since = coalesce(sheet_rows.dirty_since, excluded.dirty_since)`;
}

/**
 * Marks leads for a rewrite whatever the sheet shows (admin resync, backfill): `leadIds` null =
 * every lead. Rows are written again at the lead's current version, on the row they already have.
 * Returns how many leads were marked.
 */
export async function markForResync(db: Queryable, leadIds: readonly string[] | null, now: Date): Promise<number> {
  const at = now.toISOString();
  const filter = leadIds === null ? sql`true` : sql`l.id = any(${`{${leadIds.join(",")}}`}::uuid[])`;
  const { rows } = await db.execute<{ n: number }>(sql`
    with marked as (
      insert into sheet_rows (lead_id, lead_version, changed_at, dirty_since)
      select l.id, l.version, ${at}::timestamptz, ${at}::timestamptz from leads l where ${filter}
      on conflict (lead_id) do update
         set lead_version = greatest(sheet_rows.lead_version, excluded.lead_version),
             synced_version = null,
             dirty_since = coalesce(sheet_rows.dirty_since, excluded.dirty_since)
      returning 1
    )
    select count(*)::int as n from marked`);
  return rows[0]?.n ?? 0;
}

/** Which of `leadIds` the sheet is behind on (dirty rows); the rest need nothing. */
export async function dirtyAmong(db: Queryable, leadIds: readonly string[]): Promise<string[]> {
  if (leadIds.length === 0) return [];
  const { rows } = await db.execute<{ lead_id: string }>(sql`
    select lead_id from sheet_rows where lead_id = any(${`{${leadIds.join(",")}}`}::uuid[]) and dirty_since is not null`);
  return rows.map((r) => r.lead_id);
}

/** How many rows wait for a write, and since when the oldest waits. */
export async function dirtySummary(db: Queryable): Promise<{ count: number; oldest: Date | null }> {
  const { rows } = await db.execute<{ n: number; oldest: string | null }>(sql`select count(*)::int as n, min(dirty_since) as oldest from sheet_rows where dirty_since is not null`);
  const row = rows[0];
  return { count: row?.n ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
}

/**
 * Runs `work` holding the spreadsheet's writer lock (its state row, created on first use, locked
 * FOR UPDATE in a transaction). A second writer waits for the first: it then reads what the first
 * wrote, so it never writes an older state over a newer one.
 */
export async function withSheetLock<T>(db: Database, spreadsheetId: string, work: (tx: SheetTx, state: SheetSyncStateRow) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`insert into sheet_sync_state (spreadsheet_id) values (${spreadsheetId}) on conflict do nothing`);
    const { rows } = await tx.execute<{ state: unknown }>(sql`select to_json(s) as state from sheet_sync_state s where spreadsheet_id = ${spreadsheetId} for update`);
    const row = rows[0];
    if (!row) throw new Error("sheet_sync_state row vanished under its lock");
    return work(tx, rowFromJson(sheetSyncState, row.state));
  });
}

/** Saves the writer's state (under its lock). */
export async function saveSheetState(tx: SheetTx, spreadsheetId: string, patch: Partial<Omit<SheetSyncStateRow, "spreadsheetId">>, now: Date): Promise<void> {
  await tx
    .update(sheetSyncState)
    .set({ ...patch, updatedAt: now })
    .where(sql`${sheetSyncState.spreadsheetId} = ${spreadsheetId}`);
}

/** A dirty lead as the writer reads it, with its row (null until assigned). */
export interface DirtyLead {
  lead: SheetLead;
  rowNumber: number | null;
  syncedVersion: number | null;
}

type DirtyRecord = {
  id: string;
  created_at: string;
  status: string;
  display_name: string | null;
  phone_e164: string | null;
  username: string | null;
  price_min_minor: number | null;
  price_max_minor: number | null;
  price_currency: string | null;
  deposit_amount_minor: number | null;
  deposit_currency: string | null;
  deposit_ledger: unknown;
  slot_start: string | null;
  updated_at: string;
  version: number;
  row_number: number | null;
  synced_version: number | null;
  booking_starts_at: string | null;
  answers: { question_key: string; raw_text: string }[] | null;
};

/** The oldest dirty leads (at most `limit`), read now: their current state, answers and booking. One round trip. */
export async function readDirtyLeads(tx: Queryable, limit: number): Promise<DirtyLead[]> {
  const { rows } = await tx.execute<DirtyRecord>(sql`
    with dirty as (select * from sheet_rows where dirty_since is not null order by dirty_since, lead_id limit ${limit})
    select l.id, l.created_at, l.status, l.display_name, l.phone_e164, l.username, l.price_min_minor, l.price_max_minor,
           l.price_currency, l.deposit_amount_minor, l.deposit_currency, l.deposit_ledger, l.slot_start, l.updated_at, l.version,
           d.row_number, d.synced_version,
           (select b.starts_at from bookings b where b.lead_id = l.id and b.status in ('HELD', 'CONFIRMED') order by b.starts_at limit 1) as booking_starts_at,
           (select json_agg(json_build_object('question_key', a.question_key, 'raw_text', a.raw_text) order by a.seq)
              from (select distinct on (question_key) question_key, raw_text, seq from lead_answers
                     where lead_id = l.id and raw_text is not null order by question_key, seq desc) a) as answers
      from dirty d join leads l on l.id = d.lead_id
     order by d.dirty_since, d.lead_id`);
  return rows.map((r) => ({
    rowNumber: r.row_number,
    syncedVersion: r.synced_version,
    lead: {
      id: r.id,
      createdAt: new Date(r.created_at),
      status: r.status,
      displayName: r.display_name,
      contact: r.phone_e164 ?? (r.username ? `@${r.username}` : null),
      answers: (r.answers ?? []).map((a) => ({ questionKey: a.question_key, rawText: a.raw_text })),
      priceMinMinor: r.price_min_minor,
      priceMaxMinor: r.price_max_minor,
      priceCurrency: r.price_currency,
      depositAmountMinor: r.deposit_amount_minor,
      depositCurrency: r.deposit_currency,
      ledger: readLedger(r.deposit_ledger),
      bookingStartsAt: r.booking_starts_at ? new Date(r.booking_starts_at) : r.slot_start ? new Date(r.slot_start) : null,
      updatedAt: new Date(r.updated_at),
      version: r.version,
    },
  }));
}

/**
 * Gives each of `leadIds` without a row the next free row, in the order given (under the writer's
 * lock, so two writers never pick the same number; the unique index stands behind it). Returns
 * every lead's row number.
 */
export async function assignRows(tx: SheetTx, leadIds: readonly string[]): Promise<Map<string, number>> {
  if (leadIds.length === 0) return new Map();
  const { rows } = await tx.execute<{ lead_id: string; row_number: number }>(sql`
    with wanted as (
      select w.lead_id, w.n from unnest(${`{${leadIds.join(",")}}`}::uuid[]) with ordinality as w(lead_id, n)
    ),
    base as (select coalesce(max(row_number), ${FIRST_LEAD_ROW - 1}) as top from sheet_rows),
    fresh as (
      select s.lead_id, (select top from base) + row_number() over (order by w.n) as row_number
        from sheet_rows s join wanted w on w.lead_id = s.lead_id
       where s.row_number is null
    ),
    assigned as (
      update sheet_rows s set row_number = fresh.row_number from fresh where s.lead_id = fresh.lead_id
      returning s.lead_id, s.row_number
    )
    select lead_id, row_number from assigned
    union all
    select s.lead_id, s.row_number from sheet_rows s join wanted w on w.lead_id = s.lead_id where s.row_number is not null`);
  return new Map(rows.map((r) => [r.lead_id, r.row_number]));
}

/**
 * Records what was written: each row now shows `version` of its lead. A row stays dirty when its
 * lead moved past that version meanwhile (its newest change is written next time, once). The
 * decision of "still dirty" reads the row's own `lead_version`, re-read after any lock wait, so a
 * change committed while this runs is never marked clean.
 */
export async function markWritten(tx: SheetTx, written: readonly { leadId: string; version: number }[], now: Date): Promise<void> {
  if (written.length === 0) return;
  await tx.execute(sql`
    update sheet_rows s
       set synced_version = greatest(coalesce(s.synced_version, -1), w.version),
           written_at = ${now.toISOString()}::timestamptz,
           dirty_since = case when s.lead_version > w.version then s.dirty_since else null end
      from jsonb_to_recordset(${JSON.stringify(written.map((w) => ({ lead_id: w.leadId, version: w.version })))}::jsonb) as w(lead_id uuid, version integer)
     where s.lead_id = w.lead_id`);
}

/** A lead's sheet row (admin API), or null. */
export async function sheetRowOf(db: Queryable, leadId: string): Promise<{ rowNumber: number | null; leadVersion: number; syncedVersion: number | null; dirtySince: Date | null; writtenAt: Date | null } | null> {
  const { rows } = await db.execute<{ row_number: number | null; lead_version: number; synced_version: number | null; dirty_since: string | null; written_at: string | null }>(
    sql`select row_number, lead_version, synced_version, dirty_since, written_at from sheet_rows where lead_id = ${leadId}::uuid`,
  );
  const r = rows[0];
  if (!r) return null;
  return { rowNumber: r.row_number, leadVersion: r.lead_version, syncedVersion: r.synced_version, dirtySince: r.dirty_since ? new Date(r.dirty_since) : null, writtenAt: r.written_at ? new Date(r.written_at) : null };
}

/** Whether the writer of `spreadsheetId` is paused by a permanent failure. */
export async function sheetsPaused(db: Queryable, spreadsheetId: string): Promise<boolean> {
  const { rows } = await db.execute<{ failed: boolean }>(sql`select failed_at is not null as failed from sheet_sync_state where spreadsheet_id = ${spreadsheetId}`);
  return rows[0]?.failed === true;
}

/** The writer's state for the admin API and the inbox, or null before its first run. */
export async function sheetState(db: Queryable, spreadsheetId: string): Promise<SheetSyncStateRow | null> {
  const { rows } = await db.execute<{ state: unknown }>(sql`select to_json(s) as state from sheet_sync_state s where spreadsheet_id = ${spreadsheetId}`);
  const row = rows[0];
  return row ? rowFromJson(sheetSyncState, row.state) : null;
}
