/**
 * Handover to the artist: what triggers it (asking for a person, REFUND, DELETE MY DATA, price and
 * scheduling questions, long questions, complexity 3, a cover-up, three failed answers), what the
 * client and the artist are told, the packet, holding replies, CONTINUE and STOP while handed over.
 */
import { describe, expect, it } from "vitest";
import type { HandoverPacket } from "../../src/domain/engine.ts";
import { HANDOVER_NOTICES_PER_DAY } from "../../src/domain/engine/handover.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import { explicitTrigger, questionTrigger } from "../../src/domain/engine/triggers.ts";
import { QUESTION_KEYS } from "../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import {
  answersBefore,
  askedAbout,
  CLIENT,
  CONFIG,
  conversation,
  copyKeys,
  eventTypes,
  HOUR,
  leadState,
  NOW,
  run,
  says,
  taps,
  toArtist,
  transitions,
} from "../support/engine.ts";

const S = LeadStatus;
const handedOver = (overrides = {}) =>
  leadState({
    status: S.NEEDS_ARTIST_REPLY,
    currentQuestion: "style",
    resumeStatus: S.QUALIFYING,
    handoverReason: "client_asked",
    holdingReplySentAt: new Date(NOW.getTime() - HOUR),
    ...overrides,
  });
const artistBody = (decision: ReturnType<typeof run>) => {
  const [message] = toArtist(decision);
  return message?.kind === "text" ? message.body : "";
};

describe("handover triggers (pure)", () => {
  it.each([
    ["HUMAN", "client_asked"],
    ["artist", "client_asked"],
    ["Human.", "client_asked"],
    ["can I talk to someone?", "client_asked"],
    ["I'd like to speak to a person please", "client_asked"],
    ["could I chat with Mara", "client_asked"],
    ["REFUND", "refund"],
    ["I want a refund for my deposit", "refund"],
    ["DELETE MY DATA", "delete_data"],
    ["please remove my details", "delete_data"],
  ])("%j asks for the artist: %s", (text, reason) => {
    expect(explicitTrigger(text, "Mara")).toBe(reason);
  });

  it.each(["a human skull with roses", "a portrait of a real person", "my artist friend drew it", "left forearm", "", "continue"])(
    "%j is not a request for the artist",
    (text) => {
      expect(explicitTrigger(text, "Mara")).toBeNull();
    },
  );

  it.each([
    ["how much would this cost?", "price_question"],
    ["price?", "price_question"],
    ["What are your prices", "price_question"],
    ["when are you free?", "scheduling_question"],
    ["what's your availability like", "scheduling_question"],
    ["are you available in May?", "scheduling_question"],
    [`${"I have been thinking about this design for a long time and ".repeat(6)}do you think it would work?`, "long_question"],
    [`${"So many thoughts. ".repeat(20)}Is that ok? And does it hurt?`, "long_question"],
  ])("%j is a question for the artist: %s", (text, reason) => {
    expect(questionTrigger(text)).toBe(reason);
  });

  it.each([
    "£400",
    "the price of freedom, in script",
    "I'm available weekday evenings",
    "any day is fine",
    "how much detail? not much",
    "a koi fish?",
    `${"a very long description of the idea ".repeat(12)}.`,
  ])("%j is not a question for the artist", (text) => {
    expect(questionTrigger(text)).toBeNull();
  });
});

