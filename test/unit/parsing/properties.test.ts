/**
 * Property tests: no parser throws, hangs or returns a malformed result on any string, and the
 * values they do return keep their invariants. Plus round-trips for the numeric parsers.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CURRENCIES,
  looksLikeMultiAnswer,
  MAX_DIMENSION_CM,
  parseBudget,
  parseComplexity,
  parseDimensions,
  parseInstagramHandle,
  parseLocation,
  parseSlotChoice,
  parseTimeWindows,
  parseYesNo,
  type ParseResult,
  type QuestionKey,
  type SlotOption,
} from "../../../src/domain/parsing/index.ts";

const RUNS = { numRuns: 500 };
/** Generous per-call budget: the parsers take well under a millisecond; this catches hangs. */
const MAX_MS = 250;
const NOW = new Date("2025-03-12T10:00:00Z");
const SLOTS: readonly SlotOption[] = [
  { id: "a", start: "2025-06-12T09:00:00Z", label: "Thu 12 Jun, 10:00" },
  { id: "b", start: "2025-06-12T13:00:00Z", label: "Thu 12 Jun, 14:00" },
  { id: "c", start: "not a date", label: "Broken" },
];
const QUESTION_KEYS: readonly QuestionKey[] = [
  "idea", "placement", "dimensions", "style", "complexity", "coverup", "reference_images", "budget",
  "location_city", "location_country", "instagram", "travel_city", "timing",
];
const ISO_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/** Words the parsers look for, glued at random: reaches far deeper than random Unicode. */
const VOCABULARY = [
  "10", "7,5", "1.200", "0", "-", "x", "×", "by", "cm", "mm", "in", '"', "'", "£", "$", "€", "k", "pounds", "to",
  "or", "and", "between", "about", "london", "uk", "u.k.", "new york", "us", "LA", ",", ".", "@", "ink.lover",
  "instagram.com/", "ig:", "yes", "no", "not", "sure", "maybe", "monday", "weekends", "evenings", "after", "5pm",
  "14:00", "next", "2-4", "weeks", "march", "may", "option", "2nd", "the", "one", "last", "either", "none", " ",
  "complexity_2", "simple", "detailed", "👍", "\u0000", "\uD800", "ǅ", "İ", "ﷺ", "1,".repeat(20),
];
const vocabularyText = fc
  .tuple(fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 40 }), fc.constantFrom("", " "))
  .map(([parts, glue]) => parts.join(glue));
const anyText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme", minLength: 1_000, maxLength: 5_000 }),
  vocabularyText,
);

function timed<T>(call: () => T): T {
  const started = performance.now();
  const result = call();
  expect(performance.now() - started).toBeLessThan(MAX_MS);
  return result;
}

function checkShape<T, R extends string>(result: ParseResult<T, R>, valueOk: (value: T) => boolean): boolean {
  if (result.ok) return valueOk(result.value);
  return typeof result.reason === "string" && /^[a-z_]+$/.test(result.reason);
}

