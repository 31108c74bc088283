/**
 * Handover triggers: the messages that mean the artist, not the assistant, should answer. Pure
 * text checks; the engine decides what a trigger does in each status.
 *
 * Explicit requests (HUMAN, REFUND, DELETE MY DATA) count in any status; questions about price or
 * scheduling, and long questions, count during the consultation, where the assistant cannot answer
 * them. A price word is only a trigger in a question ("how much?"), never in an answer ("£400");
 * asking for less ("any student discount", "can't afford much") is price talk in any form. Other
 * questions to the artist ("do you do colour?") get a holding reply (consultation.ts).
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
  /** A client whose session was cancelled or missed wrote again (engine/booking-ended.ts). */
  BOOKING_ENDED: "booking_ended",
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

const QUESTION_OPENERS =
  /^(?:how|what|what's|whats|when|where|which|who|why|do|does|did|can|could|would|will|is|are|am i|r u|r you|should i|shall i|may i|have you|got any|any chance|is there|i was wondering|i'm wondering|im wondering|just wondering|wondering|was wondering)(?![a-z])/;
const PRICE =
  /(?<![a-z])(?:how much(?! detail)|price|prices|pricing|priced|cost|costs|costing|quote|hourly rate|your rates|charge|charges|discounts?|cheaper|deals?|offers?|mates rates|payment plans?|pay in instalments|pay monthly|expensive|cost extra|charge extra|extra cost|minimum|deposit amount)(?![a-z])/;
/**
 * Price talk that is never an answer, question or not: asking for less, haggling, affordability.
 * ("Budget max 300" is an answer; "any student discount" or "can't afford much" is talk for the artist.)
 */
