/**
 * The pure pieces behind "understand clients the first time": plausibility checks, the brief's
 * completeness, answers kept from a message about another question, questions to the artist, and
 * half sizes. Table tests plus fast-check properties.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extraAnswers } from "../../src/domain/answer-extras.ts";
import { BRIEF_ITEMS, briefCompleteness } from "../../src/domain/engine/completeness.ts";
import { checkBudget, checkDimensions, MIN_SIDE_CM, placementLimit, smallestTattooMinor } from "../../src/domain/engine/plausibility.ts";
import { amountQuestion, artistQuestion, priceTalk, questionTrigger } from "../../src/domain/engine/triggers.ts";
import { parseDimensions, parseLocation, parseTimeWindows } from "../../src/domain/parsing/index.ts";
import { answersBefore, askedAbout, conversation, copyKeys, eventTypes, NOW, replies, run, says, taps } from "../support/engine.ts";

describe("plausibility", () => {
  it("a bare 5 is £5, below the smallest tattoo: confirmed as £500", () => {
    expect(checkBudget({ amountMinor: 500, currency: "GBP" }, null, "5")).toMatchObject({ suggestion: { amountMinor: 50_000, currency: "GBP" } });
    expect(checkBudget({ amountMinor: 40_000, currency: "GBP" }, null, "£400")).toBeNull();
  });

  it("a budget is checked iff it is below the region's smallest tattoo; a suggestion always clears it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom("GBP", "EUR", "USD" as const), fc.constantFrom("UK", "EUROPE", "ROW", null), (minor, currency, region) => {
        const check = checkBudget({ amountMinor: minor, currency }, region, null);
        const floor = smallestTattooMinor(region ?? (currency === "GBP" ? "UK" : currency === "EUR" ? "EUROPE" : "ROW"), currency);
        expect(check === null).toBe(minor >= floor);
        if (check?.suggestion) {
          expect(check.suggestion.amountMinor).toBeGreaterThanOrEqual(floor);
          expect([10, 100, 1000]).toContain(check.suggestion.amountMinor / minor);
        }
      }),
    );
  });

  it("a few millimetres are confirmed as centimetres; a back-sized piece on a finger is confirmed as it is", () => {
    expect(checkDimensions({ widthCm: 0.3, heightCm: 0.3 }, null, "3mm")).toMatchObject({ reason: "tiny", suggestion: { widthCm: 3, heightCm: 3 } });
    expect(checkDimensions({ widthCm: 30, heightCm: 40 }, "my ring finger", null)).toMatchObject({ reason: "too_big_for_placement", placement: "finger", suggestion: null });
    expect(checkDimensions({ widthCm: 30, heightCm: 40 }, "left forearm", null)).toBeNull();
    expect(placementLimit("back of my hand")).toMatchObject({ part: "hand" });
    expect(placementLimit("upper back")).toBeNull();
  });

  it("a size with both sides at least 1 cm is never checked without a small placement", () => {
    fc.assert(
      fc.property(fc.double({ min: MIN_SIDE_CM, max: 300, noNaN: true }), fc.double({ min: MIN_SIDE_CM, max: 300, noNaN: true }), (w, h) => {
        expect(checkDimensions({ widthCm: w, heightCm: h }, "upper back", null)).toBeNull();
      }),
    );
  });
});

describe("the brief's completeness", () => {
  it("counts what is present out of what the artist needs; a cover-up also needs a photo of the tattoo", () => {
    expect(briefCompleteness(answersBefore(null), 0)).toEqual({ score: 4, total: 5, missing: ["references"] });
    expect(briefCompleteness(answersBefore(null), 2)).toEqual({ score: 5, total: 5, missing: [] });
    expect(briefCompleteness([], 0)).toEqual({ score: 0, total: 5, missing: ["placement", "size", "references", "budget", "timing"] });
    const coverup = answersBefore(null, { coverup: { text: "yes", value: true } });
    expect(briefCompleteness(coverup, 1)).toEqual({ score: 5, total: 6, missing: ["coverup_photo"] });
  });

  it("score and missing always add up to the total", () => {
    const answer = fc.record({
      questionKey: fc.constantFrom("placement", "dimensions", "budget", "timing", "coverup", "reference_images", "idea"),
      rawText: fc.constant(null),
      value: fc.oneof(fc.boolean(), fc.constant({ text: "x" }), fc.constant({ widthCm: 1, heightCm: 2 }), fc.constant({ provided: true }), fc.constant(null)),
    });
    fc.assert(
      fc.property(fc.array(answer, { maxLength: 12 }), fc.nat(5), (answers, files) => {
        const brief = briefCompleteness(answers, files);
        expect(brief.score + brief.missing.length).toBe(brief.total);
        expect([5, 6]).toContain(brief.total);
        for (const item of brief.missing) expect(BRIEF_ITEMS).toContain(item);
      }),
    );
  });
});

describe("several answers in one message", () => {
  const ctx = { now: NOW, home: null };
  it.each([
    ["about 12 by 8 cm, thinking around 300 quid", "placement", ["dimensions", "budget"]],
    ["left forearm, about 10x15cm, blackwork, budget £400", "placement", ["dimensions", "style", "budget"]],
    ["fine line, @lucy.ink", "idea", ["style", "instagram"]],
    ["10x15cm or 20x30cm", "placement", []],
    ["a koi fish swimming upstream", "idea", []],
  ] as const)("%j at %s keeps %j", (text, current, keys) => {
    expect(extraAnswers(text, current, new Set(), ctx).map((a) => a.key)).toEqual(keys);
  });

  it("never keeps an answer to a question already answered or already passed", () => {
    expect(extraAnswers("10x15cm, £400", "placement", new Set(["budget"]), ctx).map((a) => a.key)).toEqual(["dimensions"]);
    expect(extraAnswers("10x15cm, £400", "style", new Set(), ctx).map((a) => a.key)).toEqual(["budget"]);
  });
});

describe("questions to the artist are never answers", () => {
  it.each(["do you do cover ups?", "Hi, do you do colour?", "how long does it take to heal", "what styles do you do", "can we chat about size on the day?", "Left arm. Do you do fine line?"])(
    "%j is a question for the artist",
    (text) => {
      expect(artistQuestion(text, "Mara")).toBe(true);
    },
  );
  it.each(["can it be done in one session?", "can i pay cash", "am i talking to a bot", "r u open on saturdays", "hello?? anyone there", "is it gonna take long", "do i need to bring ID"])(
    "%j names no \"you\" but is still a question for the artist",
    (text) => {
      expect(artistQuestion(text, "Mara")).toBe(true);
    },
  );
  it.each(["left forearm", "is forearm ok?", "forearm?", "whenever suits you", "weekday evenings", "I'm in Leeds", "could it go on my lower back?", "a robot holding a flower", "can it be a tarot card with a moon"])("%j is not", (text) => {
    expect(artistQuestion(text, "Mara")).toBe(false);
  });
  it.each(["any chance the price could be a bit lower? money's tight atm", "was wondering if the price could be lower", "can't afford much to be honest", "do you do student discounts"])(
    "%j is price talk: handed over",
    (text) => {
      expect(questionTrigger(text)).toBe("price_question");
    },
  );
  it.each(["is £200 enough?", "forearm, would 300 quid cover it?", "would 2k do"])("%j asks about an amount: price talk at any question but the budget", (text) => {
    expect(amountQuestion(text)).toBe(true);
    const decision = run(askedAbout("placement"), says(text));
    expect(decision.answers).toEqual([]);
    expect(copyKeys(decision)).toEqual(["handover.client.price_question"]);
    expect(run(askedAbout("budget", { recentAnswers: answersBefore("budget") }), says(text)).answers.map((a) => a.questionKey)).toEqual(["budget"]);
  });
  it.each(["£400", "10 x 15 cm, is that ok?", "left forearm", "the 2nd of May?"])("%j asks about no amount", (text) => {
    expect(amountQuestion(text)).toBe(false);
  });
  it.each(["£400", "budget max 300", "lower back", "could it go on my lower back?"])("%j is not price talk", (text) => {
    expect(priceTalk(text)).toBe(false);
    expect(questionTrigger(text)).toBeNull();
  });
});

describe("half sizes and indifference", () => {
  it.each(["15 x", "by 20", "15 by", "x 12 cm"])("%j is half a size: repaired, not a square", (text) => {
    expect(parseDimensions(text)).toEqual({ ok: false, reason: "half_size" });
  });
  it.each(["whatever works", "not bothered", "no rush", "up to you", "doesn't matter"])("%j is a flexible time", (text) => {
    expect(parseTimeWindows(text, NOW)).toMatchObject({ ok: true, value: { flexible: true } });
  });
  it.each(["anywhere's fine", "not bothered", "whatever works", "up to you"])("%j is a flexible place", (text) => {
    expect(parseLocation(text)).toMatchObject({ ok: true, value: { flexible: true } });
  });
});

describe("the engine: confirming, holding replies, handovers", () => {
  const atBudget = () => askedAbout("budget", { recentAnswers: answersBefore("budget") });

  it("\"5\" at the budget: \"did you mean £500?\" with buttons; Yes stores £500 and moves on", () => {
    const { decisions, lead } = conversation(atBudget(), [says("5"), taps("check_yes", "Yes")]);
    expect(replies(decisions[0] ?? run(atBudget(), says("5")))).toEqual(["Just to check — did you mean £500? [Yes | No, let me fix it]"]);
    expect(decisions[0]?.answers).toEqual([]);
    expect(decisions[1]?.answers).toMatchObject([{ questionKey: "budget", rawText: "£500", value: { amountMinor: 50_000, currency: "GBP" } }]);
    expect(copyKeys(decisions[1] ?? run(atBudget(), says("5")))).toEqual(["question.location_city"]);
    expect(lead.pendingCheck).toBeNull();
  });

  it("a typed \"no\" asks again without counting a failure; a fresh amount instead of yes/no is read as the answer", () => {
    const declined = conversation(atBudget(), [says("5"), says("no")]);
    expect(declined.decisions.map(copyKeys)).toEqual([["check.did_you_mean"], ["check.declined"]]);
    expect(declined.lead.failureCounts).toEqual({});
    const fresh = conversation(atBudget(), [says("5"), says("£450")]);
    expect(fresh.decisions[1]?.answers).toMatchObject([{ questionKey: "budget", value: { amountMinor: 45_000 } }]);
  });

  it("a size too big for a finger is confirmed as it is; Yes keeps it", () => {
    const lead = askedAbout("dimensions", { recentAnswers: answersBefore("dimensions", { placement: { text: "my ring finger", value: { text: "my ring finger" } } }) });
    const { decisions } = conversation(lead, [says("30 x 40 cm"), says("yes")]);
    expect(replies(decisions[0] ?? run(lead, says("x")))[0]).toContain("Just to check — 30 x 40 cm on your finger?");
    expect(decisions[1]?.answers).toMatchObject([{ questionKey: "dimensions", value: { widthCm: 30, heightCm: 40 } }]);
  });

  it("a question to the artist gets a holding reply and the question again; nothing stored", () => {
    const decision = run(askedAbout("style"), says("do you do watercolour?"));
    expect(decision.answers).toEqual([]);
    expect(copyKeys(decision)).toEqual(["consultation.question_noted"]);
    expect(replies(decision)[0]).toContain("Which style are you after?");
    expect(eventTypes(decision)).toContain("consultation.client_question");
  });

  it("the first message after a handover always gets a holding reply; the next within the cooldown does not", () => {
    const { decisions } = conversation(askedAbout("placement"), [says("any chance the price could be a bit lower?"), says("are you there?"), says("hello??")]);
    expect(decisions.map(copyKeys)).toEqual([["handover.client.price_question"], ["handover.holding"], []]);
  });
});

describe("a check left open", () => {
  it("is dropped when the client is handed over, so a later \"yes\" cannot confirm it", () => {
    const lead = askedAbout("budget", { recentAnswers: answersBefore("budget") });
    const { decisions, lead: after } = conversation(lead, [says("5"), says("HUMAN")]);
    expect(decisions[0]?.patch.pendingCheck).toMatchObject({ question: "budget" });
    expect(decisions[1]?.patch.pendingCheck).toBeNull();
    expect(after.pendingCheck).toBeNull();
  });
});
