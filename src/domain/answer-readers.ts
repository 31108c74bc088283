/**
 * How each consultation answer is read: one table from question key to a reader built on the
 * parsers, and the repair copy for each failure. The engine only asks "did this message answer
 * the question, and if not, which hint do I send?"; which parser runs is data here.
 *
 * A reader also refuses wrong-field answers: "£400" is not a placement and not a size, even
 * though the free-text and dimension parsers alone would take it.
 */
import type { CopyKey } from "./copy.ts";
import {
  answerSignals,
  parseBudget,
  parseComplexity,
  parseDimensions,
  parseInstagramHandle,
  parseLocation,
  parseTimeWindows,
  parseYesNo,
  type Budget,
  type Complexity,
  type Dimensions,
  type Location,
  type Signal,
  type TimeWindows,
} from "./parsing/index.ts";
import { normalizeText } from "./parsing/text.ts";
import type { QuestionKey } from "./questions.ts";

/** The parts of a client message a reader looks at. */
export interface AnswerMessage {
  text: string | null;
  /** Id of a tapped reply button: read before the text. */
  replyId: string | null;
  /** An image or document the message carries. */
  mediaId: string | null;
}

/** What a reader may need beyond the message. */
export interface ReadContext {
  now: Date;
  /** The client's home location (their location_city answer), for "same" as the travel city. */
  home: Location | null;
}

/** A free-text answer; the idea may be a picture instead (or as well). */
export interface FreeText {
  text: string | null;
  mediaId?: string;
}

/** The reference-images answer: an image now, or "no". */
export interface ReferenceImages {
  provided: boolean;
  mediaId?: string;
}

/** The value stored in lead_answers.value for each question. */
export interface AnswerValues {
  idea: FreeText;
  placement: FreeText;
  dimensions: Dimensions;
  style: FreeText;
  complexity: Complexity;
  coverup: boolean;
  reference_images: ReferenceImages;
  budget: Budget;
  location_city: Location;
  location_country: Location;
  /** null: the client has no handle or would rather not say. */
  instagram: string | null;
  travel_city: Location;
  timing: TimeWindows;
}

export type ReadResult<T> = { ok: true; value: T } | { ok: false; reason: string };
type Reader<T> = (message: AnswerMessage, ctx: ReadContext) => ReadResult<T>;

/** Longest free-text answer kept; longer is a letter, not an answer. */
export const MAX_FREE_TEXT_CHARS = 1_000;

/** The client said they have images but has not sent one yet: a nudge, not a failure. */
const AWAITING_UPLOAD = "awaiting_upload";

const ok = <T>(value: T): ReadResult<T> => ({ ok: true, value });
const fail = <T>(reason: string): ReadResult<T> => ({ ok: false, reason });

/** Replies that answer no free-text question ("yes", "not sure"). */
const NON_ANSWERS = new Set([
  "yes", "no", "ok", "okay", "k", "idk", "dunno", "not sure", "no idea", "unsure", "maybe", "hi", "hello", "hey",
  "hi there", "hello there", "hey there", "hiya", "heya", "hey hey", "good morning", "good afternoon", "good evening",
  "thanks", "thank you", "?", "same", "none", "n/a", "continue",
  "not sure yet", "no idea yet", "haven't decided", "havent decided", "not decided yet", "still deciding", "idk yet", "hmm", "umm",
]);

