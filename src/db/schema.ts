/**
 * The Postgres data model (drizzle). `npm run db:generate` turns changes here into SQL under
 * migrations/; `npm run db:migrate` applies them.
 *
 * Conventions: uuid primary keys for rows that leave the database (leads, outbox ids, tokens),
 * bigserial for append-only logs; timestamps are timestamptz; money is integer minor units with a
 * currency; every enumerated text column has a CHECK built from the constants in src/domain.
 */
import { sql, type SQL } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  smallint,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { BOOKING_STATUSES } from "../domain/booking.ts";
import { LEAD_STATUSES, REGIONS, SIZE_CATEGORIES } from "../domain/lead-status.ts";
import { E164_SQL_PATTERN } from "../domain/phone.ts";
import { USER_ID_SQL_PATTERN } from "../domain/client-id.ts";

/** A CHECK that `column` is one of `values` (NULL allowed unless the column is NOT NULL). */
function oneOf(column: string, values: readonly string[]): SQL {
  const list = values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ");
  return sql.raw(`"${column}" IN (${list})`);
}

function e164(column: string): SQL {
  return sql.raw(`"${column}" ~ '${E164_SQL_PATTERN}'`);
}

function userIdShape(column: string): SQL {
  return sql.raw(`"${column}" ~ '${USER_ID_SQL_PATTERN}'`);
}

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

const tz = (name: string) => timestamp(name, { withTimezone: true });

export const OUTBOX_KINDS = ["text", "buttons", "list", "template", "media", "actions", "cta"] as const;
export const OUTBOX_STATUSES = ["PENDING", "SENT", "DELIVERED", "READ", "FAILED", "SKIPPED"] as const;
export const ATTACHMENT_STATUSES = ["PENDING", "UPLOADED", "FAILED"] as const;
export const EVENT_LEVELS = ["debug", "info", "warn", "error"] as const;
export const EVENT_PROVIDERS = ["whatsapp", "stripe", "artist", "admin", "cron", "system"] as const;
export const ACTION_KINDS = [
  "approve",
  "reject",
  "send_deposit",
  "send_booking_link",
  "mark_booked",
  "resume",
  "refund",
  "offer_slots",
  "cancel_booking",
  "cancel_refund",
  "allow_move",
  "mark_no_show",
  "override_deposit",
] as const;

/**
 * One row per client: the whole consultation, estimate, deposit and booking state. A client is
 * known by their number, their business-scoped user ID (BSUID), or both.
 */
