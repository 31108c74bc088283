// What the workers project's globalSetup hands to cloudflareTest and to the tests (`inject`).
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** The Worker's DATABASE_URL: the application role, held to Postgres's connection limits. */
    databaseUrl: string;
    /** The owner (a superuser): for changing the application role's limits and watching its connections. */
    ownerDatabaseUrl: string;
    /** The application role's name, as pg_stat_activity shows it. */
    appRole: string;
    /** "127.0.0.1:PORT/v1": the WebSocket->TCP proxy in front of the test Postgres. */
    wsProxy: string;
    /** Base URL of the proxy's control API (pause/resume "the database"). */
    proxyControlUrl: string;
    whatsappUrl: string;
    /** The Stripe emulator (STRIPE_API_URL): API, checkout pages and `/_emulator`. */
    stripeUrl: string;
    /** The Google emulator's base URL: `/_emulator` control API and the artist's week page. */
    googleUrl: string;
    /** GOOGLE_TOKEN_URL: the emulator's token endpoint. */
    googleTokenUrl: string;
    /** GOOGLE_CALENDAR_API_URL: the emulator's Calendar v3. */
    googleCalendarUrl: string;
    /** GOOGLE_SERVICE_ACCOUNT_JSON: a key made for this run, trusted by the emulator. */
    googleServiceAccountJson: string;
    /** The same account name with another key: the emulator refuses its assertions (invalid_grant). */
    googleUntrustedKeyJson: string;
    /** GOOGLE_CALENDAR_ID of the test Worker. */
    googleCalendarId: string;
    /** GOOGLE_SHEETS_API_URL: the emulator's Sheets v4. */
    googleSheetsUrl: string;
    /** The emulator's spreadsheet and tab; the Sheets tests switch the mirror on with them (the test Worker leaves it off). */
    googleSpreadsheet: { id: string; tab: string };
    testSecrets: {
      WHATSAPP_APP_SECRET: string;
      WHATSAPP_ACCESS_TOKEN: string;
      WHATSAPP_PHONE_NUMBER_ID: string;
      STRIPE_SECRET_KEY: string;
      STRIPE_WEBHOOK_SECRET: string;
    };
  }
}
