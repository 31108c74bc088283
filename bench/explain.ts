/**
 * Why a missed target was missed and what would close it, with this run's numbers, for
 * BENCHMARKS.md. The reasoning follows the code: the webhook path is routes/webhooks/whatsapp.ts →
 * LeadConversation.receive(); the reply path is the drain loop → LeadSession.handleClientMessage()
 * → applyDecision() (src/db/lead-store.ts: one statement with the processed marker, the lead
 * update, answers, outbox, events and the earlier replies' SENT marks) → Graph send; the SENT
 * marks left over are written in one batch when the object goes idle. Pure.
 */
import type { BenchFigures, TargetResult } from "./report.ts";

const n = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

function statementCalls(f: BenchFigures, pattern: RegExp): number {
  return f.db.topStatements.filter((s) => pattern.test(s.query)).reduce((sum, s) => sum + s.perMessage, 0);
}

/** CPU per message of every part of the local stack together, ms. */
function totalCpu(f: BenchFigures): number {
  const c = f.cpu.perMessage;
  return c.workerd + c.devProxy + c.postgres + c.orchestrator + c.driver + c.wrangler;
}

const EXPLANATIONS: Record<string, (f: BenchFigures) => string> = {
  "Webhook ack p99": (f) =>
    `The ack path is the Worker (HMAC of the raw body, zod) → one DO RPC → SQLite insert plus a watchdog alarm read and write; ` +
    `it costs ${n(f.cpu.perProbe.doWrite.workerd, 2)} ms of runtime CPU as a bare DO write and queues behind the drains on the same runtime thread. ` +
    `Closing it: keep the watchdog alarm time in memory (no getAlarm per webhook) and take drain work off the ack's thread (below).`,
  "Reply p50": (f) =>
    `Between ack and reply the drain makes ${n(f.db.roundTripsPerMessage)} Postgres round trips per message (the decision's one statement, ` +
    `the batch of SENT marks when the object goes idle, the lead's first load) and one Graph call. The work is small; the wait is not: ` +
    `every await resumes behind other objects' work on the one runtime thread, so one round trip costs ${n(f.quiet.baselines.dbRoundTrip.p50)} ms quiet ` +
    `but ${n(f.loaded.baselines.dbRoundTrip.p50)} ms under this load. Quiet, the reply is ${n(f.quiet.reply.p50)} ms against a ` +
    `${n(f.quiet.baselines.doWrite.p50 + f.quiet.baselines.dbRoundTrip.p50)} ms baseline, which leaves out the Graph call the reply includes. ` +
    `Closing it: the runtime thread, not Inkline's path (see throughput).`,
  "DB round trips per inbound message": (f) =>
    `${n(statementCalls(f, /^with sent as/i), 2)} decision statements and ${n(statementCalls(f, /^update "outbox_messages"/i), 2)} SENT-mark batches ` +
    `per message, plus loads when an object starts. Closing it: carry the SENT marks into the next decision only, flushing them on a timer ` +
    `instead of whenever the object goes idle.`,
  "Sustained throughput, zero loss": (f) =>
    `Locally workerd runs the Worker and every Durable Object in one isolate on one thread: ${n(f.cpu.perMessage.workerd, 2)} ms of its CPU per ` +
    `message caps it near ${n(1000 / f.cpu.perMessage.workerd, 0)} msg/s, and it was ${n(f.cpu.runtimeBusyP90 * 100, 0)}% busy in its busiest seconds ` +
    `while the bench's processes together used ${n(f.cpu.coresBusy, 2)} of ${f.machine.cores} cores (Postgres: ${n(f.cpu.perMessage.postgres, 2)} ms per message). ` +
    `All parts together spend ${n(totalCpu(f), 2)} ms of CPU per message, so ${f.machine.cores} cores top out near ` +
    `${n((1000 * f.machine.cores) / totalCpu(f), 0)} msg/s even when perfectly shared. More concurrency only adds latency. ` +
    `Closing it: in production Durable Objects spread over isolates and machines, so per-number throughput (burst: ${n(f.burst.perSecond, 0)} msg/s ` +
    `into one object) and database work bound it; locally, several workerd processes sharded by number would use the second core, and ` +
    `running the Worker under Miniflare directly would drop wrangler's dev proxy (${n(f.cpu.perMessage.devProxy, 2)} ms per message).`,
};

/** A sentence or three for a missed target; empty for one we have no explanation for. */
export function explainMiss(target: TargetResult, f: BenchFigures): string {
  return EXPLANATIONS[target.name]?.(f) ?? "";
}
