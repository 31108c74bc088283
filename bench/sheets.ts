/**
 * The Sheets phase of `npm run bench` (issue 16), `npm run bench -- --sheets-only`: 1,000 leads
 * each changing 5 times within a minute, mirrored to the artist's spreadsheet in the Google
 * emulator through the real path: each change is one committed decision (applyDecision marks the
 * sheet row in the same statement) followed by its "sync lead X" kick on the jobs queue
 * (`/_bench/sheets`, BENCH_MODE), then the queue consumer and the writer do the rest.
 *
 * Figures: rows written per minute, the Sheets API calls made (the most in any sliding minute,
 * against Google's 60 and our GOOGLE_SHEETS_WRITES_PER_MINUTE), and the lag from each change to
 * the first write of its lead's row showing it or a newer state (p50/p99). Checks: one row per
 * lead, each at its last change; and `npm run sheets:backfill`'s action run twice against this
 * stack leaves the sheet exactly as it was.
 */
import { LOCAL_SPREADSHEET, type RunningStack } from "../dev/stack.ts";
import type { SheetsBenchChange, SheetsBenchChanged, SheetsBenchCreated } from "../src/lib/bench-sheets.ts";
import { backfill } from "../scripts/sheets-backfill.ts";
import { BENCH_ADMIN_KEY } from "./bench-stack.ts";
import { summarize, type LatencySummary } from "./stats.ts";

export const SHEETS_MARKERS = {
  begin: "<!-- sheets:begin (written by `npm run bench`; edit outside the markers) -->",
  end: "<!-- sheets:end -->",
};

/** Google's write quota for one service account, and the writer's own limit in the bench stack (the default). */
const GOOGLE_QUOTA = 60;
export const SHEETS_BENCH_VARS = { GOOGLE_SHEETS_SPREADSHEET_ID: LOCAL_SPREADSHEET.id, GOOGLE_SHEETS_WRITES_PER_MINUTE: "50" };
const LEADS = 1_000;
const CHANGES = 5;
/** The rounds start this far apart: 5 changes per lead within a minute. */
const ROUND_MS = 12_000;
const CHUNK = 100;
const LAST_CHANGE_COLUMN = 9;

export interface SheetsFigures {
  leads: number;
  changes: number;
  changeErrors: number;
  changeSpanMs: number;
  /** First change → last row written. */
  drainMs: number;
  rowWrites: number;
  rowsPerMinute: number;
  calls: number;
  callsRateLimited: number;
  maxCallsInAMinute: number;
  lag: LatencySummary;
  rowsOnSheet: number;
  duplicateRows: number;
  staleRows: number;
  backfill: { marked: number; ms: number; sameSheet: boolean; calls: number };
  problems: string[];
}

