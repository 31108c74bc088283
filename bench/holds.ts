/**
 * The holds phase of `npm run bench` (issue 15): holds per second for one artist through its
 * ArtistCalendar Durable Object (durable-objects/artist-calendar.ts), with Postgres's exclusion
 * constraint `bookings_no_overlap` (migrations/0012_bookings.sql) behind it.
 *
 * Durable Object RPC is not reachable from Node, so the phase posts to `/_bench/holds` (BENCH_MODE
 * only, src/routes/bench.ts), which creates the leads and then times the object's `hold()` calls
 * inside the Worker: distinct non-overlapping slots one at a time, the same all at once, and K
 * clients racing for one slot (exactly one may win). Beside them, the same-run baseline through the
 * same route: as many BenchProbe `SELECT 1` RPCs (a DO RPC plus one database round trip, the least
 * a hold can cost), one at a time and all at once.
 *
 * The bench stack configures the calendar (GOOGLE_* vars, the Google emulator), so every hold also
 * asks the emulator's freeBusy for its slot first, and each refused racer asks it over the whole
 * horizon for alternatives: the figures include those calls, as production's would.
 */
import type { RunningStack } from "../dev/stack.ts";
import { defaultAvailability } from "../src/domain/availability.ts";
import type { HoldsResult } from "../src/lib/bench-holds.ts";
import type { PgClient } from "./db.ts";
import { summarize, type LatencySummary } from "./stats.ts";

export const HOLD_MARKERS = {
  begin: "<!-- holds:begin (written by `npm run bench`; edit outside the markers) -->",
  end: "<!-- holds:end -->",
};

/** Holds per measured series (each its own lead and slot). */
const HOLDS = 200;
/** Clients racing for one slot. */
const RACERS = 20;
const WARM_UP = 5;
const DAY = 86_400_000;

export interface HoldSeries {
  label: string;
  concurrent: boolean;
  count: number;
  held: number;
  totalMs: number;
  perSecond: number;
  call: LatencySummary;
  refused: Record<string, number>;
  errors: number;
}

export interface HoldFigures {
  /** Pairs in order: baseline then holds, one at a time and all at once. */
  series: { baseline: HoldSeries; holds: HoldSeries }[];
  race: { racers: number; held: number; refused: Record<string, number>; totalMs: number; rows: number };
  bookings: number;
  problems: string[];
}

async function post(stack: RunningStack, body: Record<string, unknown>): Promise<HoldsResult> {
  const res = await fetch(`${stack.urls.worker}/_bench/holds`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/_bench/holds answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as HoldsResult;
}

function seriesOf(label: string, r: HoldsResult): HoldSeries {
  return {
    label,
    concurrent: r.concurrent,
    count: r.count,
    held: r.held,
    totalMs: r.totalMs,
    perSecond: r.totalMs > 0 ? (r.count * 1000) / r.totalMs : Number.NaN,
    call: summarize(r.callMs),
    refused: r.refused,
    errors: r.errors.length,
  };
}

export async function benchHolds(stack: RunningStack, pg: PgClient, say: (line: string) => void): Promise<HoldFigures> {
  const handle = `bench-holds-${Date.now()}`;
  const created = await pg.query<{ id: string }>("INSERT INTO artists (handle, name, time_zone, availability) VALUES ($1, 'Bench artist', 'Europe/London', $2) RETURNING id", [
    handle,
    JSON.stringify(defaultAvailability("Europe/London")),
  ]);
  const artist = created.rows[0]?.id;
  if (!artist) throw new Error("holds: no artist row");
  // Each series in its own stretch of time, far from the others (a slot every 6 h).
  const base = Math.ceil(Date.now() / DAY) * DAY + 7 * DAY + 9 * 3_600_000;
  const stretch = (k: number) => new Date(base + k * 60 * DAY).toISOString();
  const problems: string[] = [];

  say(`holds: warming up the artist's object and the baseline probe (${WARM_UP} each)…`);
  await post(stack, { artist, mode: "distinct", count: WARM_UP, from: stretch(0) });
  await post(stack, { artist, mode: "probe", count: WARM_UP });

  const series: HoldFigures["series"] = [];
  let k = 1;
  for (const concurrent of [false, true]) {
    const how = concurrent ? "all at once" : "one at a time";
    say(`holds: ${HOLDS} baseline RPCs and ${HOLDS} holds on distinct slots, ${how}…`);
    const baseline = seriesOf(`baseline: BenchProbe \`SELECT 1\` RPC, ${how}`, await post(stack, { artist, mode: "probe", count: HOLDS, concurrent }));
    const holds = seriesOf(`**holds**, distinct slots, ${how}`, await post(stack, { artist, mode: "distinct", count: HOLDS, concurrent, from: stretch(k++) }));
    if (holds.held !== HOLDS) problems.push(`${how}: ${holds.held} of ${HOLDS} distinct holds succeeded (${JSON.stringify(holds.refused)}, ${holds.errors} error(s))`);
    if (baseline.errors > 0) problems.push(`${how}: ${baseline.errors} baseline RPC(s) failed`);
    series.push({ baseline, holds });
  }

  say(`holds: ${RACERS} clients racing for one slot…`);
  const slot = stretch(k++);
  const raced = await post(stack, { artist, mode: "race", count: RACERS, concurrent: true, from: slot });
  const rows = Number(
    (await pg.query<{ n: string }>("SELECT count(*)::text AS n FROM bookings WHERE artist_id = $1 AND starts_at = $2 AND status IN ('HELD', 'CONFIRMED')", [artist, slot])).rows[0]?.n ?? 0,
  );
  if (raced.held !== 1 || rows !== 1) problems.push(`race: ${raced.held} hold(s) answered and ${rows} blocking row(s) for ${RACERS} racers (expected 1 and 1)`);
  if (raced.errors.length > 0) problems.push(`race: ${raced.errors.length} call(s) failed: ${raced.errors[0] ?? ""}`);
  const bookings = Number(
    (await pg.query<{ n: string }>("SELECT count(*)::text AS n FROM bookings WHERE artist_id = $1 AND status = 'HELD'", [artist])).rows[0]?.n ?? 0,
  );
  const expected = WARM_UP + 2 * HOLDS + 1;
  if (bookings !== expected) problems.push(`${bookings} HELD rows for the artist, expected ${expected}`);
  return { series, race: { racers: RACERS, held: raced.held, refused: raced.refused, totalMs: raced.totalMs, rows }, bookings, problems };
}

const n1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "n/a");
const n0 = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : "n/a");

