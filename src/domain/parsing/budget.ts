/**
 * Budget parser: "£400", "400 quid", "1.5k", "around €500", "£400-500" → an amount in minor units.
 *
 * Ranges keep the lower bound (what the client is sure to spend). When several unrelated amounts
 * appear, the ones written with a currency or "k" win; if that still leaves more than one, the
 * answer is ambiguous and the engine asks again rather than guessing.
 */
import { fail, ok, type ParseResult } from "./result.ts";
import { containsAnyPhrase, normalizeText, parseDecimal } from "./text.ts";

/** Currencies we price in. */
export const CURRENCIES = ["GBP", "USD", "EUR"] as const;
/** ISO 4217 code of a currency we price in. */
export type Currency = (typeof CURRENCIES)[number];

/** A budget in minor units (pence/cents). */
export interface Budget {
  amountMinor: number;
  currency: Currency;
}

/** Why a message could not be read as a budget. */
export type BudgetFailure = "empty" | "unknown" | "no_number" | "ambiguous" | "zero_or_negative" | "too_large";

/** Options for {@link parseBudget}. */
export interface BudgetOptions {
  /** Currency when the client names none; "GBP" unless given. */
  defaultCurrency?: Currency;
}

/** Largest budget we accept in major units; beyond this it is a typo. */
export const MAX_BUDGET_MAJOR = 1_000_000;

const CURRENCY_WORDS = {
  "£": "GBP",
  pound: "GBP",
  pounds: "GBP",
  quid: "GBP",
  gbp: "GBP",
  sterling: "GBP",
  $: "USD",
  dollar: "USD",
  dollars: "USD",
  usd: "USD",
  bucks: "USD",
  "€": "EUR",
  euro: "EUR",
  euros: "EUR",
  eur: "EUR",
} as const satisfies Record<string, Currency>;

const MULTIPLIERS = { k: 1_000, grand: 1_000, thousand: 1_000 } as const satisfies Record<string, number>;

/** Said instead of a number: the client has no budget in mind yet. */
const UNKNOWN_PHRASES = [
  "no idea", "not sure", "unsure", "dunno", "don't know", "dont know", "do not know", "idk", "no clue",
  "not decided", "undecided", "no budget", "open budget", "flexible", "whatever", "tbc", "tbd", "not a clue",
];

/** Words between two amounts that make them a range ("400 to 500", "between 400 and 600"). */
const RANGE_JOINERS = new Set(["-", "to", "or", "and", "/"]);

type Token = { text: string; start: number; end: number; number: boolean };

const TOKEN = /[0-9]+(?:[.,][0-9]+)*|\p{L}+|\S/gu;

interface Amount {
  major: number;
  multiplier: number | undefined;
  currency: Currency | undefined;
  negative: boolean;
  first: number;
  last: number;
}

function currencyOf(token: Token | undefined): Currency | undefined {
  return token !== undefined && Object.hasOwn(CURRENCY_WORDS, token.text)
    ? CURRENCY_WORDS[token.text as keyof typeof CURRENCY_WORDS]
    : undefined;
}

function multiplierOf(token: Token | undefined): number | undefined {
  return token !== undefined && Object.hasOwn(MULTIPLIERS, token.text)
    ? MULTIPLIERS[token.text as keyof typeof MULTIPLIERS]
    : undefined;
}

/** Reads the amount whose digits are `tokens[i]`, with a currency or multiplier on either side. */
function readAmount(tokens: readonly Token[], i: number, previous: Amount | undefined): Amount | "skip" | "bad" {
  const digits = tokens[i];
  if (digits === undefined) return "skip";
  const major = parseDecimal(digits.text, { dotThousands: true });
  if (major === null) return "bad";
  let last = i;
  const multiplier = multiplierOf(tokens[last + 1]);
  if (multiplier !== undefined) last++;
  let currency = currencyOf(tokens[last + 1]);
  if (currency !== undefined) last++;
  const next = tokens[last + 1];
  // "10cm", "3rd", "5pm", "20%": a number that is plainly not money.
  if (multiplier === undefined && currency === undefined && next !== undefined) {
    if (next.text === "%" || (next.start === digits.end && /^\p{L}/u.test(next.text))) return "skip";
  }
  let first = i;
  const before = currencyOf(tokens[first - 1]);
  if (before !== undefined) {
    first--;
    currency ??= before;
  }
  const dash = tokens[first - 1];
  const partOfPrevious = previous !== undefined && previous.last === first - 2;
  const negative = dash?.text === "-" && dash.end === tokens[first]?.start && !partOfPrevious;
  if (negative) first--;
  return { major, multiplier, currency, negative, first, last };
}

