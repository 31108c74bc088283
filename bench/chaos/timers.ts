/**
 * The timers under faults, in `npm run chaos`: leads whose 12 h nudge is due are put in Postgres;
 * the cron is fired three times at once for the same time (a duplicate and an overlapping run),
 * every job is redelivered twice more through the queue, a third of the objects are reset while
 * their timers run, and a third of the clients answer at the same moment (racing their nudge).
 *
 * Judged afterwards: every lead that did not write got exactly one nudge (none lost, none
 * doubled); a lead whose client wrote got at most one, and only if the nudge was applied before
 * the client's message (a nudge after it would be stale: for a state the lead had left).
 */
import type { RunningStack } from "../../dev/stack.ts";
import { CRON_EVERY_5_MIN } from "../../src/jobs/names.ts";
import { BENCH_ADMIN_KEY } from "../bench-stack.ts";
import type { PgClient } from "../db.ts";
import { phoneBlock, sleep } from "../harness.ts";

export interface TimerChaosSummary {
  leads: number;
  racing: number;
  reset: number;
  cronRuns: number;
  redelivered: number;
  nudged: number;
  /** Racing clients whose message was applied before their nudge could be: no nudge. */
  overtaken: number;
  problems: string[];
}

const LEADS = 30;

interface SeededLead {
  id: string;
  phone: string;
  version: number;
  lastClientMessageAt: string;
  nextTimerAt: string;
}

async function seed(pg: PgClient, phones: readonly string[], now: number): Promise<SeededLead[]> {
  const result = await pg.query<{ id: string; phone: string; version: number; last: Date; next: Date }>(
    `INSERT INTO leads (phone_e164, conversation_key, status, current_question, last_client_message_at, status_changed_at,
                        service_window_ends_at, next_timer_at, next_timer_kind)
     SELECT p, p, 'QUALIFYING', 'style', $2::timestamptz - interval '13 hours', $2::timestamptz - interval '13 hours',
            $2::timestamptz + interval '11 hours', $2::timestamptz - interval '1 hour', 'consultation.nudge'
       FROM unnest($1::text[]) AS p
     RETURNING id, phone_e164 AS phone, version, last_client_message_at AS last, next_timer_at AS next`,
    [phones, new Date(now).toISOString()],
  );
  return result.rows.map((r) => ({ id: r.id, phone: r.phone, version: r.version, lastClientMessageAt: r.last.toISOString(), nextTimerAt: r.next.toISOString() }));
}

/** Opens the number's 24-hour window at the emulator, as if the client had written. */
async function openWindow(stack: RunningStack, phone: string): Promise<void> {
  const res = await fetch(`${stack.urls.whatsapp}/_emulator/window`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ phone, name: "Quiet Client" }),
  });
  await res.body?.cancel();
  if (res.status !== 200) throw new Error(`emulator window answered ${res.status}`);
}

/** The job the cron enqueues for a lead, byte for byte what a redelivery would carry. */
function jobOf(lead: SeededLead, now: number) {
  return {
    kind: "lead.timer",
    leadId: lead.id,
    conversation: lead.phone,
    timer: "consultation.nudge",
    dueAt: lead.nextTimerAt,
    now: new Date(now).toISOString(),
    seen: { status: "QUALIFYING", version: lead.version, lastClientMessageAt: lead.lastClientMessageAt },
  };
}

