/** GET /admin/events?type=&lead_id=&before=&limit=: the system event log, newest first. */
import { Hono } from "hono";
import { listEvents } from "../../db/admin-store.ts";
import type { AdminEnv } from "./context.ts";
import { EventsQuery } from "./schemas.ts";
import { snakeAll } from "./json.ts";
import { valid } from "./validate.ts";

export const adminEvents = new Hono<AdminEnv>().get("/", valid("query", EventsQuery), async (c) => {
  const query = c.req.valid("query");
  const events = await listEvents(c.get("db"), { type: query.type, leadId: query.lead_id, before: query.before, limit: query.limit });
  const last = events.at(-1);
  return c.json({ events: snakeAll(events), next_before: events.length === query.limit && last ? last.id : null });
});
