import { describe, expect, it } from "vitest";
import { parseComplexity } from "../../../src/domain/parsing/index.ts";

describe("parseComplexity", () => {
  it.each([
    ["1", 1],
    ["2", 2],
    ["3", 3],
    ["3.", 3],
    ["complexity_1", 1],
    ["complexity_2", 2],
    ["complexity_3", 3],
    ["level 2", 2],
    ["level two", 2],
    ["2/3", 2],
    ["a 3", 3],
    ["simple", 1],
    ["pretty basic", 1],
    ["minimal", 1],
    ["not detailed", 1],
    ["medium", 2],
    ["moderate", 2],
    ["some detail", 2],
    ["not too detailed", 2],
    ["complex", 3],
    ["very detailed", 3],
    ["detailed", 3],
    ["realistic", 3],
    ["photorealistic portrait", 3],
  ])("reads %j as %i", (text, level) => {
    expect(parseComplexity(text)).toEqual({ ok: true, value: level });
  });

  it.each([
    ["", "empty"],
    ["4", "no_match"],
    ["3 roses", "no_match"],
    ["complexity_4", "no_match"],
    ["a dragon", "no_match"],
    ["simple but detailed", "ambiguous"],
    ["medium or complex", "ambiguous"],
  ])("rejects %j with %s", (text, reason) => {
    expect(parseComplexity(text)).toEqual({ ok: false, reason });
  });
});
