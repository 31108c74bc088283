/**
 * `npm run chaos`: the local stack under scripted faults while traffic flows, then proof that
 * nothing was lost, doubled, reordered or skipped.
 *
 *   npm run chaos                       40 consultations, 20 Unicode clients, one batch (~2 min)
 *   npm run chaos -- --seed 1234        replay the same messages and fault order
 *   npm run chaos -- --numbers 10 --fuzz 5 --no-write --keep
 *   npm run chaos -- --burst 200        the burst of distinct senders with 200 numbers (0: none)
 *   npm run chaos -- --booking-only     only the booking phase: calendar faults, hold and payment races,
 *                                       booked clients cancelling and moving (--booking-rounds 6)
 *
 * Starts a throwaway stack (bench/bench-stack.ts with a Postgres that can be crashed, fast retries),
 * forks the load driver (bench/driver.ts) for the client side (bench/chaos/traffic.ts), calibrates
 * one consultation, then plays bench/chaos/faults.ts while the traffic runs. Afterwards it waits for
 * the stack to catch up, reads Postgres and the Graph emulator, and judges the run with
 * bench/chaos/invariants.ts plus the bench's exact check of every full consultation. Then the
 * timers under faults (bench/chaos/timers.ts: duplicate cron runs, queue redelivery, resets, clients
 * racing their nudge). Last, the burst (bench/chaos/burst.ts): one signed POST from `--burst` new numbers against Postgres's
 * `max_connections` of {@link CHAOS_MAX_CONNECTIONS}, while the admin API, /ready and Stripe's
 * webhook must keep answering. Prints the counts, writes them into BENCHMARKS.md between the chaos
 * markers, exits 1 on any problem. The booking phase (bench/chaos/booking.ts: Google faults, clients
 * racing for slots, payments duplicated and reordered with expiries) runs after the timers and
 * writes its own section (its markers), judged by bench/chaos/booking-invariants.ts; in it, booked
 * clients cancel and move (bench/chaos/booking-changes.ts) while others pay and Google fails.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, type RunningStack } from "../dev/stack.ts";
import { CONSULTATION } from "./answers.ts";
import { BENCH_ADMIN_KEY } from "./bench-stack.ts";
import { FaultScript, SEND_LATENCY_MS } from "./chaos/faults.ts";
import { runBurst } from "./chaos/burst.ts";
import { runTimerChaos } from "./chaos/timers.ts";
import { BOOKING_CHAOS_MARKERS, renderBookingChaos, runBookingChaos, type BookingChaosSummary } from "./chaos/booking.ts";
import { StripeChaos, type LeadNow } from "./chaos/stripe.ts";
import { checkChaosRun, type TrafficLedger } from "./chaos/invariants.ts";
import { observedSends, readLeadLedgers } from "./chaos/ledger.ts";
import { CHAOS_MARKERS, renderChaosReport, type ChaosSummary } from "./chaos/report.ts";
import { connect, readLedgers, readOutcomes, type LeadOutcome, type PgClient } from "./db.ts";
import type { DriverClient } from "./driver-client.ts";
import { exitWith, phoneBlock, sleep, withBenchRun } from "./harness.ts";
import { withUsernameClients } from "./chaos/traffic.ts";
import type { ChaosResult } from "./protocol.ts";
import { spliceReport } from "./report.ts";
import { checkConsultations } from "./verify.ts";

const { values: args } = parseArgs({
  options: {
    numbers: { type: "string", default: "40" },
    fuzz: { type: "string", default: "20" },
    batch: { type: "string", default: "10" },
    deposits: { type: "string", default: "8" },
    burst: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "20" },
    seed: { type: "string" },
    /** Clients in the booking phase (bench/chaos/booking.ts); 0 skips it. */
    "booking-clients": { type: "string", default: "24" },
    /** Choosing rounds in the booking phase (from the second on, the clients booked by then cancel or move). */
    "booking-rounds": { type: "string", default: "6" },
    /** Only the booking phase: calendar faults and hold/payment races (no consultations, timers or burst). */
    "booking-only": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});

