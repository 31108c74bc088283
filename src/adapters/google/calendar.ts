/**
 * Google Calendar v3 over REST (research/scheduling.md §1.3–1.8): freeBusy, and events insert
 * (with our own id), get, patch (If-Match), delete (idempotent) and list (sync tokens, pages).
 *
 * Every call returns a {@link CalendarResult}: Google's answers are zod-parsed, and failures are
 * classified (errors.ts) as retryable or permanent, plus the four outcomes a caller must handle on
 * purpose: a stale etag (412), a sync token Google no longer accepts (410), our event id held by
 * an event that is not ours (409), and our own event cancelled (its id stays taken: bump the
 * revision). Auth is auth.ts (shared with Sheets); the base URL is GOOGLE_CALENDAR_API_URL so the
 * local stack and tests talk to the emulator (dev/emulators/google).
 */
import { z } from "zod";
import type { AppConfig } from "../../config.ts";
import type { CalendarEventView } from "../../domain/calendar-conflicts.ts";
import { tokenUrlFor } from "./auth.ts";
import type { GoogleFailure } from "./errors.ts";
import { failedAnswer, googleRequest, isSuccess, unexpectedAnswer, type GoogleAnswer, type GoogleApiClient, type GoogleRequest } from "./request.ts";
import { eventIdFor } from "./event-id.ts";
import { mergeIntervals, splitRange, type Interval } from "./intervals.ts";

export const DEFAULT_CALENDAR_API_URL = "https://www.googleapis.com/calendar/v3";
/** freeBusy needs calendar.freebusy; inserting, patching and listing events need calendar.events. */
export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy";

/** How to reach Google Calendar. The calendar id is per call (one calendar per artist). */
export type CalendarClient = GoogleApiClient;

/**
 * The calendar client and the artist's calendar id, or null when the calendar is not configured:
 * FEATURE_CALENDAR off, or no service account or calendar id. `now` is the clock the token
 * assertions use.
 */
export function calendarFrom(config: AppConfig, now: () => number = () => Date.now()): { client: CalendarClient; calendarId: string } | null {
  const account = config.GOOGLE_SERVICE_ACCOUNT_JSON;
  if (!config.FEATURE_CALENDAR || !account || !config.GOOGLE_CALENDAR_ID) return null;
  return {
    client: {
      auth: { account, scope: CALENDAR_SCOPE, tokenUrl: tokenUrlFor(account, config.GOOGLE_TOKEN_URL), timeoutMs: config.GOOGLE_TIMEOUT_MS, now },
      apiUrl: (config.GOOGLE_CALENDAR_API_URL ?? DEFAULT_CALENDAR_API_URL).replace(/\/+$/, ""),
      timeoutMs: config.GOOGLE_TIMEOUT_MS,
    },
    calendarId: config.GOOGLE_CALENDAR_ID,
  };
}

/** A failed calendar call: retryable or permanent (errors.ts), or one of the outcomes callers handle on purpose. */
export type CalendarFailure =
  | GoogleFailure
  /** 412: the event changed since the etag we sent (the artist edited it). Re-read and decide. */
  | { kind: "stale_etag"; status: 412; message: string }
  /** 410 on a sync token: drop it and list everything again. */
  | { kind: "full_resync_needed"; status: 410; message: string }
  /** 409 and the event with our id is not ours (another booking or no Inkline marks). Never retried. */
  | { kind: "id_taken"; status: 409; eventId: string; message: string }
  /** 409 and the event with our id is ours but cancelled: deleted ids stay taken, bump the revision. */
  | { kind: "id_cancelled"; status: 409; eventId: string; message: string };

export type CalendarResult<T> = { ok: true; value: T } | { ok: false; error: CalendarFailure };

/** Whether a failure should be retried (with backoff, or after `retryAfterMs` when set). */
export const isRetryable = (failure: CalendarFailure): boolean => failure.kind === "retryable";

const EventTimeSchema = z.looseObject({ dateTime: z.string().optional(), date: z.string().optional(), timeZone: z.string().optional() });
export type EventTime = z.infer<typeof EventTimeSchema>;

/** The event fields Inkline reads (a cancelled event in a sync may carry only id and status). */
export const GoogleEventSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().optional(),
  etag: z.string().optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  location: z.string().optional(),
  start: EventTimeSchema.optional(),
  end: EventTimeSchema.optional(),
  updated: z.string().optional(),
  htmlLink: z.string().optional(),
  transparency: z.string().optional(),
  extendedProperties: z.looseObject({ private: z.record(z.string(), z.string()).optional(), shared: z.record(z.string(), z.string()).optional() }).optional(),
});
export type GoogleEvent = z.infer<typeof GoogleEventSchema>;

