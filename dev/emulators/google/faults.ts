/**
 * Armed faults of the Google emulator, each scoped to what a test controls, the way the WhatsApp
 * emulator scopes its faults to one client: the calendar a call is on, one event, a stretch of time
 * the call is about (a freeBusy or list range, an event's start and end), a sync token being
 * continued, or one spreadsheet. ~40 Workers test files share one emulator and one calendar, so a
 * fault armed for "every freeBusy" would be met by whichever file asks next; a scoped one only by
 * the calls it names. Unscoped arming stays for the dev console and the chaos run (a stack of its own).
 */
import type { Incoming } from "../http-kit.ts";
import type { FailureMode, Operation } from "./state.ts";

/** What an armed fault applies to; every field given must match (none given: every call). */
export interface FaultScope {
  /** The calendar the call is on: an events call's path, or one of freeBusy's `items`. */
  calendarId?: string;
  /** One event: get/patch/delete by its path, insert by the body's `id`. */
  eventId?: string;
  /** Calls about time overlapping [start, end): freeBusy's and list's range, an inserted or patched event's span. */
  during?: { start: string; end: string };
  /** A list continuing this sync token (an incremental sync). */
  syncToken?: string;
  /** A Sheets call on this spreadsheet. */
  spreadsheetId?: string;
}

export interface ArmedFault {
  remaining: number;
  mode: FailureMode;
  /** One operation only, or any (null). */
  only: Operation | null;
  retryAfterSeconds: number | null;
  scope: FaultScope;
}

/** What one call is about, read from its path, query and body. */
export interface CallFacts {
  calendarIds: string[];
  eventId: string | null;
  span: { startMs: number; endMs: number } | null;
  syncToken: string | null;
  spreadsheetId: string | null;
}

type Body = Record<string, unknown>;

function bodyOf(req: Incoming): Body | null {
  try {
    const value: unknown = req.body.trim() === "" ? null : JSON.parse(req.body);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Body) : null;
  } catch {
    return null;
  }
}

const timeOf = (v: unknown): number => {
  if (typeof v === "string") return Date.parse(v);
  if (typeof v !== "object" || v === null) return NaN;
  const t = v as Body;
  if (typeof t.dateTime === "string") return Date.parse(t.dateTime);
  return typeof t.date === "string" ? Date.parse(`${t.date}T00:00:00Z`) : NaN;
};

const spanOf = (start: unknown, end: unknown): CallFacts["span"] => {
  const startMs = timeOf(start);
  const endMs = timeOf(end);
  if (Number.isNaN(startMs) && Number.isNaN(endMs)) return null;
  return { startMs: Number.isNaN(startMs) ? -Infinity : startMs, endMs: Number.isNaN(endMs) ? Infinity : endMs };
};

/** Reads what a call is about; `route` is the calendar or Sheets route the call resolved to. */
export function callFacts(req: Incoming, route: { operation: Operation; calendarId?: string; eventId?: string; spreadsheetId?: string }): CallFacts {
  const facts: CallFacts = { calendarIds: [], eventId: route.eventId ?? null, span: null, syncToken: null, spreadsheetId: route.spreadsheetId ?? null };
  if (route.calendarId !== undefined) facts.calendarIds.push(route.calendarId);
  const body = route.operation === "freeBusy" || route.operation === "insert" || route.operation === "patch" ? bodyOf(req) : null;
  switch (route.operation) {
    case "freeBusy":
      for (const item of Array.isArray(body?.items) ? body.items : []) {
        const id = typeof item === "object" && item !== null ? (item as Body).id : undefined;
        if (typeof id === "string") facts.calendarIds.push(id);
      }
      facts.span = spanOf(body?.timeMin, body?.timeMax);
      break;
    case "insert":
      if (typeof body?.id === "string") facts.eventId = body.id;
      facts.span = spanOf(body?.start, body?.end);
      break;
    case "patch":
      facts.span = body?.start === undefined && body?.end === undefined ? null : spanOf(body.start, body.end);
      break;
    case "list": {
      const q = req.url.searchParams;
      facts.syncToken = q.get("syncToken");
      facts.span = q.has("timeMin") || q.has("timeMax") ? spanOf(q.get("timeMin"), q.get("timeMax")) : null;
      break;
    }
    default:
      break;
  }
  return facts;
}

/** Whether a scope covers a call (an empty scope covers every call). */
export function scopeCovers(scope: FaultScope, facts: CallFacts): boolean {
  if (scope.calendarId !== undefined && !facts.calendarIds.includes(scope.calendarId)) return false;
  if (scope.eventId !== undefined && facts.eventId !== scope.eventId) return false;
  if (scope.syncToken !== undefined && facts.syncToken !== scope.syncToken) return false;
  if (scope.spreadsheetId !== undefined && facts.spreadsheetId !== scope.spreadsheetId) return false;
  if (scope.during !== undefined) {
    const startMs = Date.parse(scope.during.start);
    const endMs = Date.parse(scope.during.end);
    if (facts.span === null || !(facts.span.startMs < endMs && facts.span.endMs > startMs)) return false;
  }
  return true;
}

const isScoped = (scope: FaultScope): boolean => Object.values(scope).some((v) => v !== undefined);
const sameScope = (a: FaultScope, b: FaultScope): boolean => JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());

/** The armed faults, scoped ones consulted before unscoped ones. */
export class FaultTable {
  #armed: ArmedFault[] = [];

  /**
   * Arms `count` failures for `scope` (and `only`), replacing an earlier arming of the same scope
   * and operation; count 0 disarms it, and count 0 for any operation disarms every operation of
   * that scope (of every scope, when unscoped). Other scopes' armings are kept.
   */
  arm(count: number, mode: FailureMode, only: Operation | null, retryAfterSeconds: number | null, scope: FaultScope): void {
    if (count === 0 && only === null) {
      this.#armed = isScoped(scope) ? this.#armed.filter((a) => a.remaining > 0 && !sameScope(a.scope, scope)) : [];
      return;
    }
    this.#armed = this.#armed.filter((a) => a.remaining > 0 && !(a.only === only && sameScope(a.scope, scope)));
    if (count > 0) this.#armed.push({ remaining: count, mode, only, retryAfterSeconds, scope: { ...scope } });
  }

  /** Uses up one failure armed for this call, if any: a scoped arming first, then an unscoped one. */
  take(operation: Operation, facts: CallFacts): ArmedFault | null {
    const fits = (a: ArmedFault) => a.remaining > 0 && (a.only === null || a.only === operation) && scopeCovers(a.scope, facts);
    const armed = this.#armed.find((a) => fits(a) && isScoped(a.scope)) ?? this.#armed.find((a) => fits(a) && !isScoped(a.scope));
    if (!armed) return null;
    armed.remaining--;
    return { ...armed };
  }

  /** The armings with failures still to come. */
  list(): ArmedFault[] {
    return this.#armed.filter((a) => a.remaining > 0).map((a) => ({ ...a, scope: { ...a.scope } }));
  }

  clear(): void {
    this.#armed = [];
  }
}
