/**
 * `npm run dev`: the whole product on one machine, in one process tree.
 *
 * Starts embedded Postgres (data kept in .data/postgres), applies migrations, starts the WebSocket
 * proxy and the emulators, then `wrangler dev --test-scheduled` with variables pointing at them,
 * fires the Worker's crons on their cadence, prints the URLs, and on Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateDatabase } from "../scripts/migrate.ts";
import { cronsFromWranglerToml, parseCron } from "./cron.ts";
import { startWhatsAppEmulator, type RunningWhatsAppEmulator } from "./emulators/whatsapp/index.ts";
import { assertPortFree, PortInUseError } from "./ports.ts";
import { startPostgres, type RunningPostgres } from "./postgres.ts";
import { resolveVars, toDotenv } from "./vars.ts";
import { startWsProxy, type RunningWsProxy } from "./ws-proxy.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Ports, each overridable by the variable named beside it. */
const PORTS = {
  worker: ["INKLINE_PORT", 8787],
  postgres: ["INKLINE_PG_PORT", 54329],
  dbProxy: ["INKLINE_DB_PROXY_PORT", 54330],
  whatsapp: ["INKLINE_WHATSAPP_PORT", 8790],
  inspector: ["INKLINE_INSPECTOR_PORT", 9230],
} as const;

type PortName = keyof typeof PORTS;

