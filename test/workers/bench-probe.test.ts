import { env, SELF, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";

describe("bench probes (/_bench/*)", () => {
  it("write one row in a Durable Object when BENCH_MODE is on", async () => {
    const res = await SELF.fetch("https://inkline.test/_bench/do-write?object=probe-test-1");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, rows: 1 });
  });

  it("run SELECT 1 from a Durable Object over its kept pool", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await SELF.fetch("https://inkline.test/_bench/db-select?object=probe-test-2");
      expect(res.status).toBe(200);
      const body = await res.json<{ ok: boolean; db_ms: number }>();
      expect(body.ok).toBe(true);
      expect(body.db_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it("do not exist unless BENCH_MODE is on", async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("https://inkline.test/_bench/do-write"), { ...env, BENCH_MODE: "false" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(404);
  });
});
