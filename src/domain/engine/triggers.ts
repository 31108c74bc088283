/**
 * Handover triggers: the messages that mean the artist, not the assistant, should answer. Pure
 * text checks; the engine decides what a trigger does in each status.
 *
 * Explicit requests (HUMAN, REFUND, DELETE MY DATA) count in any status; questions about price or
 * scheduling, and long questions, count during the consultation, where the assistant cannot answer
 * them. A price word is only a trigger in a question ("how much?"), never in an answer ("£400").
 */
import { normalizeText } from "../parsing/text.ts";

/** Why a lead was handed over to the artist: the single list of reason names. */
export const HandoverReason = {
  CLIENT_ASKED: "client_asked",
  REFUND: "refund",
  DELETE_DATA: "delete_data",
  PRICE_QUESTION: "price_question",
  SCHEDULING_QUESTION: "scheduling_question",
  LONG_QUESTION: "long_question",
  HIGH_COMPLEXITY: "high_complexity",
  COVERUP: "coverup",
  REPEATED_FAILURES: "repeated_failures",
} as const;
export type HandoverReason = (typeof HandoverReason)[keyof typeof HandoverReason];

/** A message longer than this that asks something is a conversation for the artist. */
export const LONG_QUESTION_CHARS = 300;

/** Whole messages that ask for a person. */
const PERSON_WORDS = new Set(["artist", "human", "person", "agent", "operator", "real person", "a human", "a person"]);
const TALK_TO =
  /(?<![a-z])(?:talk|speak|chat)(?:ing)? (?:to|with) (?:someone|somebody|anyone|a (?:real )?(?:person|human)|a real one|the artist|an artist|you directly|a member of staff|staff)(?![a-z])/;
const DELETE_DATA = /(?<![a-z])(?:delete|remove|erase|wipe)(?: all)? my (?:data|details|information|info|number|messages)(?![a-z])/;
const REFUND = /(?<![a-z])refund(?:s|ed)?(?![a-z])/;
const CONTINUE_WORDS = new Set(["continue", "carry on", "resume", "keep going"]);

const QUESTION_OPENERS = /^(?:how|what|what's|whats|when|where|which|do|does|can|could|would|will|is|are|have you|got any)(?![a-z])/;
const PRICE = /(?<![a-z])(?:how much(?! detail)|price|prices|pricing|priced|cost|costs|costing|quote|hourly rate|your rates|charge|charges)(?![a-z])/;
const SCHEDULING =
  /(?<![a-z])(?:are you (?:free|available)|availability|any (?:slots|openings|space|dates)|free slots|when can (?:i|you|we)|how soon|next (?:opening|slot|available)|earliest (?:slot|date|appointment|available))(?![a-z])/;

/** The message, lower-cased, without trailing punctuation. */
function bare(text: string): string {
  return normalizeText(text).replace(/[.!?\s]+$/u, "");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** HUMAN / talk to someone / REFUND / DELETE MY DATA, in any status; `artistName` counts as a person. */
export function explicitTrigger(text: string | null, artistName: string): HandoverReason | null {
  if (!text) return null;
  const normalized = normalizeText(text);
  if (DELETE_DATA.test(normalized)) return HandoverReason.DELETE_DATA;
  if (REFUND.test(normalized)) return HandoverReason.REFUND;
  if (PERSON_WORDS.has(bare(text)) || TALK_TO.test(normalized)) return HandoverReason.CLIENT_ASKED;
  const name = normalizeText(artistName);
  if (name !== "" && new RegExp(`(?<![a-z])(?:talk|speak|chat) (?:to|with) ${escapeRegExp(name)}(?![a-z])`).test(normalized)) {
    return HandoverReason.CLIENT_ASKED;
  }
  return null;
}

/** Whether the message asks something: a "?" or a question opener. */
function isQuestion(normalized: string): boolean {
  return normalized.includes("?") || QUESTION_OPENERS.test(normalized);
}

/** A long question, or a question about price or scheduling: for the consultation. */
export function questionTrigger(text: string | null): HandoverReason | null {
  if (!text) return null;
  const trimmed = text.trim();
  const marks = (trimmed.match(/\?/g) ?? []).length;
  if (trimmed.length > LONG_QUESTION_CHARS && (trimmed.endsWith("?") || marks >= 2)) return HandoverReason.LONG_QUESTION;
  const normalized = normalizeText(text);
  if (!isQuestion(normalized)) return null;
  if (PRICE.test(normalized)) return HandoverReason.PRICE_QUESTION;
  if (SCHEDULING.test(normalized)) return HandoverReason.SCHEDULING_QUESTION;
  return null;
}

/** CONTINUE (or "carry on"): the client wants the assistant back after a handover. */
export function isContinue(text: string | null): boolean {
  return text !== null && CONTINUE_WORDS.has(bare(text));
}