export async function runTimerChaos(stack: RunningStack, pg: PgClient, say: (line: string) => void): Promise<TimerChaosSummary> {
  const worker = stack.urls.worker;
  const phones = phoneBlock(960000, LEADS);
  const now = Date.now();
  const leads = await seed(pg, phones, now);
  // They wrote 13 hours ago: Meta's window is open for them, as our row says (service_window_ends_at).
  await Promise.all(phones.map((phone) => openWindow(stack, phone)));
  const racing = leads.slice(0, LEADS / 3);
  const reset = leads.slice(LEADS / 3, (2 * LEADS) / 3);
  const cronAt = now + 60_000;
  say(`timers: ${LEADS} due nudges; the cron fired 3× at once, every job redelivered twice, ${reset.length} objects reset, ${racing.length} clients answering at the same moment…`);

  const fireCron = async () => {
    const res = await fetch(`${worker}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(CRON_EVERY_5_MIN)}&time=${cronAt}`);
    await res.body?.cancel();
    return res.status;
  };
  const redeliver = async () => {
    const res = await fetch(`${worker}/_bench/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-admin-api-key": BENCH_ADMIN_KEY },
      body: JSON.stringify({ jobs: leads.map((l) => jobOf(l, cronAt)) }),
    });
    await res.body?.cancel();
    return res.status;
  };
  const evict = async (phone: string) => {
    const res = await fetch(`${worker}/_bench/evict?phone=${encodeURIComponent(phone)}`, { method: "POST" });
    await res.body?.cancel();
  };
  const problems: string[] = [];
  const statuses = await Promise.all([
    fireCron(),
    fireCron(),
    fireCron(),
    redeliver(),
    ...racing.map(async (lead) => (await stack.whatsapp.inbound({ from: lead.phone, name: "Racing Client", text: "fine line" })).status),
  ]);
  if (statuses.some((s) => s !== 200)) problems.push(`timers: a cron run, redelivery or client message was answered ${statuses.filter((s) => s !== 200).join(", ")}`);
  // Resets while the jobs are in flight, then a second redelivery after them.
  await sleep(300);
  await Promise.all(reset.map((l) => evict(l.phone)));
  await sleep(1_000);
  await Promise.all(reset.map((l) => evict(l.phone)));
  if ((await redeliver()) !== 200) problems.push("timers: the second redelivery was refused");

  // Until every lead has either its nudge or (racing) its client's message applied, and quiet.
  const deadline = Date.now() + 120_000;
  const settled = async () => {
    const { rows } = await pg.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM leads l
        WHERE l.id = ANY($1::uuid[])
          AND (EXISTS (SELECT 1 FROM system_events e WHERE e.lead_id = l.id AND e.type = 'timer.fired')
               OR l.last_client_message_at > $2::timestamptz)
          AND NOT EXISTS (SELECT 1 FROM outbox_messages o WHERE o.lead_id = l.id AND o.status = 'PENDING')`,
      [leads.map((l) => l.id), new Date(now - 12 * 3_600_000).toISOString()],
    );
    return Number(rows[0]?.n ?? 0);
  };
  while (Date.now() < deadline && (await settled()) < LEADS) await sleep(250);
  // Redeliveries and retries still in flight get their chance to do something wrong.
  await sleep(5_000);

  const { rows } = await pg.query<{ id: string; fired: string; nudges: string; fired_at: Date | null; answered_at: Date | null }>(
    `SELECT l.id,
            (SELECT count(*) FROM system_events e WHERE e.lead_id = l.id AND e.type = 'timer.fired')::text AS fired,
            (SELECT count(*) FROM outbox_messages o WHERE o.lead_id = l.id AND o.copy_key = 'timer.consultation_nudge')::text AS nudges,
            (SELECT min(e.created_at) FROM system_events e WHERE e.lead_id = l.id AND e.type = 'timer.fired') AS fired_at,
            (SELECT min(p.processed_at) FROM processed_events p WHERE p.lead_id = l.id AND p.provider = 'whatsapp') AS answered_at
       FROM leads l WHERE l.id = ANY($1::uuid[])`,
    [leads.map((l) => l.id)],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  let nudged = 0;
  let overtaken = 0;
  for (const lead of leads) {
    const row = byId.get(lead.id);
    const sends = stack.whatsapp.sends(lead.phone).filter((s) => JSON.stringify(s.body).includes("checking in")).length;
    const isRacing = racing.includes(lead);
    if (!row) {
      problems.push(`timers ${lead.phone}: lead missing`);
      continue;
    }
    const fired = Number(row.fired);
    const nudges = Number(row.nudges);
    if (fired > 1 || nudges > 1 || sends > 1) problems.push(`timers ${lead.phone}: nudged ${Math.max(fired, nudges, sends)}× (doubled)`);
    if (nudges === 1) nudged++;
    if (!isRacing) {
      if (fired === 0 || nudges === 0) problems.push(`timers ${lead.phone}: no nudge (lost)`);
      else if (sends !== 1) problems.push(`timers ${lead.phone}: ${sends} nudge(s) at Graph (expected 1)`);
      continue;
    }
    if (fired === 0) overtaken++;
    // A nudge applied after the client's message would be for a state the lead had left.
    else if (row.answered_at && row.fired_at && row.fired_at.getTime() > row.answered_at.getTime()) {
      problems.push(`timers ${lead.phone}: stale nudge (applied after the client's message)`);
    }
  }
  return { leads: LEADS, racing: racing.length, reset: reset.length, cronRuns: 3, redelivered: 2 * LEADS, nudged, overtaken, problems };
}
