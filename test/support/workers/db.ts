/**
 * Reads the real test Postgres from inside the Workers runtime, through the same driver and proxy
 * the Worker uses, so assertions see exactly what Inkline committed.
 */
import { Client } from "@neondatabase/serverless";
import { env } from "cloudflare:test";
import { inject } from "vitest";
import { configureDriver } from "../../../src/db/client.ts";

/** Runs one query and returns its rows. */
export async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  configureDriver({ DATABASE_WS_PROXY: env.DATABASE_WS_PROXY });
  const client = new Client({ connectionString: env.DATABASE_URL });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const result = await client.query<T>(text, params);
    return result.rows;
  } finally {
    await client.end();
  }
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
