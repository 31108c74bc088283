/**
 * `npm run bench`: starts a throwaway local stack (bench-stack.ts) on free ports and forks the load
 * driver (driver.ts), both through harness.ts, runs the phases below, checks that every message
 * got its replies exactly once (verify.ts), prints the report and writes it into BENCHMARKS.md
 * between its markers.
 *
 *   npm run bench                      500 numbers, 50 at a time (about 2 minutes on 2 cores)
 *   npm run bench -- --quick           50 numbers: a fast check
 *   npm run bench -- --numbers 200 --concurrency 20 --burst 50 --no-write --keep
 *   npm run bench -- --timers-only      only the timer phases (bench/timers.ts)
 *   npm run bench -- --gap-search-only  only the gap search (bench/gap-search.ts; pure, no stack)
 *   npm run bench -- --holds-only       only holds per second for one artist (bench/holds.ts)
 *   npm run bench -- --sheets-only      only the Sheets mirror: 1,000 leads changing 5 times in a minute (bench/sheets.ts)
 *   npm run bench -- --booking-only     only approval → slot list delivered, beside approval without the calendar (bench/booking.ts)
 *   (--…-only flags add up: `--timers-only --holds-only` runs both.)
 *
 * Phases: warm-up + calibration (one consultation, slowly: how many replies each step produces),
 * quiet baselines (one request at a time, CPU per request), quiet conversations, sustained load
 * (baselines sampled alongside), burst; then the gap search (in this process), approval → slot list
 * delivered (beside approval without the calendar), holds per second
 * through one artist's calendar object, and the timers. Exits 1 when a message was lost or doubled; a missed
 * target is reported, not failed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, type RunningStack } from "../dev/stack.ts";
import { CONSULTATION } from "./answers.ts";
import { BENCH_IDENTITY } from "./bench-stack.ts";
import { renderCost } from "./cost.ts";
import { connect, enableStatementStats, readFootprint, readLedgers, readOutcomes, readStatementStats, resetStatementStats, type PgClient } from "./db.ts";
import type { DriverClient } from "./driver-client.ts";
import { explainMiss } from "./explain.ts";
import { benchGapSearch, GAP_SEARCH_MARKERS, renderGapSearch } from "./gap-search.ts";
import { benchFreedSlots, FREED_MARKERS, renderFreedSlots } from "./freed-slots.ts";
import { benchBooking, BOOKING_MARKERS, renderBooking } from "./booking.ts";
import { benchHolds, HOLD_MARKERS, renderHolds } from "./holds.ts";
import { benchSheets, renderSheets, SHEETS_BENCH_VARS, SHEETS_MARKERS } from "./sheets.ts";
import { benchTimers, renderTimers, TIMER_MARKERS } from "./timers.ts";
import { exitWith, phoneBlock, sleep, withBenchRun } from "./harness.ts";
import { cpuDelta, cpuMinus, cpuPer, cpuSnapshot, cpuSum, findWorkerd, machineBusyMs, machineInfo, processCpuMs, readMemory, type CpuSnapshot } from "./proc.ts";
import { PROBES, type ProbeName, type ProbeSamples } from "./protocol.ts";
import { renderReport, spliceReport, type Baselines, type BenchFigures } from "./report.ts";
import { percentile, ratePerSecond, summarize } from "./stats.ts";
import { verifyRun } from "./verify.ts";

const { values: args } = parseArgs({
  options: {
    numbers: { type: "string", default: "500" },
    concurrency: { type: "string", default: "50" },
    burst: { type: "string", default: "50" },
    quick: { type: "boolean", default: false },
    /** Only the timer phases (bench/timers.ts): the scan at 10k and 100k leads, timers applied per second. */
    "timers-only": { type: "boolean", default: false },
    /** Only the gap search (bench/gap-search.ts): findSlots over 60 days with 500 busy events, N = 5 and 10, beside no busy time. */
    "gap-search-only": { type: "boolean", default: false },
    /** Only holds per second for one artist through its ArtistCalendar object (bench/holds.ts), and the race for one slot. */
    "holds-only": { type: "boolean", default: false },
    /** Only the Sheets mirror (bench/sheets.ts), on a stack of its own with the mirror on. */
    "sheets-only": { type: "boolean", default: false },
    /** Only approval → slot list delivered (bench/booking.ts), beside approval without the calendar. */
    "booking-only": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

