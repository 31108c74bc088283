/**
 * The confirmation's add-to-calendar link: Google Calendar's event template URL
 * (calendar.google.com/calendar/render?action=TEMPLATE), which opens a prefilled event on any
 * phone or browser; no file to host, no account of ours involved. Pure.
 */

/** 20261210T140000Z: the UTC form the template's `dates` parameter takes. */
function utcStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

export interface CalendarLinkInput {
  title: string;
  start: Date;
  end: Date;
  location: string | null;
}

export function addToCalendarUrl(input: CalendarLinkInput): string {
  const url = new URL("https://calendar.google.com/calendar/render");
  url.searchParams.set("action", "TEMPLATE");
  url.searchParams.set("text", input.title);
  url.searchParams.set("dates", `${utcStamp(input.start)}/${utcStamp(input.end)}`);
  if (input.location) url.searchParams.set("location", input.location);
  return url.toString();
}
