/**
 * The booking phase of `npm run chaos` (issue 15): a few dozen approved clients choosing slots at
 * once (most of them the same few), paying with Stripe's events duplicated and reordered, some
 * links expiring instead (their slots freed for the next round), while the Google emulator fails
 * freeBusy and events insert (500, 429 with Retry-After, no answer, the answer lost after the
 * write). Judged by bench/chaos/booking-invariants.ts: 0 double bookings, 0 lost bookings, 0
 * duplicate calendar events.
 *
 * Leads start at PENDING_APPROVAL in Postgres (as a finished consultation leaves them); the artist
 * approves through the admin API; clients tap rows of the lists the WhatsApp emulator recorded
 * (signed webhooks from the emulator); payments go through the Stripe emulator and the run delivers
 * the signed events itself, as Stripe may.
 */
import { z } from "zod";
import { LOCAL_CALENDAR_ID, type RunningStack } from "../../dev/stack.ts";
import type { FailureMode, Operation } from "../../dev/emulators/google/index.ts";
import { insertPendingLead, openClientWindow, sendType } from "../booking.ts";
import type { PgClient } from "../db.ts";
import { phoneBlock, sleep } from "../harness.ts";
import { checkBookings, type BookingRowView, type BookingVerdict, type PaidLeadView } from "./booking-invariants.ts";

const StripeEvent = z.object({ id: z.string(), type: z.string(), payload: z.string(), signature: z.string() });
type StripeEvent = z.infer<typeof StripeEvent>;
const Paid = z.object({ events: z.array(StripeEvent) });
const Expired = z.object({ events: z.array(StripeEvent) });
const Sessions = z.object({ sessions: z.array(z.object({ id: z.string(), client_reference_id: z.string().nullable(), status: z.string() })) });

/** How a held lead's payment reaches the Worker. */
const ORDERINGS = ["card: completed twice at once, a third copy later", "async: succeeded before completed, each twice", "link expired unpaid: expired twice", "card: completed, again after 1 s"] as const;

export interface BookingChaosOptions {
  clients: number;
  /** Choosing rounds (each: everyone still choosing taps a row; the holders pay or let the link expire). */
  rounds: number;
}

export interface BookingChaosSummary {
  clients: number;
  rounds: number;
  /** Taps per round and what came of them. */
  taps: number;
  held: number;
  refused: number;
  paid: number;
  expired: number;
  faults: { operation: Operation; mode: FailureMode; count: number }[];
  /** Google calls the Worker made, by operation, and those that failed by injection. */
  googleCalls: Record<string, number>;
  injected: number;
  /** Calls failed by injection, by operation and what they got ("insert dropped": written, answer lost; "held": no answer). */
  injectedBy: Record<string, number>;
  verdict: BookingVerdict;
  seconds: number;
}

interface ListRow {
  id: string;
  title: string;
}

