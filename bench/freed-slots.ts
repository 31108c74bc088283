/**
 * The freed-slot phase of `npm run bench` (issue 18, item 7): `matchWaiting`
 * (src/domain/freed-slots.ts) choosing who is offered a freed 4-hour block, over 500 waiting leads
 * (mixed sizes, windows, statuses and cities, as many as one `slot_freed` run reads) and the bench
 * calendar's 500 busy events. Beside it, the same-run baseline: one `findSlots` inside the block
 * (what matching costs per lead). Pure: it runs in the bench's own Node process, no stack.
 */
import { defaultAvailability } from "../src/domain/availability.ts";
import { matchWaiting, nextWaiting, type WaitingLead } from "../src/domain/freed-slots.ts";
import { findSlots, FLEXIBLE } from "../src/domain/gap-search.ts";
import { busyEvents } from "./gap-search.ts";
import { percentile } from "./stats.ts";

export const FREED_MARKERS = {
  begin: "<!-- freed-slots:begin (written by `npm run bench`; edit outside the markers) -->",
  end: "<!-- freed-slots:end -->",
};

const ZONE = "Europe/London";
const NOW = new Date("2027-03-01T08:00:00Z");
/** Thursday 11 March 2027, 10:00–14:00 London. */
const FREED = { start: new Date("2027-03-11T10:00:00Z"), end: new Date("2027-03-11T14:00:00Z") };
const LEADS = 500;
const RUNS = 200;
const WARM_UP = 20;

export interface FreedFigures {
  leads: number;
  runs: number;
  matched: number;
  medianMs: number;
  p99Ms: number;
  nextMedianMs: number;
  nextP99Ms: number;
  baselineMedianMs: number;
  baselineP99Ms: number;
}

/** 500 waiting leads, the same every run: every fourth waitlisted, windows on a rotating weekday or none. */
function waitingLeads(): WaitingLead[] {
  const days = ["mon", "tue", "wed", "thu", "fri", "sat"] as const;
  const sizes = [{ category: "SMALL" }, { category: "MEDIUM" }, { category: "LARGE" }] as const;
  return Array.from({ length: LEADS }, (_, i) => ({
    id: `lead-${String(i).padStart(4, "0")}`,
    status: i % 4 === 0 ? "WAITLISTED" : "COLLECTING_TIME_WINDOWS",
    waitingSince: new Date(NOW.getTime() - (i % 97) * 3_600_000),
    timing: i % 3 === 0 ? null : { windows: [{ days: [days[i % days.length]] }], flexible: false },
    size: sizes[i % sizes.length] ?? null,
    hasDeposit: i % 11 !== 0,
    waitlistCity: i % 8 === 0 ? "London" : "Leeds",
    optedOut: false,
  }));
}

function timed(run: () => number): { sorted: number[]; result: number } {
  let result = 0;
  for (let i = 0; i < WARM_UP; i++) result = run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return { sorted: times.sort((a, b) => a - b), result };
}

export function benchFreedSlots(say: (line: string) => void): FreedFigures {
  const rules = { ...defaultAvailability(ZONE), maxSessionsPerDay: 20 };
  // The bench calendar's busy time, with the freed block itself cleared (it was just let go).
  const busy = busyEvents(500, NOW).filter((b) => b.end <= FREED.start || b.start >= FREED.end);
  const leads = waitingLeads();
  say(`freed slots: matching ${LEADS} waiting leads over one freed block, ${RUNS} runs…`);
  const input = { freed: FREED, rules, busy, now: NOW, city: "London", leads, tried: new Set<string>() };
  const match = timed(() => matchWaiting(input).length);
  const next = timed(() => (nextWaiting(input) ? 1 : 0));
  const base = timed(() => findSlots({ rules, busy, windows: FLEXIBLE, size: { category: "MEDIUM" }, now: NOW, count: 1, within: FREED }).length);
  return {
    leads: LEADS,
    runs: RUNS,
    matched: match.result,
    medianMs: percentile(match.sorted, 50),
    p99Ms: percentile(match.sorted, 99),
    nextMedianMs: percentile(next.sorted, 50),
    nextP99Ms: percentile(next.sorted, 99),
    baselineMedianMs: percentile(base.sorted, 50),
    baselineP99Ms: percentile(base.sorted, 99),
  };
}

const ms = (v: number) => `${v.toFixed(3)} ms`;

/** The freed-slot section of BENCHMARKS.md. */
export function renderFreedSlots(f: FreedFigures): string {
  return [
    "### Freed slots: who is offered a freed block (`matchWaiting`)",
    "",
    `A freed 4-hour block (Thursday 10:00–14:00, ${ZONE}), the default rules with the day cap lifted, the gap search's 500 seeded busy events (the block cleared), and ${f.leads} waiting leads (sizes S/M/L, a weekday window or none, every fourth waitlisted, a few without a deposit): the whole ordered list of who may take it, each with their session. ${f.runs} timed runs after 20 warm-up runs, in the bench's Node process (${process.version}); the baseline is one \`findSlots\` inside the block (one lead's search), same run.`,
    "",
    "| what | leads | matched | median | p99 |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| nextWaiting (what a job runs: stops at the first fit) | ${f.leads} | 1 | ${ms(f.nextMedianMs)} | ${ms(f.nextP99Ms)} |`,
    `| matchWaiting (the whole order, worst case) | ${f.leads} | ${f.matched} | ${ms(f.medianMs)} | ${ms(f.p99Ms)} |`,
    `| baseline: one findSlots within the block | 1 | 1 | ${ms(f.baselineMedianMs)} | ${ms(f.baselineP99Ms)} |`,
    "",
    `The whole order costs ${(f.medianMs / f.leads / Math.max(f.baselineMedianMs, 1e-6)).toFixed(2)}× one search per lead: each lead's search walks only the block's days (\`within\` clamps them) over the busy time near the block (filtered once). A job needs only the next client and stops there; when nobody fits it pays for the whole order (the worst case row), and a run reads at most 500 waiting leads (WAITING_SCAN_LIMIT).`,
  ].join("\n");
}
