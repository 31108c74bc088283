/**
 * The engine's vocabulary: what it knows about a lead, how it is configured, what it is given and
 * what it decides. Types only (plus the engine's defaults), so every engine module shares them.
 */
import type { RejectReason } from "../artist-desk.ts";
import type { ActionVia, ArtistAction } from "../artist-actions.ts";
import type { ConsentRecord } from "../consent.ts";
import type { CheckoutRequest, LedgerEntry, PaymentState, RefundRequest } from "../deposit.ts";
import type { LeadStatus, Region, SizeCategory } from "../lead-status.ts";
import type { InboundMessage, MediaKind, Outbound } from "../messages.ts";
import type { AvailabilityRules } from "../availability.ts";
import type { Interval, SessionSize } from "../gap-search.ts";
import type { QuestionKey } from "../questions.ts";
import type { HeldSlot, SlotOffer } from "../slot-offer.ts";
import type { Transition } from "../state-machine.ts";
import type { TemplateKey } from "../templates.ts";
import type { TimerConfig } from "../timers.ts";
import type { TourOffer, TourStop } from "../tour-schedule.ts";
import type { AftercareConfig } from "./after-session.ts";
import type { DepositFate, StudioPolicy } from "../studio-policy.ts";
import type { BriefCompleteness } from "./completeness.ts";
import type { PendingCheck } from "./plausibility.ts";

/** An answer already stored for the lead (lead_answers), oldest first. */
export interface RecordedAnswer {
  questionKey: string;
  rawText: string | null;
  value: unknown;
}

/** What the engine needs to know about a lead. */
export interface LeadState {
  id: string;
  /** Null for a client known only by their WhatsApp username / business-scoped user ID. */
  phoneE164: string | null;
  /** The client's WhatsApp username, shown where there is no number. */
  username: string | null;
  status: LeadStatus;
  locale: string;
  displayName: string | null;
  currentQuestion: string | null;
  optedOut: boolean;
  pilotNoticeSentAt: Date | null;
  lastClientMessageAt: Date | null;
  /** Where an opted-out (or handed-over) lead returns to. */
  resumeStatus?: LeadStatus | null;
  /** Failed answers per question key: `{ dimensions: 2 }`. */
  failureCounts: Readonly<Record<string, number>>;
  /** Why the lead was last handed over to the artist (kept after CONTINUE, for history). */
  handoverReason: string | null;
  /** When the client last got a holding reply (or the handover message) while handed over. */
  holdingReplySentAt: Date | null;
  /** Every reason raised while the current handover is open, the one that opened it first; none unless given. */
  handoverReasons?: readonly string[];
  /** When the artist got handover notices lately (the per-day cap counts them); none unless given. */
  handoverNoticesAt?: readonly Date[];
  /** When the client was last told they reached the reference-file limit; never unless given. */
  referenceLimitNotedAt?: Date | null;
  /** When the client was told "I'll ask about the rest one at a time" (said once per lead). */
  multiAnswerNotedAt: Date | null;
  /** When the client last got the panic switch's holding reply (at most one a day); never unless given. */
  panicNoticeAt?: Date | null;
  /** An answer waiting for the client's confirmation ("did you mean £500?"); none unless given. */
  pendingCheck?: PendingCheck | null;
  /**
   * The lead's answers, oldest first: the newest ~20 and, older than those, the latest answer to
   * every question (so "latest wins" holds however many answers there were).
   */
  recentAnswers: readonly RecordedAnswer[];
  /** Reference images and documents stored for the lead so far. */
  attachmentCount: number;
  /** The budget check's tour offer and its outcome, once made. */
  tourOffer: TourOffer | null;
  /** When the deposit was quoted for good (its link sent): the estimate no longer changes it. */
  depositLockedAt: Date | null;
  /** The deposit quoted by the estimate, if any (what the client is told a deposit request is for). */
  deposit?: { amountMinor: number; currency: string } | null;
  /** The deposit's links, payment and refunds ({@link NO_PAYMENT} unless given). */
  payment?: PaymentState;
  /** When the status last changed (what the artist's and the booking timers count from); unknown unless given. */
  statusChangedAt?: Date | null;
  /** When the client's 24-hour window closes (free text before, a template after); closed unless given. */
  serviceWindowEndsAt?: Date | null;
  /** Timers already fired or skipped (timerKey), so none fires twice; none unless given. */
  timersFired?: readonly string[];
  /** The lead row's version (optimistic concurrency): a timer computed from another version is stale. */
  version?: number;
  /** The session's length from the estimate (what slots are searched for); none unless given. */
  size?: SessionSize | null;
  /** The slots last offered (CHOOSING_SLOT); none unless given. */
  slotOffer?: SlotOffer | null;
  /** The slot held while the deposit is paid, or booked; none unless given. */
  heldSlot?: HeldSlot | null;
  /** leads.consent as stored (read by consent.ts); none unless given. */
  consent?: unknown;
  /** No-shows the artist marked for this client (the next deposit follows the policy). */
  noShowCount?: number;
}

