/**
 * The `/_emulator` control API for tests (inside workerd they reach the emulator only over HTTP):
 * read the calendars, the spreadsheets, the Sheets writes and the calls answered, add, delete or
 * stop sharing a spreadsheet, add a calendar or an event "by hand" (the artist's
 * own), arm faults (500, 503, 429, 403 rateLimitExceeded, timeout, answer lost), set token
 * lifetimes and a rate limit, revoke tokens, invalidate sync tokens, reset; plus the console and
 * the artist's week page.
 */
import { z } from "zod";
import { createEvent, editByHand, toApi } from "./calendar-api.ts";
import { escapeHtml, html, json, type Incoming, type Reply } from "./http.ts";
import { FAILURE_MODES, OPERATIONS, type GoogleState } from "./state.ts";
import { sheetPage } from "./sheet-page.ts";
import { tabRows } from "./sheets-api.ts";
import { weekPage } from "./week-page.ts";
import { parseJsonBody } from "../http-kit.ts";

export interface ControlContext {
  state: GoogleState;
  releaseHeld(): void;
}

const Instant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "an ISO date-time");
/** What a fault applies to (faults.ts): every field given must match; none: every call. */
const FaultScopeRequest = z.strictObject({
  calendarId: z.string().min(1).optional(),
  eventId: z.string().min(1).optional(),
  during: z.strictObject({ start: Instant, end: Instant }).optional(),
  syncToken: z.string().min(1).optional(),
  spreadsheetId: z.string().min(1).optional(),
});
const FailRequest = z.strictObject({
  count: z.int().min(0).max(1000),
  mode: z.enum(FAILURE_MODES),
  only: z.enum(OPERATIONS).optional(),
  retryAfterSeconds: z.int().min(0).max(3600).optional(),
  scope: FaultScopeRequest.optional(),
});
const ConfigRequest = z.strictObject({
  tokenTtlSeconds: z.int().min(0).max(86_400).optional(),
  advertisedTtlSeconds: z.int().min(0).max(86_400).optional(),
  rateLimitPerMinute: z.int().min(0).nullable().optional(),
  rateLimitStatus: z.union([z.literal(403), z.literal(429)]).optional(),
  sheetsWritesPerMinute: z.int().min(0).nullable().optional(),
});
const SpreadsheetRequest = z.strictObject({ id: z.string().min(1), tabs: z.array(z.string().min(1)).default(["Sheet1"]) });
const SpreadsheetIdRequest = z.strictObject({ id: z.string().min(1) });
const SpreadsheetShareRequest = z.strictObject({ id: z.string().min(1), shared: z.boolean() });
const CalendarRequest = z.strictObject({ id: z.string().min(1) });
const EventRequest = z.strictObject({
  calendarId: z.string().min(1),
  summary: z.string().default("Busy"),
  start: z.string(),
  end: z.string(),
  id: z.string().optional(),
  status: z.enum(["confirmed", "tentative", "cancelled"]).optional(),
  transparency: z.enum(["opaque", "transparent"]).optional(),
  privateProperties: z.record(z.string(), z.string()).optional(),
});
const InvalidateRequest = z.strictObject({ calendarId: z.string().min(1) });
const EditRequest = z.strictObject({ calendarId: z.string().min(1), eventId: z.string().min(1), summary: z.string().optional() });

function parse<T>(req: Incoming, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; reply: Reply } {
  const parsed = parseJsonBody(req.body, schema);
  return parsed.ok ? parsed : { ok: false, reply: json(parsed.status, parsed.body) };
}

