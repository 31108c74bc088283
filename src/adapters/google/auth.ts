/**
 * Google service-account auth for Workers (OAuth 2.0 JWT bearer grant), shared by the Calendar
 * client and the coming Sheets client: parse the JSON key, sign an RS256 assertion, exchange it
 * at the token endpoint, cache the access token per isolate until five minutes before it expires,
 * and mint once more when an API answers 401.
 *
 * No Google SDK runs on Workers (research/scheduling.md §1.1). The assertion is signed with `jose`
 * (RS256 over WebCrypto, which it uses on Workers). Tokens and keys never appear in a log line or
 * an error message.
 */
import { importPKCS8, SignJWT } from "jose";
import { z } from "zod";
import { classifyResponse, noAnswer, parseRetryAfter, type GoogleFailure } from "./errors.ts";

/** Google's token endpoint (GOOGLE_TOKEN_URL overrides it, for the emulator). */
export const DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token";
/** Google caps an assertion's lifetime at one hour. */
const ASSERTION_TTL_S = 3600;
/** A cached token is replaced this long before it expires. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * A PEM stored as a Wrangler secret often arrives with literal `\n` in place of new lines;
 * both spellings are accepted.
 */
const pem = z
  .string()
  .transform((v) => v.replace(/\\n/g, "\n").trim())
  .refine((v) => /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----$/.test(v), "must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)");

/** The fields of a service account's JSON key that Inkline uses (Google's file has more). */
export const ServiceAccountSchema = z.looseObject({
  client_email: z.email(),
  private_key: pem,
  private_key_id: z.string().optional(),
  token_uri: z.url().optional(),
});
export type ServiceAccount = z.infer<typeof ServiceAccountSchema>;

