/**
 * The artist's tour: the schedule (validated from the TOUR_SCHEDULE variable), the stops still
 * ahead at a given moment, and the offer made to a client whose budget is below their region's
 * minimum (stored in leads.tour_offer, validated again when read back).
 */
import { z } from "zod";
import { Region } from "./lead-status.ts";
import { CURRENCIES } from "./parsing/index.ts";

/** A calendar date, "2027-02-01": a stop is whole days, with no time of day or zone. */
const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date like 2027-02-01")
  .refine((v) => new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), "is not a real date");

/** One stop: where the artist guest-spots, from and to which day (inclusive). */
export const TourStopSchema = z
  .object({
    city: z.string().trim().min(1).max(60),
    country: z.string().trim().min(1).max(60),
    region: z.enum(Region),
    from: CalendarDate,
    to: CalendarDate,
  })
  .refine((stop) => stop.from <= stop.to, { message: "from must not be after to", path: ["to"] });
export type TourStop = z.infer<typeof TourStopSchema>;

export const TourScheduleSchema = z.array(TourStopSchema).max(100);
export type TourSchedule = z.infer<typeof TourScheduleSchema>;

/** Midnight UTC at the start of a calendar date. */
export function dayStart(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** Stops that start after `now`, soonest first: the ones a client can still be offered. */
export function upcomingStops(schedule: readonly TourStop[], now: Date): TourStop[] {
  return schedule.filter((stop) => dayStart(stop.from).getTime() > now.getTime()).sort((a, b) => a.from.localeCompare(b.from));
}

const Money = z.object({ amountMinor: z.number().int(), currency: z.enum(CURRENCIES) });

/** What happened when the budget was found below the region's minimum. */
export const TourOutcome = { OFFERED: "offered", ACCEPTED: "accepted", DECLINED: "declined", NO_TOUR: "no_tour" } as const;
export type TourOutcome = (typeof TourOutcome)[keyof typeof TourOutcome];

/** leads.tour_offer: the budget check, the stops offered and what the client chose. */
export const TourOfferSchema = z.object({
  at: z.string(),
  region: z.enum(Region),
  budget: Money,
  minimum: Money,
  stops: z.array(TourStopSchema),
  outcome: z.enum(TourOutcome),
  /** The stop the client accepted (outcome "accepted"). */
  accepted: TourStopSchema.nullable(),
});
export type TourOffer = z.infer<typeof TourOfferSchema>;

/** Reads a stored tour offer; anything that is not one (or nothing) is null. */
export function readTourOffer(value: unknown): TourOffer | null {
  const parsed = TourOfferSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
