/**
 * `npm run sheets:backfill`: writes every lead to the artist's spreadsheet, through the running
 * Worker's admin API (POST /admin/sheets/resync for all leads, then GET /admin/sheets until no row
 * waits). Idempotent: each lead keeps the row Postgres assigned it, so a second run rewrites the
 * same rows with the same values and the sheet is the same.
 *
 * Where: INKLINE_URL and ADMIN_API_KEY when set (production: your Worker's URL and key); otherwise
 * the local stack `npm run dev` started (its .wrangler/dev.generated.env names both).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDotenv } from "../dev/vars.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const LOCAL_ENV = path.join(ROOT, ".wrangler/dev.generated.env");
/** How long to wait for the rows to be written (the writer paces itself under Google's quota). */
const WAIT_MS = 10 * 60_000;
const POLL_MS = 1_000;

interface Target {
  url: string;
  key: string;
  source: string;
}

function target(env: NodeJS.ProcessEnv): Target | string {
  const local = existsSync(LOCAL_ENV) ? parseDotenv(readFileSync(LOCAL_ENV, "utf8")) : {};
  const url = env.INKLINE_URL ?? local.PUBLIC_BASE_URL;
  const key = env.ADMIN_API_KEY ?? local.ADMIN_API_KEY;
  if (!url || !key) return "set INKLINE_URL and ADMIN_API_KEY, or start the local stack with `npm run dev` first";
  return { url: url.replace(/\/+$/, ""), key, source: env.INKLINE_URL ? "INKLINE_URL" : "the local stack" };
}

interface SheetsState {
  on: boolean;
  waiting: { rows: number };
  writer: { failure: string | null; blocked_until: string | null } | null;
}

async function call<T>(t: Target, method: string, pathname: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${t.url}${pathname}`, {
    method,
    headers: { "x-admin-api-key": t.key, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

/** Runs the backfill against `t`; resolves to the number of leads written, rejects with the reason. */
export async function backfill(t: Target, say: (line: string) => void, waitMs = WAIT_MS): Promise<number> {
  const resync = await call<{ marked?: number; error?: string; message?: string }>(t, "POST", "/admin/sheets/resync", {});
  if (resync.status !== 202) throw new Error(`resync refused (${resync.status}): ${resync.json.message ?? resync.json.error ?? "no reason"}`);
  const marked = resync.json.marked ?? 0;
  say(`sheets:backfill: ${marked} lead(s) marked; waiting for the writer…`);
  const until = Date.now() + waitMs;
  for (;;) {
    const state = await call<SheetsState>(t, "GET", "/admin/sheets");
    if (state.json.writer?.failure) throw new Error(`the sheet refused: ${state.json.writer.failure}`);
    if (state.json.waiting.rows === 0) return marked;
    if (Date.now() > until) throw new Error(`${state.json.waiting.rows} row(s) still waiting after ${waitMs / 1000} s`);
    say(`  ${state.json.waiting.rows} row(s) waiting${state.json.writer?.blocked_until ? ` (Google asked us to wait until ${state.json.writer.blocked_until})` : ""}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const t = target(process.env);
  if (typeof t === "string") {
    console.error(`sheets:backfill: ${t}.`);
    process.exit(2);
  }
  console.log(`sheets:backfill: writing every lead through ${t.url} (${t.source}).`);
  backfill(t, (line) => console.log(line)).then(
    (n) => console.log(`sheets:backfill: done, ${n} lead(s) on the sheet.`),
    (error: unknown) => {
      console.error(`sheets:backfill failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
