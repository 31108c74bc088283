/**
 * Yes/no parser: "yes please", "yeah", "👍", "nope", "not really", button ids "yes"/"no" → boolean.
 *
 * The opening clause decides ("no, it's a new piece" is a no even though it goes on); "maybe" and
 * "not sure" are their own answer ("unsure") so the engine can explain the question instead of
 * repeating it.
 */
import { fail, ok, type ParseResult } from "./result.ts";
import { claimPhrases, longestFirst, normalizeText } from "./text.ts";

/** Why a message could not be read as yes or no. */
export type YesNoFailure = "empty" | "unsure" | "ambiguous" | "no_match";

type Answer = "yes" | "no" | "unsure";

const ANSWER_PHRASES = {
  yes: [
    "yes", "yeah", "yea", "yah", "ya", "yep", "yup", "yh", "ye", "yes please", "sure", "ok", "okay", "definitely",
    "deffo", "absolutely", "of course", "certainly", "correct", "that's right", "aye", "affirmative", "for sure",
    "go ahead", "sounds good", "please do", "i do", "it is", "i think so", "true", "yass", "yesss", "yess",
  ],
  no: [
    "no", "nope", "nah", "na", "not really", "no thanks", "no thank you", "never", "negative", "i don't",
    "i do not", "it isn't", "it's not", "it is not", "don't think so", "i don't think so", "nay", "false",
    "no way", "not at all", "not this time",
  ],
  unsure: [
    "maybe", "not sure", "not really sure", "unsure", "perhaps", "possibly", "dunno", "don't know", "dont know",
    "do not know", "idk", "no idea", "not certain", "undecided", "not decided", "probably", "might", "kind of",
    "sort of", "depends", "it depends",
  ],
} as const satisfies Record<Answer, readonly string[]>;

const PHRASES = longestFirst([
  ["yes", ANSWER_PHRASES.yes],
  ["no", ANSWER_PHRASES.no],
  ["unsure", ANSWER_PHRASES.unsure],
] as const);

/** Emoji answers, matched anywhere (skin-tone variants contain the base emoji). */
const YES_EMOJI = ["👍", "✅", "👌", "✔", "🙌"] as const;
const NO_EMOJI = ["👎", "❌", "🚫", "✖"] as const;

/** One-letter answers count only when they are the whole message. */
const WHOLE_MESSAGE = { y: "yes", n: "no", k: "yes" } as const satisfies Record<string, Answer>;

function answersIn(clause: string): Set<Answer> {
  const found = new Set<Answer>(claimPhrases(clause, PHRASES));
  if (YES_EMOJI.some((emoji) => clause.includes(emoji))) found.add("yes");
  if (NO_EMOJI.some((emoji) => clause.includes(emoji))) found.add("no");
  return found;
}

function decide(found: ReadonlySet<Answer>): ParseResult<boolean, YesNoFailure> | null {
  if (found.has("unsure")) return fail("unsure");
  if (found.has("yes") && found.has("no")) return fail("ambiguous");
  if (found.has("yes")) return ok(true);
  if (found.has("no")) return ok(false);
  return null;
}

/** Reads a yes/no answer (reply-button ids "yes"/"no" included). */
export function parseYesNo(text: string): ParseResult<boolean, YesNoFailure> {
  const normalized = normalizeText(text);
  if (normalized === "") return fail("empty");
  const bare = normalized.replace(/[.!?\s]+$/u, "");
  if (Object.hasOwn(WHOLE_MESSAGE, bare)) return ok(WHOLE_MESSAGE[bare as keyof typeof WHOLE_MESSAGE] === "yes");
  // The opening clause first: "no, but I have a photo of something similar" is a no.
  const opening = normalized.split(/[,.;:!?\n]| but | although | though /u)[0] ?? "";
  return decide(answersIn(opening)) ?? decide(answersIn(normalized)) ?? fail("no_match");
}
