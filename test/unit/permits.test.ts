/**
 * The database gate's permits (src/lib/permits.ts): at most `limit` held, first come first served,
 * leases that run out, renewals, and releases that only a holder can make.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  expire,
  nextExpiry,
  MAX_PLACE_KEPT_MS,
  NO_PERMITS,
  PERMIT_LEASE_MS,
  release,
  request,
  summarise,
  withdraw,
  type Permits,
  type RequestOutcome,
  type Step,
} from "../../src/lib/permits.ts";

const T0 = 1_000_000;

describe("database permits", () => {
  it("grants up to the limit, then lines callers up and hands a released permit to the first in line", () => {
    let p: Permits = NO_PERMITS;
    const a = request(p, "a", 1, T0, 2);
    expect(a.outcome).toEqual({ held: true, expiresAt: T0 + PERMIT_LEASE_MS });
    p = request(a.permits, "b", 2, T0, 2).permits;
    const c = request(p, "c", 3, T0 + 1, 2);
    expect(c.outcome).toEqual({ held: false });
    p = request(c.permits, "d", 4, T0 + 2, 2).permits;
    expect(summarise(p, T0 + 10, 2)).toEqual({ limit: 2, held: 2, waiting: 2, longest_wait_ms: 9 });

    const freed = release(p, "a", T0 + 100, 2);
    expect(freed.granted).toEqual([{ holder: "c", ticket: 3, expiresAt: T0 + 100 + PERMIT_LEASE_MS, waitedMs: 99 }]);
    expect(freed.permits.leases.map((l) => l.holder)).toEqual(["b", "c"]);
    expect(freed.permits.waiters.map((w) => w.holder)).toEqual(["d"]);
  });

  it("a newcomer queues behind those waiting even when a permit has just run out", () => {
    let p = request(NO_PERMITS, "a", 1, T0, 1).permits;
    p = request(p, "b", 2, T0 + 1, 1).permits;
    const late = request(p, "c", 3, T0 + PERMIT_LEASE_MS, 1);
    expect(late.granted.map((g) => g.holder)).toEqual(["b"]);
    expect(late.outcome).toEqual({ held: false });
    expect(late.permits.waiters.map((w) => w.holder)).toEqual(["c"]);
  });

  it("asking again while holding renews the lease (one permit, not two)", () => {
    const first = request(NO_PERMITS, "a", 1, T0, 3);
    const again = request(first.permits, "a", 2, T0 + 40_000, 3);
    expect(again.outcome).toEqual({ held: true, expiresAt: T0 + 40_000 + PERMIT_LEASE_MS });
    expect(again.permits.leases).toEqual([{ holder: "a", expiresAt: T0 + 40_000 + PERMIT_LEASE_MS }]);
  });

  it("a caller told to come back later takes back its place: ahead of everyone who first asked after it", () => {
    let p = request(NO_PERMITS, "a", 1, T0, 1).permits;
    p = request(p, "b", 2, T0 + 10, 1).permits;
    // c was turned away after waiting; b and d came later; c asks again with its first ask.
    p = request(p, "d", 3, T0 + 20, 1).permits;
    const back = request(p, "c", 4, T0 + 30, 1, T0 + 5);
    expect(back.outcome).toEqual({ held: false });
    expect(back.permits.waiters.map((w) => [w.holder, w.since])).toEqual([
      ["c", T0 + 5],
      ["b", T0 + 10],
      ["d", T0 + 20],
    ]);
    // Equal first asks keep arrival order; a first ask "in the future" counts as now.
    const tie = request(back.permits, "e", 5, T0 + 31, 1, T0 + 10);
    expect(tie.permits.waiters.map((w) => w.holder)).toEqual(["c", "b", "e", "d"]);
    const future = request(tie.permits, "f", 6, T0 + 32, 1, T0 + 99_999);
    expect(future.permits.waiters.at(-1)).toEqual({ holder: "f", ticket: 6, since: T0 + 32 });
    // A claim older than MAX_PLACE_KEPT_MS counts from then, not from its own time.
    const late = T0 + MAX_PLACE_KEPT_MS + 1_000;
    const ancient = request(future.permits, "g", 7, late, 1, 0);
    expect(ancient.permits.waiters.find((w) => w.holder === "g")?.since).toBe(late - MAX_PLACE_KEPT_MS);
    // a's lease ran out meanwhile: the head of the line (c, the first to ask) got it.
    expect(ancient.granted.map((g) => g.holder)).toEqual(["c"]);
  });

  it("asking again while waiting keeps the place in line and drops the earlier call", () => {
    let p = request(NO_PERMITS, "a", 1, T0, 1).permits;
    p = request(p, "b", 2, T0, 1).permits;
    p = request(p, "c", 3, T0, 1).permits;
    const again = request(p, "b", 9, T0 + 5, 1);
    expect(again.dropped).toEqual([2]);
    expect(again.permits.waiters).toEqual([
      { holder: "b", ticket: 9, since: T0 },
      { holder: "c", ticket: 3, since: T0 },
    ]);
  });

  it("a holder that never releases loses its permit when the lease runs out", () => {
    let p = request(NO_PERMITS, "dead", 1, T0, 1).permits;
    p = request(p, "next", 2, T0 + 1, 1).permits;
    expect(nextExpiry(p)).toBe(T0 + PERMIT_LEASE_MS);
    expect(expire(p, T0 + PERMIT_LEASE_MS - 1, 1).granted).toEqual([]);
    const after = expire(p, T0 + PERMIT_LEASE_MS, 1);
    expect(after.granted.map((g) => g.holder)).toEqual(["next"]);
    expect(after.permits.leases.map((l) => l.holder)).toEqual(["next"]);
  });

  it("a release by someone who holds nothing changes nothing, a withdrawn caller leaves the line", () => {
    let p = request(NO_PERMITS, "a", 1, T0, 1).permits;
    p = request(p, "b", 2, T0, 1).permits;
    expect(release(p, "b", T0 + 1, 1)).toEqual({ permits: p, granted: [], dropped: [] });
    expect(release(p, "nobody", T0 + 1, 1).permits).toBe(p);
    expect(withdraw(p, 2).waiters).toEqual([]);
    expect(withdraw(p, 77)).toBe(p);
  });
});

type Command =
  | { op: "request"; holder: string; askedMsAgo: number }
  | { op: "release"; holder: string }
  | { op: "withdraw"; pick: number }
  | { op: "tick"; ms: number };

const holder = fc.constantFrom("a", "b", "c", "d", "e", "f");
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(holder, fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30_000 }))).map(([h, askedMsAgo]) => ({ op: "request" as const, holder: h, askedMsAgo })) },
  { weight: 3, arbitrary: holder.map((h) => ({ op: "release" as const, holder: h })) },
  { weight: 1, arbitrary: fc.nat(10).map((pick) => ({ op: "withdraw" as const, pick })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: PERMIT_LEASE_MS + 10_000 }).map((ms) => ({ op: "tick" as const, ms })) },
);

describe("database permits (properties)", () => {
  it("never more than the limit held, one permit per holder, nobody waits while a permit is free, the line is served in order of first ask", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(command, { maxLength: 80 }), (limit, commands) => {
        let p: Permits = NO_PERMITS;
        let now = T0;
        let ticket = 0;
        // The model of the line: holders in order of first ask (arrival order among equals).
        let line: string[] = [];
        const firstAsk = new Map<string, number>();
        for (const c of commands) {
          let step: Step & { outcome?: RequestOutcome };
          switch (c.op) {
            case "request": {
              step = request(p, c.holder, ++ticket, now, limit, now - c.askedMsAgo);
              break;
            }
            case "release": {
              step = release(p, c.holder, now, limit);
              break;
            }
            case "withdraw": {
              const w = p.waiters[c.pick % Math.max(1, p.waiters.length)];
              if (w) line = line.filter((h) => h !== w.holder);
              step = { permits: withdraw(p, w?.ticket ?? -1), granted: [], dropped: [] };
              break;
            }
            case "tick": {
              now += c.ms;
              step = expire(p, now, limit);
              break;
            }
          }
          // Whoever was granted from the line came from its head, in order.
          const granted = step.granted.map((g) => g.holder);
          expect(granted).toEqual(line.slice(0, granted.length));
          line = line.slice(granted.length);
          if (c.op === "request" && step.outcome?.held === false && !line.includes(c.holder)) {
            const since = now - c.askedMsAgo;
            firstAsk.set(c.holder, since);
            const behind = line.findIndex((h) => (firstAsk.get(h) ?? 0) > since);
            line = behind === -1 ? [...line, c.holder] : [...line.slice(0, behind), c.holder, ...line.slice(behind)];
          }
          p = step.permits;

          expect(p.leases.length).toBeLessThanOrEqual(limit);
          const everyone = [...p.leases.map((l) => l.holder), ...p.waiters.map((w) => w.holder)];
          expect(new Set(everyone).size).toBe(everyone.length);
          if (p.waiters.length > 0) expect(p.leases.length).toBe(limit);
          expect(p.waiters.map((w) => w.holder)).toEqual(line);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("expiry frees every lease not renewed within its lease, and keeps every other", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(holder, fc.integer({ min: 0, max: 2 * PERMIT_LEASE_MS })), { maxLength: 20 }), fc.nat(3 * PERMIT_LEASE_MS), (asks, at) => {
        const limit = 6;
        let p: Permits = NO_PERMITS;
        let now = T0;
        asks.forEach(([h, gap], i) => {
          now += gap;
          p = request(p, h, i + 1, now, limit).permits;
        });
        const later = now + at;
        const after = expire(p, later, limit).permits;
        for (const l of after.leases) expect(l.expiresAt).toBeGreaterThan(later);
        for (const l of p.leases) {
          const kept = after.leases.some((k) => k.holder === l.holder);
          expect(kept).toBe(l.expiresAt > later);
        }
      }),
    );
  });

  it("a release by a non-holder returns the very same state", () => {
    fc.assert(
      fc.property(fc.array(holder, { maxLength: 12 }), holder, fc.integer({ min: 1, max: 4 }), (asks, stranger, limit) => {
        let p: Permits = NO_PERMITS;
        asks.forEach((h, i) => {
          p = request(p, h, i + 1, T0 + i, limit).permits;
        });
        fc.pre(!p.leases.some((l) => l.holder === stranger));
        expect(release(p, stranger, T0 + 100, limit).permits).toBe(p);
      }),
    );
  });
});
