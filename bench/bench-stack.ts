/**
 * The stack the bench measures: dev/throwaway-stack.ts (free loopback ports, a throwaway data
 * directory), quiet logs (the Worker at warn, wrangler at warn), no crons, no status webhooks,
 * BENCH_MODE on for the baseline probes, and Postgres with pg_stat_statements.
 */
import path from "node:path";
import type { RunningStack } from "../dev/stack.ts";
import { startThrowawayStack } from "../dev/throwaway-stack.ts";

/** Credentials shared by the Worker, the emulator and the driver (bench values, not secrets). */
export const BENCH_IDENTITY = {
  appSecret: "bench-app-secret",
  accessToken: "bench-access-token",
  phoneNumberId: "100000000000001",
  wabaId: "102290129340398",
  displayPhoneNumber: "+44 7700 900000",
  artist: "+447700900001",
} as const;

/** The admin API key of the bench stack (`npm run chaos` acts as the artist with it). */
export const BENCH_ADMIN_KEY = "bench-admin-key-0123456789";

/** What `npm run chaos` changes about the bench stack. */
export interface BenchStackOptions {
  /** Keep Postgres's data directory on stop, so the server can be crashed and restarted (chaos). */
  persistentPostgres?: boolean;
  /** Worker variables on top of the bench's (e.g. faster retries). */
  vars?: Record<string, string>;
  /** Post Meta's sent/delivered status webhooks after every send (chaos: they settle sends in doubt). */
  statusWebhooks?: boolean;
  /** Postgres's `max_connections` (800 unless set; chaos sets it low to meet the burst of senders). */
  maxConnections?: number;
}

/** Starts the bench stack with everything under `dir`. */
export async function startBenchStack(
  dir: string,
  log: (line: string) => void,
  signal: AbortSignal,
  options: BenchStackOptions = {},
): Promise<RunningStack> {
  return startThrowawayStack({
    dir,
    envFileName: "bench.env",
    wranglerLog: path.join(dir, "wrangler.log"),
    postgres: {
      persistent: options.persistentPostgres ?? false,
      database: "inkline_bench",
      // Room for the bench's concurrent objects, each holding one connection while it drains
      // (Neon's pooler takes thousands); pg_stat_statements counts the statements.
      extraFlags: ["-c", `max_connections=${options.maxConnections ?? 800}`, "-c", "shared_preload_libraries=pg_stat_statements"],
    },
    vars: (urls) => ({
      APP_ENV: "development",
      LOG_LEVEL: "warn",
      BENCH_MODE: "true",
      DEMO_MODE: "false",
      PUBLIC_BASE_URL: urls.worker,
      DATABASE_URL: urls.postgres,
      DATABASE_WS_PROXY: urls.dbProxy,
      ADMIN_API_KEY: BENCH_ADMIN_KEY,
      WHATSAPP_APP_SECRET: BENCH_IDENTITY.appSecret,
      WHATSAPP_VERIFY_TOKEN: "bench-verify-token",
      WHATSAPP_ACCESS_TOKEN: BENCH_IDENTITY.accessToken,
      WHATSAPP_PHONE_NUMBER_ID: BENCH_IDENTITY.phoneNumberId,
      WHATSAPP_GRAPH_URL: urls.whatsapp,
      ARTIST_WHATSAPP_NUMBER: BENCH_IDENTITY.artist,
      ARTIST_NAME: "Mara",
      STRIPE_SECRET_KEY: "sk_test_inkline_bench",
      STRIPE_WEBHOOK_SECRET: "whsec_inkline_bench",
      // Timers fire at their nominal times whatever the hour the bench runs.
      QUIET_HOURS: "off",
      // The Sheets mirror is measured on its own (`--sheets-only` turns it on); off, it adds no load to the rest.
      GOOGLE_SHEETS_SPREADSHEET_ID: "",
      ...options.vars,
    }),
    whatsapp: { sendStatusWebhooks: options.statusWebhooks ?? false, displayPhoneNumber: BENCH_IDENTITY.displayPhoneNumber },
    log,
    signal,
  });
}