/** Other-field content removed before a free-text answer is judged: prices, sizes, handles, numbers. */
const FOREIGN_PATTERNS = [
  /[£$€]\s*[0-9][0-9,.]*\s*k?/g,
  /[0-9][0-9,.]*\s*k?\s*(?:quid|pounds?|gbp|eur|euros?|usd|dollars?)(?![a-z])/g,
  /[0-9]+(?:[.,][0-9]+)?\s*(?:cm|mm|inches|inch|in|")?\s*(?:x|×|by)\s*[0-9]+(?:[.,][0-9]+)?\s*(?:cm|mm|inches|inch|in|")?/g,
  /[0-9]+(?:[.,][0-9]+)?\s*(?:cm|mm|inches|inch|")/g,
  /@[a-z0-9._]+/g,
  /[0-9]+/g,
];
/** Filler around a price or size ("about £400", "budget max 500"): not content of its own. */
const FILLER = /(?<![a-z])(?:about|around|roughly|approx|approximately|maybe|max|min|budget|is|my|of|up|to|under|over|like|ish|size|big|wide|tall|high|and|or|the|a|it|its|it's|i|have|got)(?![a-z])/g;

/**
 * Why a free-text answer has no content of its own, once other fields' content and filler are
 * removed ("£400" at the placement question: "wrong_field"), or null when it has some.
 */
function lacksOwnContent(text: string): "wrong_field" | "not_an_answer" | null {
  const normalized = normalizeText(text);
  let rest = normalized;
  for (const pattern of FOREIGN_PATTERNS) rest = rest.replace(pattern, " ");
  const foreign = rest.trim() !== normalized;
  rest = rest.replace(FILLER, " ");
  if ((rest.match(/\p{L}/gu) ?? []).length >= 2 || /\p{Extended_Pictographic}/u.test(rest)) return null;
  return foreign ? "wrong_field" : "not_an_answer";
}

function freeText(allowImage: boolean): Reader<FreeText> {
  return (message) => {
    const text = (message.text ?? "").trim();
    if (allowImage && message.mediaId !== null) return ok({ text: text === "" ? null : text, mediaId: message.mediaId });
    if (text === "") return fail("empty");
    if (text.length > MAX_FREE_TEXT_CHARS) return fail("too_long");
    if (NON_ANSWERS.has(normalizeText(text).replace(/[.!\s]+$/u, ""))) return fail("not_an_answer");
    const lacking = lacksOwnContent(text);
    return lacking === null ? ok({ text }) : fail(lacking);
  };
}

/** What a button tap or typed text says. */
const said = (message: AnswerMessage): string => message.replyId ?? message.text ?? "";

/**
 * A parser-backed reader that refuses text carrying only another field's signal
 * (`£40` at the size question parses as 40 cm, but it is a budget).
 */
function parsed<T>(parse: (text: string, ctx: ReadContext) => ReadResult<T>, own: Signal, foreign: readonly Signal[]): Reader<T> {
  return (message, ctx) => {
    const text = said(message);
    const signals = answerSignals(text);
    if (!signals.has(own) && foreign.some((s) => signals.has(s))) return fail("wrong_field");
    return parse(text, ctx);
  };
}

function location(require: "city" | "country" | "any"): Reader<Location> {
  return parsed(
    (text) => {
      const result = parseLocation(text);
      if (!result.ok) return result;
      if (require === "city" && result.value.city === undefined) return fail("no_city");
      if (require === "country" && result.value.countryCode === undefined) return fail("no_country");
      return result;
    },
    "location",
    ["budget", "dimensions", "instagram"],
  );
}

/** "Same", "same city", "where I live": the travel city is the home city. */
const SAME_AS_HOME = /^(?:the )?same(?: (?:city|place|one|town|as (?:home|above|before)))?$|^(?:where i live|home|my city|here)$/;

const travelCity: Reader<Location> = (message, ctx) => {
  const text = normalizeText(said(message)).replace(/[.!\s]+$/u, "");
  if (SAME_AS_HOME.test(text)) return ctx.home === null ? fail("unknown_home") : ok(ctx.home);
  return location("any")(message, ctx);
};

const referenceImages: Reader<ReferenceImages> = (message) => {
  if (message.mediaId !== null) return ok({ provided: true, mediaId: message.mediaId });
  const answer = parseYesNo(said(message));
  if (!answer.ok) return answer;
  return answer.value ? fail(AWAITING_UPLOAD) : ok({ provided: false });
};

const instagram: Reader<string | null> = parsed<string | null>(
  (text) => {
    const result = parseInstagramHandle(text);
    if (result.ok) return result;
    return result.reason === "none" ? ok(null) : result;
  },
  "instagram",
  ["budget", "dimensions"],
);

const MONEY_AND_SIZE: readonly Signal[] = ["budget", "dimensions", "instagram"];

/** Question → reader: the single place that says how each answer is understood. */
export const ANSWER_READERS: { [K in QuestionKey]: Reader<AnswerValues[K]> } = {
  idea: freeText(true),
  placement: freeText(false),
  dimensions: parsed((text) => parseDimensions(text), "dimensions", ["budget", "instagram"]),
  style: freeText(false),
  complexity: parsed((text) => parseComplexity(text), "complexity", MONEY_AND_SIZE),
  coverup: parsed((text) => parseYesNo(text), "coverup", MONEY_AND_SIZE),
  reference_images: referenceImages,
  budget: parsed((text) => parseBudget(text), "budget", ["dimensions", "instagram"]),
  location_city: location("city"),
  location_country: location("country"),
  instagram,
  travel_city: travelCity,
  timing: parsed((text, ctx) => parseTimeWindows(text, ctx.now), "timing", MONEY_AND_SIZE),
};

const FREE_TEXT: ReadonlySet<QuestionKey> = new Set(["idea", "placement", "style"]);

/** Pieces of a message that may each answer a different question. */
function segments(text: string): string[] {
  return text
    .split(/[,;\n]| and | & /u)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * Reads `message` as the answer to `key`. When the message carries several answers (`multi`)
 * and does not parse as a whole, the one piece that parses for this question is kept, provided
 * no other piece says something different.
 */
export function readAnswer<K extends QuestionKey>(
  key: K,
  message: AnswerMessage,
  ctx: ReadContext,
  multi: boolean,
): ReadResult<AnswerValues[K]> {
  const reader: Reader<AnswerValues[K]> = ANSWER_READERS[key];
  const whole = reader(message, ctx);
  if (whole.ok || !multi || FREE_TEXT.has(key) || message.text === null || message.replyId !== null) return whole;
  const found = new Map<string, AnswerValues[K]>();
  for (const piece of segments(message.text)) {
    const result = reader({ ...message, text: piece }, ctx);
    if (result.ok) found.set(JSON.stringify(result.value), result.value);
  }
  const [only, ...others] = [...found.values()];
  return only !== undefined && others.length === 0 ? ok(only) : whole;
}

/** Failures that are not the client's mistake (a nudge to send the images they mentioned). */
export function countsAsFailure(reason: string): boolean {
  return reason !== AWAITING_UPLOAD;
}

/** Repair copy for failures that read the same whatever the question. */
const REPAIR_BY_REASON: Readonly<Record<string, CopyKey>> = {
  too_long: "repair.too_long",
  wrong_field: "repair.wrong_field",
  [AWAITING_UPLOAD]: "repair.reference_images_send",
};

/** Repair copy for failures that need their own hint on one question. */
const REPAIR_BY_QUESTION_REASON: Partial<Record<QuestionKey, Readonly<Record<string, CopyKey>>>> = {
  dimensions: { too_large: "repair.dimensions_too_large", half_size: "repair.dimensions_half" },
};

/** The hint that re-asks `key` after a failure for `reason`. */
export function repairCopyKey(key: QuestionKey, reason: string): CopyKey {
  const specific = REPAIR_BY_QUESTION_REASON[key];
  if (specific && Object.hasOwn(specific, reason)) return specific[reason] ?? `repair.${key}`;
  return Object.hasOwn(REPAIR_BY_REASON, reason) ? (REPAIR_BY_REASON[reason] ?? `repair.${key}`) : `repair.${key}`;
}
