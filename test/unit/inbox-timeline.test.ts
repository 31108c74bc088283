/**
 * The inbox timeline reads a handover in words: who handed over and why, whether the artist's
 * WhatsApp notice was held back by the daily cap, and each later request with the client's words.
 */
import { describe, expect, it } from "vitest";
import { HANDOVER_NOTICES_PER_DAY } from "../../src/domain/engine/handover.ts";
import { buildTimeline, type TimelineSource } from "../../src/routes/inbox/timeline.ts";

const AT = new Date("2026-03-02T10:00:00.000Z");
let id = 0;
const event = (type: string, payload: Record<string, unknown>, minutes = 0) => ({
  type,
  payload,
  createdAt: new Date(AT.getTime() + minutes * 60_000),
  id: ++id,
});
const timeline = (events: TimelineSource["events"]) =>
  buildTimeline({ clientPhone: "+447700900123", answers: [], outbox: [], events, notes: [] }).map((e) => e.text);

describe("handover entries on the inbox timeline", () => {
  it("a handover, and the requests added to it while it is open, read in words with the client's own text", () => {
    expect(
      timeline([
        event("lead.handed_over", { reason: "client_asked", artist_notified: true }),
        event("handover.request_added", { reason: "refund", text: "refund please", first_time: true }, 1),
        event("handover.request_added", { reason: "client_asked", text: "human", first_time: false }, 2),
      ]),
    ).toEqual([
      "While handed over, they asked to talk to you: “human”",
      "While handed over, they asked for a refund: “refund please”",
      "Handed over to you: they asked to talk to you",
    ]);
  });

  it("a handover past the daily cap says the artist got no WhatsApp notice for it", () => {
    expect(
      timeline([
        event("handover.notice_capped", { reason: "refund", notices_today: 3, limit: 3 }),
        event("lead.handed_over", { reason: "refund", artist_notified: false }),
      ]),
    ).toEqual([
      `Handed over to you: they asked for a refund. No WhatsApp notice: this client has had ${HANDOVER_NOTICES_PER_DAY} handover notices in 24 hours already.`,
    ]);
  });

  it("a request that came as a file reads as one", () => {
    expect(timeline([event("handover.request_added", { reason: "refund", text: null })])).toEqual(["While handed over, they asked for a refund: “(a photo or file)”"]);
  });
});

describe("a question to the artist on the inbox timeline", () => {
  it("reads with the client's words and the question they were at", () => {
    expect(timeline([event("consultation.client_question", { question: "style", text: "do you do watercolour?" })])).toEqual([
      "They asked you: “do you do watercolour?” (at the Style question; they were told you'll answer it)",
    ]);
  });
});
