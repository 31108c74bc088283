/**
 * GET /inbox/availability: the default artist's availability rules in plain words (working hours
 * per day in their zone, breaks, days off, holidays, buffer, notice, horizon, day cap, session
 * lengths). Read-only: the rules are edited through the admin API. Signed-in only (index.ts).
 * Beside them, the studio's policy in plain words, with a link to change it (policy.tsx).
 */
import { Hono } from "hono";
import { defaultArtist, getPolicy } from "../../db/artists-store.ts";
import { defaultPolicy } from "../../domain/studio-policy.ts";
import { workingRanges, type AvailabilityRules, type TimeRange } from "../../domain/availability.ts";
import { WEEKDAYS } from "../../domain/parsing/time.ts";
import { artistCopy as t } from "../lead-view.ts";
import { Layout } from "./layout.tsx";
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

export const inboxAvailability = new Hono<InboxEnv>().get("/", async (c) => {
  const artist = await defaultArtist(c.get("db"), c.get("config"));
  const policy = (await getPolicy(c.get("db"), artist.id))?.policy ?? defaultPolicy();
  return c.html(
    <Layout title={t("inbox.availability.title")} csrf={c.get("csrf")} panic={c.get("panic")}>
      <p>
        <a href="/inbox">{t("inbox.back")}</a>
      </p>
      <h1>{t("inbox.availability.title")}</h1>
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
    </Layout>,
  );
});
