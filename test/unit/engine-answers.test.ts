/**
 * The engine reading answers: every question has a parser, a failed answer is repaired with a
 * hint and does not advance, closed questions are reply buttons (typing still works), several
 * answers in one message are taken one question at a time, and wrong-field answers are refused.
 */
import { describe, expect, it } from "vitest";
import { repairCopyKey } from "../../src/domain/answer-readers.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import type { Outbound } from "../../src/domain/messages.ts";
import { WHATSAPP_LIMITS } from "../../src/domain/messages.ts";
import { QUESTIONS, QUESTION_KEYS, type QuestionKey } from "../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import {
  applied,
  askedAbout,
  CONFIG,
  conversation,
  copyKeys,
  eventTypes,
  NOW,
  replies,
  run,
  says,
  sendsPhoto,
  taps,
} from "../support/engine.ts";

const params = { artistName: "Mara", greetingName: "", replyDays: 3 };
const question = (key: QuestionKey) => renderCopy(`question.${key}`, params);
const buttonsOf = (o: Outbound | undefined) => (o?.kind === "buttons" ? o.buttons : []);

describe("a failed answer is repaired with a hint, and the question is not left", () => {
  it.each([
    ["idea", "yes", "repair.idea"],
    ["idea", "not sure", "repair.idea"],
    ["idea", "continue", "repair.idea"],
    ["placement", "£400", "repair.wrong_field"],
    ["placement", "?", "repair.placement"],
    ["dimensions", "big", "repair.dimensions"],
    ["dimensions", "£40", "repair.wrong_field"],
    ["dimensions", "500 x 500 cm", "repair.dimensions_too_large"],
    ["style", "10x15cm", "repair.wrong_field"],
    ["complexity", "purple", "repair.complexity"],
    ["coverup", "purple", "repair.coverup"],
    ["coverup", "maybe", "repair.coverup"],
    ["reference_images", "purple", "repair.reference_images"],
    ["budget", "no idea", "repair.budget"],
    ["budget", "10x15cm", "repair.wrong_field"],
    ["budget", "£0", "repair.budget"],
    ["location_city", "UK", "repair.location_city"],
    ["location_city", "somewhere nice", "repair.location_city"],
    ["location_country", "Atlantis", "repair.location_country"],
    ["instagram", "ink..lover!!", "repair.instagram"],
    ["travel_city", "purple", "repair.travel_city"],
    ["timing", "purple", "repair.timing"],
  ] as const)("at %s, %j: %s, one failure counted, still on the question", (key, text, repairKey) => {
    const decision = run(askedAbout(key, { failureCounts: { idea: 1 } }), says(text));
    expect(decision.answers).toEqual([]);
    expect(copyKeys(decision)).toEqual([repairKey]);
    expect(decision.patch.currentQuestion).toBe(key);
    expect(decision.patch.failureCounts).toEqual({ idea: key === "idea" ? 2 : 1, ...(key === "idea" ? {} : { [key]: 1 }) });
    expect(decision.transitions).toEqual([]);
    expect(decision.events).toContainEqual(expect.objectContaining({ type: "answer.rejected", payload: expect.objectContaining({ question: key }) as unknown }));
  });

  it("an old button tapped again (from an earlier question) answers nothing: the question is asked again, no failure counted", () => {
    const decision = run(askedAbout("budget"), taps("complexity_2", "2 · Some detail"));
    expect(decision.answers).toEqual([]);
    expect(copyKeys(decision)).toEqual(["question.budget"]);
    expect(decision.patch.failureCounts).toBeUndefined();
    expect(eventTypes(decision)).toContain("answer.stale_button");
  });

  it("a wrong-field answer is thanked and the question asked again in the same message", () => {
    const decision = run(askedAbout("placement"), says("£400"));
    expect(replies(decision)).toEqual([`Thanks, I'll ask about that in a moment. First: ${question("placement")}`]);
  });

  it("a free-text answer longer than a message should be is asked for again, shorter", () => {
    const decision = run(askedAbout("idea"), says("a koi fish ".repeat(100)));
    expect(copyKeys(decision)).toEqual(["repair.too_long"]);
    expect(replies(decision)[0]).toContain(question("idea"));
  });

  it("every question has its own repair hint, and each one renders", () => {
    for (const key of QUESTION_KEYS) {
      const copyKey = repairCopyKey(key, "no_match");
      expect(copyKey).toBe(`repair.${key}`);
      expect(renderCopy(copyKey, { ...params, question: question(key) })).not.toMatch(/[{}]/);
    }
  });

  it("a repaired answer then a good one: the good one is recorded and the consultation moves on", () => {
    const { decisions, lead } = conversation(askedAbout("dimensions"), [says("quite big"), says("10 x 15 cm")]);
    expect(decisions.map(copyKeys)).toEqual([["repair.dimensions"], ["question.style"]]);
    expect(decisions.flatMap((d) => d.answers.map((a) => a.value))).toEqual([{ widthCm: 10, heightCm: 15 }]);
    expect(lead).toMatchObject({ currentQuestion: "style", failureCounts: { dimensions: 1 } });
  });

  it("'yes' to reference images asks for the pictures without counting a failure; a photo then answers", () => {
    const { decisions, lead } = conversation(askedAbout("reference_images"), [taps("yes", "Yes, sending now"), sendsPhoto("media-7")]);
    expect(decisions.map(copyKeys)).toEqual([["repair.reference_images_send"], ["question.budget"]]);
    expect(decisions[0]?.patch.failureCounts).toBeUndefined();
    expect(decisions[1]?.answers[0]).toMatchObject({ questionKey: "reference_images", value: { provided: true, mediaId: "media-7" } });
    expect(lead.currentQuestion).toBe("budget");
  });
});

