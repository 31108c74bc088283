/**
 * One authorised call to a Google REST API, shared by the Calendar and Sheets clients: the bearer
 * token from auth.ts (re-minted once on a 401), the client's timeout, the JSON body read leniently
 * (Google's error pages are not always JSON), and Retry-After read relative to the auth clock. A
 * call that got no answer is a retryable failure (errors.ts), never a throw.
 */
import { withAccessToken, type GoogleAuth } from "./auth.ts";
import { classifyResponse, noAnswer, parseRetryAfter, type GoogleFailure } from "./errors.ts";

/** How to reach one Google API. */
export interface GoogleApiClient {
  auth: GoogleAuth;
  /** The API's base URL, without a trailing slash. */
  apiUrl: string;
  timeoutMs: number;
}

/** An HTTP answer from Google: status, parsed JSON body (null when none or not JSON), Retry-After. */
export interface GoogleAnswer {
  status: number;
  body: unknown;
  retryAfterMs: number | null;
}

export type GoogleResult<T, F = GoogleFailure> = { ok: true; value: T } | { ok: false; error: F };

export interface GoogleRequest {
  query?: Record<string, string | string[] | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends one call; resolves to Google's answer whatever its status, or a failure when there was none (or no token). */
export async function googleRequest(client: GoogleApiClient, method: string, path: string, options: GoogleRequest = {}): Promise<GoogleResult<GoogleAnswer>> {
  const url = new URL(`${client.apiUrl}${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    for (const v of value === undefined ? [] : Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
  }
  try {
    const sent = await withAccessToken(client.auth, (token) =>
      fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(options.body === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(client.timeoutMs),
      }),
    );
    if (!sent.ok) return sent;
    const res = sent.value;
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    return { ok: true, value: { status: res.status, body, retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), client.auth.now()) } };
  } catch (error) {
    return { ok: false, error: noAnswer(error) };
  }
}

/** A non-2xx answer as a classified failure (errors.ts). */
export const failedAnswer = (answer: GoogleAnswer): { ok: false; error: GoogleFailure } => ({ ok: false, error: classifyResponse(answer.status, answer.body, answer.retryAfterMs) });

/** A 2xx answer whose body did not have the shape Google documents: retryable (a proxy's page, a partial answer). */
export const unexpectedAnswer = (status: number, what: string): GoogleFailure => ({
  kind: "retryable",
  status,
  reason: "unexpected_response",
  message: `Google's ${what} answer did not have the expected shape`,
  retryAfterMs: null,
});

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;
