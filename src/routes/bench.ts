/**
 * Bench probes for `npm run bench`: the baselines Inkline's figures are divided by. 404 unless
 * BENCH_MODE is on; BENCH_MODE is refused in production (src/config.ts).
 *
 * GET /_bench/do-write?object=NAME   one RPC to a BenchProbe DO that writes one SQLite row
 * GET /_bench/db-select?object=NAME  one `SELECT 1` from inside a BenchProbe DO with a kept pool
 * (The bare-route baseline is GET /health.)
 * POST /_bench/evict?phone=E164      `npm run chaos`: resets that number's LeadConversation as an
 *                                    eviction or crash would (memory and in-flight work gone)
 * POST /_bench/jobs {"jobs": [...]}  `npm run chaos`: puts jobs on the jobs queue as they are (a
 *                                    redelivery, or a poison message: the consumer validates them)
 */
import { Hono } from "hono";
import { z } from "zod";
import { BENCH_EVICTION_REASON } from "../../durable-objects/lead-conversation.ts";
import { toE164 } from "../domain/phone.ts";
import { toUserId } from "../domain/client-id.ts";
import type { AppEnv } from "./context.ts";

const OBJECT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function objectName(raw: string | undefined): string {
  return raw !== undefined && OBJECT_NAME.test(raw) ? raw : "probe";
}

export const bench = new Hono<AppEnv>()
  .use("*", async (c, next) => {
    if (!c.get("config").BENCH_MODE) return c.json({ error: "not_found", path: new URL(c.req.url).pathname }, 404);
    await next();
  })
  .get("/do-write", async (c) => {
    const result = await c.env.BENCH_PROBE.getByName(objectName(c.req.query("object"))).write();
    return c.json({ ok: true, ...result });
  })
  .get("/db-select", async (c) => {
    const result = await c.env.BENCH_PROBE.getByName(objectName(c.req.query("object"))).selectOne();
    return c.json({ ok: true, db_ms: result.dbMs });
  })
  .post("/jobs", async (c) => {
    const body = z.object({ jobs: z.array(z.unknown()).min(1).max(100) }).safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json({ error: "invalid_request", field: "jobs", message: "a JSON object with 1 to 100 jobs" }, 400);
    await c.env.JOBS.sendBatch(body.data.jobs.map((job) => ({ body: job, contentType: "json" as const })));
    return c.json({ ok: true, sent: body.data.jobs.length });
  })
  .post("/evict", async (c) => {
    // An object is named by a number, or by a BSUID for a client who shares none.
    const raw = c.req.query("phone") ?? "";
    const phone = toE164(raw) ?? toUserId(raw);
    if (!phone) return c.json({ error: "invalid_phone" }, 400);
    // The reset rejects the call that caused it; anything else is a real failure.
    const outcome = await c.env.LEAD_CONVERSATION.getByName(phone)
      .evictForBench()
      .then(
        () => "not_reset",
        (error: unknown) => (String(error).includes(BENCH_EVICTION_REASON) ? "reset" : String(error)),
      );
    return outcome === "reset" ? c.json({ ok: true, evicted: phone }) : c.json({ error: "not_evicted", detail: outcome }, 500);
  });
