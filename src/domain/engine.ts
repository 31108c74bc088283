/**
 * The conversation engine: a pure function from (lead state, input, now, config) to a decision.
 *
 * It never performs I/O and never reads the clock. The Durable Object applies a decision in one
 * Postgres transaction and then delivers its outbound messages in order.
 */
import { greetingName, renderCopy, type CopyKey, type CopyParams } from "./copy.ts";
import { LeadStatus } from "./lead-status.ts";
import type { InboundMessage, MediaKind, Outbound } from "./messages.ts";
import { nextQuestion, questionByKey, type Question, type QuestionKey } from "./questions.ts";
import { canTransition, transition, type Transition } from "./state-machine.ts";

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
}

export interface EngineConfig {
  artistName: string;
  replyDays: number;
  pilot: { enabled: boolean; allowlist: readonly string[] };
}

export type EngineInput = { type: "client_message"; message: InboundMessage };

export interface NewAnswer {
  questionKey: QuestionKey;
  rawText: string | null;
  value: unknown;
  sourceMessageId: string;
}

/** A reference image or document the client sent, to be fetched from WhatsApp and stored. */
export interface NewAttachment {
  providerMediaId: string;
  sourceMessageId: string;
  /** As the webhook reported it; the download's own type wins once fetched. */
  mimeType: string | null;
  caption: string | null;
  kind: StoredMediaKind;
}

/** Media kinds kept as attachments (audio, video and stickers are not reference material). */
export const STORED_MEDIA_KINDS = ["image", "document"] as const satisfies readonly MediaKind[];
export type StoredMediaKind = (typeof STORED_MEDIA_KINDS)[number];

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

const STOP_WORDS = new Set(["stop", "unsubscribe", "stop all", "opt out", "optout"]);
const START_WORDS = new Set(["start", "subscribe", "unstop"]);
const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Statuses from which START begins the consultation again rather than returning to them. */
const RESTART_FROM: ReadonlySet<LeadStatus> = new Set([LeadStatus.NEW, LeadStatus.QUALIFYING, LeadStatus.OPTOUT]);

function keyword(message: InboundMessage): string {
  return (message.text ?? "").trim().toLowerCase().replace(/[.!]+$/, "");
}

class DecisionBuilder {
  readonly decision: Decision = { transitions: [], patch: {}, answers: [], attachments: [], outbound: [], events: [] };
  private status: LeadStatus;
  private readonly lead: LeadState;
  private readonly config: EngineConfig;

  constructor(lead: LeadState, config: EngineConfig) {
    this.lead = lead;
    this.config = config;
    this.status = lead.status;
  }

  get currentStatus(): LeadStatus {
    return this.status;
  }

  moveTo(to: LeadStatus, reason: string): void {
    const result = transition(this.status, to, reason);
    if (!result.ok) throw new Error(`engine bug: ${result.reason}`);
    this.decision.transitions.push(result.value);
    this.status = to;
  }

  say(copyKey: CopyKey, extra: CopyParams = {}): void {
    const params: CopyParams = {
      artistName: this.config.artistName,
      greetingName: greetingName(this.decision.patch.displayName ?? this.lead.displayName),
      replyDays: this.config.replyDays,
      ...extra,
    };
    const body = renderCopy(copyKey, params, this.lead.locale, this.lead.id);
    this.decision.outbound.push({ to: "client", kind: "text", body, copyKey });
  }

  ask(question: Question): void {
    this.decision.patch.currentQuestion = question.key;
    this.say(question.copyKey);
  }

  event(type: string, payload: Record<string, unknown> = {}, level: EventRecord["level"] = "info"): void {
    this.decision.events.push({ type, level, payload });
  }
}

function isStoredKind(kind: MediaKind): kind is StoredMediaKind {
  return (STORED_MEDIA_KINDS as readonly MediaKind[]).includes(kind);
}

/** The attachments a message carries: its image or document, if any. */
export function attachmentsOf(message: InboundMessage): NewAttachment[] {
  const media = message.media;
  if (message.kind !== "media" || !media || !isStoredKind(media.kind)) return [];
  return [
    { providerMediaId: media.id, sourceMessageId: message.id, mimeType: media.mimeType, caption: media.caption, kind: media.kind },
  ];
}

