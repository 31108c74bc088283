/**
 * Bookings through the admin API: GET /admin/artists/:id/bookings (an artist's holds and sessions
 * not over by `from`, by status), GET /admin/artists/:id/freed-offers (who a freed time was offered
 * to, and how each offer ended) and GET /admin/leads/:id/booking (the lead's hold or booking).
 * Reads only: holds and bookings change through the artist's ArtistCalendar object.
 */
import { Hono } from "hono";
import { findLead } from "../../db/admin-store.ts";
import { getArtist } from "../../db/artists-store.ts";
import { blockingBookingOf, listBookings } from "../../db/booking-store.ts";
import type { BookingRow } from "../../db/schema.ts";
import { BLOCKING_STATUSES } from "../../domain/booking.ts";
import type { AdminEnv } from "./context.ts";
import { offersWithClients, type OfferWithClient } from "../../db/slot-offer-store.ts";
import { ArtistIdParams, BookingListQuery, FreedOffersQuery, LeadIdParams } from "./schemas.ts";
import { valid } from "./validate.ts";

const iso = (at: Date | null) => (at ? at.toISOString() : null);

/** The admin API's shape of a booking (schemas.ts `BookingResponse`). */
export function bookingJson(booking: BookingRow, clientName: string | null) {
  return {
    id: booking.id,
    artist_id: booking.artistId,
    lead_id: booking.leadId,
    status: booking.status,
    starts_at: booking.startsAt.toISOString(),
    ends_at: booking.endsAt.toISOString(),
    blocked_until: booking.blockedUntil.toISOString(),
    hold_expires_at: iso(booking.holdExpiresAt),
    calendar_event_id: booking.calendarEventId,
    client_name: clientName,
  };
}

/** The admin API's shape of a freed-slot offer (schemas.ts `FreedOfferResponse`). */
function freedOfferJson(offer: OfferWithClient) {
  return {
    id: offer.id,
    lead_id: offer.leadId,
    client_name: offer.clientName,
    slot_start: offer.slotStart.toISOString(),
    slot_end: offer.slotEnd.toISOString(),
    offered_at: offer.offeredAt.toISOString(),
    deadline: offer.deadline.toISOString(),
    outcome: offer.outcome,
    answered_at: iso(offer.answeredAt),
  };
}

/** Mounted under /admin/artists. */
export const adminArtistBookings = new Hono<AdminEnv>()
  .get("/:id/freed-offers", valid("param", ArtistIdParams), valid("query", FreedOffersQuery), async (c) => {
    const db = c.get("db");
    const artist = await getArtist(db, c.req.valid("param").id);
    if (!artist) return c.json({ error: "not_found", message: "no artist with this id" }, 404);
    const query = c.req.valid("query");
    const interval = { artistId: artist.id, start: new Date(query.freed_start), end: new Date(query.freed_end) };
    const offers = await offersWithClients(db, interval, query.limit);
    if (offers.length === 0) return c.json({ error: "no_offers", message: "this freed time was not offered to anyone (check freed_start and freed_end)" }, 404);
    return c.json({ artist_id: artist.id, time_zone: artist.timeZone, freed_start: interval.start.toISOString(), freed_end: interval.end.toISOString(), offers: offers.map(freedOfferJson) });
  })
  .get("/:id/bookings", valid("param", ArtistIdParams), valid("query", BookingListQuery), async (c) => {
  const db = c.get("db");
  const artist = await getArtist(db, c.req.valid("param").id);
  if (!artist) return c.json({ error: "not_found", message: "no artist with this id" }, 404);
  const query = c.req.valid("query");
  const from = query.from === undefined ? new Date() : new Date(query.from);
  const rows = await listBookings(db, artist.id, { from, statuses: query.status ? [query.status] : BLOCKING_STATUSES, limit: query.limit });
  return c.json({
    artist_id: artist.id,
    time_zone: artist.timeZone,
    from: from.toISOString(),
    bookings: rows.map((row) => bookingJson(row, row.clientName)),
  });
});

/** Mounted under /admin/leads. */
export const adminLeadBooking = new Hono<AdminEnv>().get("/:id/booking", valid("param", LeadIdParams), async (c) => {
  const db = c.get("db");
  const lead = await findLead(db, c.req.valid("param").id);
  if (!lead) return c.json({ error: "not_found", message: "no lead with this id" }, 404);
  const booking = await blockingBookingOf(db, lead.id);
  if (!booking) return c.json({ error: "no_booking", message: "this lead holds no slot and has no booking (HELD or CONFIRMED)" }, 404);
  return c.json(bookingJson(booking, lead.displayName));
});
