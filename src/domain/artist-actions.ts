/**
 * What the artist can do to a lead (from a one-tap link or the admin API), where each action may
 * run, where it leads, and how a one-tap token is judged. Data and pure checks only: the engine
 * decides the rest (engine/artist-actions.ts), the lead's Durable Object applies it.
 *
 * Every action runs inside the lead's Durable Object, so it serializes with the client's messages;
 * the status is checked there, against the lead as it is at that moment.
 */
import { z } from "zod";
import { LeadStatus } from "./lead-status.ts";

const S = LeadStatus;

export const ArtistAction = {
  APPROVE: "approve",
  REJECT: "reject",
  SEND_DEPOSIT: "send_deposit",
  SEND_BOOKING_LINK: "send_booking_link",
  MARK_BOOKED: "mark_booked",
  RESUME: "resume",
  REFUND: "refund",
  /** Offer the client free slots from the calendar now (after "none of these", or when time opened up). */
  OFFER_SLOTS: "offer_slots",
  /** Cancel a booked session; the deposit gets the policy's fate (the artist's answer to a late cancel, or their own cancel). */
  CANCEL_BOOKING: "cancel_booking",
  /** Cancel a booked session and refund the deposit. */
  CANCEL_REFUND: "cancel_refund",
  /** Let the client move a booked session outside the rules: they are offered fresh slots. */
  ALLOW_MOVE: "allow_move",
  /** The client did not come: the policy's no-show fate for the deposit, the client flagged. */
  MARK_NO_SHOW: "mark_no_show",
  /** Change the deposit's outcome (credit, forfeit or refund), with a reason (inbox and admin API). */
  OVERRIDE_DEPOSIT: "override_deposit",
} as const;
export type ArtistAction = (typeof ArtistAction)[keyof typeof ArtistAction];
export const ARTIST_ACTIONS = Object.values(ArtistAction) as readonly ArtistAction[];

/**
 * Statuses in which each action may run. A one-tap token stores its action's list when minted and
 * the engine checks the same table again when the action runs.
 *
 * - approve: the consultation is complete and waiting for the artist.
 * - reject: before a deposit is paid (including while the artist has the conversation).
 * - send_deposit: approved or about to be (the deposit follows the approval in the same tap), or
 *   an expired deposit link to send again.
 * - send_booking_link: approved (no deposit needed) or the deposit paid.
 * - mark_booked: the artist arranged the booking (with or without the assistant's steps).
 * - resume: the artist hands a handed-over conversation back to the assistant.
 * - offer_slots: approved and not holding a slot (the calendar step must be on).
 * - refund: once a deposit has been received, wherever the lead went next (the engine also checks
 *   that something is left to refund).
 */
export const ACTION_ALLOWED_FROM = {
  approve: [S.PENDING_APPROVAL, S.STALE],
  reject: [S.PENDING_APPROVAL, S.STALE, S.NEEDS_ARTIST_REPLY, S.CHECKING_CONSENT, S.COLLECTING_TIME_WINDOWS, S.CHOOSING_SLOT, S.AWAITING_DEPOSIT],
  send_deposit: [S.PENDING_APPROVAL, S.STALE, S.COLLECTING_TIME_WINDOWS, S.CHOOSING_SLOT, S.DEPOSIT_EXPIRED],
  send_booking_link: [S.PENDING_APPROVAL, S.COLLECTING_TIME_WINDOWS, S.DEPOSIT_PAID],
  mark_booked: [S.PENDING_APPROVAL, S.STALE, S.NEEDS_ARTIST_REPLY, S.CHECKING_CONSENT, S.COLLECTING_TIME_WINDOWS, S.CHOOSING_SLOT, S.DEPOSIT_PAID, S.BOOKING_PENDING, S.NEEDS_FOLLOW_UP],
  resume: [S.NEEDS_ARTIST_REPLY],
  refund: [S.DEPOSIT_PAID, S.BOOKING_PENDING, S.NEEDS_FOLLOW_UP, S.BOOKED, S.NEEDS_ARTIST_REPLY, S.REJECTED, S.ABANDONED, S.STALE],
  offer_slots: [S.COLLECTING_TIME_WINDOWS, S.CHOOSING_SLOT, S.DEPOSIT_EXPIRED],
  cancel_booking: [S.BOOKED],
  cancel_refund: [S.BOOKED],
  allow_move: [S.BOOKED],
  // The engine also checks that the session has begun.
  mark_no_show: [S.BOOKED],
  override_deposit: [S.BOOKED, S.CANCELLED, S.NO_SHOW, S.DEPOSIT_PAID, S.NEEDS_FOLLOW_UP, S.NEEDS_ARTIST_REPLY, S.REJECTED],
} as const satisfies Record<ArtistAction, readonly LeadStatus[]>;

/**
 * Where each action moves the lead; null: the status stays. `resume` goes back to where the lead
 * was before the handover (see engine/handover.ts). `send_deposit` creates the Stripe Checkout
 * Session first: the lead moves to AWAITING_DEPOSIT only with a real link in the client's message.
 */
export const ACTION_TARGET = {
  approve: S.COLLECTING_TIME_WINDOWS,
  reject: S.REJECTED,
  send_deposit: null,
  send_booking_link: S.BOOKING_PENDING,
  mark_booked: S.BOOKED,
  resume: "resume_status",
  refund: null,
  // CHOOSING_SLOT with an offer, or COLLECTING_TIME_WINDOWS when nothing is free (engine/booking.ts).
  offer_slots: null,
  cancel_booking: S.CANCELLED,
  cancel_refund: S.CANCELLED,
  // The lead stays BOOKED while choosing a new time (engine/booking-change.ts).
  allow_move: null,
  mark_no_show: S.NO_SHOW,
  override_deposit: null,
} as const satisfies Record<ArtistAction, LeadStatus | null | "resume_status">;

