/**
 * GET /admin/funnel?days=: leads entering each stage in the period and the conversion between
 * them, and the drop-off per consultation question (`questions`: stalled, repaired, handed over).
 */
import { Hono } from "hono";
import { enteredStatuses, questionDropOff } from "../../db/admin-store.ts";
import { buildDropOff, buildFunnel, STALLED_AFTER_MS } from "../../domain/funnel.ts";
import type { AdminEnv } from "./context.ts";
import { FunnelQuery } from "./schemas.ts";
import { valid } from "./validate.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

export const adminFunnel = new Hono<AdminEnv>().get("/", valid("query", FunnelQuery), async (c) => {
  const { days } = c.req.valid("query");
  const now = Date.now();
  const since = new Date(now - days * DAY_MS);
  const db = c.get("db");
  const [entered, dropOff] = await Promise.all([enteredStatuses(db, since), questionDropOff(db, since, new Date(now - STALLED_AFTER_MS))]);
  return c.json({ days, since: since.toISOString(), ...buildFunnel(entered), questions: buildDropOff(dropOff) });
});
