/**
 * The Sheets writer (issue 16): `sheets.sync` (a lead changed) and `sheets.flush` (write whatever
 * is dirty) jobs, handled a batch at a time. The lead's state is read when the writer runs, under
 * the spreadsheet's lock, never taken from a message; each write is ONE `values:batchUpdate` with
 * the header row and every dirty lead's row (up to GOOGLE_SHEETS_BATCH_ROWS), RAW.
 *
 * Why nothing is lost or doubled:
 * - the change is in `sheet_rows` (dirty, with its version) from the decision's own statement;
 *   a message is only a kick, so redelivered, duplicated or reordered kicks change nothing: a lead
 *   the sheet already shows at its version is skipped, and the writer always writes the newest;
 * - a row number is assigned once and kept, so a retry rewrites the same row (no `append`);
 * - one writer at a time (the state row's lock): an older state never lands after a newer one;
 * - the quota (src/domain/sheet-quota.ts) and a 429's Retry-After make the writer wait, not
 *   fail: it acks its kicks and leaves ONE delayed `sheets.flush` for when it may write again;
 *   a lead changed meanwhile is still dirty and is written once then, at its newest version;
 * - a permanent failure (sheet deleted, no access, tab gone) dead-letters the job at once, is
 *   recorded, and the artist is told once; kicks after it wait (rows stay dirty) until an admin
 *   resync (a forced flush) writes again.
 */
import { artistNoticeNumber, requireConfig, type AppConfig } from "../config.ts";
import { batchUpdateValues, sheetsFrom, type SheetTarget } from "../adapters/google/sheets.ts";
import { sendArtistAlert } from "../adapters/whatsapp/artist-alert.ts";
import { connectPatiently, openDatabase } from "../db/client.ts";
import { assignRows, dirtyAmong, dirtySummary, markWritten, readDirtyLeads, saveSheetState, withSheetLock, type SheetTx } from "../db/sheet-store.ts";
import { systemEvents, type SheetSyncStateRow } from "../db/schema.ts";
import { renderCopy } from "../domain/copy.ts";
import { headerRow, leadRow, rowRange } from "../domain/sheet-row.ts";
import { needsWrite, nextWriteAt, recordWrite } from "../domain/sheet-quota.ts";
import { backoffMs } from "../lib/backoff.ts";
import type { Logger } from "../lib/log.ts";
import { PermanentJobError } from "./calendar-write.ts";
import type { SheetsFlushJob } from "./messages.ts";

/** A retryable failure without Retry-After waits this long, doubling with each one in a row. */
export const SHEETS_BACKOFF_BASE_MS = 5_000;
/** Longest back-off between two tries of the sheet. */
export const SHEETS_BACKOFF_MAX_MS = 15 * 60_000;
/** A flush expected this long ago and not seen is taken as lost: a new one may be sent. */
const FLUSH_OVERDUE_MS = 60_000;

export interface SheetsRequest {
  /** Leads the kicks named (empty for a flush). */
  leadIds: readonly string[];
  /** A flush: write whatever is dirty, even if no lead was named. */
  flush: boolean;
  /** Try the sheet even after a permanent failure (admin resync, the cron's probe). */
  force: boolean;
}

export type SheetsOutcome =
  | { outcome: "sheets_off" }
  /** Nothing named is behind (already written by another run). */
  | { outcome: "in_step" }
  /** The sheet failed permanently before; rows wait for a resync. */
  | { outcome: "paused"; failure: string | null }
  /** The quota or a back-off: a flush is due at `at`. */
  | { outcome: "deferred"; at: Date }
  | { outcome: "written"; rows: number; skipped: number; remaining: number }
  | { outcome: "backed_off"; at: Date; reason: string };

interface Clock {
  nowMs(): number;
}

const systemClock: Clock = { nowMs: () => Date.now() };

/** Sends one delayed `sheets.flush` for `atMs` unless one is already on its way for about then. */
async function scheduleFlush(tx: SheetTx, jobs: Queue, target: SheetTarget, state: SheetSyncStateRow, atMs: number, nowMs: number, isFlush: boolean): Promise<Date> {
  const pending = state.flushDueAt?.getTime() ?? null;
  const covered = pending !== null && pending <= atMs + 1_000 && pending > nowMs - FLUSH_OVERDUE_MS;
  // A flush that arrives early (delay rounding) must send its own follow-up: it is the pending one.
  if (covered && !isFlush) return new Date(pending);
  const delaySeconds = Math.max(0, Math.ceil((atMs - nowMs) / 1000));
  await jobs.send({ kind: "sheets.flush", now: new Date(nowMs).toISOString(), force: false } satisfies SheetsFlushJob, { contentType: "json", delaySeconds });
  const due = new Date(nowMs + delaySeconds * 1000);
  await saveSheetState(tx, target.spreadsheetId, { flushDueAt: due }, new Date(nowMs));
  return due;
}

type LockedResult = { outcome: SheetsOutcome; permanent: string | null };

