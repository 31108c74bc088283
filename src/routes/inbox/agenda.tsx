/**
 * GET /inbox/agenda: the artist's upcoming held and confirmed sessions, soonest first, grouped by
 * day on the artist's clock; each with its time range, the client (a link to the lead page) and
 * its status (a hold says when it lapses). The default artist, or `?artist=<id>`. Read-only;
 * signed-in only (index.ts).
 */
import { Hono } from "hono";
import { z } from "zod";
import { defaultArtist, getArtist } from "../../db/artists-store.ts";
import { agenda, type AgendaEntry } from "../../db/booking-store.ts";
import { slotLabel } from "../../domain/gap-search.ts";
import { artistCopy as t, clientName } from "../lead-view.ts";
import { bookingStatusLine, localDateKey, localDayHeading } from "./booking-view.tsx";
import { Layout, MessagePage } from "./layout.tsx";
import type { InboxEnv } from "./session.tsx";

/** Sessions shown at most (the admin API lists the rest). */
export const AGENDA_LIMIT = 100;

const AgendaQuery = z.object({ artist: z.uuid().optional() });

interface Day {
  key: string;
  heading: string;
  entries: AgendaEntry[];
}

/** Entries (soonest first) grouped by their start's calendar date in `zone`. */
function byDay(entries: readonly AgendaEntry[], zone: string): Day[] {
  const days: Day[] = [];
  for (const entry of entries) {
    const key = localDateKey(entry.startsAt, zone);
    const last = days[days.length - 1];
    if (last?.key === key) last.entries.push(entry);
    else days.push({ key, heading: localDayHeading(entry.startsAt, zone), entries: [entry] });
  }
  return days;
}

export const inboxAgenda = new Hono<InboxEnv>().get("/", async (c) => {
  const db = c.get("db");
  const query = AgendaQuery.safeParse(c.req.query());
  const artist = !query.success ? null : query.data.artist ? await getArtist(db, query.data.artist) : await defaultArtist(db, c.get("config"));
  if (!artist) {
    return c.html(<MessagePage title={t("inbox.page_not_found.title")} body={t("inbox.page_not_found.body")} csrf={c.get("csrf")} panic={c.get("panic")} />, 404);
  }
  const zone = artist.timeZone;
  const entries = await agenda(db, artist.id, new Date(), AGENDA_LIMIT);
  const days = byDay(entries, zone);
  return c.html(
    <Layout title={t("inbox.agenda.title")} csrf={c.get("csrf")} panic={c.get("panic")}>
      <p>
        <a href="/inbox">{t("inbox.back")}</a>
      </p>
      <h1>{t("inbox.agenda.title")}</h1>
      <p>{t("inbox.agenda.intro", { name: artist.name, zone })}</p>
      <section id="agenda" data-artist={artist.id}>
        {days.length === 0 ? (
          <p class="muted" id="agenda-empty">
            {t("inbox.agenda.empty")}
          </p>
        ) : (
          days.map((day) => (
            <section class="card" data-day={day.key}>
              <h2>{day.heading}</h2>
              <ul class="leads">
                {day.entries.map((entry) => (
                  <li data-booking={entry.id} data-status={entry.status}>
                    <a href={`/inbox/leads/${entry.leadId}`}>
                      <span class="when">{slotLabel({ start: entry.startsAt, end: entry.endsAt }, zone).time}</span>
                      <span class="name">{clientName({ displayName: entry.clientName })}</span>
                      <span class="status">{bookingStatusLine(entry, zone)}</span>
                    </a>
                  </li>
                ))}
              </ul>
            </section>
          ))
        )}
      </section>
      {entries.length >= AGENDA_LIMIT ? <p class="muted">{t("inbox.agenda.more", { count: AGENDA_LIMIT, id: artist.id })}</p> : null}
    </Layout>,
  );
});
