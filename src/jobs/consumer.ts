/**
 * The queue consumer: the Worker's `queue` entry point for both queues.
 *
 * `inkline-jobs`: each message is validated (messages.ts) and dispatched through an exhaustive
 * table, one kind one handler, and acked or retried on its own, so one bad message never re-runs
 * its batch. A retry waits longer with every attempt (jittered); past the consumer's max_retries the
 * platform moves the message to the dead-letter queue. A message that fails its schema is sent to
 * the dead-letter queue at once (retrying cannot make it valid) and acked.
 *
 * `inkline-jobs-dlq`: every message is recorded in `dead_letters` (once per message id) and a
 * system event; the admin API and the inbox show them and can replay them.
 */
import type { InboxPayload } from "../../durable-objects/inbox.ts";
import { DESK_OBJECT } from "../../durable-objects/artist-desk.ts";
import { sendArtistAlert } from "../adapters/whatsapp/artist-alert.ts";
import { artistNoticeNumber, requireConfig } from "../config.ts";
import { renderCopy } from "../domain/copy.ts";
import { openDatabase, type Database } from "../db/client.ts";
import { recordSystemEvent } from "../db/lead-store.ts";
import { recordDeadLetter } from "../db/timer-store.ts";
import { backoffMs } from "../lib/backoff.ts";
import { PermanentJobError, raiseCalendarFailure, RetryJobLater, writeCalendar } from "./calendar-write.ts";
import { holdDue } from "./hold-due.ts";
import { offerFreedSlot } from "./slot-freed.ts";
import { syncSheet } from "./sheets-sync.ts";
import { createLogger, type Logger } from "../lib/log.ts";
import { DEAD_LETTER_QUEUE, JOBS_QUEUE } from "./names.ts";
import { JobSchema, RejectedJobSchema, type Job, type JobKind, type RejectedJob } from "./messages.ts";

export { DEAD_LETTER_QUEUE, JOBS_QUEUE } from "./names.ts";

/** The first retry waits up to this long; each further attempt doubles it (capped, jittered). */
export const JOB_RETRY_BASE_S = 10;
/** Longest wait before a retry (Queues allow up to 12 hours; a timer should not wait that long). */
export const JOB_RETRY_MAX_S = 900;

/** Seconds before attempt `attempts + 1` of a failed message: jittered, at least one second. */
export function retryDelaySeconds(attempts: number, random: number): number {
  const ms = backoffMs(JOB_RETRY_BASE_S * 1000, Math.max(1, attempts), random);
  return Math.min(JOB_RETRY_MAX_S, Math.max(1, Math.ceil(ms / 1000)));
}

interface JobContext {
  env: Env;
  correlationId: string;
  log: Logger;
}

type Handlers = { [K in JobKind]: (job: Extract<Job, { kind: K }>, ctx: JobContext) => Promise<void> };

/** Every kind of job and what it does: TypeScript refuses a kind without its handler. */
const HANDLERS: Handlers = {
  "lead.timer": async (job, { env, correlationId }) => {
    const item: InboxPayload = {
      type: "lead.timer",
      eventId: `timer:${job.leadId}:${job.timer}:${job.dueAt}:v${job.seen.version}`,
      phone: job.conversation,
      leadId: job.leadId,
      kind: job.timer,
      dueAtMs: Date.parse(job.dueAt),
      nowMs: Date.parse(job.now),
      seen: job.seen,
    };
    await env.LEAD_CONVERSATION.getByName(job.conversation).receive([item], correlationId);
  },
  "deposit.sweep": async (job, { env, correlationId }) => {
    const item: InboxPayload = {
      type: "deposit.sweep",
      eventId: `sweep:${job.sessionId}:${job.now}`,
      phone: job.conversation,
      leadId: job.leadId,
      sessionId: job.sessionId,
      linkExpiresAtMs: Date.parse(job.linkExpiresAt),
    };
    await env.LEAD_CONVERSATION.getByName(job.conversation).receive([item], correlationId);
  },
  "artist.digest": async (job, { env, correlationId, log }) => {
    const outcome = await env.ARTIST_DESK.getByName(DESK_OBJECT).digest(job.now, correlationId);
    log.info("artist.digest", { now: job.now, ...outcome });
  },
  "calendar.write": async (job, { env, log }) => {
    const outcome = await writeCalendar(job.bookingId, env, log, job.correlationId ?? null);
    log.info("calendar.write_done", { booking_id: job.bookingId, outcome });
  },
  "booking.hold_due": async (job, { env, log }) => {
    await holdDue(job.bookingId, new Date(job.now), env, log);
  },
  "booking.slot_freed": async (job, { env, log, correlationId }) => {
    const outcome = await offerFreedSlot(job, env, log, correlationId);
    log.info("booking.slot_freed", { artist_id: job.artistId, starts_at: job.startsAt, ends_at: job.endsAt, now: job.now, outcome });
  },
  "calendar.sync": async (job, { env, log, correlationId }) => {
    const outcome = await env.ARTIST_CALENDAR.getByName(job.artistId).sync(new Date(job.now), correlationId);
    if (!outcome.ok) raiseCalendarFailure(outcome.failure, "calendar sync");
    log.info("calendar.sync_done", { artist_id: job.artistId, ...outcome });
  },
  // A batch's Sheets jobs are run together (consumeJobs); alone, each is a batch of one.
  "sheets.sync": (job, ctx) => runSheets([job], ctx),
  "sheets.flush": (job, ctx) => runSheets([job], ctx),
};

