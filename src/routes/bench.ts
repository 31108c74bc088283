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
 * POST /_bench/sheets {"create": n} | {"change": [leadId…], "label", "parallel"}
 *                                    `npm run bench -- --sheets-only` (bench/sheets.ts): n fresh
 *                                    leads; or one committed decision per lead (its name set to
 *                                    `label`) followed by its "sync lead X" kick, as the lead's object does
 * POST /_bench/holds {"artist", "mode", "count", "concurrent", "from"}
 *                                    `npm run bench` (bench/holds.ts): `count` fresh leads each ask the
 *                                    artist's ArtistCalendar object for a hold, one at a time or all
 *                                    at once: mode "distinct" gives each its own slot (MEDIUM, every
 *                                    6 h from `from`, never overlapping), mode "race" gives them all
 *                                    the same slot (one may win); mode "probe" is the same number of
 *                                    BenchProbe `SELECT 1` RPCs (DO RPC + one DB round trip), the
 *                                    baseline. Only the calls are timed, not the leads' creation.
 */
import { Hono } from "hono";
import { z } from "zod";
import { artistCalendar, type HoldAnswer } from "../../durable-objects/artist-calendar.ts";
import { BENCH_EVICTION_REASON } from "../../durable-objects/lead-conversation.ts";
import { toE164 } from "../domain/phone.ts";
import { toUserId } from "../domain/client-id.ts";
import type { AppEnv } from "./context.ts";
import { withDatabase } from "./database.ts";
import type { HoldsResult } from "../lib/bench-holds.ts";
import { changeBenchLeads, createBenchLeads } from "./bench-sheets.ts";

const OBJECT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Distinct slots: a MEDIUM session (4 h) every 6 h, so session plus buffer never overlap. */
const SLOT_STEP_MS = 6 * 3_600_000;
const SLOT_MS = 4 * 3_600_000;

const SheetsRequest = z.union([
  z.strictObject({ create: z.number().int().min(1).max(1000) }),
  z.strictObject({ change: z.array(z.uuid()).min(1).max(1000), label: z.string().min(1).max(100), parallel: z.number().int().min(1).max(50).default(10) }),
]);

const HoldsRequest = z.object({
  artist: z.uuid(),
  mode: z.enum(["distinct", "race", "probe"]),
  count: z.number().int().min(1).max(500),
  concurrent: z.boolean().default(false),
  /** The first slot's start (distinct) or the one slot (race); an hour from now unless given. */
  from: z.iso.datetime().optional(),
});

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
  .post("/holds", withDatabase, async (c) => {
    const body = HoldsRequest.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json({ error: "invalid_request", message: body.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") }, 400);
    const { artist, mode, count, concurrent } = body.data;
    const now = new Date();
    const from = body.data.from ? Date.parse(body.data.from) : now.getTime() + 3_600_000;
    const leadIds = mode === "probe" ? [] : (await createBenchLeads(c.get("db"), count)).leadIds;
    const probe = c.env.BENCH_PROBE.getByName(`holds-baseline-${artist}`);
    const calendar = artistCalendar(c.env, artist);
    const call = async (i: number): Promise<{ ms: number; answer: HoldAnswer | null }> => {
      const started = Date.now();
      if (mode === "probe") {
        await probe.selectOne();
        return { ms: Date.now() - started, answer: null };
      }
      const start = mode === "race" ? from : from + i * SLOT_STEP_MS;
      const answer = (await calendar.hold({
        leadId: leadIds[i] ?? "",
        start: new Date(start),
        end: new Date(start + SLOT_MS),
        size: { category: "MEDIUM" },
        now,
      })) as unknown as HoldAnswer;
      return { ms: Date.now() - started, answer };
    };
    const indices = Array.from({ length: count }, (_, i) => i);
    const started = Date.now();
    let settled: PromiseSettledResult<{ ms: number; answer: HoldAnswer | null }>[];
    if (concurrent) settled = await Promise.allSettled(indices.map(call));
    else {
      settled = [];
      for (const i of indices) settled.push(...(await Promise.allSettled([call(i)])));
    }
    const totalMs = Date.now() - started;
    const result: HoldsResult = { ok: true, mode, count, concurrent, totalMs, callMs: [], held: 0, refused: {}, errors: [] };
    for (const s of settled) {
      if (s.status === "rejected") {
        result.errors.push(String(s.reason));
        continue;
      }
      result.callMs.push(s.value.ms);
      const answer = s.value.answer;
      if (!answer) continue;
      if (answer.ok) result.held++;
      else result.refused[answer.reason] = (result.refused[answer.reason] ?? 0) + 1;
    }
    return c.json(result);
  })
  .post("/sheets", withDatabase, async (c) => {
    const body = SheetsRequest.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json({ error: "invalid_request", message: body.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") }, 400);
    if ("create" in body.data) return c.json(await createBenchLeads(c.get("db"), body.data.create));
    return c.json(await changeBenchLeads(c.get("db"), c.env.JOBS, body.data.change, body.data.label, body.data.parallel));
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
