/**
 * What `npm run bench` (run.ts) and `npm run chaos` (chaos.ts) share around their own phases: a
 * throwaway directory, the bench stack in it, the load driver wired to the WhatsApp emulator,
 * Ctrl-C, a teardown that always runs (the directory kept with --keep), and the exit code.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RunningStack } from "../dev/stack.ts";
import { BENCH_IDENTITY, startBenchStack, type BenchStackOptions } from "./bench-stack.ts";
import { DriverClient } from "./driver-client.ts";

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fictional UK mobile numbers +447700 9xxxxx (the artist, +447700900001, is outside these blocks). */
export const phoneBlock = (start: number, count: number) => Array.from({ length: count }, (_, i) => `+447700${start + i}`);

/** How a run starts its stack and where it reports. */
export interface BenchRunOptions {
  /** Names the temporary directory (`inkline-<name>-…`). */
  name: string;
  say: (line: string) => void;
  /** Keep the directory (wrangler.log, state) after the run instead of deleting it. */
  keep: boolean;
  /** What the run changes about the bench stack. */
  stack?: BenchStackOptions;
}

/** What a run's phases get: the running stack, the ready driver, and the run's directory. */
export interface BenchRun {
  stack: RunningStack;
  driver: DriverClient;
  dir: string;
}

/**
 * Starts the bench stack in a fresh temporary directory, forks the load driver and relays every
 * send the emulator records to it (the driver waits for replies before the next message), then
 * runs `phases`; resolves with their exit code. Whatever happens, the driver and the stack stop
 * and the directory goes (unless kept).
 */
export async function withBenchRun(options: BenchRunOptions, phases: (run: BenchRun) => Promise<number>): Promise<number> {
  const { say } = options;
  const dir = mkdtempSync(path.join(os.tmpdir(), `inkline-${options.name}-`));
  const startup = new AbortController();
  let stack: RunningStack | undefined;
  let driver: DriverClient | undefined;
  let stopRelay: (() => void) | undefined;
  // Ctrl-C: stop wrangler/workerd (their own process group) and the rest, then exit.
  process.once("SIGINT", () => {
    startup.abort();
    driver?.stop();
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
  try {
    say(`starting the stack in ${dir} (wrangler's output: wrangler.log there)…`);
    const running = await startBenchStack(dir, say, startup.signal, options.stack);
    stack = running;
    const client = new DriverClient({
      workerUrl: running.urls.worker,
      whatsappUrl: running.urls.whatsapp,
      appSecret: BENCH_IDENTITY.appSecret,
      phoneNumberId: BENCH_IDENTITY.phoneNumberId,
      displayPhoneNumber: BENCH_IDENTITY.displayPhoneNumber.replace(/\D/g, ""),
      wabaId: BENCH_IDENTITY.wabaId,
    });
    driver = client;
    stopRelay = client.relayFrom(running.whatsapp);
    await client.ready;
    return await phases({ stack: running, driver: client, dir });
  } finally {
    stopRelay?.();
    driver?.stop();
    await stack?.stop();
    if (options.keep) say(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `main` and exits with its code; an error is reported through `say` and exits 1. */
export function exitWith(main: () => Promise<number>, say: (line: string) => void): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
