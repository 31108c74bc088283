/**
 * The Hono context every route sees: bindings, the parsed config, the request's correlation id and
 * a logger bound to it. `requestContext` sets them once per request.
 */
import type { MiddlewareHandler } from "hono";
import { adminKeyDespiteProblems, configFor, type AppConfig } from "../config.ts";
import { correlationIdFrom, createLogger, type Logger } from "../lib/log.ts";
import { adminKeyGiven, HEADER } from "./admin/auth.ts";

export type AppEnv = {
  Bindings: Env;
  Variables: { config: AppConfig; correlationId: string; log: Logger };
};

/**
 * Resolves correlation id, logger and config. A request against a misconfigured deployment gets a
 * 503 (production refuses to serve rather than half-work); the problems are logged, and listed in
 * the answer only to a caller with the admin key (an APP_ENV unset or unknown counts as production).
 */
export const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  const correlationId = correlationIdFrom(c.req.header("x-correlation-id"));
  const result = configFor(c.env);
  const log = createLogger(correlationId, result.ok ? result.config.LOG_LEVEL : "info");
  c.set("correlationId", correlationId);
  c.set("log", log);
  c.header("X-Correlation-ID", correlationId);
  if (!result.ok) {
    log.error("config.invalid", { problems: result.problems });
    c.header("Cache-Control", "no-store");
    const operator = await adminKeyGiven(c.req.header(HEADER), adminKeyDespiteProblems(c.env));
    if (!operator) return c.json({ error: "misconfigured", correlation_id: correlationId }, 503);
    return c.json({ error: "misconfigured", problems: result.problems, correlation_id: correlationId }, 503);
  }
  c.set("config", result.config);
  const started = Date.now();
  await next();
  log.info("http.request", {
    method: c.req.method,
    path: new URL(c.req.url).pathname,
    status: c.res.status,
    latency_ms: Date.now() - started,
  });
};
