import { env, SELF, createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";

describe("GET /health", () => {
  it("answers without touching the database and lists enabled features", async () => {
    const res = await SELF.fetch("https://inkline.test/health");
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
  it("is 200 when SELECT 1 goes through the real driver", async () => {
    const res = await SELF.fetch("https://inkline.test/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it("is 503 with a reason when the database port is dead", async () => {
    const deadUrl = env.DATABASE_URL.replace(/:(\d+)\//, ":1/");
    const res = await worker.fetch(
      new Request("https://inkline.test/ready"),
      { ...env, DATABASE_URL: deadUrl },
      createExecutionContext(),
    );
    expect(res.status).toBe(503);
    const body = await res.json<{ ok: boolean; reason: string }>();
    expect(body.ok).toBe(false);
    expect(body.reason).toMatch(/database unreachable/);
  });
});
