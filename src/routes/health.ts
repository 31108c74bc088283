/**
 * Liveness and readiness. `/health` never touches the database; `/ready` runs `SELECT 1` through
 * the real driver and answers 503 when it cannot.
 *
 * Anyone may ask, so an anonymous caller learns only ok or not ok; the details (version,
 * environment, features and the studio's feature switches (FEATURE_*), database latency or the
 * reason it failed, and the database gate's permits: how many objects work against Postgres and
 * how many wait) need X-Admin-API-Key.
 *
 * `/ready`'s answer is kept for {@link READY_CACHE_MS} in module memory, per isolate, so a flood
 * of calls opens at most one database connection per isolate per window. Why not the Cache API:
 * it is a no-op on workers.dev and locally, it would cache an answer per data centre that some
 * isolates there never checked, and a caller's key must not be needed to read it. Concurrent
 * calls share the check in flight instead of each opening a connection.
 */
import { Hono, type Context } from "hono";
import { databaseGate } from "../../durable-objects/database-gate.ts";
import { enabledFeatures, featureSwitches, type AppConfig } from "../config.ts";
import { pingDatabase, type PingResult } from "../db/client.ts";
import { adminKeyGiven, HEADER } from "./admin/auth.ts";
import type { PermitSummary } from "../lib/permits.ts";
import type { AppEnv } from "./context.ts";

/** How long one readiness check answers for. */
export const READY_CACHE_MS = 5_000;

interface ReadyCheck {
  startedAt: number;
  result: Promise<PingResult>;
}

/** One check per database URL (tests run other URLs through the same isolate). */
const checks = new Map<string, ReadyCheck>();

/** The readiness check for `config` at `now`: the kept one while it is fresh, else a new one. */
function readiness(config: AppConfig, now: number, waitUntil: (p: Promise<unknown>) => void): { check: ReadyCheck; fresh: boolean } {
  const key = config.DATABASE_URL ?? "";
  const kept = checks.get(key);
  if (kept && now - kept.startedAt >= 0 && now - kept.startedAt < READY_CACHE_MS) return { check: kept, fresh: false };
  const check = { startedAt: now, result: pingDatabase(config) };
  checks.set(key, check);
  // The request that started the check keeps it alive for the callers sharing it.
  waitUntil(check.result);
  return { check, fresh: true };
}

const isAdmin = (c: Context<AppEnv>) => adminKeyGiven(c.req.header(HEADER), c.get("config").ADMIN_API_KEY);

/** How long the admin's `/ready` waits for the gate's numbers before leaving them out. */
const GATE_STATE_TIMEOUT_MS = 1_000;

/** The database gate's permits now, or null when the gate does not answer in time (never throws). */
async function gateState(env: AppEnv["Bindings"]): Promise<PermitSummary | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), GATE_STATE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([databaseGate(env).state(Date.now()), late]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

export const health = new Hono<AppEnv>()
  .get("/health", async (c) => {
    const config = c.get("config");
    c.header("Cache-Control", "no-store");
    if (!(await isAdmin(c))) return c.json({ ok: true });
    return c.json({ ok: true, service: "inkline", version: config.APP_VERSION, env: config.APP_ENV, features: enabledFeatures(config), switches: featureSwitches(config) });
  })
  .get("/ready", async (c) => {
    const now = Date.now();
    const { check, fresh } = readiness(c.get("config"), now, (p) => c.executionCtx.waitUntil(p));
    const result = await check.result;
    c.header("Cache-Control", "no-store");
    if (!result.ok && fresh) c.get("log").warn("ready.database_unreachable", { reason: result.reason });
    const status = result.ok ? 200 : 503;
    if (!(await isAdmin(c))) return c.json({ ok: result.ok }, status);
    const checked = { checked_ms_ago: Math.max(0, now - check.startedAt), cached: !fresh };
    const gate = await gateState(c.env);
    return result.ok
      ? c.json({ ok: true, database: { latency_ms: result.latencyMs, busy: result.busy === true, ...checked }, database_gate: gate }, status)
      : c.json({ ok: false, reason: result.reason, ...checked, database_gate: gate }, status);
  });