/** Decides what a client message does to a lead. */
export function decide(lead: LeadState, input: EngineInput, now: Date, config: EngineConfig): Decision {
  const b = new DecisionBuilder(lead, config);
  const message = input.message;
  // Kept before any early return: what the client sent is stored whatever the flow does with it.
  b.decision.attachments.push(...attachmentsOf(message));

  const word = keyword(message);
  // Messages older than the newest one processed are recorded but never move the flow back;
  // STOP is the exception: an opt-out is honoured in whatever order it arrives.
  const stale = lead.lastClientMessageAt !== null && message.timestampMs < lead.lastClientMessageAt.getTime();
  if (stale && !STOP_WORDS.has(word)) {
    b.event("message.out_of_order", { message_id: message.id, kind: message.kind });
    return b.decision;
  }
  if (!stale) {
    b.decision.patch.lastClientMessageAt = new Date(message.timestampMs);
    b.decision.patch.lastClientMessageId = message.id;
    // The window runs 24 h from the client's message (never from a timestamp in our future).
    b.decision.patch.serviceWindowEndsAt = new Date(Math.min(message.timestampMs, now.getTime()) + SERVICE_WINDOW_MS);
  }
  if (message.profileName && !lead.displayName) b.decision.patch.displayName = message.profileName;

  if (STOP_WORDS.has(word)) {
    if (lead.optedOut) return b.decision;
    b.moveTo(LeadStatus.OPTOUT, "client sent STOP");
    b.decision.patch.optedOut = true;
    b.decision.patch.optedOutAt = now;
    b.decision.patch.resumeStatus = lead.status;
    b.say("optout.confirmed");
    b.event("lead.opted_out", { from_status: lead.status, out_of_order: stale });
    return b.decision;
  }
  if (lead.optedOut) {
    if (!START_WORDS.has(word)) {
      b.event("message.while_opted_out", { message_id: message.id });
      return b.decision;
    }
    b.decision.patch.optedOut = false;
    b.decision.patch.optedOutAt = null;
    b.decision.patch.resumeStatus = null;
    b.event("lead.opted_in", { resume_status: lead.resumeStatus ?? null });
    b.say("optin.confirmed");
    // Back to where the lead was (a finished consultation is not asked again); a lead that was
    // still in the consultation, or whose status is unknown, restarts at its current question.
    const back = lead.resumeStatus;
    if (b.currentStatus === LeadStatus.OPTOUT && back && !RESTART_FROM.has(back) && canTransition(LeadStatus.OPTOUT, back)) {
      b.moveTo(back, "client sent START");
      return b.decision;
    }
    if (b.currentStatus === LeadStatus.OPTOUT) b.moveTo(LeadStatus.NEW, "client sent START");
    resumeConsultation(b, lead);
    return b.decision;
  }

  if (config.pilot.enabled && !config.pilot.allowlist.includes(lead.phoneE164)) {
    if (!lead.pilotNoticeSentAt) {
      b.decision.patch.pilotNoticeSentAt = now;
      b.say("pilot.not_enrolled");
    }
    b.event("pilot.not_enrolled", { notice_sent: !lead.pilotNoticeSentAt });
    return b.decision;
  }

  switch (b.currentStatus) {
    case LeadStatus.NEW: {
      b.say("consultation.welcome");
      resumeConsultation(b, lead);
      return b.decision;
    }
    case LeadStatus.QUALIFYING:
      answerCurrentQuestion(b, lead, message, now);
      return b.decision;
    default:
      b.event("message.no_step", { status: b.currentStatus, message_id: message.id });
      return b.decision;
  }
}

/** Moves a NEW lead into the consultation and asks the current (or first) question. */
function resumeConsultation(b: DecisionBuilder, lead: LeadState): void {
  const question = questionByKey(lead.currentQuestion) ?? nextQuestion(null);
  if (!question) return;
  if (b.currentStatus === LeadStatus.NEW) b.moveTo(LeadStatus.QUALIFYING, "consultation started");
  if (b.currentStatus === LeadStatus.QUALIFYING) b.ask(question);
}

function answerCurrentQuestion(b: DecisionBuilder, lead: LeadState, message: InboundMessage, now: Date): void {
  const current = questionByKey(lead.currentQuestion) ?? nextQuestion(null);
  if (!current) return;
  b.decision.answers.push({
    questionKey: current.key,
    rawText: message.text,
    value: message.replyId ? { replyId: message.replyId } : message.media ? { mediaId: message.media.id } : null,
    sourceMessageId: message.id,
  });
  const next = nextQuestion(current.key);
  if (next) {
    b.ask(next);
    return;
  }
  b.decision.patch.currentQuestion = null;
  b.decision.patch.consultationCompletedAt = now;
  b.moveTo(LeadStatus.PENDING_APPROVAL, "consultation complete");
  b.say("consultation.complete");
  b.event("consultation.completed");
}