describe("a new handover", () => {
  it("HUMAN mid-consultation: NEEDS_ARTIST_REPLY, resume point, reason, time, packet; the client and the artist are told", () => {
    const lead = askedAbout("style", {
      displayName: "Sam Jones",
      recentAnswers: [
        { questionKey: "idea", rawText: "a koi fish", value: { text: "a koi fish" } },
        { questionKey: "placement", rawText: "left forearm", value: { text: "left forearm" } },
      ],
      failureCounts: { dimensions: 1 },
    });
    const message = says("HUMAN");
    const decision = run(lead, message);
    expect(transitions(decision)).toEqual([[S.QUALIFYING, S.NEEDS_ARTIST_REPLY]]);
    expect(decision.patch).toMatchObject({ resumeStatus: S.QUALIFYING, handoverReason: "client_asked", handoverAt: NOW, holdingReplySentAt: null });
    expect(decision.patch.handoverPacket).toEqual({
      reason: "client_asked",
      at: NOW.toISOString(),
      fromStatus: S.QUALIFYING,
      currentQuestion: "style",
      failureCounts: { dimensions: 1 },
      answers: [...lead.recentAnswers],
      message: { id: message.id, text: "HUMAN" },
    } satisfies HandoverPacket);
    expect(copyKeys(decision)).toEqual(["handover.client.client_asked"]);
    expect(toArtist(decision)).toHaveLength(1);
    expect(artistBody(decision)).toBe(
      [
        "Inkline handed a client over to you.",
        `Client: Sam Jones, ${CLIENT}`,
        "Why: they asked to talk to you",
        'Their message: "HUMAN"',
        "They were on: Style",
        "Answers so far:",
        "• Idea: a koi fish",
        "• Placement: left forearm",
        "Failed answers: Size ×1",
        `Reply to them on WhatsApp at ${CLIENT}.`,
      ].join("\n"),
    );
    expect(eventTypes(decision)).toContain("lead.handed_over");
    expect(decision.answers).toEqual([]);
  });

  it.each([
    ["REFUND", "handover.client.refund"],
    ["DELETE MY DATA", "handover.client.delete_data"],
    ["how much will it cost?", "handover.client.price_question"],
    ["when are you free?", "handover.client.scheduling_question"],
  ])("%j during the consultation hands over with its own message to the client", (text, copyKey) => {
    const decision = run(askedAbout("budget"), says(text));
    expect(transitions(decision)).toEqual([[S.QUALIFYING, S.NEEDS_ARTIST_REPLY]]);
    expect(copyKeys(decision)).toEqual([copyKey]);
    expect(toArtist(decision)).toHaveLength(1);
    expect(decision.answers).toEqual([]);
  });

  it("HUMAN as the very first message: handed over at once, and CONTINUE later starts the questions", () => {
    const { decisions, lead } = conversation(leadState(), [says("HUMAN"), says("CONTINUE")]);
    expect(decisions.map(transitions)).toEqual([[[S.NEW, S.NEEDS_ARTIST_REPLY]], [[S.NEEDS_ARTIST_REPLY, S.QUALIFYING]]]);
    expect(decisions[0]?.patch.resumeStatus).toBe(S.QUALIFYING);
    expect(decisions[0] ? artistBody(decisions[0]) : "").toContain("They were on: not in the questions");
    expect(copyKeys(decisions[1] ?? run(lead, says("x")))).toEqual(["handover.resumed", "question.idea"]);
  });

  it("REFUND after the consultation hands over from PENDING_APPROVAL and remembers it", () => {
    const decision = run(leadState({ status: S.PENDING_APPROVAL }), says("I'd like a refund please"));
    expect(transitions(decision)).toEqual([[S.PENDING_APPROVAL, S.NEEDS_ARTIST_REPLY]]);
    expect(decision.patch.resumeStatus).toBe(S.PENDING_APPROVAL);
  });

  it("a price question after the consultation is not a handover (later steps answer it)", () => {
    const decision = run(leadState({ status: S.PENDING_APPROVAL }), says("how much will it be?"));
    expect(decision.transitions).toEqual([]);
    expect(eventTypes(decision)).toEqual(["message.no_step"]);
  });

  it("complexity 3 is recorded, then handed over; CONTINUE resumes at the cover-up question", () => {
    const { decisions, lead } = conversation(askedAbout("complexity"), [taps("complexity_3", "3 · Very detailed"), says("continue")]);
    const [tap, resume] = decisions;
    expect(tap?.answers).toMatchObject([{ questionKey: "complexity", value: 3 }]);
    expect(tap?.patch).toMatchObject({ currentQuestion: "coverup", handoverReason: "high_complexity" });
    expect(tap ? copyKeys(tap) : []).toEqual(["handover.client.high_complexity"]);
    expect(tap ? artistBody(tap) : "").toContain("• Detail (1–3): 3 · Very detailed");
    expect(resume ? copyKeys(resume) : []).toEqual(["handover.resumed", "question.coverup"]);
    expect(lead).toMatchObject({ status: S.QUALIFYING, currentQuestion: "coverup" });
  });

  it("a cover-up is recorded and the consultation goes on: the reference step asks for a photo of the tattoo to cover", () => {
    const decision = run(askedAbout("coverup"), says("yes, an old one on my arm"));
    expect(decision.answers).toMatchObject([{ questionKey: "coverup", value: true }]);
    expect(transitions(decision)).toEqual([]);
    expect(copyKeys(decision)).toEqual(["question.reference_images_coverup"]);
    expect(decision.patch).toMatchObject({ currentQuestion: "reference_images" });
    expect(toArtist(decision)).toHaveLength(0);
  });

  it("a cover-up finishes the consultation, then is handed over with the whole brief and the cover-up reason", () => {
    const recentAnswers = answersBefore("timing", { coverup: { text: "yes", value: true }, reference_images: { text: "", value: { provided: true, mediaId: "m1" } } });
    const decision = run(askedAbout("timing", { recentAnswers, attachmentCount: 1 }), says("weekday evenings"));
    expect(transitions(decision)).toEqual([[S.QUALIFYING, S.PENDING_APPROVAL], [S.PENDING_APPROVAL, S.NEEDS_ARTIST_REPLY]]);
    expect(copyKeys(decision)).toEqual(["handover.client.coverup"]);
    expect(decision.patch).toMatchObject({ handoverReason: "coverup", resumeStatus: S.PENDING_APPROVAL, brief: { score: 6, total: 6, missing: [] } });
    const packet = decision.patch.handoverPacket as HandoverPacket;
    expect(packet.answers.map((a) => a.questionKey)).toEqual([...QUESTION_KEYS]);
    expect(toArtist(decision).map((o) => o.copyKey)).toEqual(["summary.artist", "handover.artist"]);
  });
});

