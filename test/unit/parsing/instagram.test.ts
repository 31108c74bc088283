import { describe, expect, it } from "vitest";
import { parseInstagramHandle } from "../../../src/domain/parsing/index.ts";

describe("parseInstagramHandle", () => {
  it.each([
    ["@ink.lover_1", "ink.lover_1"],
    ["@Ink.Lover", "ink.lover"],
    ["ink.lover", "ink.lover"],
    ["instagram.com/ink.lover", "ink.lover"],
    ["https://www.instagram.com/ink.lover/?hl=en", "ink.lover"],
    ["http://instagram.com/ink.lover", "ink.lover"],
    ["https://instagram.com/stories/ink.lover/123", "ink.lover"],
    ["ig: ink.lover", "ink.lover"],
    ["IG - ink.lover", "ink.lover"],
    ["insta: ink_lover", "ink_lover"],
    ["my ig is @ink.lover.", "ink.lover"],
    ["my insta is ink.lover", "ink.lover"],
    ["it's ink_lover", "ink_lover"],
    ["no.pain.no.gain", "no.pain.no.gain"],
    ["@inklover and instagram.com/inklover", "inklover"],
    ["a".repeat(30), "a".repeat(30)],
  ])("reads %j as %j", (text, handle) => {
    expect(parseInstagramHandle(text)).toEqual({ ok: true, value: handle });
  });

  it.each([
    ["", "empty"],
    ["none", "none"],
    ["no", "none"],
    ["nope", "none"],
    ["don't have one", "none"],
    ["I don't have instagram sorry", "none"],
    ["not on insta", "none"],
    [".inklover", "invalid"],
    ["ink..lover", "invalid"],
    ["a".repeat(31), "invalid"],
    ["@josé", "invalid"],
    ["https://instagram.com/p/abc123", "invalid"],
    ["me@gmail.com", "invalid"],
    ["@one @two", "ambiguous"],
    ["yes", "no_handle"],
    ["ig", "no_handle"],
    ["I'll send it later", "no_handle"],
  ])("rejects %j with %s", (text, reason) => {
    expect(parseInstagramHandle(text)).toEqual({ ok: false, reason });
  });
});
