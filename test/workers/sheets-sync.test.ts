/**
 * The Sheets mirror (issue 16) against the real test Postgres and the Google emulator's Sheets v4
 * over loopback: a change recorded by applyDecision itself, kicks through the jobs queue's
 * consumer, one row per lead however often kicks are redelivered, the newest state wins, client
 * text stays text, Google's 429 and the write quota back the writer off without losing a change,
 * and a sheet that is gone is dead-lettered and told to the artist once.
 *
 * The test Worker leaves the mirror off (so other tests' Google traffic is theirs alone); these
 * tests switch it on by handing the consumer and the writer an env with the spreadsheet set.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import worker, { app } from "../../src/index.ts";
import { forgetAccessTokens } from "../../src/adapters/google/auth.ts";
import { getValues, sheetsFrom } from "../../src/adapters/google/sheets.ts";
import { requireConfig } from "../../src/config.ts";
import { openDatabase, type DatabaseHandle } from "../../src/db/client.ts";
import { applyDecision, loadLead } from "../../src/db/lead-store.ts";
import { markForResync } from "../../src/db/sheet-store.ts";
import type { Decision } from "../../src/domain/engine.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { headerRow, rowRange } from "../../src/domain/sheet-row.ts";
import { JOBS_QUEUE } from "../../src/jobs/names.ts";
import type { Job } from "../../src/jobs/messages.ts";
import { syncSheet, type SheetsRequest } from "../../src/jobs/sheets-sync.ts";
import { createLogger } from "../../src/lib/log.ts";
import { CRON_EVERY_5_MIN, CRON_JOBS, SHEETS_SWEEP_AFTER_MS } from "../../src/scheduled.ts";
import { sql } from "../support/workers/db.ts";
import { google, sheetsEnv } from "../support/workers/google.ts";
import { textsTo, uniquePhone } from "../support/workers/whatsapp.ts";
import { ADMIN_KEY, adminFetch, uniqueIp } from "../support/workers/artist.ts";
import { inboxFetch, signIn } from "../support/workers/inbox.ts";

const SHEET = inject("googleSpreadsheet");
const ARTIST = "+447700900001";
const log = createLogger("sheets-test", "error");

let handle: DatabaseHandle;
beforeEach(async () => {
  await google.reset();
  // The reset revoked the emulator's tokens: a cached one would cost a 401 and a re-mint mid-test.
  forgetAccessTokens();
  // Other files' leads were marked too (every decision marks its row): this file's writer sees only its own.
  await sql("DELETE FROM sheet_rows");
  await sql("DELETE FROM sheet_sync_state");
  handle = openDatabase({ DATABASE_URL: env.DATABASE_URL, DATABASE_WS_PROXY: env.DATABASE_WS_PROXY }, { max: 1 });
});
afterEach(async () => {
  await handle.close();
});

const decision = (patch: Decision["patch"]): Decision => ({ transitions: [], patch, answers: [], attachments: [], outbound: [], events: [], actionLinks: [] });

/** A new lead, committed once through applyDecision (so its sheet row is dirty at version 1). */
async function newLead(name: string): Promise<string> {
  const [row] = await sql<{ id: string }>("INSERT INTO leads (phone_e164, status) VALUES ($1, 'QUALIFYING') RETURNING id", [uniquePhone()]);
  if (!row) throw new Error("no lead");
  await change(row.id, { displayName: name });
  return row.id;
}

/** One committed decision changing the lead (the real statement marks its sheet row). Returns the new version. */
async function change(leadId: string, patch: Decision["patch"], answers: Decision["answers"] = []): Promise<number> {
  const lead = await loadLead(handle.db, leadId);
  if (!lead) throw new Error("no lead");
  const result = await applyDecision(handle.db, {
    lead,
    provider: "whatsapp",
    eventId: `wamid.sheets-${crypto.randomUUID()}`,
    decision: { ...decision(patch), answers },
    correlationId: "sheets-test",
    artistPhone: ARTIST,
    now: new Date(),
  });
  if (result.outcome !== "applied") throw new Error("not applied");
  return result.lead.version;
}

