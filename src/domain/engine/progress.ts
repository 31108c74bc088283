/**
 * Moving through the questions: which question comes next for this lead (a client who accepted a
 * tour stop is not asked where they will travel: the session is at the stop), asking it, or, after
 * the last one, completing the consultation: the estimate, PENDING_APPROVAL, what happens next for
 * the client and the summary for the artist.
 */
import { formatDateRange } from "../format.ts";
import { isExtraKey } from "../answer-extras.ts";
import { LeadStatus } from "../lead-status.ts";
import type { InboundMessage } from "../messages.ts";
import { nextQuestion, type Question, type QuestionKey } from "../questions.ts";
import type { DecisionBuilder } from "./builder.ts";
import { acceptedStop, updateEstimate } from "./estimate-step.ts";
import { latestValue, knownAnswers } from "./answers.ts";
import { handOver } from "./handover.ts";
import { sendSummary } from "./summary.ts";
import { HandoverReason } from "./triggers.ts";

/** Questions this lead is not asked: the travel city after a tour stop, and those answered alongside another. */
function skipped(b: DecisionBuilder, question: Question): boolean {
  if (question.key === "travel_city" && acceptedStop(b) !== null) return true;
  return isExtraKey(question.key) && knownAnswers(b).some((a) => a.questionKey === question.key);
}

/** The question to ask at `key` or, when this lead skips it, the next one it is asked. */
export function questionFrom(b: DecisionBuilder, question: Question | null): Question | null {
  let q = question;
  while (q && skipped(b, q)) q = nextQuestion(q.key);
  return q;
}

/** The question after `key` for this lead, or null when `key` was its last. */
export function questionAfter(b: DecisionBuilder, key: QuestionKey): Question | null {
  return questionFrom(b, nextQuestion(key));
}

/** Asks `question` (a cover-up's reference step asks for a photo of the tattoo to cover). */
export function askQuestion(b: DecisionBuilder, question: Question): void {
  if (question.key === "reference_images" && latestValue(b, "coverup") === true) b.askWith(question, "question.reference_images_coverup");
  else b.ask(question);
}

/** Asks `question` or, when there is none left, completes the consultation (`message` is the client's last). */
export function askOrComplete(b: DecisionBuilder, question: Question | null, message?: Pick<InboundMessage, "id" | "text">): void {
  if (question) askQuestion(b, question);
  else complete(b, message);
}

/**
 * The last answer is in: estimate, PENDING_APPROVAL, the client told what happens next, the artist
 * summarised. A cover-up then goes to the artist with the whole brief and the cover-up reason.
 */
export function complete(b: DecisionBuilder, message?: Pick<InboundMessage, "id" | "text">): void {
  b.decision.patch.currentQuestion = null;
  b.decision.patch.consultationCompletedAt = b.now;
  const estimate = updateEstimate(b);
  b.moveTo(LeadStatus.PENDING_APPROVAL, "consultation complete");
  const stop = acceptedStop(b);
  const coverup = latestValue(b, "coverup") === true;
  if (coverup) b.event("consultation.coverup_complete", {});
  else if (stop) b.say("consultation.complete_tour", { city: stop.city, dates: formatDateRange(stop.from, stop.to, b.lead.locale) });
  else b.say("consultation.complete");
  sendSummary(b, estimate);
  b.event("consultation.completed", { size_category: estimate?.sizeCategory ?? null, tour_city: stop?.city ?? null });
  if (coverup) handOver(b, HandoverReason.COVERUP, message ?? { id: b.decision.patch.lastClientMessageId ?? "", text: null });
}
