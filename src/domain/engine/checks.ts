/**
 * Confirming an implausible answer: "Just to check — did you mean £500?" with Yes/No buttons, and
 * reading the client's reply to it. The check is kept on the lead (`pendingCheck`) until then; a
 * reply that is neither yes nor no is read as a fresh answer to the question.
 */
import { formatMoney } from "../format.ts";
import type { InboundMessage } from "../messages.ts";
import { parseYesNo } from "../parsing/index.ts";
import type { Question, QuestionButton } from "../questions.ts";
import { clientLocation, latestAnswers } from "./answers.ts";
import type { DecisionBuilder } from "./builder.ts";
import { checkBudget, checkDimensions, PendingCheck } from "./plausibility.ts";

const [BudgetCheck, SizeCheck] = PendingCheck.options;

/** The buttons under a check; typed "yes"/"no" work as well. */
export const CHECK_BUTTONS: readonly QuestionButton[] = [
  { id: "check_yes", titleKey: "button.check_yes" },
  { id: "check_no", titleKey: "button.check_no" },
];

/** The placement text the client gave (this message's, when it is the placement answer). */
function placementText(b: DecisionBuilder): string | null {
  const placement = latestAnswers(b).find((a) => a.key === "placement");
  return placement?.answer.rawText ?? null;
}

/** The check a freshly read answer needs, or null when it is plausible. */
export function plausibilityCheck(b: DecisionBuilder, key: string, value: unknown, rawText: string | null): PendingCheck | null {
  if (key === "budget") {
    const budget = BudgetCheck.shape.value.safeParse(value);
    return budget.success ? checkBudget(budget.data, clientLocation(b)?.region ?? null, rawText) : null;
  }
  if (key === "dimensions") {
    const size = SizeCheck.shape.value.safeParse(value);
    return size.success ? checkDimensions(size.data, placementText(b), rawText) : null;
  }
  return null;
}

/** How a checked value reads to the client and the artist: "£500", "10 x 15 cm". */
export function showValue(b: DecisionBuilder, check: PendingCheck, which: "value" | "suggestion"): string {
  if (check.question === "budget") {
    const money = which === "suggestion" && check.suggestion !== null ? check.suggestion : check.value;
    return formatMoney(money.amountMinor, money.currency, b.lead.locale);
  }
  const size = which === "suggestion" && check.suggestion !== null ? check.suggestion : check.value;
  return b.render("check.size_value", { width: size.widthCm, height: size.heightCm });
}

/** Asks the client to confirm `check` (the question stays current). */
export function askCheck(b: DecisionBuilder, question: Question, check: PendingCheck): void {
  b.decision.patch.pendingCheck = check;
  b.decision.patch.currentQuestion = question.key;
  const params = { value: showValue(b, check, "value"), suggestion: showValue(b, check, "suggestion"), part: check.question === "dimensions" ? (check.placement ?? "") : "" };
  const copyKey =
    check.suggestion !== null ? "check.did_you_mean" : check.question === "budget" ? "check.budget_low" : check.reason === "tiny" ? "check.size_tiny" : "check.size_placement";
  b.offer(copyKey, CHECK_BUTTONS, params);
  b.event("answer.check_asked", { question: check.question, reason: check.reason, suggested: check.suggestion !== null });
}

/** The client's reply to a check: yes, no, or neither (then it is read as a fresh answer). */
export function checkReply(message: InboundMessage): "yes" | "no" | null {
  if (message.replyId === "check_yes") return "yes";
  if (message.replyId === "check_no") return "no";
  if (message.replyId !== null || message.text === null) return null;
  const answer = parseYesNo(message.text);
  return answer.ok ? (answer.value ? "yes" : "no") : null;
}

/** The value a "yes" confirms: the suggestion when there was one, else the value as read. */
export function confirmedValue(check: PendingCheck): unknown {
  return check.suggestion ?? check.value;
}
