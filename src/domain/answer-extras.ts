/**
 * Several answers in one message: "about 12 by 8 cm, thinking around 300 quid" at the size
 * question also gives the budget. The pieces that can be read with confidence (a size, an amount
 * with a currency, an @handle, a named style) are found by pattern and read with the question's
 * own reader; each is kept only when the message says one thing for it. The engine stores them,
 * confirms them in one line and skips those questions later.
 */
import { ANSWER_READERS, type AnswerMessage, type AnswerValues, type ReadContext } from "./answer-readers.ts";
import { findPhrase, normalizeText } from "./parsing/text.ts";
import { QUESTION_KEYS, type QuestionKey } from "./questions.ts";

const NUMBER = "[0-9]+(?:[.,][0-9]+)?";
const UNIT = "(?:cm|mm|inches|inch|in|\")";

/** Where in a message a piece may answer each question, by pattern (the reader then decides). */
export const ANSWER_SPANS: Partial<Record<QuestionKey, RegExp>> = {
  dimensions: new RegExp(`${NUMBER}\\s*${UNIT}?\\s*(?:x|×|by|\\*)\\s*${NUMBER}\\s*${UNIT}?(?![a-z])|${NUMBER}\\s*(?:cm|mm|inches|inch|")(?![a-z])`, "g"),
  budget: new RegExp(
    `[£$€]\\s*${NUMBER}(?:,[0-9]{3})*\\s*(?:k|grand)?(?![a-z])|${NUMBER}(?:,[0-9]{3})*\\s*(?:k|grand)?\\s*(?:quid|pounds?|gbp|eur|euros?|usd|dollars?|bucks)(?![a-z])|${NUMBER}\\s*(?:k|grand)(?![a-z])`,
    "g",
  ),
  instagram: /(?<![a-z0-9._])@[a-z0-9._]{2,30}/g,
};

/** Styles named plainly enough to keep from a message about something else. */
const STYLES = [
  "fine line", "fineline", "fine-line", "blackwork", "black work", "neo traditional", "neo-traditional", "neotrad", "traditional",
  "micro realism", "realism", "realistic", "japanese", "irezumi", "watercolour", "watercolor", "geometric", "dotwork",
  "dot work", "illustrative", "minimalist", "black and grey", "black and gray", "black & grey", "trash polka", "new school",
  "old school", "ornamental", "linework", "line work", "chicano",
];

/** An answer found beside the one asked for. */
export interface ExtraAnswer<K extends QuestionKey = QuestionKey> {
  key: K;
  value: AnswerValues[K];
  /** The piece of the message it was read from. */
  rawText: string;
}

/** The pieces of `text` that match `key`'s pattern (or, for the style, a named style). */
export function spansFor(key: QuestionKey, text: string): string[] {
  const normalized = normalizeText(text);
  if (key === "style") return STYLES.filter((style) => findPhrase(normalized, style) !== -1).slice(0, 1);
  const pattern = ANSWER_SPANS[key];
  return pattern === undefined ? [] : [...normalized.matchAll(pattern)].map((m) => m[0].trim());
}

/** Reads each span of `key` alone; the value when they all agree, else null. */
export function readSpans<K extends QuestionKey>(key: K, text: string, ctx: ReadContext): ExtraAnswer<K> | null {
  const found = new Map<string, ExtraAnswer<K>>();
  for (const span of spansFor(key, text)) {
    const message: AnswerMessage = { text: span, replyId: null, mediaId: null };
    const result = ANSWER_READERS[key](message, ctx);
    if (result.ok) found.set(JSON.stringify(result.value), { key, value: result.value, rawText: span });
  }
  const [only, ...others] = [...found.values()];
  return only !== undefined && others.length === 0 ? only : null;
}

/** Questions whose answers are kept from a message about another question. */
export const EXTRA_KEYS = ["dimensions", "style", "budget", "instagram"] as const satisfies readonly QuestionKey[];
export type ExtraKey = (typeof EXTRA_KEYS)[number];

/** Whether `key` is a question whose answer may come alongside another (and is then not asked). */
export function isExtraKey(key: QuestionKey): key is ExtraKey {
  return (EXTRA_KEYS as readonly QuestionKey[]).includes(key);
}

/**
 * The answers `text` gives to questions after `current` that are not answered yet (`answered`),
 * read with confidence; in question order.
 */
export function extraAnswers(text: string, current: QuestionKey, answered: ReadonlySet<string>, ctx: ReadContext): ExtraAnswer<ExtraKey>[] {
  const after: readonly QuestionKey[] = QUESTION_KEYS.slice(QUESTION_KEYS.indexOf(current) + 1);
  return EXTRA_KEYS.filter((key) => after.includes(key) && !answered.has(key)).flatMap((key): ExtraAnswer<ExtraKey>[] => {
    const found = readSpans(key, text, ctx);
    return found === null ? [] : [found];
  });
}
