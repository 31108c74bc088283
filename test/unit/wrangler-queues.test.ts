/**
 * The jobs queue's consumer settings are written out in wrangler.toml (Miniflare's defaults are
 * not production's), read here the way wrangler reads them, and match what the code expects.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { CRON_EVERY_5_MIN, DEAD_LETTER_QUEUE, JOBS_QUEUE } from "../../src/jobs/names.ts";

/** What this test reads of wrangler's parsed configuration. */
interface QueueConsumer {
  queue: string;
  max_batch_size?: number;
  max_batch_timeout?: number;
  max_retries?: number;
  retry_delay?: number;
  max_concurrency?: number | null;
  dead_letter_queue?: string;
}
interface ConfigRead {
  queues: { consumers?: QueueConsumer[]; producers?: { binding: string; queue: string }[] };
  triggers: { crons?: string[] };
}

// wrangler's bundled declarations do not resolve under the linter's type service (tsc is fine);
// the shape read is declared above.
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
const config: ConfigRead = unstable_readConfig({ config: path.resolve(import.meta.dirname, "../../wrangler.toml") });

describe("wrangler.toml's queues", () => {
  it("the jobs queue: every consumer setting explicit, failures dead-lettered", () => {
    const jobs = config.queues.consumers?.find((c) => c.queue === JOBS_QUEUE);
    expect(jobs).toMatchObject({ max_batch_size: 25, max_batch_timeout: 2, max_retries: 5, retry_delay: 30, max_concurrency: 10, dead_letter_queue: DEAD_LETTER_QUEUE });
  });

  it("the dead-letter queue has its own consumer (recording into Postgres), with explicit settings", () => {
    const dlq = config.queues.consumers?.find((c) => c.queue === DEAD_LETTER_QUEUE);
    expect(dlq).toMatchObject({ max_batch_size: 10, max_batch_timeout: 5, max_retries: 10, retry_delay: 60, max_concurrency: 1 });
    expect(dlq?.dead_letter_queue).toBeUndefined();
  });

  it("producers for both, bound as the code names them", () => {
    expect(config.queues.producers?.map((p) => [p.binding, p.queue])).toEqual([
      ["JOBS", JOBS_QUEUE],
      ["JOBS_DLQ", DEAD_LETTER_QUEUE],
    ]);
  });

  it("one cron, every 5 minutes: the schedule src/scheduled.ts maps to its jobs", () => {
    expect(config.triggers.crons).toEqual([CRON_EVERY_5_MIN]);
  });
});
