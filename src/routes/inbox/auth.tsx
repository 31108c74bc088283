/**
 * Signing in and out of the inbox. The login form takes the admin key (compared in constant
 * time, attempts rate limited per address); demo mode may sign a browser in without it
 * (`/inbox/demo-login`, 404 otherwise; production refuses demo mode at start-up).
 */
import { Hono } from "hono";
import type { FC } from "hono/jsx";
import { z } from "zod";
import { secretsEqual } from "../../lib/crypto.ts";
import { artistCopy as t } from "../lead-view.ts";
import { rateLimit } from "../rate-limit.ts";
import { Layout, MessagePage } from "./layout.tsx";
import { endSession, requireCsrf, requireSession, safeNext, startSession, type InboxEnv } from "./session.tsx";

/** Sign-in attempts per minute per client IP: enough for typos, useless for guessing. */
export const LOGIN_RATE_LIMIT = { limit: 10, windowMs: 60_000 } as const;

const LoginForm = z.object({
  key: z.string().max(512),
  next: z.string().max(300).optional(),
});

type Notice = "wrong_key" | "signed_out" | "expired";
const NOTICE_KEYS = { wrong_key: "inbox.login.wrong_key", signed_out: "inbox.login.signed_out", expired: "inbox.login.expired" } as const;

const LoginPage: FC<{ notice?: Notice | undefined; next?: string | null }> = ({ notice, next }) => (
  <Layout title={t("inbox.login.title")}>
    <h1>{t("inbox.login.title")}</h1>
    {notice ? (
      <p class={`flash ${notice === "wrong_key" ? "bad" : "ok"}`} role="status">
        {t(NOTICE_KEYS[notice])}
      </p>
    ) : null}
    <p>{t("inbox.login.intro")}</p>
    <form method="post" action="/inbox/login" class="card">
      <label for="key">{t("inbox.login.key_label")}</label>
      <input id="key" name="key" type="password" autocomplete="current-password" required autofocus />
      {next ? <input type="hidden" name="next" value={next} /> : null}
      <p>
        <button type="submit">{t("inbox.login.submit")}</button>
      </p>
    </form>
  </Layout>
);

export const inboxAuth = new Hono<InboxEnv>()
  .get("/login", (c) => {
    const notice = c.req.query("expired") ? "expired" : c.req.query("signed_out") ? "signed_out" : undefined;
    return c.html(<LoginPage notice={notice} next={safeNext(c.req.query("next"))} />);
  })
  .post(
    "/login",
    rateLimit({ scope: "inbox-login", ...LOGIN_RATE_LIMIT, refuse: (c) => c.html(<MessagePage title={t("page.error.rate_limited.title")} body={t("page.error.rate_limited.body")} />, 429) }),
    async (c) => {
      const form = LoginForm.safeParse(await c.req.parseBody());
      const adminKey = c.get("config").ADMIN_API_KEY ?? "";
      const next = form.success ? safeNext(form.data.next) : null;
      if (!form.success || !(await secretsEqual(form.data.key, adminKey))) {
        c.get("log").warn("inbox.login_failed", {});
        return c.html(<LoginPage notice="wrong_key" next={next} />, 401);
      }
      await startSession(c);
      c.get("log").info("inbox.login", {});
      return c.redirect(next ?? "/inbox", 303);
    },
  )
  .get("/demo-login", async (c) => {
    if (!c.get("config").DEMO_MODE) return c.html(<MessagePage title={t("inbox.page_not_found.title")} body={t("inbox.page_not_found.body")} />, 404);
    await startSession(c);
    return c.redirect("/inbox", 303);
  })
  .post("/logout", requireSession, requireCsrf, async (c) => {
    await endSession(c);
    c.get("log").info("inbox.logout", {});
    return c.redirect("/inbox/login?signed_out=1", 303);
  });