const NUMBERS = args.quick ? 50 : positiveInt("numbers", args.numbers);
const CONCURRENCY = Math.min(NUMBERS, positiveInt("concurrency", args.concurrency));
const BURST = Math.max(CONSULTATION.length, positiveInt("burst", args.burst));
const PROBE_OBJECTS = 8;
const QUIET_PROBES = 150;
const CALIBRATION_NUMBER = "+447700999000";
const BURST_NUMBER = "+447700999001";

const say = (line: string) => console.error(`[bench] ${line}`);

function baselinesOf(samples: ProbeSamples): Baselines {
  return { health: summarize(samples.health), doWrite: summarize(samples.doWrite), dbSelect: summarize(samples.dbSelect), dbRoundTrip: summarize(samples.dbInsideMs) };
}

/** Resolves once the emulator has recorded no new send for `quietMs`. */
async function settleSends(stack: RunningStack, quietMs: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let last = -1; Date.now() < deadline; await sleep(quietMs)) {
    const now = stack.whatsapp.sends().length;
    if (now === last) return;
    last = now;
  }
}

async function waitForBurst(pg: PgClient, phone: string, accepted: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ledger = (await readLedgers(pg, [phone])).get(phone);
    if (ledger && ledger.processed >= accepted && ledger.pending === 0) return;
    await sleep(100);
  }
}

const kbToMb = (kb: number | undefined) => (kb === undefined || !Number.isFinite(kb) ? null : kb / 1024);