function consolePage(state: GoogleState): Reply {
  const calendars = [...state.calendars.values()]
    .map((c) => `<li><a href="/_emulator/calendar?id=${encodeURIComponent(c.id)}">${escapeHtml(c.id)}</a> — ${[...c.events.values()].filter((e) => e.status !== "cancelled").length} event(s)</li>`)
    .join("");
  const sheets = [...state.spreadsheets.values()]
    .map((s) => `<li><a href="/_emulator/sheet?id=${encodeURIComponent(s.id)}">${escapeHtml(s.id)}</a> — tabs: ${[...s.tabs.keys()].map(escapeHtml).join(", ")}</li>`)
    .join("");
  const calls = state.calls
    .slice(-50)
    .reverse()
    .map((c) => `<tr><td>${escapeHtml(c.at)}</td><td>${escapeHtml(c.method)} ${escapeHtml(c.path)}</td><td>${c.status}${c.injected ? " (injected)" : ""}</td></tr>`)
    .join("");
  return html(`<!doctype html><html><head><meta charset="utf-8"><title>Google emulator</title><style>body{font-family:system-ui;margin:20px}td{padding:3px 8px;border-bottom:1px solid #ddd}</style></head><body>
<h1>Google emulator</h1><p>Token endpoint /token · Calendar API /calendar/v3 · Sheets API /v4 · tokens issued: ${state.tokensIssued} · JSON: /_emulator/state, /_emulator/calls</p>
<h2>Calendars</h2><ul>${calendars}</ul><h2>Spreadsheets</h2><ul>${sheets}</ul><h2>Last calls</h2><table>${calls}</table></body></html>`);
}

/** The form on the week page posts here (datetime-local values, read as UTC). */
function addFromForm(ctx: ControlContext, req: Incoming): Reply {
  const form = new URLSearchParams(req.body);
  const calendar = ctx.state.calendars.get(req.url.searchParams.get("id") ?? "");
  const start = form.get("start");
  const end = form.get("end");
  if (!calendar || !start || !end) return json(400, { error: "calendar, start and end are required" });
  const created = createEvent(ctx.state, calendar, { summary: form.get("summary") ?? "Busy", start: { dateTime: `${start}:00Z` }, end: { dateTime: `${end}:00Z` } }, "by hand");
  if (!created.ok) return created.reply;
  const back = new URLSearchParams({ id: calendar.id, tz: req.url.searchParams.get("tz") ?? "UTC", week: req.url.searchParams.get("week") ?? "" });
  return { kind: "json", status: 303, body: {}, headers: { location: `/_emulator/calendar?${back.toString()}` } };
}

