/**
 * Google in Workers tests: the emulator's control API (calendars and their events, calls answered,
 * tokens issued, fault injection, token lifetimes, rate limit, revoking tokens, invalidating sync
 * tokens) and the calendar client the test Worker's config builds.
 */
import { env } from "cloudflare:test";
import { inject } from "vitest";
import { calendarFrom } from "../../../src/adapters/google/calendar.ts";
import { requireConfig } from "../../../src/config.ts";

const emulator = () => inject("googleUrl");

export async function googleControl<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emulator()}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`google emulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json<T>();
}

export interface EmulatedEvent {
  id: string;
  etag: string;
  status: string;
  summary?: string;
  start?: { dateTime?: string };
  end?: { dateTime?: string };
  extendedProperties?: { private?: Record<string, string> };
  source: "api" | "by hand";
}

/** What a fault applies to (dev/emulators/google/faults.ts): every field given must match. */
export interface GoogleFaultScope {
  calendarId?: string;
  eventId?: string;
  during?: { start: string; end: string };
  syncToken?: string;
  spreadsheetId?: string;
}

export interface EmulatedCall {
  method: string;
  path: string;
  query: string;
  operation: string | null;
  status: number | "dropped" | "held";
  injected: boolean;
}

export const google = {
  reset: () => googleControl("POST", "/_emulator/reset"),
  state: () => googleControl<{ calendars: Record<string, EmulatedEvent[]>; tokensIssued: number }>("GET", "/_emulator/state"),
  tokensIssued: async () => (await google.state()).tokensIssued,
  events: async (calendarId: string) => (await google.state()).calendars[calendarId] ?? [],
  calls: async (operation?: string) => (await googleControl<{ calls: EmulatedCall[] }>("GET", "/_emulator/calls")).calls.filter((c) => operation === undefined || c.operation === operation),
  /** The artist adds an event in Google's own app. */
  addByHand: (event: { calendarId: string; start: string; end: string; summary?: string; id?: string; privateProperties?: Record<string, string> }) =>
    googleControl<EmulatedEvent>("POST", "/_emulator/events", event),
  /**
   * Fails the next `count` calls (of operation `only`) that `scope` covers: the test's own calendar,
   * event, stretch of time, sync token or spreadsheet. Always scoped: the test files share one
   * emulator and one calendar, so an unscoped fault would be met by whichever file calls next.
   */
  fail: (scope: GoogleFaultScope, count: number, mode: "500" | "503" | "429" | "403-rate" | "timeout" | "lost", only?: string, retryAfterSeconds?: number) => {
    if (Object.values(scope).every((v) => v === undefined)) throw new Error("google.fail needs a scope (calendarId, eventId, during, syncToken or spreadsheetId)");
    return googleControl("POST", "/_emulator/fail", { count, mode, only, retryAfterSeconds, scope });
  },
  /** A calendar of the test's own (faults scoped to it touch no other file's calls). */
  addCalendar: (id: string) => googleControl("POST", "/_emulator/calendars", { id }),
  configure: (settings: { tokenTtlSeconds?: number; advertisedTtlSeconds?: number; rateLimitPerMinute?: number | null; rateLimitStatus?: 403 | 429; sheetsWritesPerMinute?: number | null }) =>
    googleControl("POST", "/_emulator/config", settings),
  revokeTokens: () => googleControl("POST", "/_emulator/tokens/revoke"),
  invalidateSyncTokens: (calendarId: string) => googleControl("POST", "/_emulator/sync-tokens/invalidate", { calendarId }),
  /** A tab's cells, row 1 first: the text and whether Google holds it as a formula. */
  sheetCells: async (spreadsheetId: string, tab: string): Promise<EmulatedCell[][]> =>
    (await googleControl<{ spreadsheets: Record<string, Record<string, EmulatedCell[][]>> }>("GET", "/_emulator/sheets")).spreadsheets[spreadsheetId]?.[tab] ?? [],
  /** A tab's text, row 1 first. */
  sheetRows: async (spreadsheetId: string, tab: string): Promise<string[][]> => (await google.sheetCells(spreadsheetId, tab)).map((r) => r.map((c) => c.text)),
  /** Every range written since the last reset, oldest first. */
  sheetWrites: async () => (await googleControl<{ writes: { atMs: number; spreadsheetId: string; tab: string; row: number; values: string[][] }[] }>("GET", "/_emulator/sheets/writes")).writes,
  addSpreadsheet: (id: string, tabs: string[]) => googleControl("POST", "/_emulator/spreadsheets", { id, tabs }),
  deleteSpreadsheet: (id: string) => googleControl("POST", "/_emulator/spreadsheets/delete", { id }),
  /** The artist stops (false) or resumes (true) sharing the spreadsheet with the service account. */
  shareSpreadsheet: (id: string, shared: boolean) => googleControl("POST", "/_emulator/spreadsheets/share", { id, shared }),
};

export interface EmulatedCell {
  text: string;
  formula: boolean;
}

/**
 * The test Worker's env with the Sheets mirror switched on (the emulator's spreadsheet), plus any
 * other settings: a new env object, so the config is parsed for it alone. The test Worker itself
 * leaves the mirror off, so no other test's Google calls or faults meet Sheets traffic.
 */
export function sheetsEnv(vars: Record<string, string> = {}): Env {
  const sheet = inject("googleSpreadsheet");
  return { ...env, GOOGLE_SHEETS_SPREADSHEET_ID: sheet.id, GOOGLE_SHEETS_TAB: sheet.tab, ...vars };
}

/** The calendar client and calendar id the test Worker's configuration gives (GOOGLE_* bindings). */
export function testCalendar() {
  const calendar = calendarFrom(requireConfig(env));
  if (!calendar) throw new Error("the test Worker has no calendar configured (vitest.config.ts GOOGLE_* bindings)");
  return calendar;
}
