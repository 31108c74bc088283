/**
 * Multi-answer detection: does a reply to one consultation question also carry answers to others
 * ("left forearm, about 10x15cm, blackwork, budget £400" answers placement, size, style, budget)?
 *
 * Cheap keyword signals, not parsers: the engine uses the verdict to run the real parsers over
 * the message. Strong signals (a size, a price, a handle, a known place, "cover-up") count alone;
 * weak ones (style, body part, detail level, photos, timing words) only count in pairs, because
 * an idea like "a hand holding a rose" naturally mentions a body part.
 */
import type { QuestionKey } from "../questions.ts";
import { mentionsKnownPlace } from "./location.ts";
import { containsAnyPhrase, normalizeText } from "./text.ts";

/** A kind of answer a message carries, named after the question (or question family) it answers. */
export type Signal =
  | "placement" | "dimensions" | "style" | "complexity" | "coverup" | "reference_images" | "budget" | "location"
  | "instagram" | "timing";

/** Which signal answers each question; "idea" is free text with no signal of its own. */
const SIGNAL_OF_QUESTION = {
  idea: null,
  placement: "placement",
  dimensions: "dimensions",
  style: "style",
  complexity: "complexity",
  coverup: "coverup",
  reference_images: "reference_images",
  budget: "budget",
  location_city: "location",
  location_country: "location",
  instagram: "instagram",
  travel_city: "location",
  timing: "timing",
} as const satisfies Record<QuestionKey, Signal | null>;

const STRONG = new Set<Signal>(["dimensions", "budget", "instagram", "location", "coverup"]);

const STYLE_WORDS = [
  "blackwork", "black work", "fineline", "fine line", "fine-line", "traditional", "neo traditional", "neo-traditional",
  "neotrad", "realism", "realistic", "japanese", "irezumi", "tribal", "watercolour", "watercolor", "geometric",
  "dotwork", "dot work", "illustrative", "minimalist", "black and grey", "black and gray", "black & grey",
  "colour", "color", "script", "lettering", "trash polka", "new school", "old school", "sketch", "ornamental",
  "linework", "line work", "stippling", "chicano", "surrealism", "abstract",
];
const BODY_WORDS = [
  "arm", "forearm", "upper arm", "inner arm", "wrist", "hand", "finger", "fingers", "shoulder", "back", "upper back",
  "lower back", "chest", "ribs", "rib", "sternum", "hip", "thigh", "leg", "calf", "shin", "ankle", "foot", "neck",
  "behind the ear", "spine", "stomach", "belly", "sleeve", "half sleeve", "collarbone", "bicep", "tricep", "knee",
];
const COMPLEXITY_WORDS = ["detailed", "intricate", "complex", "very simple", "minimal detail", "lots of detail"];
const COVERUP_WORDS = ["cover up", "cover-up", "coverup", "covering up", "existing tattoo", "old tattoo", "rework"];
const REFERENCE_WORDS = ["reference", "references", "ref pic", "photo", "photos", "picture", "pictures", "pic", "pics", "image", "images", "screenshot", "attached", "pinterest"];
const TIMING_WORDS = [
  "monday", "mondays", "tuesday", "tuesdays", "wednesday", "wednesdays", "thursday", "thursdays", "friday",
  "fridays", "saturday", "saturdays", "sunday", "sundays", "weekend", "weekends", "weekday", "weekdays",
  "mornings", "afternoons", "evenings", "asap", "next week", "next month", "january", "february", "april", "june",
  "july", "august", "september", "october", "november", "december",
];

const SIZE = /[0-9] ?(?:cm|mm|inch|inches|")(?![a-z])|[0-9] ?(?:x|×|by) ?[0-9]/;
const MONEY = /[£$€]|(?<![a-z])(?:budget|pounds|quid|gbp|usd|euros|dollars)(?![a-z])|[0-9] ?k(?![a-z])/;
const HANDLE = /(?<![a-z0-9._])@[a-z0-9._]{2,}|instagram\.com\/|(?<![a-z])(?:ig|insta|instagram) ?:/;

function signalsIn(text: string): Set<Signal> {
  const found = new Set<Signal>();
  if (SIZE.test(text)) found.add("dimensions");
  if (MONEY.test(text)) found.add("budget");
  if (HANDLE.test(text)) found.add("instagram");
  if (containsAnyPhrase(text, COVERUP_WORDS)) found.add("coverup");
  if (containsAnyPhrase(text, STYLE_WORDS)) found.add("style");
  if (containsAnyPhrase(text, BODY_WORDS)) found.add("placement");
  if (containsAnyPhrase(text, COMPLEXITY_WORDS)) found.add("complexity");
  if (containsAnyPhrase(text, REFERENCE_WORDS)) found.add("reference_images");
  if (containsAnyPhrase(text, TIMING_WORDS)) found.add("timing");
  if (mentionsKnownPlace(text)) found.add("location");
  return found;
}

/** The answer signals in a message, strong and weak, for callers that need to know which fields. */
export function answerSignals(text: string): ReadonlySet<Signal> {
  return signalsIn(normalizeText(text));
}

/**
 * True when a reply to `questionKey` seems to also answer other questions: at least one strong
 * signal, or two weak ones, for questions other than the one asked.
 */
export function looksLikeMultiAnswer(text: string, questionKey: QuestionKey): boolean {
  const normalized = normalizeText(text);
  if (normalized === "") return false;
  const own: Signal | null = Object.hasOwn(SIGNAL_OF_QUESTION, questionKey) ? SIGNAL_OF_QUESTION[questionKey] : null;
  const others = [...signalsIn(normalized)].filter((signal) => signal !== own);
  return others.some((signal) => STRONG.has(signal)) || others.length >= 2;
}