const syncJob = (leadId: string, version = 1) => ({ kind: "sheets.sync", leadId, version, now: new Date().toISOString() });

/** Feeds the consumer one batch, with the mirror on. */
async function consume(bodies: unknown[], vars: Record<string, string> = {}) {
  const batch = createMessageBatch(
    JOBS_QUEUE,
    bodies.map((body, i) => ({ id: `sheets-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, sheetsEnv(vars));
  return getQueueResult(batch, ctx);
}

/** Reads until `ok` holds (the dead-letter queue's consumer runs on its own), else fails with the last value. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const rowOf = async (leadId: string) => (await sql<{ row_number: number | null; synced_version: number | null; dirty_since: string | null }>("SELECT row_number, synced_version, dirty_since FROM sheet_rows WHERE lead_id = $1", [leadId]))[0];
const sheet = () => google.sheetRows(SHEET.id, SHEET.tab);
const batchUpdates = async () => (await google.calls("values.batchUpdate")).filter((c) => !c.injected && c.status === 200).length;

/** A clock the test moves (the writer's pacing and back-off; Google's own quota keeps real time). */
function clockAt(startMs: number) {
  let now = startMs;
  return { nowMs: () => now, set: (ms: number) => (now = ms) };
}
const run = (request: Partial<SheetsRequest>, clock: { nowMs(): number }, vars: Record<string, string> = {}) =>
  syncSheet({ leadIds: [], flush: true, force: false, ...request }, sheetsEnv(vars), log, clock);

describe("one row per lead", () => {
  it("a decision marks the lead's row dirty in its own statement, at the lead's version", async () => {
    const leadId = await newLead("Robin");
    expect(await rowOf(leadId)).toMatchObject({ row_number: null, synced_version: null });
    expect((await rowOf(leadId))?.dirty_since).not.toBeNull();
    const version = await change(leadId, { displayName: "Robin B" });
    expect((await sql<{ lead_version: number }>("SELECT lead_version FROM sheet_rows WHERE lead_id = $1", [leadId]))[0]?.lead_version).toBe(version);
  });

  it("duplicated and redelivered kicks write each lead once, in one batchUpdate, with the header in the column table's order", async () => {
    const a = await newLead("Ada");
    const b = await newLead("Bea");
    const jobs = [syncJob(a), syncJob(a), syncJob(b), syncJob(a)];
    const first = await consume(jobs);
    expect(first.explicitAcks).toHaveLength(4);
    expect(await batchUpdates()).toBe(1);
    const rows = await sheet();
    expect(rows[0]).toEqual(headerRow());
    expect(rows).toHaveLength(3);
    expect(rows.slice(1).map((r) => r[3]).sort()).toEqual(["Ada", "Bea"]);

    // The queue delivers the same batch again: every lead is in step, nothing is written.
    const again = await consume(jobs);
    expect(again.explicitAcks).toHaveLength(4);
    expect(await batchUpdates()).toBe(1);
    expect(await sheet()).toEqual(rows);
    expect(await google.calls("values.append")).toHaveLength(0);

    // A later change rewrites the lead's own row, never a new one.
    const rowA = (await rowOf(a))?.row_number;
    await change(a, { displayName: "Ada Lovelace" });
    // (At the writer's next slot: a kick this soon after a write waits for it.)
    expect(await run({ leadIds: [a], flush: false }, clockAt(Date.now() + 5_000))).toMatchObject({ outcome: "written", rows: 1 });
    const after = await sheet();
    expect(after).toHaveLength(3);
    expect(after[(rowA ?? 0) - 1]?.[3]).toBe("Ada Lovelace");
  });
});

describe("versioned: the newest state wins", () => {
  it("a kick for an old version arriving after the new one writes nothing, and the row keeps the newest", async () => {
    const leadId = await newLead("Old name");
    await change(leadId, { displayName: "New name" });
    await consume([syncJob(leadId, 2)]);
    await consume([syncJob(leadId, 1)]);
    expect(await batchUpdates()).toBe(1);
    const row = await rowOf(leadId);
    expect(row?.synced_version).toBe(2);
    expect((await sheet())[(row?.row_number ?? 0) - 1]?.[3]).toBe("New name");
  });

  it("two writers at once (changes landing between them) leave the sheet at the lead's newest version", async () => {
    const leadId = await newLead("v1");
    const clock = clockAt(Date.now());
    const writers = [run({}, clock), (async () => {
      await change(leadId, { displayName: "v2" });
      await change(leadId, { displayName: "v3" });
    })(), run({}, clock)];
    await Promise.all(writers);
    // Whatever order they ran in, a later write picks up what is still dirty.
    clock.set(clock.nowMs() + 5_000);
    await run({}, clock);
    const row = await rowOf(leadId);
    expect(row?.dirty_since).toBeNull();
    expect(row?.synced_version).toBe(3);
    expect((await sheet())[(row?.row_number ?? 0) - 1]?.[3]).toBe("v3");
  });
});

describe("client text stays text", () => {
  it("a name and an answer written as formulas are stored RAW and read back as typed", async () => {
    const hostile = '=HYPERLINK("https://evil.example","click")';
    const leadId = await newLead(hostile);
    await change(leadId, {}, [{ questionKey: "idea", rawText: "=1+1", value: "=1+1", sourceMessageId: "wamid.formula" }]);
    await consume([syncJob(leadId, 2)]);
    const rowNumber = (await rowOf(leadId))?.row_number ?? 0;
    const cells = (await google.sheetCells(SHEET.id, SHEET.tab))[rowNumber - 1] ?? [];
    expect(cells[3]).toEqual({ text: hostile, formula: false });
    expect(cells[5]).toEqual({ text: "idea: =1+1", formula: false });
    const target = sheetsFrom(requireConfig(sheetsEnv()));
    if (!target) throw new Error("sheets off");
    const read = await getValues(target, rowRange(SHEET.tab, rowNumber));
    expect(read.ok && read.value[0]?.[3]).toBe(hostile);
  });
});

describe("429 and the quota: back off, lose nothing", () => {
  it("Google's 429 with Retry-After: the writer waits, and a lead changed meanwhile is written once, at its newest version", async () => {
    const leadId = await newLead("before");
    const clock = clockAt(Date.now());
    const t0 = clock.nowMs();
    await google.fail({ spreadsheetId: SHEET.id }, 1, "429", "values.batchUpdate", 2);
    const backedOff = await run({ leadIds: [leadId], flush: false }, clock);
    expect(backedOff.outcome).toBe("backed_off");
    if (backedOff.outcome !== "backed_off") return;
    expect(backedOff.at.getTime()).toBeGreaterThanOrEqual(t0 + 2_000);
    expect((await rowOf(leadId))?.dirty_since).not.toBeNull();

    // The lead changes during the back-off; a kick then writes nothing yet.
    await change(leadId, { displayName: "during" });
    await change(leadId, { displayName: "newest" });
    clock.set(t0 + 1_000);
    expect((await run({ leadIds: [leadId], flush: false }, clock)).outcome).toBe("deferred");
    expect(await batchUpdates()).toBe(0);

    clock.set(backedOff.at.getTime() + 1);
    expect(await run({}, clock)).toMatchObject({ outcome: "written", rows: 1 });
    const rowNumber = (await rowOf(leadId))?.row_number ?? 0;
    const writes = (await google.sheetWrites()).filter((w) => w.row === rowNumber);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.values[0]?.[3]).toBe("newest");
    expect(await rowOf(leadId)).toMatchObject({ synced_version: 3, dirty_since: null });
  });

  it("a 503 and then an answer lost on the way back off, longer the second time; the retry rewrites the same row, never a second one", async () => {
    const leadId = await newLead("patient");
    const clock = clockAt(Date.now());
    await google.fail({ spreadsheetId: SHEET.id }, 1, "503", "values.batchUpdate");
    const first = await run({}, clock);
    expect(first).toMatchObject({ outcome: "backed_off", reason: expect.stringMatching(/^503 /) as unknown });
    if (first.outcome !== "backed_off") return;
    // The first back-off is 2.5–5 s (jittered), the next one twice that.
    expect(first.at.getTime()).toBeGreaterThanOrEqual(clock.nowMs() + 2_500);
    expect(first.at.getTime()).toBeLessThanOrEqual(clock.nowMs() + 6_000);
    expect((await sql<{ consecutive_failures: number }>("SELECT consecutive_failures FROM sheet_sync_state"))[0]?.consecutive_failures).toBe(1);

    // Google applies the write but its answer never arrives: the writer cannot know, and retries.
    await google.fail({ spreadsheetId: SHEET.id }, 1, "lost", "values.batchUpdate");
    clock.set(first.at.getTime() + 1);
    const second = await run({}, clock);
    expect(second).toMatchObject({ outcome: "backed_off", reason: expect.stringMatching(/^no answer (network|timeout)/) as unknown });
    if (second.outcome !== "backed_off") return;
    expect(second.at.getTime()).toBeGreaterThanOrEqual(clock.nowMs() + 5_000);
    expect((await rowOf(leadId))?.dirty_since).not.toBeNull();

    clock.set(second.at.getTime() + 1);
    expect(await run({}, clock)).toMatchObject({ outcome: "written", rows: 1 });
    expect(await rowOf(leadId)).toMatchObject({ synced_version: 1, dirty_since: null });
    expect((await sql<{ consecutive_failures: number }>("SELECT consecutive_failures FROM sheet_sync_state"))[0]?.consecutive_failures).toBe(0);
    const rowNumber = (await rowOf(leadId))?.row_number ?? 0;
    // Written twice (the lost answer's and the retry), both on the lead's one row.
    expect((await google.sheetWrites()).filter((w) => w.values[0]?.[0] === leadId).map((w) => w.row)).toEqual([rowNumber, rowNumber]);
    expect((await sheet()).filter((r) => r[0] === leadId)).toHaveLength(1);
  });

  it("the emulator's per-minute write quota answers 429; the writer backs off and writes later, nothing lost", async () => {
    await google.configure({ sheetsWritesPerMinute: 1 });
    const a = await newLead("first");
    const clock = clockAt(Date.now());
    expect((await run({}, clock)).outcome).toBe("written");
    const b = await newLead("second");
    clock.set(clock.nowMs() + 2_000);
    expect((await run({}, clock)).outcome).toBe("backed_off");
    const quota = (await google.calls("values.batchUpdate")).filter((c) => c.status === 429);
    expect(quota).toHaveLength(1);
    expect((await rowOf(b))?.dirty_since).not.toBeNull();
    await google.configure({ sheetsWritesPerMinute: null });
    clock.set(clock.nowMs() + 16 * 60_000);
    expect(await run({}, clock)).toMatchObject({ outcome: "written", rows: 1 });
    expect((await sheet()).slice(1).map((r) => r[3]).sort()).toEqual(["first", "second"]);
    expect((await rowOf(a))?.dirty_since).toBeNull();
  });

  it("our own pacing: kicks faster than the limit make one write and leave one flush for the next slot", async () => {
    const clock = clockAt(Date.now());
    const leads = [await newLead("p1"), await newLead("p2"), await newLead("p3")];
    expect((await run({ leadIds: leads.slice(0, 1), flush: false }, clock, { GOOGLE_SHEETS_WRITES_PER_MINUTE: "2" })).outcome).toBe("written");
    await change(leads[1] ?? "", { displayName: "p2b" });
    const deferred = await run({ leadIds: leads.slice(1), flush: false }, clock, { GOOGLE_SHEETS_WRITES_PER_MINUTE: "2" });
    expect(deferred.outcome).toBe("deferred");
    if (deferred.outcome !== "deferred") return;
    expect(deferred.at.getTime()).toBeGreaterThanOrEqual(clock.nowMs() + 30_000);
    expect(await batchUpdates()).toBe(1);
    const state = (await sql<{ flush_due_at: string | null }>("SELECT flush_due_at FROM sheet_sync_state"))[0];
    expect(state?.flush_due_at).not.toBeNull();
  });
});

describe("a sheet that is gone", () => {
  it.each([
    ["no longer shared with the service account (403)", () => google.shareSpreadsheet(SHEET.id, false), 403],
    [
      "whose tab was renamed (400)",
      async () => {
        await google.deleteSpreadsheet(SHEET.id);
        await google.addSpreadsheet(SHEET.id, ["Renamed"]);
      },
      400,
    ],
  ])("one %s is permanent too: dead-lettered at once, the writer paused, the row kept waiting", async (_what, breakSheet, status) => {
    const leadId = await newLead("Perm");
    await breakSheet();
    const result = await consume([syncJob(leadId)]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(0);
    const state = (await sql<{ failed_at: string | null; failure: string | null }>("SELECT failed_at, failure FROM sheet_sync_state"))[0];
    expect(state?.failed_at).not.toBeNull();
    expect(state?.failure).toMatch(new RegExp(`^${status} `));
    expect((await rowOf(leadId))?.dirty_since).not.toBeNull();
    const letters = await eventually(
      () => sql<{ reason: string }>("SELECT reason FROM dead_letters WHERE body->>'leadId' = $1", [leadId]),
      (rows) => rows.length > 0,
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toMatch(new RegExp(`^permanent: sheets write: ${status} `));
  });

  it("is dead-lettered at once, recorded, and the artist is told once; later kicks wait; a resync writes again", async () => {
    const leadId = await newLead("Kim");
    const since = new Date(Date.now() - 1_000);
    const artistTextsBefore = (await textsTo(ARTIST)).length;
    await google.deleteSpreadsheet(SHEET.id);
    const result = await consume([syncJob(leadId), syncJob(leadId)]);
    // Acked (the dead letter carries it), none left to retry.
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toHaveLength(0);
    // (This file's other permanent failures record theirs too: 403 and 400.)
    const events = await sql<{ payload: { status: number } }>("SELECT payload FROM system_events WHERE type = 'sheets.failed' AND payload->>'status' = '404' AND created_at >= $1", [since.toISOString()]);
    expect(events).toHaveLength(1);
    expect(events[0]?.payload.status).toBe(404);
    const told = (await textsTo(ARTIST)).slice(artistTextsBefore);
    expect(told.filter((t) => t.startsWith(renderCopy("sheets.artist_failure", { reason: "404 NOT_FOUND" }).slice(0, 40)) || t.startsWith("template:"))).toHaveLength(1);

    // The dead letter (one for the batch) reaches the dead-letter queue's consumer and the inbox's Jobs page.
    const letters = await eventually(
      () => sql<{ id: number; kind: string; reason: string }>("SELECT id, kind, reason FROM dead_letters WHERE body->>'leadId' = $1", [leadId]),
      (rows) => rows.length > 0,
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ kind: "sheets.sync" });
    expect(letters[0]?.reason).toMatch(/^permanent: sheets write: 404 NOT_FOUND/);
    const jobsPage = await (await inboxFetch("/inbox/jobs", { cookie: await signIn() })).text();
    expect(jobsPage).toContain(`data-dead-letter="${letters[0]?.id}"`);

    // Another change: the writer is paused, nothing is sent to Google, the artist is not told again.
    await change(leadId, { displayName: "Kim L" });
    const calls = (await google.calls("values.batchUpdate")).length;
    const paused = await consume([syncJob(leadId, 2)]);
    expect(paused.explicitAcks).toHaveLength(1);
    expect((await google.calls("values.batchUpdate")).length).toBe(calls);
    expect((await textsTo(ARTIST)).length).toBe(artistTextsBefore + told.length);

    // The artist restores the sheet; an admin resync (a forced flush) ends the pause and writes the
    // newest state: at once, or at the next slot when it came within 1.2 s of the failed write
    // (which counted against the quota); a later flush finds nothing left or writes it then.
    await google.addSpreadsheet(SHEET.id, [SHEET.tab]);
    const writesBefore = await batchUpdates();
    await consume([{ kind: "sheets.flush", force: true, now: new Date().toISOString() }]);
    expect((await sql<{ failed_at: string | null }>("SELECT failed_at FROM sheet_sync_state"))[0]?.failed_at).toBeNull();
    // Usually the pacing slot is still taken by the failed write and the next run writes; on a slow
    // machine the slot has come by the time the forced flush runs, and the flush writes at once.
    // Either way: one write, of the newest state.
    const flushWrote = (await batchUpdates()) > writesBefore;
    expect(await run({}, clockAt(Date.now() + 5_000))).toMatchObject(flushWrote ? { outcome: "in_step" } : { outcome: "written", rows: 1 });
    expect((await batchUpdates()) - writesBefore).toBe(1);
    const row = await rowOf(leadId);
    expect(row).toMatchObject({ synced_version: 2, dirty_since: null });
    expect((await sheet())[(row?.row_number ?? 0) - 1]?.[3]).toBe("Kim L");
    // Written once, at its newest version (the write Google refused wrote nothing).
    expect((await google.sheetWrites()).filter((w) => w.values[0]?.[0] === leadId).map((w) => w.values[0]?.[3])).toEqual(["Kim L"]);
    expect((await sql<{ failed_at: string | null }>("SELECT failed_at FROM sheet_sync_state"))[0]?.failed_at).toBeNull();
  });
});

describe("backfill and resync", () => {
  it("resyncing every lead twice gives the same sheet (same rows, same order)", async () => {
    const ids = [await newLead("r1"), await newLead("r2"), await newLead("r3")];
    await markForResync(handle.db, null, new Date());
    const clock = clockAt(Date.now());
    await run({}, clock);
    const once = await sheet();
    await markForResync(handle.db, null, new Date());
    clock.set(clock.nowMs() + 5_000);
    await run({}, clock);
    expect(await sheet()).toEqual(once);
    for (const id of ids) expect((await rowOf(id))?.dirty_since).toBeNull();
    expect(once.filter((r) => ids.includes(r[0] ?? ""))).toHaveLength(3);
  });

  it("switched off, the writer makes no Google call", async () => {
    const leadId = await newLead("off");
    expect(await syncSheet({ leadIds: [leadId], flush: false, force: false }, env, log)).toEqual({ outcome: "sheets_off" });
    expect(await google.calls()).toHaveLength(0);
  });
});

describe("the cron's backstop: a kick that never arrived", () => {
  /** The sweep of the 5-minute cron with the mirror on; the jobs it enqueues are kept (and not sent) so the test can deliver them. */
  async function sweepAt(scheduledTime: Date, vars: Record<string, string> = {}) {
    const sent: Job[] = [];
    const jobs = {
      send: (body: Job) => Promise.resolve(void sent.push(body)),
      sendBatch: (batch: Iterable<{ body: Job }>) => Promise.resolve(void sent.push(...[...batch].map((m) => m.body))),
    };
    const result = await CRON_JOBS[CRON_EVERY_5_MIN].sheetsSweep({ env: { ...sheetsEnv(vars), JOBS: jobs as unknown as Queue }, scheduledTime, correlationId: "sheets-sweep-test" });
    return { result, sent };
  }

  it("a row dirty for over a minute gets one flush, which writes it; a fresh change or a paused writer gets none", async () => {
    const leadId = await newLead("lost kick");
    // Just changed: its kick may still be on its way, so the sweep leaves it.
    const fresh = await sweepAt(new Date());
    expect(fresh.result).toMatchObject({ flushed: false });
    expect(fresh.sent).toHaveLength(0);

    // Its kick was lost: over a minute later the sweep sends one flush, and the flush writes the row.
    const later = new Date(Date.now() + SHEETS_SWEEP_AFTER_MS + 1_000);
    const swept = await sweepAt(later);
    expect(swept.result).toMatchObject({ flushed: true, paused: false });
    expect(swept.sent).toEqual([expect.objectContaining({ kind: "sheets.flush", force: false, now: later.toISOString() })]);
    expect((await consume(swept.sent)).explicitAcks).toHaveLength(1);
    const row = await rowOf(leadId);
    expect(row).toMatchObject({ synced_version: 1, dirty_since: null });
    expect((await sheet())[(row?.row_number ?? 0) - 1]?.[3]).toBe("lost kick");

    // Paused by a permanent failure: rows wait for a resync, the sweep does not knock.
    await change(leadId, { displayName: "after the failure" });
    await sql("UPDATE sheet_sync_state SET failed_at = now(), failure = 'test: sheet gone'");
    const paused = await sweepAt(new Date(Date.now() + SHEETS_SWEEP_AFTER_MS + 1_000));
    expect(paused.result).toMatchObject({ flushed: false, paused: true });
    expect(paused.sent).toHaveLength(0);

    // Switched off: nothing at all.
    const off = await sweepAt(later, { FEATURE_SHEETS: "false" });
    expect(off.result).toEqual({ sheets: "off" });
    expect(off.sent).toHaveLength(0);
  });
});

describe("the demo", () => {
  it("/demo links the emulator's page of the sheet, which shows the lead's row", async () => {
    const leadId = await newLead("On the demo sheet");
    expect(await run({}, clockAt(Date.now()))).toMatchObject({ outcome: "written" });
    const demoEnv = { ...sheetsEnv(), DEMO_MODE: "true", DEMO_CHAT_URL: "http://127.0.0.1:8790" };
    const page = await app.request("https://inkline.test/demo", { headers: { "cf-connecting-ip": uniqueIp() } }, demoEnv);
    expect(page.status).toBe(200);
    const html = await page.text();
    const href = /<section class="card" id="sheet">[\s\S]*?<a href="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, "&");
    expect(href).toBe(`${new URL(inject("googleSheetsUrl")).origin}/_emulator/sheet?id=${encodeURIComponent(SHEET.id)}&tab=${encodeURIComponent(SHEET.tab)}`);
    const sheetPage = await fetch(href ?? "");
    expect(sheetPage.status).toBe(200);
    const table = await sheetPage.text();
    expect(table).toContain(leadId);
    expect(table).toContain("On the demo sheet");

    // Mirror off: no link to a sheet nobody writes.
    const offPage = await (await app.request("https://inkline.test/demo", { headers: { "cf-connecting-ip": uniqueIp() } }, { ...demoEnv, FEATURE_SHEETS: "false" })).text();
    expect(offPage).not.toContain('id="sheet"');
  });
});

describe("admin: resync this lead / all leads", () => {
  /** The admin API of a Worker with the mirror on. */
  async function adminOn(path: string, body?: unknown): Promise<Response> {
    const request = new Request(`https://inkline.test${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "x-admin-api-key": ADMIN_KEY, "cf-connecting-ip": uniqueIp(), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const ctx = createExecutionContext();
    return worker.fetch(request, sheetsEnv(), ctx);
  }

  it("off: GET says so and a resync is refused with 409; a malformed body is a 400 naming the field", async () => {
    const state = await adminFetch("/admin/sheets");
    expect(state.status).toBe(200);
    expect(await state.json()).toMatchObject({ on: false });
    const off = await adminFetch("/admin/sheets/resync", { body: {} });
    expect(off.status).toBe(409);
    expect(await off.json()).toMatchObject({ error: "sheets_off" });
    const bad = await adminFetch("/admin/sheets/resync", { body: { lead_id: "not-a-uuid" } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("lead_id");
  });

  it("/health tells the admin whether the mirror is on", async () => {
    const off = await adminFetch("/health");
    expect((await off.json<{ features: Record<string, boolean> }>()).features.sheets).toBe(false);
    const on = await adminOn("/health");
    expect((await on.json<{ features: Record<string, boolean> }>()).features.sheets).toBe(true);
  });

  it("on: one lead is marked for a rewrite on its row, an unknown lead is 404, and GET shows what waits", async () => {
    const leadId = await newLead("Resync me");
    expect(await run({}, clockAt(Date.now()))).toMatchObject({ outcome: "written" });
    const resync = await adminOn("/admin/sheets/resync", { lead_id: leadId });
    expect(resync.status).toBe(202);
    expect(await resync.json()).toEqual({ marked: 1, lead_id: leadId });
    expect(await rowOf(leadId)).toMatchObject({ synced_version: null });
    expect((await rowOf(leadId))?.dirty_since).not.toBeNull();
    const unknown = await adminOn("/admin/sheets/resync", { lead_id: "00000000-0000-4000-8000-000000000000" });
    expect(unknown.status).toBe(404);
    const state = await adminOn("/admin/sheets");
    expect(await state.json()).toMatchObject({ on: true, spreadsheet_id: SHEET.id, tab: SHEET.tab, waiting: { rows: 1 } });
  });
});
