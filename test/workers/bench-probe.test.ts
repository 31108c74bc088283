import { env, SELF, createExecutionContext, runDurableObjectAlarm, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { setDatabasePaused } from "../support/workers/db.ts";
import { clientSends, settle, textsTo, uniquePhone } from "../support/workers/whatsapp.ts";

afterEach(() => setDatabasePaused(false));

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

  it("reset a lead's object like an eviction: memory gone, its inbox and alarm kept, the drain resumes", async () => {
    const phone = uniquePhone();
    await setDatabasePaused(true);
    await clientSends({ from: phone, text: "hi" });
    await settle(phone);
    const res = await SELF.fetch(`https://inkline.test/_bench/evict?phone=${encodeURIComponent(phone)}`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, evicted: phone });
    const state = await env.LEAD_CONVERSATION.getByName(phone).debugState();
    expect(state).toMatchObject({ leadId: null, inbox: [expect.objectContaining({ attempts: 1 })] });
    expect(state.alarm).not.toBeNull();
    await setDatabasePaused(false);
    await runDurableObjectAlarm(env.LEAD_CONVERSATION.getByName(phone));
    expect(await textsTo(phone)).toHaveLength(2);
  });

  it("refuse to reset anything but a phone number", async () => {
    const res = await SELF.fetch("https://inkline.test/_bench/evict?phone=probe", { method: "POST" });
    expect(res.status).toBe(400);
  });

  it("do not exist unless BENCH_MODE is on", async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("https://inkline.test/_bench/do-write"), { ...env, BENCH_MODE: "false" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(404);
  });
});
