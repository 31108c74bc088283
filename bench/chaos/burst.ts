/**
 * The burst of distinct senders in `npm run chaos`: one signed webhook POST carrying a "hi" from
 * each of `senders` new numbers (Meta batches up to 1,000 updates per POST), so as many
 * LeadConversation objects want Postgres at once, against a Postgres whose `max_connections` is
 * far below that (bench/bench-stack.ts). While they drain, the admin API, `/ready` and Stripe's
 * webhook are called over and over and must never answer 5xx; connections are sampled from
 * `pg_stat_activity`. Afterwards every message must have been processed once and answered once.
 *
 * Before the fix (issue 19) this took Postgres's connections for minutes: each object kept its
 * connection for the pool's 10 s idle timeout, pinged with one more connection on every refusal,
 * and all of them retried at the same instants. Releasing connections and jittering retries was
 * not enough either (7 of 1,000 answered in 300 s: a thousand objects' connection attempts, each
 * refused one a Postgres backend forked, kept every slot taken); what passes is the DatabaseGate
 * (durable-objects/database-gate.ts): at most DATABASE_OBJECT_PERMITS objects at Postgres at once.
 */
import type { RunningStack } from "../../dev/stack.ts";
import { batchEnvelope, newWamid, signBody, unixSeconds, type BusinessIdentity } from "../../dev/emulators/whatsapp/envelope.ts";
import { BENCH_ADMIN_KEY, BENCH_IDENTITY } from "../bench-stack.ts";
import { connect, type PgClient } from "../db.ts";
import { phoneBlock, sleep } from "../harness.ts";

export interface BurstOptions {
  senders: number;
  /** Replies each number must get for its "hi" (the calibrated first step). */
  repliesEach: number;
  /** Give up waiting for the answers after this long. */
  timeoutMs: number;
}

export interface BurstSummary {
  senders: number;
  maxConnections: number;
  /** The webhook POST's answer, and how long it took. */
  post: { status: number; ms: number; accepted: number };
  /** From the POST to the last number's last reply at Graph; null when some never came. */
  answeredAllMs: number | null;
  /** Client connections Postgres held: before the burst, at its peak, once it was over. */
  connections: { before: number; peak: number; after: number };
  /** The other routes while the burst drained: answers by route ("200×41, 503×2"). */
  probes: { route: string; count: number; answers: string; worstMs: number }[];
  problems: string[];
}

const BUSINESS: BusinessIdentity = {
  wabaId: BENCH_IDENTITY.wabaId,
  phoneNumberId: BENCH_IDENTITY.phoneNumberId,
  displayPhoneNumber: BENCH_IDENTITY.displayPhoneNumber.replace(/\D/g, ""),
};

/** Client backends connected to the database, the sampler's own excluded. */
async function clientConnections(pg: PgClient): Promise<number> {
  const { rows } = await pg.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
  );
  return rows[0]?.n ?? 0;
}

type ProbeAnswer = { route: string; status: number; ms: number };

/** One call of each other route; status 0 when no answer came. */
async function probeRound(stack: RunningStack): Promise<ProbeAnswer[]> {
  const worker = stack.urls.worker;
  const stripePayload = JSON.stringify({
    id: `evt_burst_${crypto.randomUUID().replace(/-/g, "")}`,
    object: "event",
    type: "checkout.session.completed",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: `cs_test_burst_${crypto.randomUUID().slice(0, 8)}`,
        object: "checkout.session",
        status: "complete",
        payment_status: "paid",
        client_reference_id: "00000000-0000-4000-8000-000000000000",
        metadata: {},
        payment_intent: "pi_burst",
        amount_total: 10_000,
        currency: "gbp",
      },
    },
  });
  const calls: [string, () => Promise<Response>][] = [
    ["GET /ready", () => fetch(`${worker}/ready`)],
    ["GET /admin/leads", () => fetch(`${worker}/admin/leads?limit=5`, { headers: { "X-Admin-API-Key": BENCH_ADMIN_KEY } })],
    [
      "POST /webhooks/stripe",
      () =>
        fetch(`${worker}/webhooks/stripe`, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": stack.stripe.sign(stripePayload) },
          body: stripePayload,
        }),
    ],
  ];
  return Promise.all(
    calls.map(async ([route, call]) => {
      const started = Date.now();
      try {
        const res = await call();
        await res.body?.cancel();
        return { route, status: res.status, ms: Date.now() - started };
      } catch {
        return { route, status: 0, ms: Date.now() - started };
      }
    }),
  );
}

