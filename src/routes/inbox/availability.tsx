/**
 * GET /inbox/availability: the default artist's availability rules in plain words (working hours
 * per day in their zone, breaks, days off, holidays, buffer, notice, horizon, day cap, session
 * lengths), read-only (the rules are edited through the admin API), and the hour of the morning
 * WhatsApp digest, which POST /inbox/availability/digest-hour changes (CSRF checked before,
 * index.ts; a value that is not an hour is a 400 naming the field). Signed-in only (index.ts).
 * Beside them, the studio's policy in plain words, with a link to change it (policy.tsx).
 */
import { Hono } from "hono";
import { z } from "zod";
import { defaultArtist, getPolicy, updateDigestHour, type Artist } from "../../db/artists-store.ts";
import { defaultPolicy } from "../../domain/studio-policy.ts";
import { workingRanges, type AvailabilityRules, type TimeRange } from "../../domain/availability.ts";
import { WEEKDAYS } from "../../domain/parsing/time.ts";
import { artistCopy as t } from "../lead-view.ts";
import { Layout, MessagePage } from "./layout.tsx";
import { PolicyView } from "./policy.tsx";
import type { InboxEnv } from "./session.tsx";

const ranges = (list: readonly TimeRange[]) => list.map((r) => `${r.start}–${r.end}`).join(", ");

/** "2 h", "1 h 30 min", "45 min". */
function duration(minutes: number): string {
  const [h, m] = [Math.floor(minutes / 60), minutes % 60];
  return [h > 0 ? `${h} h` : "", m > 0 ? `${m} min` : ""].filter(Boolean).join(" ");
}

function Rules({ rules }: { rules: AvailabilityRules }) {
  return (
    <>
      <h2>{t("inbox.availability.hours")}</h2>
      <ul id="working-hours">
        {WEEKDAYS.map((day) => {
          const working = workingRanges(rules, day).length > 0;
          return (
            <li data-day={day}>
              {`${t(`weekday.${day}`)}: ${working ? ranges(rules.weeklyHours[day]) : t("inbox.availability.day_off")}`}
            </li>
          );
        })}
      </ul>
      <p id="breaks">{rules.breaks.length > 0 ? t("inbox.availability.breaks", { breaks: ranges(rules.breaks) }) : t("inbox.availability.no_breaks")}</p>
      {rules.daysOff.length > 0 ? <p id="days-off">{t("inbox.availability.days_off", { days: rules.daysOff.map((d) => t(`weekday.${d}`)).join(", ") })}</p> : null}
      <h2>{t("inbox.availability.holidays")}</h2>
      {rules.holidays.length === 0 ? (
        <p class="muted">{t("inbox.availability.no_holidays")}</p>
      ) : (
        <ul id="holidays">
          {rules.holidays.map((h) => (
            <li>{`${t("inbox.availability.holiday", { from: h.from, to: h.to })}${h.label ? ` (${h.label})` : ""}`}</li>
          ))}
        </ul>
      )}
      <h2>{t("inbox.availability.rules")}</h2>
      <ul id="booking-rules">
        <li>{t("inbox.availability.buffer", { minutes: rules.bufferMinutes })}</li>
        <li>{t("inbox.availability.notice", { hours: rules.minNoticeHours, days: rules.horizonDays })}</li>
        <li>{t("inbox.availability.cap", { count: rules.maxSessionsPerDay })}</li>
      </ul>
      <h2>{t("inbox.availability.sessions")}</h2>
      <ul id="session-lengths">
        {(["SMALL", "MEDIUM", "LARGE"] as const).map((size) => (
          <li>{t("inbox.availability.session", { size: t(`size.${size}`), length: duration(rules.sessionMinutes[size]) })}</li>
        ))}
        <li>{t("inbox.availability.session_xl", { size: t("size.XL") })}</li>
      </ul>
    </>
  );
}

/** "08:00": an hour of the artist's day. */
const hourLabel = (hour: number) => `${String(hour).padStart(2, "0")}:00`;

