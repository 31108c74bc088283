/**
 * The artist's summary of a finished consultation: who, every answer (the latest per question, in
 * question order), how complete the brief is (completeness.ts), the estimate, how many reference
 * images came in, and the flags that deserve a second look. Sent to the artist in their locale when the lead reaches PENDING_APPROVAL.
 */
import { SUMMARY_LINK_ACTIONS } from "../artist-actions.ts";
import type { CopyKey } from "../copy.ts";
import { meetsBudgetMinimum, type Estimate } from "../estimate.ts";
import { formatDateRange, formatMoney } from "../format.ts";
import { DEFAULT_LOCALE } from "../../../copy/index.ts";
import { PRICING_RULES } from "../pricing-rules.ts";
import { QUESTION_KEYS, type QuestionKey } from "../questions.ts";
import { defaultPolicy, depositFor } from "../studio-policy.ts";
import { clientLocation, knownAnswers, latestAnswers, latestValue } from "./answers.ts";
import type { DecisionBuilder } from "./builder.ts";
import { acceptedStop, currentTourOffer } from "./estimate-step.ts";
import { briefCompleteness, type BriefCompleteness } from "./completeness.ts";
import { answerLine } from "./handover.ts";

const money = (m: { amountMinor: number; currency: string }) => formatMoney(m.amountMinor, m.currency, DEFAULT_LOCALE);

/** "• Label: answer" per question answered, in question order; an accepted tour stop is the session city. */
function answerLines(b: DecisionBuilder): string[] {
  const lines = new Map<QuestionKey, string>();
  for (const { key, answer } of latestAnswers(b)) lines.set(key, answerLine(b, key, answer.rawText));
  const stop = acceptedStop(b);
  if (stop && !lines.has("travel_city")) {
    const session = b.renderArtist("summary.tour_session", { city: stop.city, dates: formatDateRange(stop.from, stop.to, DEFAULT_LOCALE) });
    lines.set("travel_city", b.renderArtist("handover.answer_line", { label: b.renderArtist("label.travel_city"), answer: session }));
  }
  return QUESTION_KEYS.flatMap((key) => lines.get(key) ?? []);
}

/**
 * The deposit this client will be asked for (estimate-step.ts writes the same onto the lead): the
 * usual one, or for a client with earlier no-shows the policy's multiple of it, with why.
 */
function depositText(b: DecisionBuilder, e: Estimate): { deposit: string; depositWhy: string } {
  const policy = b.config.policy ?? defaultPolicy();
  const noShows = b.lead.noShowCount ?? 0;
  const asked = depositFor(policy, e.deposit.amountMinor, noShows);
  const deposit = money({ amountMinor: asked, currency: e.deposit.currency });
  if (asked === e.deposit.amountMinor) return { deposit, depositWhy: "" };
  const depositWhy = b.renderArtist("summary.deposit_no_show", { multiplier: policy.noShowDepositMultiplier, usual: money(e.deposit), count: noShows });
  return { deposit, depositWhy };
}

function estimateText(b: DecisionBuilder, e: Estimate | null): string {
  if (!e) return b.renderArtist("summary.no_estimate");
  const days =
    e.estimatedDays === null ? "" : b.renderArtist(e.estimatedDays === 1 ? "summary.days_one" : "summary.days_many", { days: e.estimatedDays });
  return b.renderArtist("summary.estimate", {
    category: b.renderArtist(`size.${e.sizeCategory}`),
    hours: e.hours,
    days,
    priceMin: money({ amountMinor: e.price.minMinor, currency: e.price.currency }),
    priceMax: money({ amountMinor: e.price.maxMinor, currency: e.price.currency }),
    ...depositText(b, e),
    ruleVersion: e.deposit.ruleVersion,
  });
}

/** What the artist should look at twice. */
function flags(b: DecisionBuilder): string[] {
  const found: CopyKey[] = [];
  const params: Record<string, string> = {};
  if (latestValue(b, "coverup") === true) found.push("summary.flag.coverup");
  if (latestValue(b, "complexity") === 3) found.push("summary.flag.high_complexity");
  const offer = currentTourOffer(b);
  const stop = acceptedStop(b);
  const budget = latestValue(b, "budget");
  const region = clientLocation(b)?.region;
  if (offer && stop) {
    found.push("summary.flag.tour");
    Object.assign(params, { budget: money(offer.budget), minimum: money(offer.minimum), region: b.renderArtist(`region.${offer.region}`) });
    Object.assign(params, { city: stop.city, dates: formatDateRange(stop.from, stop.to, DEFAULT_LOCALE) });
  } else if (budget && region && !meetsBudgetMinimum(budget, region)) {
    found.push("summary.flag.below_minimum");
    Object.assign(params, { budget: money(budget), minimum: money(PRICING_RULES.budgetMinimum[region]), region: b.renderArtist(`region.${region}`) });
  }
  if (b.lead.multiAnswerNotedAt !== null || b.decision.patch.multiAnswerNotedAt !== undefined) found.push("summary.flag.multi_answer");
  return found.map((key) => b.renderArtist(key, params));
}

/** "5/6 complete, missing: timing" (or "6/6 complete"), for the artist. */
export function briefText(b: DecisionBuilder, brief: BriefCompleteness): string {
  if (brief.missing.length === 0) return b.renderArtist("summary.brief", { score: brief.score, total: brief.total });
  const missing = brief.missing.map((item) => b.renderArtist(`brief.item.${item}`)).join(", ");
  return b.renderArtist("summary.brief_missing", { score: brief.score, total: brief.total, missing });
}

/** Sends the summary (with one-tap action links) to the artist and records when, with the brief's completeness. */
export function sendSummary(b: DecisionBuilder, e: Estimate | null): void {
  const found = flags(b);
  const brief = briefCompleteness(knownAnswers(b), b.lead.attachmentCount + b.decision.attachments.length);
  b.decision.patch.brief = brief;
  const summary = b.renderArtist("summary.artist", {
    brief: briefText(b, brief),
    clientName: b.decision.patch.displayName ?? b.lead.displayName ?? b.renderArtist("handover.unknown_name"),
    phone: b.clientContact(),
    answers: answerLines(b).join("\n") || b.renderArtist("handover.no_answers"),
    estimate: estimateText(b, e),
    images: b.lead.attachmentCount + b.decision.attachments.length,
    flags: found.length > 0 ? found.join("; ") : b.renderArtist("summary.no_flags"),
  });
  const clientName = b.decision.patch.displayName ?? b.lead.displayName ?? b.renderArtist("handover.unknown_name");
  // Links on: the summary with a button to the lead's inbox page, then the action buttons
  // (Approve / Reject / More). Off: the summary as text, nothing to tap.
  if (b.config.actionLinks) {
    b.artistPage("summary.artist", summary, clientName);
    b.artistButtons("summary.buttons", b.renderArtist("summary.buttons", { clientName }), clientName, SUMMARY_LINK_ACTIONS);
  } else b.tellArtistText("summary.artist", summary);
  b.decision.patch.artistNotifiedAt = b.now;
}
