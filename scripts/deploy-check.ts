/**
 * `npm run deploy:check`: what can be known about a deploy before it goes out, without a
 * Cloudflare account. Exits 1 when any check fails; CI runs it (.ci/run).
 *
 * - config: the sample production configuration (deploy/production.sample.vars, or --sample FILE)
 *   names every required secret, no local-only setting, and passes src/config.ts as production.
 * - types: the committed worker-configuration.d.ts is what `npm run types` makes of wrangler.toml
 *   (generated in a scratch folder with the same flags, so a local .dev.vars does not count).
 * - bundle: `wrangler deploy --dry-run --outdir` and its size, gzip-compressed, against the Workers
 *   limits (3 MiB on Free, 10 MiB on Paid).
 *
 * `--only config,types,bundle` runs some of them; `--record` writes the bundle size into
 * BENCHMARKS.md between its deploy-size markers. Prints variable names, never values.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { parseDotenv } from "../dev/vars.ts";
import { checkProductionSample, firstDifference, planForSize, readWranglerSettings, WORKER_SIZE_LIMITS } from "./deploy-checks.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const CHECKS = ["config", "types", "bundle"] as const;
type Check = (typeof CHECKS)[number];
type Outcome = { ok: boolean; lines: string[] };

const { values } = parseArgs({
  options: {
    sample: { type: "string", default: path.join(ROOT, "deploy/production.sample.vars") },
    only: { type: "string", default: CHECKS.join(",") },
    record: { type: "boolean", default: false },
  },
});

/** Runs wrangler with this Node (wrangler needs 22; the system's may be older). */
function wrangler(args: string[], cwd: string): { ok: boolean; output: string } {
  const run = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" },
  });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

