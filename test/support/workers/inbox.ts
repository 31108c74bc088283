/**
 * The web inbox from a test's browser: requests to /inbox from the test's own address (so rate
 * limits never leak between tests), signing in, the session cookie, and the form fields a page
 * rendered (CSRF token, request ids).
 */
import { SELF } from "cloudflare:test";
import { deriveSessionKey, issueSession, keyFingerprint, sessionId } from "../../../src/lib/session.ts";
import { ADMIN_KEY, uniqueIp } from "./artist.ts";
import { sql } from "./db.ts";

export const ORIGIN = "https://inkline.test";

export interface InboxRequest {
  method?: "GET" | "POST";
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** A raw body instead of `form` (POST; set its content-type in `headers`). */
  body?: ReadableStream<Uint8Array>;
  /** The session cookie's value (omitted: signed out). */
  cookie?: string | null;
  ip?: string;
  headers?: Record<string, string>;
}

/** A request as a browser on our own pages makes it (same Origin on POSTs); redirects are not followed. */
export function inboxFetch(path: string, init: InboxRequest = {}): Promise<Response> {
  const method = init.method ?? (init.form || init.body ? "POST" : "GET");
  const headers: Record<string, string> = { "cf-connecting-ip": init.ip ?? uniqueIp() };
  if (method === "POST") headers.origin = ORIGIN;
  if (init.form) headers["content-type"] = "application/x-www-form-urlencoded";
  if (init.cookie) headers.cookie = `inkline_inbox=${init.cookie}`;
  return SELF.fetch(`${ORIGIN}${path}`, {
    method,
    headers: { ...headers, ...init.headers },
    body: init.form ? new URLSearchParams(init.form).toString() : init.body,
    redirect: "manual",
  });
}

/** The inbox cookie's value in a response's Set-Cookie (null: none set). */
export function sessionCookieFrom(response: Response): string | null {
  const header = response.headers.get("set-cookie") ?? "";
  const match = /(?:^|,\s*)inkline_inbox=([^;]*)/.exec(header);
  return match ? (match[1] ?? "") : null;
}

/** Signs in with the admin key; returns the session cookie's value. */
export async function signIn(ip = uniqueIp()): Promise<string> {
  const response = await inboxFetch("/inbox/login", { form: { key: ADMIN_KEY }, ip });
  const cookie = sessionCookieFrom(response);
  if (response.status !== 303 || !cookie) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  return cookie;
}

/**
 * A session cookie made with the signing key of `adminKey` for a session issued at `issuedAt`, and
 * (unless `record` is false) its row in inbox_sessions, as a sign-in at that time would have left.
 */
export async function forgeSession(issuedAt: number, adminKey = ADMIN_KEY, options: { record?: boolean } = {}): Promise<string> {
  const key = await deriveSessionKey(adminKey);
  const { value, session } = await issueSession(key, issuedAt);
  if (options.record !== false) {
    await sql("INSERT INTO inbox_sessions (id, key_fingerprint, created_at, expires_at) VALUES ($1, $2, $3, $4)", [
      await sessionId(session),
      await keyFingerprint(key),
      new Date(issuedAt).toISOString(),
      new Date(session.expiresAt).toISOString(),
    ]);
  }
  return value;
}

/** The stored row of the session behind a cookie value (undefined: none). */
export async function sessionRow(cookie: string): Promise<{ id: string; key_fingerprint: string; created_at: Date; expires_at: Date; revoked_at: Date | null } | undefined> {
  const nonce = cookie.split(".")[2] ?? "";
  const [row] = await sql<{ id: string; key_fingerprint: string; created_at: Date; expires_at: Date; revoked_at: Date | null }>(
    "SELECT id, key_fingerprint, created_at, expires_at, revoked_at FROM inbox_sessions WHERE id = $1",
    [await sessionId({ nonce, expiresAt: 0 })],
  );
  return row;
}

/** The value of the hidden field `name` in the first form (or the form for `action`) of a page. */
export function formField(html: string, name: string, action?: string): string {
  const scope = action === undefined ? html : (html.split(`data-action="${action}"`)[1] ?? "");
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(scope);
  if (!match?.[1]) throw new Error(`no ${name} field${action ? ` in the ${action} form` : ""}`);
  return match[1];
}

/** The part of a page inside the element with `aria-labelledby="<id>"` (a section). */
export function section(html: string, id: string): string {
  const start = html.indexOf(`aria-labelledby="${id}"`);
  if (start === -1) throw new Error(`no section ${id}`);
  return html.slice(start, html.indexOf("</section>", start));
}
