/**
 * Dimensions parser: "10x12", "10 by 12 cm", "about 4 x 6 inches", "7,5cm" → width and height in cm.
 *
 * A unit on either number applies to both; no unit means cm; one number means a square, unless an
 * "x"/"by" says a second side was meant ("15 x", "by 20": half a size, repaired). Ranges
 * ("10-12cm") and stray extra numbers are ambiguous rather than guessed, so the engine asks again.
 */
import { fail, ok, type ParseResult } from "./result.ts";
import { MAX_INPUT_CHARS, normalizeText, parseDecimal, roundToTenth } from "./text.ts";

/** Width and height of the piece in centimetres, rounded to 0.1. */
export interface Dimensions {
  widthCm: number;
  heightCm: number;
}

/** Why a message could not be read as dimensions. */
export type DimensionsFailure =
  | "empty"
  | "not_numeric"
  | "ambiguous"
  | "unknown_unit"
  /** One side and a dangling "x"/"by" ("15 x", "by 20"): the other side is missing, not a square. */
  | "half_size"
  | "zero_or_negative"
  | "too_large";

/** Largest side we accept; anything bigger is a typo or a joke. */
export const MAX_DIMENSION_CM = 300;

/** Centimetres per unit, by every spelling clients use. */
const UNIT_CM = {
  mm: 0.1,
  millimetre: 0.1,
  millimetres: 0.1,
  millimeter: 0.1,
  millimeters: 0.1,
  cm: 1,
  cms: 1,
  centimetre: 1,
  centimetres: 1,
  centimeter: 1,
  centimeters: 1,
  m: 100,
  metre: 100,
  metres: 100,
  meter: 100,
  meters: 100,
  in: 2.54,
  ins: 2.54,
  inch: 2.54,
  inches: 2.54,
  '"': 2.54,
  "''": 2.54,
  ft: 30.48,
  foot: 30.48,
  feet: 30.48,
  "'": 30.48,
} as const satisfies Record<string, number>;

type Unit = keyof typeof UNIT_CM;

/** Words that may follow a number without being a unit ("10ish", "10 wide"). */
const SOFT_WORDS = new Set([
  "ish", "wide", "width", "tall", "high", "height", "long", "length", "across", "and", "or", "to",
  "each", "max", "min", "square", "squared", "sq", "diameter", "round", "approx", "roughly",
]);

/** Words that mark two numbers as width and height even without "x" between them. */
const SIDE_WORDS = new Set(["wide", "width", "tall", "high", "height", "long", "length", "across"]);

type Token =
  | { kind: "number"; raw: string; start: number; end: number }
  | { kind: "word"; text: string; start: number; end: number }
  | { kind: "times" | "dash" | "other"; text: string; start: number; end: number };

const TOKEN = /[0-9]+(?:[.,][0-9]+)*|\p{L}+|''|\S/gu;

function isUnit(text: string): text is Unit {
  return Object.hasOwn(UNIT_CM, text);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const raw = match[0];
    const start = match.index;
    const end = start + raw.length;
    if (/^[0-9]/.test(raw)) tokens.push({ kind: "number", raw, start, end });
    else if (raw === "x" || raw === "by" || raw === "×" || raw === "*") tokens.push({ kind: "times", text: raw, start, end });
    else if (raw === "-") tokens.push({ kind: "dash", text: raw, start, end });
    else if (/^\p{L}/u.test(raw)) {
      // "10cmx12cm": a unit glued to the "x" that follows it.
      const head = raw.slice(0, -1);
      if (raw.endsWith("x") && isUnit(head)) {
        tokens.push({ kind: "word", text: head, start, end: end - 1 });
        tokens.push({ kind: "times", text: "x", start: end - 1, end });
      } else tokens.push({ kind: "word", text: raw, start, end });
    } else if (isUnit(raw)) tokens.push({ kind: "word", text: raw, start, end });
    else tokens.push({ kind: "other", text: raw, start, end });
  }
  return tokens;
}

interface Measure {
  value: number;
  unit: Unit | undefined;
  negative: boolean;
  /** Index of the number token. */
  at: number;
}

type MeasureScan = { ok: true; measures: Measure[] } | { ok: false; reason: DimensionsFailure };

