/**
 * How a Google API call failed, shared by every Google adapter (token exchange, Calendar, and the
 * coming Sheets client): "retryable" (rate limits, 429, 5xx, network, timeout: back off and try
 * again, honouring Retry-After) or "permanent" (400, 404, other 403s: retrying cannot help; the
 * job is dead-lettered and the artist told). Google's guidance is to branch on the HTTP status and
 * the `errors[].reason`, never on message text (developers.google.com/calendar/api/guides/errors).
 * Pure: the caller passes the response's status, parsed body and Retry-After header.
 */
import { z } from "zod";

/** A failed Google call, as every Google adapter reports it. */
export type GoogleFailure =
  | {
      kind: "retryable";
      /** HTTP status, or null when there was no answer (network, timeout). */
      status: number | null;
      /** Google's `errors[0].reason` (rateLimitExceeded, backendError…), or ours: "timeout", "network". */
      reason: string;
      message: string;
      /** From Retry-After when Google sent one; else the caller's own backoff decides. */
      retryAfterMs: number | null;
    }
  | { kind: "permanent"; status: number | null; reason: string; message: string };

/** Google's JSON error body: an `error` object with code, message, status and `errors[]` of domain and reason. */
export const GoogleErrorBodySchema = z.object({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    errors: z.array(z.looseObject({ domain: z.string().optional(), reason: z.string().optional(), message: z.string().optional() })).optional(),
  }),
});

/** 403 reasons that mean "slow down", not "forbidden". `quotaExceeded` is the daily cap: retry much later. */
const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"]);

/** Reads Retry-After (delta-seconds or an HTTP date) as milliseconds from `nowMs`; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null || header.trim() === "") return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Google's reason and message out of an error body (anything unreadable gives "unknown"). */
export function errorDetails(body: unknown): { reason: string; message: string } {
  const parsed = GoogleErrorBodySchema.safeParse(body);
  if (!parsed.success) return { reason: "unknown", message: "no error body" };
  const { error } = parsed.data;
  return { reason: error.errors?.[0]?.reason ?? error.status ?? "unknown", message: error.message ?? error.errors?.[0]?.message ?? "" };
}

/** Classifies an HTTP error answer from a Google API (see the module header). */
export function classifyResponse(status: number, body: unknown, retryAfterMs: number | null): GoogleFailure {
  const { reason, message } = errorDetails(body);
  const retryable = status === 429 || status >= 500 || status === 408 || (status === 403 && RATE_LIMIT_REASONS.has(reason));
  return retryable ? { kind: "retryable", status, reason, message, retryAfterMs } : { kind: "permanent", status, reason, message };
}

/** A call that got no answer: a timeout (our AbortSignal) or a network failure. Both are retryable. */
export function noAnswer(error: unknown): GoogleFailure {
  const name = error instanceof Error ? error.name : "";
  const timedOut = name === "TimeoutError" || name === "AbortError";
  return {
    kind: "retryable",
    status: null,
    reason: timedOut ? "timeout" : "network",
    message: timedOut ? "Google did not answer in time" : error instanceof Error ? error.message : String(error),
    retryAfterMs: null,
  };
}