export const leads = pgTable(
  "leads",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    artistId: text("artist_id").notNull().default("default"),
    /**
     * The name of the lead's LeadConversation object, fixed when the client is first seen: their
     * number then, else their BSUID. It never changes (a number that appears, disappears or
     * changes does not move the lead). Null only on rows written outside the app: the phone then.
     */
    conversationKey: text("conversation_key"),
    /** Null for a client who uses a WhatsApp username and has not shared their number. */
    phoneE164: text("phone_e164"),
    waId: text("wa_id"),
    /** Business-scoped user ID ("US.13491208655302741918"): Meta's id for the client, with or without a number. */
    bsuid: text("bsuid"),
    /** The parent BSUID ("US.ENT.…") of a managed business, when Meta sends one. */
    parentBsuid: text("parent_bsuid"),
    /** The client's WhatsApp username, for display (it can change; never an identity). */
    username: text("username"),
    displayName: text("display_name"),
    locale: text("locale").notNull().default("en_GB"),

    status: text("status").notNull().default("NEW"),
    statusChangedAt: tz("status_changed_at").notNull().defaultNow(),
    /** The question the client is being asked now (a question key), null outside the consultation. */
    currentQuestion: text("current_question"),
    /** Failed parse attempts per question key: `{ "dimensions": 2 }`. */
    failureCounts: jsonb("failure_counts").$type<Record<string, number>>().notNull().default({}),
    /** Monotonic count of lead_answers rows, the next answer's `seq`. */
    answerCount: integer("answer_count").notNull().default(0),

    optedOut: boolean("opted_out").notNull().default(false),
    optedOutAt: tz("opted_out_at"),
    pilotNoticeSentAt: tz("pilot_notice_sent_at"),

    /** Time of the newest client message processed (Meta's timestamp): older ones do not advance the flow. */
    lastClientMessageAt: tz("last_client_message_at"),
    lastClientMessageId: text("last_client_message_id"),
    /** When the 24-hour customer-service window closes (last inbound + 24 h). */
    serviceWindowEndsAt: tz("service_window_ends_at"),
    lastOutboundAt: tz("last_outbound_at"),
    /** Count of outbox rows for this lead, the next outbound message's `seq`. */
    outboxCount: integer("outbox_count").notNull().default(0),
    lastDeliveryError: text("last_delivery_error"),

    handoverReason: text("handover_reason"),
    handoverAt: tz("handover_at"),
    handoverPacket: jsonb("handover_packet"),
    holdingReplySentAt: tz("holding_reply_sent_at"),
    /** Every reason raised while the current handover is open, the one that opened it first. */
    handoverReasons: jsonb("handover_reasons").$type<string[]>().notNull().default([]),
    /** When the artist got a handover notice (ISO times), the latest few: the per-day cap counts them. */
    handoverNoticesAt: jsonb("handover_notices_at").$type<string[]>().notNull().default([]),
    /** When the client was last told they reached the reference-file limit (said at most once a day). */
    referenceLimitNotedAt: tz("reference_limit_noted_at"),
    /** When the client was told that answers given together are still asked one at a time (once per lead). */
    multiAnswerNotedAt: tz("multi_answer_noted_at"),
    /** A parsed answer waiting for the client's confirmation ("did you mean £500?"), or null (engine/plausibility.ts). */
    pendingCheck: jsonb("pending_check"),
    /** The brief's completeness when the consultation finished or was handed over part-way: `{ score, total, missing[] }` (engine/completeness.ts). */
    brief: jsonb("brief"),
    /** When the client last got the panic switch's holding reply (at most one a day, see settings). */
    panicNoticeAt: tz("panic_notice_at"),
    /** Status to return to when a handover ends with CONTINUE. */
    resumeStatus: text("resume_status"),

    region: text("region"),
    sizeCategory: text("size_category"),
    estimatedDays: integer("estimated_days"),
    priceMinMinor: integer("price_min_minor"),
    priceMaxMinor: integer("price_max_minor"),
    priceCurrency: text("price_currency"),
    estimateTrace: jsonb("estimate_trace"),

    tourOffer: jsonb("tour_offer"),
    tourCity: text("tour_city"),
    waitlistCity: text("waitlist_city"),
    timeWindows: jsonb("time_windows"),

    approvedAt: tz("approved_at"),
    rejectedAt: tz("rejected_at"),
    rejectionReason: text("rejection_reason"),

    depositAmountMinor: integer("deposit_amount_minor"),
    depositCurrency: text("deposit_currency"),
    depositRuleVersion: text("deposit_rule_version"),
    depositLockedAt: tz("deposit_locked_at"),
    depositAttempt: integer("deposit_attempt").notNull().default(0),
    stripeCheckoutSessionId: text("stripe_checkout_session_id"),
    depositLinkUrl: text("deposit_link_url"),
    depositLinkExpiresAt: tz("deposit_link_expires_at"),
    depositPaidAt: tz("deposit_paid_at"),
    stripePaymentIntentId: text("stripe_payment_intent_id"),
    refundedAmountMinor: integer("refunded_amount_minor").notNull().default(0),
    /** Every deposit movement: `[{ kind, amountMinor, at, reference, reason }]`. */
    depositLedger: jsonb("deposit_ledger").notNull().default([]),

    slotStart: tz("slot_start"),
    slotEnd: tz("slot_end"),
    slotHoldExpiresAt: tz("slot_hold_expires_at"),
    calendarEventId: text("calendar_event_id"),
    bookingLinkSentAt: tz("booking_link_sent_at"),
    bookedAt: tz("booked_at"),
    /** The slots last offered to the client (src/domain/slot-offer.ts SlotOffer), while they choose. */
    slotOffer: jsonb("slot_offer"),
    /** The slot held while the deposit is paid, or booked (HeldSlot: the booking's id and its time). */
    heldSlot: jsonb("held_slot"),
    /**
     * The consent step (src/domain/consent.ts ConsentRecord): date of birth, medical answers and
     * flags, and the policy acknowledged (its snapshot and the time of the client's "I agree").
     * Personal data: shown in the inbox, never sent to the spreadsheet.
     */
    consent: jsonb("consent"),
    /**
     * No-shows the artist marked for this client (issue 18). A number has one lead, which a new
     * consultation restarts, so the count follows the client: their next deposit is the policy's.
     */
    noShowCount: integer("no_show_count").notNull().default(0),

    /**
     * The next timer due (src/domain/timers.ts), kept by every decision: the cron finds due leads
     * through the partial index on it instead of reading every lead.
     */
    nextTimerAt: tz("next_timer_at"),
    nextTimerKind: text("next_timer_kind"),
    /** Timers already fired or skipped (`kind@basis`), newest last: none fires twice. */
    timersFired: jsonb("timers_fired").$type<string[]>().notNull().default([]),

    consultationCompletedAt: tz("consultation_completed_at"),
    artistNotifiedAt: tz("artist_notified_at"),
    sheetsSyncedVersion: integer("sheets_synced_version"),
    sheetsSyncedAt: tz("sheets_synced_at"),

    /** Optimistic concurrency: every update sets `version = version + 1 WHERE version = $seen`. */
    version: integer("version").notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("leads_phone_e164_uq").on(t.phoneE164),
    uniqueIndex("leads_conversation_key_uq").on(t.conversationKey),
    index("leads_bsuid_idx").on(t.bsuid),
    index("leads_status_updated_idx").on(t.status, t.updatedAt.desc()),
    index("leads_created_idx").on(t.createdAt.desc(), t.id),
    index("leads_next_timer_idx")
      .on(t.nextTimerAt)
      .where(sql`${t.nextTimerAt} IS NOT NULL`),
    index("leads_deposit_expiry_idx")
      .on(t.depositLinkExpiresAt)
      .where(sql`${t.status} = 'AWAITING_DEPOSIT'`),
    uniqueIndex("leads_checkout_session_uq").on(t.stripeCheckoutSessionId),
    check("leads_status_ck", oneOf("status", LEAD_STATUSES)),
    check("leads_resume_status_ck", oneOf("resume_status", LEAD_STATUSES)),
    check("leads_phone_e164_ck", e164("phone_e164")),
    check("leads_bsuid_ck", userIdShape("bsuid")),
    check("leads_reachable_ck", sql`${t.phoneE164} IS NOT NULL OR ${t.bsuid} IS NOT NULL`),
    check("leads_region_ck", oneOf("region", REGIONS)),
    check("leads_size_category_ck", oneOf("size_category", SIZE_CATEGORIES)),
    check("leads_price_range_ck", sql`${t.priceMinMinor} IS NULL OR ${t.priceMaxMinor} >= ${t.priceMinMinor}`),
    check("leads_deposit_positive_ck", sql`${t.depositAmountMinor} IS NULL OR ${t.depositAmountMinor} > 0`),
    check("leads_refund_ck", sql`${t.refundedAmountMinor} >= 0`),
    check("leads_version_ck", sql`${t.version} >= 0`),
  ],
);

