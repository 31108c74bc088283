/**
 * The budget minimum per region, and the artist's tour as the way on for a budget below it.
 *
 * Budget is asked before the location, so the check runs when the country answer completes the
 * region (or the budget answer, if the region were already known). Below the minimum, with tour
 * stops ahead: TOUR_CONVERSION_OFFERED with the next stops (the client's region first) and
 * Yes / No thanks buttons; the client may also type a listed city. Accept → QUALIFYING, the rest
 * of the questions, priced and held in the tour city (the travel-city question is skipped: the
 * session is at the stop). Decline → WAITLISTED for the client's own city. No stops ahead →
 * WAITLISTED at once, and the client is told there is no tour for now.
 */
import type { CopyKey, CopyParams } from "../copy.ts";
import { meetsBudgetMinimum } from "../estimate.ts";
import { formatDateRange } from "../format.ts";
import { LeadStatus, type Region } from "../lead-status.ts";
import type { InboundMessage } from "../messages.ts";
import { parseYesNo } from "../parsing/index.ts";
import { containsPhrase, foldDiacritics, normalizeText } from "../parsing/text.ts";
import { PRICING_RULES } from "../pricing-rules.ts";
import { questionByKey, type QuestionButton, type QuestionKey } from "../questions.ts";
import type { TourOffer, TourStop } from "../tour-schedule.ts";
import { clientLocation, latestValue } from "./answers.ts";
import { storedMediaOf } from "./attachments.ts";
import type { DecisionBuilder } from "./builder.ts";
import { currentTourOffer, updateEstimate } from "./estimate-step.ts";
import { handOver } from "./handover.ts";
import { askOrComplete, questionFrom } from "./progress.ts";
import { HandoverReason, questionTrigger } from "./triggers.ts";
import { ENGINE_DEFAULTS } from "./types.ts";

/** Stops listed in one offer (WhatsApp shows the list in the message body). */
export const MAX_OFFERED_STOPS = 3;
/** Failure-count key of unclear replies to the offer. */
export const TOUR_FAILURE_KEY = "tour_offer";

export const TOUR_BUTTONS = [
  { id: "tour_accept", titleKey: "button.tour_accept" },
  { id: "tour_decline", titleKey: "button.tour_decline" },
] as const satisfies readonly QuestionButton[];

/** Stops to offer: those in the client's region first, soonest first within each, at most three. */
export function stopsToOffer(stops: readonly TourStop[], region: Region): TourStop[] {
  return [...stops.filter((s) => s.region === region), ...stops.filter((s) => s.region !== region)].slice(0, MAX_OFFERED_STOPS);
}

const dates = (b: DecisionBuilder, stop: TourStop) => formatDateRange(stop.from, stop.to, b.lead.locale);

/** Sends the pending offer (again): the stops listed, the first one proposed. */
export function sendTourOffer(b: DecisionBuilder, copyKey: CopyKey = "tour.offer"): void {
  const offer = currentTourOffer(b);
  const [first] = offer?.outcome === "offered" ? offer.stops : [];
  if (!offer || !first) return;
  const stops = offer.stops.map((s) => b.render("tour.stop_line", { city: s.city, country: s.country, dates: dates(b, s) }));
  b.offer(copyKey, TOUR_BUTTONS, { stops: stops.join("\n"), city: first.city, dates: dates(b, first) });
}

/** Waitlists the lead for the client's own city and tells them so. */
function waitlist(b: DecisionBuilder, copyKey: CopyKey, reason: string): void {
  b.moveTo(LeadStatus.WAITLISTED, reason);
  const location = clientLocation(b);
  const city = location?.city ?? location?.country ?? null;
  if (city !== null) b.decision.patch.waitlistCity = city;
  const params: CopyParams = { city: city ?? b.render("tour.your_area") };
  b.say(copyKey, params);
  b.event("lead.waitlisted", { city, reason });
}

/**
 * After an answer: when the budget and the region are both known and the budget is below the
 * region's minimum, offers the tour (or waitlists). Returns true when it took over the turn.
 * Checked once per lead: the stored offer records the outcome.
 */
