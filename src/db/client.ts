/**
 * Database access through @neondatabase/serverless (WebSocket driver) and drizzle.
 *
 * In production the driver talks to Neon's WebSocket endpoint, and DATABASE_URL must name the
 * pooled endpoint (`-pooler` in the host name, checked by src/config.ts). Locally,
 * DATABASE_WS_PROXY points it at the dev stack's WebSocket->TCP proxy in front of the embedded
 * Postgres, with TLS off.
 *
 * How many connections Inkline holds, and for how long. Every LeadConversation object (one per
 * WhatsApp number) opens its own pool, so one webhook POST naming a thousand numbers makes a
 * thousand objects want a connection at once. A semaphore in module scope could not cap that
 * (objects run in many isolates and machines; it would count only its own isolate's). What bounds
 * it:
 * - The DatabaseGate Durable Object (durable-objects/database-gate.ts), one serial point for the
 *   whole Worker: an object takes one of DATABASE_OBJECT_PERMITS permits before its drain loop
 *   touches the database and gives it back with its connection; the rest wait in line there, not
 *   at Postgres. Requests take no permit, so they find the connections the objects leave free.
 * - Neon's pooled endpoint (PgBouncer in transaction mode) in production: it takes up to 10,000
 *   client connections and multiplexes them onto a small set of server connections, so a burst
 *   queues at the pooler instead of exhausting Postgres's `max_connections`, and the admin API,
 *   the inbox and Stripe's webhook still get a server connection.
 * - Each object holds at most one connection (`max: 1`), only while it works: its drain loop
 *   releases the pool when it goes idle or waits for a retry (durable-objects/lead-conversation.ts),
 *   and the pool drops a connection idle for {@link OBJECT_IDLE_RELEASE_MS} even mid-drain (a
 *   Graph send can take seconds) and recycles one older than {@link OBJECT_MAX_LIFETIME_S}. A
 *   burst then costs connection-*seconds* of work, not of idling.
 * - An object the database turns away ({@link cannotConnect}: too many clients, a pooler queue
 *   timeout, a refused or lost socket) does not retry on the spot or open a second connection to
 *   ping: the item stays in its inbox and an alarm retries it after a fully jittered backoff
 *   (src/lib/backoff.ts), so a thousand refused objects come back spread over seconds, not together.
 * - A request route opens one connection for the request and, when the database says it has no
 *   slot free, tries again a few times within about a second ({@link connectPatiently}): objects
 *   hold their connections only briefly, so a slot frees up soon.
 */
import { Client, Pool, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import type { AppConfig } from "../config.ts";
import { backoffMs } from "../lib/backoff.ts";
import * as schema from "./schema.ts";

/** An object's pool drops a connection left idle this long, even in the middle of a drain. */
export const OBJECT_IDLE_RELEASE_MS = 1_000;
/** An object's connection is replaced after this long, so none is held for the life of the object. */
export const OBJECT_MAX_LIFETIME_S = 60;
/**
 * The least ceiling of an object's first retry after the database turned its connection away
 * (RETRY_BASE_MS when that is larger). Each refused attempt costs Postgres a backend (and, for a
 * role's limit, a password check) before it says no, so a full database is asked again at most
 * about once every two seconds per object at first, and less often after each refusal.
 */
export const CONNECTION_RETRY_BASE_MS = 2_000;
/**
 * Longest wait between an object's retries while the database is away (refused, lost, or not
 * answering a ping). Once it is back, a waiting message is retried within this. Without the cap a
 * message that met five failures in an outage (a proxy pause, a crash, a restart, back to back)
 * waited 16–32 s more after Postgres had recovered, and some clients' replies came a minute
 * late. Retrying this often is safe because the DatabaseGate bounds how many objects try at once.
 */
export const CONNECTION_RETRY_MAX_MS = 10_000;
/**
 * How long a request waits for the driver to connect before giving up. Ten seconds: a Neon
 * compute woken from scale-to-zero takes a few, and a request that waits answers 200 where one
 * that gives up answers 503 (the burst in `npm run chaos` saw 5 s run out once while the local
 * runtime created a thousand objects' storage; Postgres had connections to spare).
 */
export const CONNECT_TIMEOUT_MS = 10_000;

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

export interface DatabaseHandle {
  db: Database;
  pool: Pool;
  /** Ends the pool's connections; plain Worker requests must call it before returning. */
  close(): Promise<void>;
}

/** How long a pool keeps its connections. */
export interface PoolLimits {
  /** Connections at most (1 everywhere in Inkline: one object or one request, one connection). */
  max: number;
  /** Drop a connection idle this long (pg-pool's default, 10 s, when unset). */
  idleTimeoutMs?: number;
  /** Replace a connection older than this, once it is idle (never when unset). */
  maxLifetimeSeconds?: number;
}

/** What a LeadConversation object's pool may hold: one connection, released soon after use. */
export const OBJECT_POOL: PoolLimits = { max: 1, idleTimeoutMs: OBJECT_IDLE_RELEASE_MS, maxLifetimeSeconds: OBJECT_MAX_LIFETIME_S };

/**
 * Opens a pool for DATABASE_URL. Worker requests open and close their own; a LeadConversation
 * object opens one with {@link OBJECT_POOL} and ends it whenever its drain loop goes idle.
 */
export function openDatabase(config: Pick<AppConfig, "DATABASE_URL" | "DATABASE_WS_PROXY">, limits: PoolLimits = { max: 1 }): DatabaseHandle {
  if (!config.DATABASE_URL) throw new Error("DATABASE_URL is not configured");
  configureDriver(config);
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: limits.max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(limits.idleTimeoutMs === undefined ? {} : { idleTimeoutMillis: limits.idleTimeoutMs }),
    ...(limits.maxLifetimeSeconds === undefined ? {} : { maxLifetimeSeconds: limits.maxLifetimeSeconds }),
  });
  // An idle connection dropped by the server must not surface as an unhandled error.
  pool.on("error", () => undefined);
  return { db: drizzle({ client: pool, schema }), pool, close: () => pool.end() };
}