const PRICE_TALK =
  /(?<![a-z])(?:discounts?|cheaper|mates rates|student (?:rate|price|deal)|(?:price|cost|quote)s? (?:(?:could|can|might|would|to) )?(?:(?:be|go|come) )?(?:(?:a bit|a little|any|slightly|abit) )?(?:lower|down|less)|(?:any|bit of a|a) (?:reduction|deal)|(?:lower|reduce|drop) (?:the|your) (?:price|cost|quote)|knock (?:a bit|some|something|a few quid) off|too expensive|out of my (?:price )?range|can'?t afford|cannot afford|payment plans?|pay in instalments|depends on (?:the )?(?:price|cost|quote))(?![a-z])/;
/** Who a question to the artist addresses ("do you…", "your prices", "the studio"). */
const ADDRESSES_ARTIST = /(?<![a-z])(?:you|your|yours|you're|youre|u|ur|ya|yall|y'all|we|the studio|the artist|ur studio)(?![a-z])/;
/** Leaving it to the artist ("whenever suits you?") is an answer, not a question. */
const DEFERS = /(?<![a-z])(?:suits?|works? for|good for|best for|up to|easiest for) (?:you|u)(?![a-z])/;
/** A wh-question ("what's the difference…?"), not a hedged answer ("what about the forearm?"). */
const WH_QUESTION = /^(?:what|what's|whats|how|why|which|who)(?![a-z])(?! about)/;
/** Pain and healing: always a question for the artist when asked. */
const PAIN = /(?<![a-z])(?:hurt|hurts|painful|sore|heal|heals|healing)(?![a-z])/;
/** Questions about the work or the studio that the assistant cannot answer, wherever they are asked. */
const ABOUT_THE_WORK =
  /^(?:how long (?:does|will|would|do)|how (?:does|do) (?:it|the|a|this)|does it hurt|will it hurt|what (?:styles?|kind|sort|type)|which styles?|is there (?:a |any )?(?:deposit|parking|waiting list|wait)|where (?:is|are) (?:the studio|you)|what(?:'s| is) the (?:aftercare|healing)|how (?:painful|sore))(?![a-z])/;
/**
 * Things about the visit that only the artist can answer, asked with or without a "you" ("can it be
 * done in one session?", "can I pay cash", "am I talking to a bot", "anyone there?"): never an
 * answer when asked. Each names its topic plainly, so a hedged answer ("could it go on my lower
 * back?", "a tarot card?") is not one.
 */
const ABOUT_THE_VISIT =
  /(?<![a-z])(?:sessions?|sittings?|take (?:long|ages|a while)|how long|wait(?:ing)? (?:time|list)|waitlist|pay(?:ing)? (?:by |with |in |via )?(?:cash|card|paypal|klarna|bank transfer|apple pay)|bring (?:a (?:friend|mate)|someone|somebody|my (?:partner|mate|friend|mum|mom|mam|dad|boyfriend|girlfriend|bf|gf|husband|wife|kids?|son|daughter|own (?:design|drawing|artwork)))|(?:chat)?bot|robot|automated|an ai|open (?:on )?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)days?|weekends?|bank holidays?)|numbing|aftercare|need (?:to bring )?(?:id|identification))(?![a-z])/;
/** "Anyone there?", "you still there": whether the client is heard, asked with or without a "?". */
const PRESENCE = /^(?:is )?(?:(?:any ?one|any ?body|any1|some ?one) (?:there|around|about|home)|(?:are |r )?(?:you|u) (?:still )?(?:there|around))(?![a-z])/;
/** An amount of money ("£200", "300 quid", "2k"): asked about, it is price talk ("is £200 enough?"). */
const AMOUNT = /[£$€]\s*[0-9]|(?<![a-z0-9])[0-9]+(?:[.,][0-9]+)?\s*(?:k|grand|quid|pounds?|gbp|euros?|eur|dollars?|usd|bucks)(?![a-z])/;
const SCHEDULING =
  /(?<![a-z])(?:are you (?:free|available)|when (?:will|are|r) (?:you|u) (?:be )?(?:in|at|back|coming|visiting)|(?:do you have|have you got|got) any(?:thing)?(?: (?:free|available|open|on))? (?:this|next|in|on|for)|availability|any (?:slots|openings|space|dates)|free slots|when can (?:i|you|we)|how soon|next (?:opening|slot|available)|earliest (?:slot|date|appointment|available))(?![a-z])/;

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
  return normalized.includes("?") || sentences(normalized).some((s) => QUESTION_OPENERS.test(s));
}

/** A long question, or a question about price or scheduling: for the consultation. */
export function questionTrigger(text: string | null): HandoverReason | null {
  if (!text) return null;
  const trimmed = text.trim();
  const marks = (trimmed.match(/\?/g) ?? []).length;
  if (trimmed.length > LONG_QUESTION_CHARS && (trimmed.endsWith("?") || marks >= 2)) return HandoverReason.LONG_QUESTION;
  const normalized = normalizeText(text);
  if (PRICE_TALK.test(normalized)) return HandoverReason.PRICE_QUESTION;
  if (!isQuestion(normalized)) return null;
  if (PRICE.test(normalized)) return HandoverReason.PRICE_QUESTION;
  if (SCHEDULING.test(normalized)) return HandoverReason.SCHEDULING_QUESTION;
  return null;
}

/**
 * Price talk anywhere in a message ("any chance of a student discount", "bit out of my range"):
 * handed over like a price question, never taken as an answer.
 */
export function priceTalk(text: string | null): boolean {
  return text !== null && PRICE_TALK.test(normalizeText(text));
}

/**
 * A question about an amount ("is £200 enough?", "would 300 quid cover it"): price talk for the
 * artist at any question but the budget, where "£400, is that enough?" is the answer given.
 */
export function amountQuestion(text: string | null): boolean {
  if (!text) return false;
  return questionSentences(normalizeText(text)).some(({ sentence, asked }) => (asked || QUESTION_OPENERS.test(sentence)) && AMOUNT.test(sentence));
}

/**
 * A question to the artist that is not about price or scheduling ("do you do colour?", "how long
 * does it take to heal?"): never an answer; the client gets a holding reply and the question again.
 * A hedged answer ("forearm?", "is forearm ok?") is not one: it names no "you" and asks nothing
 * about the work.
 */
export function artistQuestion(text: string | null, artistName: string): boolean {
  if (!text) return false;
  const name = normalizeText(artistName);
  const named = name === "" ? null : new RegExp(`(?<![a-z])${escapeRegExp(name)}(?![a-z])`);
  const normalized = normalizeText(text);
  return questionSentences(normalized).some(({ sentence, asked }) => {
    if (ABOUT_THE_WORK.test(sentence) || PRESENCE.test(sentence)) return true;
    if ((asked || QUESTION_OPENERS.test(sentence)) && ABOUT_THE_VISIT.test(sentence)) return true;
    const addressed = (ADDRESSES_ARTIST.test(sentence) && !DEFERS.test(sentence)) || (named !== null && named.test(sentence));
    if (QUESTION_OPENERS.test(sentence) && addressed) return true;
    return asked && (addressed || PAIN.test(sentence) || WH_QUESTION.test(sentence));
  });
}

/** Greetings and fillers before a question ("hi, do you…", "quick question: how long…"). */
const LEAD_IN = /^(?:(?:hi|hey|hiya|hello|heya|sorry|oh|also|and|btw|ok|okay|oh and|quick question|one more thing)[\s,!.:;-]+)+/;

/** The sentences of a message, each without its lead-in. */
function sentences(normalized: string): string[] {
  return questionSentences(normalized).map((s) => s.sentence);
}

/** The sentences of a message without their lead-ins, each with whether it ends in "?". */
function questionSentences(normalized: string): { sentence: string; asked: boolean }[] {
  return [...normalized.matchAll(/([^.!?\n]+)([.!?\n]*)/gu)]
    .map((m) => ({ sentence: (m[1] ?? "").trim().replace(LEAD_IN, ""), asked: (m[2] ?? "").includes("?") }))
    .filter((s) => s.sentence !== "");
}

/** CONTINUE (or "carry on"): the client wants the assistant back after a handover. */
export function isContinue(text: string | null): boolean {
  return text !== null && CONTINUE_WORDS.has(bare(text));
}