function readPorts(): Record<PortName, number> {
  const out = {} as Record<PortName, number>;
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

interface Stack {
  postgres?: RunningPostgres;
  proxy?: RunningWsProxy;
  whatsapp?: RunningWhatsAppEmulator;
  wrangler?: ChildProcess;
  cronTimer?: ReturnType<typeof setInterval>;
}

const stack: Stack = {};
let stopping: Promise<void> | undefined;

/** Stops everything in reverse order of start; safe to call more than once. */
function stopAll(exitCode: number): Promise<void> {
  stopping ??= (async () => {
    say("stopping…");
    if (stack.cronTimer) clearInterval(stack.cronTimer);
    await stopWrangler(stack.wrangler);
    await stack.whatsapp?.close().catch(() => undefined);
    await stack.proxy?.close().catch(() => undefined);
    await stack.postgres?.stop().catch(() => undefined);
    say("stopped cleanly.");
    process.exit(exitCode);
  })();
  return stopping;
}

function stopWrangler(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve();
  const pid = child.pid;
  return new Promise((resolve) => {
    const kill = setTimeout(() => signalGroup(pid, "SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    signalGroup(pid, "SIGTERM");
  });
}

/** wrangler runs in its own process group (it spawns workerd): signal the whole group. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

async function waitForWorker(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

/** Fires each cron of wrangler.toml at the top of every matching minute, like Cron Triggers. */
function startCronTicker(workerUrl: string, crons: string[]): ReturnType<typeof setInterval> {
  const schedules = crons.flatMap((c) => {
    const parsed = parseCron(c);
    if (!parsed) say(`cron "${c}" is not understood by the dev runner; it will not fire locally.`);
    return parsed ? [parsed] : [];
  });
  let lastMinute = -1;
  return setInterval(() => {
    const now = new Date();
    const minute = Math.floor(now.getTime() / 60_000);
    if (minute === lastMinute) return;
    lastMinute = minute;
    for (const schedule of schedules.filter((s) => s.matches(now))) {
      const url = `${workerUrl}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(schedule.expression)}`;
      fetch(url).then(
        (res) => say(`cron ${schedule.expression} fired → ${res.status}`),
        (error: unknown) => say(`cron ${schedule.expression} could not fire: ${String(error)}`),
      );
    }
  }, 1_000);
}

async function main(): Promise<void> {
  const ports = readPorts();
  for (const [name, [variable]] of Object.entries(PORTS) as [PortName, (typeof PORTS)[PortName]][]) {
    await assertPortFree(ports[name], variable);
  }

  say("starting embedded Postgres…");
  stack.postgres = await startPostgres({
    dataDir: path.join(root, ".data/postgres"),
    port: ports.postgres,
    database: "inkline",
    persistent: true,
  });
  const applied = await migrateDatabase(stack.postgres.url);
  say(`database ready (${applied} migration(s) recorded).`);
  stack.proxy = await startWsProxy(ports.dbProxy);

  const workerUrl = `http://127.0.0.1:${ports.worker}`;
  const defaults: Record<string, string> = {
    APP_ENV: "development",
    DEMO_MODE: "true",
    LOG_LEVEL: "info",
    PUBLIC_BASE_URL: workerUrl,
    DATABASE_URL: stack.postgres.url,
    DATABASE_WS_PROXY: `127.0.0.1:${stack.proxy.port}/v1`,
    ADMIN_API_KEY: "dev-admin-key-0123456789",
    WHATSAPP_APP_SECRET: "dev-whatsapp-app-secret",
    WHATSAPP_VERIFY_TOKEN: "dev-verify-token",
    WHATSAPP_ACCESS_TOKEN: "dev-whatsapp-access-token",
    WHATSAPP_PHONE_NUMBER_ID: "100000000000001",
    WHATSAPP_GRAPH_URL: `http://127.0.0.1:${ports.whatsapp}`,
    ARTIST_WHATSAPP_NUMBER: "+447700900001",
    ARTIST_NAME: "Mara",
    STRIPE_SECRET_KEY: "sk_test_inkline_dev",
    STRIPE_WEBHOOK_SECRET: "whsec_inkline_dev",
  };
  const { vars, source } = resolveVars(defaults, path.join(root, ".dev.vars"), process.env);
  const overridden = Object.entries(source).filter(([, s]) => s !== "default");
  if (overridden.length > 0) say(`overrides: ${overridden.map(([k, s]) => `${k} (${s})`).join(", ")}`);

  stack.whatsapp = await startWhatsAppEmulator({
    port: ports.whatsapp,
    appSecret: vars.WHATSAPP_APP_SECRET ?? "",
    accessToken: vars.WHATSAPP_ACCESS_TOKEN ?? "",
    phoneNumberId: vars.WHATSAPP_PHONE_NUMBER_ID ?? "",
    displayPhoneNumber: "+44 7700 900000",
    webhookUrl: `${workerUrl}/webhooks/whatsapp`,
    sendStatusWebhooks: true,
  });

  // The merged variables go to wrangler through a generated env file (never on the command line).
  const envFile = path.join(root, ".wrangler/dev.generated.env");
  mkdirSync(path.dirname(envFile), { recursive: true });
  writeFileSync(envFile, toDotenv(vars), { mode: 0o600 });

  const wranglerBin = path.join(root, "node_modules/.bin/wrangler");
  stack.wrangler = spawn(
    wranglerBin,
    [
      "dev",
      "--ip=127.0.0.1",
      `--port=${ports.worker}`,
      `--inspector-port=${ports.inspector}`,
      "--test-scheduled",
      "--show-interactive-dev-session=false",
      `--env-file=${envFile}`,
    ],
    { cwd: root, stdio: "inherit", detached: true, env: { ...process.env, FORCE_COLOR: "1" } },
  );
  stack.wrangler.once("exit", (code) => {
    if (!stopping) {
      say(`wrangler dev exited (${code ?? "signal"}); stopping the stack.`);
      void stopAll(code ?? 1);
    }
  });

  if (!(await waitForWorker(workerUrl, 90_000))) {
    throw new Error(`the Worker did not answer ${workerUrl}/health within 90 s (see wrangler's output above)`);
  }
  const crons = cronsFromWranglerToml(readFileSync(path.join(root, "wrangler.toml"), "utf8"));
  stack.cronTimer = startCronTicker(workerUrl, crons);

  const lines = [
    "",
    "  Inkline is running locally.",
    "",
    `  Worker               ${workerUrl}            (health: /health, ready: /ready)`,
    `  Client chat page     ${stack.whatsapp.url}/            (play the client on WhatsApp)`,
    `  WhatsApp emulator    ${stack.whatsapp.url}/_emulator   (every message the bot sent, fault injection)`,
    `  Postgres             ${stack.postgres.url.replace(/:[^:@/]+@/, ":***@")}`,
    `  Crons fired locally  ${crons.join(", ") || "(none)"}`,
    "",
    "  Ctrl-C stops everything.",
    "",
  ];
  console.log(lines.join("\n"));
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

main().catch((error: unknown) => {
  const message = error instanceof PortInUseError || error instanceof Error ? error.message : String(error);
  console.error(`[inkline] could not start: ${message}`);
  void stopAll(1);
});
