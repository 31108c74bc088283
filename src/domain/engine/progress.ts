/**
 * Moving through the questions: which question comes next for this lead (a client who accepted a
 * tour stop is not asked where they will travel: the session is at the stop), asking it, or, after
 * the last one, completing the consultation: the estimate, PENDING_APPROVAL, what happens next for
 * the client and the summary for the artist.
 */
import { formatDateRange } from "../format.ts";
import { LeadStatus } from "../lead-status.ts";
import { nextQuestion, type Question, type QuestionKey } from "../questions.ts";
import type { DecisionBuilder } from "./builder.ts";
import { acceptedStop, updateEstimate } from "./estimate-step.ts";
import { sendSummary } from "./summary.ts";

/** Questions this lead is not asked. */
function skipped(b: DecisionBuilder, question: Question): boolean {
  return question.key === "travel_city" && acceptedStop(b) !== null;
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

/** Asks `question` or, when there is none left, completes the consultation. */
export function askOrComplete(b: DecisionBuilder, question: Question | null): void {
  if (question) b.ask(question);
  else complete(b);
}

/** The last answer is in: estimate, PENDING_APPROVAL, the client told what happens next, the artist summarised. */
export function complete(b: DecisionBuilder): void {
  b.decision.patch.currentQuestion = null;
  b.decision.patch.consultationCompletedAt = b.now;
  const estimate = updateEstimate(b);
  b.moveTo(LeadStatus.PENDING_APPROVAL, "consultation complete");
  const stop = acceptedStop(b);
  if (stop) b.say("consultation.complete_tour", { city: stop.city, dates: formatDateRange(stop.from, stop.to, b.lead.locale) });
  else b.say("consultation.complete");
  sendSummary(b, estimate);
  b.event("consultation.completed", { size_category: estimate?.sizeCategory ?? null, tour_city: stop?.city ?? null });
}
