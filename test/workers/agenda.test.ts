/**
 * Holds and bookings where the artist reads them: the admin API's list per artist (by `from` and
 * status; 400 naming the field, 404) and a lead's hold or booking, the inbox's Agenda (grouped by
 * day on the artist's clock, each client linked, holds saying when they lapse, an empty state) and
 * the lead page's card. Each test's artist is its own row, so other files' bookings never show.
 */
import { describe, expect, it } from "vitest";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { adminFetch, insertLead } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { inboxFetch, section, signIn } from "../support/workers/inbox.ts";

const json = <T = Record<string, unknown>>(response: Response) => response.json<T>();

const randomTag = () => Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => String.fromCharCode(97 + (b % 26))).join("");

async function insertArtist(zone = "Europe/London"): Promise<string> {
  const [row] = await sql<{ id: string }>("INSERT INTO artists (handle, name, time_zone, availability) VALUES ($1, 'Noor', $2, $3) RETURNING id", [
    `agenda-${randomTag()}`,
    zone,
    JSON.stringify(defaultAvailability(zone)),
  ]);
  if (!row) throw new Error("artist insert returned nothing");
  return row.id;
}

interface BookingSpec {
  status: "HELD" | "CONFIRMED" | "RELEASED" | "CANCELLED";
  start: string;
  end: string;
  holdExpiresAt?: string | null;
  calendarEventId?: string | null;
}