/** Plays the burst and judges it; `say` reports progress. */
export async function runBurst(stack: RunningStack, options: BurstOptions, say: (line: string) => void): Promise<BurstSummary> {
  const phones = phoneBlock(950000, options.senders);
  const problems: string[] = [];
  // The sampler's connection is opened before the burst, so it never competes for a slot.
  const pg = await connect(stack.urls.postgres);
  pg.on("error", () => undefined);
  try {
    const maxConnections = Number((await pg.query<{ max_connections: string }>("SHOW max_connections")).rows[0]?.max_connections ?? 0);
    await Promise.all(phones.map((phone) => openWindow(stack, phone)));
    const waIds = phones.map((p) => p.slice(1));
    const messages = waIds.map((waId) => ({ from: waId, id: newWamid(waId), timestamp: unixSeconds(Date.now()), type: "text", text: { body: "hi" } }));
    const body = batchEnvelope(BUSINESS, waIds.map((waId) => ({ name: "Burst Client", waId })), messages);
    const signature = signBody(body, BENCH_IDENTITY.appSecret);
    const before = await clientConnections(pg);
    say(`burst: one signed POST from ${phones.length} numbers against max_connections=${maxConnections} (${before} connection(s) open before)…`);

    let peak = before;
    let burstOver = false;
    const answers: ProbeAnswer[] = [];
    const sampler = (async () => {
      while (!burstOver) {
        peak = Math.max(peak, await clientConnections(pg).catch(() => 0));
        await sleep(100);
      }
    })();
    const prober = (async () => {
      while (!burstOver) {
        answers.push(...(await probeRound(stack)));
        await sleep(250);
      }
    })();

    const started = Date.now();
    const res = await fetch(`${stack.urls.worker}/webhooks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      body,
    });
    const postMs = Date.now() - started;
    const answer = (await res.json().catch(() => ({}))) as { accepted?: number };
    const accepted = answer.accepted ?? 0;
    say(`burst: POST answered ${res.status} in ${postMs} ms (accepted ${accepted}); waiting for every number's reply…`);
    if (res.status !== 200 || accepted !== phones.length) problems.push(`burst POST answered ${res.status} with ${accepted} of ${phones.length} accepted`);

    let answeredAllMs: number | null = null;
    for (let lastReport = Date.now(); Date.now() - started < options.timeoutMs; await sleep(250)) {
      const waiting = phones.filter((p) => stack.whatsapp.sends(p).length < options.repliesEach).length;
      if (waiting === 0) {
        answeredAllMs = Date.now() - started;
        break;
      }
      if (Date.now() - lastReport > 10_000) {
        say(`burst: ${phones.length - waiting} of ${phones.length} numbers answered after ${Math.round((Date.now() - started) / 1000)} s`);
        lastReport = Date.now();
      }
    }
    // A little longer, so a late duplicate reply would be seen, then the probes stop.
    await sleep(2_000);
    burstOver = true;
    await Promise.all([sampler, prober]);
    await sleep(1_500);
    const after = await clientConnections(pg);

    if (answeredAllMs === null) problems.push(`burst: not every number was answered within ${options.timeoutMs / 1000} s`);
    problems.push(...(await exactlyOnce(pg, stack, phones, options.repliesEach)));
    for (const a of answers) {
      if (a.status === 0 || a.status >= 500) problems.push(`burst: ${a.route} answered ${a.status === 0 ? "nothing" : a.status} while the burst drained (expected no 5xx)`);
    }
    return {
      senders: phones.length,
      maxConnections,
      post: { status: res.status, ms: postMs, accepted },
      answeredAllMs,
      connections: { before, peak, after },
      probes: summarise(answers),
      problems,
    };
  } finally {
    await pg.end().catch(() => undefined);
  }
}

/** Every number's "hi" processed once; every reply row sent once, none left over. */
async function exactlyOnce(pg: PgClient, stack: RunningStack, phones: readonly string[], repliesEach: number): Promise<string[]> {
  const problems: string[] = [];
  const { rows } = await pg.query<{ phone: string; processed: number; sent: number; other: number }>(
    `SELECT l.phone_e164 AS phone,
            (SELECT count(*)::int FROM processed_events p WHERE p.lead_id = l.id AND p.provider = 'whatsapp') AS processed,
            (SELECT count(*)::int FROM outbox_messages o WHERE o.lead_id = l.id AND o.status IN ('SENT', 'DELIVERED', 'READ')) AS sent,
            (SELECT count(*)::int FROM outbox_messages o WHERE o.lead_id = l.id AND o.status NOT IN ('SENT', 'DELIVERED', 'READ')) AS other
       FROM leads l WHERE l.phone_e164 = ANY($1)`,
    [phones],
  );
  const byPhone = new Map(rows.map((r) => [r.phone, r]));
  for (const phone of phones) {
    const row = byPhone.get(phone);
    const sends = stack.whatsapp.sends(phone);
    const refs = new Set(sends.map((s) => JSON.stringify(s.body).match(/"biz_opaque_callback_data":"([^"]+)"/)?.[1] ?? s.id));
    if (!row) problems.push(`burst ${phone}: no lead (message never processed)`);
    else if (row.processed !== 1) problems.push(`burst ${phone}: processed ${row.processed}× (expected once)`);
    // Sent, or further on: the chaos stack posts Meta's delivered statuses, which move a row past SENT.
    else if (row.sent !== repliesEach || row.other !== 0) problems.push(`burst ${phone}: ${row.sent} reply row(s) sent and ${row.other} not (expected ${repliesEach} sent)`);
    if (sends.length !== refs.size) problems.push(`burst ${phone}: a reply sent ${sends.length - refs.size} time(s) too many`);
    else if (sends.length !== repliesEach) problems.push(`burst ${phone}: ${sends.length} reply(ies) at Graph (expected ${repliesEach})`);
  }
  // Hundreds of numbers failing the same way say it once each, not a thousand times.
  return problems.length > 20 ? [...problems.slice(0, 20), `burst: and ${problems.length - 20} more problem(s) like these`] : problems;
}

function summarise(answers: readonly ProbeAnswer[]): BurstSummary["probes"] {
  const routes = [...new Set(answers.map((a) => a.route))];
  return routes.map((route) => {
    const mine = answers.filter((a) => a.route === route);
    const counts = new Map<number, number>();
    for (const a of mine) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
    const answersText = [...counts].map(([s, n]) => `${s === 0 ? "no answer" : s}×${n}`).join(", ");
    return { route, count: mine.length, answers: answersText, worstMs: Math.max(...mine.map((a) => a.ms)) };
  });
}

/** Opens the number's 24-hour window at the emulator (as if it had written), so replies go out as text. */
async function openWindow(stack: RunningStack, phone: string): Promise<void> {
  const res = await fetch(`${stack.urls.whatsapp}/_emulator/window`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ phone, name: "Burst Client" }),
  });
  if (res.status !== 200) throw new Error(`emulator window answered ${res.status}`);
  await res.body?.cancel();
}
