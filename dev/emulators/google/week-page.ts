/**
 * The artist's week as a page (`/_emulator/calendar`): one column per day in the studio's time
 * zone, each event with its times and whether Inkline or the artist wrote it. Refreshes itself
 * every 5 s so a booking made in the demo appears while you watch. Links to the previous and next
 * week and a form to add an event "by hand", as the artist would in Google's own app.
 */
import { eventSpan } from "./calendar-api.ts";
import { escapeHtml, html, type Reply } from "./http.ts";
import type { CalendarState } from "./state.ts";

const DAY_MS = 86_400_000;

function localDate(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
}

function localTime(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(ms);
}

/** Monday of the week holding `date` (YYYY-MM-DD), as YYYY-MM-DD. */
function mondayOf(date: string): string {
  const noon = Date.parse(`${date}T12:00:00Z`);
  const weekday = (new Date(noon).getUTCDay() + 6) % 7;
  return new Date(noon - weekday * DAY_MS).toISOString().slice(0, 10);
}

export function weekPage(calendars: CalendarState[], selected: CalendarState | undefined, weekParam: string | null, timeZone: string, nowMs: number): Reply {
  if (!selected) return html("<!doctype html><p>No calendar.</p>", 404);
  const monday = mondayOf(weekParam && /^\d{4}-\d{2}-\d{2}$/.test(weekParam) ? weekParam : localDate(nowMs, timeZone));
  const days = Array.from({ length: 7 }, (_, i) => new Date(Date.parse(`${monday}T12:00:00Z`) + i * DAY_MS).toISOString().slice(0, 10));
  const events = [...selected.events.values()].filter((e) => e.status !== "cancelled").flatMap((e) => {
    const span = eventSpan(e);
    return span ? [{ e, span }] : [];
  });
  const link = (week: string) => `?id=${encodeURIComponent(selected.id)}&week=${week}&tz=${encodeURIComponent(timeZone)}`;
  const shift = (days: number) => new Date(Date.parse(`${monday}T12:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
  const columns = days
    .map((day) => {
      const items = events
        .filter(({ span }) => localDate(span.startMs, timeZone) <= day && day <= localDate(span.endMs - 1, timeZone))
        .sort((a, b) => a.span.startMs - b.span.startMs)
        .map(({ e, span }) => {
          const ours = e.extendedProperties?.private?.inkline === "1";
          return `<li class="${ours ? "ours" : "hand"}" data-event-id="${escapeHtml(e.id)}"><b>${localTime(span.startMs, timeZone)}–${localTime(span.endMs, timeZone)}</b> ${escapeHtml(e.summary ?? "(no title)")}<small>${ours ? "Inkline" : "by hand"}</small></li>`;
        })
        .join("");
      const label = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" }).format(Date.parse(`${day}T12:00:00Z`));
      return `<section data-day="${day}"><h3>${label}</h3><ul>${items || "<li class=free>free</li>"}</ul></section>`;
    })
    .join("");
  const others = calendars.map((c) => `<a href="?id=${encodeURIComponent(c.id)}&tz=${encodeURIComponent(timeZone)}">${escapeHtml(c.id)}</a>`).join(" · ");
  return html(`<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Artist's calendar — Google emulator</title>
<style>body{font-family:system-ui;margin:20px}.week{display:grid;grid-template-columns:repeat(7,1fr);gap:8px}section{border:1px solid #ddd;border-radius:6px;padding:6px;min-height:120px}
h3{margin:0 0 6px;font-size:14px}ul{list-style:none;margin:0;padding:0}li{font-size:13px;margin:4px 0;padding:4px;border-radius:4px}li small{display:block;color:#555}
.ours{background:#e3f2e1}.hand{background:#fdecc8}.free{color:#999}form{margin-top:16px}input{margin-right:6px}</style></head><body>
<h1>${escapeHtml(selected.id)}</h1><p>Week of ${monday} (${escapeHtml(timeZone)}) · <a href="${link(shift(-7))}">← previous</a> · <a href="${link(shift(7))}">next →</a> · calendars: ${others} · <a href="/_emulator">emulator</a></p>
<div class="week">${columns}</div>
<form method="post" action="/_emulator/calendar/add?id=${encodeURIComponent(selected.id)}&tz=${encodeURIComponent(timeZone)}&week=${monday}">
<b>Add an event by hand</b> (UTC): <input name="summary" placeholder="Dentist" required><input name="start" type="datetime-local" required><input name="end" type="datetime-local" required><button>Add</button></form>
</body></html>`);
}
