/**
 * The booking invariants of `npm run chaos` (issue 15), pure: fed with the `bookings` rows, the
 * leads the run paid for, and the events in the Google emulator's calendar, they say whether the
 * run double-booked, lost a booking or wrote an event twice.
 *
 * - **0 double bookings**: no two HELD/CONFIRMED rows of one artist overlap (`[starts, blocked_until)`,
 *   the exclusion constraint's own rule, checked again from outside), no lead has two blocking rows,
 *   and no two CONFIRMED sessions overlap at all.
 * - **0 lost bookings**: every lead that paid is BOOKED with exactly one CONFIRMED booking, or (its
 *   slot gone) holds the deposit as credit; a BOOKED lead always has its CONFIRMED booking.
 * - **0 duplicate events**: per booking at most one live (not cancelled) event in the calendar,
 *   every CONFIRMED booking has exactly that one, the one the row names; no live event for a
 *   released or cancelled booking; a moved booking's event is at its new time (when known).
 * - **0 ledger drift** (issue 18): a paid lead CANCELLED or NO_SHOW has its booking cancelled and
 *   no money left undecided, and every ledger given balances with held >= 0:
 *   paid = refunded + forfeited + credit + applied + held.
 * - **moved bookings' events follow them** (issue 18): a BOOKED lead's held slot and its CONFIRMED
 *   row agree on the time, and the row's event is at that time.
 * - **0 lost changes** ({@link checkChanges}): every cancel a client asked for ended CANCELLED with
 *   the booking cancelled (the artist deciding when it was late); every move ended BOOKED with the
 *   same booking at the old time (refused) or the chosen one (moved), never anywhere else; judged
 *   right after each change was answered.
 */

export interface BookingRowView {
  id: string;
  artistId: string;
  leadId: string;
  status: string;
  startsAt: number;
  endsAt: number;
  blockedUntil: number;
  calendarEventId: string | null;
}

export interface PaidLeadView {
  id: string;
  status: string;
  /** The kinds of the lead's deposit ledger entries ("payment", "credit", …). */
  ledgerKinds: readonly string[];
  /** The entries themselves, when the run has them: the ledger is checked to balance. */
  ledger?: readonly { kind: string; amountMinor: number; from?: string }[];
  /** The start (ms) of the slot the lead holds (`leads.held_slot`), when the run read it. */
  heldStart?: number | null;
}

export interface CalendarEventView {
  id: string;
  status: string;
  /** `extendedProperties.private.bookingId`; null for an event someone added by hand. */
  bookingId: string | null;
  /** The event's start (ms), when known: a moved booking's event must have followed it. */
  startsAt?: number;
}

export interface BookingVerdict {
  doubleBookings: number;
  lostBookings: number;
  duplicateEvents: number;
  /** Paid leads whose ledger does not balance, or that ended without their money decided. */
  ledgerDrift: number;
  /** CONFIRMED bookings whose event (or whose lead's held slot) is not at the booking's time. */
  strayEvents: number;
  /** CONFIRMED bookings, paid leads that ended with credit, live events of ours. */
  counts: { confirmed: number; credit: number; events: number };
  problems: string[];
}

const BLOCKING = new Set(["HELD", "CONFIRMED"]);

/** paid = refunded + forfeited + credit + applied + held, held >= 0 (src/domain/deposit.ts ledgerBalance, reopen included). */
export function ledgerHeld(ledger: NonNullable<PaidLeadView["ledger"]>): { held: number; balanced: boolean } {
  const sum = (kind: string) => ledger.filter((e) => e.kind === kind).reduce((t, e) => t + e.amountMinor, 0);
  const reopened = (kind: string) => ledger.filter((e) => e.kind === "reopen" && e.from === kind).reduce((t, e) => t + e.amountMinor, 0);
  const parts = [sum("refund"), sum("forfeit") - reopened("forfeit"), sum("credit") - reopened("credit"), sum("applied") - reopened("applied")];
  const held = sum("payment") - parts.reduce((t, p) => t + p, 0);
  return { held, balanced: held >= 0 && parts.every((p) => p >= 0) };
}

/** Statuses where a paid lead's booking is over and its deposit must be decided. */
const ENDED = new Set(["CANCELLED", "NO_SHOW"]);

const overlaps = (a: { startsAt: number }, aEnd: number, b: { startsAt: number }, bEnd: number) => a.startsAt < bEnd && b.startsAt < aEnd;

