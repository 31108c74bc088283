/**
 * The judgements behind `npm run deploy:check` (scripts/deploy-check.ts), kept free of processes
 * and files so they are tested directly: reading wrangler.toml's vars and required secrets, the
 * sample production configuration, the bundle size against the Workers limits, and comparing
 * generated type files.
 */
import { EnvSchema, parseConfig, productionRequired, requirementSwitches, type RequirementSwitches } from "../src/config.ts";

/** What a deploy takes from wrangler.toml: its `[vars]` and `[secrets] required`. */
export interface WranglerSettings {
  vars: Record<string, string>;
  requiredSecrets: string[];
}

/**
 * Reads `[vars]` (`KEY = "value"` lines) and `[secrets] required = [...]` out of wrangler.toml.
 * Only the subset of TOML our file uses: basic strings, which share JSON's escapes. A line in
 * `[vars]` it cannot read is an error rather than a silently missing variable.
 */
export function readWranglerSettings(toml: string): WranglerSettings {
  const vars: Record<string, string> = {};
  let section = "";
  for (const raw of toml.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[\[?([^\]]+)\]\]?$/.exec(line);
    if (header) {
      section = header[1] ?? "";
      continue;
    }
    if (section !== "vars") continue;
    const entry = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*")\s*(#.*)?$/.exec(line);
    if (!entry?.[1] || !entry[2]) throw new Error(`wrangler.toml [vars]: cannot read the line ${JSON.stringify(line)} (expected KEY = "value")`);
    vars[entry[1]] = JSON.parse(entry[2]) as string;
  }
  const secrets = /^\[secrets\][^[]*?^required\s*=\s*\[([^\]]*)\]/ms.exec(toml);
  const requiredSecrets = secrets?.[1] ? [...secrets[1].matchAll(/"([^"]+)"/g)].flatMap((m) => (m[1] ? [m[1]] : [])) : [];
  return { vars, requiredSecrets };
}

/** Settings that only the local stack or the demo uses: a production configuration names none of them. */
export const LOCAL_ONLY = ["DATABASE_WS_PROXY", "STRIPE_API_URL", "GOOGLE_TOKEN_URL", "GOOGLE_CALENDAR_API_URL", "GOOGLE_SHEETS_API_URL", "DEMO_CHAT_URL", "DEMO_MODE", "BENCH_MODE"] as const;

const ALL_ON: RequirementSwitches = { FEATURE_PAYMENTS: true, FEATURE_CALENDAR: true };

/**
 * Everything production must be given: wrangler.toml's required secrets (what every studio needs;
 * `wrangler deploy` refuses without them) and src/config.ts's production list for the features
 * switched on (Stripe's keys with FEATURE_PAYMENTS, the Google settings with FEATURE_CALENDAR).
 */
export function requiredInProduction(wrangler: WranglerSettings, switches: RequirementSwitches = ALL_ON): string[] {
  return [...new Set([...wrangler.requiredSecrets, ...productionRequired(switches)])];
}

/**
 * Problems with a sample production configuration (dotenv variables: secrets and per-studio
 * vars): every setting required with the sample's feature switches named with a value, no local-only setting, no name the Worker
 * does not know, APP_ENV=production, and the result (wrangler.toml's vars, the sample over them)
 * accepted by src/config.ts parseConfig. Problems name variables, never their values.
 */
export function checkProductionSample(sample: Record<string, string>, wrangler: WranglerSettings): string[] {
  const switches = requirementSwitches({ ...wrangler.vars, ...sample });
  const missing = requiredInProduction(wrangler, switches).filter((key) => (sample[key] ?? "").trim() === "");
  const problems = missing.map((key) => `${key}: required in production but missing from the sample`);
  for (const key of LOCAL_ONLY) {
    if (key in sample) problems.push(`${key}: local-only setting, leave it out of the production configuration`);
  }
  const known = new Set(Object.keys(EnvSchema.shape));
  for (const key of Object.keys(sample)) {
    if (!known.has(key)) problems.push(`${key}: not a setting the Worker reads (src/config.ts)`);
  }
  if (sample.APP_ENV !== "production") problems.push("APP_ENV: the sample must set APP_ENV=production");
  const parsed = parseConfig({ ...wrangler.vars, ...sample, APP_ENV: "production" });
  if (!parsed.ok) {
    // A missing (or blank) setting is reported once, above.
    problems.push(...parsed.problems.filter((p) => !missing.some((key) => p.startsWith(`${key}:`))));
  }
  return problems;
}

const MiB = 1024 * 1024;
/** Workers' size limits on the compressed upload (https://developers.cloudflare.com/workers/platform/limits/#worker-size). */
export const WORKER_SIZE_LIMITS = { free: 3 * MiB, paid: 10 * MiB } as const;

/** Which plan a compressed bundle of `gzipBytes` fits: "free" (and so paid too), "paid" only, or neither. */
export function planForSize(gzipBytes: number): "free" | "paid" | "too-large" {
  if (gzipBytes <= WORKER_SIZE_LIMITS.free) return "free";
  if (gzipBytes <= WORKER_SIZE_LIMITS.paid) return "paid";
  return "too-large";
}

/**
 * Compares the committed generated file with a fresh one, ignoring only a trailing newline; on a
 * difference, the first line that differs (1-based).
 */
export function firstDifference(committed: string, generated: string): number | null {
  const a = committed.replace(/\r?\n$/, "");
  const b = generated.replace(/\r?\n$/, "");
  if (a === b) return null;
  const left = a.split("\n");
  const right = b.split("\n");
  const at = left.findIndex((line, i) => line !== right[i]);
  return (at === -1 ? left.length : at) + 1;
}
