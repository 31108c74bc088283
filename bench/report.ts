/**
 * The bench report: the measured figures as one plain object, the issue's targets judged against
 * them, and the Markdown that is printed and written into BENCHMARKS.md. Pure: no I/O, no clock.
 */
import type { CpuSnapshot, MachineInfo } from "./proc.ts";
import type { ProbeName } from "./protocol.ts";
import { ratio, type LatencySummary } from "./stats.ts";

export interface Baselines {
  /** GET /health: a bare Worker route. */
  health: LatencySummary;
  /** GET /_bench/do-write: Worker -> DO RPC -> one SQLite row. */
  doWrite: LatencySummary;
  /** GET /_bench/db-select: Worker -> DO -> `SELECT 1` over the DO's kept pool. */
  dbSelect: LatencySummary;
  /** The `SELECT 1` alone, timed inside the DO: one database round trip. */
  dbRoundTrip: LatencySummary;
}

export interface LatencyPhase {
  ack: LatencySummary;
  reply: LatencySummary;
  baselines: Baselines;
}

export interface StatementShare {
  query: string;
  perMessage: number;
}


export interface BenchFigures {
  machine: MachineInfo;
  run: {
    numbers: number;
    concurrency: number;
    messagesPerConsultation: number;
    clientRepliesPerConsultation: number;
    artistMessagesPerConsultation: number;
    /** Where every consultation ended (the calibration run's lead; all others must match). */
    finalStatus: string;
    answersPerConsultation: number;
    /** Whole bench, start to stop, seconds. */
    totalSeconds: number;
  };
  quiet: LatencyPhase;
  loaded: LatencyPhase & { messages: number; windowMs: number; throughput: number };
  burst: { messages: number; ack: LatencySummary; drainMs: number; perSecond: number };
  db: {
    /** WebSocket frames from the driver per inbound message (each frame is one flight to Postgres). */
    roundTripsPerMessage: number;
    /** null when pg_stat_statements could not be enabled. */
    statementsPerMessage: number | null;
    transactionsPerMessage: number | null;
    connectionsPerMessage: number;
    peakOpenConnections: number;
    topStatements: StatementShare[];
  };
  /** Postgres rows and bytes (with indexes) per consultation, from the whole run's tables. */
  storage: { rowsPerConversation: number; bytesPerConversation: number };
  subrequests: { graphPerMessage: number; dbConnectionsPerMessage: number; doCallsPerMessage: number };
  memory: {
    /** workerd's resident set just before the sustained phase, and its peak (VmHWM) by the end. */
    runtimeBeforeMb: number | null;
    runtimePeakMb: number | null;
    proxyPeakMb: number | null;
    /** Peak growth per number served in the sustained phase (one LeadConversation each). */
    perNumberKb: number | null;
  };
  cpu: {
    /** CPU per inbound message by part, ms (the sustained phase, its background probes subtracted). */
    perMessage: CpuSnapshot;
    /** CPU per baseline request by part, ms (quiet phase). */
    perProbe: Record<ProbeName, CpuSnapshot>;
    /** CPU seconds per wall second over the sustained phase: all parts, and the Worker runtime alone. */
    coresBusy: number;
    runtimeBusy: number;
    /** The runtime's busiest seconds: the 90th percentile of its per-second CPU share. */
    runtimeBusyP90: number;
    /** Cores kept busy by processes outside the bench during the sustained phase (noise on a shared machine). */
    othersBusy: number;
  };
  integrity: {
    conversations: number;
    messages: number;
    expectedClientReplies: number;
    clientReplies: number;
    artistExpected: number;
    artistReplies: number;
    doubledSends: number;
    rejectedSends: number;
    /** Graph error codes of the rejected calls, e.g. "131047×160". */
    rejectedCodes: string;
    problems: string[];
  };
}

export interface TargetResult {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

/** Irreducible database round trips for one inbound message: one statement that commits everything. */
export const IRREDUCIBLE_DB_ROUND_TRIPS = 1;

const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const ms = (value: number): string => (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value.toFixed(1)) : "n/a");
const x = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "n/a");

