/**
 * Google emulator for the local stack and the tests (never bundled into the Worker): the OAuth
 * token endpoint at `/token` (JWT-bearer grant, RS256 signatures checked against the service
 * accounts' public keys) and Calendar v3 at `/calendar/v3` (freeBusy; events insert, get, list
 * with sync tokens, patch, delete) in Google's shapes, with bearer tokens that expire, a
 * per-minute rate limit, fault injection, and the `/_emulator` control API, console and the
 * artist's week page. The Worker reaches it through GOOGLE_TOKEN_URL and GOOGLE_CALENDAR_API_URL.
 */
import { createPublicKey } from "node:crypto";
import { routeOf, runCalendar, toApi } from "./calendar-api.ts";
import { handleControl } from "./control.ts";
import { callFacts, type FaultScope } from "./faults.ts";
import { apiError, apiError as calendarError, json, listen, type Incoming, type Reply } from "./http.ts";
import { GoogleState, type CallRecord, type EmulatedEvent, type EmulatorSettings, type FailureMode, type Operation, type SheetWrite } from "./state.ts";
import { quotaExceeded, runSheets, sheetsError, sheetsRouteOf, tabRows } from "./sheets-api.ts";
import { handleToken } from "./token.ts";

export type { FaultScope } from "./faults.ts";
export type { CallRecord, EmulatedCell, EmulatedEvent, EmulatorSettings, FailureMode, Operation, SheetWrite } from "./state.ts";
export { generateServiceAccount, type GeneratedServiceAccount } from "./service-account.ts";

export interface GoogleEmulatorOptions {
  /** 0 = any free port. Listens on 127.0.0.1 only. */
  port: number;
  /** Accounts whose assertions are accepted: client_email and its public key (SPKI PEM). */
  serviceAccounts: { clientEmail: string; publicKeyPem: string }[];
  /** Calendars that exist (and come back after a reset), e.g. ["artist@inkline.test"]. */
  calendars: string[];
  /** Spreadsheets that exist with their tabs (and come back, empty, after a reset). */
  spreadsheets?: { id: string; tabs: string[] }[];
}

export interface RunningGoogleEmulator {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** GOOGLE_TOKEN_URL. */
  tokenUrl: string;
  /** GOOGLE_CALENDAR_API_URL. */
  calendarApiUrl: string;
  /** GOOGLE_SHEETS_API_URL. */
  sheetsApiUrl: string;
  /** The artist's week page. */
  calendarPageUrl(calendarId: string): string;
  /** The spreadsheet page (one tab as a table). */
  sheetPageUrl(spreadsheetId: string): string;
  /** A tab's cells as text, row 1 first. */
  sheetRows(spreadsheetId: string, tab: string): string[][];
  /** Every range written so far, oldest first. */
  sheetWrites(): SheetWrite[];
  events(calendarId: string): (Omit<EmulatedEvent, "seq" | "source"> & { source: EmulatedEvent["source"] })[];
  calls(): CallRecord[];
  tokensIssued(): number;
  /** Fails the next `count` calls (of `only`) that `scope` covers; no scope: any call (the chaos run's own stack). */
  failNext(count: number, mode: FailureMode, only?: Operation, retryAfterSeconds?: number, scope?: FaultScope): void;
  /** Queues failures for one operation (in order, one per call), taken before what `failNext` armed; `failNext(0, …)` for every operation clears them. */
  queueFailures(operation: Operation, modes: readonly FailureMode[], retryAfterSeconds?: number): void;
  configure(settings: Partial<EmulatorSettings>): void;
  reset(): void;
  close(): Promise<void>;
}

const API_PREFIX = "/calendar/v3";
const SHEETS_PREFIX = "/v4";
const SHEET_WRITES = new Set<Operation>(["values.update", "values.batchUpdate", "values.append"]);

