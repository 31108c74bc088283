/**
 * The estimate, whenever its inputs are known: the latest size and level of detail, priced in
 * the region of the client's location, or of the tour stop they accepted (where the session will
 * be). Written onto the lead through the decision's patch: size category, days for XL, the
 * internal price range with its trace, and the deposit with its rule version.
 *
 * The deposit is quoted, not locked: it follows the answers until its link is first sent
 * (`depositLockedAt`), after which the estimate leaves it alone.
 */
import { defaultPolicy, depositFor } from "../studio-policy.ts";
import { estimate, type Estimate } from "../estimate.ts";
import type { Region } from "../lead-status.ts";
import type { TourOffer, TourStop } from "../tour-schedule.ts";
import { clientLocation, latestValue } from "./answers.ts";
import type { DecisionBuilder } from "./builder.ts";
import type { EstimateTrace, LeadPatch } from "./types.ts";

/** The tour offer as this decision leaves it. */
export function currentTourOffer(b: DecisionBuilder): TourOffer | null {
  return b.decision.patch.tourOffer ?? b.lead.tourOffer;
}

/** The tour stop the client accepted, if any: the session happens there. */
export function acceptedStop(b: DecisionBuilder): TourStop | null {
  const offer = currentTourOffer(b);
  return offer?.outcome === "accepted" ? offer.accepted : null;
}

/** The region the piece is priced in, and why. */
export function pricingRegion(b: DecisionBuilder): { region: Region; from: "location" | "tour" } | null {
  const stop = acceptedStop(b);
  if (stop) return { region: stop.region, from: "tour" };
  const location = clientLocation(b);
  return location ? { region: location.region, from: "location" } : null;
}

/** The estimate from the latest answers, or null while an input is missing. */
export function currentEstimate(b: DecisionBuilder): { estimate: Estimate; trace: EstimateTrace } | null {
  const dimensions = latestValue(b, "dimensions");
  const complexity = latestValue(b, "complexity");
  const priced = pricingRegion(b);
  if (!dimensions || complexity === null || !priced) return null;
  const inputs = { widthCm: dimensions.widthCm, heightCm: dimensions.heightCm, complexity, region: priced.region };
  const result = estimate(inputs);
  return {
    estimate: result,
    trace: {
      rulesVersion: result.deposit.ruleVersion,
      inputs: { ...inputs, regionFrom: priced.from },
      areaCm2: result.areaCm2,
      hours: result.hours,
      lines: result.trace,
    },
  };
}

/** Writes the estimate onto the lead when its inputs are known; returns it (or null). */
export function updateEstimate(b: DecisionBuilder): Estimate | null {
  const current = currentEstimate(b);
  if (!current) return null;
  const { estimate: e, trace } = current;
  Object.assign(b.decision.patch, {
    region: trace.inputs.region,
    sizeCategory: e.sizeCategory,
    estimatedDays: e.estimatedDays,
    priceMinMinor: e.price.minMinor,
    priceMaxMinor: e.price.maxMinor,
    priceCurrency: e.price.currency,
    estimateTrace: trace,
  } satisfies LeadPatch);
  // A client with a no-show pays the studio's no-show deposit (issue 18: depositFor).
  const noShows = b.lead.noShowCount ?? 0;
  const depositMinor = depositFor(b.config.policy ?? defaultPolicy(), e.deposit.amountMinor, noShows);
  if (b.lead.depositLockedAt === null) {
    Object.assign(b.decision.patch, {
      depositAmountMinor: depositMinor,
      depositCurrency: e.deposit.currency,
      depositRuleVersion: e.deposit.ruleVersion,
    } satisfies LeadPatch);
  }
  b.event("estimate.updated", {
    size_category: e.sizeCategory,
    region: trace.inputs.region,
    region_from: trace.inputs.regionFrom,
    deposit_minor: depositMinor,
    ...(noShows > 0 ? { usual_deposit_minor: e.deposit.amountMinor, no_shows: noShows } : {}),
    deposit_locked: b.lead.depositLockedAt !== null,
  });
  return e;
}