/** Every answer the client gave, in order; the latest answer per question wins. */
export const leadAnswers = pgTable(
  "lead_answers",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id, { onDelete: "cascade" }),
    /** 1-based order within the lead (leads.answer_count hands them out). */
    seq: integer("seq").notNull(),
    questionKey: text("question_key").notNull(),
    rawText: text("raw_text"),
    value: jsonb("value"),
    sourceMessageId: text("source_message_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("lead_answers_lead_seq_uq").on(t.leadId, t.seq),
    index("lead_answers_latest_idx").on(t.leadId, t.questionKey, t.seq.desc()),
    check("lead_answers_seq_ck", sql`${t.seq} > 0`),
  ],
);

/** Idempotency ledger: one row per provider event applied (WhatsApp message, Stripe event, action). */
export const processedEvents = pgTable(
  "processed_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    provider: text("provider").notNull(),
    eventId: text("event_id").notNull(),
    leadId: uuid("lead_id").references(() => leads.id, { onDelete: "set null" }),
    outcome: text("outcome"),
    /**
     * What the event answered when it was applied (an artist action's outcome), stored with the
     * marker in the same statement: a replay after a reset gets the first answer, not "duplicate".
     */
    result: jsonb("result"),
    processedAt: timestamp("processed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("processed_events_provider_event_uq").on(t.provider, t.eventId),
    index("processed_events_lead_idx").on(t.leadId),
    check("processed_events_provider_ck", oneOf("provider", EVENT_PROVIDERS)),
  ],
);

