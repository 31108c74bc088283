/**
 * The Sheets mirror for ops (issue 16). GET /admin/sheets: on or off, rows waiting, the writer's
 * state. POST /admin/sheets/resync: "resync this lead / all leads": marks the rows for a rewrite
 * (on the rows they already have) and puts one forced flush on the jobs queue, which also ends a
 * pause after a permanent failure. `npm run sheets:backfill` is this action for every lead.
 */
import { Hono } from "hono";
import { sheetsConfigured } from "../../config.ts";
import { loadLead } from "../../db/lead-store.ts";
import { dirtySummary, markForResync, sheetState } from "../../db/sheet-store.ts";
import type { SheetsFlushJob } from "../../jobs/messages.ts";
import type { AdminEnv } from "./context.ts";
import { SheetsResyncBody } from "./schemas.ts";
import { valid } from "./validate.ts";

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const adminSheets = new Hono<AdminEnv>()
  .get("/", async (c) => {
    const config = c.get("config");
    const db = c.get("db");
    const spreadsheetId = config.GOOGLE_SHEETS_SPREADSHEET_ID ?? null;
    const [dirty, state] = await Promise.all([dirtySummary(db), spreadsheetId ? sheetState(db, spreadsheetId) : Promise.resolve(null)]);
    return c.json({
      on: sheetsConfigured(config),
      spreadsheet_id: spreadsheetId,
      tab: config.GOOGLE_SHEETS_TAB,
      writes_per_minute: config.GOOGLE_SHEETS_WRITES_PER_MINUTE,
      waiting: { rows: dirty.count, oldest_change_at: iso(dirty.oldest) },
      writer: state && {
        writes_last_minute: state.recentWrites.filter((t) => t > Date.now() - 60_000).length,
        blocked_until: iso(state.blockedUntil),
        consecutive_failures: state.consecutiveFailures,
        flush_due_at: iso(state.flushDueAt),
        failed_at: iso(state.failedAt),
        failure: state.failure,
        artist_told_at: iso(state.artistToldAt),
      },
    });
  })
  .post("/resync", valid("json", SheetsResyncBody), async (c) => {
    const config = c.get("config");
    if (!sheetsConfigured(config)) return c.json({ error: "sheets_off", message: "the Sheets mirror is off: set GOOGLE_SHEETS_SPREADSHEET_ID (and the service account), FEATURE_SHEETS on" }, 409);
    const { lead_id: leadId } = c.req.valid("json");
    const db = c.get("db");
    if (leadId !== undefined && !(await loadLead(db, leadId))) return c.json({ error: "not_found", message: `no lead ${leadId}` }, 404);
    const now = new Date();
    const marked = await markForResync(db, leadId === undefined ? null : [leadId], now);
    const job: SheetsFlushJob = { kind: "sheets.flush", force: true, now: now.toISOString() };
    await c.env.JOBS.send(job, { contentType: "json" });
    return c.json({ marked, lead_id: leadId ?? null }, 202);
  });