function count(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got "${raw}"`);
  return n;
}

const CLEAN = count("numbers", args.numbers);
const FUZZ = count("fuzz", args.fuzz);
const BATCH = count("batch", args.batch);
const DEPOSITS = Math.min(CLEAN, count("deposits", args.deposits));
const BURST = Math.min(1_000, count("burst", args.burst));
const CONCURRENCY = Math.max(1, Math.min(CLEAN, count("concurrency", args.concurrency)));
const BOOKING_CLIENTS = count("booking-clients", args["booking-clients"]);
const BOOKING_ROUNDS = Math.max(1, count("booking-rounds", args["booking-rounds"]));
const SEED = args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : count("seed", args.seed);
const CALIBRATION_NUMBER = "+447700999100";

/**
 * Faster than production so recoveries fit in a run: retries from 200 ms, a 2 s Graph timeout, and
 * a send Graph never answered waits 5 s (not 60) for Meta's status before it is made again, and a
 * Google call with no answer is given up after 2 s (not 10).
 */
const CHAOS_VARS = { RETRY_BASE_MS: "200", WHATSAPP_TIMEOUT_MS: "2000", SEND_CONFIRM_WAIT_MS: "5000", GOOGLE_TIMEOUT_MS: "2000" };

/**
 * Postgres's connection limit in the chaos run: a tenth of the burst's numbers, so one object per
 * number holding a connection (as before issue 19) would use them all up, as it did to Neon's
 * direct endpoint. With the pooled endpoint in production PgBouncer queues such a burst; locally
 * there is no pooler, so this is the harder case.
 */
const CHAOS_MAX_CONNECTIONS = 100;

const say = (line: string) => console.error(`[chaos] ${line}`);

/** Waits (bounded) until every accepted message is processed and no reply is pending, then for the sends to settle. */
async function waitForQuiet(pg: PgClient, stack: RunningStack, traffic: ChaosResult, timeoutMs: number): Promise<void> {
  const accepted = Object.values(traffic.accepted).reduce((n, ids) => n + ids.length, 0);
  const phones = Object.keys(traffic.sent);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await pg.query<{ processed: string; pending: string }>(
      `SELECT (SELECT count(*) FROM processed_events p JOIN leads l ON l.id = p.lead_id WHERE coalesce(l.conversation_key, l.phone_e164) = ANY($1) AND p.provider = 'whatsapp')::text AS processed,
              (SELECT count(*) FROM outbox_messages o JOIN leads l ON l.id = o.lead_id WHERE coalesce(l.conversation_key, l.phone_e164) = ANY($1) AND o.status = 'PENDING')::text AS pending`,
      [phones],
    );
    const processed = Number(row.rows[0]?.processed ?? 0);
    const pending = Number(row.rows[0]?.pending ?? 0);
    if (processed >= accepted && pending === 0) break;
    if (Date.now() > deadline) {
      say(`still ${accepted - processed} message(s) unprocessed and ${pending} reply(ies) pending after ${timeoutMs / 1000} s; judging anyway`);
      break;
    }
    await sleep(500);
  }
  for (let last = -1; stack.whatsapp.sends().length !== last; await sleep(1_500)) last = stack.whatsapp.sends().length;
}

/** Hostile requests by kind with the answers they got ("401×12"). */
function hostileSummary(traffic: ChaosResult): ChaosSummary["hostile"] {
  const byKind = new Map<string, number[]>();
  for (const a of traffic.answers.filter((x) => !x.wellFormed)) byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), a.status]);
  return [...byKind].map(([kind, statuses]) => {
    const counts = new Map<number, number>();
    for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
    return { kind, count: statuses.length, answers: [...counts].map(([s, n]) => `${s === 0 ? "no answer" : s}×${n}`).join(", ") };
  });
}

/** A connection for the check (the run crashes Postgres, so each phase opens its own). */
async function withPostgres<T>(stack: RunningStack, use: (pg: PgClient) => Promise<T>): Promise<T> {
  const pg = await connect(stack.urls.postgres);
  pg.on("error", () => undefined);
  try {
    return await use(pg);
  } finally {
    await pg.end().catch(() => undefined);
  }
}

async function chaos(stack: RunningStack, driver: DriverClient, begun: number): Promise<ChaosSummary> {
  say("calibrating one consultation (how many replies each step produces)…");
  const calibration = await driver.run({ kind: "calibrate", number: CALIBRATION_NUMBER, messages: [...CONSULTATION], quietMs: 400 });
  const outcome = (await withPostgres(stack, (pg) => readOutcomes(pg, [CALIBRATION_NUMBER]))).get(CALIBRATION_NUMBER);
  if (!outcome) throw new Error("calibration: no lead in Postgres for the calibration number");
  const expectedReplies = calibration.repliesPerStep;

  // Every third clean client uses a WhatsApp username and hides their number: named by a BSUID.
  const clean = withUsernameClients(phoneBlock(920000, CLEAN), DEPOSITS);
  const fuzz = phoneBlock(930000, FUZZ);
  const batch = phoneBlock(940000, BATCH);
  const faults = new FaultScript(stack, [...clean, ...fuzz, ...batch], say);
  say(`seed ${SEED}: ${CLEAN} consultations (${CONCURRENCY} at a time), ${FUZZ} Unicode clients, ${BATCH} numbers in a batch; faults start now`);
  const trafficRun = driver.run({
    kind: "chaos",
    seed: SEED,
    clean: { numbers: clean, messages: [...CONSULTATION], expectedReplies, concurrency: CONCURRENCY, stepTimeoutMs: 60_000 },
    fuzz: { numbers: fuzz, maxEach: 400, thinkMs: 800 },
    batch: { numbers: batch, messagesEach: 10 },
    tripleEvery: 7,
    hostileEveryMs: 300,
    redeliverForMs: 60_000,
  });
  // The first consultations to finish go on to a deposit, paid while the faults still play.
  const stripe = new StripeChaos(stack, BENCH_ADMIN_KEY, (phone) => currentLead(stack, phone));
  const stripeRun = stripe.run(clean.slice(0, DEPOSITS), 150_000);
  try {
    await faults.run();
  } finally {
    await faults.clear();
    driver.stopChaos();
  }
  say("fault script done; waiting for the traffic to finish…");
  const traffic = await trafficRun;
  await stripeRun;
  say("waiting for the stack to catch up…");
  const summary = await withPostgres(stack, async (pg) => {
    await waitForQuiet(pg, stack, traffic, 90_000);
    await describeStuck(pg, stack);
    return judge(stack, pg, traffic, stripe, faults, { expectedReplies, outcome, clean, begun });
  });
  const timers = await withPostgres(stack, (pg) => runTimerChaos(stack, pg, say));
  if (BURST === 0) return { ...summary, seconds: (Date.now() - begun) / 1000, timers };
  const burst = await runBurst(stack, { senders: BURST, repliesEach: expectedReplies[0] ?? 1, timeoutMs: 300_000 }, say);
  return { ...summary, seconds: (Date.now() - begun) / 1000, timers, burst };
}

/**
 * For a reply still pending after the wait, prints what its object holds (inbox, sends in doubt,
 * alarm) through the admin debug route, so a stuck conversation can be read, not guessed.
 */
async function describeStuck(pg: PgClient, stack: RunningStack): Promise<void> {
  const { rows } = await pg.query<{ lead_id: string; seqs: string }>(
    "SELECT lead_id, string_agg(seq::text, ',' ORDER BY seq) AS seqs FROM outbox_messages WHERE status = 'PENDING' GROUP BY lead_id LIMIT 5",
  );
  for (const row of rows) {
    const res = await fetch(`${stack.urls.worker}/admin/leads/${row.lead_id}/debug`, { headers: { "X-Admin-API-Key": BENCH_ADMIN_KEY } }).catch(() => null);
    const body = res ? ((await res.json().catch(() => null)) as { lead?: { phone_e164?: string; status?: string }; durable_object?: unknown } | null) : null;
    const object = JSON.stringify(body?.durable_object ?? null).slice(0, 1_500);
    say(`stuck: lead ${row.lead_id} (${body?.lead?.status ?? "?"}) replies #${row.seqs} pending; its object: ${object}`);
  }
}

