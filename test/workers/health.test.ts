import { env, SELF, createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { ADMIN_KEY } from "../support/workers/artist.ts";
import { proxyStats, setDatabasePaused } from "../support/workers/db.ts";

const asAdmin = { headers: { "X-Admin-API-Key": ADMIN_KEY } };
/** The test database under another URL: /ready keeps one check per URL, so each test starts its own. */
const withAppName = (name: string) => `${env.DATABASE_URL}${env.DATABASE_URL.includes("?") ? "&" : "?"}application_name=${name}`;

describe("GET /health", () => {
  it("tells an anonymous caller only that it is up", async () => {
    const res = await SELF.fetch("https://inkline.test/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it.each([
    ["a wrong key", "not-the-admin-key-0123456789"],
    ["an empty key", ""],
  ])("%s gets no details either", async (_label, key) => {
    const res = await SELF.fetch("https://inkline.test/health", { headers: { "X-Admin-API-Key": key } });
    expect(await res.json()).toEqual({ ok: true });
  });

  it("lists version and enabled features to the admin, without touching the database", async () => {
    const res = await SELF.fetch("https://inkline.test/health", asAdmin);
    expect(res.status).toBe(200);
    const body = await res.json<{ ok: boolean; features: Record<string, boolean> }>();
    expect(body.ok).toBe(true);
    expect(body.features).toMatchObject({ database: true, whatsapp: true, stripe: true, demoMode: false });
  });

  it("echoes a caller's correlation id and generates one otherwise", async () => {
    const given = await SELF.fetch("https://inkline.test/health", { headers: { "X-Correlation-ID": "corr-123" } });
    expect(given.headers.get("X-Correlation-ID")).toBe("corr-123");
    const generated = await SELF.fetch("https://inkline.test/health");
    expect(generated.headers.get("X-Correlation-ID")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("GET /ready", () => {
  it("is 200 when SELECT 1 goes through the real driver; the latency is for the admin only", async () => {
    const res = await SELF.fetch("https://inkline.test/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const admin = await SELF.fetch("https://inkline.test/ready", asAdmin);
    const details = await admin.json<{ ok: boolean; database: { latency_ms: number } }>();
    expect(details.ok).toBe(true);
    expect(typeof details.database.latency_ms).toBe("number");
  });

  it("a flood of anonymous calls opens at most one database connection per window", async () => {
    // Another URL for the same database: a check of its own, started by this test.
    const flooded = { ...env, DATABASE_URL: withAppName("ready-flood") };
    const connections = (await proxyStats()).connections;
    const ready = async (): Promise<Response> => worker.fetch(new Request("https://inkline.test/ready"), flooded, createExecutionContext());
    const answers = await Promise.all(Array.from({ length: 10 }, ready));
    for (let i = 0; i < 10; i++) answers.push(await ready());
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect((await proxyStats()).connections - connections).toBe(1);
  });

  it("keeps its answer for a few seconds, even when the database goes away meanwhile", async () => {
    const kept = { ...env, DATABASE_URL: withAppName("ready-kept") };
    const ready = () => worker.fetch(new Request("https://inkline.test/ready", asAdmin), kept, createExecutionContext());
    expect((await ready()).status).toBe(200);
    await setDatabasePaused(true);
    try {
      const cached = await ready();
      expect(cached.status).toBe(200);
      expect(await cached.json()).toMatchObject({ ok: true, database: { cached: true } });
    } finally {
      await setDatabasePaused(false);
    }
  });

  it("is 503 when the database port is dead; the reason is for the admin only", async () => {
    const deadUrl = env.DATABASE_URL.replace(/:(\d+)\//, ":1/");
    const dead = { ...env, DATABASE_URL: deadUrl };
    const res = await worker.fetch(new Request("https://inkline.test/ready"), dead, createExecutionContext());
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false });
    const admin = await worker.fetch(new Request("https://inkline.test/ready", asAdmin), dead, createExecutionContext());
    expect(admin.status).toBe(503);
    const body = await admin.json<{ ok: boolean; reason: string }>();
    expect(body.ok).toBe(false);
    expect(body.reason).toMatch(/database unreachable/);
  });
});

describe("a misconfigured production deployment", () => {
  const KEY = "a-production-admin-key-0123456789abcdef";
  const broken = () => ({ ...env, APP_ENV: "production", ADMIN_API_KEY: KEY, DEMO_MODE: "true" });

  it("answers anyone 503 without its internals", async () => {
    const res = await worker.fetch(new Request("https://inkline.test/health"), broken(), createExecutionContext());
    expect(res.status).toBe(503);
    const body = await res.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(["correlation_id", "error"]);
    expect(body.error).toBe("misconfigured");
  });

  it("lists every problem to a caller with the admin key", async () => {
    const res = await worker.fetch(new Request("https://inkline.test/health", { headers: { "X-Admin-API-Key": KEY } }), broken(), createExecutionContext());
    expect(res.status).toBe(503);
    const body = await res.json<{ problems: string[] }>();
    expect(body.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^DEMO_MODE/), expect.stringMatching(/^STRIPE_API_URL/)]));
  });
});
