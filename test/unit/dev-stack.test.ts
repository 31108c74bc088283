import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cronsFromWranglerToml, parseCron } from "../../dev/cron.ts";
import { assertPortFree, freePort, PortInUseError } from "../../dev/ports.ts";
import { parseDotenv, resolveVars, toDotenv } from "../../dev/vars.ts";

describe("cron matcher", () => {
  it("fires */5 on every fifth minute only", () => {
    const cron = parseCron("*/5 * * * *");
    expect(cron?.matches(new Date("2026-11-21T10:05:00Z"))).toBe(true);
    expect(cron?.matches(new Date("2026-11-21T10:06:00Z"))).toBe(false);
  });

  it("understands ranges, lists and weekdays", () => {
    const cron = parseCron("0 9-17 * * 1-5");
    expect(cron?.matches(new Date("2026-11-23T09:00:00Z"))).toBe(true); // Monday
    expect(cron?.matches(new Date("2026-11-22T09:00:00Z"))).toBe(false); // Sunday
    expect(parseCron("0 8,20 * * *")?.matches(new Date("2026-11-21T20:00:00Z"))).toBe(true);
  });

  it("rejects what it does not understand", () => {
    expect(parseCron("* * *")).toBeNull();
    expect(parseCron("61 * * * *")).toBeNull();
    expect(parseCron("*/0 * * * *")).toBeNull();
  });

  it("reads the crons out of wrangler.toml", () => {
    expect(cronsFromWranglerToml('[triggers]\ncrons = ["*/5 * * * *", "0 3 * * *"]\n')).toEqual(["*/5 * * * *", "0 3 * * *"]);
  });
});

describe("dev variables", () => {
  it("lets the environment win over .dev.vars, and .dev.vars over defaults", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "inkline-vars-"));
    try {
      const file = path.join(dir, ".dev.vars");
      writeFileSync(file, '# comment\nWHATSAPP_GRAPH_URL="http://file"\nEXTRA=1\nADMIN_API_KEY=from-file\n');
      const { vars, source } = resolveVars(
        { WHATSAPP_GRAPH_URL: "http://default", ADMIN_API_KEY: "default", DEMO_MODE: "true" },
        file,
        { ADMIN_API_KEY: "from-env" },
      );
      expect(vars).toEqual({ WHATSAPP_GRAPH_URL: "http://file", ADMIN_API_KEY: "from-env", DEMO_MODE: "true", EXTRA: "1" });
      expect(source).toMatchObject({ WHATSAPP_GRAPH_URL: ".dev.vars", ADMIN_API_KEY: "environment", DEMO_MODE: "default" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("round-trips values with spaces, # and newlines through the env file format", () => {
    const vars = { A: "postgres://u:p@127.0.0.1:5/db?x=1#frag", B: "line1\nline2", C: "", D: '{"private_key":"-----BEGIN PRIVATE KEY-----\\nMII\\n"}' };
    expect(parseDotenv(toDotenv(vars))).toEqual(vars);
  });

  it("refuses a value dotenv cannot carry, naming the variable", () => {
    expect(() => toDotenv({ ARTIST_NAME: `Mara "Ink" O'Neil` })).toThrow(/ARTIST_NAME/);
    expect(() => toDotenv({ ARTIST_NAME: 'Mara "Ink"\nsecond line' })).toThrow(/ARTIST_NAME/);
  });
});

describe("ports", () => {
  it("says which variable to change when a port is taken", async () => {
    const port = await freePort();
    const server = net.createServer().listen(port, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    try {
      await expect(assertPortFree(port, "INKLINE_PORT")).rejects.toThrow(PortInUseError);
      await expect(assertPortFree(port, "INKLINE_PORT")).rejects.toThrow(/set INKLINE_PORT/);
    } finally {
      server.close();
    }
    await expect(assertPortFree(port, "INKLINE_PORT")).resolves.toBeUndefined();
  });
});