/** Judges a run's bookings, paid leads and calendar events (see the module's comment). */
export function checkBookings(rows: readonly BookingRowView[], paid: readonly PaidLeadView[], events: readonly CalendarEventView[]): BookingVerdict {
  const problems: string[] = [];
  let doubleBookings = 0;
  let lostBookings = 0;
  let duplicateEvents = 0;

  const blocking = rows.filter((r) => BLOCKING.has(r.status));
  for (let i = 0; i < blocking.length; i++) {
    for (let j = i + 1; j < blocking.length; j++) {
      const a = blocking[i];
      const b = blocking[j];
      if (!a || !b) continue;
      if (a.artistId === b.artistId && overlaps(a, a.blockedUntil, b, b.blockedUntil)) {
        doubleBookings++;
        problems.push(`double booking: ${a.status} ${a.id} and ${b.status} ${b.id} overlap for artist ${a.artistId}`);
      } else if (a.status === "CONFIRMED" && b.status === "CONFIRMED" && a.artistId === b.artistId && overlaps(a, a.endsAt, b, b.endsAt)) {
        doubleBookings++;
        problems.push(`double booking: sessions ${a.id} and ${b.id} overlap`);
      }
      if (a.leadId === b.leadId) {
        doubleBookings++;
        problems.push(`lead ${a.leadId} has two blocking bookings (${a.id}, ${b.id})`);
      }
    }
  }

  const confirmedOf = (leadId: string) => rows.filter((r) => r.leadId === leadId && r.status === "CONFIRMED");
  let credit = 0;
  let strayEvents = 0;
  for (const lead of paid) {
    const confirmed = confirmedOf(lead.id);
    if (lead.status === "BOOKED") {
      if (confirmed.length !== 1) {
        lostBookings++;
        problems.push(`lost booking: lead ${lead.id} is BOOKED with ${confirmed.length} CONFIRMED booking(s)`);
      } else if (lead.heldStart !== undefined && lead.heldStart !== confirmed[0]?.startsAt) {
        strayEvents++;
        problems.push(`lead ${lead.id} holds ${lead.heldStart === null ? "no slot" : new Date(lead.heldStart).toISOString()} but its booking is at ${new Date(confirmed[0]?.startsAt ?? 0).toISOString()}`);
      }
    } else if (ENDED.has(lead.status)) {
      if (confirmed.length > 0) {
        lostBookings++;
        problems.push(`lead ${lead.id} is ${lead.status} but still has a CONFIRMED booking`);
      }
    } else if (confirmed.length > 0) {
      lostBookings++;
      problems.push(`lost booking: lead ${lead.id} has a CONFIRMED booking but is ${lead.status}`);
    } else if (lead.ledgerKinds.includes("credit")) {
      credit++;
    } else {
      lostBookings++;
      problems.push(`lost booking: lead ${lead.id} paid but is ${lead.status} with no booking and no credit`);
    }
  }

  let ledgerDrift = 0;
  for (const lead of paid) {
    if (!lead.ledger) continue;
    const { held, balanced } = ledgerHeld(lead.ledger);
    if (!balanced) {
      ledgerDrift++;
      problems.push(`ledger drift: lead ${lead.id} does not balance (held ${held})`);
    } else if (ENDED.has(lead.status) && held > 0 && lead.status === "CANCELLED") {
      ledgerDrift++;
      problems.push(`ledger drift: lead ${lead.id} is CANCELLED with ${held} of its deposit undecided`);
    }
  }

  const live = events.filter((e) => e.status !== "cancelled" && e.bookingId !== null);
  const byBooking = new Map<string, CalendarEventView[]>();
  for (const e of live) byBooking.set(e.bookingId ?? "", [...(byBooking.get(e.bookingId ?? "") ?? []), e]);
  for (const [bookingId, list] of byBooking) {
    if (list.length > 1) {
      duplicateEvents += list.length - 1;
      problems.push(`duplicate events: booking ${bookingId} has ${list.length} events in the calendar (${list.map((e) => e.id).join(", ")})`);
    }
  }
  const confirmed = rows.filter((r) => r.status === "CONFIRMED");
  for (const row of confirmed) {
    const list = byBooking.get(row.id) ?? [];
    if (list.length === 0) problems.push(`booking ${row.id} is CONFIRMED with no event in the calendar`);
    else if (row.calendarEventId !== null && !list.some((e) => e.id === row.calendarEventId)) problems.push(`booking ${row.id} names event ${row.calendarEventId}, the calendar has ${list.map((e) => e.id).join(", ")}`);
    else if (list.some((e) => e.startsAt !== undefined && e.startsAt !== row.startsAt)) {
      strayEvents++;
      const at = list.map((e) => (e.startsAt === undefined ? "?" : new Date(e.startsAt).toISOString())).join(", ");
      problems.push(`booking ${row.id} moved but its event did not follow it (booking at ${new Date(row.startsAt).toISOString()}, event at ${at})`);
    }
  }
  for (const row of rows.filter((r) => !BLOCKING.has(r.status))) {
    if ((byBooking.get(row.id) ?? []).length > 0) problems.push(`booking ${row.id} is ${row.status} but its event is still in the calendar`);
  }
  return { doubleBookings, lostBookings, duplicateEvents, ledgerDrift, strayEvents, counts: { confirmed: confirmed.length, credit, events: live.length }, problems };
}

