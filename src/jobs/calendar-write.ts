/**
 * The `calendar.write` job (issue 15): makes the artist's Google Calendar match one booking, read
 * from Postgres when the job runs (never from the message). A CONFIRMED booking gets its event,
 * inserted with our own id (event-id.ts: the booking and its revision), so a retried insert whose
 * answer was lost meets 409, reads the event back and adopts it: one event, however often the job
 * runs; an adopted event at another time than the booking's (its answer lost before the booking
 * moved) is patched to follow it. A RELEASED or CANCELLED booking loses its event (a cancelled one
 * with no event recorded, by the id chosen for it: its insert's answer may have been lost) (a delete of a gone event is done).
 * Once the event is in, the slot is listed (`checkSlot`): an event there that is not ours is a
 * conflict, recorded and told to the artist once (conflict-alerts.ts); the booking stands. A
 * failed check retries the job, which adopts its event and checks again.
 *
 * Failures: Google's retryable ones (429, 403 rate limits, 5xx, timeouts) are retried by the queue
 * with backoff, after Google's Retry-After when it gives one; permanent ones (400, 404: the
 * calendar not shared, an id held by an event that is not ours) go straight to the dead-letter
 * queue, where the inbox shows them and ops can replay them.
 */
import { and, eq } from "drizzle-orm";
import { eventIdFor } from "../adapters/google/event-id.ts";
import { calendarFrom, deleteEvent, eventsBetween, eventView, getEvent, insertEvent, patchEvent, type CalendarFailure, type GoogleEvent } from "../adapters/google/calendar.ts";
import { requireConfig, type AppConfig } from "../config.ts";
import { getArtist, type Artist } from "../db/artists-store.ts";
import { getBooking } from "../db/booking-store.ts";
import { connectPatiently, openDatabase, type Database } from "../db/client.ts";
import { bookings, leads, type BookingRow } from "../db/schema.ts";
import { BookingStatus } from "../domain/booking.ts";
import { findConflicts } from "../domain/calendar-conflicts.ts";
import { renderCopy } from "../domain/copy.ts";
import type { Logger } from "../lib/log.ts";
import { alertConflicts } from "./conflict-alerts.ts";

/** A job that can never succeed as it is: dead-lettered at once, with the reason. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentJobError";
  }
}

/** A job to try again, no sooner than `delaySeconds` (Google's Retry-After). */
export class RetryJobLater extends Error {
  readonly delaySeconds: number | null;
  constructor(message: string, delaySeconds: number | null) {
    super(message);
    this.name = "RetryJobLater";
    this.delaySeconds = delaySeconds;
  }
}

export type CalendarWriteOutcome = "inserted" | "adopted" | "patched" | "deleted" | "nothing_to_do" | "calendar_off";

/** How often a move re-reads its event after a 412 (the artist edited it meanwhile) before the queue retries. */
const MAX_STALE_RETRIES = 3;

/** How often a cancelled event of ours forces the next revision within one job before giving up. */
const MAX_REVISION_BUMPS = 3;

/** Throws a Google failure as the queue reads it: retryable (after Retry-After) or permanent. */
export function raiseCalendarFailure(failure: CalendarFailure, what: string): never {
  const reason = "reason" in failure ? failure.reason : failure.kind;
  const message = `${what}: ${failure.kind} (${failure.status ?? "no answer"}, ${reason}): ${failure.message}`;
  if (failure.kind === "retryable") throw new RetryJobLater(message, failure.retryAfterMs === null ? null : Math.ceil(failure.retryAfterMs / 1000));
  throw new PermanentJobError(message);
}

async function leadName(db: Database, leadId: string): Promise<string | null> {
  const [row] = await db.select({ name: leads.displayName }).from(leads).where(eq(leads.id, leadId)).limit(1);
  return row?.name ?? null;
}

/**
 * The booking's slot, checked once its event is in: every event over the session that is not ours
 * (the artist added it by hand before the payment, so no later incremental sync will show it) is
 * recorded and the artist told, once per event. The booking stands: the client has paid. Listed
 * with events.list over the slot rather than freeBusy, which cannot tell our own event (there
 * already after a retried insert) from the artist's.
 */
