/**
 * Which events in the artist's Google Calendar collide with their confirmed bookings (issue 15,
 * defence in depth): an event the artist added by hand over a session a client has paid for. Pure:
 * the caller passes the events (from an incremental sync, or a list over one slot), the bookings
 * and the artist's zone; nothing here reads the clock or calls Google.
 *
 * What counts: an event that is not Inkline's (our events carry `extendedProperties.private.inkline`,
 * the caller says which), not cancelled, not marked "free" (`transparency: transparent`, which
 * freeBusy ignores too), whose time shares at least a moment with the session itself
 * ([startsAt, endsAt), half-open: an event ending as the session starts does not collide). The
 * buffer after a session is our own margin, not the client's time, so an event there is the
 * artist's choice and not reported. An all-day event covers its dates from local midnight in the
 * artist's zone (Google's `date` has no zone; its end date is exclusive).
 */
import { TZDate } from "@date-fns/tz";

/** The fields of a Google event this module reads (a cancelled one in a sync may carry only id and status). */
export interface CalendarEventView {
  id: string;
  status?: string;
  transparency?: string;
  summary?: string;
  start?: { dateTime?: string; date?: string };
  end?: { dateTime?: string; date?: string };
  /** Whether Inkline wrote it (its private `inkline` property). */
  ours: boolean;
}

/** A confirmed session of the artist. */
export interface BookedSession {
  id: string;
  leadId: string;
  startsAt: Date;
  endsAt: Date;
}

/** A moment range, end exclusive. */
export interface Span {
  start: Date;
  end: Date;
}

/** One event over one booking: the artist is told once per such pair. */
export interface Conflict {
  bookingId: string;
  leadId: string;
  eventId: string;
  summary: string | null;
  event: Span & { allDay: boolean };
}

/** Whether two half-open ranges share a moment (an empty range shares none). */
export function overlaps(a: Span, b: Span): boolean {
  return a.start.getTime() < b.end.getTime() && b.start.getTime() < a.end.getTime() && a.start < a.end && b.start < b.end;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function localMidnight(date: string, zone: string): Date | null {
  const m = DATE.exec(date);
  if (!m) return null;
  return new Date(TZDate.tz(zone, Number(m[1]), Number(m[2]) - 1, Number(m[3]), 0, 0, 0).getTime());
}

/** When the event happens: timed events as given, all-day ones from local midnight in `zone`; null when unreadable. */
export function eventSpan(event: Pick<CalendarEventView, "start" | "end">, zone: string): (Span & { allDay: boolean }) | null {
  const { start, end } = event;
  if (start?.dateTime !== undefined && end?.dateTime !== undefined) {
    const s = Date.parse(start.dateTime);
    const e = Date.parse(end.dateTime);
    return Number.isNaN(s) || Number.isNaN(e) ? null : { start: new Date(s), end: new Date(e), allDay: false };
  }
  if (start?.date !== undefined && end?.date !== undefined) {
    const s = localMidnight(start.date, zone);
    const e = localMidnight(end.date, zone);
    return s && e ? { start: s, end: e, allDay: true } : null;
  }
  return null;
}

/** Whether an event could block the artist's time at all: someone else's, live and busy. */
export function isForeignBusy(event: CalendarEventView): boolean {
  return !event.ours && event.status !== "cancelled" && event.transparency !== "transparent";
}

/**
 * Every (booking, event) pair where a foreign busy event overlaps a confirmed session, in booking
 * then event order (stable whatever order the events came in). The latest version of an event
 * wins when a sync returns it more than once.
 */
export function findConflicts(events: readonly CalendarEventView[], bookings: readonly BookedSession[], zone: string): Conflict[] {
  const latest = new Map<string, CalendarEventView>();
  for (const event of events) latest.set(event.id, event);
  const spans: { event: CalendarEventView; span: Span & { allDay: boolean } }[] = [];
  for (const event of latest.values()) {
    if (!isForeignBusy(event)) continue;
    const span = eventSpan(event, zone);
    if (span) spans.push({ event, span });
  }
  spans.sort((a, b) => (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
  const sorted = [...bookings].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const conflicts: Conflict[] = [];
  for (const booking of sorted) {
    const session = { start: booking.startsAt, end: booking.endsAt };
    for (const { event, span } of spans) {
      if (overlaps(span, session)) conflicts.push({ bookingId: booking.id, leadId: booking.leadId, eventId: event.id, summary: event.summary ?? null, event: span });
    }
  }
  return conflicts;
}

/** The marker that makes the artist's alert for one (booking, event) pair happen once. */
export function conflictKey(bookingId: string, eventId: string): string {
  return `calendar.conflict:${bookingId}:${eventId}`;
}

/**
 * Whether the cron run at `scheduledTime` syncs the calendar, for a sync every `everyMinutes`
 * (a multiple of the cron's `cronMinutes`): every run for 5, every third for 15, counted in
 * cron periods since the epoch so that the same runs sync whichever isolate fires them.
 */
export function calendarSyncDue(scheduledTime: Date, everyMinutes: number, cronMinutes = 5): boolean {
  const runsPerSync = Math.max(1, Math.round(everyMinutes / cronMinutes));
  return Math.floor(scheduledTime.getTime() / (cronMinutes * 60_000)) % runsPerSync === 0;
}