/** Where a lead and its booking stood right after a change was answered (or at the end of the run). */
export interface ChangeSnapshot {
  status: string;
  /** The lead's CONFIRMED bookings. */
  confirmed: number;
  /** The booking the change was about (for a cancel while paying: the lead's latest), its status and start. */
  bookingStatus: string | null;
  bookingStart: number | null;
}

/** A change a client asked for during the run (bench/chaos/booking-changes.ts). */
export interface ChangeView {
  leadId: string;
  /** How it was asked ("cancel by chat", "reminder button: move", …). */
  script: string;
  kind: "cancel" | "move" | "keep" | "cancel_while_paying";
  /** The booking it was about and its start before the change (ms); null when the lead had none yet. */
  bookingId: string | null;
  fromStart: number | null;
  /** The start of the slot the client tapped for a move (ms); null when they were never offered one. */
  chosenStart: number | null;
  after: ChangeSnapshot | null;
}

export interface ChangeVerdict {
  /** Changes that ended anywhere but where they may: a cancel not cancelled, a move at a third time or lost. */
  lostChanges: number;
  counts: { cancelled: number; moved: number; moveRefused: number; kept: number; paidThenCancelled: number; paidAndKept: number };
  problems: string[];
}

/**
 * Judges each change by where its lead and booking stood once it was answered: a client may change
 * twice (move, then cancel), so the end of the run is not the place to judge the first.
 */
export function checkChanges(changes: readonly ChangeView[]): ChangeVerdict {
  const problems: string[] = [];
  const counts = { cancelled: 0, moved: 0, moveRefused: 0, kept: 0, paidThenCancelled: 0, paidAndKept: 0 };
  for (const c of changes) {
    const lost = (why: string) => problems.push(`lost change: ${c.script} of lead ${c.leadId}: ${why}`);
    const a = c.after;
    if (a === null) {
      lost("never read back");
      continue;
    }
    const where = `the lead is ${a.status} with ${a.confirmed} CONFIRMED booking(s)`;
    switch (c.kind) {
      case "cancel":
        if (a.status !== "CANCELLED" || a.confirmed > 0) lost(where);
        else if (a.bookingStatus !== "CANCELLED") lost(`its booking is ${a.bookingStatus ?? "missing"}`);
        else counts.cancelled++;
        break;
      case "cancel_while_paying":
        // Read before the payment (not booked yet: no change to make) or after it (cancelled): either, never half.
        if (a.status === "CANCELLED" && a.confirmed === 0) counts.paidThenCancelled++;
        else if (a.status === "BOOKED" && a.confirmed === 1) counts.paidAndKept++;
        else lost(where);
        break;
      case "move":
      case "keep":
        if (a.status !== "BOOKED" || a.confirmed !== 1 || a.bookingStatus !== "CONFIRMED") lost(`${where}, its booking ${a.bookingStatus ?? "missing"}`);
        else if (a.bookingStart === c.fromStart) {
          if (c.kind === "keep") counts.kept++;
          else counts.moveRefused++;
        } else if (c.kind === "move" && a.bookingStart === c.chosenStart) counts.moved++;
        else lost(`its booking is at ${new Date(a.bookingStart ?? 0).toISOString()}, neither where it was nor where the client chose`);
        break;
    }
  }
  return { lostChanges: problems.length, counts, problems };
}
