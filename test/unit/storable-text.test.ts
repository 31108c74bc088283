/**
 * Client text on its way to Postgres (src/lib/storable-text.ts), the reset retry of Durable Object
 * calls (src/lib/object-retry.ts), and the webhook boundary that applies the first to every field.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readEnvelope, WebhookEnvelopeSchema } from "../../src/adapters/whatsapp/webhook-schema.ts";
import { backoffCeilingMs, backoffMs, MAX_BACKOFF_MS } from "../../src/lib/backoff.ts";
import { CONNECTION_RETRY_MAX_MS } from "../../src/db/client.ts";
import { isObjectResetError, OBJECT_RETRY_BASE_MS, retryObjectReset } from "../../src/lib/object-retry.ts";
import { storableText } from "../../src/lib/storable-text.ts";
import { cannotConnect, isConnectionFailure, isDatabaseBusy } from "../../src/db/client.ts";

/** What Postgres refuses in text and jsonb. */
// eslint-disable-next-line no-control-regex -- NUL is what the test looks for
const unstorable = (s: string) => /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe("storable text", () => {
  it.each([
    ["NUL", "a\u0000b", "a\uFFFDb"],
    ["a lone high surrogate", "x\uD800y", "x\uFFFDy"],
    ["a lone low surrogate", "\uDFFF", "\uFFFD"],
    ["a high surrogate at the end", "end\uD83D", "end\uFFFD"],
  ])("%s becomes U+FFFD", (_name, input, expected) => {
    expect(storableText(input)).toBe(expected);
  });

  it("keeps everything else exactly: astral characters, ZWJ emoji, bidi marks, controls other than NUL", () => {
    for (const s of ["👩🏽‍❤️‍💋‍👩🏻", "𝕴𝖓𝖐", "\u202Eevil", "tab\tbell\u0007", "ﷺ", ""]) expect(storableText(s)).toBe(s);
  });

  it("any string comes out storable, the same length, unchanged where it was storable (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom("\u0000", "\uD800", "\uDC00"), fc.string({ unit: "binary", maxLength: 2 })), maxLength: 40 }), (s) => {
        const out = storableText(s);
        expect(unstorable(out)).toBe(false);
        expect(out.length).toBe(s.length);
        if (!unstorable(s)) expect(out).toBe(s);
      }),
    );
  });

  it("the webhook boundary makes every field of a message storable", () => {
    const nasty = "n\u0000\uD800";
    const envelope = WebhookEnvelopeSchema.parse({
      object: "whatsapp_business_account",
      entry: [
        {
          changes: [
            {
              field: "messages",
              value: {
                contacts: [{ wa_id: "447700900123", profile: { name: nasty } }],
                messages: [{ from: "447700900123", id: `id${nasty}`, timestamp: "1700000000", type: "document", document: { id: `m${nasty}`, caption: nasty, filename: nasty, mime_type: nasty } }],
              },
            },
          ],
        },
      ],
    });
    const [message] = readEnvelope(envelope).messages;
    expect(message).toBeDefined();
    const strings = collectStrings(message);
    expect(strings.filter(unstorable)).toEqual([]);
    expect(message?.profileName).toBe("n\uFFFD\uFFFD");
  });
});

function collectStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null) return [];
  return Object.values(value).flatMap(collectStrings);
}

describe("retrying a call when its Durable Object was reset", () => {
  const reset = Object.assign(new Error("bench: simulated eviction"), { durableObjectReset: true });

  it("recognises reset and retryable errors, never an overloaded object or an ordinary error", () => {
    expect(isObjectResetError(reset)).toBe(true);
    expect(isObjectResetError(Object.assign(new Error("Network connection lost."), { retryable: true }))).toBe(true);
    expect(isObjectResetError(Object.assign(new Error("overloaded"), { retryable: true, overloaded: true }))).toBe(false);
    expect(isObjectResetError(new Error("a bug"))).toBe(false);
    expect(isObjectResetError("reset")).toBe(false);
  });

  it("makes the call again after a reset, up to three times", async () => {
    let calls = 0;
    await expect(retryObjectReset(async () => (++calls < 3 ? Promise.reject(reset) : "stored"))).resolves.toBe("stored");
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryObjectReset(async () => (++calls, Promise.reject(reset)))).rejects.toBe(reset);
    expect(calls).toBe(3);
  });

  it("pauses a jittered while between attempts, never the same fixed delay for every caller", async () => {
    const pauses: number[] = [];
    const draws = [0.5, 0.25];
    const clock = { random: () => draws.shift() ?? 0, sleep: (ms: number) => (pauses.push(ms), Promise.resolve()) };
    let calls = 0;
    await expect(retryObjectReset(async () => (++calls < 3 ? Promise.reject(reset) : "stored"), 3, clock)).resolves.toBe("stored");
    // Attempt 1 failed: half the base plus half of its half; attempt 2: half of twice the base plus a quarter of that half.
    expect(pauses).toEqual([Math.floor(OBJECT_RETRY_BASE_MS * 0.75), Math.floor(OBJECT_RETRY_BASE_MS * 2 * 0.625)]);
  });

  it("does not retry an ordinary error", async () => {
    let calls = 0;
    const bug = new Error("a bug");
    await expect(retryObjectReset(async () => (++calls, Promise.reject(bug)))).rejects.toBe(bug);
    expect(calls).toBe(1);
  });
});

