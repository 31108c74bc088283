/**
 * Handover to the artist: moving a lead to NEEDS_ARTIST_REPLY with a reason and a packet, telling
 * the client and notifying the artist, and the lead's life while handed over: later requests added
 * to the open handover (recorded for the inbox, never another notice), a holding reply to the first
 * message after the handover and then at most every few hours, CONTINUE back to where the client was.
 *
 * One open handover is one artist notice (and one resume link). Outside the artist's 24-hour
 * window every notice is a paid template, so a client who hands over, CONTINUEs and hands over
 * again gets at most {@link HANDOVER_NOTICES_PER_DAY} notices to the artist in any 24 hours; a
 * handover past that opens all the same and waits in the inbox.
 */
import { ArtistAction } from "../artist-actions.ts";
import type { CopyKey } from "../copy.ts";
import { LeadStatus } from "../lead-status.ts";
import type { InboundMessage } from "../messages.ts";
import { asQuestionKey, nextQuestion, questionByKey } from "../questions.ts";
import { canTransition } from "../state-machine.ts";
import { knownAnswers } from "./answers.ts";
import type { DecisionBuilder } from "./builder.ts";
import { briefCompleteness } from "./completeness.ts";
import { askConsentAgain } from "./consent.ts";
import { explicitTrigger, isContinue, type HandoverReason } from "./triggers.ts";
import { ENGINE_DEFAULTS, type RecordedAnswer } from "./types.ts";

/** What the artist gets with a handover, stored in leads.handover_packet. */
export interface HandoverPacket {
  reason: HandoverReason;
  at: string;
  fromStatus: LeadStatus;
  currentQuestion: string | null;
  failureCounts: Record<string, number>;
  /** The latest answers, oldest first, including any this message gave. */
  answers: RecordedAnswer[];
  message: { id: string; text: string | null };
}

/** Handover notices the artist gets about one lead in any 24 hours (the rest wait in the inbox). */
export const HANDOVER_NOTICES_PER_DAY = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Answers kept in a packet (and listed to the artist). */
export const PACKET_ANSWERS = 20;
/** Longest client text quoted to the artist; the rest is in the packet. */
const QUOTE_CHARS = 300;
const ANSWER_CHARS = 120;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function label(b: DecisionBuilder, questionKey: string | null): string {
  const key = asQuestionKey(questionKey);
  return key === null ? (questionKey ?? b.render("handover.no_question")) : b.render(`label.${key}`);
}

function packetFor(b: DecisionBuilder, reason: HandoverReason, message: Pick<InboundMessage, "id" | "text">): HandoverPacket {
  const answers = [...b.lead.recentAnswers, ...b.decision.answers.map(({ questionKey, rawText, value }) => ({ questionKey, rawText, value }))];
  return {
    reason,
    at: b.now.toISOString(),
    fromStatus: b.currentStatus,
    currentQuestion: b.currentQuestion,
    failureCounts: { ...b.failureCounts },
    answers: answers.slice(-PACKET_ANSWERS),
    message: { id: message.id, text: message.text },
  };
}

/** One "• Size: 10 x 15 cm" line of an answer, for the artist (a photo reads as such). */
export function answerLine(b: DecisionBuilder, questionKey: string, rawText: string | null): string {
  return b.render("handover.answer_line", {
    label: label(b, questionKey),
    answer: rawText ? clip(rawText, ANSWER_CHARS) : b.render("handover.answer_media"),
  });
}

/** The artist's handover notices about this lead in the 24 hours before now, oldest first. */
function noticesToday(b: DecisionBuilder): Date[] {
  return (b.lead.handoverNoticesAt ?? []).filter((at) => b.now.getTime() - at.getTime() < DAY_MS);
}

/**
 * The artist's notice, unless the lead has had {@link HANDOVER_NOTICES_PER_DAY} in the last 24
 * hours (then only an event: the inbox shows the handover). Returns whether it was sent.
 */
