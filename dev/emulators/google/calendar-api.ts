/**
 * Calendar v3 as Inkline calls it, under `/calendar/v3`: freeBusy, and events insert, get, list
 * (sync tokens, pages, cancelled events in incremental syncs), patch (If-Match → 412) and delete
 * (cancelled, a second delete → 410). Google's rules and error shapes as research/scheduling.md
 * §1.3–1.8 records them: our own ids (base32hex, 5–1024, 409 on a duplicate, deleted ids stay
 * taken), 90 days at most per freeBusy, a calendar the account cannot see reported inside a 200,
 * no attendees for a service account. Tokens, faults and the rate limit are checked in index.ts.
 */
import { apiError, json, type Incoming, type Reply } from "./http.ts";
import type { CalendarState, EmulatedEvent, GoogleState, Operation } from "./state.ts";

const ID_PATTERN = /^[0-9a-v]{5,1024}$/;
const NINETY_DAYS_MS = 90 * 86_400_000;

/** Which operation a `/calendar/v3…` request is, and on what. */
export function routeOf(method: string, path: string): { operation: Operation; calendarId?: string; eventId?: string } | null {
  if (method === "POST" && path === "/calendar/v3/freeBusy") return { operation: "freeBusy" };
  const m = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(path);
  if (!m?.[1]) return null;
  const calendarId = decodeURIComponent(m[1]);
  const eventId = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
  if (eventId === undefined) {
    if (method === "POST") return { operation: "insert", calendarId };
    if (method === "GET") return { operation: "list", calendarId };
    return null;
  }
  const byMethod: Record<string, Operation> = { GET: "get", PATCH: "patch", DELETE: "delete" };
  const operation = byMethod[method];
  return operation ? { operation, calendarId, eventId } : null;
}

/** An event as the API shows it (without the emulator's own bookkeeping). */
export function toApi(event: EmulatedEvent): Omit<EmulatedEvent, "seq" | "source"> {
  const { seq: _seq, source: _source, ...shown } = event;
  return shown;
}

/** Start and end of an event in epoch ms (all-day dates as UTC days); null when unreadable. */
export function eventSpan(event: Pick<EmulatedEvent, "start" | "end">): { startMs: number; endMs: number } | null {
  const at = (t: EmulatedEvent["start"]) => (t?.dateTime ? Date.parse(t.dateTime) : t?.date ? Date.parse(`${t.date}T00:00:00Z`) : NaN);
  const startMs = at(event.start);
  const endMs = at(event.end);
  return Number.isNaN(startMs) || Number.isNaN(endMs) ? null : { startMs, endMs };
}

/** The artist edits an event in Google by hand (the control API): a new etag, as a real edit gives. */
export function editByHand(state: GoogleState, event: EmulatedEvent, summary: string | undefined): void {
  if (summary !== undefined) event.summary = summary;
  touch(state, event);
}

function touch(state: GoogleState, event: EmulatedEvent): void {
  event.seq = state.nextSeq();
  event.etag = `"${3_300_000_000_000_000 + event.seq}"`;
  event.updated = new Date(state.now()).toISOString();
}

type Body = Record<string, unknown>;

function parseBody(req: Incoming): Body | null {
  try {
    const value: unknown = req.body.trim() === "" ? {} : JSON.parse(req.body);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Body) : null;
  } catch {
    return null;
  }
}

const asTime = (v: unknown): EmulatedEvent["start"] => (typeof v === "object" && v !== null ? (v) : undefined);
const asString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Builds and stores an event; used by insert and by the control API's "artist adds an event by hand". */
export function createEvent(state: GoogleState, calendar: CalendarState, body: Body, source: EmulatedEvent["source"]): { ok: true; event: EmulatedEvent } | { ok: false; reply: Reply } {
  const id = body.id === undefined ? `emu${state.nextSeq().toString(32)}${Math.random().toString(32).slice(2, 10)}` : body.id;
  if (typeof id !== "string" || !ID_PATTERN.test(id)) return { ok: false, reply: apiError(400, "invalid", "Invalid resource id value.") };
  if (calendar.events.has(id)) return { ok: false, reply: apiError(409, "duplicate", "The requested identifier already exists.") };
  if (Array.isArray(body.attendees) && body.attendees.length > 0) {
    return { ok: false, reply: apiError(403, "forbiddenForServiceAccounts", "Service accounts cannot invite attendees without Domain-Wide Delegation of Authority.") };
  }
  const start = asTime(body.start);
  const end = asTime(body.end);
  if (!start) return { ok: false, reply: apiError(400, "required", "Missing start time.") };
  if (!end) return { ok: false, reply: apiError(400, "required", "Missing end time.") };
  const span = eventSpan({ start, end });
  if (!span) return { ok: false, reply: apiError(400, "invalid", "Invalid start or end time.") };
  if (span.endMs <= span.startMs) return { ok: false, reply: apiError(400, "timeRangeEmpty", "The specified time range is empty.") };
  const now = new Date(state.now()).toISOString();
  const extended = typeof body.extendedProperties === "object" && body.extendedProperties !== null ? (body.extendedProperties as EmulatedEvent["extendedProperties"]) : undefined;
  const event: EmulatedEvent = {
    kind: "calendar#event",
    id,
    etag: "",
    status: body.status === "tentative" || body.status === "cancelled" ? body.status : "confirmed",
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${calendar.id}`).toString("base64url")}`,
    created: now,
    updated: now,
    summary: asString(body.summary),
    description: asString(body.description),
    location: asString(body.location),
    start,
    end,
    transparency: asString(body.transparency),
    extendedProperties: extended,
    source,
    seq: 0,
  };
  touch(state, event);
  calendar.events.set(id, event);
  return { ok: true, event };
}