describe("telling a lost database connection from a bug", () => {
  const wrapped = (cause: unknown) => Object.assign(new Error("Failed query: select 1"), { cause });

  it.each([
    ["a dropped connection, wrapped by drizzle", wrapped(new Error("Connection terminated unexpectedly"))],
    ["the driver's broken client", wrapped(new Error("Client has encountered a connection error and is not queryable"))],
    ["SQLSTATE 57P01 (the server shutting down)", wrapped(Object.assign(new Error("terminating"), { code: "57P01" }))],
    ["SQLSTATE 08006", Object.assign(new Error("x"), { code: "08006" })],
  ])("%s is the database away", (_name, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });

  it.each([
    ["a constraint violation", wrapped(Object.assign(new Error("duplicate key value"), { code: "23505" }))],
    ["a plain bug", new TypeError("cannot read properties of undefined")],
    ["not an error", "boom"],
  ])("%s is not", (_name, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });
});

describe("telling a database out of connection slots from other failures", () => {
  const wrapped = (cause: unknown) => Object.assign(new Error("Failed query: select 1"), { cause });

  it.each([
    ["53300 from Postgres (max_connections or a role's limit)", Object.assign(new Error("too many connections for role \"inkline_app\""), { code: "53300" })],
    ["reserved slots, wrapped by drizzle", wrapped(new Error("remaining connection slots are reserved for roles with the SUPERUSER attribute"))],
    ["PgBouncer's queue timing out", new Error("query_wait_timeout")],
    ["the pool giving up on a connection", new Error("timeout exceeded when trying to connect")],
  ])("%s is busy (cannot connect, but not a lost connection)", (_name, error) => {
    expect(isDatabaseBusy(error)).toBe(true);
    expect(cannotConnect(error)).toBe(true);
  });

  it("a lost connection cannot connect without being busy; a bug is neither", () => {
    const lost = wrapped(new Error("Connection terminated unexpectedly"));
    expect([isDatabaseBusy(lost), cannotConnect(lost)]).toEqual([false, true]);
    const bug = Object.assign(new Error('relation "leadz" does not exist'), { code: "42P01" });
    expect([isDatabaseBusy(bug), cannotConnect(bug)]).toEqual([false, false]);
  });
});

describe("backoff with equal jitter", () => {
  it("draws the wait from [ceiling/2, ceiling): half fixed, half scaled by the draw", () => {
    expect(backoffMs(2_000, 1, 0)).toBe(1_000);
    expect(backoffMs(2_000, 1, 0.5)).toBe(1_500);
    expect(backoffMs(2_000, 3, 0.5)).toBe(6_000);
    expect(backoffMs(2_000, 3, 0.999_999)).toBe(7_999);
    expect(backoffMs(2_000, 40, 0.5)).toBe((MAX_BACKOFF_MS * 3) / 4);
  });

  it("stays within [ceiling/2, ceiling] for any attempt and any draw, clamped when the draw is out of range (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 600_000 }), fc.integer({ min: 0, max: 60 }), fc.double({ min: -1, max: 2, noNaN: true }), (base, attempts, draw) => {
        const wait = backoffMs(base, attempts, draw);
        const ceiling = backoffCeilingMs(base, attempts);
        expect(wait).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(wait).toBeLessThanOrEqual(ceiling);
        expect(ceiling).toBeLessThanOrEqual(MAX_BACKOFF_MS);
      }),
    );
  });

  it("a cap keeps an outage's retries short: never above the cap, whatever the attempt (property)", () => {
    expect(backoffMs(2_000, 5, 0.999_999, CONNECTION_RETRY_MAX_MS)).toBeLessThan(CONNECTION_RETRY_MAX_MS);
    expect(backoffMs(2_000, 5, 0, CONNECTION_RETRY_MAX_MS)).toBe(CONNECTION_RETRY_MAX_MS / 2);
    // Uncapped, the fifth failure in an outage waits 16–32 s.
    expect(backoffMs(2_000, 5, 0)).toBe(16_000);
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 60_000 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 600_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (base, attempts, cap, draw) => {
        const wait = backoffMs(base, attempts, draw, cap);
        expect(wait).toBeLessThanOrEqual(Math.min(cap, MAX_BACKOFF_MS));
        expect(wait).toBeGreaterThanOrEqual(Math.floor(backoffCeilingMs(base, attempts, cap) / 2));
      }),
    );
  });

  it("spreads a thousand objects that failed together over half the window instead of one instant", () => {
    // A fixed sequence of draws, as a thousand objects would make them.
    let seed = 7;
    const random = () => ((seed = (seed * 16_807) % 2_147_483_647) - 1) / 2_147_483_646;
    const waits = Array.from({ length: 1_000 }, () => backoffMs(2_000, 2, random()));
    const perSecond = [0, 1, 2, 3].map((s) => waits.filter((w) => w >= s * 1_000 && w < (s + 1) * 1_000).length);
    // None in the first half of the 4-second window, roughly half in each second of the other half.
    expect(perSecond.slice(0, 2)).toEqual([0, 0]);
    for (const n of perSecond.slice(2)) expect(n).toBeGreaterThan(350);
    expect(new Set(waits).size).toBeGreaterThan(500);
  });
});
