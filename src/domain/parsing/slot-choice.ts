/**
 * Slot choice parser: which of the offered booking slots a reply picks. "2", "option 3", "#2",
 * "the second one", "last", "Thursday afternoon", "the 2pm one", "14:00", or a slot's label.
 *
 * Picking the wrong slot is worse than asking again, so anything that does not point at exactly
 * one slot fails: "1 or 2", "either", numbers inside sentences ("I have 3 questions"), negations
 * ("can't do Thursday"), or descriptions several slots fit. Local times and weekdays are read with
 * Intl in the studio's time zone.
 */
import { fail, ok, type ParseResult } from "./result.ts";
import { containsAnyPhrase, normalizeText, smallNumber } from "./text.ts";
import { localParts, partOfDayForHour, partOfDayOf, weekdayOf, type LocalParts, type PartOfDay, type Weekday } from "./time.ts";

/** A slot as offered to the client. */
export interface SlotOption {
  readonly id: string;
  /** ISO instant. */
  readonly start: string;
  readonly label: string;
}

/** The chosen slot: its position in the offered list (0-based) and its id. */
export interface SlotChoice {
  index: number;
  id: string;
}

/** Why a reply could not be read as one slot. */
export type SlotChoiceFailure = "empty" | "no_slots" | "ambiguous" | "out_of_range" | "no_match" | "none_suit";

const ORDINAL_WORDS = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10,
  last: -1, final: -1,
} as const satisfies Record<string, number>;

/** Words that carry no choice: "I'll take option 2 please, thanks!" is just "2". */
const FILLERS = new Set([
  "the", "option", "opt", "number", "num", "no", "slot", "choice", "please", "pls", "plz", "thanks", "thank",
  "you", "thx", "ta", "cheers", "ok", "okay", "yes", "yeah", "yep", "i'll", "ill", "i", "will", "would", "take",
  "i'd", "id", "like", "go", "with", "for", "let's", "lets", "choose", "pick", "want", "works", "work", "is",
  "good", "great", "perfect", "sounds", "me", "best", "fine", "that", "do", "can", "book", "have", "one", "it",
  "it's", "its", "be", "lovely", "a", "oh", "hi", "hey", "grab", "prefer",
]);
const REF_WORDS = new Set(["option", "opt", "number", "num", "no", "slot", "choice", "#"]);
const JOINERS = new Set(["or", "and", "/", "-", ",", "&"]);
const NEGATIONS = new Set(["not", "can't", "cant", "cannot", "won't", "wont", "don't", "dont", "unable", "isn't", "doesn't", "busy"]);

const NONE_PHRASES = [
  "none", "neither", "none of them", "none of these", "doesn't work", "doesnt work", "don't work", "dont work",
  "can't do any", "cant do any", "can't make any", "other times", "another time", "different time", "other dates",
  "something else", "any other",
];
const EITHER_PHRASES = [
  "either", "whichever", "both", "any of them", "any of these", "any of those", "any is fine", "any will do",
  "doesn't matter", "doesnt matter", "don't mind", "dont mind", "no preference", "you choose", "you pick",
];