/** One-tap artist action links. Only the SHA-256 of the token is stored. */
export const actionTokens = pgTable(
  "action_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull(),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id, { onDelete: "cascade" }),
    action: text("action").notNull(),
    /** Statuses in which the action may run (checked again, inside the lead's DO, when used). */
    allowedStatuses: jsonb("allowed_statuses").$type<string[]>().notNull(),
    expiresAt: tz("expires_at").notNull(),
    usedAt: tz("used_at"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("action_tokens_hash_uq").on(t.tokenHash),
    index("action_tokens_lead_idx").on(t.leadId, t.action),
    check("action_tokens_action_ck", oneOf("action", ACTION_KINDS)),
    check("action_tokens_hash_ck", sql.raw(`"token_hash" ~ '^[0-9a-f]{64}$'`)),
  ],
);

/** Structured audit and ops log: what happened, to which lead, under which correlation id. */
export const systemEvents = pgTable(
  "system_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    level: text("level").notNull().default("info"),
    type: text("type").notNull(),
    leadId: uuid("lead_id").references(() => leads.id, { onDelete: "set null" }),
    payload: jsonb("payload").notNull().default({}),
    correlationId: text("correlation_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("system_events_type_time_idx").on(t.type, t.createdAt.desc()),
    index("system_events_lead_time_idx").on(t.leadId, t.createdAt.desc()),
    index("system_events_time_idx").on(t.createdAt.desc()),
    check("system_events_level_ck", oneOf("level", EVENT_LEVELS)),
  ],
);

/**
 * Queue messages that could not be processed: a message that failed its schema (sent straight to
 * the dead-letter queue) or one that failed every retry. Shown in the admin API and the inbox, and
 * replayable from there (replayed_at says when; the row is kept).
 */
export const deadLetters = pgTable(
  "dead_letters",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** The queue's message id: a redelivered dead letter is recorded once. */
    messageId: text("message_id").notNull(),
    queue: text("queue").notNull(),
    body: jsonb("body"),
    kind: text("kind"),
    attempts: integer("attempts").notNull().default(0),
    reason: text("reason").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    replayedAt: tz("replayed_at"),
  },
  (t) => [uniqueIndex("dead_letters_message_uq").on(t.messageId), index("dead_letters_time_idx").on(t.createdAt.desc())],
);