function notifyArtistOnce(b: DecisionBuilder, packet: HandoverPacket): boolean {
  const recent = noticesToday(b);
  if (recent.length >= HANDOVER_NOTICES_PER_DAY) {
    b.event("handover.notice_capped", { reason: packet.reason, notices_today: recent.length, limit: HANDOVER_NOTICES_PER_DAY }, "warn");
    return false;
  }
  b.decision.patch.handoverNoticesAt = [...recent.map((at) => at.toISOString()), b.now.toISOString()];
  notifyArtist(b, packet);
  return true;
}

/** The artist's notice: who, why, their words, where they were, what they answered. */
function notifyArtist(b: DecisionBuilder, packet: HandoverPacket): void {
  const answerLines = packet.answers.map((a) => answerLine(b, a.questionKey, a.rawText));
  const failures = Object.entries(packet.failureCounts)
    .filter(([, count]) => count > 0)
    .map(([key, count]) => b.render("handover.failure_line", { label: label(b, key), count }));
  const notice = b.renderArtist("handover.artist", {
    clientName: b.decision.patch.displayName ?? b.lead.displayName ?? b.render("handover.unknown_name"),
    phone: b.clientContact(),
    reason: b.render(`handover.reason.${packet.reason}`),
    message: packet.message.text ? clip(packet.message.text, QUOTE_CHARS) : b.render("handover.answer_media"),
    question: packet.currentQuestion === null ? b.render("handover.no_question") : label(b, packet.currentQuestion),
    answers: answerLines.length > 0 ? answerLines.join("\n") : b.render("handover.no_answers"),
    failures: failures.length > 0 ? failures.join(", ") : b.render("handover.no_failures"),
  });
  // One tap hands the conversation back (as CONTINUE would); a fresh token with every handover.
  const clientName = b.decision.patch.displayName ?? b.lead.displayName ?? b.render("handover.unknown_name");
  b.artistNotice("handover.artist", notice, clientName, [ArtistAction.RESUME]);
}

/**
 * Hands the lead over to the artist: the client is told why, the artist gets the packet (within
 * the daily cap). When the lead is handed over already, the request joins the open handover.
 */
export function handOver(b: DecisionBuilder, reason: HandoverReason, message: Pick<InboundMessage, "id" | "text">): void {
  const from = b.currentStatus;
  if (from === LeadStatus.NEEDS_ARTIST_REPLY) {
    addToHandover(b, reason, message);
    return;
  }
  const packet = packetFor(b, reason, message);
  // Part-way through the consultation: the inbox shows how much of the brief the artist has.
  if (from === LeadStatus.QUALIFYING || from === LeadStatus.NEW) {
    b.decision.patch.brief = briefCompleteness(knownAnswers(b), b.lead.attachmentCount + b.decision.attachments.length);
  }
  b.moveTo(LeadStatus.NEEDS_ARTIST_REPLY, `handover: ${reason}`);
  // A "did you mean…?" left open is dropped: after the handover the question is asked afresh.
  if (b.lead.pendingCheck) b.decision.patch.pendingCheck = null;
  Object.assign(b.decision.patch, {
    // A first message that asks for the artist resumes into the consultation, not back to NEW.
    resumeStatus: from === LeadStatus.NEW ? LeadStatus.QUALIFYING : from,
    handoverReason: reason,
    handoverReasons: [reason],
    handoverAt: b.now,
    handoverPacket: packet,
    // The client's first message after the handover always gets a holding reply (nobody is left
    // wondering whether they were heard); the cooldown counts from that reply.
    holdingReplySentAt: null,
  });
  const clientCopy: CopyKey = `handover.client.${reason}`;
  b.say(clientCopy);
  const notified = notifyArtistOnce(b, packet);
  b.event("lead.handed_over", {
    reason,
    from_status: from,
    question: packet.currentQuestion,
    answers: packet.answers.length,
    artist_notified: notified,
  });
}

