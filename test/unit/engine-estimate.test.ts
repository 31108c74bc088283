/**
 * The estimate inside the consultation, and completion: the estimate is written onto the lead as
 * soon as its inputs are known (latest answers win), the deposit is quoted with its rule version
 * but never changed once locked, and the last answer sends the artist a summary.
 */
import { describe, expect, it } from "vitest";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import { PRICING_RULES } from "../../src/domain/pricing-rules.ts";
import type { TourOffer } from "../../src/domain/tour-schedule.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import { answersBefore, askedAbout, CLIENT, copyKeys, NOW, run, says, sendsPhoto, toArtist, transitions } from "../support/engine.ts";

const MEDIUM_UK = {
  region: "UK",
  sizeCategory: "MEDIUM",
  estimatedDays: null,
  priceMinMinor: 26_000,
  priceMaxMinor: 38_000,
  priceCurrency: "GBP",
  depositAmountMinor: 10_000,
  depositCurrency: "GBP",
  depositRuleVersion: PRICING_RULES.version,
};

/** A lead on the last question with every other answer given (some changed). */
const onLastQuestion = (changes: Parameters<typeof answersBefore>[1] = {}, overrides: Parameters<typeof askedAbout>[1] = {}) =>
  askedAbout("timing", { displayName: "Ari Lane", recentAnswers: answersBefore("timing", changes), ...overrides });

const artistText = (decision: ReturnType<typeof run>) => {
  const [summary, ...more] = toArtist(decision);
  expect(more).toEqual([]);
  return summary?.kind === "text" ? summary.body : "";
};

describe("the estimate is stored as soon as its inputs are known", () => {
  it("the city answer gives the region: size, price range, deposit with its rule version and the trace go on the lead", () => {
    const decision = run(askedAbout("location_city", { recentAnswers: answersBefore("location_city") }), says("Manchester"));
    expect(decision.patch).toMatchObject(MEDIUM_UK);
    expect(decision.patch.estimateTrace).toMatchObject({
      rulesVersion: PRICING_RULES.version,
      inputs: { widthCm: 10, heightCm: 15, complexity: 2, region: "UK", regionFrom: "location" },
      areaCm2: 150,
      hours: 2.5,
    });
    expect(decision.patch.estimateTrace?.lines.join("\n")).toMatch(/area 10 x 15 cm = 150 cm²[\s\S]*deposit MEDIUM/);
    expect(decision.events).toContainEqual(expect.objectContaining({ type: "estimate.updated" }));
  });

  it("before the region is known nothing is estimated", () => {
    const decision = run(askedAbout("complexity", { recentAnswers: answersBefore("complexity") }), says("2"));
    expect(decision.patch.sizeCategory).toBeUndefined();
    expect(decision.patch.depositAmountMinor).toBeUndefined();
  });

  it("the country answer decides the region: a client in Germany is priced in euros", () => {
    const decision = run(askedAbout("location_country", { recentAnswers: answersBefore("location_country") }), says("Germany"));
    expect(decision.patch).toMatchObject({ region: "EUROPE", priceCurrency: "EUR", depositCurrency: "EUR", depositAmountMinor: 12_000 });
  });

  it("the latest size wins: a larger size given later makes an XL piece with session days", () => {
    const recentAnswers = [...answersBefore("location_city"), { questionKey: "dimensions", rawText: "40 x 60 cm", value: { widthCm: 40, heightCm: 60 } }];
    const decision = run(askedAbout("location_city", { recentAnswers }), says("Manchester"));
    expect(decision.patch).toMatchObject({ sizeCategory: "XL", estimatedDays: 6 });
  });

  it("a locked deposit is never changed by the estimate (the size category still is)", () => {
    const lead = askedAbout("location_city", { recentAnswers: answersBefore("location_city"), depositLockedAt: new Date(NOW.getTime() - 1000) });
    const decision = run(lead, says("Manchester"));
    expect(decision.patch.sizeCategory).toBe("MEDIUM");
    expect(decision.patch).not.toHaveProperty("depositAmountMinor");
    expect(decision.patch).not.toHaveProperty("depositRuleVersion");
  });
});

