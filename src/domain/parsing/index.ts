/**
 * The consultation parsers: pure functions from a client's free-text WhatsApp reply to a typed
 * answer or a machine-readable failure reason. No I/O, no clock (time is an argument), no throws.
 */
export type { ParseResult } from "./result.ts";
export { parseDimensions, MAX_DIMENSION_CM, type Dimensions, type DimensionsFailure } from "./dimensions.ts";
export {
  parseBudget,
  CURRENCIES,
  MAX_BUDGET_MAJOR,
  type Budget,
  type BudgetFailure,
  type BudgetOptions,
  type Currency,
} from "./budget.ts";
export { parseLocation, type Location, type LocationFailure, type LocationOptions } from "./location.ts";
export { parseComplexity, type Complexity, type ComplexityFailure } from "./complexity.ts";
export { parseYesNo, type YesNoFailure } from "./yes-no.ts";
export { parseInstagramHandle, type InstagramFailure } from "./instagram.ts";
export {
  parseTimeWindows,
  type TimeWindow,
  type TimeWindows,
  type TimeWindowsFailure,
  type TimeWindowsOptions,
} from "./time-windows.ts";
export { parseSlotChoice, type SlotChoice, type SlotChoiceFailure, type SlotOption } from "./slot-choice.ts";
export { answerSignals, looksLikeMultiAnswer, type Signal } from "./signals.ts";
export type { QuestionKey } from "../questions.ts";
export type { PartOfDay, Weekday } from "./time.ts";
