/**
 * The local stack (stack.ts) on free loopback ports with everything under one throwaway
 * directory: Postgres's data, the generated env file and wrangler's state; quiet wrangler, no
 * crons. Shared by the bench (bench/bench-stack.ts) and the browser test
 * (test/support/node/browser-stack.ts); `npm run dev` uses fixed ports and .data/ instead.
 */
import { chmodSync } from "node:fs";
import path from "node:path";
import { freePort } from "./ports.ts";
import { startStack, type RunningStack, type StackOptions } from "./stack.ts";

/** What differs between throwaway stacks; the rest is fixed here. */
export interface ThrowawayStackOptions {
  /** Holds `postgres/`, `state/` and the env file; made reachable for embedded Postgres. */
  dir: string;
  /** The generated env file's name inside `dir` ("bench.env"). */
  envFileName: string;
  /** The file wrangler's output goes to. */
  wranglerLog: string;
  /** Postgres settings other than its data directory (always `dir/postgres`). */
  postgres: Omit<StackOptions["postgres"], "dataDir">;
  vars: StackOptions["vars"];
  whatsapp: StackOptions["whatsapp"];
  log: StackOptions["log"];
  signal?: AbortSignal;
}

/** Starts the stack on free ports with its state under `options.dir` (see {@link startStack}). */
export async function startThrowawayStack(options: ThrowawayStackOptions): Promise<RunningStack> {
  const { dir, wranglerLog, log } = options;
  // As root, embedded Postgres runs as its own user, which must be able to reach its data dir.
  chmodSync(dir, 0o755);
  const ports = {
    worker: await freePort(),
    postgres: await freePort(),
    dbProxy: await freePort(),
    whatsapp: await freePort(),
    inspector: await freePort(),
  };
  return startStack({
    ports,
    postgres: { dataDir: path.join(dir, "postgres"), ...options.postgres },
    vars: options.vars,
    whatsapp: options.whatsapp,
    wrangler: {
      envFile: path.join(dir, options.envFileName),
      output: { file: wranglerLog },
      persistTo: path.join(dir, "state"),
      logLevel: "warn",
      onUnexpectedExit: (code) => log(`wrangler dev exited unexpectedly (${code ?? "signal"}); see ${wranglerLog}`),
    },
    fireCrons: false,
    log,
    signal: options.signal,
  });
}
