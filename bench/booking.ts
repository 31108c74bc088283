/**
 * The approval phase of `npm run bench` (issue 15): how long from the artist's approve request to
 * the slot list accepted by the WhatsApp emulator, beside the same run's approval without the
 * calendar (a lead with no estimate: approval sends the plain "the artist will be in touch"
 * message, no freeBusy, no gap search, no offer).
 *
 * Leads are put straight into Postgres at PENDING_APPROVAL (as a finished consultation leaves
 * them), each client's 24-hour window opened at the emulator; then the artist approves through
 * the admin API (`POST /admin/leads/:id/approve`), one lead at a time, booking and baseline leads
 * interleaved so both see the same machine. The time is the approve POST's start (the driver's
 * clock) to the `received_at` of the first send to that client at the emulator (same machine,
 * same clock); the admin answer's own time is recorded beside it.
 */
import type { RunningStack } from "../dev/stack.ts";
import { BENCH_ADMIN_KEY } from "./bench-stack.ts";
import type { PgClient } from "./db.ts";
import { phoneBlock, sleep } from "./harness.ts";
import { summarize, type LatencySummary } from "./stats.ts";
import { defaultPolicy } from "../src/domain/studio-policy.ts";

export const BOOKING_MARKERS = {
  begin: "<!-- booking:begin (written by `npm run bench`; edit outside the markers) -->",
  end: "<!-- booking:end -->",
};

/** Approvals per series. */
const APPROVALS = 60;
const WARM_UP = 3;

export type ApprovalKind = "slots" | "baseline";

/** One approval as measured: the kind of lead, what the emulator got, and the lead's status after. */
export interface ApprovalSample {
  kind: ApprovalKind;
  /** Approve POST start → the list (baseline: the first send) accepted by the emulator (ms); null when none came. */
  deliveredMs: number | null;
  /** Approve POST start → its 200 (ms). */
  answeredMs: number;
  httpStatus: number;
  /** The timed send's type at the emulator ("interactive/list" with the calendar, else the first send's: "text"), null when none came. */
  firstSend: string | null;
  status: string | null;
}

export interface ApprovalSeries {
  kind: ApprovalKind;
  delivered: LatencySummary;
  answered: LatencySummary;
}

export interface BookingFigures {
  series: ApprovalSeries[];
  approvals: number;
  problems: string[];
}

/** What each kind of lead must come to: its status and the first message the client gets. */
const EXPECTED: Record<ApprovalKind, { status: string; firstSend: string; delivered: string | null }> = {
  slots: { status: "CHOOSING_SLOT", firstSend: "interactive/list", delivered: "interactive/list" },
  baseline: { status: "COLLECTING_TIME_WINDOWS", firstSend: "text", delivered: null },
};

/** Judges the samples (pure): every approval answered 200, the client got the expected first message, the lead is in the expected status. */
export function judgeApprovals(samples: readonly ApprovalSample[]): BookingFigures {
  const problems: string[] = [];
  for (const s of samples) {
    const want = EXPECTED[s.kind];
    if (s.httpStatus !== 200) problems.push(`${s.kind}: approve answered ${s.httpStatus}`);
    else if (s.deliveredMs === null) problems.push(`${s.kind}: no message reached the client after the approval`);
    else if (s.firstSend !== want.firstSend) problems.push(`${s.kind}: the client's first message was ${s.firstSend ?? "none"}, expected ${want.firstSend}`);
    if (s.status !== want.status) problems.push(`${s.kind}: the lead is ${s.status ?? "missing"} after approval, expected ${want.status}`);
  }
  const series = (["slots", "baseline"] as const).map((kind) => {
    const mine = samples.filter((s) => s.kind === kind);
    return {
      kind,
      delivered: summarize(mine.flatMap((s) => (s.deliveredMs === null ? [] : [s.deliveredMs]))),
      answered: summarize(mine.map((s) => s.answeredMs)),
    };
  });
  return { series, approvals: samples.length, problems };
}