/** How the sends Graph never answered ended (system events of the run's leads). */
async function sendsInDoubt(pg: PgClient, phones: readonly string[]): Promise<ChaosSummary["sendsInDoubt"]> {
  const { rows } = await pg.query<{ type: string; n: string }>(
    `SELECT e.type, count(*)::text AS n FROM system_events e JOIN leads l ON l.id = e.lead_id
      WHERE coalesce(l.conversation_key, l.phone_e164) = ANY($1) AND e.type IN ('whatsapp.send_settled', 'whatsapp.send_unconfirmed') GROUP BY e.type`,
    [phones],
  );
  const n = (type: string) => Number(rows.find((r) => r.type === type)?.n ?? 0);
  return { settled: n("whatsapp.send_settled"), resent: n("whatsapp.send_unconfirmed") };
}

/** A number's lead as Postgres has it now; null while it has none or the database is away. */
async function currentLead(stack: RunningStack, phone: string): Promise<LeadNow | null> {
  try {
    return await withPostgres(stack, async (pg) => {
      const { rows } = await pg.query<{ id: string; status: string; version: number; step: string | null }>(
        "SELECT id, status, version, consent->>'step' AS step FROM leads WHERE coalesce(conversation_key, phone_e164) = $1",
        [phone],
      );
      const row = rows[0];
      return row ? { id: row.id, status: row.status, version: Number(row.version), consentStep: row.step } : null;
    });
  } catch {
    return null;
  }
}

