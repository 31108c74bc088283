/**
 * RateLimiter: a fixed-window request counter, one Durable Object per (route group, client IP).
 *
 * Why a Durable Object and not the Cache API: a DO counts exactly (one object serializes its
 * calls), globally rather than per data centre, and works on every hostname (the Cache API is a
 * no-op on workers.dev). The count lives in memory only: an object that is evicted starts a fresh
 * window, which errs towards letting a request through, never towards locking the artist out.
 */
import { DurableObject } from "cloudflare:workers";

export interface RateLimitResult {
  allowed: boolean;
  /** Requests left in this window after this one. */
  remaining: number;
  /** When the window ends (epoch ms): the Retry-After for a refused request. */
  resetAt: number;
}

export class RateLimiter extends DurableObject<Env> {
  private windowStart = 0;
  private count = 0;

  /**
   * Counts one request against `limit` per window of `windowMs`; `now` is the caller's clock. A
   * window opens with the first request after the previous one closed (each key has its own, so
   * there is no reason to align them to the clock, and a burst cannot straddle two windows).
   */
  hit(limit: number, windowMs: number, now: number): RateLimitResult {
    if (now - this.windowStart >= windowMs || now < this.windowStart) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count++;
    return { allowed: this.count <= limit, remaining: Math.max(0, limit - this.count), resetAt: this.windowStart + windowMs };
  }
}
