/**
 * Pricing and deposit rules as data. A change of any number here is a new `version`: the version
 * is stored on the lead with the deposit amount, so a deposit already quoted is never recomputed
 * under new rules.
 */
import type { Region, SizeCategory } from "./lead-status.ts";

export type Currency = "GBP" | "EUR" | "USD";

export interface PricingRules {
  version: string;
  /** Upper bound of each size category's area in cm² (XL is everything above LARGE). */
  categoryMaxAreaCm2: Record<Exclude<SizeCategory, "XL">, number>;
  /** Tattooing hours per 100 cm² at complexity 2, and the multiplier per complexity level. */
  hoursPer100Cm2: number;
  complexityFactor: Record<1 | 2 | 3, number>;
  minimumHours: number;
  /** Hours in one session day, for XL pieces spread over several days. */
  hoursPerDay: number;
  /** Hourly rate and currency per region. */
  hourlyRate: Record<Region, { amountMinor: number; currency: Currency }>;
  /** Price range around the point estimate. */
  rangeLow: number;
  rangeHigh: number;
  /** Deposit per size category in the region's currency; XL is per estimated day. */
  deposit: Record<Region, Record<SizeCategory, number>>;
  maxDepositMinor: Record<Region, number>;
  /** Below this budget the client is offered the tour or the waitlist. */
  budgetMinimum: Record<Region, { amountMinor: number; currency: Currency }>;
  /** Approximate exchange rates to GBP, to compare a budget given in another currency. */
  toGbp: Record<Currency, number>;
}

export const PRICING_RULES: PricingRules = {
  version: "2026-11-v1",
  categoryMaxAreaCm2: { SMALL: 50, MEDIUM: 200, LARGE: 600 },
  hoursPer100Cm2: 1.5,
  complexityFactor: { 1: 0.75, 2: 1, 3: 1.5 },
  minimumHours: 1,
  hoursPerDay: 6,
  hourlyRate: {
    UK: { amountMinor: 12_000, currency: "GBP" },
    EUROPE: { amountMinor: 13_000, currency: "EUR" },
    ROW: { amountMinor: 15_000, currency: "USD" },
  },
  rangeLow: 0.85,
  rangeHigh: 1.25,
  deposit: {
    UK: { SMALL: 5_000, MEDIUM: 10_000, LARGE: 15_000, XL: 20_000 },
    EUROPE: { SMALL: 6_000, MEDIUM: 12_000, LARGE: 18_000, XL: 24_000 },
    ROW: { SMALL: 7_000, MEDIUM: 14_000, LARGE: 20_000, XL: 26_000 },
  },
  maxDepositMinor: { UK: 60_000, EUROPE: 70_000, ROW: 80_000 },
  budgetMinimum: {
    UK: { amountMinor: 15_000, currency: "GBP" },
    EUROPE: { amountMinor: 18_000, currency: "EUR" },
    ROW: { amountMinor: 20_000, currency: "USD" },
  },
  toGbp: { GBP: 1, EUR: 0.86, USD: 0.79 },
};
