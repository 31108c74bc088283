/**
 * The lead state machine: which status may follow which. `transition()` is the only way a status
 * changes; the database layer writes `status` only from a {@link Transition} it returns.
 */
import { LeadStatus } from "./lead-status.ts";

const S = LeadStatus;

/**
 * Where a paused lead can pick up again after the consultation: the artist moving a handed-over
 * lead on, or START returning an opted-out lead to the status it had.
 */
const AFTER_CONSULTATION = [
  S.PENDING_APPROVAL,
  S.CHECKING_CONSENT,
  S.TOUR_CONVERSION_OFFERED,
  S.WAITLISTED,
  S.COLLECTING_TIME_WINDOWS,
  S.CHOOSING_SLOT,
  S.AWAITING_DEPOSIT,
  S.DEPOSIT_EXPIRED,
  S.DEPOSIT_PAID,
  S.BOOKING_PENDING,
  S.BOOKED,
  S.COMPLETED,
  S.REJECTED,
  S.CANCELLED,
  S.NO_SHOW,
] as const;

/** Statuses from which the client (or the platform) can always leave for these. */
const ALWAYS = [S.OPTOUT, S.NEEDS_ARTIST_REPLY] as const;

export const TRANSITIONS = {
  NEW: [S.QUALIFYING, ...ALWAYS],
  // Below the budget minimum: the tour is offered, or, with no tour ahead, the lead is waitlisted.
  QUALIFYING: [S.PENDING_APPROVAL, S.TOUR_CONVERSION_OFFERED, S.WAITLISTED, S.ABANDONED, S.STALE, ...ALWAYS],
  // The artist approves (COLLECTING_TIME_WINDOWS), rejects, or books the client themselves (BOOKED).
  PENDING_APPROVAL: [
    S.CHECKING_CONSENT,
    S.AWAITING_DEPOSIT,
    S.COLLECTING_TIME_WINDOWS,
    S.CHOOSING_SLOT,
    S.BOOKING_PENDING,
    S.BOOKED,
    S.REJECTED,
    S.NEEDS_FOLLOW_UP,
    S.STALE,
    ...ALWAYS,
  ],
  // Handover: CONTINUE resumes where the client was; the artist may move the lead on; a Stripe
  // payment that lands during a handover is still accepted (DEPOSIT_PAID).
  NEEDS_ARTIST_REPLY: [S.QUALIFYING, ...AFTER_CONSULTATION, S.STALE, S.OPTOUT],
  // Also where a paid lead goes when no session was booked in time (timers.ts): the artist books it.
  NEEDS_FOLLOW_UP: [S.QUALIFYING, S.PENDING_APPROVAL, S.BOOKED, S.ABANDONED, S.STALE, ...ALWAYS],
  TOUR_CONVERSION_OFFERED: [S.QUALIFYING, S.WAITLISTED, S.ABANDONED, S.STALE, ...ALWAYS],
  // A freed slot in the client's city is offered to them (freed-slots.ts): CHOOSING_SLOT.
  WAITLISTED: [S.QUALIFYING, S.CHOOSING_SLOT, S.STALE, ...ALWAYS],
  // Approved, the client answering the consent step: then what the approval meant (slots, their
  // windows, the deposit link); under the minimum age the lead is closed (REJECTED); the artist may
  // still reject or book by hand.
  CHECKING_CONSENT: [S.CHOOSING_SLOT, S.COLLECTING_TIME_WINDOWS, S.AWAITING_DEPOSIT, S.REJECTED, S.BOOKED, S.STALE, ...ALWAYS],
  // Approved: the artist may still change their mind (REJECTED) or arrange the booking themselves (BOOKED).
  // With the calendar on, a fresh offer goes out once slots fit the client's windows (CHOOSING_SLOT).
  COLLECTING_TIME_WINDOWS: [S.CHOOSING_SLOT, S.CHECKING_CONSENT, S.AWAITING_DEPOSIT, S.BOOKING_PENDING, S.BOOKED, S.REJECTED, S.STALE, ...ALWAYS],
  // A slot chosen: held while the deposit is paid (AWAITING_DEPOSIT), or booked at once when the
  // deposit was paid before (kept as credit); "none of these" collects their windows instead. A
  // freed slot passed on, lost or lapsed sends a waitlisted client back to the waitlist.
  CHOOSING_SLOT: [S.AWAITING_DEPOSIT, S.BOOKED, S.COLLECTING_TIME_WINDOWS, S.WAITLISTED, S.REJECTED, S.STALE, ...ALWAYS],
  AWAITING_DEPOSIT: [S.DEPOSIT_PAID, S.DEPOSIT_EXPIRED, S.REJECTED, S.STALE, ...ALWAYS],
  // The held slot was released with the link: the client's reply gets a fresh offer (CHOOSING_SLOT).
  DEPOSIT_EXPIRED: [S.AWAITING_DEPOSIT, S.CHOOSING_SLOT, S.COLLECTING_TIME_WINDOWS, S.DEPOSIT_PAID, S.ABANDONED, S.STALE, ...ALWAYS],
  // Paid for a slot someone else took meanwhile: the deposit is kept as credit and slots offered again.
  DEPOSIT_PAID: [S.BOOKING_PENDING, S.BOOKED, S.CHOOSING_SLOT, S.COLLECTING_TIME_WINDOWS, ...ALWAYS],
  BOOKING_PENDING: [S.BOOKED, S.DEPOSIT_PAID, S.NEEDS_FOLLOW_UP, ...ALWAYS],
  // The session is over and its deposit settled (session-timers.ts), unless a no-show said otherwise;
  // or cancelled by the client within the rules or by the artist; or a no-show the artist marked (a
  // mistaken mark is undone back to BOOKED).
  // A move whose policy fate is forfeit or refund holds the new time with a new deposit (AWAITING_DEPOSIT).
  BOOKED: [S.COMPLETED, S.CANCELLED, S.NO_SHOW, S.AWAITING_DEPOSIT, ...ALWAYS],
  COMPLETED: [...ALWAYS],
  // A cancelled or no-show client who writes again is handed to the artist (engine/booking-ended.ts),
  // who decides what comes next (a new date, their credit, a new consultation: NEW).
  CANCELLED: [S.NEW, ...ALWAYS],
  NO_SHOW: [S.BOOKED, S.NEW, ...ALWAYS],
  REJECTED: [S.NEW, S.OPTOUT],
  // A client who went quiet and writes again carries on where they were (timers.ts abandons).
  ABANDONED: [S.NEW, S.QUALIFYING, S.OPTOUT],
  // Waited too long for the artist (timers.ts): the artist can still answer it.
  STALE: [S.NEW, S.CHECKING_CONSENT, S.COLLECTING_TIME_WINDOWS, S.CHOOSING_SLOT, S.AWAITING_DEPOSIT, S.BOOKED, S.REJECTED, S.OPTOUT],
  // START: back to where the lead was (remembered at STOP), or NEW to restart the consultation.
  OPTOUT: [S.NEW, S.NEEDS_ARTIST_REPLY, S.NEEDS_FOLLOW_UP, ...AFTER_CONSULTATION],
} as const satisfies Record<LeadStatus, readonly LeadStatus[]>;

/** A status change that the state machine allowed. Only `transition()` creates one. */
export interface Transition {
  readonly from: LeadStatus;
  readonly to: LeadStatus;
  readonly reason: string;
  readonly __allowed: true;
}

export type TransitionResult = { ok: true; value: Transition } | { ok: false; reason: string };

/** Whether `to` may follow `from`. */
export function canTransition(from: LeadStatus, to: LeadStatus): boolean {
  return (TRANSITIONS[from] as readonly LeadStatus[]).includes(to);
}

/** The only way to change a lead's status: checks the table and names the reason. */
export function transition(from: LeadStatus, to: LeadStatus, reason: string): TransitionResult {
  if (!canTransition(from, to)) return { ok: false, reason: `${from} -> ${to} is not allowed (${reason})` };
  return { ok: true, value: { from, to, reason, __allowed: true } };
}

/** Parses a status string from storage. */
export function asLeadStatus(value: string): LeadStatus | null {
  return Object.hasOwn(LeadStatus, value) ? (value as LeadStatus) : null;
}