async function measure(stack: RunningStack, pg: PgClient, driver: DriverClient, begun: number): Promise<BenchFigures> {
  const wranglerPid = stack.wrangler.pid ?? 0;
  const cpuNow = () => cpuSnapshot(wranglerPid, driver.pid);
  const statements = await enableStatementStats(pg);
  if (!statements) say("pg_stat_statements is unavailable: statement counts will read n/a");
  const workerd = findWorkerd(wranglerPid);
  const runtime = workerd.find((w) => w.role === "runtime");
  const wranglerPkg: unknown = JSON.parse(readFileSync(path.join(ROOT, "node_modules/wrangler/package.json"), "utf8"));
  const version = typeof wranglerPkg === "object" && wranglerPkg !== null && "version" in wranglerPkg ? wranglerPkg.version : undefined;
  const wranglerVersion = typeof version === "string" ? version : "unknown";
  const machine = machineInfo(runtime?.binary, wranglerVersion);

  say("warming up and calibrating (one consultation, slowly)…");
  await driver.run({ kind: "probes", count: 10, objects: PROBE_OBJECTS });
  const artistBefore = stack.whatsapp.sends(BENCH_IDENTITY.artist).length;
  const calibration = await driver.run({ kind: "calibrate", number: CALIBRATION_NUMBER, messages: [...CONSULTATION], quietMs: 400 });
  await settleSends(stack, 400);
  const artistPerConsultation = stack.whatsapp.sends(BENCH_IDENTITY.artist).length - artistBefore;
  const expectedReplies = calibration.repliesPerStep;
  const clientPerConsultation = expectedReplies.reduce((a, b) => a + b, 0);
  const outcome = (await readOutcomes(pg, [CALIBRATION_NUMBER])).get(CALIBRATION_NUMBER);
  if (!outcome) throw new Error("calibration: no lead in Postgres for the calibration number");
  say(`replies per step [${expectedReplies.join(", ")}], +${artistPerConsultation} to the artist; ends in ${outcome.status} with ${outcome.answers} answers`);
  if (expectedReplies.some((n) => n === 0)) say("warning: a step produced no reply; check bench/answers.ts against the questions");

  say("quiet baselines (CPU per request) and quiet conversations…");
  const quietSamples: ProbeSamples = { health: [], doWrite: [], dbSelect: [], dbInsideMs: [], errors: 0 };
  const perProbe = {} as Record<ProbeName, CpuSnapshot>;
  for (const only of PROBES) {
    const before = cpuNow();
    const { samples } = await driver.run({ kind: "probes", count: QUIET_PROBES, objects: PROBE_OBJECTS, only });
    perProbe[only] = cpuPer(cpuDelta(before, cpuNow()), samples[only].length);
    quietSamples[only] = samples[only];
    quietSamples.dbInsideMs.push(...samples.dbInsideMs);
  }
  const quietNumbers = phoneBlock(998000, 8);
  const conversation = { messages: [...CONSULTATION], expectedReplies, probeObjects: PROBE_OBJECTS };
  const quiet = await driver.run({ kind: "conversations", numbers: quietNumbers, concurrency: 1, probeEveryMs: 0, stepTimeoutMs: 20_000, ...conversation });

  say(`sustained load: ${NUMBERS} numbers × ${CONSULTATION.length} messages, ${CONCURRENCY} at a time…`);
  await settleSends(stack, 300);
  if (statements) await resetStatementStats(pg);
  const proxyBefore = { ...stack.proxy.stats };
  const graphBefore = stack.whatsapp.sends().length + stack.whatsapp.rejected().length;
  const memoryBefore = runtime ? readMemory(runtime.pid) : null;
  let peakOpen = stack.proxy.stats.open;
  const sampler = setInterval(() => {
    peakOpen = Math.max(peakOpen, stack.proxy.stats.open);
  }, 50);
  // The runtime's busy share second by second: the averaged figure hides the ramp-up and tail.
  const runtimeSeconds: number[] = [];
  const runtimeCpu = () => (runtime ? processCpuMs(runtime.pid) : Number.NaN);
  let lastRuntimeCpu = runtimeCpu();
  const secondly = setInterval(() => {
    const now = runtimeCpu();
    runtimeSeconds.push((now - lastRuntimeCpu) / 1000);
    lastRuntimeCpu = now;
  }, 1000);
  const cpuBefore = cpuNow();
  const machineBefore = machineBusyMs();
  const cpuFrom = Date.now();
  const loadNumbers = phoneBlock(900100, NUMBERS);
  const loaded = await driver.run({ kind: "conversations", numbers: loadNumbers, concurrency: CONCURRENCY, probeEveryMs: 50, stepTimeoutMs: 30_000, ...conversation });
  const cpuLoad = cpuDelta(cpuBefore, cpuNow());
  const machineLoad = machineBusyMs() - machineBefore;
  const cpuWallMs = Date.now() - cpuFrom;
  clearInterval(sampler);
  clearInterval(secondly);
  await settleSends(stack, 500);
  const stmts = statements ? await readStatementStats(pg) : [];
  const proxyAfter = { ...stack.proxy.stats };
  const graphCalls = stack.whatsapp.sends().length + stack.whatsapp.rejected().length - graphBefore;

  say(`burst: ${BURST} messages to one number at once…`);
  const extra = Array.from({ length: BURST - CONSULTATION.length }, (_, i) => `one more thing (${i + 1})`);
  const burst = await driver.run({ kind: "burst", number: BURST_NUMBER, messages: [...CONSULTATION, ...extra] });
  await waitForBurst(pg, BURST_NUMBER, burst.accepted, 60_000);
  await settleSends(stack, 300);
  const burstLast = Math.max(...stack.whatsapp.sends(BURST_NUMBER).map((s) => Date.parse(s.received_at)));

  say("checking every message and reply…");
  const conversations = [CALIBRATION_NUMBER, ...quietNumbers, ...loadNumbers];
  const integrity = await verifyRun(pg, stack.whatsapp, {
    conversations,
    messagesPerConsultation: CONSULTATION.length,
    clientRepliesPerConsultation: clientPerConsultation,
    artistPerConsultation,
    artist: BENCH_IDENTITY.artist,
    outcome,
    burst: { number: BURST_NUMBER, messages: BURST, accepted: burst.accepted, non200: burst.non200 },
    driverFailures: [...quiet.failures, ...loaded.failures],
  });
  const footprint = await readFootprint(pg);
  const peaks = Object.fromEntries(findWorkerd(wranglerPid).map((w) => [w.role, readMemory(w.pid)?.peakKb]));

  const messages = loaded.messages;
  const windowMs = loaded.lastReplyAt - loaded.startedAt;
  // The sustained phase's CPU less its background probes' (priced from the quiet probe phase).
  const probesCpu = PROBES.reduce((sum, name) => sum + cpuSum(perProbe[name]) * loaded.probes[name].length, 0);
  let cpuMessages = cpuLoad;
  for (const name of PROBES) cpuMessages = cpuMinus(cpuMessages, perProbe[name], loaded.probes[name].length);
  const appStatements = stmts.filter((s) => !/^select \$1$/i.test(s.query)); // the probes' SELECT 1
  const sumCalls = (list: typeof stmts) => list.reduce((n, s) => n + s.calls, 0);
  const dbConnections = (proxyAfter.connections - proxyBefore.connections) / messages;
  const runtimePeak = peaks.runtime;
  return {
    machine,
    run: {
      numbers: NUMBERS,
      concurrency: CONCURRENCY,
      messagesPerConsultation: CONSULTATION.length,
      clientRepliesPerConsultation: clientPerConsultation,
      artistMessagesPerConsultation: artistPerConsultation,
      finalStatus: outcome.status,
      answersPerConsultation: outcome.answers,
      totalSeconds: (Date.now() - begun) / 1000,
    },
    quiet: { ack: summarize(quiet.ack), reply: summarize(quiet.reply), baselines: baselinesOf(quietSamples) },
    loaded: {
      ack: summarize(loaded.ack),
      reply: summarize(loaded.reply),
      baselines: baselinesOf(loaded.probes),
      messages,
      windowMs,
      throughput: ratePerSecond(messages, windowMs),
    },
    burst: { messages: BURST, ack: summarize(burst.ack), drainMs: burstLast - burst.startedAt, perSecond: ratePerSecond(BURST, burstLast - burst.startedAt) },
    db: {
      // Each probe SELECT 1 is one frame on an already open connection.
      roundTripsPerMessage: (proxyAfter.framesIn - proxyBefore.framesIn - loaded.probes.dbSelect.length) / messages,
      statementsPerMessage: statements ? sumCalls(appStatements) / messages : null,
      transactionsPerMessage: statements ? sumCalls(appStatements.filter((s) => /^commit$/i.test(s.query))) / messages : null,
      connectionsPerMessage: dbConnections,
      peakOpenConnections: peakOpen,
      topStatements: appStatements.slice(0, 12).map((s) => ({ query: s.query, perMessage: s.calls / messages })),
    },
    storage: { rowsPerConversation: footprint.rows / (conversations.length + 1), bytesPerConversation: footprint.bytes / (conversations.length + 1) },
    subrequests: { graphPerMessage: graphCalls / messages, dbConnectionsPerMessage: dbConnections, doCallsPerMessage: 1 },
    memory: {
      runtimeBeforeMb: kbToMb(memoryBefore?.rssKb),
      runtimePeakMb: kbToMb(runtimePeak),
      proxyPeakMb: kbToMb(peaks.proxy),
      perNumberKb: runtimePeak !== undefined && memoryBefore ? (runtimePeak - memoryBefore.rssKb) / NUMBERS : null,
    },
    cpu: {
      perMessage: cpuPer(cpuMessages, messages),
      perProbe,
      coresBusy: (cpuSum(cpuLoad) - probesCpu) / cpuWallMs,
      // Everything else the machine ran meanwhile (other users' builds and tests on a shared box).
      othersBusy: (machineLoad - cpuSum(cpuLoad)) / cpuWallMs,
      runtimeBusy: cpuLoad.workerd / cpuWallMs,
      runtimeBusyP90: percentile([...runtimeSeconds].sort((a, b) => a - b), 90),
    },
    integrity,
  };
}

