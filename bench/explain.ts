/**
 * Why a missed target was missed and what would close it, with this run's numbers, for
 * BENCHMARKS.md. The reasoning follows the code: the webhook path is routes/webhooks/whatsapp.ts →
 * LeadConversation.receive(); the reply path is the drain loop → LeadSession.handleClientMessage()
 * → applyDecision() (src/db/lead-store.ts: BEGIN, processed marker, lead update, answers, outbox,
 * events, COMMIT, each awaited in turn) → Graph send → markOutboxSent(). Pure.
 */
import { IRREDUCIBLE_DB_ROUND_TRIPS, type BenchFigures, type TargetResult } from "./report.ts";

const n = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

function statementCalls(f: BenchFigures, pattern: RegExp): number {
  return f.db.topStatements.filter((s) => pattern.test(s.query)).reduce((sum, s) => sum + s.perMessage, 0);
}

const EXPLANATIONS: Record<string, (f: BenchFigures) => string> = {
  "Webhook ack p99": (f) =>
    `The ack path is the Worker (HMAC of the raw body, zod) → one DO RPC → SQLite insert plus a watchdog alarm read and write; ` +
    `it costs ${n(f.cpu.perProbe.doWrite.workerd, 2)} ms of runtime CPU as a bare DO write and queues behind the drains on the same runtime thread. ` +
    `Closing it: keep the watchdog alarm time in memory (no getAlarm per webhook) and take drain work off the ack's thread (below).`,
  "Reply p50": (f) =>
    `Between ack and reply the drain makes ${n(f.db.roundTripsPerMessage)} sequential Postgres round trips and one Graph call. One round trip ` +
    `costs ${n(f.quiet.baselines.dbRoundTrip.p50)} ms quiet but ${n(f.loaded.baselines.dbRoundTrip.p50)} ms under this load, because every await ` +
    `resumes behind other objects' work on the one runtime thread; the quiet reply is ${n(f.quiet.reply.p50)} ms against a ` +
    `${n(f.quiet.baselines.doWrite.p50 + f.quiet.baselines.dbRoundTrip.p50)} ms baseline. Closing it: commit the decision in one statement ` +
    `(a data-modifying CTE: processed marker, version-checked lead update, answers, outbox rows) and carry each reply's sent-mark into the next ` +
    `statement, leaving ${IRREDUCIBLE_DB_ROUND_TRIPS} round trip plus the Graph call (which the baseline leaves out) per reply.`,
  "DB round trips per inbound message": (f) =>
    `applyDecision() is an interactive transaction: BEGIN + ${n(statementCalls(f, /^(insert|update) /i) - statementCalls(f, /^update "outbox_messages"/i))} ` +
    `writes + COMMIT, each awaited in turn (the WebSocket Pool does not pipeline), then markOutboxSent() ` +
    `(${n(statementCalls(f, /^update "outbox_messages"/i), 2)} per message) after each Graph send. Closing it: one CTE statement per decision (1 round trip, ` +
    `atomic on its own) and sent-marks folded into the next decision's statement or batched when the inbox is empty: ≈ 1–2 per message. ` +
    `Neon's HTTP \`transaction([...])\` would also make it one round trip, but cannot branch on the version check mid-transaction.`,
  "Sustained throughput, zero loss": (f) =>
    `Locally workerd runs the Worker and every Durable Object in one isolate on one thread: ${n(f.cpu.perMessage.workerd, 2)} ms of its CPU per ` +
    `message caps it near ${n(1000 / f.cpu.perMessage.workerd, 0)} msg/s, and it was ${n(f.cpu.runtimeBusyP90 * 100, 0)}% busy in its busiest seconds ` +
    `while the bench's processes together used ${n(f.cpu.coresBusy, 2)} of ${f.machine.cores} cores (Postgres: ${n(f.cpu.perMessage.postgres, 2)} ms per message). ` +
    `More concurrency only adds latency. Closing it: less runtime CPU per message (the ${n(f.db.roundTripsPerMessage)} round trips each cost ` +
    `query building, protocol parsing and a resume; one statement per decision removes most of them) and, to use both cores locally, ` +
    `several workerd processes sharded by number. In production Durable Objects spread over isolates and machines, so per-number ` +
    `throughput (burst: ${n(f.burst.perSecond, 0)} msg/s into one object) and database work are what bound it.`,
};

/** A sentence or three for a missed target; empty for one we have no explanation for. */
export function explainMiss(target: TargetResult, f: BenchFigures): string {
  return EXPLANATIONS[target.name]?.(f) ?? "";
}