/** The digest form's field: an hour 0–23, or "" for the studio's default (ARTIST_DIGEST_HOUR). */
const DigestHourForm = z.object({
  digest_hour: z
    .string()
    .trim()
    .refine((v) => v === "" || (/^\d{1,2}$/.test(v) && Number(v) <= 23), "must be an hour from 0 to 23, or empty for the studio's default")
    .transform((v) => (v === "" ? null : Number(v))),
});
const Flash = z.object({ saved: z.literal("digest") });

/** The digest's hour, and the form that changes it. */
function Digest({ artist, fallback, csrf }: { artist: Artist; fallback: number | null; csrf: string }) {
  const hour = artist.digestHour ?? fallback;
  const now = hour === null ? t("inbox.availability.digest_off") : t(artist.digestHour === null ? "inbox.availability.digest_default" : "inbox.availability.digest_at", { hour: hourLabel(hour), zone: artist.timeZone });
  const defaultLabel = t("inbox.availability.digest_default_option", { hour: fallback === null ? t("inbox.availability.digest_default_off") : hourLabel(fallback) });
  return (
    <section class="card" id="digest" data-digest-hour={artist.digestHour === null ? "" : String(artist.digestHour)}>
      <h2>{t("inbox.availability.digest")}</h2>
      <p id="digest-now">{now}</p>
      <form method="post" action="/inbox/availability/digest-hour">
        <input type="hidden" name="csrf" value={csrf} />
        <label for="digest_hour">{t("inbox.availability.digest_label")}</label>
        <select id="digest_hour" name="digest_hour">
          <option value="" selected={artist.digestHour === null}>
            {defaultLabel}
          </option>
          {Array.from({ length: 24 }, (_, h) => (
            <option value={String(h)} selected={artist.digestHour === h}>
              {hourLabel(h)}
            </option>
          ))}
        </select>
        <button type="submit">{t("inbox.availability.digest_save")}</button>
      </form>
    </section>
  );
}

export const inboxAvailability = new Hono<InboxEnv>().get("/", async (c) => {
  const artist = await defaultArtist(c.get("db"), c.get("config"));
  const policy = (await getPolicy(c.get("db"), artist.id))?.policy ?? defaultPolicy();
  const flash = Flash.safeParse(c.req.query());
  return c.html(
    <Layout title={t("inbox.availability.title")} csrf={c.get("csrf")} panic={c.get("panic")}>
      <p>
        <a href="/inbox">{t("inbox.back")}</a>
      </p>
      <h1>{t("inbox.availability.title")}</h1>
      {flash.success ? (
        <p class="flash ok" role="status">
          {t("inbox.availability.digest_saved")}
        </p>
      ) : null}
      <p>{t("inbox.availability.intro", { name: artist.name, zone: artist.timeZone })}</p>
      {artist.availabilityValid ? null : (
        <p class="flash" role="alert">
          {t("inbox.availability.invalid")}
        </p>
      )}
      <section class="card" id="availability" data-artist={artist.id}>
        <Rules rules={artist.availability} />
      </section>
      <p class="muted">{t("inbox.availability.edit", { id: artist.id })}</p>
      <section class="card" id="studio-policy">
        <h2>{t("inbox.policy.title")}</h2>
        <PolicyView policy={policy} />
        <p>
          <a href="/inbox/policy">{t("inbox.policy.edit_link")}</a>
        </p>
      </section>
      <Digest artist={artist} fallback={c.get("config").ARTIST_DIGEST_HOUR} csrf={c.get("csrf")} />
    </Layout>,
  );
}).post("/digest-hour", async (c) => {
  const form = DigestHourForm.safeParse(await c.req.parseBody());
  if (!form.success) {
    const issue = form.error.issues[0];
    const body = t("page.error.invalid_form.body", { field: "digest_hour", message: issue?.message ?? "invalid" });
    return c.html(<MessagePage title={t("page.error.invalid_form.title")} body={body} csrf={c.get("csrf")} />, 400);
  }
  const db = c.get("db");
  const artist = await defaultArtist(db, c.get("config"));
  await updateDigestHour(db, artist.id, form.data.digest_hour, new Date());
  c.get("log").info("inbox.digest_hour_updated", { artist_id: artist.id, digest_hour: form.data.digest_hour });
  return c.redirect("/inbox/availability?saved=digest", 303);
});