async function checkSlot(calendar: NonNullable<ReturnType<typeof calendarFrom>>, db: Database, config: AppConfig, artist: Artist, booking: BookingRow, log: Logger, correlationId: string | null): Promise<void> {
  const around = await eventsBetween(calendar.client, calendar.calendarId, booking.startsAt, booking.endsAt);
  if (!around.ok) raiseCalendarFailure(around.error, "calendar check");
  const conflicts = findConflicts(around.value.map(eventView), [booking], artist.timeZone);
  if (conflicts.length === 0) return;
  const sessions = new Map([[booking.id, { start: booking.startsAt, end: booking.endsAt }]]);
  await alertConflicts({ db, config, artist, conflicts, source: "confirmation", correlationId, log }, sessions);
}

/**
 * Patches a moved booking's event to its new time with If-Match on the etag we last saw: a 412
 * (the artist edited the event meanwhile) reads the event again and patches with its fresh etag,
 * so the move lands once and an edit is never overwritten blindly (only start and end change).
 * Null when the event is gone (deleted by hand): the caller inserts a fresh one.
 */
async function moveEvent(calendar: NonNullable<ReturnType<typeof calendarFrom>>, db: Database, booking: BookingRow, eventId: string, zone: string, log: Logger): Promise<CalendarWriteOutcome | null> {
  let etag = booking.calendarEventEtag;
  for (let attempt = 0; attempt <= MAX_STALE_RETRIES; attempt++) {
    if (etag === null) {
      const read = await getEvent(calendar.client, calendar.calendarId, eventId);
      if (!read.ok) raiseCalendarFailure(read.error, "calendar read");
      if (read.value === null || read.value.status === "cancelled") return null;
      etag = read.value.etag ?? null;
    }
    const patched = await patchEvent(
      calendar.client,
      calendar.calendarId,
      eventId,
      { start: { dateTime: booking.startsAt.toISOString(), timeZone: zone }, end: { dateTime: booking.endsAt.toISOString(), timeZone: zone } },
      etag === null ? {} : { etag },
    );
    if (patched.ok) {
      await db.update(bookings).set({ calendarEventEtag: patched.value.etag ?? null, calendarEventStartsAt: booking.startsAt }).where(and(eq(bookings.id, booking.id), eq(bookings.startsAt, booking.startsAt)));
      log.info("calendar.event_moved", { booking_id: booking.id, event_id: eventId, stale_retries: attempt });
      return "patched";
    }
    if (patched.error.kind !== "stale_etag") {
      if (patched.error.kind === "permanent" && patched.error.status === 404) return null;
      raiseCalendarFailure(patched.error, "calendar patch");
    }
    log.info("calendar.event_changed_meanwhile", { booking_id: booking.id, event_id: eventId, attempt });
    etag = null;
  }
  throw new RetryJobLater(`calendar patch: event ${eventId} kept changing (412)`, null);
}

