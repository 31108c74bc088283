import { describe, expect, it } from "vitest";
import { findPhrase, MAX_INPUT_CHARS, normalizeText, parseDecimal } from "../../../src/domain/parsing/text.ts";

describe("parseDecimal", () => {
  it.each<[string, boolean, number | null]>([
    ["400", false, 400],
    ["7.5", false, 7.5],
    ["7,5", false, 7.5],
    ["1,200", false, 1200],
    ["1.200", false, 1.2],
    ["1.200", true, 1200],
    ["1,200.50", true, 1200.5],
    ["1.200,50", true, 1200.5],
    ["1,000,000", true, 1_000_000],
    ["0.001", true, 0.001],
    ["1.2.3", false, null],
    ["1,2.5", true, null],
    ["12a", false, null],
  ])("reads %j (dotThousands %s) as %s", (raw, dotThousands, expected) => {
    expect(parseDecimal(raw, { dotThousands })).toBe(expected);
  });
});

describe("normalizeText", () => {
  it("folds width, quotes, dashes, case and spacing", () => {
    expect(normalizeText("  １０ｘ１２ — I’m  “SURE”  ")).toBe("10x12 - i'm \"sure\"");
  });

  it("caps what it reads and tolerates non-strings", () => {
    expect(MAX_INPUT_CHARS).toBe(2_000);
    expect(normalizeText("a".repeat(10_000)).length).toBe(2_000);
    expect(normalizeText(undefined)).toBe("");
  });
});

describe("findPhrase", () => {
  it("matches on word boundaries only", () => {
    expect(findPhrase("take the bus", "us")).toBe(-1);
    expect(findPhrase("in the us.", "the us")).toBe(3);
    expect(findPhrase("u.k. based", "u.k.")).toBe(0);
  });
});
