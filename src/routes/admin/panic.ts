/**
 * GET /admin/panic: the panic switch (on, since when, why, who flipped it) and the leads that wrote
 * while it was on. POST /admin/panic {on, reason?} flips it; every lead's object sees the flip
 * within PANIC_CACHE_MS (src/db/settings-store.ts).
 */
import { Hono } from "hono";
import { heldLeadsSince, readPanic, setPanic, type HeldLead, type PanicSetting } from "../../db/settings-store.ts";
import type { AdminEnv } from "./context.ts";
import { PanicBody } from "./schemas.ts";
import { valid } from "./validate.ts";

function panicJson(panic: PanicSetting, held: readonly HeldLead[]) {
  return {
    on: panic.on,
    since: panic.since?.toISOString() ?? null,
    reason: panic.reason,
    updated_at: panic.updatedAt?.toISOString() ?? null,
    updated_by: panic.updatedBy,
    held_leads: held.map((h) => ({ lead_id: h.leadId, name: h.displayName, phone: h.phoneE164, status: h.status, held: h.held, last_held_at: h.lastHeldAt.toISOString() })),
  };
}

export const adminPanic = new Hono<AdminEnv>()
  .get("/", async (c) => {
    const db = c.get("db");
    const panic = await readPanic(db);
    return c.json(panicJson(panic, panic.since ? await heldLeadsSince(db, panic.since) : []));
  })
  .post("/", valid("json", PanicBody), async (c) => {
    const { on, reason } = c.req.valid("json");
    const db = c.get("db");
    const panic = await setPanic(db, { on, reason: reason ?? null, by: "admin_api", now: new Date() });
    return c.json(panicJson(panic, panic.since ? await heldLeadsSince(db, panic.since) : []));
  });