const ms = (v: number) => (!Number.isFinite(v) ? "n/a" : v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** The booking section of BENCHMARKS.md (pure). */
export function renderBooking(f: BookingFigures): string {
  const slots = f.series.find((s) => s.kind === "slots");
  const base = f.series.find((s) => s.kind === "baseline");
  const lines = [
    "### Approval → slot list delivered",
    "",
    "The artist approves through the admin API (`POST /admin/leads/:id/approve`), one lead at a time, leads put into Postgres at PENDING_APPROVAL (consent and age already given, so the approval goes straight to the offer). With an estimate (MEDIUM, £100 deposit) the approval reads the artist's rules, our holds and bookings, asks the **Google emulator**'s freeBusy over the 60-day horizon, runs the gap search and sends a WhatsApp list; the baseline, interleaved in the same run, is the same approval for a lead without an estimate (no calendar: one plain text). Measured from the approve POST's start to the list (the baseline: its text) accepted by the WhatsApp emulator (its `received_at`); the admin API's own answer comes after the delivery, since the caller waits for the lead's object to finish.",
    "",
    "| series | n | p50 ms | p95 ms | p99 ms | max ms | approve answered p50 / p99 ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const s of [slots, base]) {
    if (!s) continue;
    const label = s.kind === "slots" ? "**approval → slot list delivered**" : "baseline: approval without the calendar → text delivered";
    lines.push(`| ${label} | ${s.delivered.count} | ${ms(s.delivered.p50)} | ${ms(s.delivered.p95)} | ${ms(s.delivered.p99)} | ${ms(s.delivered.max)} | ${ms(s.answered.p50)} / ${ms(s.answered.p99)} |`);
  }
  if (slots && base) {
    lines.push(
      "",
      `The slot list costs **${ms(slots.delivered.p50 - base.delivered.p50)} ms more at the median** (${(slots.delivered.p50 / base.delivered.p50).toFixed(2)}× the baseline; p99 ${(slots.delivered.p99 / base.delivered.p99).toFixed(2)}×): the freeBusy call, the blocked-time read and the gap search.`,
    );
  }
  lines.push("", `- ${f.problems.length === 0 ? "✅" : "❌"} ${f.approvals} approvals: each answered 200, the client's first message the list (or the baseline's text), the lead CHOOSING_SLOT (or COLLECTING_TIME_WINDOWS)${f.problems.length > 0 ? `; ${f.problems.slice(0, 5).join("; ")}` : ""}`);
  return lines.join("\n");
}

/** The type of a recorded send as the report names it: "text", "interactive/list", "template". */
export function sendType(send: { type: string; body: unknown }): string {
  if (send.type !== "interactive") return send.type;
  const body = send.body as { interactive?: { type?: string } } | null;
  return `interactive/${body?.interactive?.type ?? "?"}`;
}

/**
 * `leads.consent` of a client who has given consent and age (an adult, no flags, the default policy
 * agreed): the approval goes straight on to the offer, so the bench times the approval's slot list.
 * (Without it the approval asks the date of birth first, and the list follows the client's "I agree".)
 */
export function consentGiven(now: number): Record<string, unknown> {
  return {
    step: "done",
    next: "slots",
    index: 3,
    startedAt: new Date(now - 25 * 3_600_000).toISOString(),
    dateOfBirth: "1990-05-17",
    age: 35,
    answers: [],
    flags: [],
    policyAcknowledgedAt: new Date(now - 24 * 3_600_000).toISOString(),
    policy: defaultPolicy(),
  };
}

/**
 * A lead at PENDING_APPROVAL as a finished consultation leaves it, its consent already on record
 * ({@link consentGiven}): with an estimate (MEDIUM, £100 deposit) for "slots", none for "baseline".
 */
export async function insertPendingLead(pg: PgClient, phone: string, kind: ApprovalKind): Promise<string> {
  const now = Date.now();
  const estimate = kind === "slots";
  const res = await pg.query<{ id: string }>(
    `INSERT INTO leads (phone_e164, status, display_name, service_window_ends_at, last_client_message_at, price_min_minor, price_max_minor, price_currency, deposit_amount_minor, deposit_currency, size_category, region, consent)
     VALUES ($1, 'PENDING_APPROVAL', 'Bench Client', $2, $3, $4, $5, $6, $7, $8, $9, 'UK', $10) RETURNING id`,
    [
      phone,
      new Date(now + 20 * 3_600_000).toISOString(),
      new Date(now - 60_000).toISOString(),
      estimate ? 26_000 : null,
      estimate ? 38_000 : null,
      estimate ? "GBP" : null,
      estimate ? 10_000 : null,
      estimate ? "GBP" : null,
      estimate ? "MEDIUM" : null,
      JSON.stringify(consentGiven(now)),
    ],
  );
  const id = res.rows[0]?.id;
  if (!id) throw new Error("booking bench: lead insert returned nothing");
  return id;
}

/** Opens the client's 24-hour window at the emulator (the client wrote a minute ago) without posting to the Worker. */
export async function openClientWindow(stack: RunningStack, phone: string): Promise<void> {
  const res = await fetch(`${stack.urls.whatsapp}/_emulator/inbound/prepare`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ from: phone, text: "hi" }) });
  if (res.status !== 200) throw new Error(`emulator prepare answered ${res.status}`);
  await res.text();
}

async function approveOne(stack: RunningStack, pg: PgClient, phone: string, kind: ApprovalKind): Promise<ApprovalSample> {
  const id = await insertPendingLead(pg, phone, kind);
  await openClientWindow(stack, phone);
  const before = stack.whatsapp.sends(phone).length;
  const started = Date.now();
  const res = await fetch(`${stack.urls.worker}/admin/leads/${id}/approve`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-admin-api-key": BENCH_ADMIN_KEY },
    body: "{}",
  });
  await res.text();
  const answeredMs = Date.now() - started;
  // With the calendar the approval says a line first, then the list: the list is what is timed.
  const want = EXPECTED[kind].delivered;
  const arrived = () => stack.whatsapp.sends(phone).slice(before).find((s) => want === null || sendType(s) === want);
  let first = arrived();
  for (const deadline = Date.now() + 15_000; !first && Date.now() < deadline; first = arrived()) await sleep(5);
  const row = await pg.query<{ status: string }>("SELECT status FROM leads WHERE id = $1", [id]);
  return {
    kind,
    deliveredMs: first ? Date.parse(first.received_at) - started : null,
    answeredMs,
    httpStatus: res.status,
    firstSend: first ? sendType(first) : null,
    status: row.rows[0]?.status ?? null,
  };
}

export async function benchBooking(stack: RunningStack, pg: PgClient, say: (line: string) => void): Promise<BookingFigures> {
  const phones = phoneBlock(970000, 2 * (APPROVALS + WARM_UP));
  const kinds: ApprovalKind[] = phones.map((_, i) => (i % 2 === 0 ? "slots" : "baseline"));
  say(`booking: warming up (${WARM_UP} approvals of each kind)…`);
  for (let i = 0; i < 2 * WARM_UP; i++) await approveOne(stack, pg, phones[i] ?? "", kinds[i] ?? "slots");
  say(`booking: ${APPROVALS} approvals with the slot list and ${APPROVALS} without the calendar, interleaved, one at a time…`);
  const samples: ApprovalSample[] = [];
  for (let i = 2 * WARM_UP; i < phones.length; i++) samples.push(await approveOne(stack, pg, phones[i] ?? "", kinds[i] ?? "slots"));
  return judgeApprovals(samples);
}
