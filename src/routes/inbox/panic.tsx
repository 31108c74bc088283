/**
 * The panic switch in the inbox: `withPanic` reads it for every signed-in page (the banner in
 * layout.tsx); GET /inbox/panic shows it with the clients who wrote since it went on (also after
 * it is off again, until it next goes on), POST /inbox/panic flips it (CSRF checked before, index.ts).
 */
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import { heldLeadsSince, readPanic, setPanic } from "../../db/settings-store.ts";
import { formatDateTime } from "../../domain/format.ts";
import { artistCopy as t, clientName, statusLabel } from "../lead-view.ts";
import { Layout } from "./layout.tsx";
import type { InboxEnv } from "./session.tsx";

/** Reads the switch (fresh from Postgres: the artist must see what they just did) for the page's banner. */
export const withPanic: MiddlewareHandler<InboxEnv> = async (c, next) => {
  c.set("panic", await readPanic(c.get("db")));
  await next();
};

const PanicForm = z.object({
  on: z.enum(["true", "false"]),
  reason: z.string().trim().max(500).optional(),
});
const Flash = z.object({ done: z.enum(["on", "off"]) });

export const inboxPanic = new Hono<InboxEnv>()
  .get("/", async (c) => {
    const csrf = c.get("csrf");
    const panic = c.get("panic");
    const held = panic.since ? await heldLeadsSince(c.get("db"), panic.since) : [];
    const flash = Flash.safeParse(c.req.query());
    const since = panic.since ? formatDateTime(panic.since) : "";
    return c.html(
      <Layout title={t("inbox.panic.title")} csrf={csrf} panic={panic}>
        <p>
          <a href="/inbox">{t("inbox.back")}</a>
        </p>
        <h1>{t("inbox.panic.title")}</h1>
        {flash.success ? (
          <p class="flash ok" role="status">
            {t(flash.data.done === "on" ? "inbox.panic.done_on" : "inbox.panic.done_off")}
          </p>
        ) : null}
        <p id="panic-state" data-on={String(panic.on)}>
          {panic.on ? t("inbox.panic.on_intro", { since }) : t("inbox.panic.off_intro")}
        </p>
        <form method="post" action="/inbox/panic" class="card">
          <input type="hidden" name="csrf" value={csrf} />
          <input type="hidden" name="on" value={panic.on ? "false" : "true"} />
          {panic.on ? (
            <p class="muted">{t("inbox.panic.resume_note")}</p>
          ) : (
            <>
              <label for="reason">{t("inbox.panic.reason_label")}</label>
              <textarea id="reason" name="reason" maxlength={500} />
            </>
          )}
          <button type="submit" class={panic.on ? "" : "danger"}>
            {t(panic.on ? "inbox.panic.turn_off" : "inbox.panic.turn_on")}
          </button>
        </form>
        {panic.since ? (
          <section aria-labelledby="held-title">
            <h2 id="held-title">{t("inbox.panic.held_heading", { since })}</h2>
            {held.length === 0 ? (
              <p class="muted">{t("inbox.panic.held_none")}</p>
            ) : (
              <ul class="leads" id="held-leads">
                {held.map((h) => (
                  <li data-lead={h.leadId}>
                    <a href={`/inbox/leads/${h.leadId}`}>
                      <span class="name">{clientName({ displayName: h.displayName })}</span>
                      <span>{statusLabel(h.status)}</span>
                      <span class="when">{t("inbox.panic.held_line", { count: h.held, when: formatDateTime(h.lastHeldAt) })}</span>
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </section>
        ) : null}
      </Layout>,
    );
  })
  .post("/", async (c) => {
    const form = PanicForm.safeParse(await c.req.parseBody());
    if (!form.success) return c.redirect("/inbox/panic", 303);
    const on = form.data.on === "true";
    const reason = form.data.reason === undefined || form.data.reason === "" ? null : form.data.reason;
    await setPanic(c.get("db"), { on, reason, by: "inbox", now: new Date() });
    c.get("log").info("inbox.panic_switched", { on });
    return c.redirect(`/inbox/panic?done=${on ? "on" : "off"}`, 303);
  });
