/**
 * The timer phases of `npm run bench` (issue 14):
 *
 * - **The cron's scan** at 10,000 and 100,000 leads in Postgres (a few hundred due): the very
 *   statement `src/db/timer-store.ts` runs (built by the same code, through node-postgres), its
 *   median time over repeated runs, its plan (EXPLAIN ANALYZE: which index, rows read, buffers).
 *   Ten times the leads must cost under twice the time, and the plan must use the index.
 * - **Timers applied per second**: leads whose nudge is due are put in Postgres, the stack's cron
 *   is fired through wrangler's `/cdn-cgi/handler/scheduled`, and the clock runs until every one
 *   has its `timer.fired` event (queue → object → Postgres → Graph), each exactly once.
 *
 * The leads are written straight into Postgres (generate_series): their objects load them on first
 * use, as they would any lead.
 */
import { drizzle } from "drizzle-orm/node-postgres";
import type { RunningStack } from "../dev/stack.ts";
import { CRON_EVERY_5_MIN } from "../src/jobs/names.ts";
import type { Database } from "../src/db/client.ts";
import { dueTimerQuery } from "../src/db/timer-store.ts";
import type { PgClient } from "./db.ts";
import { sleep } from "./harness.ts";

export const TIMER_MARKERS = {
  begin: "<!-- timers:begin (written by `npm run bench`; edit outside the markers) -->",
  end: "<!-- timers:end -->",
};

/** The scan's batch (src/scheduled.ts TIMER_SCAN_BATCH). */
const SCAN_LIMIT = 1_000;
const SCAN_RUNS = 25;
/** Due nudges in the applied-per-second phase (each a new lead's object, all at once). */
const APPLY_TIMERS = 100;
/** Leads whose timer is due at the scan's time, whatever the table's size ("few due"). */
const DUE_LEADS = 50;

export interface ScanFigures {
  leads: number;
  due: number;
  medianMs: number;
  p90Ms: number;
  plan: { node: string; index: string | null; rowsRead: number; sharedHit: number; sharedRead: number; executionMs: number };
}

export interface ApplyFigures {
  timers: number;
  seconds: number;
  perSecond: number;
  firedOnce: boolean;
  problems: string[];
}

export interface TimerFigures {
  scans: ScanFigures[];
  apply: ApplyFigures;
}

/** Bench leads live in this block of numbers (+44 7799 …), away from every other phase's. */
const PREFIX = "+447799";