function dispatch(job: Job, ctx: JobContext): Promise<void> {
  // Narrowed per kind by the table's type; the cast only joins the union back up.
  const handler = HANDLERS[job.kind] as (job: Job, ctx: JobContext) => Promise<void>;
  return handler(job, ctx);
}

/** Why a message failed its schema, in one line. */
function schemaReason(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join(".") || "message"}: ${i.message}`)
    .join("; ");
}

type SheetJob = Extract<Job, { kind: "sheets.sync" | "sheets.flush" }>;
const isSheetJob = (job: Job): job is SheetJob => job.kind === "sheets.sync" || job.kind === "sheets.flush";

/** Every Sheets job of a batch is one run of the writer (one `values:batchUpdate` for all the leads). */
async function runSheets(jobs: readonly SheetJob[], { env, log }: JobContext): Promise<void> {
  const leadIds = [...new Set(jobs.flatMap((j) => (j.kind === "sheets.sync" ? [j.leadId] : [])))];
  const flush = jobs.some((j) => j.kind === "sheets.flush");
  const force = jobs.some((j) => j.kind === "sheets.flush" && j.force);
  const outcome = await syncSheet({ leadIds, flush, force }, env, log);
  log.info("sheets.sync_done", { jobs: jobs.length, leads: leadIds.length, ...outcome });
}

/**
 * Runs `run` for `messages` (one job, or a batch's Sheets jobs together) and acks or retries them
 * as one: a permanent failure dead-letters the first message at once (the others are acked: one
 * dead letter says it), anything else retries each after its own backoff, never sooner than the
 * service asked (Retry-After).
 */
async function settle(messages: readonly Message[], job: Job, log: Logger, env: Env, run: () => Promise<void>): Promise<void> {
  try {
    await run();
    for (const message of messages) message.ack();
  } catch (error) {
    // Retrying cannot fix it (Google's 400/404, an id that is not ours): dead-lettered at once.
    const [first] = messages;
    if (error instanceof PermanentJobError && first) {
      const rejected: RejectedJob = { rejected: { reason: `permanent: ${error.message}`.slice(0, 500), body: first.body } };
      try {
        await env.JOBS_DLQ.send(rejected, { contentType: "json" });
        for (const message of messages) message.ack();
        log.error("queue.permanent_failure", { message_id: first.id, kind: job.kind, messages: messages.length, error: error.message });
        return;
      } catch (sendError) {
        log.error("queue.reject_failed", { message_id: first.id, error: sendError });
      }
    }
    const asked = error instanceof RetryJobLater ? (error.delaySeconds ?? 0) : 0;
    for (const message of messages) {
      const delaySeconds = Math.min(JOB_RETRY_MAX_S, Math.max(asked, retryDelaySeconds(message.attempts, Math.random())));
      log.warn("queue.retry", { message_id: message.id, kind: job.kind, attempts: message.attempts, delay_s: delaySeconds, error });
      message.retry({ delaySeconds });
    }
  }
}

async function consumeJobs(batch: MessageBatch, env: Env, log: Logger, correlationId: string): Promise<void> {
  const valid: { message: Message; job: Job }[] = [];
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = JobSchema.safeParse(message.body);
      if (parsed.success) {
        valid.push({ message, job: parsed.data });
        return;
      }
      const reason = `schema: ${schemaReason(parsed.error)}`;
      const rejected: RejectedJob = { rejected: { reason, body: message.body } };
      try {
        await env.JOBS_DLQ.send(rejected, { contentType: "json" });
        message.ack();
        log.warn("queue.rejected", { message_id: message.id, reason });
      } catch (error) {
        log.error("queue.reject_failed", { message_id: message.id, error });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, Math.random()) });
      }
    }),
  );
  const sheets = valid.flatMap(({ message, job }) => (isSheetJob(job) ? [{ message, job }] : []));
  const [firstSheet] = sheets;
  await Promise.all([
    ...valid
      .filter(({ job }) => !isSheetJob(job))
      .map(({ message, job }) => settle([message], job, log, env, () => dispatch(job, { env, correlationId: job.correlationId ?? correlationId, log }))),
    ...(firstSheet
      ? [settle(sheets.map((s) => s.message), firstSheet.job, log, env, () => runSheets(sheets.map((s) => s.job), { env, correlationId: firstSheet.job.correlationId ?? correlationId, log }))]
      : []),
  ]);
}

/** The artist is told, once per dead letter, that a calendar job failed for good (alert-failed recorded). */
async function tellArtistDeadLetter(env: Env, db: Database, messageId: string, reason: string, log: Logger, correlationId: string): Promise<void> {
  const config = requireConfig(env);
  const to = artistNoticeNumber(config);
  if (!to || !config.FEATURE_ARTIST_NOTIFICATIONS) return;
  const sent = await sendArtistAlert(config, {
    to,
    artistName: config.ARTIST_NAME,
    body: renderCopy("calendar.dead_letter.artist", { reason: reason.slice(0, 200) }),
    subject: renderCopy("calendar.dead_letter.subject"),
    ref: `dead-letter-${messageId}`,
  });
  if (!sent.ok) {
    await recordSystemEvent(db, { type: "artist.alert_failed", level: "error", payload: { alert: "queue.dead_lettered", code: sent.code, message: sent.message }, correlationId });
    log.error("artist.alert_failed", { alert: "queue.dead_lettered", code: sent.code });
  }
}

async function consumeDeadLetters(batch: MessageBatch, env: Env, log: Logger, correlationId: string): Promise<void> {
  const handle = openDatabase(requireConfig(env));
  try {
    for (const message of batch.messages) {
      const rejected = RejectedJobSchema.safeParse(message.body);
      const body = rejected.success ? rejected.data.rejected.body : message.body;
      const reason = rejected.success ? rejected.data.rejected.reason : `failed every retry (${JOBS_QUEUE})`;
      const kind = typeof body === "object" && body !== null && "kind" in body && typeof body.kind === "string" ? body.kind.slice(0, 60) : null;
      try {
        const fresh = await recordDeadLetter(handle.db, { messageId: message.id, queue: JOBS_QUEUE, body, kind, attempts: message.attempts, reason });
        if (fresh) await recordSystemEvent(handle.db, { type: "queue.dead_lettered", level: "error", payload: { message_id: message.id, kind, reason }, correlationId });
        // A calendar job that can never succeed: the artist hears once (their booking is safe in Inkline).
        if (fresh && kind?.startsWith("calendar.")) await tellArtistDeadLetter(env, handle.db, message.id, reason, log, correlationId);
        log.error("queue.dead_lettered", { message_id: message.id, kind, reason, duplicate: !fresh });
        message.ack();
      } catch (error) {
        log.error("queue.dead_letter_unrecorded", { message_id: message.id, error });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, Math.random()) });
      }
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The `queue` entry point. */
export async function runQueue(batch: MessageBatch, env: Env): Promise<void> {
  const correlationId = `queue-${batch.queue}-${crypto.randomUUID()}`;
  const log = createLogger(correlationId, requireConfig(env).LOG_LEVEL);
  if (batch.queue === DEAD_LETTER_QUEUE) return consumeDeadLetters(batch, env, log, correlationId);
  if (batch.queue === JOBS_QUEUE) return consumeJobs(batch, env, log, correlationId);
  log.error("queue.unknown", { queue: batch.queue, messages: batch.messages.length });
  batch.retryAll({ delaySeconds: JOB_RETRY_MAX_S });
}
