/**
 * "Cost at scale": the bench's per-conversation measurements projected onto a month of
 * conversations with Cloudflare Workers Paid and Neon Launch list prices. Every price and every
 * assumption is a named constant below and is printed with the projection. Pure: no I/O.
 */
import type { BenchFigures } from "./report.ts";

/**
 * List prices as we know them (last checked 2025; no internet on the bench machines). Re-check
 * https://developers.cloudflare.com/workers/platform/pricing/,
 * https://developers.cloudflare.com/durable-objects/platform/pricing/ and https://neon.com/pricing.
 */
export const PRICES = {
  asOf: "2025 list prices (recorded 2026-11-21 without internet access; verify before relying on them)",
  workers: { baseMonthly: 5, requestsIncluded: 10e6, perMillionRequests: 0.3, cpuMsIncluded: 30e6, perMillionCpuMs: 0.02 },
  durableObjects: {
    requestsIncluded: 1e6,
    perMillionRequests: 0.15,
    gbSecondsIncluded: 400_000,
    perMillionGbSeconds: 12.5,
    rowsWrittenIncluded: 50e6,
    perMillionRowsWritten: 1.0,
    storedGbIncluded: 5,
  },
  neonLaunch: { perCuHour: 0.14, perGbMonth: 0.35, minimumMonthly: 5, minCu: 0.25 },
} as const;

/** What the bench cannot measure locally, stated once. */
export const ASSUMPTIONS = {
  /** Meta posts sent, delivered and read statuses for every message we send (each a webhook). */
  statusWebhooksPerSend: 3,
  /** Duration billed per inbound message: its processing plus the idle tail while the DO still holds its DB WebSocket (pool idle timeout 10 s) before it may go idle. */
  billedSecondsPerMessage: 20,
  /** Durable Object memory billed: 128 MB. */
  doMemoryGb: 0.128,
  /** SQLite rows written per DO request: inbox insert + index, done-marking update, sent_outbox per reply. */
  doRowsWrittenPerRequest: 4,
  /** Hours a month the Neon endpoint is awake (traffic spread over ~12 h a day keeps it from scaling to zero). */
  neonAwakeHoursPerMonth: 12 * 30,
} as const;

export interface Projection {
  conversationsPerMonth: number;
  perConversation: {
    workerRequests: number;
    workerCpuMs: number;
    doRequests: number;
    doGbSeconds: number;
    graphCalls: number;
    dbRoundTrips: number;
    dbStatements: number | null;
    dbBytes: number;
  };
  monthly: { workers: number; durableObjects: number; neon: number; total: number };
  /** Conversations a month at which each included allowance runs out, smallest first. */
  allowances: { what: string; conversations: number }[];
}

const over = (used: number, included: number) => Math.max(0, used - included);

/** Projects one month of `conversationsPerMonth` consultations. */
export function project(f: BenchFigures, conversationsPerMonth: number): Projection {
  const messages = f.run.messagesPerConsultation;
  const sends = f.run.clientRepliesPerConsultation + f.run.artistMessagesPerConsultation;
  const requests = messages + sends * ASSUMPTIONS.statusWebhooksPerSend;
  const per = {
    workerRequests: requests,
    workerCpuMs: f.cpu.perMessage.workerd * messages,
    doRequests: requests * f.subrequests.doCallsPerMessage,
    doGbSeconds: messages * ASSUMPTIONS.billedSecondsPerMessage * ASSUMPTIONS.doMemoryGb,
    graphCalls: f.subrequests.graphPerMessage * messages,
    dbRoundTrips: f.db.roundTripsPerMessage * messages,
    dbStatements: f.db.statementsPerMessage === null ? null : f.db.statementsPerMessage * messages,
    dbBytes: f.storage.bytesPerConversation,
  };
  const n = conversationsPerMonth;
  const w = PRICES.workers;
  const d = PRICES.durableObjects;
  const neon = PRICES.neonLaunch;
  const workers =
    w.baseMonthly +
    (over(per.workerRequests * n, w.requestsIncluded) / 1e6) * w.perMillionRequests +
    (over(per.workerCpuMs * n, w.cpuMsIncluded) / 1e6) * w.perMillionCpuMs;
  const rowsWritten = per.doRequests * ASSUMPTIONS.doRowsWrittenPerRequest;
  const durableObjects =
    (over(per.doRequests * n, d.requestsIncluded) / 1e6) * d.perMillionRequests +
    (over(per.doGbSeconds * n, d.gbSecondsIncluded) / 1e6) * d.perMillionGbSeconds +
    (over(rowsWritten * n, d.rowsWrittenIncluded) / 1e6) * d.perMillionRowsWritten;
  const storageGb = (per.dbBytes * n * 12) / 1024 ** 3; // a year of conversations kept
  const neonCost = Math.max(neon.minimumMonthly, ASSUMPTIONS.neonAwakeHoursPerMonth * neon.minCu * neon.perCuHour + storageGb * neon.perGbMonth);
  const allowances = [
    { what: "Workers requests (10 M)", conversations: w.requestsIncluded / per.workerRequests },
    { what: "Workers CPU (30 M ms)", conversations: per.workerCpuMs > 0 ? w.cpuMsIncluded / per.workerCpuMs : Infinity },
    { what: "DO requests (1 M)", conversations: d.requestsIncluded / per.doRequests },
    { what: "DO duration (400 k GB-s)", conversations: d.gbSecondsIncluded / per.doGbSeconds },
    { what: "DO rows written (50 M)", conversations: d.rowsWrittenIncluded / rowsWritten },
  ].sort((a, b) => a.conversations - b.conversations);
  return {
    conversationsPerMonth: n,
    perConversation: per,
    monthly: { workers, durableObjects, neon: neonCost, total: workers + durableObjects + neonCost },
    allowances,
  };
}

