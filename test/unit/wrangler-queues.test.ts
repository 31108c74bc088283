/**
 * The jobs queue's consumer settings are written out in wrangler.toml (Miniflare's defaults are
 * not production's), read here the way wrangler reads them, and match what the code expects.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { DEAD_LETTER_QUEUE, JOBS_QUEUE } from "../../src/jobs/consumer.ts";
import { CRON_EVERY_5_MIN, CRON_JOBS } from "../../src/scheduled.ts";

const config = unstable_readConfig({ config: path.resolve(import.meta.dirname, "../../wrangler.toml") });

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

  it("every cron has jobs in src/scheduled.ts, and the scan is one of them", () => {
    expect(config.triggers.crons).toEqual(Object.keys(CRON_JOBS));
    expect(Object.keys(CRON_JOBS[CRON_EVERY_5_MIN])).toContain("timerScan");
  });
});