/**
 * The artist's calendar as one decision sees it: the rules and the busy time (Google's and our
 * holds and bookings) the lead's object read just before deciding. The engine runs the gap search
 * over it with the client's windows; null `view` means the calendar could not be read.
 */
export interface CalendarView {
  rules: AvailabilityRules;
  busy: readonly Interval[];
}

/** What the hold the previous attempt of this decision asked for came back with (the object tried it). */
export type HoldRefusal = { reason: "slot_taken" | "calendar_busy" | "calendar_unavailable" | "unknown_artist"; alternatives: readonly Interval[] };

/** The booking step's settings: present when the calendar is on (FEATURE_CALENDAR and Google configured). */
export interface BookingConfig {
  /** The artist's zone: slot labels and the zone named to the client. */
  timeZone: string;
  /** How many slots an offer shows (default 5; a WhatsApp list holds 10 rows, one is "none of these"). */
  offerCount: number;
  /** How long the deposit link for a held slot works (the hold lasts this plus a grace). */
  holdLinkMs: number;
  /** The studio's address for the confirmation; null leaves it out. */
  studioAddress: string | null;
  /** The calendar read for this decision; absent when not read (the input could not need it). */
  view?: CalendarView | null;
  /** The hold this decision asked for was refused (the decision is made again with the reason). */
  holdRefused?: HoldRefusal;
  /** What the artist's calendar said when the deposit for the held slot arrived. */
  paidOutcome?: "confirmed" | "slot_taken";
  /** A freed-slot offer being answered: whether its `slot_offers` row is still open (read just now). */
  freedOpen?: boolean;
}

export interface EngineConfig {
  artistName: string;
  replyDays: number;
  pilot: { enabled: boolean; allowlist: readonly string[] };
  /** Failed answers to one question before the artist takes over; {@link ENGINE_DEFAULTS} unless given. */
  maxFieldFailures?: number;
  /** Least time between holding replies while handed over; {@link ENGINE_DEFAULTS} unless given. */
  holdingReplyEveryMs?: number;
  /** The artist's tour stops still ahead (after now), soonest first; none unless given. */
  tourStops?: readonly TourStop[];
  /**
   * Whether artist notices carry one-tap action links (PUBLIC_BASE_URL is set, so a link can be
   * absolute); off unless given.
   */
  actionLinks?: boolean;
  /**
   * A fresh random value for this decision, from the caller (the engine has no randomness): every
   * placeholder the engine leaves for the caller to fill carries it, so nothing a client writes can
   * pass for one. Needed when the decision may carry action links or a deposit link.
   */
  slotNonce?: string;
  /**
   * Whether deposits can be taken online (Stripe and PUBLIC_BASE_URL are configured): without it,
   * a deposit request is refused rather than promising a link that cannot exist. Off unless given.
   */
  payments?: boolean;
  /** How long a deposit link works; {@link ENGINE_DEFAULTS} unless given (kept within Stripe's 30 min – 24 h). */
  depositLinkTtlMs?: number;
  /** The studio's zone and timer offsets; the table's defaults in Europe/London unless given. */
  timers?: TimerConfig;
  /**
   * The studio's panic switch (settings table): while on, a client message is recorded and the
   * artist told, but no automatic reply goes out (one holding reply a day at most). Off unless given.
   */
  panic?: PanicState;
  /** The booking step (slots, holds, confirmations); off (the artist books by hand) unless given. */
  booking?: BookingConfig;
  /** Template names the studio had approved under other names, and their language; the registry's unless given. */
  templates?: { language: string; names: Readonly<Partial<Record<TemplateKey, string>>> };
  /** Aftercare copy per style and the review page (after-session.ts); generic copy and no review request unless given. */
  aftercare?: AftercareConfig;
  /**
   * The artist's studio policy (issue 18; artists.policy, null: the default), read fresh for the
   * decision: the rules for changes and no-shows, and what the consent step asks. Absent: the default.
   */
  policy?: StudioPolicy;
}