function freeBusy(state: GoogleState, req: Incoming): Reply {
  const body = parseBody(req);
  const timeMin = Date.parse(asString(body?.timeMin) ?? "");
  const timeMax = Date.parse(asString(body?.timeMax) ?? "");
  if (!body || Number.isNaN(timeMin) || Number.isNaN(timeMax)) return apiError(400, "invalid", "Bad Request");
  if (timeMax <= timeMin) return apiError(400, "timeRangeEmpty", "The specified time range is empty.");
  // Google's message (quoted in calcom/cal.diy#11696). The reason's name is not documented: the
  // errors guide (developers.google.com/workspace/calendar/api/guides/errors) names only
  // timeRangeEmpty among 400s, and the freeBusy reference only per-calendar reasons (groupTooBig,
  // tooManyCalendarsRequested, notFound, internalError). Ours is a stand-in; the adapter never
  // branches on it (it splits ranges at 90 days, and any other 400 is permanent).
  if (timeMax - timeMin > NINETY_DAYS_MS) return apiError(400, "timeRangeTooLong", "The requested time range is too long.");
  const items = Array.isArray(body.items) ? body.items : [];
  const calendars: Record<string, unknown> = {};
  for (const item of items) {
    const id = typeof item === "object" && item !== null ? asString((item as Body).id) : undefined;
    if (id === undefined) continue;
    const calendar = state.calendars.get(id);
    if (!calendar) {
      calendars[id] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
      continue;
    }
    const spans = [...calendar.events.values()]
      .filter((e) => e.status !== "cancelled" && e.transparency !== "transparent")
      .flatMap((e) => {
        const span = eventSpan(e);
        return span && span.startMs < timeMax && span.endMs > timeMin ? [{ startMs: Math.max(span.startMs, timeMin), endMs: Math.min(span.endMs, timeMax) }] : [];
      })
      .sort((a, b) => a.startMs - b.startMs);
    const merged: { startMs: number; endMs: number }[] = [];
    for (const s of spans) {
      const last = merged.at(-1);
      if (last && s.startMs <= last.endMs) last.endMs = Math.max(last.endMs, s.endMs);
      else merged.push({ ...s });
    }
    calendars[id] = { busy: merged.map((s) => ({ start: new Date(s.startMs).toISOString(), end: new Date(s.endMs).toISOString() })) };
  }
  return json(200, { kind: "calendar#freeBusy", timeMin: new Date(timeMin).toISOString(), timeMax: new Date(timeMax).toISOString(), calendars });
}

interface PageCursor {
  since: number | null;
  upto: number;
  offset: number;
  generation: number;
}

