/**
 * The once-only record of a calendar conflict: an event in the artist's calendar that is not ours
 * over a confirmed booking (src/domain/calendar-conflicts.ts). One `processed_events` marker per
 * (booking, event) pair (provider `system`, event id `calendar.conflict:<booking>:<event>`; its
 * unique index makes it once, whoever finds the pair first: the sync in the artist's object or the
 * calendar write job) and, in the same transaction, the `calendar.conflict` system event (level
 * warn) the inbox and the admin API show. No table of its own.
 */
import { processedEvents, systemEvents } from "./schema.ts";
import type { Database } from "./client.ts";
import { conflictKey, type Conflict } from "../domain/calendar-conflicts.ts";

export const CONFLICT_EVENT = "calendar.conflict";

/** Where the conflict was found: the incremental sync, or the check when a booking's event is written. */
export type ConflictSource = "sync" | "confirmation";

/**
 * Records `conflict` unless it was recorded before. True when this call recorded it (the artist
 * is to be told now), false when it was already known.
 */
export async function recordConflictOnce(db: Database, conflict: Conflict, source: ConflictSource, correlationId: string | null): Promise<boolean> {
  return db.transaction(async (tx) => {
    const fresh = await tx
      .insert(processedEvents)
      .values({ provider: "system", eventId: conflictKey(conflict.bookingId, conflict.eventId), leadId: conflict.leadId, outcome: CONFLICT_EVENT })
      .onConflictDoNothing({ target: [processedEvents.provider, processedEvents.eventId] })
      .returning({ id: processedEvents.id });
    if (fresh.length === 0) return false;
    await tx.insert(systemEvents).values({
      type: CONFLICT_EVENT,
      level: "warn",
      leadId: conflict.leadId,
      correlationId,
      payload: {
        booking_id: conflict.bookingId,
        event_id: conflict.eventId,
        event_start: conflict.event.start.toISOString(),
        event_end: conflict.event.end.toISOString(),
        all_day: conflict.event.allDay,
        source,
      },
    });
    return true;
  });
}