const usd = (v: number) => `$${v.toFixed(2)}`;
const num = (v: number, digits = 0) => (Number.isFinite(v) ? v.toLocaleString("en-GB", { maximumFractionDigits: digits }) : "n/a");

/** The "Cost at scale" section. */
export function renderCost(f: BenchFigures): string {
  const rows = [10_000, 100_000, 1_000_000].map((n) => project(f, n));
  const base = rows[0];
  if (!base) return "";
  const p = base.perConversation;
  const lowDuration = (f.run.messagesPerConsultation * f.quiet.reply.p50 * ASSUMPTIONS.doMemoryGb) / 1000;
  return [
    "## Cost at scale",
    "",
    `Per consultation (${f.run.messagesPerConsultation} inbound messages, ${f.run.clientRepliesPerConsultation} replies + ${f.run.artistMessagesPerConsultation} artist message(s)), from this run:`,
    "",
    "| item | per consultation | source |",
    "| --- | ---: | --- |",
    `| Worker requests | ${num(p.workerRequests)} | ${f.run.messagesPerConsultation} webhooks + ${ASSUMPTIONS.statusWebhooksPerSend} status webhooks per message sent (assumed; the bench posts none) |`,
    `| Worker CPU | ${num(p.workerCpuMs, 1)} ms | measured CPU of the workerd running the Worker and the DOs (local runtime; production bills the Worker's share) |`,
    `| DO requests | ${num(p.doRequests)} | one \`receive()\` per webhook; alarms only on failure |`,
    `| DO duration | ${num(p.doGbSeconds, 1)} GB-s | ${ASSUMPTIONS.billedSecondsPerMessage} s billed per message × ${ASSUMPTIONS.doMemoryGb * 1000} MB (assumed idle tail while the DB WebSocket is held) |`,
    `| Subrequests: Graph API | ${num(p.graphCalls, 1)} | measured |`,
    `| Postgres round trips / statements | ${num(p.dbRoundTrips, 0)} / ${p.dbStatements === null ? "n/a" : num(p.dbStatements, 0)} | measured |`,
    `| Postgres storage | ${num(p.dbBytes / 1024, 1)} KB | measured (rows: ${num(f.storage.rowsPerConversation, 0)}, with indexes) |`,
    "",
    "| conversations / month | Workers Paid | Durable Objects | Neon Launch | total / month |",
    "| ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${num(r.conversationsPerMonth)} | ${usd(r.monthly.workers)} | ${usd(r.monthly.durableObjects)} | ${usd(r.monthly.neon)} | **${usd(r.monthly.total)}** |`),
    "",
    `Prices (${PRICES.asOf}): Workers Paid $${PRICES.workers.baseMonthly}/month incl. 10 M requests ($${PRICES.workers.perMillionRequests}/M after) and 30 M CPU-ms ($${PRICES.workers.perMillionCpuMs}/M after); ` +
      `Durable Objects 1 M requests ($${PRICES.durableObjects.perMillionRequests}/M after), 400 k GB-s ($${PRICES.durableObjects.perMillionGbSeconds}/M GB-s after), ` +
      `50 M SQLite rows written ($${PRICES.durableObjects.perMillionRowsWritten}/M after), 5 GB stored; ` +
      `Neon Launch $${PRICES.neonLaunch.perCuHour}/CU-hour, $${PRICES.neonLaunch.perGbMonth}/GB-month, $${PRICES.neonLaunch.minimumMonthly} minimum. ` +
      `Assumed: the Neon endpoint at ${PRICES.neonLaunch.minCu} CU awake ${ASSUMPTIONS.neonAwakeHoursPerMonth} h/month, a year of conversations stored, ` +
      `${ASSUMPTIONS.doRowsWrittenPerRequest} DO SQLite rows written per request. Meta's own per-message charges are not included.`,
    "",
    `Sensitivity: DO duration is the assumption that matters. Billing only the processing (quiet reply p50, ` +
      `${num(f.quiet.reply.p50, 0)} ms per message) gives ${num(lowDuration, 2)} GB-s per consultation instead of ${num(p.doGbSeconds, 1)}, ` +
      `and duration stays inside the 400 k GB-s allowance up to ≈ ${num(PRICES.durableObjects.gbSecondsIncluded / lowDuration)} consultations a month.`,
    "",
    `Included allowances run out first at (conversations/month): ${base.allowances
      .slice(0, 3)
      .map((a) => `${a.what} ≈ ${num(a.conversations)}`)
      .join("; ")}.`,
  ].join("\n");
}