const encodeCursor = (cursor: unknown) => Buffer.from(JSON.stringify(cursor)).toString("base64url");
function decodeCursor(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function list(state: GoogleState, calendar: CalendarState, req: Incoming): Reply {
  const q = req.url.searchParams;
  const syncToken = q.get("syncToken");
  const pageToken = q.get("pageToken");
  const filters = q.getAll("privateExtendedProperty");
  const timeMin = q.get("timeMin");
  const timeMax = q.get("timeMax");
  const maxResults = Math.min(Number(q.get("maxResults") ?? "250") || 250, 2500);
  if (syncToken !== null && (filters.length > 0 || timeMin !== null || timeMax !== null || q.has("q") || q.has("updatedMin") || q.has("orderBy"))) {
    return apiError(400, "invalid", "Sync token cannot be used with other request restrictions.");
  }
  let cursor: PageCursor;
  if (pageToken !== null) {
    const c = decodeCursor(pageToken);
    if (!c || typeof c.upto !== "number" || typeof c.offset !== "number") return apiError(400, "invalid", "Invalid page token value.");
    cursor = { since: typeof c.since === "number" ? c.since : null, upto: c.upto, offset: c.offset, generation: calendar.generation };
  } else if (syncToken !== null) {
    const t = decodeCursor(syncToken);
    if (!t || t.c !== calendar.id || t.g !== calendar.generation || typeof t.s !== "number") return apiError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.");
    cursor = { since: t.s, upto: state.seq, offset: 0, generation: calendar.generation };
  } else {
    cursor = { since: null, upto: state.seq, offset: 0, generation: calendar.generation };
  }
  const showDeleted = cursor.since !== null || q.get("showDeleted") === "true";
  const minMs = timeMin === null ? null : Date.parse(timeMin);
  const maxMs = timeMax === null ? null : Date.parse(timeMax);
  if (minMs !== null && maxMs !== null && maxMs <= minMs) return apiError(400, "timeRangeEmpty", "The specified time range is empty.");
  const selected = [...calendar.events.values()]
    .filter((e) => e.seq <= cursor.upto && (cursor.since === null || e.seq > cursor.since))
    .filter((e) => showDeleted || e.status !== "cancelled")
    .filter((e) => filters.every((f) => {
      const [key = "", value = ""] = f.split("=");
      return e.extendedProperties?.private?.[key] === value;
    }))
    // Google: timeMin bounds an event's end, timeMax its start (both exclusive).
    .filter((e) => minMs === null || (eventSpan(e)?.endMs ?? Infinity) > minMs)
    .filter((e) => maxMs === null || (eventSpan(e)?.startMs ?? -Infinity) < maxMs)
    .sort((a, b) => a.seq - b.seq);
  const page = selected.slice(cursor.offset, cursor.offset + maxResults);
  const more = cursor.offset + maxResults < selected.length;
  return json(200, {
    kind: "calendar#events",
    summary: calendar.id,
    updated: new Date(state.now()).toISOString(),
    timeZone: "UTC",
    accessRole: "writer",
    items: page.map((e) => (e.status === "cancelled" ? { kind: e.kind, id: e.id, etag: e.etag, status: e.status } : toApi(e))),
    ...(more
      ? { nextPageToken: encodeCursor({ since: cursor.since, upto: cursor.upto, offset: cursor.offset + maxResults }) }
      : { nextSyncToken: encodeCursor({ c: calendar.id, g: calendar.generation, s: cursor.upto }) }),
  });
}

function patch(state: GoogleState, event: EmulatedEvent, req: Incoming): Reply {
  const body = parseBody(req);
  if (!body) return apiError(400, "parseError", "Parse Error");
  if (Array.isArray(body.attendees) && body.attendees.length > 0) {
    return apiError(403, "forbiddenForServiceAccounts", "Service accounts cannot invite attendees without Domain-Wide Delegation of Authority.");
  }
  for (const key of ["summary", "description", "location", "transparency"] as const) {
    if (typeof body[key] === "string") event[key] = body[key];
  }
  if (body.status === "confirmed" || body.status === "tentative" || body.status === "cancelled") event.status = body.status;
  if (asTime(body.start)) event.start = asTime(body.start);
  if (asTime(body.end)) event.end = asTime(body.end);
  const props = typeof body.extendedProperties === "object" && body.extendedProperties !== null ? (body.extendedProperties as Body).private : undefined;
  if (typeof props === "object" && props !== null) {
    const merged: Record<string, string> = { ...event.extendedProperties?.private };
    for (const [k, v] of Object.entries(props as Body)) {
      if (v === null) delete merged[k];
      else if (typeof v === "string") merged[k] = v;
    }
    event.extendedProperties = { ...event.extendedProperties, private: merged };
  }
  touch(state, event);
  return json(200, toApi(event));
}

const ifMatch = (req: Incoming): string | undefined => (typeof req.headers["if-match"] === "string" ? req.headers["if-match"] : undefined);

/**
 * Runs an authorised Calendar operation. `after` is called once the change (if any) is applied, so
 * an "answer lost" fault can cut the connection after the write.
 */
export function runCalendar(state: GoogleState, req: Incoming, route: NonNullable<ReturnType<typeof routeOf>>): Reply {
  if (route.operation === "freeBusy") return freeBusy(state, req);
  const calendar = state.calendars.get(route.calendarId ?? "");
  if (!calendar) return apiError(404, "notFound", "Not Found");
  if (route.operation === "insert") {
    const body = parseBody(req);
    if (!body) return apiError(400, "parseError", "Parse Error");
    const created = createEvent(state, calendar, body, "api");
    return created.ok ? json(200, toApi(created.event)) : created.reply;
  }
  if (route.operation === "list") return list(state, calendar, req);
  const event = calendar.events.get(route.eventId ?? "");
  if (!event) return apiError(404, "notFound", "Not Found");
  const expected = ifMatch(req);
  if (route.operation === "get") return json(200, toApi(event));
  if (expected !== undefined && expected !== event.etag) return apiError(412, "conditionNotMet", "Precondition Failed", "global");
  if (route.operation === "patch") return patch(state, event, req);
  if (event.status === "cancelled") return apiError(410, "deleted", "Resource has been deleted");
  event.status = "cancelled";
  touch(state, event);
  return { kind: "empty", status: 204 };
}