async function writeLocked(tx: SheetTx, locked: SheetSyncStateRow, request: SheetsRequest, target: SheetTarget, config: AppConfig, jobs: Queue, clock: Clock, log: Logger): Promise<LockedResult> {
  let state = locked;
  const nowMs = clock.nowMs();
  const now = new Date(nowMs);
  if (state.failedAt !== null && !request.force) return { outcome: { outcome: "paused", failure: state.failure }, permanent: null };
  // An admin resync tries the sheet again: the pause ends here (the follow-up flushes are not forced).
  if (state.failedAt !== null) {
    await saveSheetState(tx, target.spreadsheetId, { failedAt: null, failure: null }, now);
    state = { ...state, failedAt: null, failure: null };
  }
  const dirty = await readDirtyLeads(tx, config.GOOGLE_SHEETS_BATCH_ROWS);
  if (dirty.length === 0) {
    if (request.flush) await saveSheetState(tx, target.spreadsheetId, { flushDueAt: null }, now);
    return { outcome: { outcome: "in_step" }, permanent: null };
  }
  const at = nextWriteAt({ recentWrites: state.recentWrites, blockedUntilMs: state.blockedUntil?.getTime() ?? null }, nowMs, config.GOOGLE_SHEETS_WRITES_PER_MINUTE);
  if (at > nowMs) return { outcome: { outcome: "deferred", at: await scheduleFlush(tx, jobs, target, state, at, nowMs, request.flush) }, permanent: null };

  const toWrite = dirty.filter((d) => needsWrite({ version: d.lead.version, syncedVersion: d.syncedVersion }));
  const rows = await assignRows(
    tx,
    toWrite.filter((d) => d.rowNumber === null).map((d) => d.lead.id),
  );
  const data = [
    { range: rowRange(target.tab, 1), values: [headerRow()] },
    ...toWrite.map((d) => ({ range: rowRange(target.tab, d.rowNumber ?? rows.get(d.lead.id) ?? 0), values: [leadRow(d.lead)] })),
  ];
  const result = await batchUpdateValues(target, data);
  const recentWrites = recordWrite(state.recentWrites, nowMs);
  if (!result.ok) {
    const failure = result.error;
    const reason = `${failure.status ?? "no answer"} ${failure.reason}: ${failure.message}`.slice(0, 300);
    if (failure.kind === "retryable") {
      const failures = state.consecutiveFailures + 1;
      const waitMs = Math.max(failure.retryAfterMs ?? 0, backoffMs(SHEETS_BACKOFF_BASE_MS, failures, Math.random(), SHEETS_BACKOFF_MAX_MS));
      await saveSheetState(tx, target.spreadsheetId, { recentWrites, blockedUntil: new Date(nowMs + waitMs), consecutiveFailures: failures }, now);
      const due = await scheduleFlush(tx, jobs, target, { ...state, flushDueAt: null }, nowMs + waitMs, nowMs, true);
      log.warn("sheets.backed_off", { status: failure.status, reason: failure.reason, wait_ms: waitMs, rows: toWrite.length, consecutive: failures });
      return { outcome: { outcome: "backed_off", at: due, reason }, permanent: null };
    }
    const firstTime = state.failedAt === null;
    await saveSheetState(tx, target.spreadsheetId, { recentWrites, failedAt: state.failedAt ?? now, failure: reason, flushDueAt: null }, now);
    if (firstTime) {
      await tx.insert(systemEvents).values({ type: "sheets.failed", level: "error", payload: { status: failure.status, reason: failure.reason, message: failure.message.slice(0, 200) } });
    }
    if (state.artistToldAt === null) {
      const to = artistNoticeNumber(config);
      const body = renderCopy("sheets.artist_failure", { reason: failure.status === null ? failure.reason : `${failure.status} ${failure.reason}` });
      const alert = { to: to ?? "", artistName: config.ARTIST_NAME, body, subject: renderCopy("artist.template_alert_subject"), ref: `sheets-failed-${target.spreadsheetId}` };
      const sent = to ? await sendArtistAlert(config, alert) : null;
      if (sent?.ok) await saveSheetState(tx, target.spreadsheetId, { artistToldAt: now }, now);
      else if (sent) log.error("sheets.artist_alert_failed", { code: sent.code });
    }
    return { outcome: { outcome: "paused", failure: reason }, permanent: reason };
  }
  const written = dirty.map((d) => ({ leadId: d.lead.id, version: d.lead.version }));
  await markWritten(tx, written, now);
  await saveSheetState(tx, target.spreadsheetId, { recentWrites, blockedUntil: null, consecutiveFailures: 0, failedAt: null, failure: null, artistToldAt: null, ...(request.flush ? { flushDueAt: null } : {}) }, now);
  // More waiting (a batch over the cap, changes committed while this wrote): one flush for the next slot.
  const remaining = (await dirtySummary(tx)).count;
  if (remaining > 0) {
    const next = nextWriteAt({ recentWrites, blockedUntilMs: null }, nowMs, config.GOOGLE_SHEETS_WRITES_PER_MINUTE);
    await scheduleFlush(tx, jobs, target, { ...state, flushDueAt: request.flush ? null : state.flushDueAt }, next, nowMs, false);
  }
  log.info("sheets.written", { rows: toWrite.length, skipped: dirty.length - toWrite.length, remaining, cells: result.value.totalUpdatedCells ?? null });
  return { outcome: { outcome: "written", rows: toWrite.length, skipped: dirty.length - toWrite.length, remaining }, permanent: null };
}

/**
 * Runs one batch of Sheets jobs. Throws {@link PermanentJobError} when the sheet refused for good
 * (the consumer dead-letters it at once); anything else thrown (the database) is retried by the queue.
 */
export async function syncSheet(request: SheetsRequest, env: Env, log: Logger, clock: Clock = systemClock): Promise<SheetsOutcome> {
  const config = requireConfig(env);
  const target = sheetsFrom(config);
  if (!target) return { outcome: "sheets_off" };
  const handle = openDatabase(config, { max: 1 });
  try {
    await connectPatiently(handle);
    const db = handle.db;
    // Kicks whose leads another run already wrote cost one read and no lock.
    if (!request.flush && (await dirtyAmong(db, request.leadIds)).length === 0) return { outcome: "in_step" };
    const locked = await withSheetLock(db, target.spreadsheetId, (tx, state) => writeLocked(tx, state, request, target, config, env.JOBS, clock, log));
    if (locked.permanent !== null) throw new PermanentJobError(`sheets write: ${locked.permanent}`);
    return locked.outcome;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
