/**
 * Everything the Google emulator remembers: the service accounts it trusts (public keys), the
 * access tokens it issued, each calendar's events with a change sequence (for etags and sync
 * tokens), the calls it answered, armed faults and the per-minute rate limit. Plain data and
 * small methods; HTTP lives elsewhere.
 */
import { randomBytes, type KeyObject } from "node:crypto";
import { FaultTable, type ArmedFault, type CallFacts, type FaultScope } from "./faults.ts";

/** Operations that can be told to fail or be counted. */
export const OPERATIONS = ["token", "freeBusy", "insert", "get", "list", "patch", "delete", "values.get", "values.update", "values.batchUpdate", "values.append"] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * How a failing call fails: HTTP 500 or 503 (backendError), 429, 403 rateLimitExceeded, no answer
 * at all ("timeout"), or "lost": a write is applied and then the connection is cut.
 */
export const FAILURE_MODES = ["500", "503", "429", "403-rate", "timeout", "lost"] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export interface EmulatedEvent {
  kind: "calendar#event";
  id: string;
  etag: string;
  status: "confirmed" | "tentative" | "cancelled";
  htmlLink: string;
  created: string;
  updated: string;
  summary?: string;
  description?: string;
  location?: string;
  start?: { dateTime?: string; date?: string; timeZone?: string };
  end?: { dateTime?: string; date?: string; timeZone?: string };
  transparency?: string;
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  /** Not Google's: who wrote it ("api" or "by hand", the artist in Google's own app). */
  source: "api" | "by hand";
  /** Not Google's: the change sequence number (etags and sync tokens). */
  seq: number;
}

export interface CalendarState {
  id: string;
  events: Map<string, EmulatedEvent>;
  /** Bumped by "invalidate sync tokens": older tokens get 410. */
  generation: number;
}

/** One cell of a sheet: the text, and whether Google took it as a formula (USER_ENTERED "=…"). */
export interface EmulatedCell {
  text: string;
  formula: boolean;
}

export interface SpreadsheetState {
  id: string;
  /** Tab name → rows of cells (row 1 is index 0); missing cells are empty. */
  tabs: Map<string, EmulatedCell[][]>;
  /** The artist stopped sharing it with the service account: every call answers 403 PERMISSION_DENIED. */
  unshared: boolean;
}

/** One range written (not Google's: the bench reads when each row changed). */
export interface SheetWrite {
  atMs: number;
  spreadsheetId: string;
  tab: string;
  /** 1-based first row and the rows written there. */
  row: number;
  values: string[][];
}

export interface IssuedToken {
  clientEmail: string;
  scope: string;
  expiresAtMs: number;
}

export interface CallRecord {
  seq: number;
  at: string;
  method: string;
  path: string;
  /** The query string ("?sendUpdates=none"), "" when none. */
  query: string;
  operation: Operation | null;
  status: number | "dropped" | "held";
  injected: boolean;
}

export interface EmulatorSettings {
  /** Seconds a token really lives (tests shorten it to force a 401). */
  tokenTtlSeconds: number;
  /** expires_in in the token answer (Google: 3599). */
  advertisedTtlSeconds: number;
  /** Calls per sliding minute before rate limiting; null = none. */
  rateLimitPerMinute: number | null;
  /** How the rate limit answers: 403 rateLimitExceeded or 429. */
  rateLimitStatus: 403 | 429;
  /** Sheets write requests per minute per service account before 429 RESOURCE_EXHAUSTED (Google: 60); null = none. */
  sheetsWritesPerMinute: number | null;
}

export const DEFAULT_SETTINGS: EmulatorSettings = { tokenTtlSeconds: 3600, advertisedTtlSeconds: 3599, rateLimitPerMinute: null, rateLimitStatus: 403, sheetsWritesPerMinute: 60 };

export class GoogleState {
  readonly accounts = new Map<string, KeyObject>();
  readonly calendars = new Map<string, CalendarState>();
  readonly tokens = new Map<string, IssuedToken>();
  readonly calls: CallRecord[] = [];
  readonly spreadsheets = new Map<string, SpreadsheetState>();
  /** Every range written, oldest first (kept for the bench and tests; reset clears it). */
  readonly sheetWrites: SheetWrite[] = [];
  tokensIssued = 0;
  seq = 0;
  /** Armed faults, each scoped to what a test controls (faults.ts). */
  readonly faults = new FaultTable();
  /** Faults queued for one operation each ({@link queueFailures}): taken before the armed ones. */
  readonly queued = new Map<Operation, { mode: FailureMode; retryAfterSeconds: number | null }[]>();
  settings: EmulatorSettings = { ...DEFAULT_SETTINGS };
  /** Times (ms) of the calls counted against the rate limit in the last minute. */
  private window: number[] = [];
  /** Per service account: times (ms) of its Sheets writes in the last minute. */
  private sheetsWindows = new Map<string, number[]>();