/** Which phases run: all of them, or only those named by `--…-only` flags. */
const ONLY = { timers: args["timers-only"], gapSearch: args["gap-search-only"], holds: args["holds-only"], sheets: args["sheets-only"], booking: args["booking-only"] };
const SOME_ONLY = Object.values(ONLY).some(Boolean);
const RUN = { load: !SOME_ONLY, gapSearch: !SOME_ONLY || ONLY.gapSearch, holds: !SOME_ONLY || ONLY.holds, booking: !SOME_ONLY || ONLY.booking, timers: !SOME_ONLY || ONLY.timers, sheets: !SOME_ONLY || ONLY.sheets };

interface Markers {
  begin: string;
  end: string;
}

/** One measured section of BENCHMARKS.md and whether it failed its checks. */
interface Section {
  markers: Markers | null;
  text: string;
  problems: string[];
}

/** Prints the run's sections, writes each between its markers (a section not measured keeps its old text), returns the exit code. */
function report(sections: Section[]): number {
  console.log(`\n${sections.map((s) => s.text).join("\n\n")}\n`);
  if (!args["no-write"]) {
    const file = path.join(ROOT, "BENCHMARKS.md");
    let next: string | null;
    try {
      next = readFileSync(file, "utf8");
    } catch {
      next = null;
    }
    for (const section of sections) next = section.markers ? spliceReport(next, section.text, section.markers) : spliceReport(next, section.text);
    writeFileSync(file, next ?? "");
    say("written to BENCHMARKS.md");
  }
  const problems = sections.flatMap((s) => s.problems);
  if (problems.length > 0) say(`FAILED: ${problems.length} integrity problem(s), first: ${problems.slice(0, 3).join("; ")}`);
  return problems.length > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  const begun = Date.now();
  const sections: Section[] = [];
  // Pure and in this process: before the stack starts, on a quiet machine.
  if (RUN.gapSearch) {
    const gaps = benchGapSearch(say);
    sections.push({ markers: GAP_SEARCH_MARKERS, text: renderGapSearch(gaps), problems: [] });
    sections.push({ markers: FREED_MARKERS, text: renderFreedSlots(benchFreedSlots(say)), problems: [] });
  }
  // The Sheets mirror on a stack of its own (the mirror on there only), before the others.
  if (RUN.sheets) {
    const code = await withBenchRun({ name: "bench-sheets", say, keep: args.keep, stack: { vars: SHEETS_BENCH_VARS } }, async ({ stack }) => {
      const sheets = await benchSheets(stack, say);
      sections.push({ markers: SHEETS_MARKERS, text: renderSheets(sheets), problems: sheets.problems });
      return 0;
    });
    if (code !== 0) return code;
  }
  if (!RUN.load && !RUN.holds && !RUN.booking && !RUN.timers) return report(sections);
  return withBenchRun({ name: "bench", say, keep: args.keep }, async ({ stack, driver }) => {
    const pg = await connect(stack.urls.postgres);
    const measured: Section[] = [];
    try {
      if (RUN.load) {
        const figures = await measure(stack, pg, driver, begun);
        measured.push({ markers: null, text: `${renderReport(figures, (t) => explainMiss(t, figures))}\n\n${renderCost(figures)}`, problems: figures.integrity.problems });
      }
      if (RUN.booking) {
        const booking = await benchBooking(stack, pg, say);
        measured.push({ markers: BOOKING_MARKERS, text: renderBooking(booking), problems: booking.problems });
      }
      if (RUN.holds) {
        const holds = await benchHolds(stack, pg, say);
        measured.push({ markers: HOLD_MARKERS, text: renderHolds(holds), problems: holds.problems });
      }
      // After the load phases: the 100,000 leads it adds must not weigh on them.
      if (RUN.timers) {
        const timers = await benchTimers(stack, pg, say);
        measured.push({ markers: TIMER_MARKERS, text: renderTimers(timers), problems: timers.apply.problems });
      }
    } finally {
      await pg.end().catch(() => undefined);
    }
    // The load report first, as before; the gap search beside the other issue-15 figure.
    return report([...measured.filter((m) => m.markers === null), ...sections, ...measured.filter((m) => m.markers !== null)]);
  });
}

exitWith(main, say);
