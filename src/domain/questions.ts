/**
 * The consultation's questions, in the order they are asked: one data table. Each names its copy
 * key, how the client can answer (free text, reply buttons, or an image) and, for closed
 * questions, the reply buttons WhatsApp shows. How an answer is read lives in answer-readers.ts.
 */
import type { CopyKey } from "./copy.ts";

export const QUESTION_KEYS = [
  "idea",
  "placement",
  "dimensions",
  "style",
  "complexity",
  "coverup",
  "reference_images",
  "budget",
  "location_city",
  "location_country",
  "instagram",
  "travel_city",
  "timing",
] as const;

export type QuestionKey = (typeof QUESTION_KEYS)[number];

/** How a question is answered: typed text, a text or a picture, a level, yes/no, images or "no". */
export type AnswerInput = "text" | "text_or_image" | "complexity" | "yes_no" | "image_or_no";

/** A reply button: the id WhatsApp echoes back when tapped, and the copy key of its title. */
export interface QuestionButton {
  id: string;
  titleKey: CopyKey;
}

export interface Question {
  key: QuestionKey;
  copyKey: CopyKey;
  input: AnswerInput;
  /** Reply buttons for closed questions (≤ 3); typed answers keep working alongside them. */
  buttons: readonly QuestionButton[];
}

const YES_NO: readonly QuestionButton[] = [
  { id: "yes", titleKey: "button.yes" },
  { id: "no", titleKey: "button.no" },
];

/** Per-question input and buttons; questions not listed are free text without buttons. */
const SPECS: Partial<Record<QuestionKey, Pick<Question, "input" | "buttons">>> = {
  idea: { input: "text_or_image", buttons: [] },
  complexity: {
    input: "complexity",
    buttons: [
      { id: "complexity_1", titleKey: "button.complexity_1" },
      { id: "complexity_2", titleKey: "button.complexity_2" },
      { id: "complexity_3", titleKey: "button.complexity_3" },
    ],
  },
  coverup: { input: "yes_no", buttons: YES_NO },
  reference_images: {
    input: "image_or_no",
    buttons: [
      { id: "yes", titleKey: "button.reference_yes" },
      { id: "no", titleKey: "button.reference_no" },
    ],
  },
};

export const QUESTIONS: readonly Question[] = QUESTION_KEYS.map((key) => ({
  key,
  copyKey: `question.${key}`,
  ...(SPECS[key] ?? { input: "text", buttons: [] }),
}));

/** The question after `key`, or null when `key` is the last one. */
export function nextQuestion(key: QuestionKey | null): Question | null {
  if (key === null) return QUESTIONS[0] ?? null;
  const index = QUESTION_KEYS.indexOf(key);
  return QUESTIONS[index + 1] ?? null;
}

export function questionByKey(key: string | null): Question | null {
  return QUESTIONS.find((q) => q.key === key) ?? null;
}

/** Narrows a stored string to a question key. */
export function asQuestionKey(value: string | null): QuestionKey | null {
  return questionByKey(value)?.key ?? null;
}
