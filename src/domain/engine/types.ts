/**
 * The engine's vocabulary: what it knows about a lead, how it is configured, what it is given and
 * what it decides. Types only (plus the engine's defaults), so every engine module shares them.
 */
import type { LeadStatus } from "../lead-status.ts";
import type { InboundMessage, MediaKind, Outbound } from "../messages.ts";
import type { QuestionKey } from "../questions.ts";
import type { Transition } from "../state-machine.ts";

/** An answer already stored for the lead (lead_answers), oldest first. */
export interface RecordedAnswer {
  questionKey: string;
  rawText: string | null;
  value: unknown;
}

/** What the engine needs to know about a lead. */
export interface LeadState {
  id: string;
  phoneE164: string;
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
  /** When the client was told "I'll ask about the rest one at a time" (said once per lead). */
  multiAnswerNotedAt: Date | null;
  /** The lead's latest answers, oldest first (the DO loads the newest ~20). */
  recentAnswers: readonly RecordedAnswer[];
}

export interface EngineConfig {
  artistName: string;
  replyDays: number;
  pilot: { enabled: boolean; allowlist: readonly string[] };
  /** Failed answers to one question before the artist takes over; {@link ENGINE_DEFAULTS} unless given. */
  maxFieldFailures?: number;
  /** Least time between holding replies while handed over; {@link ENGINE_DEFAULTS} unless given. */
  holdingReplyEveryMs?: number;
}

/** Defaults for the optional {@link EngineConfig} fields. */
export const ENGINE_DEFAULTS = { maxFieldFailures: 3, holdingReplyEveryMs: 6 * 60 * 60 * 1000 } as const;

export type EngineInput = { type: "client_message"; message: InboundMessage };

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
  multiAnswerNotedAt?: Date;
}

export interface Decision {
  transitions: Transition[];
  patch: LeadPatch;
  answers: NewAnswer[];
  /** Media to store, whatever the lead's state (an opted-out or late message still carries it). */
  attachments: NewAttachment[];
  outbound: Outbound[];
  events: EventRecord[];
}