/** Starts the emulator and resolves once it is listening. */
export async function startGoogleEmulator(options: GoogleEmulatorOptions): Promise<RunningGoogleEmulator> {
  const state = new GoogleState(options.calendars, options.spreadsheets ?? []);
  for (const account of options.serviceAccounts) state.accounts.set(account.clientEmail, createPublicKey(account.publicKeyPem));
  let baseUrl = "";
  let releaseHeld = (): void => undefined;
  const ctx = { state, releaseHeld: () => releaseHeld() };

  const record = (req: Incoming, operation: Operation | null, status: CallRecord["status"], injected: boolean) =>
    state.calls.push({ seq: state.calls.length + 1, at: new Date(state.now()).toISOString(), method: req.method, path: req.url.pathname, query: req.url.search, operation, status, injected });

  /** Armed faults first (as a load balancer would fail), then the operation; the call is recorded. */
  const guarded = (req: Incoming, route: Parameters<typeof callFacts>[1], run: () => Reply): Reply => {
    const { operation } = route;
    const armed = state.takeFailure(operation, callFacts(req, route));
    const failure = armed?.mode ?? null;
    const retryAfter = armed === null || armed.retryAfterSeconds === null ? undefined : { "retry-after": String(armed.retryAfterSeconds) };
    // Sheets answers errors as google.rpc.Status (no errors[]); Calendar and the token endpoint with errors[].
    const sheets = operation.startsWith("values.");
    // (A 403 rate limit keeps its errors[] reason in both: that is how a client tells it from "forbidden".)
    const apiError: typeof calendarError = (status, reason, message, domain, headers) =>
      sheets && status !== 403 ? sheetsError(status, status === 429 ? "RESOURCE_EXHAUSTED" : status === 503 ? "UNAVAILABLE" : "INTERNAL", message, headers) : calendarError(status, reason, message, domain, headers);
    let reply: Reply;
    switch (failure) {
      case null:
        reply = run();
        break;
      case "timeout":
        record(req, operation, "held", true);
        return { kind: "hold" };
      case "lost":
        run();
        record(req, operation, "dropped", true);
        return { kind: "drop" };
      case "500":
      case "503":
        reply = apiError(Number(failure), "backendError", "Backend Error", "global", retryAfter);
        break;
      case "429":
        reply = apiError(429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits", retryAfter);
        break;
      case "403-rate":
        reply = apiError(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits", retryAfter);
        break;
    }
    record(req, operation, reply.kind === "json" || reply.kind === "empty" || reply.kind === "html" ? reply.status : "dropped", failure !== null);
    return reply;
  };

  const calendarCall = (req: Incoming): Reply => {
    const route = routeOf(req.method, req.url.pathname);
    if (!route) {
      record(req, null, 404, false);
      return apiError(404, "notFound", "Not Found");
    }
    return guarded(req, route, () => {
      const token = state.tokenFor(req.headers.authorization);
      if (!token) return apiError(401, "authError", "Invalid Credentials");
      if (!token.scope.split(" ").some((s) => s.startsWith("https://www.googleapis.com/auth/calendar"))) {
        return apiError(403, "insufficientPermissions", "Request had insufficient authentication scopes.");
      }
      if (!state.withinRateLimit()) return apiError(state.settings.rateLimitStatus, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits");
      return runCalendar(state, req, route);
    });
  };

  const sheetsCall = (req: Incoming): Reply => {
    const route = sheetsRouteOf(req.method, req.url.pathname);
    if (!route) {
      record(req, null, 404, false);
      return sheetsError(404, "NOT_FOUND", "Not Found");
    }
    return guarded(req, route, () => {
      const token = state.tokenFor(req.headers.authorization);
      if (!token) return sheetsError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
      if (!token.scope.split(" ").some((s) => s === "https://www.googleapis.com/auth/spreadsheets")) {
        return sheetsError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.");
      }
      if (SHEET_WRITES.has(route.operation) && !state.withinSheetsWriteQuota(token.clientEmail)) return quotaExceeded();
      return runSheets(state, req, route);
    });
  };

  const route = (req: Incoming): Promise<Reply> => {
    const path = req.url.pathname;
    if (path === "/token") return Promise.resolve(guarded(req, { operation: "token" }, () => handleToken(state, req, `${baseUrl}/token`)));
    if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) return Promise.resolve(calendarCall(req));
    if (path.startsWith(`${SHEETS_PREFIX}/`)) return Promise.resolve(sheetsCall(req));
    if (path === "/") return Promise.resolve({ kind: "json", status: 302, body: {}, headers: { location: "/_emulator/calendar" } });
    return Promise.resolve(handleControl(ctx, req) ?? json(404, { error: `no route ${req.method} ${path}` }));
  };

  const server = await listen(options.port, route);
  baseUrl = `http://127.0.0.1:${server.port}`;
  releaseHeld = () => server.releaseHeld();
  let closing: Promise<void> | undefined;

  return {
    url: baseUrl,
    port: server.port,
    tokenUrl: `${baseUrl}/token`,
    calendarApiUrl: `${baseUrl}${API_PREFIX}`,
    sheetsApiUrl: `${baseUrl}${SHEETS_PREFIX}`,
    calendarPageUrl: (calendarId) => `${baseUrl}/_emulator/calendar?id=${encodeURIComponent(calendarId)}`,
    sheetPageUrl: (spreadsheetId) => `${baseUrl}/_emulator/sheet?id=${encodeURIComponent(spreadsheetId)}`,
    sheetRows: (spreadsheetId, tab) => {
      const sheet = state.spreadsheets.get(spreadsheetId);
      return sheet ? tabRows(sheet, tab).map((r) => r.map((c) => c.text)) : [];
    },
    sheetWrites: () => [...state.sheetWrites],
    events: (calendarId) => [...(state.calendars.get(calendarId)?.events.values() ?? [])].map((e) => ({ ...toApi(e), source: e.source })),
    calls: () => [...state.calls],
    tokensIssued: () => state.tokensIssued,
    failNext: (count, mode, only, retryAfterSeconds, scope) => state.armFailures(count, mode, only ?? null, retryAfterSeconds ?? null, scope ?? {}),
    queueFailures: (operation, modes, retryAfterSeconds) => state.queueFailures(operation, modes, retryAfterSeconds ?? null),
    configure: (settings) => {
      state.settings = { ...state.settings, ...settings };
    },
    reset: () => {
      state.reset();
      server.releaseHeld();
    },
    close: () => (closing ??= server.close()),
  };
}
