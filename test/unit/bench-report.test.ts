/**
 * The pure parts of `npm run bench`: percentile math, target judging, the Markdown report, how it
 * is spliced into BENCHMARKS.md, and the cost projection.
 */
import { describe, expect, it } from "vitest";
import { project, renderCost } from "../../bench/cost.ts";
import { explainMiss } from "../../bench/explain.ts";
import { BEGIN_MARKER, END_MARKER, judgeTargets, renderReport, replyBaselineMs, spliceReport, type BenchFigures } from "../../bench/report.ts";
import { percentile, ratePerSecond, ratio, summarize, type LatencySummary } from "../../bench/stats.ts";

/** A latency series with the given percentiles (enough for the report). */
function series(p50: number, p99 = p50 * 2, count = 100): LatencySummary {
  return { count, p50, p95: (p50 + p99) / 2, p99, max: p99 * 1.2, mean: p50 * 1.1 };
}

function cpu(workerd: number) {
  return { workerd, devProxy: 1, postgres: 1, orchestrator: 1, driver: 1, wrangler: 0 };
}

function baselines(doWrite: number, dbRoundTrip: number) {
  return { health: series(2), doWrite: series(doWrite), dbSelect: series(doWrite + dbRoundTrip), dbRoundTrip: series(dbRoundTrip) };
}

function figures(overrides: Partial<BenchFigures> = {}): BenchFigures {
  return {
    machine: { cores: 2, cpuModel: "Test CPU", memoryGb: 8, os: "Linux", node: "v22.0.0", workerd: "workerd 2026-11-17", wrangler: "4.0.0", date: "2026-11-21" },
    run: {
      numbers: 500,
      concurrency: 50,
      messagesPerConsultation: 14,
      clientRepliesPerConsultation: 15,
      artistMessagesPerConsultation: 1,
      finalStatus: "CONSULTATION_COMPLETE",
      answersPerConsultation: 13,
      totalSeconds: 150,
    },
    quiet: { ack: series(10), reply: series(20), baselines: baselines(6, 2) },
    loaded: { ack: series(12, 30), reply: series(20), baselines: baselines(10, 5), messages: 7000, windowMs: 20_000, throughput: 350 },
    burst: { messages: 50, ack: series(100), drainMs: 500, perSecond: 100 },
    db: {
      roundTripsPerMessage: 2.5,
      statementsPerMessage: 2.5,
      transactionsPerMessage: 1,
      connectionsPerMessage: 0.01,
      peakOpenConnections: 60,
      topStatements: [{ query: "insert into \"leads\" | x", perMessage: 1 }],
    },
    storage: { rowsPerConversation: 45, bytesPerConversation: 50_000 },
    subrequests: { graphPerMessage: 1.1, dbConnectionsPerMessage: 0.01, doCallsPerMessage: 1 },
    memory: { runtimeBeforeMb: 200, runtimePeakMb: 400, proxyPeakMb: 150, perNumberKb: 400 },
    cpu: {
      perMessage: cpu(5),
      perProbe: { health: cpu(1), doWrite: cpu(1.5), dbSelect: cpu(2) },
      coresBusy: 1.8,
      runtimeBusy: 0.9,
      runtimeBusyP90: 0.95,
      othersBusy: 0.05,
    },
    integrity: {
      conversations: 509,
      messages: 7126,
      expectedClientReplies: 7635,
      clientReplies: 7635,
      artistExpected: 509,
      artistReplies: 509,
      doubledSends: 0,
      rejectedSends: 0,
      rejectedCodes: "",
      problems: [],
    },
    ...overrides,
  };
}

