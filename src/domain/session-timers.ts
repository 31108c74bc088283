/**
 * The booked session's timers (issue 18): reminders before it, aftercare and a review request
 * after it, the artist's day-after question and the deposit's settlement. Rows of the timer table
 * (timers.ts) whose time counts from the session's start or end, and the pure rules that only they
 * need:
 *
 * - the session is the lead's CONFIRMED booking (`leads.held_slot`, kept by the booking step); its
 *   times are the timers' basis, so a moved booking's reminders follow it (a new basis is a new key)
 *   and {@link sessionStillBooked} checks the bookings table's row again when one fires;
 * - quiet hours move a reminder later, except when that would make it late ({@link sessionDueAt});
 * - the settlement's ledger entry ({@link settlementEntry}): whatever is still held becomes
 *   `applied`, once.
 */
import { ledgerBalance, type LedgerEntry } from "./deposit.ts";
import { LeadStatus } from "./lead-status.ts";
import type { HeldSlot } from "./slot-offer.ts";
import type { TimerSpec } from "./timers.ts";

const S = LeadStatus;
const DAY_HOURS = 24;

/** The session the timers count from. */
export interface SessionBasis {
  bookingId: string;
  start: Date;
  end: Date;
}

/** The statuses a session's timers run in: booked, and (after the settlement) completed. */
const AFTER_SESSION = [S.BOOKED, S.COMPLETED] as const;

/**
 * The session's timers, in the table's order. Kinds are written out (not `TimerKind.…`): timers.ts
 * imports this table, so a value import back would be circular; the type checks each kind.
 */
export const SESSION_TIMERS = [
  {
    kind: "appointment.reminder",
    track: "reminder",
    statuses: [S.BOOKED],
    basis: "session_starts",
    hours: -48,
    audience: "client",
    copyKey: "timer.appointment_reminder",
    template: "appointment_reminder",
  },
  {
    kind: "appointment.reminder_soon",
    track: "reminder",
    statuses: [S.BOOKED],
    basis: "session_starts",
    hours: -2,
    audience: "client",
    copyKey: "timer.appointment_reminder_soon",
    template: "appointment_reminder",
  },
  {
    kind: "aftercare.instructions",
    track: "aftercare",
    statuses: AFTER_SESSION,
    basis: "session_ends",
    hours: 2,
    audience: "client",
    copyKey: "aftercare.generic",
    template: "aftercare",
  },
  {
    kind: "aftercare.check_in",
    track: "aftercare",
    statuses: AFTER_SESSION,
    basis: "session_ends",
    hours: 3 * DAY_HOURS,
    audience: "client",
    copyKey: "timer.aftercare_check_in",
    template: "aftercare_check_in",
  },
  {
    kind: "aftercare.healed_photo",
    track: "aftercare",
    statuses: AFTER_SESSION,
    basis: "session_ends",
    hours: 28 * DAY_HOURS,
    audience: "client",
    copyKey: "timer.healed_photo",
    template: "healed_photo",
  },
  {
    kind: "aftercare.review",
    track: "review",
    statuses: AFTER_SESSION,
    basis: "session_ends",
    hours: 5 * DAY_HOURS,
    audience: "client",
    copyKey: "timer.review_request",
    template: "review_request",
  },
  {
    kind: "artist.day_after",
    track: "day_after",
    statuses: AFTER_SESSION,
    basis: "session_ends",
    hours: DAY_HOURS,
    audience: "artist",
    copyKey: "timer.day_after.artist",
    template: null,
    whileOptedOut: true,
  },
  {
    kind: "booking.settle",
    track: "settlement",
    statuses: [S.BOOKED],
    basis: "session_ends",
    hours: 2 * DAY_HOURS,
    audience: "none",
    copyKey: null,
    template: null,
    whileOptedOut: true,
  },
] as const satisfies readonly TimerSpec[];

/**
 * The session the timers count from: the lead's booked slot, once the booking has its row (a hold
 * still being made has none). Only a booked or completed lead (or one opted out from those) has one.
 */
export function sessionOf(status: LeadStatus, resumeStatus: LeadStatus | null, held: HeldSlot | null, holdPending: string): SessionBasis | null {
  const booked = (s: LeadStatus | null) => s === S.BOOKED || s === S.COMPLETED;
  if (held === null || held.bookingId === holdPending) return null;
  if (!booked(status) && !(status === S.OPTOUT && booked(resumeStatus))) return null;
  return { bookingId: held.bookingId, start: new Date(held.start), end: new Date(held.end) };
}

/**
 * When a reminder before the session goes: `quietDue` (moved out of the client's quiet hours)
 * unless that leaves it less than half its notice before the session; then `nominal`. A 2 h
 * reminder for a 10:00 session is due 08:00, inside quiet hours (21–9): at 09:00 it still gives an
 * hour, so it waits; for an 09:30 session (due 07:30) waiting would leave 30 minutes, too late to
 * be of use (the client may be on their way), so it goes at 07:30: the client has an appointment
 * that morning and asked for it. A 48 h reminder never loses half its notice to quiet hours.
 */
export function sessionDueAt(nominal: Date, quietDue: Date, start: Date): Date {
  const notice = start.getTime() - nominal.getTime();
  return start.getTime() - quietDue.getTime() >= notice / 2 ? quietDue : nominal;
}

/** What the bookings table says of the lead's booking now (read again when a session timer fires). */
export interface ConfirmedBooking {
  id: string;
  startsAt: Date;
  endsAt: Date;
}

/**
 * Whether the session a timer was scheduled from is still the lead's CONFIRMED booking, at the
 * same time: a cancelled one (no row) or a moved one (other times) is not, and its timer is dropped.
 */
export function sessionStillBooked(basis: SessionBasis, confirmed: ConfirmedBooking | null): boolean {
  return (
    confirmed !== null &&
    confirmed.id === basis.bookingId &&
    confirmed.startsAt.getTime() === basis.start.getTime() &&
    confirmed.endsAt.getTime() === basis.end.getTime()
  );
}

/** Why a settled deposit was used: taken off the final price, or kept as the booking fee. */
export const SettlementReason = { OFF_FINAL_PRICE: "off_final_price", BOOKING_FEE: "booking_fee" } as const;
export type SettlementReason = (typeof SettlementReason)[keyof typeof SettlementReason];

/**
 * The settlement's ledger entry: everything still held on the lead's deposit becomes `applied`
 * (referenced by the booking), so the ledger balances with `held` back to 0. Null when nothing is
 * held, or when this booking was settled already (a second settlement adds nothing).
 */
export function settlementEntry(
  ledger: readonly LedgerEntry[],
  bookingId: string,
  offFinalPrice: boolean,
  at: Date,
): LedgerEntry | null {
  if (ledger.some((e) => e.kind === "applied" && e.reference === bookingId)) return null;
  const { held } = ledgerBalance(ledger);
  if (held <= 0) return null;
  const currency = ledger.find((e) => e.kind === "payment")?.currency ?? "GBP";
  return {
    kind: "applied",
    amountMinor: held,
    currency,
    at: at.toISOString(),
    reference: bookingId,
    source: "artist",
    reason: offFinalPrice ? SettlementReason.OFF_FINAL_PRICE : SettlementReason.BOOKING_FEE,
    status: "settled",
  };
}