describe("three failed answers to one question", () => {
  it("the third failure hands over with the failure counts in the packet and the artist's notice", () => {
    const { decisions, lead } = conversation(askedAbout("dimensions"), [says("big"), says("quite big"), says("massive")]);
    expect(decisions.map(copyKeys)).toEqual([["repair.dimensions"], ["repair.dimensions"], ["handover.client.repeated_failures"]]);
    const last = decisions[2];
    expect(last?.patch.failureCounts).toEqual({ dimensions: 3 });
    expect(last?.patch.handoverPacket).toMatchObject({ reason: "repeated_failures", currentQuestion: "dimensions", failureCounts: { dimensions: 3 } });
    expect(last ? artistBody(last) : "").toContain("Failed answers: Size ×3");
    expect(lead).toMatchObject({ status: S.NEEDS_ARTIST_REPLY, resumeStatus: S.QUALIFYING });
  });

  it("counts are per question: two misses on one and one on another do not hand over", () => {
    const { lead } = conversation(askedAbout("dimensions"), [says("big"), says("huge"), says("10x15"), says("£400")]);
    expect(lead).toMatchObject({ status: S.QUALIFYING, currentQuestion: "style", failureCounts: { dimensions: 2, style: 1 } });
  });

  it("the limit is configurable", () => {
    const decision = run(askedAbout("budget", { failureCounts: { budget: 1 } }), says("lots"), { ...CONFIG, maxFieldFailures: 2 });
    expect(transitions(decision)).toEqual([[S.QUALIFYING, S.NEEDS_ARTIST_REPLY]]);
    expect(decision.patch.handoverReason).toBe("repeated_failures");
  });

  it("CONTINUE asks the question afresh: its failures are cleared, others kept", () => {
    const decision = run(handedOver({ currentQuestion: "dimensions", failureCounts: { dimensions: 3, placement: 1 } }), says("CONTINUE"));
    expect(decision.patch.failureCounts).toEqual({ placement: 1 });
    expect(copyKeys(decision)).toEqual(["handover.resumed", "question.dimensions"]);
  });

  it("the packet lists the latest 20 answers, oldest first, including the one this message gave", () => {
    const older = Array.from({ length: 25 }, (_, i) => ({ questionKey: "idea", rawText: `idea ${i + 1}`, value: { text: `idea ${i + 1}` } }));
    const decision = run(askedAbout("complexity", { recentAnswers: older }), says("3"));
    const packet = decision.patch.handoverPacket as HandoverPacket;
    expect(packet.answers).toHaveLength(20);
    expect(packet.answers[0]?.rawText).toBe("idea 7");
    expect(packet.answers.at(-1)).toEqual({ questionKey: "complexity", rawText: "3", value: 3 });
  });
});

