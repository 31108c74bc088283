/**
 * GET /demo (DEMO_MODE only; production refuses demo mode at start-up): one page from which a
 * newcomer plays the client and the artist at once: the WhatsApp emulator's chat page as the
 * client, the same page as the artist's phone (where the one-tap links arrive), and the inbox,
 * signed in without the key; and "jump ahead" buttons that fire the cron as if hours had passed
 * (POST /demo/jump), so a person can watch a nudge arrive. Anywhere else it does not exist (404).
 */
import { Hono } from "hono";
import type { FC } from "hono/jsx";
import { z } from "zod";
import { CRON_EVERY_5_MIN } from "../jobs/names.ts";
import { runScheduled } from "../scheduled.ts";
import { formatDateTime } from "../domain/format.ts";
import { calendarConfigured, sheetsConfigured, type AppConfig } from "../config.ts";
import type { AppEnv } from "./context.ts";
import { Layout } from "./inbox/layout.tsx";
import { artistCopy as t } from "./lead-view.ts";

/** The emulator's chat page held by the artist's phone (see dev/emulators/whatsapp/chat-script.ts). */
export function artistChatUrl(chatUrl: string, phone: string, name: string): string {
  const url = new URL(chatUrl);
  url.search = new URLSearchParams({ phone, name, role: "artist" }).toString();
  return url.toString();
}

/** The Google emulator's week page for the artist's calendar; null unless GOOGLE_CALENDAR_API_URL points at the emulator. */
function emulatorCalendarUrl(config: AppConfig): string | null {
  if (!config.GOOGLE_CALENDAR_API_URL || !config.GOOGLE_CALENDAR_ID || !calendarConfigured(config)) return null;
  const url = new URL("/_emulator/calendar", config.GOOGLE_CALENDAR_API_URL);
  url.search = new URLSearchParams({ id: config.GOOGLE_CALENDAR_ID, tz: config.STUDIO_TIME_ZONE }).toString();
  return url.toString();
}

/** The Google emulator's page of the artist's spreadsheet; null unless GOOGLE_SHEETS_API_URL points at the emulator and the mirror is on. */
function emulatorSheetUrl(config: AppConfig): string | null {
  if (!config.GOOGLE_SHEETS_API_URL || !config.GOOGLE_SHEETS_SPREADSHEET_ID || !sheetsConfigured(config)) return null;
  const url = new URL("/_emulator/sheet", config.GOOGLE_SHEETS_API_URL);
  url.search = new URLSearchParams({ id: config.GOOGLE_SHEETS_SPREADSHEET_ID, tab: config.GOOGLE_SHEETS_TAB }).toString();
  return url.toString();
}

const Step: FC<{ title: string; body: string; href: string | null; label: string; id: string }> = ({ title, body, href, label, id }) => (
  <section class="card" id={id}>
    <h2>{title}</h2>
    <p>{body}</p>
    {href ? (
      <p>
        <a href={href} target="_blank" rel="noopener">
          {label}
        </a>
      </p>
    ) : (
      <p class="muted">{t("demo.no_chat")}</p>
    )}
  </section>
);

/** The jumps offered: past the 12 h nudge, the 36 h template, the 48 h abandonment, three days. */
export const DEMO_JUMP_HOURS = [13, 37, 49, 73] as const;

const JumpForm = z.object({ hours: z.coerce.number().refine((h) => (DEMO_JUMP_HOURS as readonly number[]).includes(h), "not one of the offered jumps") });
const Jumped = z.object({ jumped: z.coerce.number().int(), at: z.coerce.number().int() });

const JumpAhead: FC = () => (
  <section class="card" id="jump">
    <h2>{t("demo.jump.title")}</h2>
    <p>{t("demo.jump.body")}</p>
    <div class="actions">
      {DEMO_JUMP_HOURS.map((hours) => (
        <form method="post" action="/demo/jump">
          <input type="hidden" name="hours" value={String(hours)} />
          <button type="submit">{t("demo.jump.button", { hours })}</button>
        </form>
      ))}
    </div>
  </section>
);

export const demo = new Hono<AppEnv>()
  .post("/jump", async (c) => {
    const config = c.get("config");
    if (!config.DEMO_MODE) return c.notFound();
    // A page elsewhere must not fire the cron through the person's browser.
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== new URL(c.req.url).origin) return c.json({ error: "cross_origin", message: "POST /demo/jump only from the demo page" }, 403);
    const form = JumpForm.safeParse(await c.req.parseBody());
    if (!form.success) return c.json({ error: "invalid_request", field: "hours", message: form.error.issues[0]?.message ?? "invalid" }, 400);
    const at = Date.now() + form.data.hours * 3_600_000;
    // Exactly what Cron Triggers (or wrangler's /cdn-cgi/handler/scheduled?time=) would run at that time.
    await runScheduled({ cron: CRON_EVERY_5_MIN, scheduledTime: at, noRetry: () => undefined }, c.env);
    c.get("log").info("demo.jump", { hours: form.data.hours, scheduled_time: new Date(at).toISOString() });
    return c.redirect(`/demo?jumped=${form.data.hours}&at=${at}#jump`, 303);
  })
  .get("/", (c) => {
    const config = c.get("config");
    if (!config.DEMO_MODE) return c.notFound();
    const jumped = Jumped.safeParse(c.req.query());
    const artistName = config.ARTIST_NAME;
    const chat = config.DEMO_CHAT_URL ?? null;
    const artistPhone = config.ARTIST_WHATSAPP_NUMBER;
    const calendarUrl = emulatorCalendarUrl(config);
    const sheetUrl = emulatorSheetUrl(config);
    c.header("Cache-Control", "no-store");
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    return c.html(
      <Layout title={t("demo.title")}>
        <h1>{t("demo.title")}</h1>
        <p>{t("demo.intro", { artistName })}</p>
        <p class="flash ok">{t("demo.artist_first", { artistName })}</p>
        <Step
          id="client"
          title={t("demo.client.title")}
          body={t("demo.client.body")}
          href={chat ? new URL("/", chat).toString() : null}
          label={t("demo.client.link")}
        />
        <Step
          id="artist"
          title={t("demo.artist.title", { artistName })}
          body={t("demo.artist.body", { artistName })}
          href={chat && artistPhone ? artistChatUrl(chat, artistPhone, artistName) : null}
          label={t("demo.artist.link", { artistName })}
        />
        <Step
          id="inbox"
          title={t("demo.inbox.title", { artistName })}
          body={t("demo.inbox.body")}
          href="/inbox/demo-login"
          label={t("demo.inbox.link")}
        />
        {jumped.success ? (
          <p class="flash ok" role="status">
            {t("demo.jump.done", { hours: jumped.data.jumped, when: formatDateTime(new Date(jumped.data.at)) })}
          </p>
        ) : null}
        <JumpAhead />
        {calendarUrl ? (
          <Step id="calendar" title={t("demo.calendar.title", { artistName })} body={t("demo.calendar.body", { artistName })} href={calendarUrl} label={t("demo.calendar.link", { artistName })} />
        ) : null}
        {sheetUrl ? <Step id="sheet" title={t("demo.sheet.title", { artistName })} body={t("demo.sheet.body", { artistName })} href={sheetUrl} label={t("demo.sheet.link", { artistName })} /> : null}
      </Layout>,
    );
  });