/** The panic switch as the engine sees it: on or off, and since when it is on. */
export interface PanicState {
  on: boolean;
  since: Date | null;
}

/** Defaults for the optional {@link EngineConfig} fields. */
export const ENGINE_DEFAULTS = { maxFieldFailures: 3, holdingReplyEveryMs: 6 * 60 * 60 * 1000, depositLinkTtlMs: 24 * 60 * 60 * 1000 } as const;

export type EngineInput = { type: "client_message"; message: InboundMessage };

/** The artist acts on the lead: from a one-tap link or the admin API (see artist-actions.ts). */
export interface ArtistActionInput {
  type: "artist_action";
  action: ArtistAction;
  /** Why (reject): kept for the artist's records, never sent to the client. */
  reason: string | null;
  via: ActionVia;
  /** Refund only: how much (minor units); null refunds everything still refundable. */
  amountMinor?: number | null;
  /**
   * Reject only, picked from the artist's reason list on WhatsApp: the client gets that reason's
   * kind message (`no_message`: none). Absent: the general kind message.
   */
  rejectReason?: RejectReason | null;
  /** override_deposit only: the deposit's new outcome. */
  fate?: Exclude<DepositFate, "move"> | null;
}

export interface NewAnswer {
  questionKey: QuestionKey;
  rawText: string | null;
  value: unknown;
  sourceMessageId: string;
}

/** Media kinds kept as attachments (audio, video and stickers are not reference material). */
export const STORED_MEDIA_KINDS = ["image", "document"] as const satisfies readonly MediaKind[];
export type StoredMediaKind = (typeof STORED_MEDIA_KINDS)[number];

/** A reference image or document the client sent, to be fetched from WhatsApp and stored. */
export interface NewAttachment {
  providerMediaId: string;
  sourceMessageId: string;
  /** As the webhook reported it; the download's own type wins once fetched. */
  mimeType: string | null;
  caption: string | null;
  kind: StoredMediaKind;
}

export interface EventRecord {
  type: string;
  level: "debug" | "info" | "warn" | "error";
  payload: Record<string, unknown>;
}