describe("while handed over", () => {
  it("a message within 6 hours of the last holding reply gets no reply; the artist is not pinged again", () => {
    const decision = run(handedOver(), says("hello?"));
    expect(decision.outbound).toEqual([]);
    expect(decision.transitions).toEqual([]);
    expect(decision.events).toEqual([{ type: "handover.client_message", level: "info", payload: { message_id: expect.any(String) as unknown, holding_reply: false } }]);
  });

  it("after 6 hours the client gets one holding reply, and the clock restarts", () => {
    const lead = handedOver({ holdingReplySentAt: new Date(NOW.getTime() - 6 * HOUR) });
    const { decisions } = conversation(lead, [says("hello?"), says("anyone there?")]);
    expect(decisions.map(copyKeys)).toEqual([["handover.holding"], []]);
    expect(decisions[0]?.patch.holdingReplySentAt).toEqual(NOW);
  });

  it("a handover part-way through keeps the brief so far for the inbox; CONTINUE clears it until the consultation finishes", () => {
    const lead = askedAbout("budget", { recentAnswers: answersBefore("budget") });
    const { decisions } = conversation(lead, [says("HUMAN"), says("CONTINUE")]);
    expect(decisions[0]?.patch.brief).toEqual({ score: 2, total: 5, missing: ["references", "budget", "timing"] });
    expect(decisions[1]?.patch.brief).toBeNull();
  });

  it("after a finished consultation (a cover-up waiting for the artist) the holding reply offers no more questions", () => {
    const lead = handedOver({ resumeStatus: S.PENDING_APPROVAL, currentQuestion: null, handoverReason: "coverup", holdingReplySentAt: null });
    expect(copyKeys(run(lead, says("are you there?")))).toEqual(["handover.holding_no_questions"]);
  });

  it("the holding interval is configurable", () => {
    const decision = run(handedOver(), says("hello?"), { ...CONFIG, holdingReplyEveryMs: HOUR / 2 });
    expect(copyKeys(decision)).toEqual(["handover.holding"]);
  });

  it("CONTINUE goes back to QUALIFYING and asks the current question again (as buttons when closed)", () => {
    const decision = run(handedOver({ currentQuestion: "coverup" }), says("Continue"));
    expect(transitions(decision)).toEqual([[S.NEEDS_ARTIST_REPLY, S.QUALIFYING]]);
    expect(decision.patch).toMatchObject({ resumeStatus: null, holdingReplySentAt: null });
    expect(decision.outbound.map((o) => [o.kind, o.copyKey])).toEqual([
      ["text", "handover.resumed"],
      ["buttons", "question.coverup"],
    ]);
  });

  it("CONTINUE after a handover from PENDING_APPROVAL goes back there without asking anything", () => {
    const decision = run(handedOver({ resumeStatus: S.PENDING_APPROVAL, currentQuestion: null }), says("continue"));
    expect(transitions(decision)).toEqual([[S.NEEDS_ARTIST_REPLY, S.PENDING_APPROVAL]]);
    expect(copyKeys(decision)).toEqual(["handover.resumed"]);
  });

  it("answers are not taken while handed over", () => {
    const decision = run(handedOver(), says(GOOD_ANSWERS.style.text));
    expect(decision.answers).toEqual([]);
  });

  it("a new kind of request (DELETE MY DATA) joins the open handover: the client is answered, the artist is not pinged again", () => {
    const fresh = run(handedOver(), says("DELETE MY DATA"));
    expect(fresh.transitions).toEqual([]);
    expect(fresh.patch).toMatchObject({ handoverReasons: ["client_asked", "delete_data"] });
    expect(fresh.patch.handoverReason).toBeUndefined();
    expect(copyKeys(fresh)).toEqual(["handover.client.delete_data"]);
    expect(toArtist(fresh)).toEqual([]);
    expect(fresh.actionLinks).toEqual([]);
    expect(fresh.events).toEqual([
      {
        type: "handover.request_added",
        level: "info",
        payload: { reason: "delete_data", message_id: expect.any(String) as unknown, text: "DELETE MY DATA", first_time: true, holding_reply: false },
      },
    ]);
    const again = run(handedOver(), says("HUMAN"));
    expect(toArtist(again)).toEqual([]);
    expect(again.outbound).toEqual([]);
    expect(eventTypes(again)).toEqual(["handover.request_added"]);
  });

  it("the artist is notified on every new handover, not only the first", () => {
    const { decisions } = conversation(askedAbout("placement"), [says("HUMAN"), says("CONTINUE"), says("left forearm"), says("talk to someone please")]);
    expect(decisions.map((d) => toArtist(d).length)).toEqual([1, 0, 0, 1]);
  });

  it("STOP still works, and START returns the client to the consultation where they were", () => {
    const { decisions, lead } = conversation(handedOver({ currentQuestion: "budget" }), [says("STOP"), says("START")]);
    expect(decisions.map(transitions)).toEqual([
      [[S.NEEDS_ARTIST_REPLY, S.OPTOUT]],
      [
        [S.OPTOUT, S.NEW],
        [S.NEW, S.QUALIFYING],
      ],
    ]);
    expect(decisions[0]?.patch.resumeStatus).toBe(S.QUALIFYING);
    expect(decisions.map(copyKeys)).toEqual([["optout.confirmed"], ["optin.confirmed", "question.budget"]]);
    expect(lead.status).toBe(S.QUALIFYING);
  });

  it("STOP while handed over from PENDING_APPROVAL: START goes back to PENDING_APPROVAL", () => {
    const { decisions, lead } = conversation(handedOver({ resumeStatus: S.PENDING_APPROVAL, currentQuestion: null }), [says("STOP"), says("START")]);
    expect(decisions.map(copyKeys)).toEqual([["optout.confirmed"], ["optin.confirmed"]]);
    expect(lead.status).toBe(S.PENDING_APPROVAL);
  });
});

