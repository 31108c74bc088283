/**
 * Rate limiting for the artist's and ops' routes (`/a/`, `/admin`): a fixed window per client IP
 * and route group, counted in a RateLimiter Durable Object (see durable-objects/rate-limiter.ts for
 * why there). Over the limit: 429 with Retry-After, answered by the caller's `refuse` (a page for
 * the artist, JSON for the API).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.ts";

export interface RateLimitPolicy {
  /** Names the route group in the limiter's key ("actions", "admin"). */
  scope: string;
  limit: number;
  windowMs: number;
  refuse: (c: Context<AppEnv>, retryAfterSeconds: number) => Response | Promise<Response>;
}

/** The client's IP as Cloudflare reports it; one shared bucket when the header is missing (local runs). */
export function clientIp(c: Context<AppEnv>): string {
  return c.req.header("cf-connecting-ip") ?? "unknown";
}

export function rateLimit(policy: RateLimitPolicy): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const now = Date.now();
    let result;
    try {
      result = await c.env.RATE_LIMITER.getByName(`${policy.scope}:${clientIp(c)}`).hit(policy.limit, policy.windowMs, now);
    } catch (error) {
      // Fail open: the limiter guards against floods, it must not take the admin or the links down.
      c.get("log").warn("rate_limit.unavailable", { scope: policy.scope, error });
      await next();
      return;
    }
    c.header("RateLimit-Limit", String(policy.limit));
    c.header("RateLimit-Remaining", String(result.remaining));
    if (!result.allowed) {
      const retryAfter = Math.max(1, Math.ceil((result.resetAt - now) / 1000));
      c.get("log").warn("rate_limit.refused", { scope: policy.scope, path: new URL(c.req.url).pathname });
      c.header("Retry-After", String(retryAfter));
      return policy.refuse(c, retryAfter);
    }
    await next();
  };
}
