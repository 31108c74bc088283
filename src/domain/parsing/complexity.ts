/**
 * Complexity parser: "2", "complexity_3", "pretty simple", "very detailed" → 1 | 2 | 3.
 *
 * Digits only count when they are the whole answer ("2", "level 2", "2/3"), never inside a
 * sentence ("3 roses" is not complexity 3). Words naming different levels are ambiguous.
 */
import { fail, ok, type ParseResult } from "./result.ts";
import { claimPhrases, longestFirst, normalizeText } from "./text.ts";

/** 1 = simple, 2 = some detail, 3 = complex/realistic. */
export type Complexity = 1 | 2 | 3;

/** Why a message could not be read as a complexity level. */
export type ComplexityFailure = "empty" | "no_match" | "ambiguous";

/** Phrases per level; longer phrases are matched first and claim their words. */
const LEVEL_PHRASES = {
  1: ["simple", "basic", "minimal", "minimalist", "easy", "low", "not detailed", "not complex", "not much detail",
    "little detail", "plain", "clean"],
  2: ["medium", "moderate", "some detail", "bit of detail", "a little detail", "in between", "inbetween",
    "middle", "mid", "average", "not too detailed", "not too complex", "not very detailed", "not that detailed",
    "fairly detailed", "semi detailed", "semi-detailed"],
  3: ["complex", "complicated", "detailed", "very detailed", "highly detailed", "super detailed", "intricate",
    "realistic", "realism", "photorealistic", "photo realistic", "lots of detail", "a lot of detail", "high",
    "heavy detail"],
} as const satisfies Record<Complexity, readonly string[]>;

const LEVELS = [1, 2, 3] as const;

/** A whole answer that is just a level: "2", "#2", "level two", "2/3", "2 out of 3", "a 2". */
const BARE_LEVEL = /^(?:level |option |complexity |a |#)?([1-3]|one|two|three)(?: ?\/ ?3| out of 3)?[.!]*$/;

/** WhatsApp reply-button ids sent for the three buttons. */
const BUTTON_ID = /^complexity_([1-3])$/;

const PHRASES = longestFirst(LEVELS.map((level) => [level, LEVEL_PHRASES[level]] as const));

function asLevel(digit: string | undefined): Complexity | null {
  if (digit === "1" || digit === "one") return 1;
  if (digit === "2" || digit === "two") return 2;
  return digit === "3" || digit === "three" ? 3 : null;
}

/** Reads a complexity level from a button id, a bare digit or descriptive words. */
export function parseComplexity(text: string): ParseResult<Complexity, ComplexityFailure> {
  const normalized = normalizeText(text);
  if (normalized === "") return fail("empty");
  const fromButton = asLevel(BUTTON_ID.exec(normalized)?.[1]);
  if (fromButton !== null) return ok(fromButton);
  const bare = asLevel(BARE_LEVEL.exec(normalized)?.[1]);
  if (bare !== null) return ok(bare);

  const found = new Set(claimPhrases(normalized, PHRASES));
  const [level, ...others] = found;
  if (level === undefined) return fail("no_match");
  return others.length > 0 ? fail("ambiguous") : ok(level);
}
