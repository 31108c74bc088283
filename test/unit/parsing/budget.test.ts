import { describe, expect, it } from "vitest";
import { parseBudget } from "../../../src/domain/parsing/index.ts";

describe("parseBudget", () => {
  it.each([
    ["400", 40_000, "GBP"],
    ["£400", 40_000, "GBP"],
    ["£ 400", 40_000, "GBP"],
    ["400 pounds", 40_000, "GBP"],
    ["400 quid", 40_000, "GBP"],
    ["400gbp", 40_000, "GBP"],
    ["GBP 400", 40_000, "GBP"],
    ["£1,200", 120_000, "GBP"],
    ["1,200", 120_000, "GBP"],
    ["1.5k", 150_000, "GBP"],
    ["1,5k", 150_000, "GBP"],
    ["£2k", 200_000, "GBP"],
    ["2K", 200_000, "GBP"],
    ["2 grand", 200_000, "GBP"],
    ["around £500", 50_000, "GBP"],
    ["about 300", 30_000, "GBP"],
    ["~400", 40_000, "GBP"],
    ["£400.50", 40_050, "GBP"],
    ["£400-500", 40_000, "GBP"],
    ["£400 - £500", 40_000, "GBP"],
    ["£400-£500", 40_000, "GBP"],
    ["400–500", 40_000, "GBP"],
    ["400 to 500 pounds", 40_000, "GBP"],
    ["between 400 and 600", 40_000, "GBP"],
    ["between £400 and £600", 40_000, "GBP"],
    ["1-1.5k", 100_000, "GBP"],
    ["500-1k", 50_000, "GBP"],
    ["$400", 40_000, "USD"],
    ["400 dollars", 40_000, "USD"],
    ["usd 400", 40_000, "USD"],
    ["US$400", 40_000, "USD"],
    ["€350", 35_000, "EUR"],
    ["350€", 35_000, "EUR"],
    ["350 euros", 35_000, "EUR"],
    ["eur 350", 35_000, "EUR"],
    ["€1.200", 120_000, "EUR"],
    ["€1.200,50", 120_050, "EUR"],
    ["2 sessions at £300", 30_000, "GBP"],
    ["my budget is £600 for 2 pieces", 60_000, "GBP"],
    ["not sure, maybe £400", 40_000, "GBP"],
    ["£400 max", 40_000, "GBP"],
    ["＄400", 40_000, "USD"],
  ])("reads %j as %i minor %s", (text, amountMinor, currency) => {
    expect(parseBudget(text)).toEqual({ ok: true, value: { amountMinor, currency } });
  });

  it("uses the default currency only when none is named", () => {
    expect(parseBudget("400", { defaultCurrency: "EUR" })).toEqual({ ok: true, value: { amountMinor: 40_000, currency: "EUR" } });
    expect(parseBudget("$400", { defaultCurrency: "EUR" })).toEqual({ ok: true, value: { amountMinor: 40_000, currency: "USD" } });
  });

  it.each([
    ["", "empty"],
    ["0", "zero_or_negative"],
    ["£0", "zero_or_negative"],
    ["-400", "zero_or_negative"],
    ["£-400", "zero_or_negative"],
    ["£0.001", "zero_or_negative"],
    ["no idea", "unknown"],
    ["not sure", "unknown"],
    ["dunno tbh", "unknown"],
    ["whatever it costs", "unknown"],
    ["hmm", "no_number"],
    ["a few hundred", "no_number"],
    ["$400 or €500", "ambiguous"],
    ["£400 for the arm and £200 for the hand", "ambiguous"],
    ["400, maybe 500 later, and 600 total", "ambiguous"],
    ["£1,000,000,000", "too_large"],
    ["£1.2.3", "ambiguous"],
  ])("rejects %j with %s", (text, reason) => {
    expect(parseBudget(text)).toEqual({ ok: false, reason });
  });
});