async function judge(
  stack: RunningStack,
  pg: PgClient,
  traffic: ChaosResult,
  stripe: StripeChaos,
  faults: FaultScript,
  run: { expectedReplies: number[]; outcome: LeadOutcome; clean: string[]; begun: number },
): Promise<ChaosSummary> {
  const { expectedReplies, outcome, clean, begun } = run;
  say("checking every message, reply and status…");
  const ledger: TrafficLedger = {
    // The consent answers the Stripe side sent as each client count with the consultation's messages.
    sent: new Map([...new Set([...Object.keys(traffic.sent), ...stripe.traffic.sent.keys()])].map((phone) => [phone, [...(traffic.sent[phone] ?? []), ...(stripe.traffic.sent.get(phone) ?? [])]])),
    accepted: new Map(
      [...new Set([...Object.keys(traffic.accepted), ...stripe.traffic.accepted.keys()])].map((phone) => [phone, new Set([...(traffic.accepted[phone] ?? []), ...(stripe.traffic.accepted.get(phone) ?? [])])]),
    ),
    forged: new Set(traffic.forged),
    answers: [...traffic.answers, ...stripe.traffic.answers],
    duplicatesReported: traffic.duplicatesReported + stripe.traffic.duplicatesReported,
    stripeEvents: stripe.traffic.events,
    paid: stripe.traffic.paid,
  };
  const phones = [...ledger.sent.keys()];
  const leads = await readLeadLedgers(async (text, values) => (await pg.query<Record<string, unknown>>(text, [values])).rows, phones);
  const sends = observedSends(stack.whatsapp.sends());
  const verdict = checkChaosRun(leads, ledger, sends, faults.resets, { graphInFlightMs: SEND_LATENCY_MS + 100 });
  for (const id of traffic.dropped) verdict.problems.push(`message ${JSON.stringify(id).slice(0, 40)} acknowledged with 200 but neither stored nor a duplicate`);
  for (const s of traffic.stalls) verdict.problems.push(`${s.number} step ${s.step}: ${s.reason} (a reply was never delivered)`);
  for (const s of stripe.traffic.stalls) verdict.problems.push(`deposit: ${s}`);

  // The consultations must come out exactly as calibrated: every step processed, every reply once
  // (those that went on to a deposit are judged by the invariants alone).
  // A username client's sends are keyed by their BSUID (sent as `recipient`), a number's by its digits.
  const distinctRefsTo = (phone: string) => new Set(sends.filter((s) => (/^\d+$/.test(s.waId) ? `+${s.waId}` : s.waId) === phone).map((s) => s.ref)).size;
  const consulted = clean.filter((phone) => !stripe.traffic.paid.has(phone) && !stripe.traffic.stalls.some((s) => s.startsWith(phone)));
  const consultations = checkConsultations(await readLedgers(pg, consulted), await readOutcomes(pg, consulted), distinctRefsTo, {
    conversations: consulted,
    messagesPerConsultation: CONSULTATION.length,
    clientRepliesPerConsultation: expectedReplies.reduce((a, b) => a + b, 0),
    outcome,
  });
  return {
    date: new Date().toISOString().slice(0, 16).replace("T", " "),
    seed: SEED,
    seconds: (Date.now() - begun) / 1000,
    load: { clean: CLEAN, deposits: stripe.traffic.paid.size, fuzz: FUZZ, batch: BATCH, messagesPerConsultation: CONSULTATION.length },
    verdict,
    sendsInDoubt: await sendsInDoubt(pg, phones),
    consultationProblems: consultations.problems,
    timeline: faults.records.map((r) => `${new Date(r.from).toISOString().slice(11, 23)}–${new Date(r.to).toISOString().slice(11, 23)} ${r.kind} ${r.target ?? r.detail}`),
    faults: [...faults.counts()].map(([kind, n]) => ({
      kind,
      count: n,
      detail: [...new Set(faults.records.filter((r) => r.kind === kind).map((r) => r.detail))].join("; "),
    })),
    hostile: hostileSummary(traffic),
  };
}