/** Reference images and documents sent by the client, copied from WhatsApp media to R2. */
export const attachments = pgTable(
  "attachments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id, { onDelete: "cascade" }),
    providerMediaId: text("provider_media_id").notNull(),
    sourceMessageId: text("source_message_id"),
    mimeType: text("mime_type"),
    caption: text("caption"),
    sha256: text("sha256"),
    sizeBytes: integer("size_bytes"),
    r2Key: text("r2_key"),
    status: text("status").notNull().default("PENDING"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: tz("next_attempt_at"),
    lastError: text("last_error"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("attachments_lead_media_uq").on(t.leadId, t.providerMediaId),
    index("attachments_pending_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'PENDING'`),
    check("attachments_status_ck", oneOf("status", ATTACHMENT_STATUSES)),
    check("attachments_size_ck", sql`${t.sizeBytes} IS NULL OR ${t.sizeBytes} >= 0`),
  ],
);

/**
 * Messages decided for a lead, written in the same transaction as the decision and delivered
 * afterwards in `seq` order. The row id is the stable outbox id: a retry reuses it, so nothing is
 * sent twice.
 */
export const outboxMessages = pgTable(
  "outbox_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id, { onDelete: "cascade" }),
    /** 1-based order within the lead (leads.outbox_count hands them out). */
    seq: integer("seq").notNull(),
    /** The number it goes to; null for a client known only by BSUID. */
    toPhone: text("to_phone"),
    /** The client's BSUID: the send goes to it (Graph's `recipient`) when there is no number. */
    toUserId: text("to_user_id"),
    kind: text("kind").notNull(),
    /** The rendered message (text, buttons, list, template name and params, media). */
    payload: jsonb("payload").notNull(),
    /** Copy key it was rendered from, for the timeline and tests. */
    copyKey: text("copy_key"),
    status: text("status").notNull().default("PENDING"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: tz("next_attempt_at"),
    providerMessageId: text("provider_message_id"),
    lastErrorCode: text("last_error_code"),
    lastError: text("last_error"),
    sentAt: tz("sent_at"),
    deliveredAt: tz("delivered_at"),
    readAt: tz("read_at"),
    failedAt: tz("failed_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("outbox_lead_seq_uq").on(t.leadId, t.seq),
    uniqueIndex("outbox_provider_message_uq").on(t.providerMessageId),
    index("outbox_pending_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'PENDING'`),
    check("outbox_kind_ck", oneOf("kind", OUTBOX_KINDS)),
    check("outbox_status_ck", oneOf("status", OUTBOX_STATUSES)),
    check("outbox_to_phone_ck", e164("to_phone")),
    check("outbox_to_user_id_ck", userIdShape("to_user_id")),
    check("outbox_recipient_ck", sql`${t.toPhone} IS NOT NULL OR ${t.toUserId} IS NOT NULL`),
    check("outbox_seq_ck", sql`${t.seq} > 0`),
  ],
);

/** Free-text notes the artist or ops attach to a lead. */
export const leadNotes = pgTable(
  "lead_notes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id, { onDelete: "cascade" }),
    author: text("author").notNull(),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("lead_notes_lead_idx").on(t.leadId, t.createdAt.desc()),
    check("lead_notes_body_ck", sql`length(${t.body}) BETWEEN 1 AND 5000`),
  ],
);

/**
 * Web inbox sessions (src/lib/session.ts): one row per sign-in, so signing out revokes the session
 * on the server and not only in the browser that held it. The id is the SHA-256 of the cookie's
 * nonce (the cookie itself is never stored); `key_fingerprint` names the signing key (derived from
 * ADMIN_API_KEY) it was issued under, so a rotated key refuses every older row. Rows live until
 * `expires_at`, then the cron deletes them (src/scheduled.ts).
 */
export const inboxSessions = pgTable(
  "inbox_sessions",
  {
    id: text("id").primaryKey(),
    keyFingerprint: text("key_fingerprint").notNull(),
    createdAt: tz("created_at").notNull(),
    expiresAt: tz("expires_at").notNull(),
    revokedAt: tz("revoked_at"),
  },
  (t) => [
    index("inbox_sessions_expires_idx").on(t.expiresAt),
    check("inbox_sessions_id_ck", sql.raw(`"id" ~ '^[0-9a-f]{64}$'`)),
    check("inbox_sessions_key_fingerprint_ck", sql.raw(`"key_fingerprint" ~ '^[0-9a-f]{16}$'`)),
    check("inbox_sessions_lifetime_ck", sql`${t.expiresAt} > ${t.createdAt}`),
  ],
);

/**
 * Studio settings the artist changes at runtime, with no deploy (src/db/settings-store.ts): one
 * row per key, its value as JSON, and who changed it last. The panic switch lives here.
 */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: tz("updated_at").notNull().defaultNow(),
  updatedBy: text("updated_by"),
});

/**
 * The artists whose time Inkline books (src/db/artists-store.ts). One default artist is made from
 * the config on first use (`handle` "default"); every hold, booking and calendar belongs to an
 * artist by `id`. `availability` is the jsonb of domain/availability.ts `AvailabilityRules`,
 * validated on the way in and out; `time_zone` mirrors its `timeZone` for queries.
 */
export const artists = pgTable(
  "artists",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    handle: text("handle").notNull(),
    name: text("name").notNull(),
    whatsappNumber: text("whatsapp_number"),
    timeZone: text("time_zone").notNull(),
    availability: jsonb("availability").notNull(),
    /** The artist's digest hour (0–23, their zone); null: ARTIST_DIGEST_HOUR. */
    digestHour: smallint("digest_hour"),
    /** The digest slot last sent (src/domain/digest.ts): a slot is sent once, whoever asks twice. */
    digestSentSlot: tz("digest_sent_slot"),
    /** The studio's policy (src/domain/studio-policy.ts); null: the default policy. */
    policy: jsonb("policy"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("artists_handle_uq").on(t.handle),
    check("artists_digest_hour_ck", sql`${t.digestHour} IS NULL OR ${t.digestHour} BETWEEN 0 AND 23`),
    check("artists_handle_ck", sql.raw(`"handle" ~ '^[a-z0-9][a-z0-9-]{0,39}$'`)),
    check("artists_name_ck", sql`length(${t.name}) BETWEEN 1 AND 100`),
    check("artists_whatsapp_number_ck", e164("whatsapp_number")),
  ],
);

/**
 * Holds and bookings of an artist's time (src/domain/booking.ts, src/db/booking-store.ts). A row
 * blocks `[starts_at, blocked_until)` (the session and the buffer after it) while HELD or
 * CONFIRMED. Migration 0012 adds what drizzle cannot say: the exclusion constraint
 * `bookings_no_overlap` (btree_gist: per artist, overlapping ranges, over HELD and CONFIRMED
 * rows), the last line against two clients in one slot; its SQLSTATE 23P01 reads as "slot taken".
 * A lead has at most one blocking row (`bookings_lead_blocking_uq`).
 */
export const bookings = pgTable(
  "bookings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    artistId: uuid("artist_id")
      .notNull()
      .references(() => artists.id),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id, { onDelete: "cascade" }),
    status: text("status").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    endsAt: timestamp("ends_at", { withTimezone: true }).notNull(),
    blockedUntil: timestamp("blocked_until", { withTimezone: true }).notNull(),
    /** While HELD: when the hold lapses unless paid (the deposit link's expiry plus a grace). */
    holdExpiresAt: timestamp("hold_expires_at", { withTimezone: true }),
    /** The deposit link made for this hold. */
    checkoutSessionId: text("checkout_session_id"),
    /** Our id of the Google Calendar event (derived from the booking and `revision`). */
    calendarEventId: text("calendar_event_id"),
    /** The event's etag when we last wrote it: a move patches with If-Match on it (412: the artist edited it; read again). */
    calendarEventEtag: text("calendar_event_etag"),
    /** The start the event was last written with: a booking whose start differs was moved, and its event is patched. */
    calendarEventStartsAt: timestamp("calendar_event_starts_at", { withTimezone: true }),
    revision: integer("revision").notNull().default(0),
    releasedReason: text("released_reason"),
    ...timestamps,
  },
  (t) => [
    check("bookings_status_ck", oneOf("status", BOOKING_STATUSES)),
    check("bookings_times_ck", sql`${t.endsAt} > ${t.startsAt} AND ${t.blockedUntil} >= ${t.endsAt}`),
    index("bookings_artist_start_idx").on(t.artistId, t.startsAt),
    index("bookings_hold_expiry_idx").on(t.holdExpiresAt).where(sql.raw(`"status" = 'HELD'`)),
    uniqueIndex("bookings_lead_blocking_uq").on(t.leadId).where(sql.raw(`"status" IN ('HELD', 'CONFIRMED')`)),
  ],
);

