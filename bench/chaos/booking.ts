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
import { LOCAL_CALENDAR_ID, type RunningStack } from "../../dev/stack.ts";
import type { FailureMode, Operation } from "../../dev/emulators/google/index.ts";
import { insertPendingLead, openClientWindow } from "../booking.ts";
import type { PgClient } from "../db.ts";
import { phoneBlock, sleep } from "../harness.ts";
import { CHANGE_SCRIPTS, changeBooking, cancelWhilePaying, queueChangeFaults, snapshot, type ChangeRecord } from "./booking-changes.ts";
import { checkBookings, checkChanges, type BookingRowView, type BookingVerdict, type ChangeVerdict, type PaidLeadView } from "./booking-invariants.ts";
import { adminAction, deliver, lastList, sessionOf, statuses, StripeEvents, stripeControl, waitUntilNot } from "./booking-kit.ts";

/** How a held lead's payment reaches the Worker. */
const ORDERINGS = ["card: completed twice at once, a third copy later", "async: succeeded before completed, each twice", "link expired unpaid: expired twice", "card: completed as the client writes \"I need to cancel\", again after 1 s"] as const;

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
  /** Booked clients' cancels and moves during the run (issue 18), by script, and how they ended. */
  changes: { byScript: Record<string, number>; artistDecided: number; verdict: ChangeVerdict };
  seconds: number;
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
  // Its own block: the burst (bench/chaos/burst.ts) takes 950000 onwards, a thousand numbers by default.
  const phones = phoneBlock(990000, options.clients);
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
  const changes: ChangeRecord[] = [];
  /** Changes each lead made: at most two (a mover may move again, or cancel); one that cancelled, none after. */
  const changesOf = new Map<string, number>();
  let changeRounds = 0;
  let taps = 0;
  let held = 0;
  let refused = 0;
  let expired = 0;
  let ordering = 0;
  let scripts = 0;
  // The rounds, then one more where only the last ones booked change (no one left choosing).
  for (let round = 0; round <= options.rounds; round++) {
    const now = await statuses(pg, leads.map((l) => l.id));
    const choosing = round < options.rounds ? leads.filter((l) => now.get(l.id) === "CHOOSING_SLOT") : [];
    // Everyone booked by an earlier round changes their session now, while the others tap and pay.
    const changers = leads.filter((l) => now.get(l.id) === "BOOKED" && (changesOf.get(l.id) ?? 0) < 2);
    if (choosing.length === 0 && changers.length === 0) break;
    for (const l of changers) changesOf.set(l.id, (changesOf.get(l.id) ?? 0) + 1);
    const [mode, op] = roundFaults[round % roundFaults.length] ?? ["500", "freeBusy"];
    arm(1, mode, op);
    if (changers.length > 0) faults.push(...queueChangeFaults(stack, changeRounds++));
    say(
      `booking: round ${round + 1}: ${choosing.length} client(s) tap a slot at once, ${changers.length} booked client(s) cancel or move (${
        changers.length > 0 ? `freeBusy: one ${mode}; faults queued for freeBusy, insert, patch and delete` : `freeBusy: one ${mode}`
      })…`,
    );
    // A client who moved asks to move again: past the policy's one free move, so the artist decides.
    const movedBefore = new Set(changes.filter((c) => c.kind === "move" && c.chosenStart !== null && c.after?.bookingStart === c.chosenStart).map((c) => c.leadId));
    const scriptFor = (id: string) => (movedBefore.has(id) ? "reminder button: move" : (CHANGE_SCRIPTS[scripts++ % CHANGE_SCRIPTS.length] ?? "cancel by chat"));
    const changing = Promise.all(changers.map((l, i) => changeBooking({ stack, pg, adminKey }, l, scriptFor(l.id), i, round)));

    // Everyone taps one of the first three rows: several clients per slot, all at once.
    const before = new Map(choosing.map((l) => [l.id, lastList(stack, l.phone).sends]));
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
    for (const deadline = Date.now() + 30_000; choosing.length > 0 && Date.now() < deadline; await sleep(250)) {
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
          const { events } = StripeEvents.parse(await stripeControl(stack, "POST", `/_emulator/sessions/${session}/expire`, { deliver: false }));
          const event = events.find((e) => e.type === "checkout.session.expired");
          if (event) await Promise.all([deliver(stack, event), deliver(stack, event)]);
          expired++;
          return;
        }
        const { events } = StripeEvents.parse(await stripeControl(stack, "POST", `/_emulator/sessions/${session}/pay`, { method: how === 1 ? "async_succeeded" : "card", deliver: false }));
        paid.add(l.id);
        if (how === 1) {
          for (const event of [...events].reverse()) await Promise.all([deliver(stack, event), deliver(stack, event)]);
          return;
        }
        const [completed] = events;
        if (!completed) return;
        if (how === 0) {
          await Promise.all([deliver(stack, completed), deliver(stack, completed)]);
          await sleep(1_000);
          await deliver(stack, completed);
          return;
        }
        // "I need to cancel" sent as the payment lands; the copy a second later finds it decided.
        changesOf.set(l.id, 2);
        changes.push(await cancelWhilePaying(stack, l, () => deliver(stack, completed)));
        await sleep(1_000);
        await deliver(stack, completed);
      }),
    );
    changes.push(...(await changing));
  }

  say(`booking: ${paid.size} paid, ${changes.length} change(s) asked; waiting for the leads and the calendar writes (through the queue, retried past the faults)…`);
  const paidIds = [...paid];
  const ids = leads.map((l) => l.id);
  await waitUntilNot(pg, paidIds, ["AWAITING_DEPOSIT", "DEPOSIT_PAID"], 30_000);
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(500)) {
    const { rows } = await pg.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM bookings WHERE lead_id = ANY($1)
         AND ((status = 'CONFIRMED' AND (calendar_event_id IS NULL OR calendar_event_starts_at IS DISTINCT FROM starts_at)) OR (status <> 'CONFIRMED' AND calendar_event_id IS NOT NULL))`,
      [ids],
    );
    if (Number(rows[0]?.n ?? 1) === 0) break;
  }
  await sleep(2_000); // a retried write still in flight lands before the calendar is read
  stack.google.failNext(0, "500");
  for (const c of changes) if (c.after === null) c.after = await snapshot(pg, c.leadId, null);

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
  const leadRows = await pg.query<{ id: string; status: string; deposit_ledger: { kind?: string; amountMinor?: number; from?: string }[]; held_slot: { start?: string } | null }>(
    "SELECT id, status, deposit_ledger, held_slot FROM leads WHERE id = ANY($1)",
    [ids],
  );
  const paidLeads: PaidLeadView[] = leadRows.rows
    .filter((r) => paid.has(r.id))
    .map((r) => ({
      id: r.id,
      status: r.status,
      ledgerKinds: r.deposit_ledger.map((e) => e.kind ?? ""),
      ledger: r.deposit_ledger.map((e) => ({ kind: e.kind ?? "", amountMinor: e.amountMinor ?? 0, ...(e.from === undefined ? {} : { from: e.from }) })),
      heldStart: r.held_slot?.start ? Date.parse(r.held_slot.start) : null,
    }));
  const events = stack.google.events(LOCAL_CALENDAR_ID).map((e) => ({
    id: e.id,
    status: e.status,
    bookingId: e.extendedProperties?.private?.bookingId ?? null,
    ...(e.start?.dateTime ? { startsAt: Date.parse(e.start.dateTime) } : {}),
  }));
  const verdict = checkBookings(bookingRows, paidLeads, events);
  const changeVerdict = checkChanges(changes);
  const byScript: Record<string, number> = {};
  for (const c of changes) byScript[c.script] = (byScript[c.script] ?? 0) + 1;
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
    changes: { byScript, artistDecided: changes.filter((c) => c.artistDecided).length, verdict: changeVerdict },
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
  const c = s.changes.verdict;
  const faults = new Map<string, number>();
  for (const f of s.faults) faults.set(`${f.operation} ${f.mode}`, (faults.get(`${f.operation} ${f.mode}`) ?? 0) + f.count);
  const calls = Object.entries(s.googleCalls)
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");
  const ok = (n: number) => (n === 0 ? "✅" : "❌");
  const scripts = Object.entries(s.changes.byScript)
    .map(([script, n]) => `${script} ×${n}`)
    .join(", ");
  const problems = [...v.problems, ...c.problems];
  return [
    "### Booking under calendar faults and races",
    "",
    `${s.clients} approved clients (all at once), ${s.rounds} choosing rounds: everyone still choosing taps one of the first three rows of their list at once (several clients per slot); the holders pay (${ORDERINGS.join("; ")}, in turn), the expired links free their slots for the next round. From the second round on, every client booked by then cancels, moves or keeps their session (by chat, by the reminder's "I need to change it" button, or as their payment lands) while the others tap and pay, and once more after the last round; a client changes at most twice (a second move is past the policy's one free move: the artist lets it through; a late cancel is the artist's to decide): ${scripts || "none"}. A move taps one of the first three rows of its fresh list, racing the clients choosing. Google emulator faults through the run: ${[...faults].map(([k, n]) => `${k} ×${n}`).join(", ")} (armed side by side, each until a matching call came, so one still armed at the end never fired; in change rounds patch, delete, freeBusy and insert faults also queued, each for its own operation's next call). ${s.injected} calls failed by injection: ${Object.entries(s.injectedBy).map(([k, n]) => `${k} ×${n}`).join(", ") || "none"} ("dropped": the write applied and its answer lost; "held": no answer until our timeout). Google calls made: ${calls}. ${s.seconds.toFixed(0)} s.`,
    "",
    "| count | |",
    "| --- | ---: |",
    `| taps | ${s.taps} |`,
    `| held | ${s.held} |`,
    `| refused ("that one has just gone", fresh list) | ${s.refused} |`,
    `| paid | ${s.paid} |`,
    `| links expired unpaid (hold released) | ${s.expired} |`,
    `| cancelled by the client | ${c.counts.cancelled} |`,
    `| "I need to cancel" as the payment landed: cancelled / read before it, kept | ${c.counts.paidThenCancelled} / ${c.counts.paidAndKept} |`,
    `| moved to the chosen time / move refused (time taken meanwhile, Google unreadable), kept where it was | ${c.counts.moved} / ${c.counts.moveRefused} |`,
    `| kept ("Keep it") | ${c.counts.kept} |`,
    `| changes the artist decided (a late cancel, a second move, a move Google kept from being offered) | ${s.changes.artistDecided} |`,
    `| CONFIRMED bookings | ${v.counts.confirmed} |`,
    `| paid after the slot was lost, kept as credit | ${v.counts.credit} |`,
    `| our events in the calendar | ${v.counts.events} |`,
    "",
    `- ${ok(v.doubleBookings)} ${v.doubleBookings} double bookings (no two HELD/CONFIRMED rows of one artist overlap, with the buffer; no lead with two; no two sessions overlapping)`,
    `- ${ok(v.lostBookings)} ${v.lostBookings} lost bookings (every paid lead BOOKED with one CONFIRMED booking, CANCELLED with its booking cancelled, or its deposit kept as credit)`,
    `- ${ok(v.duplicateEvents)} ${v.duplicateEvents} duplicate calendar events (per booking at most one event; every CONFIRMED booking has exactly the one it names; none left for a cancelled one)`,
    `- ${ok(v.ledgerDrift)} ${v.ledgerDrift} ledger drift (every paid lead's ledger balances: paid = refunded + forfeited + credit + applied + held, held >= 0; nothing undecided on a cancelled one)`,
    `- ${ok(v.strayEvents)} ${v.strayEvents} moved bookings away from their events (each CONFIRMED booking's event, and its lead's held slot, at the booking's time)`,
    `- ${ok(c.lostChanges)} ${c.lostChanges} lost changes (every cancel ended CANCELLED; every move at the old time or the one chosen, never a third)`,
    ...(problems.length > 0 ? ["", ...problems.slice(0, 10).map((p) => `- ❌ ${p}`)] : []),
  ].join("\n");
}