/** Actions offered as one-tap links with the artist's summary of a finished consultation. */
export const SUMMARY_LINK_ACTIONS = [ArtistAction.APPROVE, ArtistAction.REJECT, ArtistAction.SEND_DEPOSIT, ArtistAction.MARK_BOOKED] as const;

export function isActionAllowed(action: ArtistAction, status: LeadStatus): boolean {
  return (ACTION_ALLOWED_FROM[action] as readonly LeadStatus[]).includes(status);
}

export function asArtistAction(value: string): ArtistAction | null {
  return (ARTIST_ACTIONS as readonly string[]).includes(value) ? (value as ArtistAction) : null;
}

/** Who asked: a one-tap link or a button tap on WhatsApp (the artist's phone), the admin API (ops) or the web inbox. */
export type ActionVia = "link" | "whatsapp" | "admin" | "inbox";

/** Whether an action from `via` carries a one-tap token (checked and consumed in the lead's object). */
export function viaToken(via: ActionVia): boolean {
  return via === "link" || via === "whatsapp";
}

/** Why an action did not run; each has its own page and API answer. Nothing changed in any case. */
export const ActionRefusal = {
  /** No token has this hash: never issued, mistyped or altered. */
  UNKNOWN_TOKEN: "unknown_token",
  /** The token (or request) names another lead than the one it was used on. */
  WRONG_LEAD: "wrong_lead",
  USED: "used",
  EXPIRED: "expired",
  /** The lead is no longer (or not yet) in a status the action may run in. */
  WRONG_STATUS: "wrong_status",
  /** This exact request was applied before (a replayed idempotency key). */
  DUPLICATE: "duplicate",
  /** A deposit link was asked for, but the lead has no quoted deposit (no estimate). */
  NO_DEPOSIT: "no_deposit",
  /** Online payments are not configured (Stripe keys or PUBLIC_BASE_URL missing). */
  PAYMENTS_OFF: "payments_off",
  /** Nothing (or less than asked) is left to refund: no deposit received, or refunded already. */
  NOT_REFUNDABLE: "not_refundable",
  /** The calendar step is off (FEATURE_CALENDAR, Google not configured, or no deposit/estimate for the lead). */
  CALENDAR_OFF: "calendar_off",
  /** The booked session has not begun yet (a no-show), or has already begun (a cancel or a move). */
  WRONG_TIME: "wrong_time",
  /** The lead has no booking in the calendar to cancel or move (booked by hand). */
  NO_BOOKING: "no_booking",
  /** The override would change nothing (nothing paid, or the deposit already has that outcome). */
  NOTHING_TO_CHANGE: "nothing_to_change",
  /** Stripe refused the request (its message is in the system event). */
  PAYMENT_PROVIDER: "payment_provider",
} as const;
export type ActionRefusal = (typeof ActionRefusal)[keyof typeof ActionRefusal];

/** The answer to an action: applied (with the move it made), refused (with why), or still queued. */
export type ActionOutcome =
  | { ok: true; action: ArtistAction; leadId: string; from: LeadStatus; to: LeadStatus }
  | { ok: false; action: ArtistAction; reason: ActionRefusal; status: LeadStatus | null; usedAt?: string | null }
  | { ok: false; action: ArtistAction; reason: "queued"; status: null };

/** An applied outcome as stored with the action's processed marker (lead-store.ts), read back for a replay. */
const StoredAppliedOutcome = z.object({
  ok: z.literal(true),
  action: z.enum(ArtistAction),
  leadId: z.string(),
  from: z.enum(LeadStatus),
  to: z.enum(LeadStatus),
});

/**
 * The applied outcome stored with an action, or null when what is stored is not one (nothing was
 * stored, or something else): a replay of the action then answers "duplicate".
 */
export function storedAppliedOutcome(value: unknown): Extract<ActionOutcome, { ok: true }> | null {
  const parsed = StoredAppliedOutcome.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** A stored one-tap token, as the checks need it. */
export interface StoredActionToken {
  leadId: string;
  action: string;
  allowedStatuses: readonly string[];
  expiresAt: Date;
  usedAt: Date | null;
}

export type TokenCheck = { ok: true; action: ArtistAction } | { ok: false; reason: ActionRefusal };

/**
 * Judges a token for a lead right now. Order matters for the page the artist sees: an altered or
 * foreign token says so before anything about the lead; a used token says "used" even once it
 * has also expired.
 */
export function checkActionToken(
  token: StoredActionToken | null,
  lead: { id: string; status: LeadStatus },
  now: Date,
): TokenCheck {
  if (!token) return { ok: false, reason: ActionRefusal.UNKNOWN_TOKEN };
  const action = asArtistAction(token.action);
  if (!action) return { ok: false, reason: ActionRefusal.UNKNOWN_TOKEN };
  if (token.leadId !== lead.id) return { ok: false, reason: ActionRefusal.WRONG_LEAD };
  if (token.usedAt !== null) return { ok: false, reason: ActionRefusal.USED };
  if (token.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: ActionRefusal.EXPIRED };
  if (!token.allowedStatuses.includes(lead.status) || !isActionAllowed(action, lead.status)) {
    return { ok: false, reason: ActionRefusal.WRONG_STATUS };
  }
  return { ok: true, action };
}

/** A one-tap token as it appears in a URL: 32 random bytes, base64url without padding. */
export const ACTION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
