/**
 * vitest globalSetup for the Workers project: a throwaway embedded Postgres (fresh database every
 * run), the migrations, the WebSocket proxy and the emulators (WhatsApp, Stripe, Google), all on free
 * loopback ports. Their
 * addresses reach `cloudflareTest` and the tests through `provide`/`inject`.
 *
 * The Worker connects as an application role without superuser rights, as it does on Neon:
 * Postgres then holds it to its connection limits (a superuser is exempt from a role's CONNECTION
 * LIMIT), so a test can give it a small one (`ALTER ROLE … CONNECTION LIMIT`, through the owner's
 * URL) and watch a burst of objects meet a database that has few connections to give.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "../../../dev/ports.ts";
import { startPostgres } from "../../../dev/postgres.ts";
import { generateServiceAccount, startGoogleEmulator } from "../../../dev/emulators/google/index.ts";
import { startStripeEmulator } from "../../../dev/emulators/stripe/index.ts";
import { startWhatsAppEmulator } from "../../../dev/emulators/whatsapp/index.ts";
import pg from "pg";
import { startWsProxy } from "../../../dev/ws-proxy.ts";
import { migrateDatabase } from "../../../scripts/migrate.ts";

/** Credentials the test Worker and the emulators share (test values, not secrets). */
export const TEST_SECRETS = {
  WHATSAPP_APP_SECRET: "test-app-secret",
  WHATSAPP_ACCESS_TOKEN: "test-access-token",
  WHATSAPP_PHONE_NUMBER_ID: "100000000000001",
  STRIPE_SECRET_KEY: "sk_test_inkline",
  STRIPE_WEBHOOK_SECRET: "whsec_test_inkline",
} as const;

/** The artist's calendar the test Worker is configured with (GOOGLE_CALENDAR_ID). */
export const TEST_CALENDAR_ID = "artist@inkline.test";
/** The spreadsheet the Sheets tests switch the mirror on with (the test Worker leaves it off). */
export const TEST_SPREADSHEET = { id: "inkline-test-sheet", tab: "Leads" } as const;

/** The role the Worker connects as in tests (a local test value, not a secret). */
export const APP_ROLE = { name: "inkline_app", password: "inkline-app-local" } as const;

/** Creates the application role with the rights the Worker needs on the migrated tables; returns its URL. */
async function createAppRole(ownerUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query(`CREATE ROLE ${APP_ROLE.name} LOGIN NOSUPERUSER PASSWORD '${APP_ROLE.password}'`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE.name}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE.name}`);
    await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE.name}`);
  } finally {
    await client.end();
  }
  const url = new URL(ownerUrl);
  url.username = APP_ROLE.name;
  url.password = APP_ROLE.password;
  return url.toString();
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
  const appUrl = await step("creating the application role", () => createAppRole(postgres.url));
  const proxy = await step("starting the WebSocket proxy", async () => startWsProxy(await freePort()));

  const whatsapp = await step("starting the WhatsApp emulator", () =>
    startWhatsAppEmulator({
      port: 0,
      appSecret: TEST_SECRETS.WHATSAPP_APP_SECRET,
      accessToken: TEST_SECRETS.WHATSAPP_ACCESS_TOKEN,
      phoneNumberId: TEST_SECRETS.WHATSAPP_PHONE_NUMBER_ID,
      displayPhoneNumber: "+44 7700 900000",
    }),
  );

  // No webhook URL: the Worker under test is not reachable over HTTP, so tests read the signed
  // events from the emulator and post them themselves.
  const stripe = await step("starting the Stripe emulator", () =>
    startStripeEmulator({ port: 0, secretKey: TEST_SECRETS.STRIPE_SECRET_KEY, webhookSecret: TEST_SECRETS.STRIPE_WEBHOOK_SECRET }),
  );

  // A key pair made for this run: the Worker signs with the private key, the emulator checks with
  // the public one. A second key under the same account name is one Google would not accept.
  const account = generateServiceAccount("inkline-test@inkline-test.iam.gserviceaccount.com", "https://oauth2.googleapis.com/token");
  const impostor = generateServiceAccount(account.clientEmail, "https://oauth2.googleapis.com/token");
  const google = await step("starting the Google emulator", () =>
    startGoogleEmulator({ port: 0, serviceAccounts: [{ clientEmail: account.clientEmail, publicKeyPem: account.publicKeyPem }], calendars: [TEST_CALENDAR_ID], spreadsheets: [{ id: TEST_SPREADSHEET.id, tabs: [TEST_SPREADSHEET.tab] }] }),
  );

  project.provide("databaseUrl", appUrl);
  project.provide("ownerDatabaseUrl", postgres.url);
  project.provide("appRole", APP_ROLE.name);
  project.provide("stripeUrl", stripe.url);
  project.provide("wsProxy", `127.0.0.1:${proxy.port}/v1`);
  project.provide("proxyControlUrl", `http://127.0.0.1:${proxy.port}`);
  project.provide("whatsappUrl", whatsapp.url);
  project.provide("testSecrets", TEST_SECRETS);
  project.provide("googleUrl", google.url);
  project.provide("googleTokenUrl", google.tokenUrl);
  project.provide("googleCalendarUrl", google.calendarApiUrl);
  project.provide("googleServiceAccountJson", account.json);
  project.provide("googleUntrustedKeyJson", impostor.json);
  project.provide("googleCalendarId", TEST_CALENDAR_ID);
  project.provide("googleSheetsUrl", google.sheetsApiUrl);
  project.provide("googleSpreadsheet", TEST_SPREADSHEET);

  return async () => {
    await google.close();
    await stripe.close();
    await whatsapp.close();
    await proxy.close();
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