function checkConfig(): Outcome {
  const file = path.relative(ROOT, path.resolve(values.sample)) || values.sample;
  let text: string;
  try {
    text = readFileSync(values.sample, "utf8");
  } catch {
    return { ok: false, lines: [`${file}: cannot be read`] };
  }
  const problems = checkProductionSample(parseDotenv(text), readWranglerSettings(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")));
  if (problems.length === 0) return { ok: true, lines: [`${file} is a valid production configuration (every required secret named)`] };
  return { ok: false, lines: [`${file} would not serve in production:`, ...problems.map((p) => `  ${p}`)] };
}

function checkTypes(): Outcome {
  const script = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.types ?? "";
  const [command, ...args] = script.split(/\s+/);
  const target = args.at(-1);
  if (command !== "wrangler" || !target?.endsWith(".d.ts")) return { ok: false, lines: [`package.json "types" is not "wrangler types … FILE.d.ts": ${script}`] };
  // wrangler.toml alone in a scratch folder (main resolved through a link to src/), so the
  // generated file names the same relative paths and no local .dev.vars leaks into it.
  const scratch = mkdtempSync(path.join(os.tmpdir(), "inkline-types-"));
  try {
    copyFileSync(path.join(ROOT, "wrangler.toml"), path.join(scratch, "wrangler.toml"));
    for (const link of ["src", "node_modules"]) symlinkSync(path.join(ROOT, link), path.join(scratch, link));
    const run = wrangler(args, scratch);
    if (!run.ok) return { ok: false, lines: [`wrangler ${args.join(" ")} failed:`, run.output] };
    const line = firstDifference(readFileSync(path.join(ROOT, target), "utf8"), readFileSync(path.join(scratch, target), "utf8"));
    if (line === null) return { ok: true, lines: [`${target} matches wrangler.toml`] };
    return { ok: false, lines: [`${target} does not match wrangler.toml (first difference at line ${line}): run npm run types and commit it`] };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function checkBundle(): Outcome {
  const outdir = mkdtempSync(path.join(os.tmpdir(), "inkline-bundle-"));
  try {
    const run = wrangler(["deploy", "--dry-run", "--outdir", outdir], ROOT);
    if (!run.ok) return { ok: false, lines: ["wrangler deploy --dry-run failed:", run.output] };
    // The modules wrangler would upload: everything it wrote but source maps and its README.
    const modules = readdirSync(outdir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile() && !f.name.endsWith(".map") && f.name !== "README.md")
      .map((f) => readFileSync(path.join(f.parentPath, f.name)));
    const raw = modules.reduce((sum, m) => sum + m.length, 0);
    const gzip = modules.reduce((sum, m) => sum + gzipSync(m).length, 0);
    const plan = planForSize(gzip);
    const size = `${kib(raw)}, ${kib(gzip)} gzip (${modules.length} module${modules.length === 1 ? "" : "s"})`;
    if (values.record) recordSize(raw, gzip, modules.length);
    if (plan === "too-large") return { ok: false, lines: [`${size}: over the Workers Paid plan's 10 MiB compressed limit`] };
    const verdict = plan === "free"
      ? `within the Workers Free plan's ${WORKER_SIZE_LIMITS.free / 1024 / 1024} MiB compressed limit (${((gzip / WORKER_SIZE_LIMITS.free) * 100).toFixed(0)}% of it), so Paid's 10 MiB too`
      : `over the Free plan's 3 MiB: needs Workers Paid (10 MiB, ${((gzip / WORKER_SIZE_LIMITS.paid) * 100).toFixed(0)}% used)`;
    return { ok: true, lines: [`${size}: ${verdict}`] };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const BEGIN = "<!-- deploy-size:begin (written by `npm run deploy:check -- --record`; edit outside the markers) -->";
const END = "<!-- deploy-size:end -->";

function recordSize(raw: number, gzip: number, modules: number): void {
  const file = path.join(ROOT, "BENCHMARKS.md");
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start === -1 || end < start) throw new Error("BENCHMARKS.md has no deploy-size markers to write between");
  const version = wrangler(["--version"], ROOT).output.split("\n").at(-1) ?? "?";
  const body = [
    `Measured ${new Date().toISOString().slice(0, 10)} with wrangler ${version.replace(/^[^0-9]*/, "")} (\`wrangler deploy --dry-run\`).`,
    "",
    "| bundle | size | Free limit (3 MiB) | Paid limit (10 MiB) |",
    "| --- | ---: | ---: | ---: |",
    `| uploaded (${modules} module${modules === 1 ? "" : "s"}, no source map) | ${kib(raw)} | | |`,
    `| gzip-compressed (what the limits count) | ${kib(gzip)} | ${((gzip / WORKER_SIZE_LIMITS.free) * 100).toFixed(0)}% | ${((gzip / WORKER_SIZE_LIMITS.paid) * 100).toFixed(0)}% |`,
  ].join("\n");
  writeFileSync(file, `${text.slice(0, start + BEGIN.length)}\n${body}\n${text.slice(end)}`);
}

const RUNNERS: Record<Check, () => Outcome> = { config: checkConfig, types: checkTypes, bundle: checkBundle };
const selected = values.only.split(",").map((s) => s.trim());
const unknown = selected.filter((s) => !(CHECKS as readonly string[]).includes(s));
if (unknown.length > 0) {
  console.error(`deploy:check: unknown check ${unknown.join(", ")} (known: ${CHECKS.join(", ")})`);
  process.exit(2);
}
let failed = 0;
for (const check of CHECKS.filter((c) => selected.includes(c))) {
  const outcome = RUNNERS[check]();
  if (!outcome.ok) failed += 1;
  const [first, ...rest] = outcome.lines;
  console.log(`${outcome.ok ? "ok  " : "FAIL"} ${check}: ${first ?? ""}`);
  for (const line of rest) console.log(`       ${line}`);
}
console.log(failed === 0 ? "deploy:check passed" : `deploy:check failed (${failed} check${failed === 1 ? "" : "s"})`);
process.exit(failed === 0 ? 0 : 1);
