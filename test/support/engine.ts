/**
 * Harness for the engine's unit tests: a lead, client messages, one `run` of the engine, the lead
 * as the database would hold it afterwards, and readers of what the bot said. Pure (Node).
 */
import { expect } from "vitest";
import type { ConsentRecord } from "../../src/domain/consent.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { decide, type Decision, type EngineConfig, type LeadState, type RecordedAnswer } from "../../src/domain/engine.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import type { InboundMessage } from "../../src/domain/messages.ts";
import { QUESTION_KEYS, QUESTIONS, type QuestionKey } from "../../src/domain/questions.ts";
import { canTransition } from "../../src/domain/state-machine.ts";
import { defaultPolicy } from "../../src/domain/studio-policy.ts";
import { GOOD_ANSWERS } from "./consultation.ts";

export const NOW = new Date("2026-03-02T10:00:00.000Z");
export const HOUR = 60 * 60 * 1000;
export const CLIENT = "+447700900123";
export const OTHER_CLIENT = "+447700900456";

export const CONFIG: EngineConfig = { artistName: "Mara", replyDays: 3, pilot: { enabled: false, allowlist: [] }, slotNonce: "n0nce-for-tests" };
export const PILOT: EngineConfig = { ...CONFIG, pilot: { enabled: true, allowlist: [OTHER_CLIENT] } };

/**
 * A consent step the client has finished (an adult, no medical flags, the default policy agreed a
 * day ago): for tests of what an approval does after it, as `consent` on the lead. The step itself
 * is consent.test.ts's.
 */
export const CONSENTED: ConsentRecord = {
  step: "done",
  next: "slots",
  index: 3,
  startedAt: new Date(NOW.getTime() - 25 * HOUR).toISOString(),
  dateOfBirth: "1990-05-17",
  age: 35,
  answers: [],
  flags: [],
  policyAcknowledgedAt: new Date(NOW.getTime() - 24 * HOUR).toISOString(),
  policy: defaultPolicy(),
};

export function leadState(overrides: Partial<LeadState> = {}): LeadState {
  return {
    id: "lead-1",
    phoneE164: CLIENT,
    status: LeadStatus.NEW,
    locale: "en_GB",
    displayName: null,
    currentQuestion: null,
    optedOut: false,
    pilotNoticeSentAt: null,
    lastClientMessageAt: null,
    failureCounts: {},
    handoverReason: null,
    holdingReplySentAt: null,
    multiAnswerNotedAt: null,
    username: null,
    recentAnswers: [],
    attachmentCount: 0,
    tourOffer: null,
    depositLockedAt: null,
    ...overrides,
  };
}

/** A lead in the consultation, being asked `question`. */
export const askedAbout = (question: QuestionKey, overrides: Partial<LeadState> = {}): LeadState =>
  leadState({ status: LeadStatus.QUALIFYING, currentQuestion: question, ...overrides });

let messageCounter = 0;
/** A plain text message from the client, sent a minute before NOW unless told otherwise. */
export function clientMessage(overrides: Partial<InboundMessage> = {}): InboundMessage {
  messageCounter++;
  return {
    id: `wamid.test${messageCounter}`,
    from: CLIENT,
    userId: null,
    parentUserId: null,
    username: null,
    timestampMs: NOW.getTime() - 60_000,
    phoneNumberId: "100000000000001",
    profileName: null,
    kind: "text",
    text: "hi",
    replyId: null,
    media: null,
    location: null,
    rawType: "text",
    ...overrides,
  };
}

export const says = (text: string, overrides: Partial<InboundMessage> = {}) => clientMessage({ text, ...overrides });

/** The client taps a reply button. */
export const taps = (id: string, title: string) => clientMessage({ kind: "reply", text: title, replyId: id, rawType: "interactive" });

/** The client sends a photo (with an optional caption). */
export const sendsPhoto = (mediaId: string, caption: string | null = null) =>
  clientMessage({
    kind: "media",
    rawType: "image",
    text: caption,
    media: { kind: "image", id: mediaId, mimeType: "image/jpeg", caption, filename: null },
  });