/** The booking phase (bench/chaos/booking.ts), unless `--booking-clients 0`. */
async function bookingPhase(stack: RunningStack): Promise<BookingChaosSummary | null> {
  if (BOOKING_CLIENTS === 0) return null;
  return withPostgres(stack, (pg) => runBookingChaos(stack, pg, BENCH_ADMIN_KEY, { clients: BOOKING_CLIENTS, rounds: BOOKING_ROUNDS }, say));
}

async function main(): Promise<number> {
  const begun = Date.now();
  const stackOptions = { persistentPostgres: true, vars: CHAOS_VARS, statusWebhooks: true, maxConnections: CHAOS_MAX_CONNECTIONS };
  return withBenchRun({ name: "chaos", say, keep: args.keep, stack: stackOptions }, async ({ stack, driver, dir }) => {
    const summary = args["booking-only"] ? null : await chaos(stack, driver, begun);
    const booking = await bookingPhase(stack);
    if (args.keep) writeFileSync(path.join(dir, "chaos.json"), JSON.stringify({ summary, booking }, null, 2));
    const report = summary ? renderChaosReport(summary) : null;
    const bookingReport = booking ? renderBookingChaos(booking) : null;
    console.log(`\n${[report, bookingReport].filter((r) => r !== null).join("\n\n")}\n`);
    if (!args["no-write"]) {
      const file = path.join(ROOT, "BENCHMARKS.md");
      let text = readFileSync(file, "utf8");
      if (report) text = spliceReport(text, report, CHAOS_MARKERS);
      if (bookingReport) text = spliceReport(text, bookingReport, BOOKING_CHAOS_MARKERS);
      writeFileSync(file, text);
      say("written to BENCHMARKS.md");
    }
    const problems =
      (summary ? summary.verdict.problems.length + summary.consultationProblems.length + (summary.timers?.problems.length ?? 0) + (summary.burst?.problems.length ?? 0) : 0) +
      (booking ? booking.verdict.problems.length + booking.changes.verdict.problems.length : 0);
    if (problems > 0) say(`FAILED: ${problems} problem(s)`);
    return problems > 0 ? 1 : 0;
  });
}

exitWith(main, say);