describe("percentiles", () => {
  it("uses the nearest rank: every figure is an observed sample", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it("is NaN for no samples and refuses a percentile outside (0, 100]", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it("summarises unsorted samples without changing them", () => {
    const samples = [5, 1, 4, 2, 3];
    expect(summarize(samples)).toEqual({ count: 5, p50: 3, p95: 5, p99: 5, max: 5, mean: 3 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
    expect(summarize([]).p50).toBeNaN();
  });

  it("divides only by a real, positive baseline", () => {
    expect(ratio(30, 10)).toBe(3);
    expect(ratio(30, 0)).toBeNaN();
    expect(ratio(Number.NaN, 10)).toBeNaN();
    expect(ratePerSecond(700, 2_000)).toBe(350);
    expect(ratePerSecond(1, 0)).toBeNaN();
  });
});

describe("targets", () => {
  it("are all met by figures inside every bound", () => {
    expect(judgeTargets(figures()).map((t) => t.met)).toEqual([true, true, true, true]);
  });

  it("judge ack p99 against the DO-write p99 and reply p50 against DO write + one DB round trip", () => {
    const f = figures({
      loaded: { ...figures().loaded, ack: series(12, 41), reply: series(23) }, // 41 > 2×20; 23 > 1.5×(10+5)
    });
    const [ack, reply] = judgeTargets(f);
    expect(replyBaselineMs(f.loaded.baselines)).toBe(15);
    expect(ack?.met).toBe(false);
    expect(ack?.measured).toContain("2.05×");
    expect(reply?.met).toBe(false);
    expect(reply?.measured).toContain("1.53×");
  });

  it("fail throughput on any loss, however fast", () => {
    const f = figures({ integrity: { ...figures().integrity, problems: ["+447700900100: 13/14 messages processed"] } });
    const throughput = judgeTargets(f)[3];
    expect(throughput?.met).toBe(false);
    expect(throughput?.measured).toContain("LOSS/DUPLICATION");
  });
});

describe("report", () => {
  it("renders targets, latency tables with ratios, work per message and integrity", () => {
    const text = renderReport(
      figures({ db: { ...figures().db, roundTripsPerMessage: 7.7 } }),
      (t) => `because ${t.name.toLowerCase()}`,
    );
    expect(text).toContain("| DB round trips per inbound message | ≤ 3 | 7.7 | ❌ missed |");
    expect(text).toContain("- **DB round trips per inbound message missed.** because db round trips per inbound message");
    expect(text).toMatch(/\| \*\*Webhook ack\*\* \(POST → 200\) vs DO write \| 100 \| 12\.0 \| .* \| 1\.20× \/ 1\.50× \|/);
    expect(text).toContain("Throughput: **350.0 inbound messages/s**");
    expect(text).toContain("\\|"); // a pipe inside a statement is escaped, not a new column
    expect(text).toContain("**No loss, no duplication.**");
    expect(text).toContain("workerd 2026-11-17");
  });

  it("splices the measured section between the markers and keeps the hand-written rest", () => {
    const existing = `# Benchmarks\n\nIntro.\n\n${BEGIN_MARKER}\nold figures\n${END_MARKER}\n\n## Analysis\nKept.\n`;
    const next = spliceReport(existing, "new figures");
    expect(next).toContain("Intro.");
    expect(next).toContain("new figures");
    expect(next).not.toContain("old figures");
    expect(next).toContain("## Analysis\nKept.");
    expect(spliceReport(null, "first")).toBe(`# Benchmarks\n\n${BEGIN_MARKER}\nfirst\n${END_MARKER}\n`);
    expect(spliceReport("# Mine\n", "added")).toBe(`# Mine\n\n${BEGIN_MARKER}\nadded\n${END_MARKER}\n`);
  });
});

describe("cost projection", () => {
  it("counts per-conversation work from the measurements and the stated assumptions", () => {
    const p = project(figures(), 10_000);
    expect(p.perConversation.workerRequests).toBe(14 + (15 + 1) * 3);
    expect(p.perConversation.workerCpuMs).toBe(70);
    expect(p.perConversation.dbRoundTrips).toBe(35);
    expect(p.monthly.workers).toBe(5); // inside the included allowances
    expect(p.monthly.total).toBeCloseTo(p.monthly.workers + p.monthly.durableObjects + p.monthly.neon);
  });

  it("grows with volume and names the allowance that runs out first", () => {
    const small = project(figures(), 10_000);
    const large = project(figures(), 1_000_000);
    expect(large.monthly.total).toBeGreaterThan(small.monthly.total);
    const first = small.allowances[0];
    expect(first?.conversations).toBeLessThanOrEqual(small.allowances[1]?.conversations ?? Infinity);
    expect(renderCost(figures())).toContain(`run out first at (conversations/month): ${first?.what ?? "?"} ≈`);
  });
});

describe("explanations of misses", () => {
  it("exist for every target and quote this run's numbers", () => {
    const f = figures();
    for (const target of judgeTargets(f)) {
      const text = explainMiss(target, f);
      expect(text.length, target.name).toBeGreaterThan(80);
      expect(text, target.name).toMatch(/\d/);
    }
  });
});
