/**
 * The inbox's door: the session cookie (issued after the admin key, checked on every page), the
 * CSRF token every form carries, and a same-origin check on every POST.
 *
 * Cookie: HttpOnly (no script reads it), SameSite=Lax (sent when the artist follows a link to the
 * inbox from WhatsApp, never on another site's POST), Secure on https, Path=/inbox, Max-Age the
 * session's lifetime. Its value is signed and carries its own expiry (src/lib/session.ts).
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppConfig } from "../../config.ts";
import { csrfMatches, csrfToken, deriveSessionKey, issueSession, SESSION_TTL_MS, verifySession, type Session } from "../../lib/session.ts";
import type { DbEnv } from "../database.ts";
import { artistCopy as t } from "../lead-view.ts";
import { MessagePage } from "./layout.tsx";

export const SESSION_COOKIE = "inkline_inbox";
const COOKIE_PATH = "/inbox";

export type InboxEnv = {
  Bindings: DbEnv["Bindings"];
  Variables: DbEnv["Variables"] & { sessionKey: string; session: Session; csrf: string };
};

/** Where to go after signing in: only inbox pages (no open redirect). */
export function safeNext(value: unknown): string | null {
  return typeof value === "string" && /^\/inbox(\/[A-Za-z0-9/_-]*)?$/.test(value) ? value : null;
}

const keys = new WeakMap<AppConfig, Promise<string>>();

/** Derives the signing key from ADMIN_API_KEY (once per config); without a key the inbox is off. */
export const withSessionKey: MiddlewareHandler<InboxEnv> = async (c, next) => {
  const config = c.get("config");
  const adminKey = config.ADMIN_API_KEY;
  if (!adminKey) return c.html(<MessagePage title={t("inbox.not_configured.title")} body={t("inbox.not_configured.body")} />, 503);
  let key = keys.get(config);
  if (!key) {
    key = deriveSessionKey(adminKey);
    keys.set(config, key);
  }
  c.set("sessionKey", await key);
  await next();
};

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/** Signs the browser in: a fresh session cookie. */
export async function startSession(c: Context<InboxEnv>): Promise<void> {
  const { value } = await issueSession(c.get("sessionKey"), Date.now());
  setCookie(c, SESSION_COOKIE, value, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

/** Signs the browser out (the cookie goes; a copy kept elsewhere still lapses at its expiry). */
export function endSession(c: Context<InboxEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH, secure: isHttps(c), httpOnly: true, sameSite: "Lax" });
}

/**
 * Pages need a valid session. Without one: GET goes to the login page (with where it was going),
 * anything else gets 401; an altered or expired cookie is removed and logged.
 */
export const requireSession: MiddlewareHandler<InboxEnv> = async (c, next) => {
  const key = c.get("sessionKey");
  const check = await verifySession(key, getCookie(c, SESSION_COOKIE), Date.now());
  if (!check.ok) {
    if (check.reason !== "missing") {
      c.get("log").warn("inbox.session_refused", { reason: check.reason, path: new URL(c.req.url).pathname });
      endSession(c);
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
