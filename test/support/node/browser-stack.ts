/**
 * What the browser test needs from Node: the whole local stack over real HTTP
 * (dev/throwaway-stack.ts: free loopback ports, a throwaway data directory; demo mode on) and
 * Debian's Chromium driven by playwright-core. Chromium must be installed (`.ci/run` installs it);
 * when it is not, the test fails saying so rather than skipping.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { ROOT, type RunningStack } from "../../../dev/stack.ts";
import { startThrowawayStack } from "../../../dev/throwaway-stack.ts";

/** Where Debian's `chromium` package puts the browser; INKLINE_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.INKLINE_CHROMIUM ?? "/usr/bin/chromium";

/** Root runs in CI (no sandbox then), no GPU, and nothing that would reach the internet. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Screenshots and the stack's log, kept after the run (test-artifacts/ is git-ignored). */
export const ARTIFACTS = path.join(ROOT, "test-artifacts", "browser");

export const BROWSER_IDENTITY = {
  adminKey: "browser-admin-key-0123456789",
  artist: "+447700900001",
  artistName: "Mara",
} as const;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. The browser test needs Debian's chromium package: ` +
        "`apt-get install -y chromium` (.ci/run does this), or set INKLINE_CHROMIUM to another Chromium binary.",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface BrowserStack {
  stack: RunningStack;
  stop(): Promise<void>;
}

/** The local stack as `npm run dev` runs it (demo mode on), but on free ports with throwaway state. */
export async function startBrowserStack(): Promise<BrowserStack> {
  // Artifacts of this run only: a stale failure screenshot would mislead.
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), "inkline-browser-"));
  const log = (line: string) => process.stderr.write(`[browser stack] ${line}\n`);
  try {
    const stack = await startThrowawayStack({
      dir,
      envFileName: "browser.env",
      wranglerLog: path.join(ARTIFACTS, "wrangler.log"),
      postgres: { persistent: false, database: "inkline_browser" },
      vars: (urls) => ({
        APP_ENV: "development",
        LOG_LEVEL: "warn",
        DEMO_MODE: "true",
        DEMO_CHAT_URL: urls.whatsapp,
        PUBLIC_BASE_URL: urls.worker,
        DATABASE_URL: urls.postgres,
        DATABASE_WS_PROXY: urls.dbProxy,
        ADMIN_API_KEY: BROWSER_IDENTITY.adminKey,
        WHATSAPP_APP_SECRET: "browser-app-secret",
        WHATSAPP_VERIFY_TOKEN: "browser-verify-token",
        WHATSAPP_ACCESS_TOKEN: "browser-access-token",
        WHATSAPP_PHONE_NUMBER_ID: "100000000000001",
        WHATSAPP_GRAPH_URL: urls.whatsapp,
        ARTIST_WHATSAPP_NUMBER: BROWSER_IDENTITY.artist,
        ARTIST_NAME: BROWSER_IDENTITY.artistName,
        STRIPE_SECRET_KEY: "sk_test_inkline_browser",
        STRIPE_WEBHOOK_SECRET: "whsec_inkline_browser",
        // As in `npm run dev`: the demo's jump-ahead shows each timer at its nominal time.
        QUIET_HOURS: "off",
      }),
      whatsapp: { sendStatusWebhooks: true, displayPhoneNumber: "+44 7700 900000" },
      log,
    });
    return {
      stack,
      stop: async () => {
        await stack.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Polls `check` until it holds (or throws after `timeoutMs`, saying what it waited for). */
export async function eventually<T>(what: string, check: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