function unitAfter(tokens: readonly Token[], i: number): Unit | "unknown" | undefined {
  const number = tokens[i];
  const next = tokens[i + 1];
  if (number === undefined || next === undefined || next.kind !== "word") return undefined;
  const attached = next.start === number.end;
  if (next.text === "in" && !attached) {
    // "10 in" is inches only at the end of a size, not in "3 roses in a row".
    const after = tokens[i + 2];
    return after === undefined || after.kind !== "word" || SOFT_WORDS.has(after.text) ? "in" : undefined;
  }
  if (isUnit(next.text)) return next.text;
  return attached && !SOFT_WORDS.has(next.text) ? "unknown" : undefined;
}

function scanMeasures(tokens: readonly Token[]): MeasureScan {
  const measures: Measure[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token?.kind !== "number") continue;
    // "A4", "a5": a paper size, not a measure.
    const glued = tokens[i - 1];
    if (glued?.kind === "word" && glued.end === token.start) continue;
    const value = parseDecimal(token.raw, { dotThousands: false });
    if (value === null) return { ok: false, reason: "ambiguous" };
    const unit = unitAfter(tokens, i);
    if (unit === "unknown") return { ok: false, reason: "unknown_unit" };
    const prev = tokens[i - 1];
    const beforeDash = tokens[i - 2];
    const negative =
      prev?.kind === "dash" && prev.end === token.start && beforeDash?.kind !== "number" && !isUnitToken(beforeDash);
    measures.push({ value, unit, negative, at: i });
  }
  return { ok: true, measures };
}

function isUnitToken(token: Token | undefined): boolean {
  return token !== undefined && token.kind === "word" && isUnit(token.text);
}

/** True when the tokens between two numbers make them a range ("10-12", "10 to 12", "10 or 12"). */
function isRange(between: readonly Token[], all: readonly Token[]): boolean {
  if (between.some((t) => t.kind === "dash" || (t.kind === "word" && (t.text === "to" || t.text === "or")))) return true;
  return all.some((t) => t.kind === "word" && t.text === "between");
}

function toCm(value: number, unit: Unit | undefined): number {
  return roundToTenth(value * UNIT_CM[unit ?? "cm"]);
}

/**
 * Reads a tattoo size from free text. A single number is a square; two numbers are width × height
 * when joined by "x"/"by"/"×" or when both carry units ("10cm wide, 15cm tall").
 */
export function parseDimensions(text: string): ParseResult<Dimensions, DimensionsFailure> {
  // "10cm²" would otherwise become "10cm2" under NFKC.
  const raw = typeof text === "string" ? text.slice(0, MAX_INPUT_CHARS).replace(/\u00B2/g, " squared") : "";
  const normalized = normalizeText(raw);
  if (normalized === "") return fail("empty");
  const tokens = tokenize(normalized);
  const scan = scanMeasures(tokens);
  if (!scan.ok) return fail(scan.reason);
  const [first, second, ...rest] = scan.measures;
  if (first === undefined) return fail("not_numeric");
  if (rest.length > 0) return fail("ambiguous");
  if (second === undefined && tokens.some((t) => t.kind === "times")) return fail("half_size");
  const width = first.value;
  let height = first.value;
  let widthUnit = first.unit;
  let heightUnit = first.unit;
  if (second !== undefined) {
    // A minus sign glued to the second number is its sign, not a range dash.
    const between = tokens.slice(first.at + 1, second.negative ? second.at - 1 : second.at);
    if (isRange(between, tokens)) return fail("ambiguous");
    const joined = between.some((t) => t.kind === "times");
    const bothUnits = first.unit !== undefined && second.unit !== undefined;
    const sided = tokens.some((t) => t.kind === "word" && SIDE_WORDS.has(t.text));
    if (!joined && !bothUnits && !sided) return fail("ambiguous");
    height = second.value;
    widthUnit = first.unit ?? second.unit;
    heightUnit = second.unit ?? first.unit;
  }
  if (first.negative || second?.negative === true) return fail("zero_or_negative");
  const widthCm = toCm(width, widthUnit);
  const heightCm = toCm(height, heightUnit);
  if (widthCm <= 0 || heightCm <= 0) return fail("zero_or_negative");
  if (widthCm > MAX_DIMENSION_CM || heightCm > MAX_DIMENSION_CM) return fail("too_large");
  return ok({ widthCm, heightCm });
}