/** Parses GOOGLE_SERVICE_ACCOUNT_JSON; problems name the field, never its value. */
export function parseServiceAccount(json: string): { ok: true; value: ServiceAccount } | { ok: false; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, problems: ["is not JSON (paste the whole key file Google gave you)"] };
  }
  const parsed = ServiceAccountSchema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".") || "key"}: ${i.message}`) };
}

/** Everything needed to get an access token for one account and scope. */
export interface GoogleAuth {
  account: ServiceAccount;
  /** Space-separated OAuth scopes. */
  scope: string;
  /** GOOGLE_TOKEN_URL, else the key's token_uri, else {@link DEFAULT_TOKEN_URL}; also the assertion's `aud`. */
  tokenUrl: string;
  timeoutMs: number;
  /** The clock, epoch milliseconds (injected so tests and callers decide what "now" is). */
  now: () => number;
}

/** The token endpoint for an account: the override when set, else the key's own, else Google's. */
export function tokenUrlFor(account: ServiceAccount, override: string | undefined): string {
  return override ?? account.token_uri ?? DEFAULT_TOKEN_URL;
}

export type AuthResult<T> = { ok: true; value: T } | { ok: false; error: GoogleFailure };

const importedKeys = new Map<string, Promise<CryptoKey>>();

/** The account's private key as a signing key, imported once per isolate. */
function importKey(privateKeyPem: string): Promise<CryptoKey> {
  let key = importedKeys.get(privateKeyPem);
  if (!key) {
    key = importPKCS8(privateKeyPem, "RS256");
    importedKeys.set(privateKeyPem, key);
    key.catch(() => importedKeys.delete(privateKeyPem));
  }
  return key;
}

/**
 * The signed assertion (RS256 JWT) for `account` and `scope`: iss = the account, aud = the token
 * URL, iat = `nowMs`, exp = one hour later. Rejects when the private key is not an RSA PKCS#8 key.
 */
export async function signAssertion(account: ServiceAccount, scope: string, audience: string, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const key = await importKey(account.private_key);
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(account.private_key_id ? { kid: account.private_key_id } : {}) })
    .setIssuer(account.client_email)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ASSERTION_TTL_S)
    .sign(key);
}

const TokenResponseSchema = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive(), token_type: z.string().optional() });
const TokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

interface CachedToken {
  token: string;
  expiresAtMs: number;
}

/** Per isolate: account + scope + token URL → token; a mint in flight is shared by concurrent callers. */
const tokens = new Map<string, CachedToken>();
const minting = new Map<string, Promise<AuthResult<CachedToken>>>();

const cacheKey = (auth: GoogleAuth) => `${auth.tokenUrl} ${auth.account.client_email} ${auth.scope}`;

/** Forgets every cached token of this isolate (after a key rotation; tests). */
export function forgetAccessTokens(): void {
  tokens.clear();
}

async function mint(auth: GoogleAuth): Promise<AuthResult<CachedToken>> {
  const nowMs = auth.now();
  let assertion: string;
  try {
    assertion = await signAssertion(auth.account, auth.scope, auth.tokenUrl, nowMs);
  } catch {
    return { ok: false, error: { kind: "permanent", status: null, reason: "invalid_key", message: "GOOGLE_SERVICE_ACCOUNT_JSON: private_key is not a usable RSA PKCS#8 key" } };
  }
  let res: Response;
  try {
    res = await fetch(auth.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
      signal: AbortSignal.timeout(auth.timeoutMs),
    });
  } catch (error) {
    return { ok: false, error: noAnswer(error) };
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const oauth = TokenErrorSchema.safeParse(body);
    // invalid_grant (bad signature, clock skew, unknown or deleted account), invalid_scope… are the key's
    // or the setup's fault: retrying cannot help. 429/5xx are Google's.
    if (oauth.success && res.status < 500 && res.status !== 429) {
      return { ok: false, error: { kind: "permanent", status: res.status, reason: oauth.data.error, message: `token exchange refused: ${oauth.data.error_description ?? oauth.data.error}` } };
    }
    return { ok: false, error: classifyResponse(res.status, body, parseRetryAfter(res.headers.get("retry-after"), nowMs)) };
  }
  const parsed = TokenResponseSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: { kind: "retryable", status: res.status, reason: "bad_token_response", message: "token endpoint answered without an access token", retryAfterMs: null } };
  return { ok: true, value: { token: parsed.data.access_token, expiresAtMs: nowMs + parsed.data.expires_in * 1000 } };
}

/**
 * An access token for `auth`: the cached one while it has more than five minutes left, else a new
 * one. `fresh` skips the cache (after a 401). Concurrent callers share one mint.
 */
export async function accessToken(auth: GoogleAuth, fresh = false): Promise<AuthResult<string>> {
  const key = cacheKey(auth);
  const cached = tokens.get(key);
  if (!fresh && cached && cached.expiresAtMs - auth.now() > TOKEN_REFRESH_MARGIN_MS) return { ok: true, value: cached.token };
  if (fresh) tokens.delete(key);
  let pending = minting.get(key);
  if (!pending) {
    pending = mint(auth).finally(() => minting.delete(key));
    minting.set(key, pending);
  }
  const result = await pending;
  if (!result.ok) return result;
  tokens.set(key, result.value);
  return { ok: true, value: result.value.token };
}

/**
 * Runs `send` with a bearer token; on a 401 drops the token, mints exactly one new one and sends
 * once more. The second answer is returned whatever it is (a second 401 is the caller's permanent
 * failure). Network failures inside `send` propagate to the caller.
 */
export async function withAccessToken(auth: GoogleAuth, send: (token: string) => Promise<Response>): Promise<AuthResult<Response>> {
  const first = await accessToken(auth);
  if (!first.ok) return first;
  const res = await send(first.value);
  if (res.status !== 401) return { ok: true, value: res };
  await res.body?.cancel();
  const second = await accessToken(auth, true);
  if (!second.ok) return second;
  return { ok: true, value: await send(second.value) };
}