const TOKEN = /[0-9]{1,2}[:.][0-9]{2}|[0-9]+(?:st|nd|rd|th)?|[\p{L}']+|[^\s\p{L}\p{N}]/gu;

/** 1-based position (or -1 for "last") named by a single token. */
function positionOf(token: string | undefined): number | null {
  if (token === undefined) return null;
  if (Object.hasOwn(ORDINAL_WORDS, token)) return ORDINAL_WORDS[token as keyof typeof ORDINAL_WORDS];
  const ordinal = /^([0-9]{1,3})(?:st|nd|rd|th)?$/.exec(token);
  if (ordinal !== null) return Number(ordinal[1]);
  return token === "a" || token === "few" || token === "couple" ? null : smallNumber(token);
}

type Pick = ParseResult<SlotChoice, SlotChoiceFailure>;

function pickPosition(position: number, slots: readonly SlotOption[]): Pick {
  const index = position === -1 ? slots.length - 1 : position - 1;
  const slot = slots[index];
  return slot === undefined ? fail("out_of_range") : ok({ index, id: slot.id });
}

interface Constraints {
  weekdays: Set<Weekday>;
  parts: Set<PartOfDay>;
  times: { hour: number; minute?: number; exact: boolean }[];
  daysOfMonth: Set<number>;
  refs: Set<number>;
}

function readConstraints(tokens: readonly string[]): Constraints {
  const found: Constraints = { weekdays: new Set(), parts: new Set(), times: [], daysOfMonth: new Set(), refs: new Set() };
  tokens.forEach((token, i) => {
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    const weekday = weekdayOf(token);
    if (weekday !== undefined) found.weekdays.add(weekday);
    const part = partOfDayOf(token);
    if (part !== undefined) found.parts.add(part);
    if (token === "noon" || token === "midday") found.times.push({ hour: 12, minute: 0, exact: true });
    const clock = /^([0-9]{1,2})(?:[:.]([0-9]{2}))?$/.exec(token);
    const meridiem = next === "am" || next === "pm" ? next : undefined;
    if (clock !== null && (clock[2] !== undefined || meridiem !== undefined || next === "o'clock" || next === "oclock" || prev === "at")) {
      let hour = Number(clock[1]);
      if (meridiem === "pm" && hour < 12) hour += 12;
      if (meridiem === "am" && hour === 12) hour = 0;
      const minute = clock[2] === undefined ? undefined : Number(clock[2]);
      if (hour < 24 && (minute === undefined || minute < 60)) {
        found.times.push({ hour, ...(minute === undefined ? {} : { minute }), exact: meridiem !== undefined || hour > 12 || hour === 0 });
      }
    }
    const position = positionOf(token);
    if (position !== null && prev !== undefined && REF_WORDS.has(prev)) found.refs.add(position);
    else if (position !== null && !/^[0-9]+$/.test(token) && (next === "one" || next === "option" || next === "slot")) found.refs.add(position);
    else if (/^[0-9]{1,2}(?:st|nd|rd|th)$/.test(token)) found.daysOfMonth.add(Number.parseInt(token, 10));
  });
  return found;
}

/** Whether a slot fits; "2pm" means 14:00 unless `looseMinutes` lets it match 14:30 too. */
function fits(slot: LocalParts | null, wanted: Constraints, looseMinutes = false): boolean {
  if (slot === null) return false;
  if (wanted.weekdays.size > 0 && !wanted.weekdays.has(slot.weekday)) return false;
  if (wanted.parts.size > 0 && !wanted.parts.has(partOfDayForHour(slot.hour))) return false;
  if (wanted.daysOfMonth.size > 0 && !wanted.daysOfMonth.has(slot.day)) return false;
  return (
    wanted.times.length === 0 ||
    wanted.times.some(
      (t) =>
        (t.exact ? t.hour === slot.hour : t.hour % 12 === slot.hour % 12) &&
        (t.minute === undefined ? looseMinutes || slot.minute === 0 : t.minute === slot.minute),
    )
  );
}

/** The one slot `matches` allows, or why not. */
function single(matches: readonly number[], slots: readonly SlotOption[], none: SlotChoiceFailure): Pick {
  const [index, ...others] = matches;
  const slot = index === undefined ? undefined : slots[index];
  if (index === undefined || slot === undefined) return fail(none);
  return others.length > 0 ? fail("ambiguous") : ok({ index, id: slot.id });
}

/**
 * Reads which slot a reply chooses. `timeZone` (default Europe/London) is the zone the labels
 * were written in, used to match weekdays and clock times.
 */
export function parseSlotChoice(text: string, slots: readonly SlotOption[], timeZone = "Europe/London"): Pick {
  const normalized = normalizeText(text);
  if (normalized === "") return fail("empty");
  if (slots.length === 0) return fail("no_slots");
  const trimmed = typeof text === "string" ? text.trim() : "";
  const byId = slots.findIndex((slot) => /[^0-9]/.test(slot.id) && slot.id === trimmed);
  if (byId !== -1) return single([byId], slots, "no_match");
  const bare = normalized.replace(/[.!?\s]+$/u, "");
  const byLabel = slots.flatMap((slot, index) => (normalizeText(slot.label).replace(/[.!?\s]+$/u, "") === bare ? [index] : []));
  if (byLabel.length > 0) return single(byLabel, slots, "no_match");
  if (containsAnyPhrase(normalized, NONE_PHRASES)) return fail("none_suit");
  if (bare === "any" || containsAnyPhrase(normalized, EITHER_PHRASES)) return fail("ambiguous");

  const tokens = normalized.match(TOKEN) ?? [];
  // A bare position: every word but one is filler ("one" only after a number: "the 2nd one").
  const content = tokens.filter((token, i) => {
    if (token === "one") return REF_WORDS.has(tokens[i - 1] ?? "") || i === 0 && tokens.length === 1;
    return !FILLERS.has(token) && /[\p{L}\p{N}]/u.test(token);
  });
  const positions = content.map(positionOf);
  if (content.length > 0 && positions.every((p) => p !== null)) {
    const [position, ...others] = positions;
    if (position === undefined || position === null) return fail("no_match");
    if (others.length > 0) return fail("ambiguous");
    const dayOfMonth = /^[0-9]+(?:st|nd|rd|th)$/.test(content[0] ?? "") && position > slots.length;
    if (!dayOfMonth) return pickPosition(position, slots);
  }
  if (content.length > 1 && content.every((token) => positionOf(token) !== null || JOINERS.has(token))) return fail("ambiguous");

  const wanted = readConstraints(tokens);
  const described = wanted.weekdays.size + wanted.parts.size + wanted.times.length + wanted.daysOfMonth.size > 0;
  if (!described && wanted.refs.size === 0) return fail("no_match");
  if (tokens.some((token) => NEGATIONS.has(token))) return fail("ambiguous");
  const local = slots.map((slot) => localParts(new Date(slot.start), timeZone));
  if (wanted.refs.size > 1) return fail("ambiguous");
  const [ref] = wanted.refs;
  if (ref !== undefined) {
    const picked = pickPosition(ref, slots);
    if (!picked.ok || !described) return picked;
    return fits(local[picked.value.index] ?? null, wanted, true) ? picked : fail("ambiguous");
  }
  const matching = (loose: boolean): number[] => local.flatMap((parts, index) => (fits(parts, wanted, loose) ? [index] : []));
  const strict = matching(false);
  return single(strict.length > 0 ? strict : matching(true), slots, "no_match");
}