/** Adds leads until the table holds `total` bench leads: the first {@link DUE_LEADS} due, the rest with a timer ahead or none. */
async function growLeads(pg: PgClient, from: number, total: number, now: Date): Promise<void> {
  await pg.query(
    `INSERT INTO leads (phone_e164, conversation_key, status, current_question, last_client_message_at, next_timer_at, next_timer_kind, status_changed_at)
     SELECT p, p, 'QUALIFYING', 'style', $3::timestamptz - interval '1 hour',
            CASE WHEN i < $4 THEN $3::timestamptz - (i % 60) * interval '1 minute'
                 WHEN i % 3 = 0 THEN NULL
                 ELSE $3::timestamptz + (1 + i % 500) * interval '1 hour' END,
            'consultation.nudge', $3::timestamptz - interval '1 hour'
       FROM generate_series($1::int, $2::int - 1) AS i, LATERAL (SELECT '${PREFIX}' || lpad(i::text, 6, '0') AS p) AS n`,
    [from, total, now.toISOString(), DUE_LEADS],
  );
  await pg.query("ANALYZE leads");
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

/** The scan node at the bottom of the plan (the one that reads the table or index). */
function scanNode(node: PlanNode): PlanNode {
  const child = node.Plans?.[0];
  return child ? scanNode(child) : node;
}

async function measureScan(pg: PgClient, leads: number, now: Date): Promise<ScanFigures> {
  const db = drizzle({ client: pg }) as unknown as Database;
  const query = dueTimerQuery(db, now, SCAN_LIMIT).toSQL();
  const times: number[] = [];
  let due = 0;
  for (let i = 0; i < SCAN_RUNS; i++) {
    const started = performance.now();
    const result = await pg.query(query.sql, query.params);
    times.push(performance.now() - started);
    due = result.rowCount ?? 0;
  }
  times.sort((a, b) => a - b);
  const explained = await pg.query<{ "QUERY PLAN": [{ Plan: PlanNode; "Execution Time": number }] }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query.sql}`, query.params);
  const top = explained.rows[0]?.["QUERY PLAN"][0];
  const node = top ? scanNode(top.Plan) : { "Node Type": "?" };
  return {
    leads,
    due,
    medianMs: times[Math.floor(times.length / 2)] ?? 0,
    p90Ms: times[Math.floor(times.length * 0.9)] ?? 0,
    plan: {
      node: node["Node Type"],
      index: node["Index Name"] ?? null,
      rowsRead: (node["Actual Rows"] ?? 0) * (node["Actual Loops"] ?? 1),
      sharedHit: top?.Plan["Shared Hit Blocks"] ?? 0,
      sharedRead: top?.Plan["Shared Read Blocks"] ?? 0,
      executionMs: top?.["Execution Time"] ?? 0,
    },
  };
}

/** Due nudges for `count` fresh leads, then one cron run; the time until every one fired. */
async function measureApply(stack: RunningStack, pg: PgClient, count: number, say: (line: string) => void): Promise<ApplyFigures> {
  const prefix = "+447798";
  const now = Date.now();
  await pg.query(
    `INSERT INTO leads (phone_e164, conversation_key, status, current_question, last_client_message_at, status_changed_at, next_timer_at, next_timer_kind)
     SELECT p, p, 'QUALIFYING', 'style', $2::timestamptz - interval '13 hours', $2::timestamptz - interval '13 hours', $2::timestamptz - interval '1 hour', 'consultation.nudge'
       FROM generate_series(0, $1::int - 1) AS i, LATERAL (SELECT '${prefix}' || lpad(i::text, 6, '0') AS p) AS n`,
    [count, new Date(now).toISOString()],
  );
  say(`timers: ${count} due nudges; firing the cron…`);
  const started = Date.now();
  const fire = async () => {
    const url = `${stack.urls.worker}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(CRON_EVERY_5_MIN)}&time=${now + 60_000}`;
    const res = await fetch(url);
    await res.body?.cancel();
    if (res.status !== 200) throw new Error(`the scheduled handler answered ${res.status}`);
  };
  await fire();
  // A second run for the same time, as a duplicate delivery would: nothing may fire twice.
  await fire();
  const fired = async () =>
    Number(
      (
        await pg.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM system_events e JOIN leads l ON l.id = e.lead_id WHERE e.type = 'timer.fired' AND l.phone_e164 LIKE $1`,
          [`${prefix}%`],
        )
      ).rows[0]?.n ?? 0,
    );
  let done = 0;
  // More than the scan's batch waits for later runs; this phase stays within one.
  while (Date.now() - started < 120_000) {
    done = await fired();
    if (done >= count) break;
    await sleep(100);
  }
  const seconds = (Date.now() - started) / 1000;
  await sleep(3_000);
  const after = await fired();
  const problems: string[] = [];
  if (done < count) problems.push(`only ${done} of ${count} timers fired within 120 s`);
  if (after > count) problems.push(`${after - count} timer(s) fired twice`);
  const sends = (
    await pg.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM outbox_messages o JOIN leads l ON l.id = o.lead_id WHERE l.phone_e164 LIKE $1`,
      [`${prefix}%`],
    )
  ).rows[0]?.n;
  if (Number(sends) !== count) problems.push(`${sends} nudge row(s) for ${count} leads (expected one each)`);
  return { timers: count, seconds, perSecond: count / seconds, firedOnce: problems.length === 0, problems };
}

export async function benchTimers(stack: RunningStack, pg: PgClient, say: (line: string) => void): Promise<TimerFigures> {
  const now = new Date();
  const scans: ScanFigures[] = [];
  let have = 0;
  for (const size of [10_000, 100_000]) {
    say(`timers: ${size.toLocaleString("en-GB")} leads in Postgres…`);
    await growLeads(pg, have, size, now);
    have = size;
    scans.push(await measureScan(pg, size, now));
  }
  // The scan's leads were for reading only: their due timers must not join the next phase.
  await pg.query(`UPDATE leads SET next_timer_at = NULL, next_timer_kind = NULL WHERE phone_e164 LIKE '${PREFIX}%'`);
  const apply = await measureApply(stack, pg, APPLY_TIMERS, say);
  return { scans, apply };
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

/** The timers section of BENCHMARKS.md. */
export function renderTimers(f: TimerFigures): string {
  const [small, large] = f.scans;
  const ratio = small && large && small.medianMs > 0 ? large.medianMs / small.medianMs : null;
  const indexed = f.scans.every((s) => s.plan.index === "leads_next_timer_idx");
  const lines = [
    "### Timers: the cron's scan and timers applied",
    "",
    `The scan (\`dueTimerLeads\`, limit ${SCAN_LIMIT}) over the bench's leads, ${SCAN_RUNS} runs each; ${DUE_LEADS} leads due at either size, a third of the rest with no timer, the others due within 500 hours.`,
    "",
    "| leads | due | median | p90 | plan | index | rows read | buffers hit / read | execution (EXPLAIN ANALYZE) |",
    "| ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |",
    ...f.scans.map(
      (s) =>
        `| ${s.leads.toLocaleString("en-GB")} | ${s.due} | ${ms(s.medianMs)} | ${ms(s.p90Ms)} | ${s.plan.node} | ${s.plan.index ?? "none"} | ${s.plan.rowsRead} | ${s.plan.sharedHit} / ${s.plan.sharedRead} | ${ms(s.plan.executionMs)} |`,
    ),
    "",
    `- ${indexed ? "✅" : "❌"} the plan reads the partial index \`leads_next_timer_idx\`, never the whole table`,
    `- ${ratio !== null && ratio < 2 ? "✅" : "❌"} ×10 leads cost ×${ratio === null ? "?" : ratio.toFixed(2)} time (target: under ×2; the rows read follow the due leads, not the table)`,
    "",
    `Timers applied: ${f.apply.timers} due nudges, one cron run fired twice through \`/cdn-cgi/handler/scheduled\` → queue → each lead's object → Postgres → Graph: all fired in ${f.apply.seconds.toFixed(1)} s, **${f.apply.perSecond.toFixed(1)} timers/s**${f.apply.firedOnce ? ", each exactly once" : `; ❌ ${f.apply.problems.join("; ")}`}.`,
  ];
  return lines.join("\n");
}
