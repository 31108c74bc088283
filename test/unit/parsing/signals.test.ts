import { describe, expect, it } from "vitest";
import { looksLikeMultiAnswer, type QuestionKey } from "../../../src/domain/parsing/index.ts";

describe("looksLikeMultiAnswer", () => {
  it.each<[string, QuestionKey, boolean]>([
    ["left forearm, about 10x15cm, blackwork, budget £400", "placement", true],
    ["a rose, 10cm, on my forearm", "idea", true],
    ["a snake wrapped around a dagger, black and grey, on my calf", "idea", true],
    ["London, and my insta is @ink.lover", "location_city", true],
    ["£400, I'm in Manchester", "budget", true],
    ["10x15cm, it's a cover up of an old tattoo", "dimensions", true],
    ["weekday evenings, budget around £500", "timing", true],
    ["left forearm", "placement", false],
    ["10x15cm", "dimensions", false],
    ["£400", "budget", false],
    ["London", "location_city", false],
    ["Spain", "location_country", false],
    ["a hand holding a rose", "idea", false],
    ["blackwork", "style", false],
    ["@ink.lover", "instagram", false],
    ["weekday evenings", "timing", false],
    ["", "idea", false],
  ])("%j for %s → %s", (text, key, expected) => {
    expect(looksLikeMultiAnswer(text, key)).toBe(expected);
  });
});