async function adminAction(stack: RunningStack, adminKey: string, leadId: string, action: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await fetch(`${stack.urls.worker}/admin/leads/${leadId}/${action}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-admin-api-key": adminKey, "idempotency-key": `chaos-booking-${action}-${leadId}` },
      body: "{}",
    }).catch(() => null);
    await res?.text();
    if (res && res.status !== 503 && res.status !== 202) return res.status;
    await sleep(300);
  }
  return 0;
}

async function stripeControl(stack: RunningStack, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${stack.urls.stripe}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`stripe emulator ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Posts a Stripe event until the Worker takes it (200), as Stripe retries. */
async function deliver(stack: RunningStack, event: StripeEvent): Promise<void> {
  for (let attempt = 0, wait = 200; attempt < 30; attempt++, wait = Math.min(wait * 2, 2_000)) {
    const res = await fetch(`${stack.urls.worker}/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": event.signature },
      body: event.payload,
    }).catch(() => null);
    await res?.text();
    if (res?.status === 200) return;
    await sleep(wait);
  }
  throw new Error(`stripe event ${event.id} was never taken`);
}

/** The rows of the last list message the emulator recorded for `phone`, with how many sends there were. */
function lastList(stack: RunningStack, phone: string): { rows: ListRow[]; sends: number } {
  const sends = stack.whatsapp.sends(phone);
  for (const send of [...sends].reverse()) {
    if (sendType(send) !== "interactive/list") continue;
    const body = send.body as { interactive?: { action?: { sections?: { rows: ListRow[] }[] } } };
    return { rows: (body.interactive?.action?.sections ?? []).flatMap((s) => s.rows), sends: sends.length };
  }
  return { rows: [], sends: sends.length };
}

async function statuses(pg: PgClient, ids: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await pg.query<{ id: string; status: string }>("SELECT id, status FROM leads WHERE id = ANY($1)", [ids]);
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** Waits (bounded) until no lead in `ids` is in one of `busy`. */
async function waitUntilNot(pg: PgClient, ids: readonly string[], busy: readonly string[], timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
    const now = await statuses(pg, ids);
    if (![...now.values()].some((s) => busy.includes(s))) return;
  }
}

async function sessionOf(stack: RunningStack, leadId: string): Promise<string | null> {
  for (let i = 0; i < 40; i++) {
    const { sessions } = Sessions.parse(await stripeControl(stack, "GET", "/_emulator/sessions"));
    const open = sessions.find((s) => s.client_reference_id === leadId && s.status === "open");
    if (open) return open.id;
    await sleep(250);
  }
  return null;
}

export async function runBookingChaos(stack: RunningStack, pg: PgClient, adminKey: string, options: BookingChaosOptions, say: (line: string) => void): Promise<BookingChaosSummary> {
  const begun = Date.now();
  const faults: BookingChaosSummary["faults"] = [];
  const callsBefore = stack.google.calls().length;
  // Armed side by side (the emulator keeps each arming until its calls come): an insert fault
  // armed before the next round's freeBusy fault still fires when the next insert comes.
  const arm = (count: number, mode: FailureMode, operation: Operation) => {
    stack.google.failNext(count, mode, operation, mode === "429" ? 1 : undefined);
    faults.push({ operation, mode, count });
  };
  const phones = phoneBlock(950000, options.clients);
  const leads: { id: string; phone: string }[] = [];
  for (const phone of phones) {
    leads.push({ id: await insertPendingLead(pg, phone, "slots"), phone });
    await openClientWindow(stack, phone);
  }

  say(`booking: ${leads.length} approvals at once, freeBusy answering 500 to the first two…`);
  arm(2, "500", "freeBusy");
  await Promise.all(leads.map((l) => adminAction(stack, adminKey, l.id, "approve")));
  await waitUntilNot(pg, leads.map((l) => l.id), ["PENDING_APPROVAL"], 30_000);
  // A lead whose offer could not be made (Google unreadable) waits for its windows: the artist offers again.
  const waiting = [...(await statuses(pg, leads.map((l) => l.id)))].filter(([, s]) => s === "COLLECTING_TIME_WINDOWS").map(([id]) => id);
  if (waiting.length > 0) say(`booking: ${waiting.length} lead(s) got no list (Google failed); the artist taps "offer slots"`);
  await Promise.all(waiting.map((id) => adminAction(stack, adminKey, id, "offer-slots")));

  const roundFaults: [FailureMode, Operation][] = [
    ["429", "freeBusy"],
    ["timeout", "freeBusy"],
    ["lost", "freeBusy"],
    ["503", "freeBusy"],
  ];
  const insertFaults: [FailureMode, Operation][] = [
    ["lost", "insert"],
    ["500", "insert"],
    ["429", "insert"],
    ["timeout", "insert"],
  ];
  const paid = new Set<string>();
  let taps = 0;
  let held = 0;
  let refused = 0;
  let expired = 0;
  let ordering = 0;
  for (let round = 0; round < options.rounds; round++) {
    const now = await statuses(pg, leads.map((l) => l.id));
    const choosing = leads.filter((l) => now.get(l.id) === "CHOOSING_SLOT");
    if (choosing.length === 0) break;
    const [mode, op] = roundFaults[round % roundFaults.length] ?? ["500", "freeBusy"];
    arm(1, mode, op);
    // Everyone taps one of the first three rows: several clients per slot, all at once.
    const before = new Map(choosing.map((l) => [l.id, lastList(stack, l.phone).sends]));
    say(`booking: round ${round + 1}: ${choosing.length} client(s) tap a slot at once (freeBusy: one ${mode})…`);
    await Promise.all(
      choosing.map(async (l, i) => {
        const { rows } = lastList(stack, l.phone);
        const slots = rows.slice(0, -1);
        const row = slots[i % Math.min(3, Math.max(1, slots.length))];
        if (!row) return;
        taps++;
        await stack.whatsapp.inbound({ from: l.phone, list: { id: row.id, title: row.title } });
      }),
    );
    // Each tap ends in a hold (AWAITING_DEPOSIT) or a fresh list ("that one has just gone").
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(250)) {
      const after = await statuses(pg, choosing.map((l) => l.id));
      if (choosing.every((l) => after.get(l.id) !== "CHOOSING_SLOT" || stack.whatsapp.sends(l.phone).length > (before.get(l.id) ?? 0))) break;
    }
    const after = await statuses(pg, choosing.map((l) => l.id));
    const holders = choosing.filter((l) => after.get(l.id) === "AWAITING_DEPOSIT");
    held += holders.length;
    refused += choosing.length - holders.length;

    const [insertMode, insertOp] = insertFaults[round % insertFaults.length] ?? ["500", "insert"];
    arm(1, insertMode, insertOp);
    await Promise.all(
      holders.map(async (l) => {
        const session = await sessionOf(stack, l.id);
        if (!session) return;
        const how = ordering++ % ORDERINGS.length;
        if (how === 2) {
          const { events } = Expired.parse(await stripeControl(stack, "POST", `/_emulator/sessions/${session}/expire`, { deliver: false }));
          const event = events.find((e) => e.type === "checkout.session.expired");
          if (event) await Promise.all([deliver(stack, event), deliver(stack, event)]);
          expired++;
          return;
        }
        const { events } = Paid.parse(await stripeControl(stack, "POST", `/_emulator/sessions/${session}/pay`, { method: how === 1 ? "async_succeeded" : "card", deliver: false }));
        paid.add(l.id);
        if (how === 1) {
          for (const event of [...events].reverse()) await Promise.all([deliver(stack, event), deliver(stack, event)]);
          return;
        }
        const [completed] = events;
        if (!completed) return;
        if (how === 0) await Promise.all([deliver(stack, completed), deliver(stack, completed)]);
        else await deliver(stack, completed);
        await sleep(1_000);
        await deliver(stack, completed);
      }),
    );
  }

  say(`booking: ${paid.size} paid; waiting for the leads and the calendar writes (through the queue, retried past the faults)…`);
  const paidIds = [...paid];
  await waitUntilNot(pg, paidIds, ["AWAITING_DEPOSIT", "DEPOSIT_PAID"], 30_000);
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(500)) {
    const { rows } = await pg.query<{ n: string }>("SELECT count(*)::text AS n FROM bookings WHERE lead_id = ANY($1) AND status = 'CONFIRMED' AND calendar_event_id IS NULL", [leads.map((l) => l.id)]);
    if (Number(rows[0]?.n ?? 1) === 0) break;
  }
  await sleep(2_000); // a retried insert still in flight lands before the calendar is read
  stack.google.failNext(0, "500");

  const { rows } = await pg.query<{ id: string; artist_id: string; lead_id: string; status: string; starts_at: Date; ends_at: Date; blocked_until: Date; calendar_event_id: string | null }>(
    "SELECT id, artist_id, lead_id, status, starts_at, ends_at, blocked_until, calendar_event_id FROM bookings",
  );
  const bookingRows: BookingRowView[] = rows.map((r) => ({
    id: r.id,
    artistId: r.artist_id,
    leadId: r.lead_id,
    status: r.status,
    startsAt: r.starts_at.getTime(),
    endsAt: r.ends_at.getTime(),
    blockedUntil: r.blocked_until.getTime(),
    calendarEventId: r.calendar_event_id,
  }));
  const paidRows = await pg.query<{ id: string; status: string; deposit_ledger: { kind?: string }[] }>("SELECT id, status, deposit_ledger FROM leads WHERE id = ANY($1)", [paidIds]);
  const paidLeads: PaidLeadView[] = paidRows.rows.map((r) => ({ id: r.id, status: r.status, ledgerKinds: r.deposit_ledger.map((e) => e.kind ?? "") }));
  const events = stack.google.events(LOCAL_CALENDAR_ID).map((e) => ({ id: e.id, status: e.status, bookingId: e.extendedProperties?.private?.bookingId ?? null }));
  const verdict = checkBookings(bookingRows, paidLeads, events);
  const calls = stack.google.calls().slice(callsBefore);
  const googleCalls: Record<string, number> = {};
  for (const c of calls) googleCalls[c.operation ?? "other"] = (googleCalls[c.operation ?? "other"] ?? 0) + 1;
  return {
    clients: options.clients,
    rounds: options.rounds,
    taps,
    held,
    refused,
    paid: paid.size,
    expired,
    faults,
    googleCalls,
    injected: calls.filter((c) => c.injected).length,
    injectedBy: Object.fromEntries(
      [...new Set(calls.filter((c) => c.injected).map((c) => `${c.operation ?? "other"} ${String(c.status)}`))].map((k) => [k, calls.filter((c) => c.injected && `${c.operation ?? "other"} ${String(c.status)}` === k).length]),
    ),
    verdict,
    seconds: (Date.now() - begun) / 1000,
  };
}

export const BOOKING_CHAOS_MARKERS = {
  begin: "<!-- chaos-booking:begin (written by `npm run chaos`; edit outside the markers) -->",
  end: "<!-- chaos-booking:end -->",
};

/** The booking section of the chaos report (pure). */
export function renderBookingChaos(s: BookingChaosSummary): string {
  const v = s.verdict;
  const faults = new Map<string, number>();
  for (const f of s.faults) faults.set(`${f.operation} ${f.mode}`, (faults.get(`${f.operation} ${f.mode}`) ?? 0) + f.count);
  const calls = Object.entries(s.googleCalls)
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");
  const ok = (n: number) => (n === 0 ? "✅" : "❌");
  return [
    "### Booking under calendar faults and races",
    "",
    `${s.clients} approved clients (all at once), ${s.rounds} choosing rounds: everyone still choosing taps one of the first three rows of their list at once (several clients per slot); the holders pay (${ORDERINGS.join("; ")}, in turn), the expired links free their slots for the next round. Google emulator faults armed through the run: ${[...faults].map(([k, n]) => `${k} ×${n}`).join(", ")} (armed side by side, each until a matching call came; one still armed at the end never fired). ${s.injected} calls failed by injection: ${Object.entries(s.injectedBy).map(([k, n]) => `${k} ×${n}`).join(", ") || "none"} ("dropped": the insert applied and its answer lost; "held": no answer until our timeout). Google calls made: ${calls}. ${s.seconds.toFixed(0)} s.`,
    "",
    "| count | |",
    "| --- | ---: |",
    `| taps | ${s.taps} |`,
    `| held | ${s.held} |`,
    `| refused ("that one has just gone", fresh list) | ${s.refused} |`,
    `| paid | ${s.paid} |`,
    `| links expired unpaid (hold released) | ${s.expired} |`,
    `| CONFIRMED bookings | ${v.counts.confirmed} |`,
    `| paid after the slot was lost, kept as credit | ${v.counts.credit} |`,
    `| our events in the calendar | ${v.counts.events} |`,
    "",
    `- ${ok(v.doubleBookings)} ${v.doubleBookings} double bookings (no two HELD/CONFIRMED rows of one artist overlap, with the buffer; no lead with two; no two sessions overlapping)`,
    `- ${ok(v.lostBookings)} ${v.lostBookings} lost bookings (every paid lead BOOKED with one CONFIRMED booking, or its deposit kept as credit)`,
    `- ${ok(v.duplicateEvents)} ${v.duplicateEvents} duplicate calendar events (per booking at most one event; every CONFIRMED booking has exactly the one it names)`,
    ...(v.problems.length > 0 ? ["", ...v.problems.slice(0, 10).map((p) => `- ❌ ${p}`)] : []),
  ].join("\n");
}
