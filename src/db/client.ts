/**
 * Database access through @neondatabase/serverless (WebSocket driver) and drizzle.
 *
 * In production the driver talks to Neon's WebSocket endpoint. Locally, DATABASE_WS_PROXY points
 * it at the dev stack's WebSocket->TCP proxy in front of the embedded Postgres, with TLS off.
 */
import { Client, Pool, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import type { AppConfig } from "../config.ts";
import * as schema from "./schema.ts";

export type Database = NeonDatabase<typeof schema>;

let configuredProxy: string | undefined;

/** Points the driver at the local proxy when one is configured (idempotent, per isolate). */
export function configureDriver(config: Pick<AppConfig, "DATABASE_WS_PROXY">): void {
  const proxy = config.DATABASE_WS_PROXY;
  if (proxy === configuredProxy) return;
  configuredProxy = proxy;
  if (proxy) {
    neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  } else {
    neonConfig.wsProxy = (host) => `${host}/v2`; // the driver's default: Neon's own endpoint
    neonConfig.useSecureWebSocket = true;
    neonConfig.pipelineTLS = true;
    neonConfig.pipelineConnect = "password";
  }
}

/** How long an idle connection is kept before the pool ends it. */
export const IDLE_RELEASE_MS = 5_000;

export interface DatabaseHandle {
  db: Database;
  pool: Pool;
  /** Ends the pool's connections; plain Worker requests must call it before returning. */
  close(): Promise<void>;
}

/** Opens a pool for DATABASE_URL. Durable Objects keep one; Worker requests open and close their own. */
export function openDatabase(config: Pick<AppConfig, "DATABASE_URL" | "DATABASE_WS_PROXY">, max = 1): DatabaseHandle {
  if (!config.DATABASE_URL) throw new Error("DATABASE_URL is not configured");
  configureDriver(config);
  // An object holds its connection only while it works: released after 5 s idle, so a burst of
  // clients that each wrote once does not keep a connection apiece (issue 19, item 5).
  const pool = new Pool({ connectionString: config.DATABASE_URL, max, connectionTimeoutMillis: 5_000, idleTimeoutMillis: IDLE_RELEASE_MS });
  // An idle connection dropped by the server must not surface as an unhandled error.
  pool.on("error", () => undefined);
  return { db: drizzle({ client: pool, schema }), pool, close: () => pool.end() };
}

export type PingResult = { ok: true; latencyMs: number } | { ok: false; reason: string };

/** `SELECT 1` through the real driver with a deadline; never throws. */
export async function pingDatabase(
  config: Pick<AppConfig, "DATABASE_URL" | "DATABASE_WS_PROXY">,
  timeoutMs = 3_000,
): Promise<PingResult> {
  if (!config.DATABASE_URL) return { ok: false, reason: "DATABASE_URL is not configured" };
  configureDriver(config);
  const started = Date.now();
  const client = new Client({ connectionString: config.DATABASE_URL });
  client.on("error", () => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  let connected = false;
  try {
    await Promise.race([client.connect(), deadline]);
    connected = true;
    await Promise.race([client.query("SELECT 1"), deadline]);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    return { ok: false, reason: `database unreachable: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    // Ending a client whose socket never opened makes the driver write to a closed WebSocket.
    if (connected) client.end().catch(() => undefined);
  }
}

/** SQLSTATE classes of a lost connection (08) and of a server shutting down (57P01–57P03). */
const CONNECTION_STATES = /^(08|57P0[1-3])/;
const CONNECTION_MESSAGES = /connection (terminated|error|refused|lost)|terminating connection|ECONNREFUSED|ECONNRESET|WebSocket|Network connection lost/i;

/** Whether `error` (or what caused it, a few levels down) is the database connection failing. */
export function isConnectionFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    if ("code" in e && typeof e.code === "string" && CONNECTION_STATES.test(e.code)) return true;
    if ("message" in e && typeof e.message === "string" && CONNECTION_MESSAGES.test(e.message)) return true;
    e = "cause" in e ? e.cause : undefined;
  }
  return false;
}
