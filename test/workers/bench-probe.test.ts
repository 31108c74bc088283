import { env, SELF, createExecutionContext, runDurableObjectAlarm, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { defaultAvailability } from "../../src/domain/availability.ts";
import type { HoldsResult } from "../../src/lib/bench-holds.ts";
import { sql } from "../support/workers/db.ts";
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

  it("hold distinct slots through an artist's calendar object, one at a time and all at once, and race one slot: one hold", async () => {
    const handle = `bench-${crypto.randomUUID().slice(0, 8)}`;
    const rows = await sql<{ id: string }>("INSERT INTO artists (handle, name, time_zone, availability) VALUES ($1, 'Bench', 'Europe/London', $2) RETURNING id", [
      handle,
      JSON.stringify(defaultAvailability("Europe/London")),
    ]);
    const artist = rows[0]?.id ?? "";
    const holds = async (body: Record<string, unknown>) => {
      const res = await SELF.fetch("https://inkline.test/_bench/holds", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ artist, ...body }) });
      expect(res.status).toBe(200);
      return res.json<HoldsResult>();
    };
    const sequential = await holds({ mode: "distinct", count: 3, from: "2027-09-01T09:00:00Z" });
    expect(sequential).toMatchObject({ ok: true, held: 3, refused: {}, errors: [] });
    expect(sequential.callMs).toHaveLength(3);
    const concurrent = await holds({ mode: "distinct", count: 3, concurrent: true, from: "2027-10-01T09:00:00Z" });
    expect(concurrent).toMatchObject({ held: 3, refused: {}, errors: [] });
    const race = await holds({ mode: "race", count: 5, concurrent: true, from: "2027-11-01T09:00:00Z" });
    expect(race).toMatchObject({ held: 1, refused: { slot_taken: 4 }, errors: [] });
    const probe = await holds({ mode: "probe", count: 2 });
    expect(probe).toMatchObject({ held: 0, errors: [] });
    expect(probe.callMs).toHaveLength(2);
    const booked = await sql<{ n: string }>("SELECT count(*)::text AS n FROM bookings WHERE artist_id = $1 AND status = 'HELD'", [artist]);
    expect(booked[0]?.n).toBe("7");
  });

  it("refuse a holds request without an artist id", async () => {
    const res = await SELF.fetch("https://inkline.test/_bench/holds", { method: "POST", body: JSON.stringify({ mode: "distinct", count: 1 }) });
    expect(res.status).toBe(400);
  });

  it("do not exist unless BENCH_MODE is on", async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("https://inkline.test/_bench/do-write"), { ...env, BENCH_MODE: "false" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(404);
    const holds = await worker.fetch(
      new Request("https://inkline.test/_bench/holds", { method: "POST", body: JSON.stringify({ artist: crypto.randomUUID(), mode: "distinct", count: 1 }) }),
      { ...env, BENCH_MODE: "false" },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(holds.status).toBe(404);
  });
});
