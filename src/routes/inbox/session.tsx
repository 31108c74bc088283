/**
 * The inbox's door: the session cookie (issued after the admin key, checked on every page), the
 * CSRF token every form carries, and a same-origin check on every POST.
 *
 * Cookie: HttpOnly (no script reads it), SameSite=Lax (sent when the artist follows a link to the
 * inbox from WhatsApp, never on another site's POST), Secure on https, Path=/inbox, Max-Age the
 * session's lifetime. Its value is signed and carries its own expiry (src/lib/session.ts); each
 * sign-in also has a row in `inbox_sessions`, checked on every request (one primary-key read on
 * the request's database handle), which sign-out revokes: a copy of the cookie stops working too.
 */
import type { PanicSetting } from "../../db/settings-store.ts";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppConfig } from "../../config.ts";
import { findInboxSession, recordInboxSession, revokeInboxSession } from "../../db/inbox-sessions.ts";
import {
  csrfMatches,
  csrfToken,
  deriveSessionKey,
  issueSession,
  judgeStoredSession,
  keyFingerprint,
  sessionId,
  SESSION_TTL_MS,
  verifySession,
  type Session,
} from "../../lib/session.ts";
import type { DbEnv } from "../database.ts";
import { artistCopy as t } from "../lead-view.ts";
import { MessagePage } from "./layout.tsx";

export const SESSION_COOKIE = "inkline_inbox";
const COOKIE_PATH = "/inbox";

export type InboxEnv = {
  Bindings: DbEnv["Bindings"];
  Variables: DbEnv["Variables"] & { sessionKey: string; keyFingerprint: string; session: Session; csrf: string; panic: PanicSetting };
};

/** Where to go after signing in: only inbox pages (no open redirect). */
export function safeNext(value: unknown): string | null {
  return typeof value === "string" && /^\/inbox(\/[A-Za-z0-9/_-]*)?$/.test(value) ? value : null;
}

interface SessionKey {
  key: string;
  fingerprint: string;
}

const keys = new WeakMap<AppConfig, Promise<SessionKey>>();

async function sessionKeyFor(adminKey: string): Promise<SessionKey> {
  const key = await deriveSessionKey(adminKey);
  return { key, fingerprint: await keyFingerprint(key) };
}

/** Derives the signing key from ADMIN_API_KEY (once per config); without a key the inbox is off. */
export const withSessionKey: MiddlewareHandler<InboxEnv> = async (c, next) => {
  const config = c.get("config");
  const adminKey = config.ADMIN_API_KEY;
  if (!adminKey) return c.html(<MessagePage title={t("inbox.not_configured.title")} body={t("inbox.not_configured.body")} />, 503);
  let key = keys.get(config);
  if (!key) {
    key = sessionKeyFor(adminKey);
    keys.set(config, key);
  }
  const { key: sessionKey, fingerprint } = await key;
  c.set("sessionKey", sessionKey);
  c.set("keyFingerprint", fingerprint);
  await next();
};

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/** Signs the browser in: a fresh session, recorded, and its cookie. */
export async function startSession(c: Context<InboxEnv>): Promise<void> {
  const now = Date.now();
  const { value, session } = await issueSession(c.get("sessionKey"), now);
  await recordInboxSession(c.get("db"), {
    id: await sessionId(session),
    keyFingerprint: c.get("keyFingerprint"),
    createdAt: new Date(now),
    expiresAt: new Date(session.expiresAt),
  });
  setCookie(c, SESSION_COOKIE, value, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

/** Signs the browser out: the session is revoked on the server (a copy of the cookie stops working too) and the cookie goes. */
export async function endSession(c: Context<InboxEnv>): Promise<void> {
  await revokeInboxSession(c.get("db"), await sessionId(c.get("session")), new Date());
  dropCookie(c);
}

/** Removes the session cookie from this browser. */
function dropCookie(c: Context<InboxEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, secure: isHttps(c), httpOnly: true, sameSite: "Lax" });
}

type SessionRefusal = "missing" | "malformed" | "bad_signature" | "expired" | "unknown" | "revoked" | "rotated";

/**
 * The request's session: the cookie's signature and expiry first (no database read for a forged
 * or stale value), then its row (signed out, or issued under a rotated key, is refused).
 */
async function currentSession(c: Context<InboxEnv>): Promise<{ ok: true; session: Session } | { ok: false; reason: SessionRefusal }> {
  const now = Date.now();
  const check = await verifySession(c.get("sessionKey"), getCookie(c, SESSION_COOKIE), now);
  if (!check.ok) return check;
  const stored = judgeStoredSession(await findInboxSession(c.get("db"), await sessionId(check.session)), c.get("keyFingerprint"), now);
  return stored.ok ? check : stored;
}

/**
 * Pages need a valid session. Without one: GET goes to the login page (with where it was going),
 * anything else gets 401; an altered, expired or revoked cookie is removed and logged.
 */
export const requireSession: MiddlewareHandler<InboxEnv> = async (c, next) => {
  const key = c.get("sessionKey");
  const check = await currentSession(c);
  if (!check.ok) {
    if (check.reason !== "missing") {
      c.get("log").warn("inbox.session_refused", { reason: check.reason, path: new URL(c.req.url).pathname });
      dropCookie(c);
    }
    const params = new URLSearchParams();
    if (check.reason !== "missing") params.set("expired", "1");
    const next = safeNext(new URL(c.req.url).pathname);
    if (next && next !== "/inbox") params.set("next", next);
    const query = params.toString();
    const login = `/inbox/login${query ? `?${query}` : ""}`;
    if (c.req.method === "GET" || c.req.method === "HEAD") return c.redirect(login, 303);
    return c.html(<MessagePage title={t("inbox.login.title")} body={t("inbox.login.expired")} />, 401);
  }
  c.set("session", check.session);
  c.set("csrf", await csrfToken(key, check.session));
  await next();
};

function forbidden(c: Context<InboxEnv>, why: string): Response | Promise<Response> {
  c.get("log").warn("inbox.csrf_refused", { why, path: new URL(c.req.url).pathname });
  return c.html(<MessagePage title={t("inbox.csrf.title")} body={t("inbox.csrf.body")} />, 403);
}

/**
 * Every POST must come from our own pages: a browser's Origin (and Sec-Fetch-Site, when sent) must
 * be this site. Runs before the login too, so no other site can even try keys through a browser.
 */
export const sameOrigin: MiddlewareHandler<InboxEnv> = async (c, next) => {
  if (c.req.method === "POST") {
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) return forbidden(c, "origin");
    if (site !== undefined && site !== "same-origin" && site !== "none") return forbidden(c, "sec-fetch-site");
  }
  await next();
};

/** A signed-in POST must carry this session's CSRF token in its form (`csrf`). */
export const requireCsrf: MiddlewareHandler<InboxEnv> = async (c, next) => {
  if (c.req.method === "POST") {
    const form = await c.req.parseBody();
    const given = typeof form.csrf === "string" ? form.csrf : undefined;
    if (!(await csrfMatches(c.get("sessionKey"), c.get("session"), given))) return forbidden(c, given === undefined ? "missing" : "mismatch");
  }
  await next();
};
