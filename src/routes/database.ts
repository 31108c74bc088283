/**
 * A database handle for routes that read Postgres (admin, action links, the inbox): opened for the
 * request and closed after it, since plain Worker requests must not keep a pool between requests.
 * Its one connection is taken up front, patiently: while a burst of Durable Objects holds the
 * database's slots, the request waits a jittered moment for one to free up (connectPatiently)
 * rather than failing at once.
 */
import type { MiddlewareHandler } from "hono";
import { connectPatiently, openDatabase, type Database } from "../db/client.ts";
import type { AppEnv } from "./context.ts";

export type DbEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & { db: Database };
};

/** Opens the request's database handle; closes it once the response is on its way. */
export const withDatabase: MiddlewareHandler<DbEnv> = async (c, next) => {
  const config = c.get("config");
  if (!config.DATABASE_URL) return c.json({ error: "database_not_configured" }, 503);
  const handle = openDatabase(config);
  c.set("db", handle.db);
  try {
    await connectPatiently(handle);
    await next();
  } finally {
    c.executionCtx.waitUntil(handle.close().catch(() => undefined));
  }
};
