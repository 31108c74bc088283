/**
 * Bench probes for `npm run bench`: the baselines Inkline's figures are divided by. 404 unless
 * BENCH_MODE is on; BENCH_MODE is refused in production (src/config.ts).
 *
 * GET /_bench/do-write?object=NAME   one RPC to a BenchProbe DO that writes one SQLite row
 * GET /_bench/db-select?object=NAME  one `SELECT 1` from inside a BenchProbe DO with a kept pool
 * (The bare-route baseline is GET /health.)
 */
import { Hono } from "hono";
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
  });
