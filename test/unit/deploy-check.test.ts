/**
 * `npm run deploy:check` (issue 12 item 5): the sample production configuration is judged as
 * production would judge it, and a missing secret fails the script, naming the secret.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDotenv } from "../../dev/vars.ts";
import { localWranglerToml } from "../../dev/wrangler-config.ts";
import { parseConfig, productionRequired, requirementSwitches } from "../../src/config.ts";
import {
  checkProductionSample,
  firstDifference,
  planForSize,
  readWranglerSettings,
  requiredInProduction,
  WORKER_SIZE_LIMITS,
} from "../../scripts/deploy-checks.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SAMPLE_FILE = path.join(ROOT, "deploy/production.sample.vars");
const sample = parseDotenv(readFileSync(SAMPLE_FILE, "utf8"));
const wrangler = readWranglerSettings(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8"));

describe("the sample production configuration", () => {
  it("is accepted: every required secret named, nothing local-only", () => {
    expect(checkProductionSample(sample, wrangler)).toEqual([]);
  });

  it("requires wrangler.toml's secrets and src/config.ts's production settings", () => {
    expect(wrangler.requiredSecrets).toContain("WHATSAPP_VERIFY_TOKEN");
    expect(requiredInProduction(wrangler)).toEqual(expect.arrayContaining(["WHATSAPP_VERIFY_TOKEN", "STRIPE_WEBHOOK_SECRET", "PUBLIC_BASE_URL"]));
  });

  it.each(requiredInProduction(readWranglerSettings(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8"))))(
    "fails without %s, naming it once",
    (key) => {
      const { [key]: _left, ...rest } = sample;
      expect(checkProductionSample(rest, wrangler)).toEqual([`${key}: required in production but missing from the sample`]);
      expect(checkProductionSample({ ...sample, [key]: " " }, wrangler)).toEqual([`${key}: required in production but missing from the sample`]);
    },
  );

  it("fails on a local-only setting, an unknown name, or another APP_ENV", () => {
    expect(checkProductionSample({ ...sample, DATABASE_WS_PROXY: "127.0.0.1:54330/v1" }, wrangler)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^DATABASE_WS_PROXY: local-only setting/)]),
    );
    expect(checkProductionSample({ ...sample, DEMO_CHAT_URL: "" }, wrangler)).toEqual([expect.stringMatching(/^DEMO_CHAT_URL: local-only setting/)]);
    expect(checkProductionSample({ ...sample, STRIPE_WEBHOOK_SECRT: "x" }, wrangler)).toEqual([expect.stringMatching(/^STRIPE_WEBHOOK_SECRT: not a setting/)]);
    expect(checkProductionSample({ ...sample, APP_ENV: "development" }, wrangler)).toEqual([expect.stringMatching(/^APP_ENV: the sample must set APP_ENV=production/)]);
  });

  it("fails where src/config.ts would refuse production, naming the variable and not its value", () => {
    const direct = "postgres://u:s3cret@ep-x-1.eu-central-1.aws.neon.tech/db";
    const problems = checkProductionSample({ ...sample, DATABASE_URL: direct }, wrangler);
    expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL: production must use Neon's pooled endpoint/)]);
    expect(problems.join(" ")).not.toContain("s3cret");
  });
});

describe("wrangler.toml, sizes and generated files", () => {
  it("reads [vars] and refuses a vars line it cannot read", () => {
    expect(wrangler.vars).toMatchObject({ APP_ENV: "development", WHATSAPP_API_VERSION: "v23.0", TOUR_SCHEDULE: "[]" });
    expect(() => readWranglerSettings("[vars]\nREPLY_DAYS = 3\n")).toThrow(/REPLY_DAYS/);
  });

  it("places a compressed size against the Free (3 MiB) and Paid (10 MiB) limits", () => {
    expect(planForSize(WORKER_SIZE_LIMITS.free)).toBe("free");
    expect(planForSize(WORKER_SIZE_LIMITS.free + 1)).toBe("paid");
    expect(planForSize(WORKER_SIZE_LIMITS.paid)).toBe("paid");
    expect(planForSize(WORKER_SIZE_LIMITS.paid + 1)).toBe("too-large");
  });

  it("compares generated files ignoring only a trailing newline", () => {
    expect(firstDifference("a\nb\n", "a\nb")).toBeNull();
    expect(firstDifference("a\nb", "a\nB")).toBe(2);
    expect(firstDifference("a\nb\n\n", "a\nb")).toBe(3);
    expect(firstDifference("a ", "a")).toBe(1);
  });
});

describe("npm run deploy:check", () => {
  it("exits 1 on a sample production config missing a secret, naming the secret and printing no value", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "inkline-deploy-check-"));
    try {
      const file = path.join(dir, "production.vars");
      writeFileSync(file, readFileSync(SAMPLE_FILE, "utf8").replace(/^STRIPE_WEBHOOK_SECRET=.*$/m, ""));
      const run = spawnSync(
        process.execPath,
        ["--experimental-strip-types", "--disable-warning=ExperimentalWarning", "scripts/deploy-check.ts", "--only", "config", "--sample", file],
        { cwd: ROOT, encoding: "utf8" },
      );
      const output = `${run.stdout}${run.stderr}`;
      expect(output).toMatch(/FAIL config: .* would not serve in production/);
      expect(output).toContain("STRIPE_WEBHOOK_SECRET: required in production but missing from the sample");
      for (const [key, value] of Object.entries(sample)) {
        if (key.includes("SECRET") || key.includes("TOKEN") || key.includes("KEY") || key === "DATABASE_URL") expect(output).not.toContain(value);
      }
      expect(run.status, output).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("secrets by feature (a studio is asked only for the secrets of the features it runs)", () => {
  const without = (...keys: string[]) => Object.fromEntries(Object.entries(sample).filter(([key]) => !keys.includes(key)));

  it("wrangler.toml requires only what every studio needs; the features' secrets are not in it", () => {
    expect(wrangler.requiredSecrets).toEqual(expect.arrayContaining(["ADMIN_API_KEY", "DATABASE_URL", "WHATSAPP_APP_SECRET"]));
    for (const key of ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "GOOGLE_SERVICE_ACCOUNT_JSON"]) expect(wrangler.requiredSecrets).not.toContain(key);
  });

  it("payments off: no Stripe keys needed; calendar off: no Google settings; both on: all of them", () => {
    expect(checkProductionSample({ ...without("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"), FEATURE_PAYMENTS: "false" }, wrangler)).toEqual([]);
    expect(checkProductionSample({ ...without("GOOGLE_SERVICE_ACCOUNT_JSON", "GOOGLE_CALENDAR_ID"), FEATURE_CALENDAR: "false" }, wrangler)).toEqual([]);
    expect(checkProductionSample(without("STRIPE_SECRET_KEY"), wrangler)).toEqual(["STRIPE_SECRET_KEY: required in production but missing from the sample"]);
    expect(checkProductionSample({ ...without("GOOGLE_SERVICE_ACCOUNT_JSON"), FEATURE_PAYMENTS: "false" }, wrangler)).toEqual([
      "GOOGLE_SERVICE_ACCOUNT_JSON: required in production but missing from the sample",
    ]);
  });

  it("the features' secrets are still refused when missing while the feature is on, as production would", () => {
    const vars = { ...wrangler.vars, ...without("STRIPE_WEBHOOK_SECRET"), APP_ENV: "production" };
    expect(parseConfig(vars)).toEqual({ ok: false, problems: ["STRIPE_WEBHOOK_SECRET: required in production but not set"] });
    expect(parseConfig({ ...vars, FEATURE_PAYMENTS: "false" })).toMatchObject({ ok: true });
    expect(productionRequired(requirementSwitches({ FEATURE_CALENDAR: "no" }))).not.toContain("GOOGLE_CALENDAR_ID");
    expect(productionRequired(requirementSwitches({}))).toEqual(expect.arrayContaining(["GOOGLE_CALENDAR_ID", "STRIPE_SECRET_KEY"]));
  });

  it("the local stack's copy of wrangler.toml names the features' secrets too (wrangler dev loads only named ones)", () => {
    const local = readWranglerSettings(localWranglerToml(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")));
    expect([...local.requiredSecrets].sort()).toEqual([...wrangler.requiredSecrets, "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "GOOGLE_SERVICE_ACCOUNT_JSON"].sort());
    expect(local.vars).toEqual(wrangler.vars);
    expect(localWranglerToml('[vars]\nA = "1"\n[secrets]\nrequired = [\n  "X",\n]\n', ["X", "A", "Y"])).toBe('[vars]\nA = "1"\n[secrets]\nrequired = [\n  # Added for the local stack (dev/wrangler-config.ts).\n  "Y",\n  "X",\n]\n');
    expect(() => localWranglerToml('[vars]\nA = "1"\n', ["Y"])).toThrow(/no \[secrets\] required/);
  });
});