async function post<T>(stack: RunningStack, body: unknown): Promise<T> {
  const res = await fetch(`${stack.urls.worker}/_bench/sheets`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/_bench/sheets answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function waitDrained(stack: RunningStack, say: (line: string) => void, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  for (;;) {
    const res = await fetch(`${stack.urls.worker}/admin/sheets`, { headers: { "x-admin-api-key": BENCH_ADMIN_KEY } });
    const state = (await res.json()) as { waiting: { rows: number } };
    if (state.waiting.rows === 0) return;
    if (Date.now() > until) throw new Error(`${state.waiting.rows} sheet row(s) still waiting after ${limitMs / 1000} s`);
    say(`  sheets: ${state.waiting.rows} row(s) waiting`);
    await sleep(2_000);
  }
}

/** The most items of `times` (ms, any order) inside any window of `windowMs`. */
function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

export async function benchSheets(stack: RunningStack, say: (line: string) => void): Promise<SheetsFigures> {
  const google = stack.google;
  const problems: string[] = [];
  say(`sheets: creating ${LEADS} leads…`);
  const leadIds: string[] = [];
  for (let i = 0; i < LEADS; i += CHUNK) leadIds.push(...(await post<SheetsBenchCreated>(stack, { create: Math.min(CHUNK, LEADS - i) })).leadIds);
  // Creating a lead is not a change: the sheet starts empty and the emulator's counts at zero.
  const callsBefore = google.calls().length;
  const writesBefore = google.sheetWrites().length;

  const changes: SheetsBenchChange[] = [];
  let changeErrors = 0;
  const begun = Date.now();
  for (let round = 1; round <= CHANGES; round++) {
    await sleep(begun + (round - 1) * ROUND_MS - Date.now());
    const label = `Bench ${round}`;
    const chunks: string[][] = [];
    for (let i = 0; i < leadIds.length; i += CHUNK) chunks.push(leadIds.slice(i, i + CHUNK));
    const answers = await Promise.all(chunks.map((chunk) => post<SheetsBenchChanged>(stack, { change: chunk, label, parallel: 4 })));
    for (const a of answers) {
      changes.push(...a.changes);
      changeErrors += a.errors.length;
    }
    say(`  sheets: round ${round} of ${CHANGES}: ${answers.reduce((n, a) => n + a.changes.length, 0)} changes at +${((Date.now() - begun) / 1000).toFixed(1)} s`);
  }
  const changeSpanMs = Math.max(...changes.map((c) => c.atMs)) - Math.min(...changes.map((c) => c.atMs));
  await waitDrained(stack, say, 10 * 60_000);

  const calls = google.calls().slice(callsBefore).filter((c) => c.operation === "values.batchUpdate");
  const writes = google.sheetWrites().slice(writesBefore).filter((w) => w.row > 1 && w.spreadsheetId === LOCAL_SPREADSHEET.id);
  const lastWriteMs = Math.max(...writes.map((w) => w.atMs));
  // Each lead's row writes, in order: (time, the "last change" cell it showed).
  const rowOf = new Map<string, { atMs: number; shows: number }[]>();
  for (const w of writes) {
    const cells = w.values[0] ?? [];
    const id = cells[0] ?? "";
    const list = rowOf.get(id) ?? [];
    list.push({ atMs: w.atMs, shows: Date.parse(cells[LAST_CHANGE_COLUMN] ?? "") });
    rowOf.set(id, list);
  }
  const lags: number[] = [];
  let unseen = 0;
  for (const change of changes) {
    const written = (rowOf.get(change.leadId) ?? []).find((w) => w.shows >= change.atMs);
    if (written) lags.push(written.atMs - change.atMs);
    else unseen++;
  }
  if (unseen > 0) problems.push(`${unseen} change(s) never reached the sheet`);
  if (changeErrors > 0) problems.push(`${changeErrors} change(s) failed to commit`);

  const sheet = google.sheetRows(LOCAL_SPREADSHEET.id, LOCAL_SPREADSHEET.tab);
  const ids = sheet.slice(1).map((r) => r[0] ?? "");
  const duplicateRows = ids.length - new Set(ids).size;
  const mine = new Set(leadIds);
  const staleRows = sheet.slice(1).filter((r) => mine.has(r[0] ?? "") && r[3] !== `Bench ${CHANGES}`).length;
  const rowsOnSheet = ids.filter((id) => mine.has(id)).length;
  if (rowsOnSheet !== LEADS) problems.push(`${rowsOnSheet} of ${LEADS} leads on the sheet`);
  if (duplicateRows > 0) problems.push(`${duplicateRows} duplicated row(s)`);
  if (staleRows > 0) problems.push(`${staleRows} row(s) not at their lead's last change`);
  const maxCallsInAMinute = maxInWindow(calls.map((c) => Date.parse(c.at)), 60_000);
  if (maxCallsInAMinute > GOOGLE_QUOTA) problems.push(`${maxCallsInAMinute} Sheets calls in one minute (Google allows ${GOOGLE_QUOTA})`);

  // `npm run sheets:backfill`'s action, twice: the sheet must come out the same.
  say("sheets: backfill, twice…");
  const backfillCallsBefore = google.calls().length;
  const target = { url: stack.urls.worker, key: BENCH_ADMIN_KEY, source: "the bench stack" };
  const started = Date.now();
  const marked = await backfill(target, () => undefined);
  const ms = Date.now() - started;
  const once = JSON.stringify(google.sheetRows(LOCAL_SPREADSHEET.id, LOCAL_SPREADSHEET.tab));
  await backfill(target, () => undefined);
  const twice = JSON.stringify(google.sheetRows(LOCAL_SPREADSHEET.id, LOCAL_SPREADSHEET.tab));
  const sameSheet = once === twice && twice === JSON.stringify(sheet);
  if (!sameSheet) problems.push("backfill changed the sheet");
  const backfillCalls = google.calls().slice(backfillCallsBefore).filter((c) => c.operation === "values.batchUpdate").length;

  return {
    leads: LEADS,
    changes: changes.length,
    changeErrors,
    changeSpanMs,
    drainMs: lastWriteMs - begun,
    rowWrites: writes.length,
    rowsPerMinute: writes.length / ((lastWriteMs - begun) / 60_000),
    calls: calls.length,
    callsRateLimited: calls.filter((c) => c.status === 429).length,
    maxCallsInAMinute,
    lag: summarize(lags),
    rowsOnSheet,
    duplicateRows,
    staleRows,
    backfill: { marked, ms, sameSheet, calls: backfillCalls },
    problems,
  };
}

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-GB") : "n/a");
const s1 = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "n/a");

export function renderSheets(f: SheetsFigures): string {
  const ok = (b: boolean) => (b ? "✅" : "❌");
  return [
    "### Sheets mirror: 1,000 leads each changing 5 times, rounds started 12 s apart",
    "",
    `Through \`/_bench/sheets\` (BENCH_MODE): each change is one committed decision (\`applyDecision\`, which marks the lead's sheet row in the same statement) followed by its "sync lead X" kick on the jobs queue, as the lead's object sends it; the queue consumer and the writer (\`src/jobs/sheets-sync.ts\`) do the rest against the **Google emulator's Sheets v4**, which enforces Google's 60 writes a minute. The writer paces itself at GOOGLE_SHEETS_WRITES_PER_MINUTE = 50 (one write every 1.2 s at most) and puts every dirty row into each \`values:batchUpdate\`.`,
    "",
    `Five rounds, each changing every lead once, are started ${ROUND_MS / 1000} s apart (all within a minute when a round commits in under ${ROUND_MS / 1000} s); the span below is the committed changes' own, first to last.`,
    "",
    "| figure | value |",
    "| --- | ---: |",
    `| changes committed (span) | ${n0(f.changes)} (${s1(f.changeSpanMs)}) |`,
    `| first change → last row written | ${s1(f.drainMs)} |`,
    `| lead rows written | ${n0(f.rowWrites)} (${n0(f.rowsPerMinute)} a minute) |`,
    `| Sheets API calls (batchUpdate) | ${n0(f.calls)}, ${f.callsRateLimited} answered 429 |`,
    `| most calls in any minute | ${f.maxCallsInAMinute} (Google's quota ${GOOGLE_QUOTA}, ours 50) |`,
    `| lag change → its row, p50 / p95 / p99 / max | ${n0(f.lag.p50)} / ${n0(f.lag.p95)} / ${n0(f.lag.p99)} / ${n0(f.lag.max)} ms |`,
    "",
    `- ${ok(f.rowsOnSheet === f.leads && f.duplicateRows === 0)} ${f.rowsOnSheet} of ${f.leads} leads on the sheet, ${f.duplicateRows} duplicated row(s)`,
    `- ${ok(f.staleRows === 0)} ${f.staleRows} row(s) not at their lead's last change`,
    `- ${ok(f.maxCallsInAMinute <= GOOGLE_QUOTA && f.callsRateLimited === 0)} under the quota: at most ${f.maxCallsInAMinute} calls in a minute, none refused`,
    `- ${ok(f.backfill.sameSheet)} \`npm run sheets:backfill\`'s action twice against this stack: ${f.backfill.marked} leads marked, the first run written in ${s1(f.backfill.ms)}, ${f.backfill.calls} calls for both; the sheet identical before, between and after`,
    ...(f.problems.length > 0 ? ["", `Problems: ${f.problems.join("; ")}`] : []),
  ].join("\n");
}