describe("answers that are valid in their own way", () => {
  it.each([
    ["instagram", "none", null],
    ["instagram", "I don't have one", null],
    ["travel_city", "anywhere", { region: "UK", flexible: true }],
    ["travel_city", "Berlin", { city: "Berlin", country: "Germany", countryCode: "DE", region: "EUROPE", flexible: false }],
    ["location_country", "Manchester", { city: "Manchester", country: "United Kingdom", countryCode: "GB", region: "UK", flexible: false }],
    ["complexity", "some detail", 2],
    ["complexity", "complexity_1", 1],
    ["coverup", "nope, new skin", false],
    ["timing", "asap", { windows: [], flexible: true }],
    ["idea", "🌹", { text: "🌹" }],
    ["budget", "around 1.5k", { amountMinor: 150_000, currency: "GBP" }],
    ["location_city", "Hebden Bridge, UK", { city: "Hebden Bridge", countryCode: "GB", region: "UK" }],
  ] as const)("at %s, %j is stored as %j", (key, text, value) => {
    const decision = run(askedAbout(key), says(text));
    expect(decision.answers).toMatchObject([{ questionKey: key, rawText: text, value }]);
  });

  it("'same' as the travel city is the home city the client gave", () => {
    const home = { questionKey: "location_city", rawText: "Leeds", value: { city: "Leeds", country: "United Kingdom", countryCode: "GB", region: "UK", flexible: false } };
    const decision = run(askedAbout("travel_city", { recentAnswers: [home] }), says("Same city"));
    expect(decision.answers[0]?.value).toEqual(home.value);
  });

  it("'same' with no home city on record is asked again rather than guessed", () => {
    const decision = run(askedAbout("travel_city"), says("same"));
    expect(copyKeys(decision)).toEqual(["repair.travel_city"]);
  });

  it("a picture answers the idea question (with or without words)", () => {
    const decision = run(askedAbout("idea"), sendsPhoto("media-3"));
    expect(decision.answers).toMatchObject([{ questionKey: "idea", rawText: null, value: { text: null, mediaId: "media-3" } }]);
    expect(copyKeys(decision)).toEqual(["question.placement"]);
  });

  it("more pictures after the reference question are kept, and the client is not asked anything again", () => {
    const decision = run(askedAbout("budget"), sendsPhoto("media-9"));
    expect(decision.attachments).toMatchObject([{ providerMediaId: "media-9" }]);
    expect(decision.answers).toEqual([]);
    expect(decision.outbound).toEqual([]);
    expect(decision.patch.failureCounts).toBeUndefined();
    expect(eventTypes(decision)).toEqual(["consultation.extra_media"]);
  });

  it("a picture with a caption at a text question is read by its caption", () => {
    const decision = run(askedAbout("placement"), sendsPhoto("media-4", "right calf"));
    expect(decision.answers).toMatchObject([{ questionKey: "placement", value: { text: "right calf" } }]);
  });
});