const EventsPageSchema = z.looseObject({
  items: z.array(GoogleEventSchema).default([]),
  nextPageToken: z.string().optional(),
  nextSyncToken: z.string().optional(),
});

const FreeBusySchema = z.looseObject({
  calendars: z.record(
    z.string(),
    z.looseObject({
      busy: z.array(z.object({ start: z.string(), end: z.string() })).default([]),
      errors: z.array(z.looseObject({ domain: z.string().optional(), reason: z.string() })).default([]),
    }),
  ),
});

/** The private extended properties that mark an event as Inkline's. */
export const INKLINE_MARK = { key: "inkline", value: "1" } as const;

/** Whether Inkline wrote this event (its private `inkline` property is "1"). */
export const isInklineEvent = (event: GoogleEvent): boolean => event.extendedProperties?.private?.[INKLINE_MARK.key] === INKLINE_MARK.value;

/** An event as the conflict rules (src/domain/calendar-conflicts.ts) read it: ours or not, and its times. */
export function eventView(event: GoogleEvent): CalendarEventView {
  return { id: event.id, status: event.status, transparency: event.transparency, summary: event.summary, start: event.start, end: event.end, ours: isInklineEvent(event) };
}

type Answer = GoogleAnswer;
const unexpected = unexpectedAnswer;
const send = (client: CalendarClient, method: string, path: string, options: GoogleRequest = {}): Promise<CalendarResult<Answer>> => googleRequest(client, method, path, options);
const failed = (answer: Answer): CalendarResult<never> => failedAnswer(answer);
const eventsPath = (calendarId: string) => `/calendars/${encodeURIComponent(calendarId)}/events`;
const eventPath = (calendarId: string, eventId: string) => `${eventsPath(calendarId)}/${encodeURIComponent(eventId)}`;

function parseEvent(answer: Answer, what: string): CalendarResult<GoogleEvent> {
  const parsed = GoogleEventSchema.safeParse(answer.body);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: unexpected(answer.status, what) };
}

/**
 * Busy intervals of `calendarId` in [timeMin, timeMax), merged and sorted (epoch ms, end
 * exclusive). Ranges over 90 days are asked in several calls; an empty range asks nothing. A
 * calendar Google reports with `errors` (notFound: not shared with the service account) is a
 * failure, never "free".
 */
export async function freeBusy(client: CalendarClient, calendarId: string, timeMin: Date, timeMax: Date): Promise<CalendarResult<Interval[]>> {
  const busy: Interval[] = [];
  for (const window of splitRange(timeMin.getTime(), timeMax.getTime())) {
    const sent = await send(client, "POST", "/freeBusy", {
      body: { timeMin: new Date(window.startMs).toISOString(), timeMax: new Date(window.endMs).toISOString(), timeZone: "UTC", items: [{ id: calendarId }] },
    });
    if (!sent.ok) return sent;
    if (!isSuccess(sent.value.status)) return failed(sent.value);
    const parsed = FreeBusySchema.safeParse(sent.value.body);
    if (!parsed.success) return { ok: false, error: unexpected(sent.value.status, "freeBusy") };
    const calendar = parsed.data.calendars[calendarId];
    if (!calendar) return { ok: false, error: { kind: "permanent", status: sent.value.status, reason: "notFound", message: `freeBusy did not report calendar ${calendarId}` } };
    const reason = calendar.errors[0]?.reason;
    if (reason !== undefined) {
      const message = `freeBusy reports ${reason} for calendar ${calendarId}${reason === "notFound" ? " (is it shared with the service account?)" : ""}`;
      const retryable = reason === "internalError" || reason === "backendError";
      return { ok: false, error: retryable ? { kind: "retryable", status: sent.value.status, reason, message, retryAfterMs: null } : { kind: "permanent", status: sent.value.status, reason, message } };
    }
    for (const b of calendar.busy) {
      const startMs = Date.parse(b.start);
      const endMs = Date.parse(b.end);
      if (Number.isNaN(startMs) || Number.isNaN(endMs)) return { ok: false, error: unexpected(sent.value.status, "freeBusy") };
      busy.push({ startMs, endMs });
    }
  }
  return { ok: true, value: mergeIntervals(busy) };
}

/** A booking's event: its id comes from the booking and revision (event-id.ts). */
export interface BookingEventInput {
  bookingId: string;
  /** Bump for every re-creation of the booking's event. */
  revision: number;
  summary: string;
  description?: string;
  location?: string;
  start: EventTime;
  end: EventTime;
  /** More private properties (e.g. leadId); `inkline`, `bookingId` and `rev` are always set. */
  privateProperties?: Record<string, string>;
}

function isThisBooking(event: GoogleEvent, input: BookingEventInput): boolean {
  const props = event.extendedProperties?.private;
  return isInklineEvent(event) && props?.bookingId === input.bookingId && props.rev === String(input.revision);
}

