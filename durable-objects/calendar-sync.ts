/**
 * The incremental sync of one artist's Google Calendar, run by their ArtistCalendar object
 * (artist-calendar.ts) in its serial queue when a `calendar.sync` job arrives (every
 * CALENDAR_SYNC_MINUTES through the cron). It notices events the artist adds, moves or edits by
 * hand over a confirmed booking and tells the artist once per (booking, event)
 * (src/jobs/conflict-alerts.ts).
 *
 * The sync token lives in the object's own storage. The first sync (and any after Google answers
 * 410, the token no longer valid) lists every event ending after the job's "now", page by page,
 * and keeps the last page's token; later syncs ask only for what changed since. Recurring events
 * come as their instances (`singleEvents`). The token is stored only after the conflicts it
 * brought are recorded, so a sync that fails half way is repeated whole, and the once-only
 * markers keep its alerts single.
 *
 * An incremental sync sees only changed events: an event added before a booking was confirmed is
 * not in a later sync. That case is the calendar write job's check at confirmation.
 */
import { calendarFrom, eventView, syncEvents, type CalendarFailure } from "../src/adapters/google/calendar.ts";
import type { AppConfig } from "../src/config.ts";
import type { Artist } from "../src/db/artists-store.ts";
import { listBookings } from "../src/db/booking-store.ts";
import type { Database } from "../src/db/client.ts";
import { BookingStatus } from "../src/domain/booking.ts";
import { findConflicts } from "../src/domain/calendar-conflicts.ts";
import { alertConflicts } from "../src/jobs/conflict-alerts.ts";
import type { Logger } from "../src/lib/log.ts";

/** Where the object keeps its sync token. */
export const SYNC_TOKEN_KEY = "calendar.sync_token";
/** Events per page (Google's default 250, most 2500). */
export const SYNC_PAGE_SIZE = 250;
/** Confirmed bookings looked at per sync (soonest first). */
const BOOKINGS_PER_SYNC = 1_000;

/** What a sync did, for the job's log line and the tests. */
export type SyncOutcome =
  | { ok: true; skipped: "calendar_off" | "unknown_artist" }
  | { ok: true; skipped?: undefined; full: boolean; resynced: boolean; pages: number; events: number; conflicts: number; alerted: number }
  | { ok: false; failure: CalendarFailure };

export interface SyncInput {
  storage: DurableObjectStorage;
  db: Database;
  config: AppConfig;
  artist: Artist;
  now: Date;
  log: Logger;
  correlationId: string | null;
}

/** Runs one sync for the artist (see the module header). Google's failures come back as the result, never thrown. */
export async function syncArtistCalendar(input: SyncInput): Promise<SyncOutcome> {
  const { storage, db, config, artist, now } = input;
  const calendar = calendarFrom(config);
  if (!calendar) return { ok: true, skipped: "calendar_off" };
  const stored = (await storage.get<string>(SYNC_TOKEN_KEY)) ?? null;
  const fullFrom = now;
  let synced = await syncEvents(calendar.client, calendar.calendarId, stored, { singleEvents: true, maxResults: SYNC_PAGE_SIZE, timeMin: fullFrom });
  let resynced = false;
  if (!synced.ok && synced.error.kind === "full_resync_needed") {
    // Google no longer accepts the token: forget it and list everything again.
    input.log.info("calendar.sync_resync", { artist_id: artist.id });
    await storage.delete(SYNC_TOKEN_KEY);
    resynced = true;
    synced = await syncEvents(calendar.client, calendar.calendarId, null, { singleEvents: true, maxResults: SYNC_PAGE_SIZE, timeMin: fullFrom });
  }
  if (!synced.ok) return { ok: false, failure: synced.error };

  const views = synced.value.events.map(eventView);
  const bookings = await listBookings(db, artist.id, { from: now, statuses: [BookingStatus.CONFIRMED], limit: BOOKINGS_PER_SYNC });
  const conflicts = findConflicts(views, bookings, artist.timeZone);
  const sessions = new Map(bookings.map((b) => [b.id, { start: b.startsAt, end: b.endsAt }]));
  const report = await alertConflicts({ db, config, artist, conflicts, source: "sync", correlationId: input.correlationId, log: input.log }, sessions);
  await storage.put(SYNC_TOKEN_KEY, synced.value.nextSyncToken);
  return { ok: true, full: stored === null || resynced, resynced, pages: synced.value.pages, events: views.length, ...report };
}
