/**
 * The labelled corpus (test/corpus/consultation-messages.ts) through the real engine: each message
 * at its question, with the good answers before it, classified by what the engine did. Reports
 * precision and recall per outcome; fails below 98 % overall and on any "must never" case (a
 * question stored as an answer, an implausible value accepted).
 */
import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/domain/engine.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import { CORPUS, type CorpusCase, type Outcome } from "../corpus/consultation-messages.ts";
import { answersBefore, askedAbout, run, says } from "../support/engine.ts";

const OUTCOMES: readonly Outcome[] = ["answer", "repair", "confirm", "handover", "holding"];
/** The share of the corpus that must come out as labelled. */
const REQUIRED_ACCURACY = 0.98;

/** What the engine did with the message, in the corpus's terms. */
function outcomeOf(decision: Decision, step: string): Outcome | "other" {
  if (decision.transitions.some((t) => t.to === LeadStatus.NEEDS_ARTIST_REPLY)) return "handover";
  if (decision.patch.pendingCheck) return "confirm";
  if (decision.answers.some((a) => a.questionKey === step)) return "answer";
  if (decision.events.some((e) => e.type === "consultation.client_question")) return "holding";
  if (decision.events.some((e) => e.type === "answer.rejected")) return "repair";
  return "other";
}

function play(c: CorpusCase): { decision: Decision; got: Outcome | "other" } {
  const placement = c.placement === undefined ? {} : { placement: { text: c.placement, value: { text: c.placement } } };
  const lead = askedAbout(c.step, { recentAnswers: answersBefore(c.step, placement) });
  const decision = run(lead, says(c.text));
  return { decision, got: outcomeOf(decision, c.step) };
}

/**
 * Stored as an answer while the corpus says it is a question (as the answer to this question or to
 * any other, "is £200 enough?" kept as a budget at the placement), or implausible.
 */
function mustNever(c: CorpusCase, decision: Decision): string | null {
  if (c.stored) return null;
  if (c.implausible && decision.answers.some((a) => a.questionKey === c.step)) return "implausible value accepted";
  if ((c.expect === "holding" || c.expect === "handover") && decision.answers.length > 0) return "question stored as an answer";
  return null;
}

const results = CORPUS.map((c) => {
  const { decision, got } = play(c);
  const stored = decision.answers.find((a) => a.questionKey === c.step)?.value;
  const valueOk = c.value === undefined || JSON.stringify(stored) === JSON.stringify(c.value);
  return { c, got, correct: got === c.expect && valueOk, never: mustNever(c, decision), stored };
});

describe("the labelled corpus", () => {
  it("holds at least 300 messages, at every question, with every outcome", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(300);
    expect(new Set(CORPUS.map((c) => c.step)).size).toBe(13);
    for (const outcome of OUTCOMES) expect(CORPUS.some((c) => c.expect === outcome)).toBe(true);
  });

  it("no must-never case: no question stored as an answer, no implausible value accepted", () => {
    const failures = results.filter((r) => r.never !== null).map((r) => `${r.c.step}: ${JSON.stringify(r.c.text)} (${r.never ?? ""})`);
    expect(failures).toEqual([]);
  });

  it(`comes out as labelled for at least ${REQUIRED_ACCURACY * 100} % of messages (precision and recall per outcome reported)`, () => {
    const rows = OUTCOMES.map((outcome) => {
      const predicted = results.filter((r) => r.got === outcome);
      const actual = results.filter((r) => r.c.expect === outcome);
      const truePositives = results.filter((r) => r.c.expect === outcome && r.correct).length;
      return {
        outcome,
        labelled: actual.length,
        precision: predicted.length === 0 ? 1 : truePositives / predicted.length,
        recall: actual.length === 0 ? 1 : truePositives / actual.length,
      };
    });
    const accuracy = results.filter((r) => r.correct).length / results.length;
    const misses = results.filter((r) => !r.correct).map((r) => `${r.c.step}: ${JSON.stringify(r.c.text)} expected ${r.c.expect}, got ${r.got}${r.got === "answer" ? ` ${JSON.stringify(r.stored)}` : ""}`);
    console.log(
      [
        `corpus: ${results.length} messages, ${(accuracy * 100).toFixed(1)} % as labelled`,
        ...rows.map((r) => `  ${r.outcome.padEnd(9)} n=${String(r.labelled).padStart(3)}  precision ${(r.precision * 100).toFixed(1)} %  recall ${(r.recall * 100).toFixed(1)} %`),
        ...misses.map((m) => `  miss: ${m}`),
      ].join("\n"),
    );
    expect(accuracy, misses.join("\n")).toBeGreaterThanOrEqual(REQUIRED_ACCURACY);
  });
});