/** What became of one freed-slot offer (src/domain/freed-slots.ts); OFFERED is the only open one. */
export const SLOT_OFFER_OUTCOMES = ["OFFERED", "ACCEPTED", "DECLINED", "LOST", "LAPSED", "SKIPPED"] as const;

/**
 * Freed time offered to waiting clients, one at a time (issue 18, item 7; src/jobs/slot-freed.ts).
 * A row is one offer: the freed interval, the client, the session of it they were offered, until
 * when, and what became of it. At most one OFFERED row per freed interval (the partial unique
 * index: a redelivered or concurrent job cannot offer it twice at once), and one row per client per
 * interval (nobody is offered the same freed time twice).
 */
export const slotOffers = pgTable(
  "slot_offers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    artistId: uuid("artist_id")
      .notNull()
      .references(() => artists.id),
    freedStart: timestamp("freed_start", { withTimezone: true }).notNull(),
    freedEnd: timestamp("freed_end", { withTimezone: true }).notNull(),
    leadId: uuid("lead_id")
      .notNull()
      .references(() => leads.id, { onDelete: "cascade" }),
    slotStart: timestamp("slot_start", { withTimezone: true }).notNull(),
    slotEnd: timestamp("slot_end", { withTimezone: true }).notNull(),
    offeredAt: timestamp("offered_at", { withTimezone: true }).notNull(),
    deadline: timestamp("deadline", { withTimezone: true }).notNull(),
    outcome: text("outcome").notNull().default("OFFERED"),
    answeredAt: timestamp("answered_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    check("slot_offers_outcome_ck", oneOf("outcome", SLOT_OFFER_OUTCOMES)),
    check("slot_offers_times_ck", sql`${t.freedEnd} > ${t.freedStart} AND ${t.slotEnd} > ${t.slotStart}`),
    uniqueIndex("slot_offers_lead_uq").on(t.artistId, t.freedStart, t.freedEnd, t.leadId),
    uniqueIndex("slot_offers_open_uq").on(t.artistId, t.freedStart, t.freedEnd).where(sql.raw(`"outcome" = 'OFFERED'`)),
    index("slot_offers_deadline_idx").on(t.deadline).where(sql.raw(`"outcome" = 'OFFERED'`)),
  ],
);