/**
 * Another request while handed over ("refund please" after "human"): recorded for the inbox, never
 * another artist notice. The client hears the request's own answer the first time it is raised in
 * this handover; a repeat is any other message (a holding reply at most every few hours).
 */
function addToHandover(b: DecisionBuilder, reason: HandoverReason, message: Pick<InboundMessage, "id" | "text">): void {
  const stored = b.lead.handoverReasons ?? [];
  // A handover opened before the list was kept has only its opening reason.
  const raised = stored.length > 0 || b.lead.handoverReason === null ? stored : [b.lead.handoverReason];
  const first = !raised.includes(reason);
  if (first) {
    b.decision.patch.handoverReasons = [...raised, reason];
    b.decision.patch.holdingReplySentAt = b.now;
    const clientCopy: CopyKey = `handover.client.${reason}`;
    b.say(clientCopy);
  }
  const holdingReply = !first && holdingReplyIfDue(b);
  b.event("handover.request_added", {
    reason,
    message_id: message.id,
    text: message.text === null ? null : clip(message.text, QUOTE_CHARS),
    first_time: first,
    holding_reply: holdingReply,
  });
}

/**
 * The handover ends (the client's CONTINUE, or the artist's one-tap resume): back to the status
 * the lead had, re-asking the current question in the consultation.
 */
export function endHandover(b: DecisionBuilder, by: "client" | "artist"): void {
  const remembered = b.lead.resumeStatus ?? LeadStatus.QUALIFYING;
  const back = canTransition(LeadStatus.NEEDS_ARTIST_REPLY, remembered) ? remembered : LeadStatus.QUALIFYING;
  b.moveTo(back, by === "client" ? "client sent CONTINUE" : "artist handed back");
  // The consultation goes on: its brief is written again when it finishes.
  if (back === LeadStatus.QUALIFYING) b.decision.patch.brief = null;
  b.decision.patch.resumeStatus = null;
  b.decision.patch.holdingReplySentAt = null;
  b.decision.patch.handoverReasons = [];
  b.say(by === "client" ? "handover.resumed" : "action.resume.client");
  b.event("lead.handover_ended", { reason: b.lead.handoverReason, to_status: back, by });
  if (back === LeadStatus.CHECKING_CONSENT) askConsentAgain(b);
  if (back !== LeadStatus.QUALIFYING) return;
  const question = questionByKey(b.lead.currentQuestion) ?? nextQuestion(null);
  if (!question) return;
  // The client starts the question afresh: earlier failures led to the handover, not to another.
  if (Object.hasOwn(b.failureCounts, question.key)) {
    const { [question.key]: _cleared, ...others } = b.failureCounts;
    b.decision.patch.failureCounts = others;
  }
  b.ask(question);
}

/** A client message while the artist has the conversation. */
export function whileHandedOver(b: DecisionBuilder, message: InboundMessage): void {
  if (isContinue(message.text)) {
    endHandover(b, "client");
    return;
  }
  const trigger = explicitTrigger(message.text, b.config.artistName);
  if (trigger !== null) {
    addToHandover(b, trigger, message);
    return;
  }
  const due = holdingReplyIfDue(b);
  b.event("handover.client_message", { message_id: message.id, holding_reply: due });
}

/** A holding reply to the client if the last one was long enough ago; returns whether it was sent. */
function holdingReplyIfDue(b: DecisionBuilder): boolean {
  const every = b.config.holdingReplyEveryMs ?? ENGINE_DEFAULTS.holdingReplyEveryMs;
  const last = b.lead.holdingReplySentAt;
  const due = last === null || b.now.getTime() - last.getTime() >= every;
  if (due) {
    b.decision.patch.holdingReplySentAt = b.now;
    // CONTINUE offers the questions only to a client who was in the consultation (not after a finished cover-up, say).
    const back = b.lead.resumeStatus ?? LeadStatus.QUALIFYING;
    b.say(back === LeadStatus.QUALIFYING || back === LeadStatus.NEW ? "handover.holding" : "handover.holding_no_questions");
  }
  return due;
}
