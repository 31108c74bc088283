/**
 * Text helpers shared by the consultation parsers: bounded normalisation, phrase search on word
 * boundaries and number reading.
 *
 * Everything here is linear in the input (no backtracking-prone patterns) and input is capped at
 * {@link MAX_INPUT_CHARS}, so a parser built from these cannot hang on a hostile message.
 */

/** Longest prefix of a message the parsers look at; an answer to one question is never longer. */
export const MAX_INPUT_CHARS = 2_000;

/** Typographic variants folded to one ASCII form so tables only list one spelling. */
const FOLDS = [
  [/[\u2018\u2019\u201A\u201B\u2032\u0060\u00B4]/g, "'"],
  [/[\u201C\u201D\u201E\u201F\u2033\u3003]/g, '"'],
  [/[\u2010-\u2015\u2212\uFE63\uFF0D]/g, "-"],
] as const;

/**
 * Caps, NFKC-normalises (full-width digits, "㎝"), folds quotes and dashes, lower-cases (unless
 * `keepCase`) and collapses whitespace. Returns "" for anything that is not a string.
 */
export function normalizeText(raw: unknown, keepCase = false): string {
  if (typeof raw !== "string") return "";
  let text = raw.slice(0, MAX_INPUT_CHARS).normalize("NFKC").slice(0, MAX_INPUT_CHARS);
  for (const [pattern, replacement] of FOLDS) text = text.replace(pattern, replacement);
  if (!keepCase) text = text.toLowerCase();
  return text.replace(/\s+/g, " ").trim();
}

/** Removes combining marks ("münchen" → "munchen") for table lookups. */
export function foldDiacritics(text: string): string {
  return text.normalize("NFD").replace(/\p{M}+/gu, "");
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** True when `ch` is a letter or digit (in any script); undefined (string edge) is not. */
export function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

/**
 * Index of `phrase` in `text` at or after `from`, where the characters on either side are not
 * letters or digits ("us" is not found in "bus"), or -1.
 */
export function findPhrase(text: string, phrase: string, from = 0): number {
  if (phrase === "") return -1;
  let at = text.indexOf(phrase, from);
  while (at !== -1) {
    const before = at === 0 ? undefined : text[at - 1];
    const after = text[at + phrase.length];
    const edgeBefore = !isWordChar(phrase[0]) || !isWordChar(before);
    const edgeAfter = !isWordChar(phrase[phrase.length - 1]) || !isWordChar(after);
    if (edgeBefore && edgeAfter) return at;
    at = text.indexOf(phrase, at + 1);
  }
  return -1;
}

/** True when `text` contains `phrase` on word boundaries. */
export function containsPhrase(text: string, phrase: string): boolean {
  return findPhrase(text, phrase) !== -1;
}

/** True when `text` contains any of `phrases` on word boundaries. */
export function containsAnyPhrase(text: string, phrases: readonly string[]): boolean {
  return phrases.some((phrase) => containsPhrase(text, phrase));
}

/** Small number words clients spell out ("next two weeks", "the third one"). */
export const NUMBER_WORDS = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  couple: 2,
  three: 3,
  few: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
} as const satisfies Record<string, number>;

/** Looks a word up in {@link NUMBER_WORDS}, or parses it as digits; null when it is neither. */
export function smallNumber(word: string | undefined): number | null {
  if (word === undefined) return null;
  if (/^[0-9]{1,3}$/.test(word)) return Number(word);
  return Object.hasOwn(NUMBER_WORDS, word) ? NUMBER_WORDS[word as keyof typeof NUMBER_WORDS] : null;
}

/** How to read a separator that could be a decimal point or a thousands separator. */
export interface DecimalOptions {
  /** Read "1.200" (one dot, three digits after) as 1200, as budgets are written in Europe. */
  dotThousands: boolean;
}

/**
 * Reads a digit run with "." or "," separators ("7,5", "1,200", "1.200,50", "400.50").
 * A lone separator is decimal unless three digits follow it (a comma, or a dot when
 * `dotThousands`); repeated separators group thousands; with both kinds, the last one is decimal.
 * Null when the shape is inconsistent ("1.2.3") or the value is not finite.
 */
export function parseDecimal(raw: string, options: DecimalOptions): number | null {
  if (!/^[0-9]+(?:[.,][0-9]+)*$/.test(raw)) return null;
  const parts = raw.split(/[.,]/);
  const separators = raw.replace(/[0-9]/g, "");
  const lastSep = separators[separators.length - 1];
  if (lastSep === undefined) return finite(Number(raw));
  const head = parts.slice(0, -1);
  const last = parts[parts.length - 1] ?? "";
  // "0.001" is never a thousands group.
  const thousandsGroups = !raw.startsWith("0") && parts.slice(1).every((group) => group.length === 3);
  if (separators.length === 1) {
    const thousands = thousandsGroups && (lastSep === "," || options.dotThousands);
    return finite(Number(thousands ? parts.join("") : `${head.join("")}.${last}`));
  }
  const earlier = separators.slice(0, -1);
  const uniform = [...separators].every((sep) => sep === lastSep);
  if (uniform) return thousandsGroups ? finite(Number(parts.join(""))) : null;
  // Mixed: "1,200.50" / "1.200,50": only the last separator is decimal, the rest group thousands.
  const earlierUniform = [...earlier].every((sep) => sep !== lastSep);
  const groupsOk = head.slice(1).every((group) => group.length === 3);
  return earlierUniform && groupsOk ? finite(Number(`${head.join("")}.${last}`)) : null;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Rounds to one decimal place (0.1 cm). */
export function roundToTenth(value: number): number {
  return Math.round(value * 10) / 10;
}

/** A phrase and what it stands for, for {@link claimPhrases}. */
export interface PhraseValue<V> {
  text: string;
  value: V;
}

/**
 * Values of every phrase found in `text` on word boundaries. Phrases are tried longest first and
 * claim their span, so "not detailed" hides the "detailed" inside it. `phrases` must already be
 * sorted longest first (see {@link longestFirst}).
 */
export function claimPhrases<V>(text: string, phrases: readonly PhraseValue<V>[]): V[] {
  const claimed: { start: number; end: number }[] = [];
  const values: V[] = [];
  for (const { text: phrase, value } of phrases) {
    for (let at = findPhrase(text, phrase); at !== -1; at = findPhrase(text, phrase, at + 1)) {
      const end = at + phrase.length;
      if (claimed.some((span) => at < span.end && span.start < end)) continue;
      claimed.push({ start: at, end });
      values.push(value);
    }
  }
  return values;
}

/** Flattens a `value → phrases` table into phrase/value pairs sorted longest first. */
export function longestFirst<V extends string | number>(
  table: readonly (readonly [V, readonly string[]])[],
): PhraseValue<V>[] {
  return table
    .flatMap(([value, phrases]) => phrases.map((text) => ({ text, value })))
    .sort((a, b) => b.text.length - a.text.length);
}
