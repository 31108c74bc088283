/**
 * Counting noisy events from a route without a database connection each: the occurrence goes to
 * its kind's EventSampler Durable Object (durable-objects/event-sampler.ts), which writes at most
 * one `system_events` row per kind a minute. After the response (waitUntil), best effort: a
 * sampler that cannot be reached costs a log line, never the request.
 */
import type { Context } from "hono";
import type { SampledEvent } from "../lib/event-tally.ts";
import type { AppEnv } from "./context.ts";

/** Counts one `type` occurrence for `reason` (a short fixed code, never caller-supplied text). */
export function countSampledEvent(c: Context<AppEnv>, type: SampledEvent, reason: string): void {
  const log = c.get("log");
  const counted = c.env.EVENT_SAMPLER.getByName(type)
    .count(type, reason, Date.now())
    .catch((error: unknown) => log.warn("event_sampler.unavailable", { type, error }));
  c.executionCtx.waitUntil(counted);
}
