/**
 * The panic switch in the engine: while on, a client message is recorded (panic.message_held), the
 * artist gets a notice per message, the client at most one holding reply a day, and nothing else
 * (no question, no handover, no pilot notice); STOP is still honoured and confirmed, START opts in
 * without asking anything. Once off, the next message carries on as if the switch had never been on.
 */
import { describe, expect, it } from "vitest";
import type { EngineConfig } from "../../src/domain/engine.ts";
import { PANIC_QUOTE_CHARS } from "../../src/domain/engine/panic.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import {
  applied,
  ask,
  askedAbout,
  CONFIG,
  conversation,
  copyKeys,
  eventTypes,
  HOUR,
  leadState,
  NOW,
  OTHER_CLIENT,
  PILOT,
  replies,
  run,
  says,
  sendsPhoto,
  toArtist,
  transitions,
} from "../support/engine.ts";

const S = LeadStatus;
const PANIC: EngineConfig = { ...CONFIG, panic: { on: true, since: new Date(NOW.getTime() - HOUR) } };
const artistText = (decision: ReturnType<typeof run>) => toArtist(decision).map((m) => (m.kind === "text" ? m.body : ""));

describe("panic switch on", () => {
  it("a new client gets the holding reply, not the welcome; the artist gets their words", () => {
    const decision = run(leadState({ displayName: null }), says("hi, I'd like a rose on my arm", { profileName: "Sam" }), PANIC);
    expect(copyKeys(decision)).toEqual(["panic.holding"]);
    expect(transitions(decision)).toEqual([]);
    expect(decision.patch.panicNoticeAt).toEqual(NOW);
    expect(decision.patch.currentQuestion).toBeUndefined();
    expect(artistText(decision)).toEqual([expect.stringContaining("Sam (+447700900123) wrote: hi, I'd like a rose on my arm")]);
    const held = decision.events.find((e) => e.type === "panic.message_held");
    expect(held?.payload).toMatchObject({ kind: "text", text_length: 29, holding_reply: true });
  });

  it("several messages the same day: one holding reply, one artist notice each, no answers stored", () => {
    const { decisions, lead } = conversation(askedAbout("placement"), [says("left forearm"), says("HUMAN"), says("how much?")], PANIC);
    expect(decisions.map(copyKeys)).toEqual([["panic.holding"], [], []]);
    expect(decisions.map((d) => toArtist(d).length)).toEqual([1, 1, 1]);
    expect(decisions.flatMap((d) => d.answers)).toEqual([]);
    expect(decisions.flatMap(transitions)).toEqual([]);
    expect(lead.status).toBe(S.QUALIFYING);
    expect(lead.currentQuestion).toBe("placement");
  });

  it("the holding reply again after a day, not before", () => {
    const last = new Date(NOW.getTime() - 23 * HOUR);
    expect(copyKeys(run(askedAbout("style", { panicNoticeAt: last }), says("blackwork"), PANIC))).toEqual([]);
    const dayOld = new Date(NOW.getTime() - 24 * HOUR);
    expect(copyKeys(run(askedAbout("style", { panicNoticeAt: dayOld }), says("blackwork"), PANIC))).toEqual(["panic.holding"]);
  });

  it("the artist's notice quotes a long message shortened, and names a photo without caption", () => {
    const long = run(askedAbout("idea"), says("x".repeat(1000)), PANIC);
    const [body] = artistText(long);
    expect(body).toContain(`${"x".repeat(PANIC_QUOTE_CHARS - 1)}…`);
    expect(body).not.toContain("x".repeat(PANIC_QUOTE_CHARS));
    const photo = run(askedAbout("reference_images"), sendsPhoto("media-1"), PANIC);
    expect(artistText(photo)).toEqual([expect.stringContaining("(a message without text: image)")]);
    // The photo is still kept as a reference (the lead's history is whole).
    expect(photo.attachments).toHaveLength(1);
  });

  it("the service window and the last message move as usual", () => {
    const message = says("hello");
    const decision = run(askedAbout("idea"), message, PANIC);
    expect(decision.patch.lastClientMessageAt).toEqual(new Date(message.timestampMs));
    expect(decision.patch.serviceWindowEndsAt).toEqual(new Date(message.timestampMs + 24 * HOUR));
  });

  it("a handed-over lead gets no handover holding reply, only the panic one", () => {
    const lead = askedAbout("style", { status: S.NEEDS_ARTIST_REPLY, resumeStatus: S.QUALIFYING, handoverReason: "client_asked" });
    expect(copyKeys(run(lead, says("any news?"), PANIC))).toEqual(["panic.holding"]);
  });

  it("a number outside the pilot gets no pilot notice either", () => {
    const decision = run(leadState(), says("hi"), { ...PILOT, panic: PANIC.panic });
    expect(copyKeys(decision)).toEqual(["panic.holding"]);
    expect(decision.patch.pilotNoticeSentAt).toBeUndefined();
    expect(run(leadState({ phoneE164: OTHER_CLIENT }), says("hi"), PILOT).patch.pilotNoticeSentAt).toBeUndefined();
  });

  it("STOP is honoured and confirmed", () => {
    const decision = run(askedAbout("style"), says("STOP"), PANIC);
    expect(copyKeys(decision)).toEqual(["optout.confirmed"]);
    expect(decision.patch.optedOut).toBe(true);
    expect(transitions(decision)).toEqual([[S.QUALIFYING, S.OPTOUT]]);
    expect(eventTypes(decision)).not.toContain("panic.message_held");
  });

  it("START opts back in and says so, but asks nothing until the switch is off", () => {
    const optedOut = askedAbout("style", { status: S.OPTOUT, optedOut: true, resumeStatus: S.QUALIFYING });
    const decision = run(optedOut, says("START"), PANIC);
    expect(copyKeys(decision)).toEqual(["panic.optin_confirmed"]);
    expect(decision.patch.optedOut).toBe(false);
    expect(transitions(decision)).toEqual([[S.OPTOUT, S.NEW]]);
    // Off: the next message greets and asks the question the lead was on.
    const after = run(applied(optedOut, decision), says("hi again"), CONFIG);
    expect(copyKeys(after)).toEqual(["consultation.welcome", "question.style"]);
  });

  it("a message while opted out stays unanswered (no holding reply, no artist notice)", () => {
    const decision = run(askedAbout("style", { status: S.OPTOUT, optedOut: true }), says("hello?"), PANIC);
    expect(decision.outbound).toEqual([]);
  });
});

describe("panic switch off again", () => {
  it("no backlog: the next message continues the consultation at its current question", () => {
    const during = conversation(askedAbout("placement"), [says("left forearm"), says("hello?")], PANIC);
    const next = run(during.lead, says("left forearm"), CONFIG);
    expect(next.answers.map((a) => a.questionKey)).toEqual(["placement"]);
    expect(replies(next)).toEqual([ask(2)]);
    expect(toArtist(next)).toEqual([]);
  });

  it("a switch that is off (on: false) changes nothing", () => {
    const off = run(leadState(), says("hi"), { ...CONFIG, panic: { on: false, since: null } });
    expect(copyKeys(off)).toEqual(copyKeys(run(leadState(), says("hi"), CONFIG)));
  });
});
