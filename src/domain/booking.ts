/**
 * Holds and bookings as data (issue 15): the slot a client chose is HELD while they pay the
 * deposit, the payment makes it CONFIRMED, a hold that lapses unpaid is RELEASED. Pure: every
 * function takes the booking and "now" and says what happens; the ArtistCalendar object
 * (durable-objects/artist-calendar.ts) and Postgres carry it out, and Postgres's exclusion
 * constraint (`bookings_no_overlap`, migration 0012) is the last word on "is the slot free".
 *
 * The orderings a payment and a hold can meet in, and their outcomes:
 * - paid while held → confirm (the slot is theirs);
 * - paid after the hold was released (the link outlived the hold, or Stripe's expiry crossed the
 *   payment) → retake: the same slot, confirmed at once if nobody took it meanwhile; if somebody
 *   did, the deposit is kept as credit and the client is offered the nearest slots — never two
 *   clients in one slot;
 * - the hold's time is up and Stripe says the session is complete → confirm, not release (the
 *   payment's webhook is late);
 * - the hold's time is up and Stripe says open → expire the session first, then release; expired
 *   → release;
 * - the expiry webhook and the expiry alarm both arriving → released once (a released hold
 *   ignores the second).
 */

export const BookingStatus = {
  /** Held for a client while they pay; blocks the slot until `holdExpiresAt`. */
  HELD: "HELD",
  /** Paid: the session is booked. */
  CONFIRMED: "CONFIRMED",
  /** A hold that lapsed or was given up: the slot is free again. */
  RELEASED: "RELEASED",
  /** A confirmed booking cancelled (the after-booking issue's cancel). */
  CANCELLED: "CANCELLED",
} as const;
export type BookingStatus = (typeof BookingStatus)[keyof typeof BookingStatus];
export const BOOKING_STATUSES = Object.values(BookingStatus) as readonly BookingStatus[];

/** The statuses that occupy the artist's time (the exclusion constraint covers exactly these). */
export const BLOCKING_STATUSES: readonly BookingStatus[] = [BookingStatus.HELD, BookingStatus.CONFIRMED];

/** A slot as gap search gives it: the session's start and end (UTC instants). */
export interface Slot {
  start: Date;
  end: Date;
}

/** The time a booking blocks: the session, then the artist's buffer after it. */
export interface BlockedTime {
  startsAt: Date;
  endsAt: Date;
  /** End of the session plus the buffer: the constraint keeps the next session out until then. */
  blockedUntil: Date;
}

const MINUTE = 60_000;

/**
 * The time a session in `slot` blocks. The buffer goes after each session only: two sessions
 * overlap in the constraint exactly when one starts before the other's buffer has run out, which
 * is the gap search's rule (a start no sooner than the previous end plus the buffer).
 */
export function blockedTime(slot: Slot, bufferMinutes: number): BlockedTime {
  if (!(slot.end.getTime() > slot.start.getTime())) throw new RangeError("a slot ends after it starts");
  if (!Number.isInteger(bufferMinutes) || bufferMinutes < 0) throw new RangeError("the buffer is a whole number of minutes, 0 or more");
  return { startsAt: slot.start, endsAt: slot.end, blockedUntil: new Date(slot.end.getTime() + bufferMinutes * MINUTE) };
}

/** Stripe's shortest Checkout Session: a deposit link lives at least this long. */
export const STRIPE_MIN_LINK_MS = 30 * MINUTE;
/** Default hold: the deposit link's life (60 min)… */
export const DEFAULT_HOLD_MS = 60 * MINUTE;
/** …plus a short grace, so a payment made in the link's last minute still finds its hold. */
export const HOLD_GRACE_MS = 5 * MINUTE;

/**
 * When a hold made at `now` for a deposit link living `linkMs` runs out: the link's expiry plus
 * the grace. The link is never shorter than Stripe allows, so neither is the hold.
 */