/** The reply baseline: one DO write plus the irreducible database round trips (p50s). */
export function replyBaselineMs(baselines: Baselines): number {
  return baselines.doWrite.p50 + IRREDUCIBLE_DB_ROUND_TRIPS * baselines.dbRoundTrip.p50;
}

/** The issue's four targets, judged on the sustained phase (load and baselines measured together). */
export function judgeTargets(f: BenchFigures): TargetResult[] {
  const { loaded } = f;
  const ackRatio = ratio(loaded.ack.p99, loaded.baselines.doWrite.p99);
  const replyBase = replyBaselineMs(loaded.baselines);
  const replyRatio = ratio(loaded.reply.p50, replyBase);
  const lossless = f.integrity.problems.length === 0;
  return [
    {
      name: "Webhook ack p99",
      target: "≤ 2× DO-write baseline p99",
      measured: `${ms(loaded.ack.p99)} ms vs ${ms(loaded.baselines.doWrite.p99)} ms = ${x(ackRatio)}`,
      met: ackRatio <= 2,
    },
    {
      name: "Reply p50",
      target: `≤ 1.5× (DO write + ${IRREDUCIBLE_DB_ROUND_TRIPS} DB round trip)`,
      measured: `${ms(loaded.reply.p50)} ms vs ${ms(replyBase)} ms = ${x(replyRatio)}`,
      met: replyRatio <= 1.5,
    },
    {
      name: "DB round trips per inbound message",
      target: "≤ 3",
      measured: fmt(f.db.roundTripsPerMessage),
      met: f.db.roundTripsPerMessage <= 3,
    },
    {
      name: "Sustained throughput, zero loss",
      target: "≥ 300 msg/s on 2 cores",
      measured: `${fmt(loaded.throughput)} msg/s on ${f.machine.cores} cores, ${lossless ? "zero loss" : "LOSS/DUPLICATION"}`,
      met: loaded.throughput >= 300 && lossless,
    },
  ];
}

function latencyRow(label: string, s: LatencySummary, base?: LatencySummary): string {
  const ratios = base ? `${x(ratio(s.p50, base.p50))} / ${x(ratio(s.p99, base.p99))}` : "";
  return `| ${label} | ${s.count} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} | ${ratios} |`;
}

function latencyTable(phase: LatencyPhase, replyBase: LatencySummary): string[] {
  const b = phase.baselines;
  return [
    "| series | n | p50 ms | p95 ms | p99 ms | max ms | ratio p50 / p99 |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    latencyRow("**Webhook ack** (POST → 200) vs DO write", phase.ack, b.doWrite),
    latencyRow("**Reply** (POST → Graph emulator) vs DO write + 1 DB RT", phase.reply, replyBase),
    latencyRow("baseline: bare route GET /health", b.health),
    latencyRow("baseline: DO RPC writing one row", b.doWrite),
    latencyRow("baseline: `SELECT 1` from a DO (HTTP → 200)", b.dbSelect),
    latencyRow("baseline: one DB round trip (inside the DO)", b.dbRoundTrip),
  ];
}

/** A summary-shaped stand-in for "DO write + 1 DB round trip", for the ratio column. */
function replyBaseline(b: Baselines): LatencySummary {
  const add = (k: "p50" | "p95" | "p99" | "max" | "mean") => b.doWrite[k] + IRREDUCIBLE_DB_ROUND_TRIPS * b.dbRoundTrip[k];
  return { count: 0, p50: add("p50"), p95: add("p95"), p99: add("p99"), max: add("max"), mean: add("mean") };
}