describe("closed questions are reply buttons", () => {
  const closed = QUESTIONS.filter((q) => q.buttons.length > 0);

  it("complexity, cover-up and reference images are the closed questions", () => {
    expect(closed.map((q) => q.key)).toEqual(["complexity", "coverup", "reference_images"]);
  });

  it.each(closed.map((q) => [q.key, QUESTIONS[QUESTIONS.indexOf(q) - 1]?.key] as const))(
    "%s is asked with its question as the body and at most 3 short, unique buttons",
    (key, previous) => {
      if (!previous) throw new Error("no previous question");
      const decision = run(askedAbout(previous), says(GOOD_ANSWERS[previous].text));
      const [message] = decision.outbound;
      expect(message).toMatchObject({ to: "client", kind: "buttons", body: question(key), copyKey: `question.${key}` });
      const buttons = buttonsOf(message);
      expect(buttons.length).toBeGreaterThan(1);
      expect(buttons.length).toBeLessThanOrEqual(WHATSAPP_LIMITS.buttons);
      expect(buttons.every((b) => b.title.length > 0 && b.title.length <= WHATSAPP_LIMITS.buttonTitle)).toBe(true);
      expect(new Set(buttons.map((b) => b.id)).size).toBe(buttons.length);
      expect(new Set(buttons.map((b) => b.title)).size).toBe(buttons.length);
    },
  );

  it("complexity buttons are complexity_1..3; yes/no buttons are yes and no", () => {
    const complexity = run(askedAbout("style"), says("blackwork")).outbound[0];
    expect(buttonsOf(complexity).map((b) => b.id)).toEqual(["complexity_1", "complexity_2", "complexity_3"]);
    const coverup = run(askedAbout("complexity"), says("2")).outbound[0];
    expect(buttonsOf(coverup).map((b) => b.id)).toEqual(["yes", "no"]);
  });

  it("a repair of a closed question keeps the buttons, with the hint as the body", () => {
    const [message] = run(askedAbout("coverup"), says("purple")).outbound;
    expect(message).toMatchObject({ kind: "buttons", copyKey: "repair.coverup", body: renderCopy("repair.coverup", params) });
    expect(buttonsOf(message).map((b) => b.id)).toEqual(["yes", "no"]);
  });

  it.each([
    ["complexity", taps("complexity_2", "2 · Some detail"), 2],
    ["complexity", says("fairly detailed"), 2],
    ["coverup", taps("no", "No"), false],
    ["coverup", says("no it's new skin"), false],
    ["reference_images", taps("no", "No"), { provided: false }],
    ["reference_images", says("nope"), { provided: false }],
  ] as const)("at %s, a tap and typed text both answer", (key, message, value) => {
    expect(run(askedAbout(key), message).answers).toMatchObject([{ questionKey: key, value }]);
  });
});

