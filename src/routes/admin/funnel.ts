/** GET /admin/funnel?days=: leads entering each stage in the period and the conversion between them. */
import { Hono } from "hono";
import { enteredStatuses } from "../../db/admin-store.ts";
import { buildFunnel } from "../../domain/funnel.ts";
import type { AdminEnv } from "./context.ts";
import { FunnelQuery } from "./schemas.ts";
import { valid } from "./validate.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

export const adminFunnel = new Hono<AdminEnv>().get("/", valid("query", FunnelQuery), async (c) => {
  const { days } = c.req.valid("query");
  const since = new Date(Date.now() - days * DAY_MS);
  const funnel = buildFunnel(await enteredStatuses(c.get("db"), since));
  return c.json({ days, since: since.toISOString(), ...funnel });
});