/** Where an event starts (a timed event; null for an all-day one or no start). */
function eventStartOf(event: GoogleEvent): Date | null {
  const ms = Date.parse(event.start?.dateTime ?? "");
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** Carries out one `calendar.write` job; throws {@link RetryJobLater} or {@link PermanentJobError} when it cannot. */
export async function writeCalendar(bookingId: string, env: Env, log: Logger, correlationId: string | null = null): Promise<CalendarWriteOutcome> {
  const config = requireConfig(env);
  const calendar = calendarFrom(config);
  if (!calendar) return "calendar_off";
  const handle = openDatabase(config, { max: 1 });
  try {
    await connectPatiently(handle);
    const db = handle.db;
    let booking = await getBooking(db, bookingId);
    if (!booking) return "nothing_to_do";

    if (booking.status !== BookingStatus.CONFIRMED) {
      // A cancelled booking whose insert's answer never came back may still have its event, under
      // the id we chose for it; a released hold never had one.
      const eventId = booking.calendarEventId ?? (booking.status === BookingStatus.CANCELLED ? eventIdFor(booking.id, booking.revision) : null);
      if (eventId === null) return "nothing_to_do";
      const gone = await deleteEvent(calendar.client, calendar.calendarId, eventId);
      if (!gone.ok) raiseCalendarFailure(gone.error, "calendar delete");
      // Only ours to report when it was recorded or found: deleting again is harmless and changes nothing.
      if (booking.calendarEventId === null && gone.value.alreadyGone) return "nothing_to_do";
      if (booking.calendarEventId !== null) {
        await db.update(bookings).set({ calendarEventId: null }).where(and(eq(bookings.id, bookingId), eq(bookings.calendarEventId, booking.calendarEventId)));
      }
      log.info("calendar.event_deleted", { booking_id: bookingId, already_gone: gone.value.alreadyGone, recorded: booking.calendarEventId !== null });
      return "deleted";
    }

    const artist = await getArtist(db, booking.artistId);
    const zone = artist?.timeZone ?? config.STUDIO_TIME_ZONE;
    // A moved booking (issue 18): its event follows it, patched with If-Match, never re-created.
    if (booking.calendarEventId !== null && booking.calendarEventStartsAt !== null && booking.calendarEventStartsAt.getTime() !== booking.startsAt.getTime()) {
      const moved = await moveEvent(calendar, db, booking, booking.calendarEventId, zone, log);
      if (moved !== null) return moved;
    }
    const clientName = (await leadName(db, booking.leadId)) ?? "client";
    const leadUrl = config.PUBLIC_BASE_URL ? `${config.PUBLIC_BASE_URL.replace(/\/+$/, "")}/inbox/leads/${booking.leadId}` : null;
    for (let bump = 0; ; bump++) {
      const inserted = await insertEvent(calendar.client, calendar.calendarId, {
        bookingId: booking.id,
        revision: booking.revision,
        summary: renderCopy("calendar.event.summary", { clientName }),
        description: leadUrl ? renderCopy("calendar.event.description", { leadUrl }) : renderCopy("calendar.event.description_no_link"),
        start: { dateTime: booking.startsAt.toISOString(), timeZone: zone },
        end: { dateTime: booking.endsAt.toISOString(), timeZone: zone },
        privateProperties: { leadId: booking.leadId },
      });
      if (inserted.ok) {
        const { event, adopted } = inserted.value;
        // An adopted event was written by an earlier try whose answer was lost, perhaps before the
        // booking moved: it is recorded where Google has it, and then follows the booking.
        const eventStart = adopted ? eventStartOf(event) : null;
        const written = { calendarEventId: event.id, calendarEventEtag: event.etag ?? null, calendarEventStartsAt: eventStart ?? booking.startsAt };
        // Only while the booking is confirmed where this job read it: a move or a cancel since has
        // queued its own write, which may already have run without this event's id.
        const recorded = await db
          .update(bookings)
          .set(written)
          .where(and(eq(bookings.id, booking.id), eq(bookings.startsAt, booking.startsAt), eq(bookings.status, BookingStatus.CONFIRMED)))
          .returning({ id: bookings.id });
        log.info("calendar.event_written", { booking_id: booking.id, event_id: event.id, adopted, recorded: recorded.length > 0 });
        if (recorded.length === 0) {
          // Moved since this job read it: the move's own write takes the event along (never this job, with the old time).
          if ((await getBooking(db, bookingId))?.status === BookingStatus.CONFIRMED) return "nothing_to_do";
          // Cancelled while the insert was on its way: the event goes again.
          const gone = await deleteEvent(calendar.client, calendar.calendarId, event.id);
          if (!gone.ok) raiseCalendarFailure(gone.error, "calendar delete");
          log.info("calendar.event_deleted", { booking_id: bookingId, already_gone: gone.value.alreadyGone, recorded: false });
          return "deleted";
        }
        if (eventStart !== null && eventStart.getTime() !== booking.startsAt.getTime()) {
          const moved = await moveEvent(calendar, db, { ...booking, calendarEventEtag: written.calendarEventEtag }, event.id, zone, log);
          if (moved !== null) return moved;
          // Deleted by hand meanwhile: inserted afresh (the next revision), a bounded number of times.
          if (bump >= MAX_REVISION_BUMPS) throw new RetryJobLater(`calendar write: event ${event.id} went while it was being moved`, null);
          continue;
        }
        // With our event in place, anything else over the session is the artist's own.
        if (artist) await checkSlot(calendar, db, config, artist, booking, log, correlationId);
        return inserted.value.adopted ? "adopted" : "inserted";
      }
      // Google keeps a deleted event's id taken: the booking's next event gets the next revision.
      if (inserted.error.kind === "id_cancelled" && bump < MAX_REVISION_BUMPS) {
        const bumped: BookingRow[] = await db
          .update(bookings)
          .set({ revision: booking.revision + 1 })
          .where(and(eq(bookings.id, booking.id), eq(bookings.revision, booking.revision)))
          .returning();
        booking = bumped[0] ?? (await getBooking(db, bookingId));
        if (!booking || booking.status !== BookingStatus.CONFIRMED) return "nothing_to_do";
        continue;
      }
      raiseCalendarFailure(inserted.error, "calendar insert");
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}
