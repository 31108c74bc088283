import { describe, expect, it } from "vitest";
import { parseYesNo } from "../../../src/domain/parsing/index.ts";

describe("parseYesNo", () => {
  it.each([
    ["yes", true],
    ["Yes!", true],
    ["y", true],
    ["yeah", true],
    ["yep", true],
    ["sure", true],
    ["ok", true],
    ["definitely", true],
    ["yes please", true],
    ["👍", true],
    ["👍🏽", true],
    ["I think so", true],
    ["yes, it's over an old tattoo", true],
    ["no", false],
    ["No.", false],
    ["n", false],
    ["nope", false],
    ["nah", false],
    ["not really", false],
    ["👎", false],
    ["no thanks", false],
    ["I don't think so", false],
    ["no, it's a new piece", false],
    ["no but I have a photo", false],
  ])("reads %j as %s", (text, value) => {
    expect(parseYesNo(text)).toEqual({ ok: true, value });
  });

  it.each([
    ["", "empty"],
    ["maybe", "unsure"],
    ["not sure", "unsure"],
    ["no idea", "unsure"],
    ["dunno", "unsure"],
    ["yes and no", "ambiguous"],
    ["hello", "no_match"],
    ["a dragon", "no_match"],
  ])("rejects %j with %s", (text, reason) => {
    expect(parseYesNo(text)).toEqual({ ok: false, reason });
  });
});
