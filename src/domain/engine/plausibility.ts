/**
 * Plausibility: a value that parses but cannot be what the client meant is confirmed, not
 * accepted. A budget below the region's smallest tattoo ("5" read as £5), a size of a few
 * millimetres, a size far bigger than the placement (a back-sized piece on a finger). Pure: the
 * engine asks "Just to check — did you mean £500?" with buttons and keeps the check on the lead
 * (`pendingCheck`) until the client answers it.
 */
import { z } from "zod";
import type { Region } from "../lead-status.ts";
import { CURRENCIES, type Budget, type Currency, type Dimensions } from "../parsing/index.ts";
import { containsPhrase, normalizeText } from "../parsing/text.ts";
import { PRICING_RULES } from "../pricing-rules.ts";

/** A value waiting for the client's "yes" (leads.pending_check). */
export const PendingCheck = z.discriminatedUnion("question", [
  z.object({
    question: z.literal("budget"),
    reason: z.enum(["below_smallest"]),
    value: z.object({ amountMinor: z.number().int().positive(), currency: z.enum(CURRENCIES) }),
    suggestion: z.object({ amountMinor: z.number().int().positive(), currency: z.enum(CURRENCIES) }).nullable(),
    rawText: z.string().nullable(),
  }),
  z.object({
    question: z.literal("dimensions"),
    reason: z.enum(["tiny", "too_big_for_placement"]),
    value: z.object({ widthCm: z.number().positive(), heightCm: z.number().positive() }),
    suggestion: z.object({ widthCm: z.number().positive(), heightCm: z.number().positive() }).nullable(),
    /** The body part the size was judged against. */
    placement: z.string().nullable(),
    rawText: z.string().nullable(),
  }),
]);
export type PendingCheck = z.infer<typeof PendingCheck>;
export type BudgetCheck = Extract<PendingCheck, { question: "budget" }>;
export type SizeCheck = Extract<PendingCheck, { question: "dimensions" }>;

/** A stored pending check, or null when absent or unreadable. */
export function readPendingCheck(value: unknown): PendingCheck | null {
  const parsed = PendingCheck.safeParse(value);
  return parsed.success ? parsed.data : null;
}

const REGION_OF_CURRENCY: Record<Currency, Region> = { GBP: "UK", EUR: "EUROPE", USD: "ROW" };

/** The smallest tattoo anyone books: a tiny flash piece, half an hour at the region's rate. */
export const SMALLEST_TATTOO_HOURS = 0.5;

/** The price of the smallest tattoo in `region`, in `currency` (via the rules' exchange rates). */
export function smallestTattooMinor(region: Region, currency: Currency): number {
  const rate = PRICING_RULES.hourlyRate[region];
  const inRateCurrency = rate.amountMinor * SMALLEST_TATTOO_HOURS;
  return Math.round((inRateCurrency * PRICING_RULES.toGbp[rate.currency]) / PRICING_RULES.toGbp[currency]);
}

/** A budget below the smallest tattoo: confirmed, with the amount times 10, 100 or 1,000 that clears it as the guess. */
export function checkBudget(budget: Budget, region: Region | null, rawText: string | null): BudgetCheck | null {
  const floor = smallestTattooMinor(region ?? REGION_OF_CURRENCY[budget.currency], budget.currency);
  if (budget.amountMinor >= floor) return null;
  const factor = [10, 100, 1_000].find((f) => budget.amountMinor * f >= floor);
  const suggestion = factor === undefined ? null : { amountMinor: budget.amountMinor * factor, currency: budget.currency };
  return { question: "budget", reason: "below_smallest", value: budget, suggestion, rawText };
}

/** Smallest side that is a tattoo rather than a dot (cm). */
export const MIN_SIDE_CM = 1;

/** Longest side that fits each small body part (cm), most specific first: [words, part, cm]. */
export const PLACEMENT_MAX_CM: readonly (readonly [string, string, number])[] = [
  ["fingers", "fingers", 8],
  ["finger", "finger", 6],
  ["knuckles", "knuckles", 10],
  ["knuckle", "knuckle", 4],
  ["thumb", "thumb", 6],
  ["toes", "toes", 6],
  ["toe", "toe", 4],
  ["behind the ear", "ear", 8],
  ["behind my ear", "ear", 8],
  ["ear", "ear", 6],
  ["lip", "lip", 4],
  ["wrist", "wrist", 15],
  ["ankle", "ankle", 15],
  ["hand", "hand", 22],
  ["foot", "foot", 25],
];

/** The small body part a placement names, with its largest side, or null. */
export function placementLimit(placement: string | null): { part: string; maxCm: number } | null {
  if (placement === null) return null;
  const text = normalizeText(placement);
  // "forearm" or "back of the hand" name a bigger area than "hand" alone would: the first match wins.
  if (/(?<![a-z])(?:forearm|sleeve|arm|leg|back|chest|thigh)(?![a-z])/.test(text) && !/(?<![a-z])back of (?:my |the )?(?:hand|neck)/.test(text)) {
    return null;
  }
  for (const [words, part, maxCm] of PLACEMENT_MAX_CM) if (containsPhrase(text, words)) return { part, maxCm };
  return null;
}

/**
 * A size of a few millimetres (confirmed as centimetres when that fits), or one bigger than the
 * placement allows (confirmed as it is).
 */
export function checkDimensions(size: Dimensions, placement: string | null, rawText: string | null): SizeCheck | null {
  const limit = placementLimit(placement);
  const longest = Math.max(size.widthCm, size.heightCm);
  if (Math.min(size.widthCm, size.heightCm) < MIN_SIDE_CM) {
    const scaled = { widthCm: size.widthCm * 10, heightCm: size.heightCm * 10 };
    const fits = Math.max(scaled.widthCm, scaled.heightCm) <= (limit?.maxCm ?? Infinity) && Math.min(scaled.widthCm, scaled.heightCm) >= MIN_SIDE_CM;
    return { question: "dimensions", reason: "tiny", value: size, suggestion: fits ? scaled : null, placement: limit?.part ?? null, rawText };
  }
  if (limit !== null && longest > limit.maxCm) {
    return { question: "dimensions", reason: "too_big_for_placement", value: size, suggestion: null, placement: limit.part, rawText };
  }
  return null;
}
