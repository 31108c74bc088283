/**
 * The retry schedule (src/lib/backoff.ts): exponential, capped, and jittered so a burst of objects
 * failing together does not retry as one wave (issue 19, item 5). Pure (Node, fast-check).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffMs, MAX_BACKOFF_MS } from "../../src/lib/backoff.ts";

describe("backoffMs", () => {
  it("stays between half and all of the exponential step, never past the cap", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (base, attempts, r) => {
        const ceiling = Math.min(base * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
        const delay = backoffMs(base, attempts, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(ceiling);
      }),
    );
  });

  it("spreads a burst: 1,000 objects failing at once retry over the window, not at one instant", () => {
    const delays = Array.from({ length: 1_000 }, () => backoffMs(1_000, 3));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4_000);
    // Without jitter every delay would be 4,000 ms; spread, no 100 ms slot holds a tenth of them.
    const slots = new Map<number, number>();
    for (const d of delays) slots.set(Math.floor(d / 100), (slots.get(Math.floor(d / 100)) ?? 0) + 1);
    expect(Math.max(...slots.values())).toBeLessThan(100);
  });
});