/**
 * The artist's spreadsheet (issue 16): one row per lead. The row number is assigned once, by the
 * sheet writer under its lock, and never changes, so a retried or redelivered write lands on the same
 * row (never `append`). Every committed decision upserts this row in the decision's own statement
 * (lead-store.ts applyDecision): `lead_version` is the newest version of the lead, `dirty_since` set
 * while the sheet is behind it. That is the outbox the writer drains: a change can never be lost,
 * whatever happens to the queue message that announced it.
 */
export const sheetRows = pgTable(
  "sheet_rows",
  {
    leadId: uuid("lead_id")
      .primaryKey()
      .references(() => leads.id, { onDelete: "cascade" }),
    /** 1-based row in the tab (row 1 is the header); null until first written. */
    rowNumber: integer("row_number"),
    /** The newest version of the lead the sheet should show. */
    leadVersion: integer("lead_version").notNull().default(0),
    /** The version of the lead the sheet shows, null before the first write. */
    syncedVersion: integer("synced_version"),
    /** When the newest change was committed. */
    changedAt: timestamp("changed_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set while the sheet is behind `lead_version` (the oldest unsynced change); null when in step. */
    dirtySince: timestamp("dirty_since", { withTimezone: true }),
    writtenAt: timestamp("written_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("sheet_rows_row_number_uq").on(t.rowNumber),
    index("sheet_rows_dirty_idx")
      .on(t.dirtySince)
      .where(sql`${t.dirtySince} IS NOT NULL`),
  ],
);

/**
 * The sheet writer's state, one row per spreadsheet. Its row lock is the writer's lock (one write
 * at a time, so an older state never lands after a newer one); it keeps the recent write times
 * (Google's per-minute quota), a back-off Google asked for, the flush already on its way, and a
 * permanent failure (and whether the artist was told).
 */
export const sheetSyncState = pgTable("sheet_sync_state", {
  spreadsheetId: text("spreadsheet_id").primaryKey(),
  /** Epoch milliseconds of the writes in the last minute. */
  recentWrites: jsonb("recent_writes").$type<number[]>().notNull().default([]),
  blockedUntil: timestamp("blocked_until", { withTimezone: true }),
  /** Retryable failures in a row (the next back-off doubles with each); 0 after a write succeeds. */
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  /** A delayed `sheets.flush` message is due at this time (no second one is sent before it). */
  flushDueAt: timestamp("flush_due_at", { withTimezone: true }),
  failedAt: timestamp("failed_at", { withTimezone: true }),
  failure: text("failure"),
  artistToldAt: timestamp("artist_told_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Lead = typeof leads.$inferSelect;
export type NewLead = typeof leads.$inferInsert;
export type LeadAnswer = typeof leadAnswers.$inferSelect;
export type OutboxMessage = typeof outboxMessages.$inferSelect;
export type SystemEvent = typeof systemEvents.$inferSelect;
export type Attachment = typeof attachments.$inferSelect;
export type InboxSessionRow = typeof inboxSessions.$inferSelect;
export type ArtistRow = typeof artists.$inferSelect;
export type BookingRow = typeof bookings.$inferSelect;
export type SlotOfferRow = typeof slotOffers.$inferSelect;
export type SheetRow = typeof sheetRows.$inferSelect;
export type SheetSyncStateRow = typeof sheetSyncState.$inferSelect;
