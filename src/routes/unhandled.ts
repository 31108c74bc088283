/**
 * The answer to an error no route handled. When the database is what failed (the error is a lost
 * or refused connection, no connection slot free, or the database does not answer a ping), the request itself was fine and
 * can simply be made again: 503 with Retry-After, which Stripe and API clients retry, instead of a
 * 500 (found by `npm run chaos`: the admin API and Stripe's webhook need Postgres to find the
 * lead). Anything else is a bug: 500, logged as such.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { cannotConnect, pingDatabase } from "../db/client.ts";
import type { AppEnv } from "./context.ts";

/** Seconds a client is asked to wait before trying again while the database is away. */
export const DATABASE_RETRY_AFTER_S = 5;

/** `app.onError`: 503 + Retry-After when the database is away, the HTTPException's own status, else 500. */
export async function unhandledResponse(error: Error, c: Context<AppEnv>): Promise<Response> {
  const correlationId = c.get("correlationId");
  if (error instanceof HTTPException) {
    return c.json({ error: error.message || "request_error", correlation_id: correlationId }, error.status);
  }
  const path = new URL(c.req.url).pathname;
  const config = c.get("config");
  if (config.DATABASE_URL && (cannotConnect(error) || !(await pingDatabase(config, 1_000)).ok)) {
    c.get("log").warn("http.database_unavailable", { error, path });
    c.header("Retry-After", String(DATABASE_RETRY_AFTER_S));
    return c.json({ error: "database_unavailable", correlation_id: correlationId }, 503);
  }
  c.get("log").error("http.unhandled", { error, path });
  return c.json({ error: "internal_error", correlation_id: correlationId }, 500);
}