export function holdExpiresAt(now: Date, linkMs: number = DEFAULT_HOLD_MS, graceMs: number = HOLD_GRACE_MS): { linkExpiresAt: Date; holdExpiresAt: Date } {
  const life = Math.max(linkMs, STRIPE_MIN_LINK_MS);
  const linkExpiresAt = new Date(now.getTime() + life);
  return { linkExpiresAt, holdExpiresAt: new Date(linkExpiresAt.getTime() + Math.max(0, graceMs)) };
}

/** A booking as the decisions need it. */
export interface BookingState {
  status: BookingStatus;
  holdExpiresAt: Date | null;
}

/** What Stripe says of the hold's Checkout Session when the hold's time is up. */
export type CheckoutStanding = "open" | "complete" | "expired";

/** What to do with a booking; the caller carries it out and records it. */
export type BookingStep =
  /** HELD → CONFIRMED (no other row can be in the way: the hold already blocks the slot). */
  | { kind: "confirm" }
  /** RELEASED → CONFIRMED if the slot is still free; the constraint answers (23P01: taken → credit). */
  | { kind: "retake" }
  /** HELD → RELEASED; `expireCheckout` first when the link could still take money. */
  | { kind: "release"; expireCheckout: boolean }
  /** Nothing to do (already done, or not yet time), and why. */
  | { kind: "none"; why: "already_confirmed" | "already_released" | "cancelled" | "not_due" };

/** The deposit for this booking's hold was paid. */
export function onPaid(booking: BookingState): BookingStep {
  switch (booking.status) {
    case BookingStatus.HELD:
      return { kind: "confirm" };
    case BookingStatus.RELEASED:
      return { kind: "retake" };
    case BookingStatus.CONFIRMED:
      return { kind: "none", why: "already_confirmed" };
    case BookingStatus.CANCELLED:
      return { kind: "none", why: "cancelled" };
  }
}

/**
 * The hold's time may be up (its alarm, or the sweep, at `now`); `stripe` is where its Checkout
 * Session stands, asked just now. Complete → confirm (the webhook is late); open → expire the
 * link, then release; expired → release.
 */
export function onHoldDue(booking: BookingState, now: Date, stripe: CheckoutStanding): BookingStep {
  if (booking.status === BookingStatus.CONFIRMED) return { kind: "none", why: "already_confirmed" };
  if (booking.status === BookingStatus.RELEASED) return stripe === "complete" ? { kind: "retake" } : { kind: "none", why: "already_released" };
  if (booking.status === BookingStatus.CANCELLED) return { kind: "none", why: "cancelled" };
  if (stripe === "complete") return { kind: "confirm" };
  if (booking.holdExpiresAt !== null && now.getTime() < booking.holdExpiresAt.getTime() && stripe === "open") return { kind: "none", why: "not_due" };
  return { kind: "release", expireCheckout: stripe === "open" };
}

/** Stripe told us the hold's Checkout Session expired (its webhook): the hold goes, once. */
export function onCheckoutExpired(booking: BookingState): BookingStep {
  if (booking.status === BookingStatus.HELD) return { kind: "release", expireCheckout: false };
  if (booking.status === BookingStatus.CONFIRMED) return { kind: "none", why: "already_confirmed" };
  if (booking.status === BookingStatus.CANCELLED) return { kind: "none", why: "cancelled" };
  return { kind: "none", why: "already_released" };
}

/** The booking after a step, given whether a retake found the slot free. */
export function applyStep(booking: BookingState, step: BookingStep, slotFree: boolean): BookingState {
  switch (step.kind) {
    case "confirm":
      return { status: BookingStatus.CONFIRMED, holdExpiresAt: null };
    case "retake":
      return slotFree ? { status: BookingStatus.CONFIRMED, holdExpiresAt: null } : booking;
    case "release":
      return { ...booking, status: BookingStatus.RELEASED };
    case "none":
      return booking;
  }
}

/** A payment whose retake found the slot taken: the money stays as credit and the client picks again. */
export const RETAKE_TAKEN = "slot_taken_deposit_kept_as_credit" as const;
