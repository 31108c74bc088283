/**
 * The consultation's questions, in the order they are asked: one data table. Each names its copy
 * key and how the client can answer (free text, reply buttons, or an image).
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

export type AnswerInput = "text" | "complexity" | "yes_no" | "image_or_no";

export interface Question {
  key: QuestionKey;
  copyKey: CopyKey;
  input: AnswerInput;
}

export const QUESTIONS: readonly Question[] = QUESTION_KEYS.map((key) => ({
  key,
  copyKey: `question.${key}`,
  input: key === "complexity" ? "complexity" : key === "coverup" ? "yes_no" : key === "reference_images" ? "image_or_no" : "text",
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
