/**
 * The artist's web inbox under /inbox: server-rendered pages, no script. Order of the doors:
 * security headers, a rate limit per client IP, a size limit on form bodies, the session key (no ADMIN_API_KEY: the inbox is
 * off), same-origin POSTs, a database handle (sessions are rows), then the public login routes,
 * then a valid session and its CSRF token for everything else. One file per page or resource.
 */
import { Hono } from "hono";
import { withDatabase } from "../database.ts";
import { artistCopy as t } from "../lead-view.ts";
import { formBodyLimit } from "../form-limit.ts";
import { rateLimit } from "../rate-limit.ts";
import { inboxActions } from "./actions.tsx";
import { inboxAgenda } from "./agenda.tsx";
import { inboxAttachments } from "./attachments.ts";
import { inboxAuth } from "./auth.tsx";
import { inboxAvailability } from "./availability.tsx";
import { inboxJobs } from "./jobs.tsx";
import { MessagePage } from "./layout.tsx";
import { inboxLeadPage } from "./lead-page.tsx";
import { inboxOverview } from "./overview.tsx";
import { inboxPolicy } from "./policy.tsx";
import { inboxPanic, withPanic } from "./panic.tsx";
import { requireCsrf, requireSession, sameOrigin, withSessionKey, type InboxEnv } from "./session.tsx";

/** Requests per minute per client IP: pages plus their thumbnails, far below a flood. */
export const INBOX_RATE_LIMIT = { limit: 300, windowMs: 60_000 } as const;

const CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const inbox = new Hono<InboxEnv>()
  .use("*", async (c, next) => {
    await next();
    // Pages of client data: never cached by anyone, never framed or indexed, no referrer out.
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
    if (!c.res.headers.has("Content-Security-Policy")) c.header("Content-Security-Policy", CSP);
    c.header("Referrer-Policy", "same-origin");
    c.header("X-Robots-Tag", "noindex");
    c.header("X-Frame-Options", "DENY");
    c.header("X-Content-Type-Options", "nosniff");
  })
  .use(
    "*",
    rateLimit({
      scope: "inbox",
      ...INBOX_RATE_LIMIT,
      refuse: (c) => c.html(<MessagePage title={t("page.error.rate_limited.title")} body={t("page.error.rate_limited.body")} />, 429),
    }),
  )
  .use("*", formBodyLimit((c, limitKb) => c.html(<MessagePage title={t("page.error.too_large.title")} body={t("page.error.too_large.body", { limitKb })} />, 413)))
  .use("*", withSessionKey)
  .use("*", sameOrigin)
  .use("*", withDatabase)
  .route("/", inboxAuth)
  .use("*", requireSession)
  .use("*", requireCsrf)
  .use("*", withPanic)
  .route("/", inboxOverview)
  .route("/panic", inboxPanic)
  .route("/leads", inboxLeadPage)
  .route("/leads", inboxActions)
  .route("/attachments", inboxAttachments)
  .route("/jobs", inboxJobs)
  .route("/availability", inboxAvailability)
  .route("/policy", inboxPolicy)
  .route("/agenda", inboxAgenda)
  // A mounted app's notFound is not consulted (the parent's is): the last handler says it instead.
  .all("*", (c) => c.html(<MessagePage title={t("inbox.page_not_found.title")} body={t("inbox.page_not_found.body")} csrf={c.get("csrf")} panic={c.get("panic")} />, 404));