describe("every parser on arbitrary text", () => {
  it("parseDimensions returns positive sizes within the limit", () => {
    fc.assert(
      fc.property(anyText, (text) =>
        checkShape(timed(() => parseDimensions(text)), ({ widthCm, heightCm }) =>
          [widthCm, heightCm].every((cm) => cm > 0 && cm <= MAX_DIMENSION_CM && Math.round(cm * 10) / 10 === cm),
        ),
      ),
      RUNS,
    );
  });

  it("parseBudget returns positive integer minor units in a known currency", () => {
    fc.assert(
      fc.property(anyText, (text) =>
        checkShape(
          timed(() => parseBudget(text)),
          ({ amountMinor, currency }) => Number.isSafeInteger(amountMinor) && amountMinor > 0 && CURRENCIES.includes(currency),
        ),
      ),
      RUNS,
    );
  });

  it("parseLocation returns a region, and a country code whenever it is not just flexible", () => {
    fc.assert(
      fc.property(anyText, (text) =>
        checkShape(
          timed(() => parseLocation(text)),
          (location) =>
            ["UK", "EUROPE", "ROW"].includes(location.region) &&
            typeof location.flexible === "boolean" &&
            (location.countryCode === undefined ? location.flexible : /^[A-Z]{2}$/.test(location.countryCode)),
        ),
      ),
      RUNS,
    );
  });

  it("parseComplexity, parseYesNo and parseInstagramHandle keep their value shapes", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const complexity = checkShape(timed(() => parseComplexity(text)), (level) => [1, 2, 3].includes(level));
        const yesNo = checkShape(timed(() => parseYesNo(text)), (answer) => typeof answer === "boolean");
        const handle = checkShape(timed(() => parseInstagramHandle(text)), (h) => /^(?!\.)(?!.*\.\.)[a-z0-9._]{1,30}(?<!\.)$/.test(h));
        return complexity && yesNo && handle;
      }),
      RUNS,
    );
  });

  it("parseTimeWindows returns known days and ordered ISO dates", () => {
    fc.assert(
      fc.property(anyText, (text) =>
        checkShape(timed(() => parseTimeWindows(text, NOW)), ({ windows, flexible }) =>
          typeof flexible === "boolean" &&
          windows.length <= 20 &&
          windows.every(
            (w) =>
              (w.days ?? []).every((d) => ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].includes(d)) &&
              [w.from, w.to].every((d) => d === undefined || ISO_DATE.test(d)) &&
              (w.from === undefined || w.to === undefined || w.from <= w.to),
          ),
        ),
      ),
      RUNS,
    );
  });

  it("parseSlotChoice returns an index into the offered slots with its id", () => {
    fc.assert(
      fc.property(anyText, (text) =>
        checkShape(timed(() => parseSlotChoice(text, SLOTS)), ({ index, id }) => SLOTS[index]?.id === id),
      ),
      RUNS,
    );
  });

  it("looksLikeMultiAnswer returns a boolean for every question", () => {
    fc.assert(
      fc.property(anyText, fc.constantFrom(...QUESTION_KEYS), (text, key) => typeof timed(() => looksLikeMultiAnswer(text, key)) === "boolean"),
      RUNS,
    );
  });

  it("survives hostile long inputs quickly", () => {
    const hostile = ["1,".repeat(2_500), "1".repeat(5_000), "a".repeat(5_000), "@".repeat(5_000), "x ".repeat(2_500), "- ".repeat(2_500), "ﷺ".repeat(5_000), "monday ".repeat(700), "instagram.com/".repeat(300)];
    for (const text of hostile) {
      timed(() => [
        parseDimensions(text), parseBudget(text), parseLocation(text), parseComplexity(text), parseYesNo(text),
        parseInstagramHandle(text), parseTimeWindows(text, NOW), parseSlotChoice(text, SLOTS), looksLikeMultiAnswer(text, "idea"),
      ]);
    }
  });
});

describe("round trips", () => {
  const tenths = fc.integer({ min: 1, max: MAX_DIMENSION_CM * 10 }).map((n) => n / 10);

  it("reads back any width x height written in cm", () => {
    fc.assert(
      fc.property(tenths, tenths, fc.constantFrom("x", " x ", " by ", "×"), (w, h, sep) => {
        expect(parseDimensions(`${w}${sep}${h}cm`)).toEqual({ ok: true, value: { widthCm: w, heightCm: h } });
      }),
      RUNS,
    );
  });

  it("reads back any whole-pound budget, with or without a thousands comma", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999 }), (pounds) => {
        const written = pounds.toLocaleString("en-GB");
        expect(parseBudget(`£${written}`)).toEqual({ ok: true, value: { amountMinor: pounds * 100, currency: "GBP" } });
      }),
      RUNS,
    );
  });

  it("reads back any position as a bare number or 'option N'", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: SLOTS.length }), fc.constantFrom("", "option ", "#", "number "), (n, prefix) => {
        expect(parseSlotChoice(`${prefix}${n}`, SLOTS)).toEqual({ ok: true, value: { index: n - 1, id: SLOTS[n - 1]?.id } });
      }),
      RUNS,
    );
  });
});
