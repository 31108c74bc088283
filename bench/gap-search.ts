/**
 * The gap search phase of `npm run bench` (issue 15): `findSlots` (src/domain/gap-search.ts) over
 * the default rules (src/domain/availability.ts, Europe/London: Mon–Fri 10–18, Sat 10–16, 30 min
 * buffer, 48 h notice, 60-day horizon) with 500 busy events spread over the horizon, asked for 5
 * and for 10 MEDIUM slots. Beside each, the same-run baseline: the same search with no busy time,
 * so what the busy events cost is visible. Pure: it runs in the bench's own Node process, no stack.
 *
 * The busy events come from a seeded generator (mulberry32), the same every run; `now` is fixed
 * (1 March 2027, so the horizon crosses the UK's March DST change).
 */
import { defaultAvailability } from "../src/domain/availability.ts";
import { findSlots, FLEXIBLE, type Interval } from "../src/domain/gap-search.ts";
import { percentile } from "./stats.ts";

export const GAP_SEARCH_MARKERS = {
  begin: "<!-- gap-search:begin (written by `npm run bench`; edit outside the markers) -->",
  end: "<!-- gap-search:end -->",
};

const ZONE = "Europe/London";
const NOW = new Date("2027-03-01T08:00:00Z");
const BUSY_EVENTS = 500;
const SEED = 15;
const RUNS = 200;
const WARM_UP = 20;
const COUNTS = [5, 10] as const;
/** A per-day cap no day of the bench's calendar reaches. */
const LIFTED_CAP = 20;

export interface GapSearchRow {
  slots: number;
  busy: number;
  /** The rules' most sessions per day (2 by default; busy events inside working hours count). */
  perDay: number;
  found: number;
  medianMs: number;
  p99Ms: number;
}

export interface GapSearchFigures {
  runs: number;
  busyEvents: number;
  rows: GapSearchRow[];
}

/** mulberry32: a small seeded generator, [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` busy events over the 60 days after `now`: each on a random day, starting on a quarter
 * hour between 08:00 and 19:00 UTC (around the studio's hours), 30 min to 2 h long, in no order.
 */
export function busyEvents(count: number, now: Date, seed = SEED): Interval[] {
  const random = seeded(seed);
  const dayMs = 86_400_000;
  const firstDay = Math.floor(now.getTime() / dayMs) * dayMs;
  return Array.from({ length: count }, () => {
    const day = firstDay + Math.floor(random() * 60) * dayMs;
    const start = day + 8 * 3_600_000 + Math.floor(random() * 44) * 15 * 60_000;
    const minutes = 30 + Math.floor(random() * 7) * 15;
    return { start: new Date(start), end: new Date(start + minutes * 60_000) };
  });
}

function time(busy: Interval[], count: number, perDay: number): { found: number; sorted: number[] } {
  const rules = { ...defaultAvailability(ZONE), maxSessionsPerDay: perDay };
  const input = { rules, busy, windows: FLEXIBLE, size: { category: "MEDIUM" as const }, now: NOW, count };
  let found = 0;
  for (let i = 0; i < WARM_UP; i++) found = findSlots(input).length;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    findSlots(input);
    times.push(performance.now() - started);
  }
  return { found, sorted: times.sort((a, b) => a - b) };
}

/** The gap search's figures: for N = 5 and 10, with the busy events and with none (the baseline). */
export function benchGapSearch(say: (line: string) => void): GapSearchFigures {
  const busy = busyEvents(BUSY_EVENTS, NOW);
  const rows: GapSearchRow[] = [];
  for (const slots of COUNTS) {
    const perDay = defaultAvailability(ZONE).maxSessionsPerDay;
    // The default cap, then the cap lifted so every day's start times meet the busy-time check.
    for (const [events, cap] of [[busy, perDay], [busy, LIFTED_CAP], [[], perDay]] as const) {
      say(`gap search: N=${slots}, ${events.length} busy events, at most ${cap} a day, ${RUNS} runs…`);
      const { found, sorted } = time([...events], slots, cap);
      rows.push({ slots, busy: events.length, perDay: cap, found, medianMs: percentile(sorted, 50), p99Ms: percentile(sorted, 99) });
    }
  }
  return { runs: RUNS, busyEvents: BUSY_EVENTS, rows };
}

const ms = (v: number) => `${v.toFixed(3)} ms`;

/** The gap search section of BENCHMARKS.md. */
export function renderGapSearch(f: GapSearchFigures): string {
  const lines = [
    "### Gap search: `findSlots` over 60 days",
    "",
    `The default rules (${ZONE}, Mon–Fri 10–18, Sat 10–16, 30 min buffer, 48 h notice, 60-day horizon), a MEDIUM (4 h) session, flexible client windows, \`now\` fixed at ${NOW.toISOString()} (the horizon crosses the March DST change). ${f.busyEvents} busy events from a seeded generator (the same every run: random days of the horizon, 30 min–2 h, starting 08:00–19:00 UTC, unsorted). ${f.runs} timed runs each after 20 warm-up runs, in the bench's Node process (${process.version}); the baseline is the same search with no busy time, measured in the same run.`,
    "",
    "| slots asked | busy events | sessions a day at most | slots found | median | p99 | × baseline (median / p99) |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const row of f.rows) {
    const base = f.rows.find((r) => r.slots === row.slots && r.busy === 0);
    const vs = row.busy > 0 && base ? `${(row.medianMs / base.medianMs).toFixed(2)}× / ${(row.p99Ms / base.p99Ms).toFixed(2)}×` : "baseline";
    lines.push(`| ${row.slots} | ${row.busy} | ${row.perDay} | ${row.found} | ${ms(row.medianMs)} | ${ms(row.p99Ms)} | ${vs} |`);
  }
  const capped = f.rows.find((r) => r.busy > 0 && r.perDay === defaultAvailability(ZONE).maxSessionsPerDay);
  lines.push(
    "",
    `${f.busyEvents} events in 60 days is about 8 a day, most inside working hours, and the rules count a busy event inside working hours towards the day's sessions: with the default cap (${capped?.perDay ?? 2}) nearly every day is full and skipped before its start times are built, which is why that search is cheaper than the empty calendar and finds only ${capped?.found ?? "?"} slot(s). The row with the cap lifted (${LIFTED_CAP}) puts every day's start times through the busy-time check (merged busy time, binary search per candidate): that is the cost of the busy time itself.`,
  );
  return lines.join("\n");
}
