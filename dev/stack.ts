/**
 * The local stack as one start/stop pair, shared by `npm run dev` (dev/run.ts) and `npm run bench`
 * (bench/run.ts): embedded Postgres + migrations, the WebSocket->TCP proxy, the WhatsApp, Stripe and
 * Google emulators, then `wrangler dev` (workerd) with variables pointing at them, optionally firing the
 * crons.
 *
 * A failed or aborted start stops whatever had already started before rejecting, so callers never
 * inherit half a stack; `stop()` stops everything in reverse order and is safe to call twice.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrateDatabase } from "../scripts/migrate.ts";
import { cronsFromWranglerToml, parseCron } from "./cron.ts";
import { generateServiceAccount, startGoogleEmulator, type RunningGoogleEmulator } from "./emulators/google/index.ts";
import { startStripeEmulator, type RunningStripeEmulator } from "./emulators/stripe/index.ts";
import { startWhatsAppEmulator, type RunningWhatsAppEmulator } from "./emulators/whatsapp/index.ts";
import { freePort } from "./ports.ts";
import { startPostgres, type RunningPostgres } from "./postgres.ts";
import { toDotenv } from "./vars.ts";
import { writeLocalWranglerConfig } from "./wrangler-config.ts";
import { startWsProxy, type RunningWsProxy } from "./ws-proxy.ts";

/** The repository root (wrangler runs here, against wrangler.toml). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Concrete loopback ports (the Worker's variables name them before the parts start; use freePort() for "any"). */
export interface StackPorts {
  worker: number;
  postgres: number;
  dbProxy: number;
  whatsapp: number;
  inspector: number;
  /** The Stripe emulator; any free port when omitted. */
  stripe?: number;
  /** The Google emulator (OAuth token + Calendar); any free port when omitted. */
  google?: number;
}

/** The artist's calendar in the local stack (GOOGLE_CALENDAR_ID's default). */
export const LOCAL_CALENDAR_ID = "artist@inkline.test";
/** The artist's spreadsheet in the local stack (GOOGLE_SHEETS_SPREADSHEET_ID's default) and its tab. */
export const LOCAL_SPREADSHEET = { id: "inkline-local-sheet", tab: "Leads" } as const;

/** Where each part listens, known once it has started. */
export interface StackUrls {
  worker: string;
  whatsapp: string;
  /** postgres://user:password@127.0.0.1:port/database (local credentials only). */
  postgres: string;
  /** host:port/v1, the value of DATABASE_WS_PROXY. */
  dbProxy: string;
  /** http://127.0.0.1:port, for `/_control/*`. */
  dbProxyControl: string;
  /** The Stripe emulator: STRIPE_API_URL, its checkout pages and `/_emulator`. */
  stripe: string;
  /** The Google emulator: `/token` (GOOGLE_TOKEN_URL), `/calendar/v3` (GOOGLE_CALENDAR_API_URL), `/v4` (GOOGLE_SHEETS_API_URL), `/_emulator`. */
  google: string;
}

export interface StackOptions {
  ports: StackPorts;
  postgres: { dataDir: string; persistent: boolean; database: string; extraFlags?: string[] };
  /** The Worker's variables, built from the addresses of the parts that already run. */
  vars(urls: Omit<StackUrls, "worker"> & { worker: string }): Record<string, string>;
  whatsapp: { sendStatusWebhooks: boolean; displayPhoneNumber: string };
  wrangler: {
    /** Generated dotenv file handed to `wrangler dev --env-file` (never on the command line). */
    envFile: string;
    /** "inherit" shows wrangler's output in this terminal; a path writes it to that file. */
    output: "inherit" | { file: string };
    /** Durable Object and R2 state directory (`--persist-to`); wrangler's default when omitted. */
    persistTo?: string;
    /** wrangler's own `--log-level` (its per-request lines cost CPU under load); wrangler's default when omitted. */
    logLevel?: "debug" | "info" | "log" | "warn" | "error" | "none";
    /** Called when wrangler exits while the stack is not stopping. */
    onUnexpectedExit?: (code: number | null) => void;
  };
  /** Fire wrangler.toml's crons on their cadence, like Cron Triggers (the dev runner does). */
  fireCrons: boolean;
  /** Start-up and cron lines. */
  log: (line: string) => void;
  /** Aborting during start-up stops what has started and rejects. */
  signal?: AbortSignal;
}

