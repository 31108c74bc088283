/**
 * The consultation step: read the client's answer to the current question (answer-readers.ts
 * says how), then advance one question, repair with a hint, or hand over to the artist.
 *
 * A message that answers several questions keeps the current answer and every other it gives with
 * confidence (answer-extras.ts), confirmed in one line; those questions are skipped later. A
 * question to the artist is never an answer: a holding reply, and the question again. A value that
 * parses but cannot be meant (£5, 3 mm, a back piece on a finger) is confirmed first (checks.ts).
 *
 * After an answer: the estimate is refreshed when one of its inputs changed, and the budget is
 * checked against the region's minimum once both are known (tour.ts).
 */
import { extraAnswers, readSpans } from "../answer-extras.ts";
import { countsAsFailure, readAnswer, repairCopyKey, type AnswerMessage } from "../answer-readers.ts";
import { LeadStatus } from "../lead-status.ts";
import type { InboundMessage } from "../messages.ts";
import { looksLikeMultiAnswer, type Location } from "../parsing/index.ts";
import { nextQuestion, questionByKey, type Question, type QuestionKey } from "../questions.ts";
import { storedMediaOf } from "./attachments.ts";
import { latestAnswers } from "./answers.ts";
import type { DecisionBuilder } from "./builder.ts";
import { askCheck, checkReply, confirmedValue, plausibilityCheck, showValue } from "./checks.ts";
import { updateEstimate } from "./estimate-step.ts";
import { handOver } from "./handover.ts";
import { askOrComplete, questionAfter } from "./progress.ts";
import { checkBudgetMinimum } from "./tour.ts";
import { amountQuestion, artistQuestion, HandoverReason } from "./triggers.ts";
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

/** Answers that need the artist before anything else (the answer is still recorded). A cover-up is not one: it finishes the consultation first (progress.ts). */
function handoverAfter(question: Question, value: unknown): HandoverReason | null {
  if (question.key === "complexity" && value === 3) return HandoverReason.HIGH_COMPLEXITY;
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
  if (answerPendingCheck(b, question, message)) return;
  // WhatsApp keeps earlier buttons tappable: one that is not this question's answers nothing here.
  if (message.replyId !== null && !question.buttons.some((button) => button.id === message.replyId)) {
    b.event("answer.stale_button", { question: question.key, reply_id: message.replyId });
    b.ask(question);
    return;
  }
  // Asking whether an amount will do is price talk, except as the budget itself ("£400, is that enough?").
  if (message.replyId === null && question.key !== "budget" && amountQuestion(message.text)) {
    handOver(b, HandoverReason.PRICE_QUESTION, message);
    return;
  }
  // A question to the artist is never an answer: noted, and the question asked again.
  if (message.replyId === null && artistQuestion(message.text, b.config.artistName)) {
    b.event("consultation.client_question", { question: question.key, message_id: message.id, text: clip(message.text ?? "") });
    b.askWith(question, "consultation.question_noted", { question: b.render(question.copyKey) });
    return;
  }
  const input: AnswerMessage = { text: message.text, replyId: message.replyId, mediaId: media?.id ?? null };
  const multi = message.replyId === null && message.text !== null && looksLikeMultiAnswer(message.text, question.key);
  const read = readAnswer(question.key, input, { now: b.now, home: homeLocation(b) }, multi);
  // A run-on with several answers and no commas: this question's own piece, found by pattern.
  const piece = !read.ok && multi && message.text !== null ? readSpans(question.key, message.text, { now: b.now, home: homeLocation(b) }) : null;
  const result = piece !== null ? { ok: true as const, value: piece.value } : read;
  if (!result.ok) {
    repair(b, question, result.reason, message);
    return;
  }
  const check = plausibilityCheck(b, question.key, result.value, message.text);
  if (check !== null) {
    askCheck(b, question, check);
    return;
  }
  accept(b, question, { value: result.value, rawText: message.text }, message, multi);
}

/**
 * The reply to a "did you mean…?" check on this question: yes keeps the value (or the suggested
 * one), no asks again; anything else clears the check and is read as a fresh answer. Returns
 * whether the message was handled here.
 */
function answerPendingCheck(b: DecisionBuilder, question: Question, message: InboundMessage): boolean {
  const pending = b.lead.pendingCheck ?? null;
  if (pending === null) return false;
  b.decision.patch.pendingCheck = null;
  if (pending.question !== question.key) return false;
  const reply = checkReply(message);
  b.event("answer.check_answered", { question: question.key, reply: reply ?? "other" });
  if (reply === "yes") {
    accept(b, question, { value: confirmedValue(pending), rawText: showValue(b, pending, "suggestion") }, message, false);
    return true;
  }
  if (reply === "no") {
    b.askWith(question, "check.declined", { question: b.render(question.copyKey) });
    return true;
  }
  return false;
}

/** Answers read with confidence beside the current one: stored, and confirmed in one line. */
function keepExtras(b: DecisionBuilder, question: Question, message: InboundMessage): boolean {
  if (message.text === null) return false;
  const answered = new Set(latestAnswers(b).map((a) => a.key));
  const ctx = { now: b.now, home: homeLocation(b) };
  const kept = extraAnswers(message.text, question.key, answered, ctx).filter((extra) => plausibilityCheck(b, extra.key, extra.value, extra.rawText) === null);
  if (kept.length === 0) return false;
  for (const extra of kept) b.answer({ questionKey: extra.key, rawText: extra.rawText, value: extra.value, sourceMessageId: message.id });
  const lines = kept.map((extra) => b.render(`kept.${extra.key}`, { value: extra.rawText }));
  const listed = lines.length === 1 ? (lines[0] ?? "") : `${lines.slice(0, -1).join(", ")}${b.render("kept.and")}${lines.at(-1) ?? ""}`;
  b.say("consultation.kept_answers", { answers: listed });
  b.event("consultation.answers_kept", { question: question.key, kept: kept.map((extra) => extra.key) });
  return true;
}

/** The answer is in: recorded (with any others the message gave), then the next question, a handover or the end. */
function accept(b: DecisionBuilder, question: Question, answer: { value: unknown; rawText: string | null }, message: InboundMessage, multi: boolean): void {
  b.answer({ questionKey: question.key, rawText: answer.rawText, value: answer.value, sourceMessageId: message.id });
  const kept = multi && keepExtras(b, question, message);
  if (ESTIMATE_INPUTS.has(question.key) || kept) updateEstimate(b);
  const next = questionAfter(b, question.key);
  const trigger = handoverAfter(question, answer.value);
  if (trigger !== null) {
    // CONTINUE picks up at the question after this one.
    b.decision.patch.currentQuestion = next?.key ?? null;
    handOver(b, trigger, message);
    return;
  }
  if (multi && b.lead.multiAnswerNotedAt === null) {
    b.decision.patch.multiAnswerNotedAt = b.now;
    if (!kept) b.say("consultation.one_at_a_time");
  }
  // Below the budget minimum the tour is offered (or the lead waitlisted); the questions resume at `next`.
  if (checkBudgetMinimum(b, question.key)) {
    b.decision.patch.currentQuestion = next?.key ?? null;
    return;
  }
  askOrComplete(b, next, message);
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
