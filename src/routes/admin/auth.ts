/**
 * X-Admin-API-Key: compared in constant time. Both sides are hashed first, so the comparison
 * always runs over 32 bytes and not even the key's length leaks. No key configured: the admin API
 * is off (503), never open.
 */
import type { MiddlewareHandler } from "hono";
import { secretsEqual } from "../../lib/crypto.ts";
import type { AdminEnv } from "./context.ts";

export const HEADER = "X-Admin-API-Key";

/**
 * Whether a request's X-Admin-API-Key is the admin key (constant time). False without a key on
 * either side. For routes that answer everyone but tell only the operator the details.
 */
export async function adminKeyGiven(given: string | undefined, expected: string | undefined): Promise<boolean> {
  return given !== undefined && expected !== undefined && (await secretsEqual(given, expected));
}

export const requireAdminKey: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const expected = c.get("config").ADMIN_API_KEY;
  if (!expected) return c.json({ error: "admin_not_configured" }, 503);
  const given = c.req.header(HEADER);
  if (!given || !(await adminKeyGiven(given, expected))) {
    c.get("log").warn("admin.unauthorized", { key_given: given !== undefined, path: new URL(c.req.url).pathname });
    return c.json({ error: "unauthorized", message: `missing or wrong ${HEADER} header` }, 401);
  }
  await next();
};