/** The holds section of BENCHMARKS.md. */
export function renderHolds(f: HoldFigures): string {
  const lines = [
    "### Holds per second for one artist (its ArtistCalendar object, the exclusion constraint behind it)",
    "",
    `Through \`/_bench/holds\` (BENCH_MODE): the Worker creates the leads, then times \`artistCalendar(env, artist).hold(…)\` calls inside the Worker (RPC in → answer out). Distinct slots are MEDIUM sessions 6 h apart (never overlapping with the 30 min buffer). Every hold runs in the object's own queue: the artist read, a freeBusy call to the **Google emulator** for the slot (the bench stack configures the calendar, so every hold makes one, as production would), and one Postgres transaction that inserts the HELD row under \`bookings_no_overlap\`. The baseline, measured in the same run through the same route, is as many BenchProbe \`SELECT 1\` RPCs (a DO RPC plus one database round trip).`,
    "",
    "| series | calls | total | per second | p50 ms | p95 ms | p99 ms | held | ratio p50 / per second |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const { baseline, holds } of f.series) {
    for (const s of [baseline, holds]) {
      const vs = s === holds ? `${(holds.call.p50 / baseline.call.p50).toFixed(2)}× / ${(holds.perSecond / baseline.perSecond).toFixed(2)}×` : "";
      lines.push(`| ${s.label} | ${s.count} | ${(s.totalMs / 1000).toFixed(2)} s | ${n1(s.perSecond)} | ${n0(s.call.p50)} | ${n0(s.call.p95)} | ${n0(s.call.p99)} | ${s === holds ? s.held : ""} | ${vs} |`);
    }
  }
  const [one, all] = f.series;
  const refused = Object.entries(f.race.refused)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(", ");
  lines.push(
    "",
    `Holds per second: **${n1(one?.holds.perSecond ?? Number.NaN)}/s one at a time, ${n1(all?.holds.perSecond ?? Number.NaN)}/s all at once** (the object's queue runs the holds one by one either way; all at once, the RPC hops into and out of the object and the Worker's own work overlap the queue's, so the rate is higher while each call's time is mostly its wait in the queue).`,
    "",
    `- ${f.race.held === 1 && f.race.rows === 1 ? "✅" : "❌"} ${f.race.racers} clients racing for one slot: **${f.race.held} hold of ${f.race.racers}**, ${f.race.rows} blocking row in Postgres; the others ${refused || "none"} (each refusal computes its alternatives: blocked time from Postgres, a freeBusy over the 60-day horizon, the gap search), all ${f.race.racers} answered in ${n0(f.race.totalMs)} ms`,
    `- ${f.problems.length === 0 ? "✅" : "❌"} ${f.bookings} HELD rows for the bench artist, one per successful hold${f.problems.length > 0 ? `; ${f.problems.join("; ")}` : ""}`,
  );
  return lines.join("\n");
}
