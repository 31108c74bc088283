/**
 * Cron Triggers: each cron expression in wrangler.toml maps to the jobs it runs. A cron with no
 * entry is a configuration bug and is logged as one.
 */
import type { InboxPayload } from "../durable-objects/inbox.ts";
import { requireConfig } from "./config.ts";
import { openDatabase } from "./db/client.ts";
import { lapsedDepositLinks } from "./db/deposit-store.ts";
import { deleteLapsedInboxSessions } from "./db/inbox-sessions.ts";
import { systemEvents } from "./db/schema.ts";
import { createLogger } from "./lib/log.ts";
import { deriveSessionKey, keyFingerprint } from "./lib/session.ts";

export const CRON_EVERY_5_MIN = "*/5 * * * *";

type Job = (ctx: JobContext) => Promise<Record<string, unknown>>;
interface JobContext {
  env: Env;
  scheduledTime: Date;
  correlationId: string;
}

/** Records that the sweep ran, so ops can see crons firing in system_events. */
const heartbeat: Job = async ({ env, scheduledTime, correlationId }) => {
  const handle = openDatabase(requireConfig(env));
  try {
    await handle.db.insert(systemEvents).values({
      level: "debug",
      type: "cron.heartbeat",
      payload: { scheduled_time: scheduledTime.toISOString() },
      correlationId,
    });
    return { recorded: true };
  } finally {
    await handle.close();
  }
};

/** Stripe sends checkout.session.expired within minutes of expires_at; give it this long first. */
export const DEPOSIT_SWEEP_GRACE_MS = 10 * 60 * 1000;
/** Leads checked per run; more wait for the next run (oldest first). */
export const DEPOSIT_SWEEP_BATCH = 100;

/**
 * Deposit links whose time is up while the lead still waits: each lead's Durable Object is asked
 * to check its session with Stripe (in turn with its other work) and to apply what Stripe says.
 * Idempotent: a lead that has moved on is skipped by its object, and an expiry is applied once per
 * session whoever (sweep or webhook) reports it first.
 */
const depositSweep: Job = async ({ env, scheduledTime, correlationId }) => {
  const handle = openDatabase(requireConfig(env));
  try {
    const lapsed = await lapsedDepositLinks(handle.db, new Date(scheduledTime.getTime() - DEPOSIT_SWEEP_GRACE_MS), DEPOSIT_SWEEP_BATCH);
    await Promise.all(
      lapsed.map((lead) => {
        const item: InboxPayload = {
          type: "deposit.sweep",
          eventId: `sweep:${lead.sessionId}:${scheduledTime.toISOString()}`,
          phone: lead.conversation,
          leadId: lead.id,
          sessionId: lead.sessionId,
          linkExpiresAtMs: lead.linkExpiresAt.getTime(),
        };
        return env.LEAD_CONVERSATION.getByName(lead.conversation).receive([item], correlationId);
      }),
    );
    return { lapsed: lapsed.length };
  } finally {
    await handle.close();
  }
};

/**
 * Inbox sessions no request can use any more are deleted: expired at the scheduled time, or issued
 * under a signing key that is no longer ours (ADMIN_API_KEY was rotated: those sessions are
 * refused already; deleting them also keeps them refused if the old key ever comes back).
 */
const inboxSessionSweep: Job = async ({ env, scheduledTime }) => {
  const config = requireConfig(env);
  const fingerprint = config.ADMIN_API_KEY ? await keyFingerprint(await deriveSessionKey(config.ADMIN_API_KEY)) : null;
  const handle = openDatabase(config);
  try {
    return { deleted: await deleteLapsedInboxSessions(handle.db, scheduledTime, fingerprint) };
  } finally {
    await handle.close();
  }
};

export const CRON_JOBS = {
  [CRON_EVERY_5_MIN]: { heartbeat, depositSweep, inboxSessionSweep },
} satisfies Record<string, Record<string, Job>>;

/** The `scheduled` entry point. Job failures are logged and rethrown so the platform records them. */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const correlationId = `cron-${new Date(controller.scheduledTime).toISOString()}`;
  const config = requireConfig(env);
  const log = createLogger(correlationId, config.LOG_LEVEL);
  const jobs: Record<string, Job> | undefined = (CRON_JOBS as Record<string, Record<string, Job>>)[controller.cron];
  if (!jobs) {
    log.error("cron.unknown", { cron: controller.cron });
    return;
  }
  const failures: string[] = [];
  for (const [name, job] of Object.entries(jobs)) {
    const started = Date.now();
    try {
      const result = await job({ env, scheduledTime: new Date(controller.scheduledTime), correlationId });
      log.info("cron.job", { job: name, cron: controller.cron, latency_ms: Date.now() - started, ...result });
    } catch (error) {
      failures.push(name);
      log.error("cron.job_failed", { job: name, cron: controller.cron, error });
    }
  }
  if (failures.length > 0) throw new Error(`cron jobs failed: ${failures.join(", ")}`);
}