/** The measured section of BENCHMARKS.md (also printed). `explain` adds why/what-closes-it per missed target. */
export function renderReport(f: BenchFigures, explain: (t: TargetResult) => string = () => ""): string {
  const targets = judgeTargets(f);
  const m = f.machine;
  const i = f.integrity;
  const lines = [
    `Measured ${m.date} on ${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, ${m.os}; Node ${m.node}, workerd ${m.workerd}, wrangler ${m.wrangler}.`,
    `Load: ${f.run.numbers} numbers × ${f.run.messagesPerConsultation} messages (a full consultation each), ${f.run.concurrency} at a time; ` +
      `each message is sent once the previous one's replies reached the Graph emulator. Every consultation ends in ${f.run.finalStatus} ` +
      `with ${f.run.answersPerConsultation} answers stored. Whole run ${fmt(f.run.totalSeconds, 0)} s.`,
    "",
    "### Targets",
    "",
    "| target | goal | measured | met |",
    "| --- | --- | --- | --- |",
    ...targets.map((t) => `| ${t.name} | ${t.target} | ${t.measured} | ${t.met ? "✅ met" : "❌ missed"} |`),
    "",
    ...targets.filter((t) => !t.met).flatMap((t) => {
      const why = explain(t);
      return why ? [`- **${t.name} missed.** ${why}`] : [];
    }),
    "",
    `### Sustained load (${f.run.concurrency} concurrent conversations; baselines sampled during the same load)`,
    "",
    ...latencyTable(f.loaded, replyBaseline(f.loaded.baselines)),
    "",
    `Throughput: **${fmt(f.loaded.throughput)} inbound messages/s** (${f.loaded.messages} messages in ${fmt(f.loaded.windowMs / 1000, 2)} s, first POST to last reply).`,
    "",
    "### Quiet (one conversation at a time; baselines one request at a time)",
    "",
    ...latencyTable(f.quiet, replyBaseline(f.quiet.baselines)),
    "",
    `### Burst: ${f.burst.messages} messages to one number at once`,
    "",
    `Acks p50 ${ms(f.burst.ack.p50)} ms, p99 ${ms(f.burst.ack.p99)} ms; all ${f.burst.messages} processed in order by the number's Durable Object in ` +
      `${ms(f.burst.drainMs)} ms (${fmt(f.burst.perSecond)} msg/s for one number).`,
    "",
    "### Work per inbound message (sustained phase)",
    "",
    "| measure | per message | how |",
    "| --- | ---: | --- |",
    `| Postgres round trips | ${fmt(f.db.roundTripsPerMessage, 2)} | WebSocket frames from the driver at the proxy (probe traffic subtracted) |`,
    `| SQL statements | ${f.db.statementsPerMessage === null ? "n/a" : fmt(f.db.statementsPerMessage, 2)} | pg_stat_statements calls, incl. BEGIN/COMMIT |`,
    `| transactions (COMMIT) | ${f.db.transactionsPerMessage === null ? "n/a" : fmt(f.db.transactionsPerMessage, 2)} | pg_stat_statements |`,
    `| DB connections opened | ${fmt(f.db.connectionsPerMessage, 3)} | proxy; peak open at once: ${f.db.peakOpenConnections} |`,
    `| Worker subrequests: Graph API calls | ${fmt(f.subrequests.graphPerMessage, 2)} | emulator (accepted + rejected) |`,
    `| Worker subrequests: DB WebSockets | ${fmt(f.subrequests.dbConnectionsPerMessage, 3)} | proxy connections opened |`,
    `| Durable Object calls | ${fmt(f.subrequests.doCallsPerMessage, 2)} | one \`receive()\` per webhook (one number per POST) |`,
    "",
    ...cpuTable(f),
    "",
    `Over the sustained phase all parts together kept ${fmt(f.cpu.coresBusy, 2)} of ${m.cores} cores busy ` +
      `(other processes on the machine meanwhile: ${fmt(f.cpu.othersBusy, 2)} cores); the workerd that runs ` +
      `the Worker and every Durable Object used ${fmt(f.cpu.runtimeBusy * 100, 0)}% of one core on average and ${fmt(f.cpu.runtimeBusyP90 * 100, 0)}% ` +
      `in its busiest seconds (p90 of per-second samples; locally it runs them all in one isolate, on one thread). ` +
      `Peak memory (VmHWM): workerd runtime ${mb(f.memory.runtimePeakMb)} (${mb(f.memory.runtimeBeforeMb)} before the load, ` +
      `≈ ${f.memory.perNumberKb === null ? "n/a" : fmt(f.memory.perNumberKb, 0)} KB more per number served), wrangler's dev proxy ${mb(f.memory.proxyPeakMb)}.`,
    "",
    ...(f.db.topStatements.length > 0
      ? [
          "Statements per inbound message (pg_stat_statements):",
          "",
          "| calls / message | statement |",
          "| ---: | --- |",
          ...f.db.topStatements.map((s) => `| ${fmt(s.perMessage, 2)} | \`${truncate(s.query, 110).replace(/\|/g, "\\|")}\` |`),
          "",
        ]
      : []),
    "### Integrity",
    "",
    `${i.conversations} consultations, ${i.messages} inbound messages: ${i.clientReplies}/${i.expectedClientReplies} client replies, ` +
      `${i.artistReplies}/${i.artistExpected} artist messages, ${i.doubledSends} doubled sends, ${i.rejectedSends} rejected Graph calls` +
      `${i.rejectedCodes ? ` (codes ${i.rejectedCodes}${i.rejectedCodes.includes("131047") ? "; 131047 = outside the 24-hour window, answered by the template fallback" : ""})` : ""}. ` +
      (i.problems.length === 0 ? "**No loss, no duplication.**" : `**${i.problems.length} problem(s):** ${i.problems.slice(0, 5).join("; ")}`),
  ];
  return lines.join("\n");
}

