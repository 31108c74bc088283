/**
 * The consultation step: read the client's answer to the current question (answer-readers.ts
 * says how), then advance one question, repair with a hint, or hand over to the artist.
 *
 * One question at a time: a message that answers several questions keeps what parses for the
 * current one and the others are still asked, in order (the client is told so once).
 *
 * After an answer: the estimate is refreshed when one of its inputs changed, and the budget is
 * checked against the region's minimum once both are known (tour.ts).
 */
import { countsAsFailure, readAnswer, repairCopyKey, type AnswerMessage } from "../answer-readers.ts";
import { LeadStatus } from "../lead-status.ts";
import type { InboundMessage } from "../messages.ts";
import { looksLikeMultiAnswer, type Location } from "../parsing/index.ts";
import { nextQuestion, questionByKey, type Question, type QuestionKey } from "../questions.ts";
import { storedMediaOf } from "./attachments.ts";
import type { DecisionBuilder } from "./builder.ts";
import { updateEstimate } from "./estimate-step.ts";
import { handOver } from "./handover.ts";
import { askOrComplete, questionAfter } from "./progress.ts";
import { checkBudgetMinimum } from "./tour.ts";
import { HandoverReason } from "./triggers.ts";
import { ENGINE_DEFAULTS } from "./types.ts";

/** Moves a NEW lead into the consultation and asks the current (or first) question. */
export function resumeConsultation(b: DecisionBuilder): void {
  const question = questionByKey(b.lead.currentQuestion) ?? nextQuestion(null);
  if (!question) return;
  if (b.currentStatus === LeadStatus.NEW) b.moveTo(LeadStatus.QUALIFYING, "consultation started");
  if (b.currentStatus === LeadStatus.QUALIFYING) b.ask(question);
}

function isLocation(value: unknown): value is Location {
  return typeof value === "object" && value !== null && "region" in value && typeof value.region === "string";
}

/** The client's home (their latest location_city answer), for "same" as the travel city. */
function homeLocation(b: DecisionBuilder): Location | null {
  const answers = [...b.lead.recentAnswers, ...b.decision.answers];
  for (let i = answers.length - 1; i >= 0; i--) {
    const answer = answers[i];
    if (answer?.questionKey === "location_city" && isLocation(answer.value)) return answer.value;
  }
  return null;
}

/** A failed answer: count it, then re-ask with a hint, or hand over after too many. */
function repair(b: DecisionBuilder, question: Question, reason: string, message: InboundMessage): void {
  const before = b.failureCounts[question.key] ?? 0;
  const failures = countsAsFailure(reason) ? before + 1 : before;
  if (failures !== before) b.decision.patch.failureCounts = { ...b.failureCounts, [question.key]: failures };
  b.event("answer.rejected", { question: question.key, reason, failures });
  if (failures >= (b.config.maxFieldFailures ?? ENGINE_DEFAULTS.maxFieldFailures)) {
    handOver(b, HandoverReason.REPEATED_FAILURES, message);
    return;
  }
  b.askWith(question, repairCopyKey(question.key, reason), { question: b.render(question.copyKey) });
}

/** Answers that need the artist before anything else (the answer is still recorded). */
function handoverAfter(question: Question, value: unknown): HandoverReason | null {
  if (question.key === "complexity" && value === 3) return HandoverReason.HIGH_COMPLEXITY;
  if (question.key === "coverup" && value === true) return HandoverReason.COVERUP;
  return null;
}

/** Answers the estimate is computed from. */
const ESTIMATE_INPUTS: ReadonlySet<QuestionKey> = new Set(["dimensions", "complexity", "location_city", "location_country"]);

/** A client message while QUALIFYING: the answer to the current question, or not. */
export function answerCurrentQuestion(b: DecisionBuilder, message: InboundMessage): void {
  const question = questionByKey(b.lead.currentQuestion) ?? nextQuestion(null);
  if (!question) return;
  const media = storedMediaOf(message);
  const caption = message.text?.trim() ?? "";
  // More pictures after the question that asked for them (or before it): stored, nothing asked again.
  if (media && caption === "" && question.input !== "text_or_image" && question.input !== "image_or_no") {
    b.event("consultation.extra_media", { question: question.key, message_id: message.id });
    return;
  }
  // WhatsApp keeps earlier buttons tappable: one that is not this question's answers nothing here.
  if (message.replyId !== null && !question.buttons.some((button) => button.id === message.replyId)) {
    b.event("answer.stale_button", { question: question.key, reply_id: message.replyId });
    b.ask(question);
    return;
  }
  const input: AnswerMessage = { text: message.text, replyId: message.replyId, mediaId: media?.id ?? null };
  const multi = message.replyId === null && message.text !== null && looksLikeMultiAnswer(message.text, question.key);
  const result = readAnswer(question.key, input, { now: b.now, home: homeLocation(b) }, multi);
  if (!result.ok) {
    repair(b, question, result.reason, message);
    return;
  }
  b.answer({ questionKey: question.key, rawText: message.text, value: result.value, sourceMessageId: message.id });
  if (ESTIMATE_INPUTS.has(question.key)) updateEstimate(b);
  const next = questionAfter(b, question.key);
  const trigger = handoverAfter(question, result.value);
  if (trigger !== null) {
    // CONTINUE picks up at the question after this one.
    b.decision.patch.currentQuestion = next?.key ?? null;
    handOver(b, trigger, message);
    return;
  }
  if (multi && b.lead.multiAnswerNotedAt === null) {
    b.decision.patch.multiAnswerNotedAt = b.now;
    b.say("consultation.one_at_a_time");
  }
  // Below the budget minimum the tour is offered (or the lead waitlisted); the questions resume at `next`.
  if (checkBudgetMinimum(b, question.key)) {
    b.decision.patch.currentQuestion = next?.key ?? null;
    return;
  }
  askOrComplete(b, next);
}