/** Attempts at most, and the ceiling of the first pause, when a request finds no connection free. */
export const PATIENT_CONNECT = { attempts: 6, baseMs: 200 } as const;

/**
 * Takes the pool's connection before the request needs it, trying again after a short jittered
 * pause (at most {@link PATIENT_CONNECT}: about three seconds on average, never past ~6 s) while the
 * database says it has no slot free. The connection goes back into the pool, where the request's
 * queries find it. Any other failure, or the last refusal, is thrown (the route answers 503).
 */
export async function connectPatiently(handle: DatabaseHandle, random: () => number = Math.random): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const client = await handle.pool.connect();
      client.release();
      return;
    } catch (error) {
      if (attempt >= PATIENT_CONNECT.attempts || !isDatabaseBusy(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(PATIENT_CONNECT.baseMs, attempt, random())));
    }
  }
}

/**
 * `busy`: the database answered, but only to say it has no connection slot free (a burst of
 * objects holds them): it is up, and routes that need it wait their turn (connectPatiently).
 */
export type PingResult = { ok: true; latencyMs: number; busy?: true } | { ok: false; reason: string };

/** `SELECT 1` through the real driver with a deadline; never throws. */
export async function pingDatabase(
  config: Pick<AppConfig, "DATABASE_URL" | "DATABASE_WS_PROXY">,
  timeoutMs = CONNECT_TIMEOUT_MS,
): Promise<PingResult> {
  if (!config.DATABASE_URL) return { ok: false, reason: "DATABASE_URL is not configured" };
  configureDriver(config);
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  let sawBusy = false;
  try {
    // A database with no slot free (a burst of objects holding theirs) is up: try again shortly,
    // within the deadline, as a request route does (connectPatiently).
    for (let attempt = 1; ; attempt++) {
      const client = new Client({ connectionString: config.DATABASE_URL });
      client.on("error", () => undefined);
      let connected = false;
      try {
        await Promise.race([client.connect(), deadline]);
        connected = true;
        await Promise.race([client.query("SELECT 1"), deadline]);
        return { ok: true, latencyMs: Date.now() - started };
      } catch (error) {
        sawBusy ||= isDatabaseBusy(error);
        if (attempt >= PATIENT_CONNECT.attempts || !isDatabaseBusy(error)) throw error;
      } finally {
        // Ending a client whose socket never opened makes the driver write to a closed WebSocket.
        if (connected) client.end().catch(() => undefined);
      }
      await Promise.race([new Promise((resolve) => setTimeout(resolve, backoffMs(PATIENT_CONNECT.baseMs, attempt, Math.random()))), deadline]);
    }
  } catch (error) {
    // It said "no slot free" (maybe then ran out of time waiting for one): up, and busy.
    if (sawBusy) return { ok: true, latencyMs: Date.now() - started, busy: true };
    return { ok: false, reason: `database unreachable: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** SQLSTATE classes of a lost connection (08) and of a server shutting down (57P01–57P03). */
const CONNECTION_STATES = /^(08|57P0[1-3])/;
const CONNECTION_MESSAGES = /connection (terminated|error|refused|lost)|terminating connection|ECONNREFUSED|ECONNRESET|WebSocket|Network connection lost/i;

/** Whether `error` or a cause a few levels down has a SQLSTATE matching `states` or a message matching `messages`. */
function causedBy(error: unknown, states: RegExp, messages: RegExp): boolean {
  for (let e: unknown = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    if ("code" in e && typeof e.code === "string" && states.test(e.code)) return true;
    if ("message" in e && typeof e.message === "string" && messages.test(e.message)) return true;
    e = "cause" in e ? e.cause : undefined;
  }
  return false;
}

/** SQLSTATE 23P01 (exclusion_violation): `bookings_no_overlap` refused time already held or booked. */
const EXCLUSION_STATES = /^23P01$/;
const NEVER = /$^/;

/** Whether `error` (or its cause) is an exclusion constraint refusing a row: for bookings, "slot taken". */
export function isExclusionViolation(error: unknown): boolean {
  return causedBy(error, EXCLUSION_STATES, NEVER);
}

/** Whether `error` (or what caused it, a few levels down) is the database connection failing. */
export function isConnectionFailure(error: unknown): boolean {
  return causedBy(error, CONNECTION_STATES, CONNECTION_MESSAGES);
}

/**
 * SQLSTATE 53300 (too_many_connections: `max_connections`, a role's or a database's CONNECTION
 * LIMIT) and the words PgBouncer and the driver use when no connection can be had in time.
 */
const BUSY_STATES = /^53300$/;
const BUSY_MESSAGES = /too many (clients|connections)|remaining connection slots are reserved|no more connections allowed|query_wait_timeout|timeout exceeded when trying to connect/i;

/** Whether `error` (or a cause) is the database turning a new connection away for want of a slot. */
export function isDatabaseBusy(error: unknown): boolean {
  return causedBy(error, BUSY_STATES, BUSY_MESSAGES);
}

/**
 * Whether no connection could be had at all: lost or refused, or the database out of slots. Such
 * a failure says nothing about the work that was attempted, and pinging to find out would take
 * yet another connection.
 */
export function cannotConnect(error: unknown): boolean {
  return isConnectionFailure(error) || isDatabaseBusy(error);
}
