/**
 * Artists and their availability through the Worker: the default artist made from the config on
 * first use, the admin API's reads and the rules' replacement (400 naming the field, 404), what
 * Postgres keeps, and the inbox's Availability page.
 */
import { describe, expect, it } from "vitest";
import { defaultAvailability, type AvailabilityRulesInput } from "../../src/domain/availability.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { adminFetch } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { inboxFetch, signIn } from "../support/workers/inbox.ts";

interface ArtistJson {
  id: string;
  handle: string;
  name: string;
  whatsapp_number: string | null;
  time_zone: string;
  availability: AvailabilityRulesInput;
}

const json = <T = Record<string, unknown>>(response: Response) => response.json<T>();

async function theDefaultArtist(): Promise<ArtistJson> {
  const response = await adminFetch("/admin/artists");
  expect(response.status).toBe(200);
  const { artists } = await json<{ artists: ArtistJson[] }>(response);
  const found = artists.find((a) => a.handle === "default");
  if (!found) throw new Error("no default artist");
  return found;
}

function put(id: string, body: unknown): Promise<Response> {
  return adminFetch(`/admin/artists/${id}/availability`, { method: "PUT", body });
}

const base = defaultAvailability("Europe/London");

describe("GET /admin/artists", () => {
  it("makes the default artist from the config once, however often it is asked", async () => {
    const [first, second] = await Promise.all([theDefaultArtist(), theDefaultArtist()]);
    expect(second.id).toBe(first.id);
    expect(first).toMatchObject({ name: "Mara", whatsapp_number: "+447700900001" });
    expect(first.availability.timeZone).toBe(first.time_zone);
    const rows = await sql<{ n: number }>("SELECT count(*)::int AS n FROM artists WHERE handle = 'default'");
    expect(rows[0]?.n).toBe(1);
  });

  it("GET /admin/artists/:id: the artist, or 404 for an unknown id, 400 for a malformed one", async () => {
    const artist = await theDefaultArtist();
    const one = await adminFetch(`/admin/artists/${artist.id}`);
    expect(one.status).toBe(200);
    expect(await json<ArtistJson>(one)).toMatchObject({ id: artist.id, handle: "default" });
    const missing = await adminFetch("/admin/artists/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ error: "not_found" });
    const malformed = await adminFetch("/admin/artists/not-a-uuid");
    expect(malformed.status).toBe(400);
    expect(await json(malformed)).toMatchObject({ field: "id" });
  });
});

describe("PUT /admin/artists/:id/availability", () => {
  it("replaces the rules, keeps them in Postgres and moves the artist's zone with them", async () => {
    const artist = await theDefaultArtist();
    const rules = {
      ...base,
      timeZone: "America/New_York",
      weeklyHours: { ...base.weeklyHours, tue: [{ start: "11:00", end: "14:00" }, { start: "15:00", end: "20:00" }] },
      breaks: [{ start: "13:00", end: "13:30" }],
      holidays: [{ from: "2027-08-01", to: "2027-08-14", label: "Summer" }],
      bufferMinutes: 45,
    };
    const response = await put(artist.id, rules);
    expect(response.status).toBe(200);
    expect(await json<ArtistJson>(response)).toMatchObject({ time_zone: "America/New_York", availability: rules });
    const [row] = await sql<{ time_zone: string; availability: unknown }>("SELECT time_zone, availability FROM artists WHERE id = $1", [artist.id]);
    expect(row?.time_zone).toBe("America/New_York");
    expect(row?.availability).toEqual(rules);
    expect((await theDefaultArtist()).availability).toEqual(rules);
    // The default artist is shared with every other file (bookings, the digest): its rules go back at once.
    expect((await put(artist.id, base)).status).toBe(200);
  });

  it.each([
    ["an end before its start", { weeklyHours: { ...base.weeklyHours, mon: [{ start: "18:00", end: "10:00" }] } }, "weeklyHours.mon.0.end"],
    ["an unknown zone", { timeZone: "Europe/Atlantis" }, "timeZone"],
    ["overlapping breaks", { breaks: [{ start: "12:00", end: "13:00" }, { start: "12:30", end: "13:30" }] }, "breaks.1"],
    ["overlapping working hours", { weeklyHours: { ...base.weeklyHours, fri: [{ start: "10:00", end: "15:00" }, { start: "14:00", end: "18:00" }] } }, "weeklyHours.fri.1"],
    ["a negative buffer", { bufferMinutes: -10 }, "bufferMinutes"],
  ])("%s: 400 naming the field, nothing stored", async (_what, patch, field) => {
    const artist = await theDefaultArtist();
    const response = await put(artist.id, { ...base, ...patch });
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ error: "invalid_request", in: "body", field });
    expect((await theDefaultArtist()).availability).toEqual(artist.availability);
  });

  it("an unknown artist: 404", async () => {
    const response = await put("00000000-0000-4000-8000-000000000000", base);
    expect(response.status).toBe(404);
    expect(await json(response)).toMatchObject({ error: "not_found" });
  });
});

describe("the inbox's Availability page", () => {
  const text = async (response: Response) => (await response.text()).replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

  it("is for signed-in people only", async () => {
    const response = await inboxFetch("/inbox/availability");
    expect(response.status).toBe(303);
  });

  it("shows the default artist's rules in plain words", async () => {
    const artist = await theDefaultArtist();
    const rules = {
      ...base,
      timeZone: "Europe/Berlin",
      weeklyHours: { ...base.weeklyHours, wed: [{ start: "12:00", end: "20:00" }] },
      breaks: [{ start: "15:00", end: "15:30" }],
      daysOff: ["mon" as const],
      holidays: [{ from: "2027-12-24", to: "2027-12-31" }],
      minNoticeHours: 72,
      horizonDays: 45,
      maxSessionsPerDay: 3,
      sessionMinutes: { SMALL: 90, MEDIUM: 240, LARGE: 420 },
    };
    expect((await put(artist.id, rules)).status).toBe(200);
    let html: string;
    try {
      const cookie = await signIn();
      const response = await inboxFetch("/inbox/availability", { cookie });
      expect(response.status).toBe(200);
      html = await text(response);
    } finally {
      // The default artist is shared with every other file (bookings, the digest): its rules go back at once.
      expect((await put(artist.id, base)).status).toBe(200);
    }
    expect(html).toContain(renderCopy("inbox.availability.intro", { name: "Mara", zone: "Europe/Berlin" }));
    expect(html).toContain("Wednesday: 12:00–20:00");
    expect(html).toContain("Monday: day off");
    expect(html).toContain("Sunday: day off");
    expect(html).toContain(renderCopy("inbox.availability.breaks", { breaks: "15:00–15:30" }));
    expect(html).toContain("2027-12-24 to 2027-12-31");
    expect(html).toContain(renderCopy("inbox.availability.buffer", { minutes: 30 }));
    expect(html).toContain(renderCopy("inbox.availability.notice", { hours: 72, days: 45 }));
    expect(html).toContain(renderCopy("inbox.availability.cap", { count: 3 }));
    expect(html).toContain("Small: 1 h 30 min");
    expect(html).toContain("Large: 7 h");
    expect(html).toContain(renderCopy("inbox.availability.session_xl", { size: "XL" }));
  });
});
