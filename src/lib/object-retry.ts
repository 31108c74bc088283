/**
 * Retrying a call to a Durable Object that was reset under it (an eviction, a deploy, a crash).
 * The runtime marks such errors `durableObjectReset` (or `retryable`); an overloaded object is
 * never retried. Only for idempotent calls, such as `LeadConversation.receive()` (event ids are
 * UNIQUE in its inbox, so storing twice is storing once). Each attempt must build its own stub:
 * a stub that threw may stay broken.
 *
 * Between attempts the caller waits a short, fully jittered pause (src/lib/backoff.ts): a deploy
 * resets every object at once, and a webhook POST for a thousand numbers would otherwise call them
 * all again in the same instant.
 */
import { backoffMs } from "./backoff.ts";

/** Ceiling of the pause before the second attempt (doubling for each further one). */
export const OBJECT_RETRY_BASE_MS = 50;

/** Whether `error` says the object was reset and the same call may simply be made again. */
export function isObjectResetError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  if ("overloaded" in error && error.overloaded === true) return false;
  return ("durableObjectReset" in error && error.durableObjectReset === true) || ("retryable" in error && error.retryable === true);
}

/** What the retry needs from the outside world: a random draw in [0, 1) and a way to wait. */
export interface RetryClock {
  random: () => number;
  sleep: (ms: number) => Promise<void>;
}

const realClock: RetryClock = {
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Runs `call` (which gets a fresh stub each time) up to `attempts` times while the object keeps being reset. */
export async function retryObjectReset<T>(call: () => Promise<T>, attempts = 3, clock: RetryClock = realClock): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isObjectResetError(error)) throw error;
      await clock.sleep(backoffMs(OBJECT_RETRY_BASE_MS, attempt, clock.random()));
    }
  }
}
