/**
 * The pure parts of the Google adapters: our event ids (base32hex, deterministic, one per booking
 * and revision, readable back), freeBusy's range splitting and merging, and how a Google failure
 * is classified (retryable or permanent, Retry-After read).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyResponse, noAnswer, parseRetryAfter } from "../../src/adapters/google/errors.ts";
import { EVENT_ID_PATTERN, eventIdFor, MAX_BOOKING_ID_LENGTH, parseEventId } from "../../src/adapters/google/event-id.ts";
import { FREEBUSY_MAX_RANGE_MS, mergeIntervals, splitRange } from "../../src/adapters/google/intervals.ts";

const bookingId = fc.string({ minLength: 1, maxLength: 120, unit: "grapheme" });
const revision = fc.integer({ min: 0, max: 1_000_000 });

describe("event ids", () => {
  it("use only base32hex characters (0-9, a-v), 5 to 1024 of them, and start with ink", () => {
    fc.assert(
      fc.property(bookingId, revision, (b, r) => {
        const id = eventIdFor(b, r);
        expect(id).toMatch(EVENT_ID_PATTERN);
        expect(id.startsWith("ink")).toBe(true);
      }),
    );
    expect(eventIdFor("x".repeat(MAX_BOOKING_ID_LENGTH), Number.MAX_SAFE_INTEGER).length).toBeLessThanOrEqual(1024);
  });

  it("are deterministic: the same booking and revision always give the same id (a retried insert is the same event)", () => {
    fc.assert(
      fc.property(bookingId, revision, (b, r) => {
        expect(eventIdFor(b, r)).toBe(eventIdFor(b, r));
      }),
    );
    expect(eventIdFor("3f1c2a9e-0000-4000-8000-000000000001", 1)).toBe(eventIdFor("3f1c2a9e-0000-4000-8000-000000000001", 1));
  });

  it("differ for different revisions and different bookings, and read back to what made them", () => {
    fc.assert(
      fc.property(bookingId, revision, revision, (b, r1, r2) => {
        fc.pre(r1 !== r2);
        expect(eventIdFor(b, r1)).not.toBe(eventIdFor(b, r2));
      }),
    );
    fc.assert(
      fc.property(bookingId, bookingId, revision, (b1, b2, r) => {
        fc.pre(b1 !== b2);
        expect(eventIdFor(b1, r)).not.toBe(eventIdFor(b2, r));
      }),
    );
    fc.assert(
      fc.property(bookingId, revision, (b, r) => {
        expect(parseEventId(eventIdFor(b, r))).toEqual({ bookingId: b, revision: r });
      }),
    );
  });

  it("refuses what cannot make an id, and reads no id it did not make", () => {
    expect(() => eventIdFor("", 1)).toThrow(RangeError);
    expect(() => eventIdFor("b", -1)).toThrow(RangeError);
    expect(() => eventIdFor("b", 1.5)).toThrow(RangeError);
    expect(() => eventIdFor("x".repeat(MAX_BOOKING_ID_LENGTH + 1), 1)).toThrow(RangeError);
    for (const foreign of ["abcdef123", "ink", "inkzz", "INK00", "ink0"]) expect(parseEventId(foreign)).toBeNull();
  });
});

describe("freeBusy ranges", () => {
  const DAY = 86_400_000;
  const t0 = Date.parse("2027-01-04T00:00:00Z");

  it("keeps a range of up to 90 days whole and asks nothing for an empty or reversed one", () => {
    expect(splitRange(t0, t0 + 90 * DAY)).toEqual([{ startMs: t0, endMs: t0 + 90 * DAY }]);
    expect(splitRange(t0, t0)).toEqual([]);
    expect(splitRange(t0, t0 - DAY)).toEqual([]);
  });

  it("splits a longer range into windows of at most 90 days that cover it end to end", () => {
    expect(splitRange(t0, t0 + 200 * DAY)).toEqual([
      { startMs: t0, endMs: t0 + 90 * DAY },
      { startMs: t0 + 90 * DAY, endMs: t0 + 180 * DAY },
      { startMs: t0 + 180 * DAY, endMs: t0 + 200 * DAY },
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000 * DAY }), fc.integer({ min: 1, max: 1_000 * DAY }), (offset, length) => {
        const windows = splitRange(t0 + offset, t0 + offset + length);
        expect(windows[0]?.startMs).toBe(t0 + offset);
        expect(windows.at(-1)?.endMs).toBe(t0 + offset + length);
        windows.forEach((w, i) => {
          expect(w.endMs - w.startMs).toBeGreaterThan(0);
          expect(w.endMs - w.startMs).toBeLessThanOrEqual(FREEBUSY_MAX_RANGE_MS);
          if (i > 0) expect(w.startMs).toBe(windows[i - 1]?.endMs);
        });
      }),
    );
  });

  it("merges busy intervals: an event across a window boundary comes back as one", () => {
    expect(
      mergeIntervals([
        { startMs: 50, endMs: 60 },
        { startMs: 10, endMs: 20 },
        { startMs: 20, endMs: 30 },
        { startMs: 25, endMs: 27 },
        { startMs: 40, endMs: 40 },
      ]),
    ).toEqual([
      { startMs: 10, endMs: 30 },
      { startMs: 50, endMs: 60 },
    ]);
    const interval = fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 100 })).map(([s, l]) => ({ startMs: s, endMs: s + l }));
    fc.assert(
      fc.property(fc.array(interval), (intervals) => {
        const merged = mergeIntervals(intervals);
        merged.forEach((m, i) => {
          if (i > 0) expect(m.startMs).toBeGreaterThan(merged[i - 1]?.endMs ?? -1);
        });
        for (const i of intervals) expect(merged.some((m) => m.startMs <= i.startMs && i.endMs <= m.endMs)).toBe(true);
      }),
    );
  });
});

describe("classifying Google failures", () => {
  const body = (code: number, reason: string) => ({ error: { code, message: reason, errors: [{ domain: "usageLimits", reason }], status: "X" } });

  it("retries rate limits (403 rateLimitExceeded/userRateLimitExceeded, 429), 5xx, timeouts and network failures", () => {
    expect(classifyResponse(403, body(403, "rateLimitExceeded"), null)).toMatchObject({ kind: "retryable", reason: "rateLimitExceeded" });
    expect(classifyResponse(403, body(403, "userRateLimitExceeded"), 2000)).toMatchObject({ kind: "retryable", retryAfterMs: 2000 });
    expect(classifyResponse(429, body(429, "rateLimitExceeded"), 7000)).toMatchObject({ kind: "retryable", status: 429, retryAfterMs: 7000 });
    for (const status of [500, 502, 503]) expect(classifyResponse(status, body(status, "backendError"), null).kind).toBe("retryable");
    expect(classifyResponse(503, "not json", null)).toMatchObject({ kind: "retryable", reason: "unknown" });
    expect(noAnswer(new DOMException("timed out", "TimeoutError"))).toMatchObject({ kind: "retryable", reason: "timeout", status: null });
    expect(noAnswer(new TypeError("fetch failed"))).toMatchObject({ kind: "retryable", reason: "network" });
  });

  it("does not retry 400, 404, a 401 after the re-mint, or a 403 that is not a rate limit", () => {
    expect(classifyResponse(400, body(400, "timeRangeEmpty"), null)).toMatchObject({ kind: "permanent", reason: "timeRangeEmpty" });
    expect(classifyResponse(404, body(404, "notFound"), null)).toMatchObject({ kind: "permanent", reason: "notFound" });
    expect(classifyResponse(401, body(401, "authError"), null).kind).toBe("permanent");
    expect(classifyResponse(403, body(403, "forbiddenForNonOrganizer"), 1000).kind).toBe("permanent");
  });

  it("reads Retry-After as seconds or as a date", () => {
    const now = Date.parse("2027-01-04T10:00:00Z");
    expect(parseRetryAfter("7", now)).toBe(7000);
    expect(parseRetryAfter("Mon, 04 Jan 2027 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Mon, 04 Jan 2027 09:00:00 GMT", now)).toBe(0);
    for (const unreadable of [null, "", "soon"]) expect(parseRetryAfter(unreadable, now)).toBeNull();
  });
});