describe("handover notices: one per open handover, a few a day", () => {
  const linkConfig = { ...CONFIG, actionLinks: true };
  const alternating = Array.from({ length: 10 }, (_, i) => says(i % 2 === 0 ? "human" : "refund please"));

  it(`alternating "human" and "refund please" gives the artist one notice and one resume button, whatever the count`, () => {
    const { decisions, lead } = conversation(askedAbout("style"), alternating, linkConfig);
    // One notice: the lead's page button, then the resume button.
    expect(decisions.map((d) => toArtist(d).length)).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(decisions.flatMap((d) => d.actionLinks)).toHaveLength(1);
    // Each request is answered once; repeats wait for the holding reply's interval.
    expect(decisions.map(copyKeys)).toEqual([["handover.client.client_asked"], ["handover.client.refund"], [], [], [], [], [], [], [], []]);
    expect(lead).toMatchObject({ status: S.NEEDS_ARTIST_REPLY, handoverReason: "client_asked", handoverReasons: ["client_asked", "refund"] });
    expect(lead.handoverNoticesAt).toEqual([NOW]);
  });

  it("every later request is recorded for the inbox with its reason and the client's words", () => {
    const { decisions } = conversation(askedAbout("style"), alternating.slice(0, 4), linkConfig);
    const added = decisions.flatMap((d) => d.events).filter((e) => e.type === "handover.request_added");
    expect(added.map((e) => [e.payload.reason, e.payload.text, e.payload.first_time])).toEqual([
      ["refund", "refund please", true],
      ["client_asked", "human", false],
      ["refund", "refund please", false],
    ]);
  });

  it(`a handover, CONTINUE, a handover again...: at most ${HANDOVER_NOTICES_PER_DAY} notices in 24 hours, the rest only in the inbox`, () => {
    const cycles = Array.from({ length: 5 }, () => [says("HUMAN"), says("CONTINUE")]).flat();
    const { decisions, lead } = conversation(askedAbout("style"), cycles, linkConfig);
    const handovers = decisions.filter((_, i) => i % 2 === 0);
    expect(handovers.map(transitions)).toEqual(Array.from({ length: 5 }, () => [[S.QUALIFYING, S.NEEDS_ARTIST_REPLY]]));
    expect(handovers.map((d) => toArtist(d).length)).toEqual([2, 2, 2, 0, 0]);
    expect(handovers.map((d) => d.actionLinks.length)).toEqual([1, 1, 1, 0, 0]);
    // The client is still told, and the handover is still recorded.
    expect(handovers.map(copyKeys)).toEqual(Array.from({ length: 5 }, () => ["handover.client.client_asked"]));
    const capped = handovers[3];
    expect(capped ? eventTypes(capped) : []).toEqual(["handover.notice_capped", "lead.handed_over"]);
    expect(capped?.events[0]).toMatchObject({ level: "warn", payload: { reason: "client_asked", notices_today: 3, limit: HANDOVER_NOTICES_PER_DAY } });
    expect(capped?.events[1]?.payload).toMatchObject({ artist_notified: false });
    expect(lead.handoverNoticesAt).toHaveLength(HANDOVER_NOTICES_PER_DAY);

    // 24 hours after the first notice, a new handover notifies the artist again.
    const later = new Date(NOW.getTime() + 24 * HOUR);
    const next = run(lead, says("HUMAN", { timestampMs: later.getTime() - 60_000 }), linkConfig, later);
    expect(toArtist(next).map((m) => m.kind)).toEqual(["cta", "actions"]);
    expect(next.patch.handoverNoticesAt).toEqual([later.toISOString()]);
  });

  it("the cap is per rolling 24 hours: notices from yesterday do not count", () => {
    const yesterday = [25, 26, 27].map((h) => new Date(NOW.getTime() - h * HOUR));
    const decision = run(askedAbout("style", { handoverNoticesAt: yesterday }), says("HUMAN"));
    expect(toArtist(decision)).toHaveLength(1);
    expect(decision.patch.handoverNoticesAt).toEqual([NOW.toISOString()]);
    const today = [1, 2, 3].map((h) => new Date(NOW.getTime() - h * HOUR));
    expect(toArtist(run(askedAbout("style", { handoverNoticesAt: today }), says("HUMAN")))).toEqual([]);
  });

  it("a handover that opened before the reasons were kept still knows its opening reason", () => {
    const decision = run(handedOver({ handoverReasons: [] }), says("human"));
    expect(copyKeys(decision)).toEqual([]);
    expect(decision.events[0]?.payload).toMatchObject({ reason: "client_asked", first_time: false });
  });
});
