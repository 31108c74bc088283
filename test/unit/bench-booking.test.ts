/**
 * The pure parts of the bench's approval phase (bench/booking.ts): judging each approval and the
 * BENCHMARKS.md section.
 */
import { describe, expect, it } from "vitest";
import { judgeApprovals, renderBooking, type ApprovalSample } from "../../bench/booking.ts";

const slots = (deliveredMs: number): ApprovalSample => ({ kind: "slots", deliveredMs, answeredMs: deliveredMs / 2, httpStatus: 200, firstSend: "interactive/list", status: "CHOOSING_SLOT" });
const baseline = (deliveredMs: number): ApprovalSample => ({ kind: "baseline", deliveredMs, answeredMs: deliveredMs / 2, httpStatus: 200, firstSend: "text", status: "COLLECTING_TIME_WINDOWS" });

describe("approval → slot list delivered", () => {
  it("summarises each series apart and reports the list's cost beside the baseline", () => {
    const figures = judgeApprovals([slots(40), baseline(10), slots(60), baseline(20), slots(50), baseline(30)]);
    expect(figures.problems).toEqual([]);
    const bySeries = Object.fromEntries(figures.series.map((s) => [s.kind, s.delivered.p50]));
    expect(bySeries).toEqual({ slots: 50, baseline: 20 });
    const text = renderBooking(figures);
    expect(text).toContain("| **approval → slot list delivered** | 3 | 50.0 |");
    expect(text).toContain("| baseline: approval without the calendar → text delivered | 3 | 20.0 |");
    expect(text).toContain("30.0 ms more at the median** (2.50× the baseline");
    expect(text).toContain("✅ 6 approvals");
  });

  it("an approval that failed, sent no list, or left the lead elsewhere is a problem, and the report says so", () => {
    const figures = judgeApprovals([
      { ...slots(40), httpStatus: 500 },
      { ...slots(40), deliveredMs: null, firstSend: null },
      { ...slots(40), firstSend: "text" },
      { ...baseline(10), status: "PENDING_APPROVAL" },
    ]);
    expect(figures.problems).toHaveLength(4);
    expect(figures.problems[1]).toContain("no message reached the client");
    expect(renderBooking(figures)).toContain("❌ 4 approvals");
  });
});