function isRangeGap(tokens: readonly Token[], from: number, to: number): boolean {
  if (to <= from) return false;
  for (let k = from; k < to; k++) {
    const token = tokens[k];
    if (token === undefined || !RANGE_JOINERS.has(token.text)) return false;
  }
  return true;
}

/**
 * The lower end of a range, with a "k" on one side applied to the other when it fits ("1-1.5k"),
 * and a single digit read in the hundreds (or thousands) of the other end ("3-400" is 300–400).
 */
function lowerBound(low: Amount, high: Amount): number {
  const lowValue = low.major * (low.multiplier ?? 1);
  const highValue = high.major * (high.multiplier ?? 1);
  if (low.multiplier === undefined && high.multiplier === undefined && Number.isInteger(low.major) && low.major >= 1 && low.major < 10 && highValue >= 100) {
    const scale = 10 ** (String(Math.trunc(highValue)).length - 1);
    if (low.major * scale <= highValue) return low.major * scale;
  }
  if (low.multiplier === undefined && high.multiplier !== undefined) {
    const scaled = low.major * high.multiplier;
    return scaled <= high.major * high.multiplier ? scaled : lowValue;
  }
  return lowValue;
}

interface Candidate {
  major: number;
  negative: boolean;
  currencies: Set<Currency>;
  marked: boolean;
}

/**
 * Reads a budget. Currency comes from a symbol or word on any amount, else `defaultCurrency`;
 * "k"/"grand" multiply by 1,000; ranges keep their lower bound.
 */
export function parseBudget(text: string, options: BudgetOptions = {}): ParseResult<Budget, BudgetFailure> {
  const normalized = normalizeText(text);
  if (normalized === "") return fail("empty");
  const tokens: Token[] = [];
  for (const match of normalized.matchAll(TOKEN)) {
    const start = match.index;
    tokens.push({ text: match[0], start, end: start + match[0].length, number: /^[0-9]/.test(match[0]) });
  }
  const amounts: Amount[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]?.number !== true) continue;
    const amount = readAmount(tokens, i, amounts[amounts.length - 1]);
    if (amount === "bad") return fail("ambiguous");
    if (amount === "skip") continue;
    amounts.push(amount);
    i = amount.last;
  }
  if (amounts.length === 0) return fail(containsAnyPhrase(normalized, UNKNOWN_PHRASES) ? "unknown" : "no_number");

  const candidates: Candidate[] = [];
  let open: { low: Amount; high: Amount } | undefined;
  const close = (group: { low: Amount; high: Amount }): void => {
    const currencies = new Set([group.low.currency, group.high.currency].filter((c) => c !== undefined));
    const marked = [group.low, group.high].some((a) => a.currency !== undefined || a.multiplier !== undefined);
    const major = group.low === group.high ? group.low.major * (group.low.multiplier ?? 1) : lowerBound(group.low, group.high);
    candidates.push({ major, negative: group.low.negative || group.high.negative, currencies, marked });
  };
  for (const amount of amounts) {
    if (open !== undefined && isRangeGap(tokens, open.high.last + 1, amount.first)) {
      open = { low: open.low, high: amount };
      continue;
    }
    if (open !== undefined) close(open);
    open = { low: amount, high: amount };
  }
  if (open !== undefined) close(open);

  const marked = candidates.filter((c) => c.marked);
  const pool = marked.length > 0 ? marked : candidates;
  const [chosen, ...others] = pool;
  if (chosen === undefined || others.length > 0 || chosen.currencies.size > 1) return fail("ambiguous");
  if (chosen.negative || chosen.major <= 0) return fail("zero_or_negative");
  if (chosen.major > MAX_BUDGET_MAJOR) return fail("too_large");
  const amountMinor = Math.round(chosen.major * 100);
  if (amountMinor <= 0) return fail("zero_or_negative");
  const [named] = chosen.currencies;
  return ok({ amountMinor, currency: named ?? options.defaultCurrency ?? "GBP" });
}
