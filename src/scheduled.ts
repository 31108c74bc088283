/**
 * Cron Triggers: each cron expression in wrangler.toml maps to the jobs it runs. A cron with no
 * entry is a configuration bug and is logged as one.
 */
import { requireConfig } from "./config.ts";
import { openDatabase } from "./db/client.ts";
import { systemEvents } from "./db/schema.ts";
import { createLogger } from "./lib/log.ts";

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

export const CRON_JOBS = {
  [CRON_EVERY_5_MIN]: { heartbeat },
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