  private readonly initialCalendars: readonly string[];
  private readonly initialSpreadsheets: readonly { id: string; tabs: readonly string[] }[];

  constructor(initialCalendars: readonly string[], initialSpreadsheets: readonly { id: string; tabs: readonly string[] }[] = []) {
    this.initialCalendars = initialCalendars;
    this.initialSpreadsheets = initialSpreadsheets;
    for (const id of initialCalendars) this.addCalendar(id);
    for (const sheet of initialSpreadsheets) this.addSpreadsheet(sheet.id, sheet.tabs);
  }

  addSpreadsheet(id: string, tabs: readonly string[]): SpreadsheetState {
    let sheet = this.spreadsheets.get(id);
    if (!sheet) {
      sheet = { id, tabs: new Map(), unshared: false };
      this.spreadsheets.set(id, sheet);
    }
    for (const tab of tabs) if (!sheet.tabs.has(tab)) sheet.tabs.set(tab, []);
    return sheet;
  }

  /** Counts a Sheets write against `clientEmail`'s per-minute quota; false when it is over. */
  withinSheetsWriteQuota(clientEmail: string): boolean {
    const limit = this.settings.sheetsWritesPerMinute;
    if (limit === null) return true;
    const now = this.now();
    const window = (this.sheetsWindows.get(clientEmail) ?? []).filter((t) => t > now - 60_000);
    this.sheetsWindows.set(clientEmail, window);
    if (window.length >= limit) return false;
    window.push(now);
    return true;
  }

  now(): number {
    return Date.now();
  }

  nextSeq(): number {
    return ++this.seq;
  }

  addCalendar(id: string): CalendarState {
    let calendar = this.calendars.get(id);
    if (!calendar) {
      calendar = { id, events: new Map(), generation: 0 };
      this.calendars.set(id, calendar);
    }
    return calendar;
  }

  issueToken(clientEmail: string, scope: string): { token: string; expiresIn: number } {
    const token = `ya29.emu-${randomBytes(24).toString("base64url")}`;
    this.tokens.set(token, { clientEmail, scope, expiresAtMs: this.now() + this.settings.tokenTtlSeconds * 1000 });
    this.tokensIssued++;
    return { token, expiresIn: this.settings.advertisedTtlSeconds };
  }

  /** The live token behind an Authorization header, or null. */
  tokenFor(header: string | undefined): IssuedToken | null {
    const m = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const issued = m?.[1] ? this.tokens.get(m[1]) : undefined;
    return issued && issued.expiresAtMs > this.now() ? issued : null;
  }

  /**
   * Arms `count` failures in `mode`, for every operation or only `only`, for the calls `scope`
   * covers (an empty scope: every call). Arming the same scope and operation again replaces it.
   */
  armFailures(count: number, mode: FailureMode, only: Operation | null = null, retryAfterSeconds: number | null = null, scope: FaultScope = {}): void {
    this.faults.arm(count, mode, only, retryAfterSeconds, scope);
    // Disarming everything (count 0, every operation, no scope) clears the queued faults too.
    if (count === 0 && only === null && Object.keys(scope).length === 0) this.queued.clear();
  }

  /**
   * Queues failures for `operation` alone, one per call in order, beside whatever is armed (so
   * faults of several operations can wait for their calls at once, as the chaos run's change
   * rounds need); unscoped, so only for a stack of one's own (the chaos run, the dev console).
   */
  queueFailures(operation: Operation, modes: readonly FailureMode[], retryAfterSeconds: number | null = null): void {
    this.queued.set(operation, [...(this.queued.get(operation) ?? []), ...modes.map((mode) => ({ mode, retryAfterSeconds }))]);
  }

  /** Uses up the failure due for this call, if any: a queued one first, then an armed one (its mode and Retry-After). */
  takeFailure(operation: Operation, facts: CallFacts): ArmedFault | null {
    const queued = this.queued.get(operation)?.shift();
    if (queued) return { remaining: 0, mode: queued.mode, only: operation, retryAfterSeconds: queued.retryAfterSeconds, scope: {} };
    return this.faults.take(operation, facts);
  }

  /** Counts a call against the per-minute limit; false when it is over. */
  withinRateLimit(): boolean {
    const limit = this.settings.rateLimitPerMinute;
    if (limit === null) return true;
    const now = this.now();
    this.window = this.window.filter((t) => t > now - 60_000);
    if (this.window.length >= limit) return false;
    this.window.push(now);
    return true;
  }

  reset(): void {
    this.calendars.clear();
    for (const id of this.initialCalendars) this.addCalendar(id);
    this.tokens.clear();
    this.calls.length = 0;
    this.tokensIssued = 0;
    this.window = [];
    this.sheetsWindows.clear();
    this.spreadsheets.clear();
    for (const sheet of this.initialSpreadsheets) this.addSpreadsheet(sheet.id, sheet.tabs);
    this.sheetWrites.length = 0;
    this.faults.clear();
    this.queued.clear();
    this.settings = { ...DEFAULT_SETTINGS };
  }
}
