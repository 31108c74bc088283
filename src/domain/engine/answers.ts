/**
 * The client's answers as the rules read them: the latest answer per question wins (in the order
 * they were given, this decision's last), and stored values are validated before use, since they
 * come back from the database as JSON.
 */
import { z } from "zod";
import { Region } from "../lead-status.ts";
import { CURRENCIES } from "../parsing/index.ts";
import { asQuestionKey, QUESTION_KEYS, type QuestionKey } from "../questions.ts";
import type { DecisionBuilder } from "./builder.ts";
import type { RecordedAnswer } from "./types.ts";

const LocationValue = z.object({
  city: z.string().optional(),
  country: z.string().optional(),
  countryCode: z.string().optional(),
  region: z.enum(Region),
  flexible: z.boolean(),
});

/** Schemas of the stored values the rules read (the rest are shown, not computed with). */
const VALUES = {
  dimensions: z.object({ widthCm: z.number().positive(), heightCm: z.number().positive() }),
  complexity: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  coverup: z.boolean(),
  budget: z.object({ amountMinor: z.number().int().positive(), currency: z.enum(CURRENCIES) }),
  location_city: LocationValue,
  location_country: LocationValue,
} as const satisfies Partial<Record<QuestionKey, z.ZodType>>;

type ReadKey = keyof typeof VALUES;
export type AnswerValue<K extends ReadKey> = z.infer<(typeof VALUES)[K]>;

/** Every answer known to this decision, oldest first: the lead's, then this message's. */
export function knownAnswers(b: DecisionBuilder): RecordedAnswer[] {
  return [...b.lead.recentAnswers, ...b.decision.answers.map(({ questionKey, rawText, value }) => ({ questionKey, rawText, value }))];
}

/** The latest answer to each question answered, in question order. */
export function latestAnswers(b: DecisionBuilder): { key: QuestionKey; answer: RecordedAnswer }[] {
  const latest = new Map<QuestionKey, RecordedAnswer>();
  for (const answer of knownAnswers(b)) {
    const key = asQuestionKey(answer.questionKey);
    if (key !== null) latest.set(key, answer);
  }
  return QUESTION_KEYS.flatMap((key) => {
    const answer = latest.get(key);
    return answer ? [{ key, answer }] : [];
  });
}

/** The latest answer's value for `key`, or null when unanswered (or not a value of that shape). */
export function latestValue<K extends ReadKey>(b: DecisionBuilder, key: K): AnswerValue<K> | null {
  const answers = knownAnswers(b);
  for (let i = answers.length - 1; i >= 0; i--) {
    const answer = answers[i];
    if (answer?.questionKey !== key) continue;
    const parsed = VALUES[key].safeParse(answer.value);
    return parsed.success ? (parsed.data as AnswerValue<K>) : null;
  }
  return null;
}

/** Where the client lives: the country answer decides the region (it is the later, explicit one), the city answer names the city. */
export function clientLocation(b: DecisionBuilder): { region: Region; city: string | null; country: string | null; fromCountry: boolean } | null {
  const city = latestValue(b, "location_city");
  const country = latestValue(b, "location_country");
  const region = country?.region ?? city?.region;
  if (!region) return null;
  return { region, city: city?.city ?? null, country: country?.country ?? city?.country ?? null, fromCountry: country !== null };
}

/**
 * Which answers an engine needs kept in memory: the last `limit`, plus the latest answer to every
 * question before them. Same order as given (oldest first).
 */
export function retainAnswers<T extends { questionKey: string }>(answers: readonly T[], limit: number): T[] {
  const lastIndex = new Map<string, number>();
  answers.forEach((a, i) => lastIndex.set(a.questionKey, i));
  return answers.filter((a, i) => i >= answers.length - limit || lastIndex.get(a.questionKey) === i);
}
