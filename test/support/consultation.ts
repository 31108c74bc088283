/**
 * A client who answers every consultation question well: one typed answer per question, in order,
 * with the value Inkline should store for it. Shared by the engine's unit tests and the transcript
 * tests through the Worker (pure data, runs in Node and in workerd).
 */
import type { QuestionKey } from "../../src/domain/questions.ts";

const MANCHESTER = { city: "Manchester", country: "United Kingdom", countryCode: "GB", region: "UK", flexible: false };

/** Per question: what the client types and what is stored as the answer's value. */
export const GOOD_ANSWERS = {
  idea: { text: "a koi fish swimming upstream", value: { text: "a koi fish swimming upstream" } },
  placement: { text: "left forearm", value: { text: "left forearm" } },
  dimensions: { text: "10 x 15 cm", value: { widthCm: 10, heightCm: 15 } },
  style: { text: "blackwork", value: { text: "blackwork" } },
  complexity: { text: "2", value: 2 },
  coverup: { text: "no", value: false },
  reference_images: { text: "no", value: { provided: false } },
  budget: { text: "£400", value: { amountMinor: 40_000, currency: "GBP" } },
  location_city: { text: "Manchester", value: MANCHESTER },
  location_country: { text: "United Kingdom", value: { country: "United Kingdom", countryCode: "GB", region: "UK", flexible: false } },
  instagram: { text: "@ink.lover", value: "ink.lover" },
  travel_city: { text: "same", value: MANCHESTER },
  timing: { text: "weekday evenings", value: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], partOfDay: "evening" }], flexible: false } },
} as const satisfies Record<QuestionKey, { text: string; value: unknown }>;

/** The 13 typed answers, in question order. */
export const GOOD_ANSWER_TEXTS: readonly string[] = Object.values(GOOD_ANSWERS).map((a) => a.text);
