/**
 * Names wrangler.toml and the code must agree on (test/unit/wrangler-queues.test.ts reads
 * wrangler.toml and checks them): the queues, and the cron schedule. Plain data, so Node-side
 * tests can import it.
 */
export const JOBS_QUEUE = "inkline-jobs";
export const DEAD_LETTER_QUEUE = "inkline-jobs-dlq";
/** The one cron: scans for due timers and lapsed deposit links, sweeps inbox sessions. */
export const CRON_EVERY_5_MIN = "*/5 * * * *";
