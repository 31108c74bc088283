/**
 * Telling the artist about calendar conflicts (issue 15 item 7): an event in their calendar that
 * is not ours, over a confirmed booking. Used by both places that find them: the incremental sync
 * in the artist's ArtistCalendar object (durable-objects/calendar-sync.ts) and the calendar write
 * job when a booking's event goes in (calendar-write.ts).
 *
 * Each (booking, event) pair is told once, whoever finds it and however often: the marker and the
 * `calendar.conflict` system event are one transaction (src/db/calendar-conflict-store.ts), and
 * only the call that wrote them sends the WhatsApp alert. The booking is never touched: the client
 * has paid, and what to move is the artist's decision. With FEATURE_ARTIST_NOTIFICATIONS off (or
 * no number for the artist) nothing is sent and `artist.notice_skipped` says so; a refused send is
 * `artist.alert_failed` (the system event still stands in the inbox).
 */
import { eq } from "drizzle-orm";
import { sendArtistAlert } from "../adapters/whatsapp/artist-alert.ts";
import type { AppConfig } from "../config.ts";
import type { Artist } from "../db/artists-store.ts";
import { CONFLICT_EVENT, recordConflictOnce, type ConflictSource } from "../db/calendar-conflict-store.ts";
import type { Database } from "../db/client.ts";
import { recordSystemEvent } from "../db/lead-store.ts";
import { leads } from "../db/schema.ts";
import type { Conflict } from "../domain/calendar-conflicts.ts";
import { renderCopy } from "../domain/copy.ts";
import { slotLabel } from "../domain/gap-search.ts";
import type { Logger } from "../lib/log.ts";

export interface ConflictAlertInput {
  db: Database;
  config: AppConfig;
  artist: Artist;
  conflicts: readonly Conflict[];
  source: ConflictSource;
  correlationId: string | null;
  log: Logger;
}

/** How many conflicts were found, and how many of them were new (recorded and told now). */
export interface ConflictAlertReport {
  conflicts: number;
  alerted: number;
}

async function clientName(db: Database, leadId: string): Promise<string> {
  const [row] = await db.select({ name: leads.displayName }).from(leads).where(eq(leads.id, leadId)).limit(1);
  return row?.name ?? renderCopy("outbox.template_default_name");
}

/** The alert's words, in the artist's zone. */
export function conflictMessage(config: Pick<AppConfig, "PUBLIC_BASE_URL">, conflict: Conflict, session: { start: Date; end: Date }, name: string, zone: string): string {
  const sessionLabel = slotLabel(session, zone);
  const eventLabel = slotLabel(conflict.event, zone);
  const event = conflict.summary?.trim() ? renderCopy("calendar.conflict.event_named", { summary: conflict.summary.trim().slice(0, 80) }) : renderCopy("calendar.conflict.event_untitled");
  const body = renderCopy("calendar.conflict.artist", {
    event,
    eventDay: eventLabel.day,
    eventTime: eventLabel.time,
    clientName: name,
    sessionDay: sessionLabel.day,
    sessionTime: sessionLabel.time,
    zone,
  });
  if (!config.PUBLIC_BASE_URL) return body;
  const url = `${config.PUBLIC_BASE_URL.replace(/\/+$/, "")}/inbox/leads/${conflict.leadId}`;
  return `${body}\n${renderCopy("calendar.conflict.lead_link", { url })}`;
}

/**
 * Records each conflict once and tells the artist about the new ones. `sessions` gives each
 * booking's session time (for the message).
 */
export async function alertConflicts(input: ConflictAlertInput, sessions: ReadonlyMap<string, { start: Date; end: Date }>): Promise<ConflictAlertReport> {
  const { db, config, artist, log } = input;
  let alerted = 0;
  for (const conflict of input.conflicts) {
    if (!(await recordConflictOnce(db, conflict, input.source, input.correlationId))) continue;
    alerted++;
    log.warn("calendar.conflict", { artist_id: artist.id, booking_id: conflict.bookingId, event_id: conflict.eventId, lead_id: conflict.leadId, source: input.source });
    const to = config.FEATURE_ARTIST_NOTIFICATIONS ? artist.whatsappNumber : null;
    if (!to) {
      const reason = config.FEATURE_ARTIST_NOTIFICATIONS ? "the artist has no WhatsApp number" : "FEATURE_ARTIST_NOTIFICATIONS off";
      await recordSystemEvent(db, { type: "artist.notice_skipped", leadId: conflict.leadId, payload: { alert: CONFLICT_EVENT, reason }, correlationId: input.correlationId });
      continue;
    }
    const session = sessions.get(conflict.bookingId) ?? conflict.event;
    const result = await sendArtistAlert(config, {
      to,
      artistName: artist.name,
      body: conflictMessage(config, conflict, session, await clientName(db, conflict.leadId), artist.timeZone),
      subject: renderCopy("calendar.conflict.template_subject"),
      ref: `conflict-${conflict.bookingId}`,
    });
    if (result.ok && result.template) {
      await recordSystemEvent(db, { type: "whatsapp.template_fallback", leadId: conflict.leadId, payload: { alert: CONFLICT_EVENT, to: "artist" }, correlationId: input.correlationId });
    }
    if (!result.ok) {
      log.error("artist.alert_failed", { alert: CONFLICT_EVENT, code: result.code });
      await recordSystemEvent(db, {
        type: "artist.alert_failed",
        level: "error",
        leadId: conflict.leadId,
        payload: { alert: CONFLICT_EVENT, booking_id: conflict.bookingId, event_id: conflict.eventId, code: result.code, message: result.message },
        correlationId: input.correlationId,
      });
    }
  }
  return { conflicts: input.conflicts.length, alerted };
}