export interface RunningStack {
  urls: StackUrls;
  postgres: RunningPostgres;
  proxy: RunningWsProxy;
  whatsapp: RunningWhatsAppEmulator;
  stripe: RunningStripeEmulator;
  google: RunningGoogleEmulator;
  /** The `wrangler dev` process (leader of its own process group, which includes workerd). */
  readonly wrangler: ChildProcess;
  /**
   * Kills wrangler and workerd at once (SIGKILL, as a crash would) and starts them again on the same
   * port and state directory; resolves when the Worker answers /health again (`npm run chaos`).
   */
  restartWorker(): Promise<void>;
  /** Crons fired locally (empty when `fireCrons` is off). */
  crons: string[];
  stop(): Promise<void>;
}

interface Parts {
  postgres?: RunningPostgres;
  proxy?: RunningWsProxy;
  whatsapp?: RunningWhatsAppEmulator;
  stripe?: RunningStripeEmulator;
  google?: RunningGoogleEmulator;
  wrangler?: ChildProcess;
  cronTimer?: ReturnType<typeof setInterval>;
  stopping?: Promise<void>;
}

/** Stops the parts in reverse order of start; each step is best effort. */
function stopParts(parts: Parts): Promise<void> {
  parts.stopping ??= (async () => {
    if (parts.cronTimer) clearInterval(parts.cronTimer);
    await stopWrangler(parts.wrangler);
    await parts.google?.close().catch(() => undefined);
    await parts.stripe?.close().catch(() => undefined);
    await parts.whatsapp?.close().catch(() => undefined);
    await parts.proxy?.close().catch(() => undefined);
    await parts.postgres?.stop().catch(() => undefined);
  })();
  return parts.stopping;
}