/**
 * Inserts the booking's event with our own id, no attendees (a service account cannot invite)
 * and `sendUpdates=none`. A retry of an insert whose answer was lost gets 409; the event is then
 * read back and adopted (`adopted: true`) when its private properties say it is this booking's.
 */
export async function insertEvent(client: CalendarClient, calendarId: string, input: BookingEventInput): Promise<CalendarResult<{ event: GoogleEvent; adopted: boolean }>> {
  const id = eventIdFor(input.bookingId, input.revision);
  const sent = await send(client, "POST", eventsPath(calendarId), {
    query: { sendUpdates: "none" },
    body: {
      id,
      summary: input.summary,
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.location === undefined ? {} : { location: input.location }),
      start: input.start,
      end: input.end,
      transparency: "opaque",
      extendedProperties: { private: { ...input.privateProperties, [INKLINE_MARK.key]: INKLINE_MARK.value, bookingId: input.bookingId, rev: String(input.revision) } },
    },
  });
  if (!sent.ok) return sent;
  if (isSuccess(sent.value.status)) {
    const event = parseEvent(sent.value, "insert");
    return event.ok ? { ok: true, value: { event: event.value, adopted: false } } : event;
  }
  if (sent.value.status !== 409) return failed(sent.value);
  const existing = await getEvent(client, calendarId, id);
  if (!existing.ok) return existing;
  const event = existing.value;
  if (!event || !isThisBooking(event, input)) {
    return { ok: false, error: { kind: "id_taken", status: 409, eventId: id, message: `event id ${id} is held by an event that is not this booking's` } };
  }
  if (event.status === "cancelled") {
    return { ok: false, error: { kind: "id_cancelled", status: 409, eventId: id, message: `this booking's event ${id} was cancelled; insert with the next revision` } };
  }
  return { ok: true, value: { event, adopted: true } };
}

/** The event, cancelled ones included (Google keeps them); null when Google does not know the id (404). */
export async function getEvent(client: CalendarClient, calendarId: string, eventId: string): Promise<CalendarResult<GoogleEvent | null>> {
  const sent = await send(client, "GET", eventPath(calendarId, eventId));
  if (!sent.ok) return sent;
  if (sent.value.status === 404) return { ok: true, value: null };
  return isSuccess(sent.value.status) ? parseEvent(sent.value, "get") : failed(sent.value);
}

/** Fields a patch may change; in `extendedProperties.private` a null deletes the key. */
export interface EventPatch {
  summary?: string;
  description?: string;
  location?: string;
  start?: EventTime;
  end?: EventTime;
  status?: "confirmed" | "tentative" | "cancelled";
  extendedProperties?: { private?: Record<string, string | null> };
}

/**
 * Patches an event. With `etag`, only if it is unchanged since (If-Match): otherwise
 * `stale_etag`, so an edit the artist made is never overwritten blindly.
 */
export async function patchEvent(client: CalendarClient, calendarId: string, eventId: string, patch: EventPatch, options: { etag?: string } = {}): Promise<CalendarResult<GoogleEvent>> {
  const sent = await send(client, "PATCH", eventPath(calendarId, eventId), {
    query: { sendUpdates: "none" },
    body: patch,
    headers: options.etag === undefined ? {} : { "if-match": options.etag },
  });
  if (!sent.ok) return sent;
  if (sent.value.status === 412) return { ok: false, error: { kind: "stale_etag", status: 412, message: `event ${eventId} changed since etag ${options.etag ?? ""}` } };
  return isSuccess(sent.value.status) ? parseEvent(sent.value, "patch") : failed(sent.value);
}

/**
 * Deletes an event; idempotent: an event already deleted (410) or unknown (404) is done too
 * (`alreadyGone: true`). With `etag`, only if unchanged since (412 → `stale_etag`).
 */
export async function deleteEvent(client: CalendarClient, calendarId: string, eventId: string, options: { etag?: string } = {}): Promise<CalendarResult<{ alreadyGone: boolean }>> {
  const sent = await send(client, "DELETE", eventPath(calendarId, eventId), {
    query: { sendUpdates: "none" },
    headers: options.etag === undefined ? {} : { "if-match": options.etag },
  });
  if (!sent.ok) return sent;
  const { status } = sent.value;
  if (isSuccess(status)) return { ok: true, value: { alreadyGone: false } };
  if (status === 404 || status === 410) return { ok: true, value: { alreadyGone: true } };
  if (status === 412) return { ok: false, error: { kind: "stale_etag", status: 412, message: `event ${eventId} changed since etag ${options.etag ?? ""}` } };
  return failed(sent.value);
}

