/**
 * Lead statuses: the single source of truth for status names.
 *
 * The allowed transitions between them live in the state machine module; this file only names
 * them, so the database schema, the engine and the admin API share one list.
 */
export const LeadStatus = {
  NEW: "NEW",
  QUALIFYING: "QUALIFYING",
  PENDING_APPROVAL: "PENDING_APPROVAL",
  NEEDS_ARTIST_REPLY: "NEEDS_ARTIST_REPLY",
  NEEDS_FOLLOW_UP: "NEEDS_FOLLOW_UP",
  TOUR_CONVERSION_OFFERED: "TOUR_CONVERSION_OFFERED",
  WAITLISTED: "WAITLISTED",
  COLLECTING_TIME_WINDOWS: "COLLECTING_TIME_WINDOWS",
  /** Approved: date of birth, medical questions and the studio's policy before any slot or deposit (engine/consent.ts). */
  CHECKING_CONSENT: "CHECKING_CONSENT",
  /** Approved: offered free slots from the artist's calendar, choosing one. */
  CHOOSING_SLOT: "CHOOSING_SLOT",
  AWAITING_DEPOSIT: "AWAITING_DEPOSIT",
  DEPOSIT_EXPIRED: "DEPOSIT_EXPIRED",
  DEPOSIT_PAID: "DEPOSIT_PAID",
  BOOKING_PENDING: "BOOKING_PENDING",
  BOOKED: "BOOKED",
  /** The session happened and its deposit was settled (applied): what the funnel counts as completed. */
  COMPLETED: "COMPLETED",
  /** A booked session cancelled (by the client within the studio's rules, or by the artist); the deposit's fate is in the ledger. */
  CANCELLED: "CANCELLED",
  /** The artist marked that the client did not come; the policy's no-show fate is in the ledger. */
  NO_SHOW: "NO_SHOW",
  REJECTED: "REJECTED",
  ABANDONED: "ABANDONED",
  STALE: "STALE",
  OPTOUT: "OPTOUT",
} as const;

export type LeadStatus = (typeof LeadStatus)[keyof typeof LeadStatus];

/** Every status, in the order the funnel reads them. */
export const LEAD_STATUSES = Object.values(LeadStatus) as readonly LeadStatus[];

/** Size categories of the estimate. */
export const SizeCategory = { SMALL: "SMALL", MEDIUM: "MEDIUM", LARGE: "LARGE", XL: "XL" } as const;
export type SizeCategory = (typeof SizeCategory)[keyof typeof SizeCategory];
export const SIZE_CATEGORIES = Object.values(SizeCategory) as readonly SizeCategory[];

/** Pricing regions. */
export const Region = { UK: "UK", EUROPE: "EUROPE", ROW: "ROW" } as const;
export type Region = (typeof Region)[keyof typeof Region];
export const REGIONS = Object.values(Region) as readonly Region[];
