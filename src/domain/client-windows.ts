/**
 * The client's timing preferences for the gap search: a small typed form of what the
 * consultation's timing answer stores (`TimeWindows` of parsing/time-windows.ts, as jsonb), read
 * back through zod, and the one test of whether a local day and part of the day fit them.
 */
import { z } from "zod";
import { LocalDate } from "./availability.ts";
import { PARTS_OF_DAY, WEEKDAYS, type PartOfDay, type Weekday } from "./parsing/time.ts";

/** One window the client said suits them; each field narrows it, an absent field does not. */
export const ClientWindow = z.object({
  days: z.array(z.enum(WEEKDAYS)).optional(),
  partOfDay: z.enum(PARTS_OF_DAY).optional(),
  /** First possible local date (inclusive). */
  from: LocalDate.optional(),
  /** Last possible local date (inclusive). */
  to: LocalDate.optional(),
});
export type ClientWindow = z.infer<typeof ClientWindow>;

/** The client's timing: windows, or flexible (any time will do). No windows reads as flexible. */
export const ClientWindows = z.object({
  windows: z.array(ClientWindow).max(20).default([]),
  flexible: z.boolean().default(false),
});
export type ClientWindows = z.infer<typeof ClientWindows>;

/** Any time will do. */
export const FLEXIBLE: ClientWindows = { windows: [], flexible: true };

/**
 * The client's windows from what the consultation stored for the timing answer (the
 * `TimeWindows` of parsing/time-windows.ts, as jsonb). Anything unreadable or absent is flexible:
 * offering any time beats offering nothing.
 */
export function clientWindowsFrom(stored: unknown): ClientWindows {
  const parsed = ClientWindows.safeParse(stored);
  return parsed.success ? parsed.data : FLEXIBLE;
}

/** Whether a local day (and, unless null, the part of the day a session starts in) fits the windows. */
export function matchesDay(windows: ClientWindows, weekday: Weekday, iso: string, part: PartOfDay | null): boolean {
  if (windows.flexible || windows.windows.length === 0) return true;
  return windows.windows.some(
    (w) =>
      (w.days === undefined || w.days.length === 0 || w.days.includes(weekday)) &&
      (part === null || w.partOfDay === undefined || w.partOfDay === part) &&
      (w.from === undefined || w.from <= iso) &&
      (w.to === undefined || iso <= w.to),
  );
}
