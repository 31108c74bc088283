/**
 * vitest globalSetup for the Workers project: a throwaway embedded Postgres (fresh database every
 * run), the migrations, the WebSocket proxy and the emulators, all on free loopback ports. Their
 * addresses reach `cloudflareTest` and the tests through `provide`/`inject`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "../../../dev/ports.ts";
import { startPostgres } from "../../../dev/postgres.ts";
import { startWsProxy } from "../../../dev/ws-proxy.ts";
import { migrateDatabase } from "../../../scripts/migrate.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    wsProxy: string;
  }
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Test stack: ${what} failed: ${reason}`);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "inkline-test-pg-"));
  const postgres = await step("starting embedded Postgres", async () =>
    startPostgres({ dataDir, port: await freePort(), database: "inkline_test", persistent: false }),
  );
  await step("applying migrations", () => migrateDatabase(postgres.url));
  const proxy = await step("starting the WebSocket proxy", async () => startWsProxy(await freePort()));

  project.provide("databaseUrl", postgres.url);
  project.provide("wsProxy", `127.0.0.1:${proxy.port}/v1`);

  return async () => {
    await proxy.close();
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
