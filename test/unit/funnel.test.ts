/** The funnel from lead.transition history: distinct leads per stage and the conversion between stages. */
import { describe, expect, it } from "vitest";
import { buildDropOff, buildFunnel, FUNNEL_STAGES } from "../../src/domain/funnel.ts";
import { QUESTION_KEYS } from "../../src/domain/questions.ts";

const entered = (leadId: string, ...statuses: string[]) => statuses.map((status) => ({ leadId, status }));

describe("buildFunnel", () => {
  it("counts each lead once per stage and divides each stage by the one before", () => {
    const funnel = buildFunnel([
      ...entered("a", "QUALIFYING", "PENDING_APPROVAL", "COLLECTING_TIME_WINDOWS", "BOOKING_PENDING", "BOOKED"),
      ...entered("b", "QUALIFYING", "PENDING_APPROVAL", "REJECTED"),
      ...entered("c", "QUALIFYING", "NEEDS_ARTIST_REPLY", "QUALIFYING"),
      ...entered("d", "QUALIFYING"),
    ]);
    expect(funnel.stages).toEqual([
      { stage: "started", leads: 4, conversion_from_previous: null },
      { stage: "consultation_complete", leads: 2, conversion_from_previous: 0.5 },
      { stage: "approved", leads: 1, conversion_from_previous: 0.5 },
      { stage: "deposit_requested", leads: 0, conversion_from_previous: 0 },
      { stage: "deposit_paid", leads: 0, conversion_from_previous: null },
      { stage: "booked", leads: 1, conversion_from_previous: null },
      { stage: "completed", leads: 0, conversion_from_previous: 0 },
    ]);
    expect(funnel.exits).toMatchObject({ REJECTED: 1, NEEDS_ARTIST_REPLY: 1, OPTOUT: 0 });
  });

  it("an empty period has every stage at zero", () => {
    const funnel = buildFunnel([]);
    expect(funnel.stages.map((s) => s.leads)).toEqual(FUNNEL_STAGES.map(() => 0));
  });
});

describe("buildDropOff", () => {
  it("lists every question in the order asked, with its stalled, repaired and handed-over leads", () => {
    const rows = buildDropOff([
      { question: "budget", kind: "repaired", leads: 3 },
      { question: "budget", kind: "handed_over", leads: 2 },
      { question: "dimensions", kind: "stalled", leads: 1 },
      { question: "not_a_question", kind: "stalled", leads: 9 },
    ]);
    expect(rows.map((r) => r.question)).toEqual([...QUESTION_KEYS]);
    expect(rows.find((r) => r.question === "budget")).toEqual({ question: "budget", stalled: 0, repaired: 3, handed_over: 2 });
    expect(rows.find((r) => r.question === "dimensions")).toEqual({ question: "dimensions", stalled: 1, repaired: 0, handed_over: 0 });
    expect(rows.reduce((n, r) => n + r.stalled + r.repaired + r.handed_over, 0)).toBe(6);
  });
});
