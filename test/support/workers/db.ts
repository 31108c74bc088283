/**
 * Reads the real test Postgres from inside the Workers runtime, through the same driver and proxy
 * the Worker uses, so assertions see exactly what Inkline committed.
 */
import { Client } from "@neondatabase/serverless";
import { env } from "cloudflare:test";
import { inject } from "vitest";
import { configureDriver } from "../../../src/db/client.ts";

/**
 * Runs one query and returns its rows. As the database's owner: the tests' own reads must not take
 * one of the application role's connections (a test may cap them, connection-burst.test.ts).
 */
export function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return ownerSql<T>(text, params);
}

/** The lead served by the object named `key` (a number, or a username client's BSUID). */
export async function leadByKey(key: string): Promise<Record<string, unknown> | undefined> {
  return (await sql("SELECT * FROM leads WHERE conversation_key = $1 OR (conversation_key IS NULL AND phone_e164 = $1)", [key]))[0];
}

export async function leadByPhone(phone: string): Promise<Record<string, unknown> | undefined> {
  return (await sql("SELECT * FROM leads WHERE phone_e164 = $1", [phone]))[0];
}

/** Takes "the database" away (the proxy refuses and drops connections) or gives it back. */
export async function setDatabasePaused(paused: boolean): Promise<void> {
  const res = await fetch(`${inject("proxyControlUrl")}/_control/${paused ? "pause" : "resume"}`, { method: "POST" });
  if (!res.ok) throw new Error(`proxy control failed: ${res.status}`);
}

/** What the WebSocket proxy has counted so far; `framesIn` are the driver's frames, one per round trip. */
export async function proxyStats(): Promise<{ connections: number; open: number; framesIn: number }> {
  const res = await fetch(`${inject("proxyControlUrl")}/_control/stats`);
  if (!res.ok) throw new Error(`proxy stats failed: ${res.status}`);
  return res.json();
}

/**
 * Runs one query as the database's owner (a superuser, outside the application role's limits).
 * Even a superuser is turned away while every one of `max_connections` is taken (a burst's
 * connection attempts count while they are refused): then it tries again shortly.
 */
export async function ownerSql<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  configureDriver({ DATABASE_WS_PROXY: env.DATABASE_WS_PROXY });
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: inject("ownerDatabaseUrl") });
    client.on("error", () => undefined);
    try {
      await client.connect();
    } catch (error) {
      const full = error instanceof Error && /too many (clients|connections)|connection slots are reserved/.test(error.message);
      if (attempt >= 20 || !full) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      continue;
    }
    try {
      return (await client.query<T>(text, params)).rows;
    } finally {
      await client.end();
    }
  }
}

/** Caps how many connections the Worker's role may hold at once (null: no cap), as Postgres enforces it. */
export async function setAppConnectionLimit(limit: number | null): Promise<void> {
  await ownerSql(`ALTER ROLE ${inject("appRole")} CONNECTION LIMIT ${limit ?? -1}`);
}

/** Connections the Worker's role holds right now, as Postgres counts them. */
export async function appConnections(): Promise<number> {
  const [row] = await ownerSql<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1", [inject("appRole")]);
  return row?.n ?? 0;
}