/** Lead fields a decision may set (status is set only through `transitions`). */
export interface LeadPatch {
  currentQuestion?: string | null;
  optedOut?: boolean;
  optedOutAt?: Date | null;
  pilotNoticeSentAt?: Date;
  displayName?: string;
  lastClientMessageAt?: Date;
  lastClientMessageId?: string;
  serviceWindowEndsAt?: Date;
  consultationCompletedAt?: Date;
  resumeStatus?: LeadStatus | null;
  failureCounts?: Record<string, number>;
  handoverReason?: string | null;
  handoverAt?: Date | null;
  handoverPacket?: unknown;
  holdingReplySentAt?: Date | null;
  handoverReasons?: string[];
  /** ISO times (a jsonb column), oldest first. */
  handoverNoticesAt?: string[];
  referenceLimitNotedAt?: Date;
  multiAnswerNotedAt?: Date;
  panicNoticeAt?: Date;
  pendingCheck?: PendingCheck | null;
  /** Set when the consultation finishes or is handed over part-way; null when a handed-over consultation resumes. */
  brief?: BriefCompleteness | null;
  // The estimate (see estimate-step.ts); the deposit is quoted here but locked only when its link is sent.
  region?: Region;
  sizeCategory?: SizeCategory;
  estimatedDays?: number | null;
  priceMinMinor?: number;
  priceMaxMinor?: number;
  priceCurrency?: string;
  estimateTrace?: EstimateTrace;
  depositAmountMinor?: number;
  depositCurrency?: string;
  depositRuleVersion?: string;
  // The deposit's link and payment (see deposit.ts): locked when its first link is sent.
  depositLockedAt?: Date;
  depositAttempt?: number;
  stripeCheckoutSessionId?: string;
  depositLinkUrl?: string;
  depositLinkExpiresAt?: Date;
  /** null: a move under the policy needs a new deposit (engine/move-settlement.ts), so the lead is unpaid again. */
  depositPaidAt?: Date | null;
  stripePaymentIntentId?: string | null;
  refundedAmountMinor?: number;
  depositLedger?: LedgerEntry[];
  // The budget check (see tour.ts).
  tourOffer?: TourOffer;
  tourCity?: string;
  waitlistCity?: string;
  artistNotifiedAt?: Date;
  // The artist's decisions (see artist-actions.ts).
  approvedAt?: Date;
  rejectedAt?: Date;
  rejectionReason?: string | null;
  bookedAt?: Date;
  // The booking step (see engine/booking.ts).
  slotOffer?: SlotOffer | null;
  heldSlot?: HeldSlot | null;
  // The consent step (see consent.ts).
  consent?: ConsentRecord;
  /** No-shows of this client (issue 18): the count kept on their lead, which a new consultation restarts. */
  noShowCount?: number;
  // Timers (see timers.ts): what fired, and the next one due (kept for the cron's index).
  timersFired?: string[];
  nextTimerAt?: Date | null;
  nextTimerKind?: string | null;
}

/** leads.estimate_trace: the inputs, the rules version and each step of the estimate, for the artist. */
export interface EstimateTrace {
  rulesVersion: string;
  inputs: { widthCm: number; heightCm: number; complexity: 1 | 2 | 3; region: Region; regionFrom: "location" | "tour" };
  areaCm2: number;
  hours: number;
  lines: string[];
}

/**
 * A one-tap link the decision's artist notice needs. The engine cannot mint tokens (randomness and
 * a database row): it writes `placeholder` where the URL goes and the lead's session replaces it
 * with the real link, storing the token's hash in the same transaction as the decision.
 */
export interface ActionLinkRequest {
  action: ArtistAction;
  placeholder: string;
  /** The artist message in `outbound` the link belongs to; the only one it is ever put in. */
  messageIndex: number | null;
}

export interface Decision {
  transitions: Transition[];
  patch: LeadPatch;
  answers: NewAnswer[];
  /**
   * Media to store: a late message's too, but never an opted-out client's, a number's outside the
   * pilot, or past the per-lead limit (see attachments.ts).
   */
  attachments: NewAttachment[];
  outbound: Outbound[];
  events: EventRecord[];
  /** Links to mint for the artist's messages in `outbound`. */
  actionLinks: ActionLinkRequest[];
  /** A deposit link to create with Stripe before this decision applies (its URL is a placeholder in `outbound`). */
  checkout?: CheckoutRequest;
  /** A refund to make with Stripe before this decision applies. */
  refund?: RefundRequest;
  /** A Checkout Session to expire at Stripe before this decision applies (nobody should pay it any more). */
  expireCheckout?: string;
  /** A slot to hold in the artist's calendar before this decision applies (engine/booking.ts). */
  hold?: HoldIntent;
  /** A confirmed booking to cancel in the artist's calendar (engine/booking-change.ts) before the decision commits. */
  cancelBooking?: { bookingId: string; reason: string };
}

/**
 * The slot the client chose, to hold before the decision applies. The lead's object asks the
 * artist's calendar object: held, the booking's id goes into `heldSlot` and the deposit link is
 * made to expire with the hold; refused, the decision is made again with `holdRefused`.
 * `confirm`: the deposit was paid before (kept as credit), so the hold is confirmed at once.
 */
export interface HoldIntent {
  start: Date;
  end: Date;
  label: string;
  confirm: boolean;
  /** A reschedule: the confirmed booking that moves to this time (it keeps its id, event and deposit). */
  moveBookingId?: string;
}