export function checkBudgetMinimum(b: DecisionBuilder, answered: QuestionKey): boolean {
  if ((answered !== "budget" && answered !== "location_country") || currentTourOffer(b) !== null) return false;
  const budget = latestValue(b, "budget");
  const location = clientLocation(b);
  if (!budget || !location?.fromCountry || meetsBudgetMinimum(budget, location.region)) return false;
  const stops = stopsToOffer(b.config.tourStops ?? [], location.region);
  const offer: TourOffer = {
    at: b.now.toISOString(),
    region: location.region,
    budget,
    minimum: PRICING_RULES.budgetMinimum[location.region],
    stops,
    outcome: stops.length > 0 ? "offered" : "no_tour",
    accepted: null,
  };
  b.decision.patch.tourOffer = offer;
  b.event("budget.below_minimum", { region: location.region, budget_minor: budget.amountMinor, currency: budget.currency, stops: stops.length });
  if (stops.length === 0) {
    waitlist(b, "tour.none", "budget below the region minimum, no tour ahead");
    return true;
  }
  b.moveTo(LeadStatus.TOUR_CONVERSION_OFFERED, "budget below the region minimum");
  sendTourOffer(b);
  return true;
}

type Choice = { kind: "accept"; stop: TourStop } | { kind: "decline" } | { kind: "stale_button" } | { kind: "unclear" };

/** Yes (the first stop), a listed city, or no; a "no" wins over a city named in it ("no, not London"). */
function readChoice(message: InboundMessage, stops: readonly TourStop[]): Choice {
  const [first] = stops;
  if (!first) return { kind: "unclear" };
  if (message.replyId !== null) {
    if (message.replyId === "tour_accept") return { kind: "accept", stop: first };
    return message.replyId === "tour_decline" ? { kind: "decline" } : { kind: "stale_button" };
  }
  const text = message.text ?? "";
  const yesNo = parseYesNo(text);
  if (yesNo.ok && !yesNo.value) return { kind: "decline" };
  const folded = foldDiacritics(normalizeText(text));
  const named = stops.find((s) => containsPhrase(folded, foldDiacritics(normalizeText(s.city))));
  if (named) return { kind: "accept", stop: named };
  return yesNo.ok ? { kind: "accept", stop: first } : { kind: "unclear" };
}

function clearTourFailures(b: DecisionBuilder): void {
  if (!Object.hasOwn(b.failureCounts, TOUR_FAILURE_KEY)) return;
  const { [TOUR_FAILURE_KEY]: _cleared, ...others } = b.failureCounts;
  b.decision.patch.failureCounts = others;
}

function accept(b: DecisionBuilder, offer: TourOffer, stop: TourStop, message: InboundMessage): void {
  b.moveTo(LeadStatus.QUALIFYING, `tour stop accepted: ${stop.city}`);
  b.decision.patch.tourOffer = { ...offer, outcome: "accepted", accepted: stop };
  b.decision.patch.tourCity = stop.city;
  clearTourFailures(b);
  b.say("tour.accepted", { city: stop.city, dates: dates(b, stop) });
  b.event("tour.accepted", { city: stop.city, from: stop.from, to: stop.to });
  updateEstimate(b);
  askOrComplete(b, questionFrom(b, questionByKey(b.lead.currentQuestion)), message);
}

/** A client message while the tour is offered: accept, decline, or asked again. */
export function answerTourOffer(b: DecisionBuilder, message: InboundMessage): void {
  const offer = currentTourOffer(b);
  if (!offer || offer.outcome !== "offered") {
    b.event("tour.no_offer", { message_id: message.id });
    return;
  }
  const asked = questionTrigger(message.text);
  if (asked !== null) {
    handOver(b, asked, message);
    return;
  }
  // A picture without words: stored, nothing to answer.
  if (storedMediaOf(message) && (message.text ?? "").trim() === "") return;
  const choice = readChoice(message, offer.stops);
  switch (choice.kind) {
    case "accept":
      accept(b, offer, choice.stop, message);
      return;
    case "decline":
      b.decision.patch.tourOffer = { ...offer, outcome: "declined" };
      clearTourFailures(b);
      waitlist(b, "tour.declined", "tour declined");
      return;
    case "stale_button":
      sendTourOffer(b);
      return;
    case "unclear": {
      const failures = (b.failureCounts[TOUR_FAILURE_KEY] ?? 0) + 1;
      b.decision.patch.failureCounts = { ...b.failureCounts, [TOUR_FAILURE_KEY]: failures };
      if (failures >= (b.config.maxFieldFailures ?? ENGINE_DEFAULTS.maxFieldFailures)) handOver(b, HandoverReason.REPEATED_FAILURES, message);
      else sendTourOffer(b, "tour.repair");
    }
  }
}
