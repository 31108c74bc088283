/**
 * `npm run dev`: the whole product on one machine, in one process tree.
 *
 * Starts the local stack (dev/stack.ts: embedded Postgres with data kept in .data/postgres,
 * migrations, the WebSocket proxy, the emulators, `wrangler dev --test-scheduled`), fires the
 * Worker's crons on their cadence, prints the URLs, and on Ctrl-C stops everything.
 */
import path from "node:path";
import { assertPortFree, PortInUseError } from "./ports.ts";
import { ROOT, startStack, type RunningStack, type StackPorts } from "./stack.ts";
import { resolveVars } from "./vars.ts";

/** Ports, each overridable by the variable named beside it. */
const PORTS = {
  worker: ["INKLINE_PORT", 8787],
  postgres: ["INKLINE_PG_PORT", 54329],
  dbProxy: ["INKLINE_DB_PROXY_PORT", 54330],
  whatsapp: ["INKLINE_WHATSAPP_PORT", 8790],
  inspector: ["INKLINE_INSPECTOR_PORT", 9230],
  stripe: ["INKLINE_STRIPE_PORT", 8791],
  google: ["INKLINE_GOOGLE_PORT", 8792],
} as const satisfies Record<keyof StackPorts, readonly [string, number]>;

type PortName = keyof typeof PORTS;

function readPorts(): Required<StackPorts> {
  const out = {} as Required<StackPorts>;
  for (const [name, [variable, fallback]] of Object.entries(PORTS) as [PortName, (typeof PORTS)[PortName]][]) {
    const raw = process.env[variable];
    const port = raw ? Number(raw) : fallback;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`${variable}=${raw ?? ""} is not a port number (1-65535).`);
    }
    out[name] = port;
  }
  return out;
}

const say = (line: string) => console.log(`[inkline] ${line}`);

const startup = new AbortController();
let starting: Promise<RunningStack> | undefined;
let stopping: Promise<void> | undefined;

/** Stops the stack (or aborts its start-up, which then stops what it started) and exits; safe to call more than once. */
function stopAll(exitCode: number): Promise<void> {
  stopping ??= (async () => {
    say("stopping…");
    startup.abort();
    await starting?.then(
      (stack) => stack.stop(),
      () => undefined, // a failed or aborted start has already stopped its parts
    );
    say("stopped cleanly.");
    process.exit(exitCode);
  })();
  return stopping;
}

async function main(): Promise<void> {
  const ports = readPorts();
  for (const [name, [variable]] of Object.entries(PORTS) as [PortName, (typeof PORTS)[PortName]][]) {
    await assertPortFree(ports[name], variable);
  }

  starting = startStack({
    ports,
    postgres: { dataDir: path.join(ROOT, ".data/postgres"), persistent: true, database: "inkline" },
    vars: (urls) => {
      const defaults: Record<string, string> = {
        APP_ENV: "development",
        DEMO_MODE: "true",
        DEMO_CHAT_URL: urls.whatsapp,
        LOG_LEVEL: "info",
        PUBLIC_BASE_URL: urls.worker,
        DATABASE_URL: urls.postgres,
        DATABASE_WS_PROXY: urls.dbProxy,
        ADMIN_API_KEY: "dev-admin-key-0123456789",
        WHATSAPP_APP_SECRET: "dev-whatsapp-app-secret",
        WHATSAPP_VERIFY_TOKEN: "dev-verify-token",
        WHATSAPP_ACCESS_TOKEN: "dev-whatsapp-access-token",
        WHATSAPP_PHONE_NUMBER_ID: "100000000000001",
        WHATSAPP_GRAPH_URL: urls.whatsapp,
        ARTIST_WHATSAPP_NUMBER: "+447700900001",
        ARTIST_NAME: "Mara",
        STRIPE_SECRET_KEY: "sk_test_inkline_dev",
        STRIPE_WEBHOOK_SECRET: "whsec_inkline_dev",
        STRIPE_API_URL: urls.stripe,
        // The demo's jump-ahead buttons show each timer at its nominal time whatever the hour here;
        // set QUIET_HOURS=21-9 in .dev.vars to watch nudges wait for the morning as in production.
        QUIET_HOURS: "off",
      };
      const { vars, source } = resolveVars(defaults, path.join(ROOT, ".dev.vars"), process.env);
      const overrides = Object.entries(source)
        .filter(([, s]) => s !== "default")
        .map(([k, s]) => `${k} (${s})`);
      if (overrides.length > 0) say(`overrides: ${overrides.join(", ")}`);
      return vars;
    },
    whatsapp: { sendStatusWebhooks: true, displayPhoneNumber: "+44 7700 900000" },
    wrangler: {
      envFile: path.join(ROOT, ".wrangler/dev.generated.env"),
      output: "inherit",
      onUnexpectedExit: (code) => {
        say(`wrangler dev exited (${code ?? "signal"}); stopping the stack.`);
        void stopAll(code ?? 1);
      },
    },
    fireCrons: true,
    log: say,
    signal: startup.signal,
  });

  const running = await starting;
  const { urls } = running;
  const lines = [
    "",
    "  Inkline is running locally.",
    "",
    `  Worker               ${urls.worker}            (health: /health, ready: /ready)`,
    `  Client chat page     ${urls.whatsapp}/            (play the client on WhatsApp)`,
    `  WhatsApp emulator    ${urls.whatsapp}/_emulator   (every message the bot sent, fault injection)`,
    `  Stripe emulator      ${urls.stripe}/_emulator   (checkout sessions, webhooks sent, fault injection)`,
    `  Artist's calendar    ${urls.google}/_emulator/calendar   (Google emulator: the artist's week; /_emulator for calls, faults)`,
    `  Artist's sheet       ${urls.google}/_emulator/sheet   (Google emulator: one row per lead, as the Sheets mirror writes it)`,
    `  Postgres             ${urls.postgres.replace(/:[^:@/]+@/, ":***@")}`,
    `  Crons fired locally  ${running.crons.join(", ") || "(none)"}`,
    `  Demo                 ${urls.worker}/demo       (play the client and the artist at once)`,
    "",
    "  Ctrl-C stops everything.",
    "",
  ];
  console.log(lines.join("\n"));
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

main().catch((error: unknown) => {
  if (stopping) return; // Ctrl-C during start-up: stopAll is already on it.
  const message = error instanceof PortInUseError || error instanceof Error ? error.message : String(error);
  console.error(`[inkline] could not start: ${message}`);
  void stopAll(1);
});