describe("several answers in one message", () => {
  const multi = "left forearm, about 10x15cm, blackwork, budget £400";

  it("keeps every answer it can read with confidence, confirms them in one line, and asks the first question still open", () => {
    const decision = run(askedAbout("placement"), says(multi));
    expect(decision.answers).toMatchObject([
      { questionKey: "placement", rawText: multi },
      { questionKey: "dimensions", rawText: "10x15cm", value: { widthCm: 10, heightCm: 15 } },
      { questionKey: "style", rawText: "blackwork", value: { text: "blackwork" } },
      { questionKey: "budget", rawText: "£400", value: { amountMinor: 40_000, currency: "GBP" } },
    ]);
    expect(copyKeys(decision)).toEqual(["consultation.kept_answers", "question.complexity"]);
    expect(replies(decision)[0]).toBe("Thanks, I've noted the size (10x15cm), the style (blackwork) and a budget of £400 too, so I won't ask about that again.");
    expect(decision.patch).toMatchObject({ currentQuestion: "complexity", multiAnswerNotedAt: NOW });
  });

  it("a question answered alongside another is skipped when the consultation reaches it", () => {
    const { decisions } = conversation(askedAbout("dimensions"), [says("about 12 by 8 cm, thinking around 300 quid"), says("fine line"), says("2"), says("no"), says("no")]);
    expect(decisions.flatMap(copyKeys)).toEqual(["consultation.kept_answers", "question.style", "question.complexity", "question.coverup", "question.reference_images", "question.location_city"]);
    expect(decisions[0]?.answers.map((a) => [a.questionKey, a.value])).toEqual([
      ["dimensions", { widthCm: 12, heightCm: 8 }],
      ["budget", { amountMinor: 30_000, currency: "GBP" }],
    ]);
  });

  it("a run-on without commas still gives up each answer", () => {
    const decision = run(askedAbout("dimensions"), says("about 12 by 8 cm thinking around 300 quid"));
    expect(decision.answers.map((a) => a.questionKey)).toEqual(["dimensions", "budget"]);
  });

  it("an implausible extra is not kept: it is asked for later, as usual", () => {
    const decision = run(askedAbout("placement"), says("my finger, 30 x 40 cm"));
    expect(decision.answers.map((a) => a.questionKey)).toEqual(["placement"]);
    expect(copyKeys(decision)).toEqual(["consultation.one_at_a_time", "question.dimensions"]);
  });

  it("the one-at-a-time note is said once per lead", () => {
    const first = run(askedAbout("placement"), says("my finger, 30 x 40 cm"));
    const lead = applied(askedAbout("placement"), first);
    const second = run({ ...lead, currentQuestion: "style" }, says("blackwork, loads of detail, 2 i guess"));
    expect(copyKeys(second)).not.toContain("consultation.one_at_a_time");
    expect(second.patch.multiAnswerNotedAt).toBeUndefined();
  });

  it("takes the one piece that answers the current question when the whole message does not parse", () => {
    const decision = run(askedAbout("dimensions"), says("10x15cm, budget £400"));
    expect(decision.answers).toMatchObject([
      { questionKey: "dimensions", value: { widthCm: 10, heightCm: 15 } },
      { questionKey: "budget", value: { amountMinor: 40_000, currency: "GBP" } },
    ]);
  });

  it("two pieces that say different things are not guessed between", () => {
    const decision = run(askedAbout("dimensions"), says("10x15cm or 20x30cm, budget £400"));
    expect(decision.answers).toEqual([]);
    expect(copyKeys(decision)).toEqual(["repair.dimensions"]);
  });

  it("a message that answers other questions but not the current one is repaired, not taken", () => {
    const decision = run(askedAbout("budget"), says("10x15cm, blackwork"));
    expect(decision.answers).toEqual([]);
    expect(copyKeys(decision)).toEqual(["repair.wrong_field"]);
  });

  it("answers that fit their own question are not mistaken for several", () => {
    const { decisions } = conversation(askedAbout("idea"), [says(GOOD_ANSWERS.idea.text), says(GOOD_ANSWERS.placement.text)], CONFIG);
    expect(decisions.flatMap(copyKeys)).toEqual(["question.placement", "question.dimensions"]);
  });
});