describe("completion", () => {
  it("the last answer: PENDING_APPROVAL, the estimate stored, the client told what happens next, the artist notified now", () => {
    const decision = run(onLastQuestion(), says(GOOD_ANSWERS.timing.text));
    expect(transitions(decision)).toEqual([[LeadStatus.QUALIFYING, LeadStatus.PENDING_APPROVAL]]);
    expect(copyKeys(decision)).toEqual(["consultation.complete"]);
    expect(decision.patch).toMatchObject({ ...MEDIUM_UK, currentQuestion: null, consultationCompletedAt: NOW, artistNotifiedAt: NOW });
    expect(toArtist(decision).map((o) => o.copyKey)).toEqual(["summary.artist"]);
  });

  it("the artist's summary: who, every answer in question order, the estimate, the images and the flags", () => {
    const text = artistText(run(onLastQuestion(), says(GOOD_ANSWERS.timing.text)));
    expect(text).toBe(
      [
        "New consultation ready for your review.",
        `Client: Ari Lane, ${CLIENT}`,
        "Brief: 4/5 complete, missing: references",
        "",
        "Answers:",
        "• Idea: a koi fish swimming upstream",
        "• Placement: left forearm",
        "• Size: 10 x 15 cm",
        "• Style: blackwork",
        "• Detail (1–3): 2",
        "• Cover-up: no",
        "• Reference images: no",
        "• Budget: £400",
        "• City: Manchester",
        "• Country: United Kingdom",
        "• Instagram: @ink.lover",
        "• Session city: same",
        "• Timing: weekday evenings",
        "",
        "Estimate: Medium, about 2.5 h",
        "Price range (internal): £260–£380",
        `Deposit: £100 (rules ${PRICING_RULES.version})`,
        "Reference images: 0",
        "Flags: none",
        "",
        `Reply to them on WhatsApp at ${CLIENT}.`,
      ].join("\n"),
    );
  });

  it("latest answer wins, listed in question order whatever order they came in", () => {
    const recentAnswers = [
      ...answersBefore("timing"),
      { questionKey: "budget", rawText: "£900 actually", value: { amountMinor: 90_000, currency: "GBP" } },
      { questionKey: "placement", rawText: "right calf", value: { text: "right calf" } },
    ];
    const text = artistText(run(onLastQuestion({}, { recentAnswers }), says(GOOD_ANSWERS.timing.text)));
    expect(text).toContain("• Placement: right calf\n• Size: 10 x 15 cm");
    expect(text).toContain("• Budget: £900 actually\n• City: Manchester");
    expect(text).not.toContain("left forearm");
    expect(text).not.toContain("• Budget: £400");
  });

  it("an XL piece reads with its session days; the images count includes one sent with the last answer", () => {
    const changes = { dimensions: { text: "40 x 60 cm", value: { widthCm: 40, heightCm: 60 } } };
    const decision = run(onLastQuestion(changes, { attachmentCount: 2 }), sendsPhoto("media-9", "weekday evenings"));
    const text = artistText(decision);
    expect(text).toContain("Estimate: XL, about 36 h, 6 session days");
    expect(text).toContain("Reference images: 3");
  });

  it("flags: cover-up, complexity 3, several answers in one message (a cover-up then goes to the artist as a handover)", () => {
    const changes = { coverup: { text: "yes", value: true }, complexity: { text: "3", value: 3 } };
    const decision = run(onLastQuestion(changes, { multiAnswerNotedAt: NOW }), says(GOOD_ANSWERS.timing.text));
    const [summary, handover] = toArtist(decision);
    expect(summary?.copyKey).toBe("summary.artist");
    expect(handover?.copyKey).toBe("handover.artist");
    expect(summary?.kind === "text" ? summary.body : "").toContain("Flags: cover-up; very detailed (complexity 3); gave several answers in one message");
  });

  it("the brief's completeness: what is present out of what the artist needs, the missing named, kept on the lead", () => {
    const full = run(onLastQuestion({}, { attachmentCount: 1 }), says(GOOD_ANSWERS.timing.text));
    expect(artistText(full)).toContain("Brief: 5/5 complete\n");
    expect(full.patch.brief).toEqual({ score: 5, total: 5, missing: [] });
    const coverup = { coverup: { text: "yes", value: true } };
    const partial = run(onLastQuestion(coverup), says(GOOD_ANSWERS.timing.text));
    const [summary] = toArtist(partial);
    expect(summary?.kind === "text" ? summary.body : "").toContain("Brief: 4/6 complete, missing: references, photo of the tattoo to cover");
    expect(partial.patch.brief).toEqual({ score: 4, total: 6, missing: ["references", "coverup_photo"] });
  });

  it("a budget below the minimum is flagged with the tour stop the client accepted, and the session city is the stop", () => {
    const stop = { city: "London", country: "United Kingdom", region: "UK" as const, from: "2026-04-01", to: "2026-04-07" };
    const tourOffer: TourOffer = {
      at: NOW.toISOString(),
      region: "UK",
      budget: { amountMinor: 10_000, currency: "GBP" },
      minimum: { amountMinor: 15_000, currency: "GBP" },
      stops: [stop],
      outcome: "accepted",
      accepted: stop,
    };
    const recentAnswers = answersBefore("timing", { budget: { text: "£100", value: { amountMinor: 10_000, currency: "GBP" } } }).filter(
      (a) => a.questionKey !== "travel_city",
    );
    const decision = run(onLastQuestion({}, { recentAnswers, tourOffer }), says(GOOD_ANSWERS.timing.text));
    expect(copyKeys(decision)).toEqual(["consultation.complete_tour"]);
    const text = artistText(decision);
    expect(text).toMatch(/• Instagram: @ink\.lover\n• Session city: London \(tour stop, 1\s?–\s?7 Apr 2026\)\n• Timing/u);
    expect(text).toMatch(/Flags: budget £100 is below the UK minimum of £150; accepted the London tour stop \(1\s?–\s?7 Apr 2026\)/u);
  });

  it("a budget below the minimum that was never checked is still flagged", () => {
    const changes = { budget: { text: "£50", value: { amountMinor: 5_000, currency: "GBP" } } };
    const text = artistText(run(onLastQuestion(changes), says(GOOD_ANSWERS.timing.text)));
    expect(text).toContain("Flags: budget £50 is below the UK minimum of £150");
  });

  it("without a size the summary says there is no estimate, and nothing is estimated", () => {
    const recentAnswers = answersBefore("timing").filter((a) => a.questionKey !== "dimensions");
    const decision = run(onLastQuestion({}, { recentAnswers }), says(GOOD_ANSWERS.timing.text));
    expect(artistText(decision)).toContain("Estimate: not enough answers for an estimate\n");
    expect(decision.patch.sizeCategory).toBeUndefined();
    expect(decision.transitions.at(-1)?.to).toBe(LeadStatus.PENDING_APPROVAL);
  });
});
