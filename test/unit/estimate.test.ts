import { describe, expect, it } from "vitest";
import { categoryForArea, estimate, meetsBudgetMinimum } from "../../src/domain/estimate.ts";
import { PRICING_RULES } from "../../src/domain/pricing-rules.ts";

describe("size category", () => {
  it.each([
    [5, 5, "SMALL"],
    [7, 7, "SMALL"],
    [10, 10, "MEDIUM"],
    [14, 14, "MEDIUM"],
    [20, 25, "LARGE"],
    [30, 40, "XL"],
  ] as const)("%s x %s cm at complexity 2 is %s", (w, h, category) => {
    expect(estimate({ widthCm: w, heightCm: h, complexity: 2, region: "UK" }).sizeCategory).toBe(category);
  });

  it("complexity 3 moves a piece up one category, never past XL", () => {
    expect(estimate({ widthCm: 7, heightCm: 7, complexity: 3, region: "UK" }).sizeCategory).toBe("MEDIUM");
    expect(estimate({ widthCm: 40, heightCm: 40, complexity: 3, region: "UK" }).sizeCategory).toBe("XL");
  });

  it("category boundaries are inclusive of the upper bound", () => {
    expect(categoryForArea(50)).toBe("SMALL");
    expect(categoryForArea(50.1)).toBe("MEDIUM");
  });
});

describe("estimate figures", () => {
  it("computes hours, a rounded price range and the deposit with its rule version and a trace", () => {
    const e = estimate({ widthCm: 10, heightCm: 15, complexity: 2, region: "UK" });
    expect(e.areaCm2).toBe(150);
    expect(e.hours).toBe(2.5); // 150/100 x 1.5 x 1 = 2.25 -> nearest half hour
    expect(e.estimatedDays).toBeNull();
    expect(e.price).toEqual({ minMinor: 26_000, maxMinor: 38_000, currency: "GBP" }); // 300 x 0.85 / 1.25
    expect(e.deposit).toEqual({ amountMinor: 10_000, currency: "GBP", ruleVersion: PRICING_RULES.version });
    expect(e.trace.join("\n")).toMatch(/area 10 x 15 cm = 150 cm²[\s\S]*deposit MEDIUM/);
  });

  it("gives XL pieces session days and a per-day deposit, capped", () => {
    const e = estimate({ widthCm: 40, heightCm: 60, complexity: 3, region: "UK" });
    expect(e.sizeCategory).toBe("XL");
    expect(e.hours).toBe(54);
    expect(e.estimatedDays).toBe(9);
    expect(e.deposit.amountMinor).toBe(PRICING_RULES.maxDepositMinor.UK);
    expect(e.trace.some((line) => line.includes("(capped)"))).toBe(true);
  });

  it("prices in the region's currency at its rate", () => {
    expect(estimate({ widthCm: 10, heightCm: 10, complexity: 1, region: "EUROPE" }).price.currency).toBe("EUR");
    expect(estimate({ widthCm: 10, heightCm: 10, complexity: 1, region: "ROW" }).deposit.currency).toBe("USD");
  });

  it("never goes below the minimum session", () => {
    expect(estimate({ widthCm: 2, heightCm: 2, complexity: 1, region: "UK" }).hours).toBe(PRICING_RULES.minimumHours);
  });

  it("is deterministic", () => {
    const input = { widthCm: 12.5, heightCm: 8, complexity: 2 as const, region: "UK" as const };
    expect(estimate(input)).toEqual(estimate(input));
  });
});

describe("budget minimum per region", () => {
  it.each([
    [{ amountMinor: 15_000, currency: "GBP" as const }, "UK" as const, true],
    [{ amountMinor: 14_999, currency: "GBP" as const }, "UK" as const, false],
    [{ amountMinor: 20_000, currency: "EUR" as const }, "UK" as const, true],
    [{ amountMinor: 15_000, currency: "USD" as const }, "UK" as const, false],
    [{ amountMinor: 17_000, currency: "EUR" as const }, "EUROPE" as const, false],
  ])("%o in %s meets the minimum: %s", (budget, region, ok) => {
    expect(meetsBudgetMinimum(budget, region)).toBe(ok);
  });
});
