/**
 * Three projects: `unit` runs pure modules in Node (fast); `workers` runs the Worker, its Durable
 * Objects and routes in the real Workers runtime against a real Postgres and loopback emulators;
 * `browser` drives headless Chromium against the whole local stack over HTTP (after the others).
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** A calendar date `days` from today, so the test tour is always ahead whenever the tests run. */
const daysAhead = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const TEST_TOUR = [
  { city: "London", country: "United Kingdom", region: "UK", from: daysAhead(30), to: daysAhead(36) },
  { city: "Berlin", country: "Germany", region: "EUROPE", from: daysAhead(60), to: daysAhead(62) },
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          environment: "node",
          include: ["test/unit/**/*.test.ts", "src/domain/**/*.test.ts", "dev/**/*.test.ts"],
          // fast-check properties are CPU-bound: on a loaded 2-core machine (CI beside the workers
          // project) a 100-run property went past the default 5 s.
          testTimeout: 15_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                APP_ENV: "test",
                LOG_LEVEL: "warn",
                // Opens /_bench/* for its own test; production refuses it (src/config.ts).
                BENCH_MODE: "true",
                DATABASE_URL: inject("databaseUrl"),
                DATABASE_WS_PROXY: inject("wsProxy"),
                ADMIN_API_KEY: "test-admin-key-0123456789",
                ...inject("testSecrets"),
                WHATSAPP_VERIFY_TOKEN: "test-verify-token",
                WHATSAPP_GRAPH_URL: inject("whatsappUrl"),
                ARTIST_WHATSAPP_NUMBER: "+447700900001",
                // Off for every file but the digest tests, which set the artist's own hour (artists.digest_hour).
                ARTIST_DIGEST_HOUR: "off",
                ARTIST_NAME: "Mara",
                // Artist notices carry one-tap links built on it (the tests follow them with SELF.fetch).
                PUBLIC_BASE_URL: "https://inkline.test",
                // Retries fast in tests; the alarm helpers drive them without sleeping.
                // The connection-burst test caps the Worker's role at 12 connections: 8 objects at
                // once leave the routes theirs.
                DATABASE_OBJECT_PERMITS: "8",
                RETRY_BASE_MS: "50",
                RETRY_MAX_ATTEMPTS: "5",
                WHATSAPP_TIMEOUT_MS: "1000",
                // A send Graph never answered waits this long for Meta's status before going again.
                SEND_CONFIRM_WAIT_MS: "1000",
                STRIPE_API_URL: inject("stripeUrl"),
                GOOGLE_SERVICE_ACCOUNT_JSON: inject("googleServiceAccountJson"),
                GOOGLE_CALENDAR_ID: inject("googleCalendarId"),
                GOOGLE_TOKEN_URL: inject("googleTokenUrl"),
                GOOGLE_CALENDAR_API_URL: inject("googleCalendarUrl"),
                // The Sheets mirror stays off (no GOOGLE_SHEETS_SPREADSHEET_ID) so other tests' Google
                // calls and faults are theirs alone; test/workers/sheets-*.test.ts switch it on per call.
                GOOGLE_SHEETS_API_URL: inject("googleSheetsUrl"),
                // The hang fault is held 30 s by the emulator; the adapter gives up long before.
                GOOGLE_TIMEOUT_MS: "1000",
                TOUR_SCHEDULE: JSON.stringify(TEST_TOUR),
                // The review request's button (test/workers/after-session.test.ts).
                STUDIO_REVIEW_URL: "https://reviews.inkline.test/mara",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          globalSetup: ["./test/support/node/global-setup.ts"],
          // One emulator and one "database" are shared; fault injection is global, so files run in turn.
          fileParallelism: false,
          testTimeout: 20_000,
        },
      },
      {
        // Real headless Chromium against the real stack over HTTP (wrangler dev, embedded Postgres,
        // the emulators). Runs after the other two (groupOrder) so it never competes with them for CPU.
        test: {
          name: "browser",
          environment: "node",
          include: ["test/browser/**/*.test.ts"],
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
