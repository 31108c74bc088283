/**
 * The estimate: size category, hours (days for XL), the deposit (with the rule version it came
 * from) and an internal price range from the region's hourly rate, with a readable trace of how
 * each figure was reached so the artist can check it.
 */
import type { Region, SizeCategory } from "./lead-status.ts";
import { PRICING_RULES, type Currency, type PricingRules } from "./pricing-rules.ts";

export interface EstimateInput {
  widthCm: number;
  heightCm: number;
  complexity: 1 | 2 | 3;
  region: Region;
}

export interface Estimate {
  sizeCategory: SizeCategory;
  areaCm2: number;
  hours: number;
  /** Session days for XL pieces, null otherwise. */
  estimatedDays: number | null;
  deposit: { amountMinor: number; currency: Currency; ruleVersion: string };
  price: { minMinor: number; maxMinor: number; currency: Currency };
  trace: string[];
}

const CATEGORY_ORDER: readonly SizeCategory[] = ["SMALL", "MEDIUM", "LARGE", "XL"];

function money(amountMinor: number, currency: Currency): string {
  return `${currency} ${(amountMinor / 100).toFixed(2)}`;
}

/** Rounds minor units to the nearest 10 major units (prices are quoted in round numbers). */
function roundToTens(amountMinor: number): number {
  return Math.round(amountMinor / 1000) * 1000;
}

/** Size category from the area alone. */
export function categoryForArea(areaCm2: number, rules: PricingRules = PRICING_RULES): SizeCategory {
  const max = rules.categoryMaxAreaCm2;
  if (areaCm2 <= max.SMALL) return "SMALL";
  if (areaCm2 <= max.MEDIUM) return "MEDIUM";
  if (areaCm2 <= max.LARGE) return "LARGE";
  return "XL";
}

/** Computes the estimate; pure and deterministic for the same input and rules. */
export function estimate(input: EstimateInput, rules: PricingRules = PRICING_RULES): Estimate {
  const trace: string[] = [];
  const areaCm2 = Math.round(input.widthCm * input.heightCm * 10) / 10;
  trace.push(`area ${input.widthCm} x ${input.heightCm} cm = ${areaCm2} cm²`);

  let sizeCategory = categoryForArea(areaCm2, rules);
  trace.push(`area category ${sizeCategory}`);
  if (input.complexity === 3 && sizeCategory !== "XL") {
    sizeCategory = CATEGORY_ORDER[CATEGORY_ORDER.indexOf(sizeCategory) + 1] ?? "XL";
    trace.push(`complexity 3 moves it up to ${sizeCategory}`);
  }

  const factor = rules.complexityFactor[input.complexity];
  const rawHours = (areaCm2 / 100) * rules.hoursPer100Cm2 * factor;
  const hours = Math.max(rules.minimumHours, Math.round(rawHours * 2) / 2);
  trace.push(`hours = ${areaCm2} / 100 x ${rules.hoursPer100Cm2} x complexity ${factor} = ${hours} (min ${rules.minimumHours})`);

  const estimatedDays = sizeCategory === "XL" ? Math.max(1, Math.ceil(hours / rules.hoursPerDay)) : null;
  if (estimatedDays !== null) trace.push(`XL: ${estimatedDays} day(s) at ${rules.hoursPerDay} h/day`);

  const rate = rules.hourlyRate[input.region];
  const point = hours * rate.amountMinor;
  const price = {
    minMinor: roundToTens(point * rules.rangeLow),
    maxMinor: roundToTens(point * rules.rangeHigh),
    currency: rate.currency,
  };
  trace.push(
    `price ${hours} h x ${money(rate.amountMinor, rate.currency)}/h (${input.region}) = ${money(point, rate.currency)}, ` +
      `range x${rules.rangeLow}–x${rules.rangeHigh} = ${money(price.minMinor, price.currency)}–${money(price.maxMinor, price.currency)}`,
  );

  const perUnit = rules.deposit[input.region][sizeCategory];
  const uncapped = estimatedDays !== null ? perUnit * estimatedDays : perUnit;
  const depositMinor = Math.min(uncapped, rules.maxDepositMinor[input.region]);
  trace.push(
    `deposit ${sizeCategory}${estimatedDays !== null ? ` x ${estimatedDays} day(s)` : ""} = ${money(depositMinor, rate.currency)}` +
      `${depositMinor < uncapped ? " (capped)" : ""}, rules ${rules.version}`,
  );

  return {
    sizeCategory,
    areaCm2,
    hours,
    estimatedDays,
    deposit: { amountMinor: depositMinor, currency: rate.currency, ruleVersion: rules.version },
    price,
    trace,
  };
}

/** Whether a budget meets the region's minimum (converted approximately when currencies differ). */
export function meetsBudgetMinimum(
  budget: { amountMinor: number; currency: Currency },
  region: Region,
  rules: PricingRules = PRICING_RULES,
): boolean {
  const minimum = rules.budgetMinimum[region];
  const inGbp = (amount: number, currency: Currency) => amount * rules.toGbp[currency];
  return inGbp(budget.amountMinor, budget.currency) >= inGbp(minimum.amountMinor, minimum.currency);
}