function stopWrangler(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const pid = child.pid;
  return new Promise((resolve) => {
    const kill = setTimeout(() => signalGroup(pid, "SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    signalGroup(pid, signal);
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

async function waitForWorker(url: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal?.aborted) {
    try {
      const res = await fetch(`${url}/health`);
      await res.body?.cancel();
      if (res.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

/** Fires each cron at the top of every matching minute, like Cron Triggers. */
function startCronTicker(workerUrl: string, crons: string[], say: (line: string) => void): ReturnType<typeof setInterval> {
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

function spawnWrangler(options: StackOptions): ChildProcess {
  const { ports, wrangler } = options;
  const args = [
    "dev",
    "--ip=127.0.0.1",
    `--port=${ports.worker}`,
    `--inspector-port=${ports.inspector}`,
    "--test-scheduled",
    "--show-interactive-dev-session=false",
    // wrangler.toml plus the features' secrets, which wrangler dev loads only when named (wrangler-config.ts).
    `--config=${writeLocalWranglerConfig(path.join(ROOT, "wrangler.toml"), readFileSync(path.join(ROOT, "wrangler.toml"), "utf8"))}`,
    `--env-file=${wrangler.envFile}`,
    ...(wrangler.persistTo ? [`--persist-to=${wrangler.persistTo}`] : []),
    ...(wrangler.logLevel ? [`--log-level=${wrangler.logLevel}`] : []),
  ];
  const bin = path.join(ROOT, "node_modules/.bin/wrangler");
  if (wrangler.output === "inherit") {
    return spawn(bin, args, { cwd: ROOT, stdio: "inherit", detached: true, env: { ...process.env, FORCE_COLOR: "1" } });
  }
  const fd = openSync(wrangler.output.file, "a");
  try {
    return spawn(bin, args, {
      cwd: ROOT,
      stdio: ["ignore", fd, fd],
      detached: true,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error("start-up aborted");
}

/**
 * Starts the stack. Rejects (after stopping whatever had started) when a part fails, the Worker
 * does not answer /health within 90 s, or `options.signal` aborts.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const parts: Parts = {};
  const say = options.log;
  const { ports, signal } = options;
  try {
    say("starting embedded Postgres…");
    const postgres = await startPostgres({ ...options.postgres, port: ports.postgres });
    parts.postgres = postgres;
    if (postgres.dataDir !== path.resolve(options.postgres.dataDir)) {
      say(`the postgres OS user cannot enter ${path.dirname(path.resolve(options.postgres.dataDir))}; its data is in ${postgres.dataDir}`);
    }
    checkAborted(signal);
    const applied = await migrateDatabase(postgres.url);
    say(`database ready (${applied} migration(s) recorded).`);
    checkAborted(signal);
    const proxy = await startWsProxy(ports.dbProxy);
    parts.proxy = proxy;

    const workerUrl = `http://127.0.0.1:${ports.worker}`;
    const whatsappUrl = `http://127.0.0.1:${ports.whatsapp}`;
    const stripePort = ports.stripe ?? (await freePort());
    const googlePort = ports.google ?? (await freePort());
    const partial = {
      worker: workerUrl,
      whatsapp: whatsappUrl,
      postgres: postgres.url,
      dbProxy: `127.0.0.1:${proxy.port}/v1`,
      dbProxyControl: `http://127.0.0.1:${proxy.port}`,
      stripe: `http://127.0.0.1:${stripePort}`,
      google: `http://127.0.0.1:${googlePort}`,
    };
    // A key made now: the Worker signs with it, the Google emulator trusts its public half.
    const account = generateServiceAccount("inkline-local@inkline-local.iam.gserviceaccount.com", "https://oauth2.googleapis.com/token");
    // The Worker talks to the Stripe emulator unless the caller points it elsewhere.
    const vars: Record<string, string> = {
      STRIPE_API_URL: partial.stripe,
      STRIPE_SECRET_KEY: "sk_test_inkline_local",
      STRIPE_WEBHOOK_SECRET: "whsec_inkline_local",
      GOOGLE_SERVICE_ACCOUNT_JSON: account.json,
      GOOGLE_CALENDAR_ID: LOCAL_CALENDAR_ID,
      GOOGLE_TOKEN_URL: `${partial.google}/token`,
      GOOGLE_CALENDAR_API_URL: `${partial.google}/calendar/v3`,
      GOOGLE_SHEETS_SPREADSHEET_ID: LOCAL_SPREADSHEET.id,
      GOOGLE_SHEETS_TAB: LOCAL_SPREADSHEET.tab,
      GOOGLE_SHEETS_API_URL: `${partial.google}/v4`,
      ...options.vars(partial),
    };

    const stripe = await startStripeEmulator({
      port: stripePort,
      secretKey: vars.STRIPE_SECRET_KEY ?? "",
      webhookSecret: vars.STRIPE_WEBHOOK_SECRET ?? "",
      webhookUrl: `${workerUrl}/webhooks/stripe`,
    });
    parts.stripe = stripe;

    const google = await startGoogleEmulator({
      port: googlePort,
      serviceAccounts: [{ clientEmail: account.clientEmail, publicKeyPem: account.publicKeyPem }],
      calendars: [vars.GOOGLE_CALENDAR_ID ?? LOCAL_CALENDAR_ID],
      spreadsheets: [{ id: LOCAL_SPREADSHEET.id, tabs: [vars.GOOGLE_SHEETS_TAB || LOCAL_SPREADSHEET.tab] }],
    });
    parts.google = google;

    const whatsapp = await startWhatsAppEmulator({
      port: ports.whatsapp,
      appSecret: vars.WHATSAPP_APP_SECRET ?? "",
      accessToken: vars.WHATSAPP_ACCESS_TOKEN ?? "",
      phoneNumberId: vars.WHATSAPP_PHONE_NUMBER_ID ?? "",
      displayPhoneNumber: options.whatsapp.displayPhoneNumber,
      webhookUrl: `${workerUrl}/webhooks/whatsapp`,
      sendStatusWebhooks: options.whatsapp.sendStatusWebhooks,
    });
    parts.whatsapp = whatsapp;
    const urls: StackUrls = { ...partial, whatsapp: whatsapp.url, stripe: stripe.url, google: google.url };
    checkAborted(signal);

    mkdirSync(path.dirname(options.wrangler.envFile), { recursive: true });
    writeFileSync(options.wrangler.envFile, toDotenv(vars), { mode: 0o600 });
    const launchWrangler = (): ChildProcess => {
      const child = spawnWrangler(options);
      parts.wrangler = child;
      child.once("exit", (code) => {
        if (!parts.stopping && parts.wrangler === child) options.wrangler.onUnexpectedExit?.(code);
      });
      return child;
    };
    let wrangler = launchWrangler();

    if (!(await waitForWorker(workerUrl, 90_000, signal))) {
      checkAborted(signal);
      throw new Error(`the Worker did not answer ${workerUrl}/health within 90 s (see wrangler's output)`);
    }
    const crons = options.fireCrons ? cronsFromWranglerToml(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")) : [];
    if (crons.length > 0) parts.cronTimer = startCronTicker(workerUrl, crons, say);

    const restartWorker = async (): Promise<void> => {
      const crashed = wrangler;
      parts.wrangler = undefined; // its exit is expected
      await stopWrangler(crashed, "SIGKILL");
      wrangler = launchWrangler();
      if (!(await waitForWorker(workerUrl, 90_000, undefined))) throw new Error(`the Worker did not come back at ${workerUrl} within 90 s`);
    };
    return {
      urls,
      postgres,
      proxy,
      whatsapp,
      stripe,
      google,
      get wrangler() {
        return wrangler;
      },
      restartWorker,
      crons,
      stop: () => stopParts(parts),
    };
  } catch (error) {
    await stopParts(parts);
    throw error;
  }
}
