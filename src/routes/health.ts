/**
 * Liveness and readiness. `/health` never touches the database; `/ready` runs `SELECT 1` through
 * the real driver and answers 503 with the reason when it cannot.
 */
import { Hono } from "hono";
import { enabledFeatures } from "../config.ts";
import { pingDatabase } from "../db/client.ts";
import type { AppEnv } from "./context.ts";

export const health = new Hono<AppEnv>()
  .get("/health", (c) => {
    const config = c.get("config");
    return c.json({ ok: true, service: "inkline", version: config.APP_VERSION, env: config.APP_ENV, features: enabledFeatures(config) });
  })
  .get("/ready", async (c) => {
    const result = await pingDatabase(c.get("config"));
    if (!result.ok) {
      c.get("log").warn("ready.database_unreachable", { reason: result.reason });
      return c.json({ ok: false, reason: result.reason }, 503);
    }
    return c.json({ ok: true, database: { latency_ms: result.latencyMs } });
  });
