import { describe, expect, it } from "vitest";
import { addToTally, MAX_REASONS, mergeTallies, OTHER_REASONS, tallyPayload } from "../../src/lib/event-tally.ts";

describe("event tallies (what one sampled system event carries)", () => {
  it("counts occurrences per reason with the first and last time", () => {
    const tally = addToTally(addToTally(addToTally(undefined, "missing", 2_000), "mismatch", 1_000), "missing", 3_000);
    expect(tally).toEqual({ count: 3, reasons: { missing: 2, mismatch: 1 }, firstAt: 1_000, lastAt: 3_000 });
    expect(tallyPayload(tally)).toMatchObject({ count: 3, first_at: "1970-01-01T00:00:01.000Z", last_at: "1970-01-01T00:00:03.000Z", window_s: 60 });
  });

  it("adds several occurrences at once", () => {
    expect(addToTally(addToTally(undefined, "turned_away", 5, 40), "turned_away", 9, 2)).toEqual({ count: 42, reasons: { turned_away: 42 }, firstAt: 5, lastAt: 9 });
  });

  it("keeps a bounded number of reasons, the rest counted together", () => {
    let tally = addToTally(undefined, "r0", 0);
    for (let i = 1; i < MAX_REASONS + 5; i++) tally = addToTally(tally, `r${i}`, i);
    expect(Object.keys(tally.reasons)).toHaveLength(MAX_REASONS + 1);
    expect(tally.reasons[OTHER_REASONS]).toBe(5);
    expect(addToTally(tally, "x".repeat(500), 0).reasons[OTHER_REASONS]).toBe(6);
  });

  it("merges a tally given back by a failed write with what came since", () => {
    const a = addToTally(addToTally(undefined, "missing", 10), "missing", 20);
    const b = addToTally(undefined, "mismatch", 30);
    expect(mergeTallies(a, b)).toEqual({ count: 3, reasons: { missing: 2, mismatch: 1 }, firstAt: 10, lastAt: 30 });
    expect(mergeTallies(undefined, b)).toBe(b);
    expect(mergeTallies(undefined, undefined)).toBeUndefined();
  });
});
