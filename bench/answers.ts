/**
 * The consultation the bench plays for every number: the opening message, then one good answer per
 * question of src/domain/questions.ts, in order. One place to update when the questions change.
 */

/** Starts the consultation. */
export const OPENING_MESSAGE = "Hi";

/** Good answers, in question order (idea … timing). */
export const GOOD_ANSWERS = [
  "a fine-line swallow with a banner",
  "left forearm",
  "10 x 15 cm",
  "fine line",
  "2",
  "no",
  "no",
  "£400",
  "London",
  "United Kingdom",
  "@ink.lover",
  "same",
  "weekday evenings in the next 2-4 weeks",
] as const;

/** Every message one client sends in a full consultation (14). */
export const CONSULTATION: readonly string[] = [OPENING_MESSAGE, ...GOOD_ANSWERS];