/** Answers `/_emulator…`; null for other paths. */
export function handleControl(ctx: ControlContext, req: Incoming): Reply | null {
  const path = req.url.pathname.replace(/\/+$/, "");
  if (!path.startsWith("/_emulator")) return null;
  const { state } = ctx;
  switch (`${req.method} ${path}`) {
    case "GET /_emulator":
      return consolePage(state);
    case "GET /_emulator/calendar": {
      const id = req.url.searchParams.get("id");
      const selected = id === null ? [...state.calendars.values()][0] : state.calendars.get(id);
      return weekPage([...state.calendars.values()], selected, req.url.searchParams.get("week"), req.url.searchParams.get("tz") ?? "Europe/London", state.now());
    }
    case "GET /_emulator/sheet": {
      const id = req.url.searchParams.get("id");
      const selected = id === null ? [...state.spreadsheets.values()][0] : state.spreadsheets.get(id);
      return sheetPage([...state.spreadsheets.values()], selected, req.url.searchParams.get("tab"));
    }
    case "GET /_emulator/sheets":
      return json(200, {
        spreadsheets: Object.fromEntries([...state.spreadsheets.values()].map((s) => [s.id, Object.fromEntries([...s.tabs.keys()].map((tab) => [tab, tabRows(s, tab)]))])),
      });
    case "GET /_emulator/sheets/writes": {
      const since = Number(req.url.searchParams.get("since") ?? "0");
      return json(200, { writes: state.sheetWrites.slice(Number.isFinite(since) && since > 0 ? since : 0), total: state.sheetWrites.length });
    }
    case "POST /_emulator/spreadsheets": {
      const body = parse(req, SpreadsheetRequest);
      if (!body.ok) return body.reply;
      state.addSpreadsheet(body.value.id, body.value.tabs);
      return json(200, { id: body.value.id, tabs: body.value.tabs });
    }
    case "POST /_emulator/spreadsheets/delete": {
      const body = parse(req, SpreadsheetIdRequest);
      if (!body.ok) return body.reply;
      return json(200, { deleted: state.spreadsheets.delete(body.value.id) });
    }
    case "POST /_emulator/spreadsheets/share": {
      const body = parse(req, SpreadsheetShareRequest);
      if (!body.ok) return body.reply;
      const sheet = state.spreadsheets.get(body.value.id);
      if (!sheet) return json(404, { error: `no spreadsheet ${body.value.id}` });
      sheet.unshared = !body.value.shared;
      return json(200, { id: sheet.id, shared: body.value.shared });
    }
    case "POST /_emulator/calendar/add":
      return addFromForm(ctx, req);
    case "GET /_emulator/state":
      return json(200, {
        calendars: Object.fromEntries([...state.calendars.values()].map((c) => [c.id, [...c.events.values()].map((e) => ({ ...toApi(e), source: e.source }))])),
        tokensIssued: state.tokensIssued,
        liveTokens: [...state.tokens.values()].filter((t) => t.expiresAtMs > state.now()).length,
        settings: state.settings,
        faults: state.faults.list(),
      });
    case "GET /_emulator/calls":
      return json(200, { calls: state.calls });
    case "POST /_emulator/calendars": {
      const body = parse(req, CalendarRequest);
      if (!body.ok) return body.reply;
      state.addCalendar(body.value.id);
      return json(200, { id: body.value.id });
    }
    case "POST /_emulator/events": {
      const body = parse(req, EventRequest);
      if (!body.ok) return body.reply;
      const { calendarId, privateProperties, start, end, ...rest } = body.value;
      const calendar = state.calendars.get(calendarId);
      if (!calendar) return json(404, { error: `no calendar ${calendarId}` });
      const created = createEvent(state, calendar, { ...rest, start: { dateTime: start }, end: { dateTime: end }, ...(privateProperties ? { extendedProperties: { private: privateProperties } } : {}) }, "by hand");
      return created.ok ? json(200, toApi(created.event)) : created.reply;
    }
    case "POST /_emulator/events/edit": {
      // The artist edits an event by hand: its etag changes, so a patch with the old one meets 412.
      const body = parse(req, EditRequest);
      if (!body.ok) return body.reply;
      const event = state.calendars.get(body.value.calendarId)?.events.get(body.value.eventId);
      if (!event) return json(404, { error: `no event ${body.value.eventId} in ${body.value.calendarId}` });
      editByHand(state, event, body.value.summary);
      return json(200, toApi(event));
    }
    case "POST /_emulator/fail": {
      const body = parse(req, FailRequest);
      if (!body.ok) return body.reply;
      const { count, mode, only, retryAfterSeconds, scope } = body.value;
      state.armFailures(count, mode, only ?? null, retryAfterSeconds ?? null, scope ?? {});
      return json(200, { faults: state.faults.list() });
    }
    case "POST /_emulator/config": {
      const body = parse(req, ConfigRequest);
      if (!body.ok) return body.reply;
      const { rateLimitPerMinute, sheetsWritesPerMinute, ...rest } = body.value;
      state.settings = {
        ...state.settings,
        ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
        ...(rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute }),
        ...(sheetsWritesPerMinute === undefined ? {} : { sheetsWritesPerMinute }),
      };
      return json(200, state.settings);
    }
    case "POST /_emulator/tokens/revoke":
      state.tokens.clear();
      return json(200, { ok: true });
    case "POST /_emulator/sync-tokens/invalidate": {
      const body = parse(req, InvalidateRequest);
      if (!body.ok) return body.reply;
      const calendar = state.calendars.get(body.value.calendarId);
      if (!calendar) return json(404, { error: `no calendar ${body.value.calendarId}` });
      calendar.generation++;
      return json(200, { generation: calendar.generation });
    }
    case "POST /_emulator/reset":
      state.reset();
      ctx.releaseHeld();
      return json(200, { ok: true });
    default:
      return json(404, { error: `no control route ${req.method} ${req.url.pathname}` });
  }
}