async function insertBooking(artistId: string, leadId: string, spec: BookingSpec): Promise<string> {
  const blockedUntil = new Date(new Date(spec.end).getTime() + 30 * 60_000).toISOString();
  const [row] = await sql<{ id: string }>(
    `INSERT INTO bookings (artist_id, lead_id, status, starts_at, ends_at, blocked_until, hold_expires_at, calendar_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [artistId, leadId, spec.status, spec.start, spec.end, blockedUntil, spec.holdExpiresAt ?? null, spec.calendarEventId ?? null],
  );
  if (!row) throw new Error("booking insert returned nothing");
  return row.id;
}

interface BookingJson {
  id: string;
  artist_id: string;
  lead_id: string;
  status: string;
  starts_at: string;
  ends_at: string;
  blocked_until: string;
  hold_expires_at: string | null;
  calendar_event_id: string | null;
  client_name: string | null;
}

/**
 * An artist in Europe/London with, in June 2027 (BST, UTC+1): a hold 09:00–11:00Z on the 15th, a
 * confirmed session 13:00–15:00Z the same day, a hold on the 16th; plus a released hold and a
 * confirmed session in the past, which the agenda leaves out.
 */
async function bookedArtist() {
  const artistId = await insertArtist();
  const tag = randomTag();
  const names = { held: `Held ${tag}`, confirmed: `Booked ${tag}`, nextDay: `Later ${tag}`, released: `Released ${tag}`, past: `Past ${tag}` };
  const [held, confirmed, nextDay, released, past] = await Promise.all([
    insertLead("AWAITING_DEPOSIT", { display_name: names.held }),
    insertLead("BOOKED", { display_name: names.confirmed }),
    insertLead("AWAITING_DEPOSIT", { display_name: names.nextDay }),
    insertLead("DEPOSIT_EXPIRED", { display_name: names.released }),
    insertLead("BOOKED", { display_name: names.past }),
  ]);
  const bookings = {
    held: await insertBooking(artistId, held.id, { status: "HELD", start: "2027-06-15T09:00:00Z", end: "2027-06-15T11:00:00Z", holdExpiresAt: "2027-06-14T17:30:00Z" }),
    confirmed: await insertBooking(artistId, confirmed.id, {
      status: "CONFIRMED",
      start: "2027-06-15T13:00:00Z",
      end: "2027-06-15T15:00:00Z",
      calendarEventId: `evt${tag}`,
    }),
    nextDay: await insertBooking(artistId, nextDay.id, { status: "HELD", start: "2027-06-16T09:00:00Z", end: "2027-06-16T10:00:00Z", holdExpiresAt: "2027-06-15T09:00:00Z" }),
    released: await insertBooking(artistId, released.id, { status: "RELEASED", start: "2027-06-17T09:00:00Z", end: "2027-06-17T10:00:00Z" }),
    past: await insertBooking(artistId, past.id, { status: "CONFIRMED", start: "2025-03-03T10:00:00Z", end: "2025-03-03T12:00:00Z" }),
  };
  return { artistId, names, leads: { held, confirmed, nextDay, released, past }, bookings };
}

describe("GET /admin/artists/:id/bookings", () => {
  it("lists the held and confirmed bookings not over yet, soonest first, with the client's name and the artist's zone", async () => {
    const { artistId, names, leads, bookings } = await bookedArtist();
    const response = await adminFetch(`/admin/artists/${artistId}/bookings`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await json<{ artist_id: string; time_zone: string; from: string; bookings: BookingJson[] }>(response);
    expect(body).toMatchObject({ artist_id: artistId, time_zone: "Europe/London" });
    expect(Math.abs(Date.parse(body.from) - Date.now())).toBeLessThan(60_000);
    expect(body.bookings.map((b) => b.id)).toEqual([bookings.held, bookings.confirmed, bookings.nextDay]);
    expect(body.bookings[0]).toEqual({
      id: bookings.held,
      artist_id: artistId,
      lead_id: leads.held.id,
      status: "HELD",
      starts_at: "2027-06-15T09:00:00.000Z",
      ends_at: "2027-06-15T11:00:00.000Z",
      blocked_until: "2027-06-15T11:30:00.000Z",
      hold_expires_at: "2027-06-14T17:30:00.000Z",
      calendar_event_id: null,
      client_name: names.held,
    });
    expect(body.bookings[1]).toMatchObject({ status: "CONFIRMED", hold_expires_at: null, client_name: names.confirmed });
    expect(body.bookings[1]?.calendar_event_id).toMatch(/^evt/);
  });

  it("filters by status and from", async () => {
    const { artistId, bookings } = await bookedArtist();
    const released = await json<{ bookings: BookingJson[] }>(await adminFetch(`/admin/artists/${artistId}/bookings?status=RELEASED`));
    expect(released.bookings.map((b) => b.id)).toEqual([bookings.released]);
    const since2025 = await json<{ bookings: BookingJson[] }>(await adminFetch(`/admin/artists/${artistId}/bookings?status=CONFIRMED&from=2025-01-01T00:00:00Z`));
    expect(since2025.bookings.map((b) => b.id)).toEqual([bookings.past, bookings.confirmed]);
    const fromOffset = await json<{ from: string; bookings: BookingJson[] }>(
      await adminFetch(`/admin/artists/${artistId}/bookings?from=${encodeURIComponent("2027-06-16T00:00:00+01:00")}`),
    );
    expect(fromOffset.from).toBe("2027-06-15T23:00:00.000Z");
    expect(fromOffset.bookings.map((b) => b.id)).toEqual([bookings.nextDay]);
  });

  it.each([
    ["from=yesterday", "from"],
    ["from=2027-06-15", "from"],
    ["status=BOOKED", "status"],
    ["limit=0", "limit"],
  ])("?%s: 400 naming %s", async (query, field) => {
    const artistId = await insertArtist();
    const response = await adminFetch(`/admin/artists/${artistId}/bookings?${query}`);
    expect(response.status).toBe(400);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await json(response)).toMatchObject({ error: "invalid_request", in: "query", field });
  });

  it("an unknown artist: 404; a malformed id: 400 naming id", async () => {
    const missing = await adminFetch("/admin/artists/00000000-0000-4000-8000-000000000000/bookings");
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ error: "not_found" });
    const malformed = await adminFetch("/admin/artists/nope/bookings");
    expect(malformed.status).toBe(400);
    expect(await json(malformed)).toMatchObject({ field: "id" });
  });
});

describe("GET /admin/leads/:id/booking", () => {
  it("the lead's hold or booking; 404 naming why when there is none", async () => {
    const { artistId, names, leads, bookings } = await bookedArtist();
    const held = await adminFetch(`/admin/leads/${leads.held.id}/booking`);
    expect(held.status).toBe(200);
    expect(held.headers.get("cache-control")).toBe("no-store");
    expect(await json(held)).toMatchObject({ id: bookings.held, artist_id: artistId, status: "HELD", hold_expires_at: "2027-06-14T17:30:00.000Z", client_name: names.held });
    expect(await json(await adminFetch(`/admin/leads/${leads.confirmed.id}/booking`))).toMatchObject({ id: bookings.confirmed, status: "CONFIRMED" });

    const releasedOnly = await adminFetch(`/admin/leads/${leads.released.id}/booking`);
    expect(releasedOnly.status).toBe(404);
    expect(await json(releasedOnly)).toMatchObject({ error: "no_booking" });
    const noLead = await adminFetch("/admin/leads/00000000-0000-4000-8000-000000000000/booking");
    expect(noLead.status).toBe(404);
    expect(await json(noLead)).toMatchObject({ error: "not_found", message: "no lead with this id" });
    const malformed = await adminFetch("/admin/leads/nope/booking");
    expect(malformed.status).toBe(400);
    expect(await json(malformed)).toMatchObject({ field: "id" });
  });
});

describe("the inbox's Agenda", () => {
  it("is for signed-in people only, and linked in the header", async () => {
    expect((await inboxFetch("/inbox/agenda")).status).toBe(303);
    const cookie = await signIn();
    const response = await inboxFetch("/inbox/availability", { cookie });
    expect(await response.text()).toContain(`<a href="/inbox/agenda">${renderCopy("inbox.agenda.title")}</a>`);
  });

  it("shows the default artist's agenda", async () => {
    const cookie = await signIn();
    const response = await inboxFetch("/inbox/agenda", { cookie });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`<h1>${renderCopy("inbox.agenda.title")}</h1>`);
    const [artist] = await sql<{ id: string }>("SELECT id FROM artists WHERE handle = 'default'");
    expect(html).toContain(`data-artist="${artist?.id}"`);
  });

  it("groups upcoming sessions by day on the artist's clock, links each client and says when a hold lapses", async () => {
    const { artistId, names, leads, bookings } = await bookedArtist();
    const cookie = await signIn();
    const response = await inboxFetch(`/inbox/agenda?artist=${artistId}`, { cookie });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const html = await response.text();
    expect(html).toContain(renderCopy("inbox.agenda.intro", { name: "Noor", zone: "Europe/London" }));

    const days = [...html.matchAll(/data-day="([^"]+)"/g)].map((m) => m[1]);
    expect(days).toEqual(["2027-06-15", "2027-06-16"]);
    const first = html.slice(html.indexOf('data-day="2027-06-15"'), html.indexOf('data-day="2027-06-16"'));
    // 09:00Z and 13:00Z in June are 10:00 and 14:00 in London (BST).
    const held = first.slice(first.indexOf(`data-booking="${bookings.held}"`));
    expect(held).toContain(`href="/inbox/leads/${leads.held.id}"`);
    expect(held).toContain("10:00–12:00");
    expect(held).toContain(names.held);
    expect(held).toContain(renderCopy("inbox.booking.held_until", { expires: "Mon 14 Jun, 18:30", zone: "Europe/London" }));
    const confirmed = first.slice(first.indexOf(`data-booking="${bookings.confirmed}"`));
    expect(confirmed).toContain(`href="/inbox/leads/${leads.confirmed.id}"`);
    expect(confirmed).toContain("14:00–16:00");
    expect(confirmed).toContain(renderCopy("inbox.booking.confirmed"));
    expect(first.indexOf(bookings.held)).toBeLessThan(first.indexOf(bookings.confirmed));
    expect(html.slice(html.indexOf('data-day="2027-06-16"'))).toContain("10:00–11:00");

    expect(html).not.toContain(names.released);
    expect(html).not.toContain(names.past);
    expect(html).not.toContain(renderCopy("inbox.agenda.empty"));
  });

  it("reads the times on the artist's clock whatever it is", async () => {
    const artistId = await insertArtist("America/New_York");
    const lead = await insertLead("BOOKED", { display_name: `Eastern ${randomTag()}` });
    await insertBooking(artistId, lead.id, { status: "CONFIRMED", start: "2027-01-12T15:00:00Z", end: "2027-01-12T17:00:00Z" });
    const html = await (await inboxFetch(`/inbox/agenda?artist=${artistId}`, { cookie: await signIn() })).text();
    // EST is UTC−5 in January.
    expect(html).toContain('data-day="2027-01-12"');
    expect(html).toContain("10:00–12:00");
  });

  it("says so when nothing is booked or held", async () => {
    const artistId = await insertArtist();
    const cookie = await signIn();
    const response = await inboxFetch(`/inbox/agenda?artist=${artistId}`, { cookie });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(renderCopy("inbox.agenda.empty"));
    expect(html).not.toContain("data-day=");
  });

  it("an unknown or malformed artist: the page-not-found page", async () => {
    const cookie = await signIn();
    expect((await inboxFetch("/inbox/agenda?artist=00000000-0000-4000-8000-000000000000", { cookie })).status).toBe(404);
    expect((await inboxFetch("/inbox/agenda?artist=nope", { cookie })).status).toBe(404);
  });
});

describe("the lead page's booking card", () => {
  it("shows the hold in the artist's zone and when it lapses, the booking once confirmed, and nothing without one", async () => {
    const { leads } = await bookedArtist();
    const cookie = await signIn();

    const heldHtml = await (await inboxFetch(`/inbox/leads/${leads.held.id}`, { cookie })).text();
    const heldCard = section(heldHtml, "booking-title");
    expect(heldCard).toContain('data-status="HELD"');
    expect(heldCard).toContain(renderCopy("inbox.lead.booking_when", { day: "Tue 15 Jun", time: "10:00–12:00", zone: "Europe/London" }));
    expect(heldCard).toContain(renderCopy("inbox.booking.held_until", { expires: "Mon 14 Jun, 18:30", zone: "Europe/London" }));

    const confirmedHtml = await (await inboxFetch(`/inbox/leads/${leads.confirmed.id}`, { cookie })).text();
    const confirmedCard = section(confirmedHtml, "booking-title");
    expect(confirmedCard).toContain(renderCopy("inbox.lead.booking_when", { day: "Tue 15 Jun", time: "14:00–16:00", zone: "Europe/London" }));
    expect(confirmedCard).toContain(renderCopy("inbox.booking.confirmed"));

    const releasedHtml = await (await inboxFetch(`/inbox/leads/${leads.released.id}`, { cookie })).text();
    expect(releasedHtml).toContain('id="status"');
    expect(releasedHtml).not.toContain('aria-labelledby="booking-title"');
  });
});