export function run(lead: LeadState, message: InboundMessage, config: EngineConfig = CONFIG, now: Date = NOW): Decision {
  return decide(lead, { type: "client_message", message }, now, config);
}

/** What the bot says back to the client, in order: a text's body (or a buttons message's body and titles). */
export const replies = (decision: Decision) =>
  decision.outbound
    .filter((o) => o.to === "client")
    .map((o) => (o.kind === "text" ? o.body : o.kind === "buttons" ? `${o.body} [${o.buttons.map((b) => b.title).join(" | ")}]` : `${o.kind}:${o.copyKey}`));
/** Copy keys of everything sent to the client, in order. */
export const copyKeys = (decision: Decision) => decision.outbound.filter((o) => o.to === "client").map((o) => o.copyKey);
export const toArtist = (decision: Decision) => decision.outbound.filter((o) => o.to === "artist");
export const eventTypes = (decision: Decision) => decision.events.map((e) => e.type);
export const transitions = (decision: Decision) => decision.transitions.map((t) => [t.from, t.to]);

/** The lead as the database (and the Durable Object's answer cache) would hold it after a decision. */
export function applied(lead: LeadState, decision: Decision): LeadState {
  const { patch } = decision;
  const next: LeadState = { ...lead, status: decision.transitions.at(-1)?.to ?? lead.status };
  const fields = [
    "currentQuestion",
    "optedOut",
    "pilotNoticeSentAt",
    "displayName",
    "lastClientMessageAt",
    "resumeStatus",
    "failureCounts",
    "handoverReason",
    "holdingReplySentAt",
    "handoverReasons",
    "referenceLimitNotedAt",
    "multiAnswerNotedAt",
    "panicNoticeAt",
    "tourOffer",
    "pendingCheck",
  ] as const satisfies readonly (keyof LeadState & keyof typeof patch)[];
  for (const field of fields) if (patch[field] !== undefined) Object.assign(next, { [field]: patch[field] });
  // Stored as ISO times (jsonb), read back as dates (durable-objects/lead-state.ts).
  if (patch.handoverNoticesAt !== undefined) next.handoverNoticesAt = patch.handoverNoticesAt.map((at) => new Date(at));
  next.recentAnswers = [...lead.recentAnswers, ...decision.answers.map(({ questionKey, rawText, value }) => ({ questionKey, rawText, value }))];
  next.attachmentCount = lead.attachmentCount + decision.attachments.length;
  return next;
}

/** Runs several messages through the engine in turn; returns every decision and the final lead. */
export function conversation(lead: LeadState, messages: readonly InboundMessage[], config: EngineConfig = CONFIG, now: Date = NOW) {
  const decisions: Decision[] = [];
  let current = lead;
  for (const message of messages) {
    const decision = run(current, message, config, now);
    expectLegalTransitions(current, decision);
    decisions.push(decision);
    current = applied(current, decision);
  }
  return { decisions, lead: current };
}

/** Every transition is allowed, and they chain from the lead's status. */
export function expectLegalTransitions(lead: LeadState, decision: Decision): void {
  let from = lead.status;
  for (const t of decision.transitions) {
    expect(t.from).toBe(from);
    expect(canTransition(t.from, t.to)).toBe(true);
    from = t.to;
  }
}

/** The text of question `index`, as the client first sees it. */
export const ask = (index: number) => {
  const q = QUESTIONS[index];
  if (!q) throw new Error(`no question ${index}`);
  return renderCopy(q.copyKey);
};

/** The good answers to every question before `key`, as stored, with `changes` in place of some. */
export function answersBefore(
  key: QuestionKey | null,
  changes: Partial<Record<QuestionKey, { text: string; value: unknown }>> = {},
): RecordedAnswer[] {
  const keys = key === null ? QUESTION_KEYS : QUESTION_KEYS.slice(0, QUESTION_KEYS.indexOf(key));
  return keys.map((k) => {
    const answer = changes[k] ?? GOOD_ANSWERS[k];
    return { questionKey: k, rawText: answer.text, value: answer.value };
  });
}