const mb = (value: number | null): string => (value === null || !Number.isFinite(value) ? "n/a" : `${value.toFixed(0)} MB`);

function cpuRow(label: string, c: CpuSnapshot): string {
  const total = c.workerd + c.devProxy + c.postgres + c.orchestrator + c.driver + c.wrangler;
  return `| ${label} | ${fmt(c.workerd, 2)} | ${fmt(c.devProxy, 2)} | ${fmt(c.postgres, 2)} | ${fmt(c.orchestrator, 2)} | ${fmt(c.driver + c.wrangler, 2)} | ${fmt(total, 2)} |`;
}

/** CPU ms per unit of work, by process (from /proc utime+stime). */
function cpuTable(f: BenchFigures): string[] {
  return [
    "CPU per unit of work, ms (/proc utime+stime; the driver and wrangler's Node process are the load side):",
    "",
    "| work | workerd (Worker + DOs) | wrangler dev proxy | Postgres | emulator + WS proxy | driver + wrangler | total |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    cpuRow("one inbound message (sustained)", f.cpu.perMessage),
    cpuRow("baseline: GET /health", f.cpu.perProbe.health),
    cpuRow("baseline: DO write", f.cpu.perProbe.doWrite),
    cpuRow("baseline: SELECT 1 from a DO", f.cpu.perProbe.dbSelect),
  ];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const BEGIN_MARKER = "<!-- bench:begin (written by `npm run bench`; edit outside the markers) -->";
export const END_MARKER = "<!-- bench:end -->";

/** The markers around a generated section of BENCHMARKS.md. */
export interface Markers {
  begin: string;
  end: string;
}

/**
 * Puts `section` between the markers of an existing BENCHMARKS.md (keeping everything outside
 * them), or builds a new file with a title when there is none. `npm run chaos` has its own markers.
 */
export function spliceReport(existing: string | null, section: string, markers: Markers = { begin: BEGIN_MARKER, end: END_MARKER }): string {
  const block = `${markers.begin}\n${section}\n${markers.end}`;
  if (existing === null) return `# Benchmarks\n\n${block}\n`;
  const start = existing.indexOf(markers.begin);
  const end = existing.indexOf(markers.end);
  if (start === -1 || end === -1 || end < start) return `${existing.trimEnd()}\n\n${block}\n`;
  return existing.slice(0, start) + block + existing.slice(end + markers.end.length);
}
