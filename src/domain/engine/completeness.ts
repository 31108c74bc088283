/**
 * The brief's completeness: which of the things the artist needs to quote and book are present
 * (placement, size, references, budget, timing, and for a cover-up a photo of the tattoo to
 * cover), so an incomplete request is obvious before the artist opens it. Shown on the artist's
 * summary and, from `leads.brief`, in the inbox. Pure.
 */
import { z } from "zod";
import type { RecordedAnswer } from "./types.ts";

/** What a complete brief holds, in the order the artist reads it. */
export const BRIEF_ITEMS = ["placement", "size", "references", "budget", "timing", "coverup_photo"] as const;
export type BriefItem = (typeof BRIEF_ITEMS)[number];

/** leads.brief: how many of the needed items are present, and which are missing. */
export const BriefCompleteness = z.object({
  score: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  missing: z.array(z.enum(BRIEF_ITEMS)),
});
export type BriefCompleteness = z.infer<typeof BriefCompleteness>;

/** A stored completeness, or null when absent or unreadable. */
export function readBrief(value: unknown): BriefCompleteness | null {
  const parsed = BriefCompleteness.safeParse(value);
  return parsed.success ? parsed.data : null;
}

const Dimensions = z.object({ widthCm: z.number().positive(), heightCm: z.number().positive() });
const Budget = z.object({ amountMinor: z.number().int().positive() });
const Timing = z.object({ windows: z.array(z.unknown()), flexible: z.boolean() });
const Reference = z.object({ provided: z.boolean() });
const FreeText = z.object({ text: z.string().nullable().optional(), mediaId: z.string().optional() });

/** The latest value given for each question (the answers are oldest first). */
function latest(answers: readonly RecordedAnswer[]): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const answer of answers) values.set(answer.questionKey, answer.value);
  return values;
}

const has = (schema: z.ZodType, value: unknown): boolean => value !== undefined && schema.safeParse(value).success;

/** Scores a brief from the lead's answers and how many reference files it holds. */
export function briefCompleteness(answers: readonly RecordedAnswer[], attachmentCount: number): BriefCompleteness {
  const values = latest(answers);
  const coverup = values.get("coverup") === true;
  const reference = Reference.safeParse(values.get("reference_images"));
  const timing = Timing.safeParse(values.get("timing"));
  const present: Record<BriefItem, boolean> = {
    placement: has(FreeText, values.get("placement")),
    size: has(Dimensions, values.get("dimensions")),
    references: attachmentCount > 0 || (reference.success && reference.data.provided),
    budget: has(Budget, values.get("budget")),
    timing: timing.success && (timing.data.flexible || timing.data.windows.length > 0),
    // For a cover-up the reference step asks for a photo of the existing tattoo.
    coverup_photo: reference.success && reference.data.provided,
  };
  const needed = BRIEF_ITEMS.filter((item) => item !== "coverup_photo" || coverup);
  const missing = needed.filter((item) => !present[item]);
  return { score: needed.length - missing.length, total: needed.length, missing };
}