export interface ListOptions {
  /** Incremental: only changes since this token (cancelled events included). Google forbids timeMin and filters with it. */
  syncToken?: string;
  pageToken?: string;
  /** Google's default is 250, its most 2500. */
  maxResults?: number;
  /** Full list only: e.g. ["inkline=1"] for our events. */
  privateExtendedProperty?: string[];
  showDeleted?: boolean;
  /** Full list only: events ending after this (Google's lower bound on the end time). */
  timeMin?: Date;
  /** Full list only: events starting before this (Google's upper bound on the start time). */
  timeMax?: Date;
  /** Recurring events as their single instances (allowed with a sync token, Google's sync guide uses it). */
  singleEvents?: boolean;
}

export interface EventsPage {
  events: GoogleEvent[];
  nextPageToken: string | null;
  /** Only on the last page. */
  nextSyncToken: string | null;
}

/** One page of events. A sync token Google no longer accepts (410) is `full_resync_needed`. */
export async function listEvents(client: CalendarClient, calendarId: string, options: ListOptions = {}): Promise<CalendarResult<EventsPage>> {
  const sent = await send(client, "GET", eventsPath(calendarId), {
    query: {
      syncToken: options.syncToken,
      pageToken: options.pageToken,
      maxResults: options.maxResults === undefined ? undefined : String(options.maxResults),
      privateExtendedProperty: options.privateExtendedProperty,
      showDeleted: options.showDeleted === undefined ? undefined : String(options.showDeleted),
      timeMin: options.timeMin?.toISOString(),
      timeMax: options.timeMax?.toISOString(),
      singleEvents: options.singleEvents === undefined ? undefined : String(options.singleEvents),
    },
  });
  if (!sent.ok) return sent;
  if (sent.value.status === 410 && options.syncToken !== undefined) {
    return { ok: false, error: { kind: "full_resync_needed", status: 410, message: "Google no longer accepts the sync token: list everything again" } };
  }
  if (!isSuccess(sent.value.status)) return failed(sent.value);
  const parsed = EventsPageSchema.safeParse(sent.value.body);
  if (!parsed.success) return { ok: false, error: unexpected(sent.value.status, "events.list") };
  return { ok: true, value: { events: parsed.data.items, nextPageToken: parsed.data.nextPageToken ?? null, nextSyncToken: parsed.data.nextSyncToken ?? null } };
}

/**
 * Every page of a full list (`syncToken` null; `timeMin` bounds it) or of the changes since
 * `syncToken`, the sync token for next time (from the last page) and how many pages it took. At
 * most `maxPages` pages, else a retryable failure.
 */
export async function syncEvents(
  client: CalendarClient,
  calendarId: string,
  syncToken: string | null,
  options: { maxResults?: number; maxPages?: number; singleEvents?: boolean; timeMin?: Date } = {},
): Promise<CalendarResult<{ events: GoogleEvent[]; nextSyncToken: string; pages: number }>> {
  const events: GoogleEvent[] = [];
  let pageToken: string | undefined;
  // A full list may be bounded (events ending after timeMin); a sync token carries its own bounds.
  const timeMin = syncToken === null ? options.timeMin : undefined;
  for (let page = 0; page < (options.maxPages ?? 100); page++) {
    const listed = await listEvents(client, calendarId, { syncToken: syncToken ?? undefined, pageToken, maxResults: options.maxResults, singleEvents: options.singleEvents, timeMin });
    if (!listed.ok) return listed;
    events.push(...listed.value.events);
    if (listed.value.nextPageToken === null) {
      return listed.value.nextSyncToken === null
        ? { ok: false, error: unexpected(200, "events.list (no nextSyncToken on the last page)") }
        : { ok: true, value: { events, nextSyncToken: listed.value.nextSyncToken, pages: page + 1 } };
    }
    pageToken = listed.value.nextPageToken;
  }
  return { ok: false, error: { kind: "retryable", status: null, reason: "too_many_pages", message: "events.list had more pages than allowed", retryAfterMs: null } };
}

/**
 * Every live event that shares a moment with [from, to), recurring ones as their instances, every
 * page. Unlike freeBusy it says which event is which, so our own events can be told from the
 * artist's (a booking's slot checked at confirmation).
 */
export async function eventsBetween(client: CalendarClient, calendarId: string, from: Date, to: Date, options: { maxPages?: number } = {}): Promise<CalendarResult<GoogleEvent[]>> {
  const events: GoogleEvent[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < (options.maxPages ?? 20); page++) {
    const listed = await listEvents(client, calendarId, { timeMin: from, timeMax: to, singleEvents: true, pageToken });
    if (!listed.ok) return listed;
    events.push(...listed.value.events);
    if (listed.value.nextPageToken === null) return { ok: true, value: events };
    pageToken = listed.value.nextPageToken;
  }
  return { ok: false, error: { kind: "retryable", status: null, reason: "too_many_pages", message: "events.list had more pages than allowed", retryAfterMs: null } };
}
