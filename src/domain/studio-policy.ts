/**
 * The studio's policy as data (issue 18): what happens when a booked client cancels, moves their
 * session or does not come, what a client must be to book (minimum age, medical questions), and the
 * aftercare windows. One policy per artist (`artists.policy`, null: {@link defaultPolicy}); the zod
 * schema is the trust boundary for the admin API and the jsonb column.
 *
 * The outcome functions are pure ("now" is an argument): {@link changeOutcome} decides whether a
 * cancel or a reschedule is within the rules and what becomes of the deposit; {@link noShowOutcome}
 * the same for a no-show. The engine turns a fate into ledger entries (deposit.ts), so every outcome
 * is an entry and the ledger balances: paid = refunded + forfeited + credit + applied + held.
 */
import { z } from "zod";

/** What becomes of a paid deposit when a booking ends early or moves. */
export const DepositFate = {
  /** Moves with the booking to its new date (a reschedule). */
  MOVE: "move",
  /** Kept for the client as credit, to use on a new date before it expires. */
  CREDIT: "credit",
  /** Kept by the studio. */
  FORFEIT: "forfeit",
  /** Given back to the client (a Stripe refund). */
  REFUND: "refund",
} as const;
export type DepositFate = (typeof DepositFate)[keyof typeof DepositFate];
export const DEPOSIT_FATES = Object.values(DepositFate) as readonly DepositFate[];

const Fate = z.enum(DEPOSIT_FATES as [DepositFate, ...DepositFate[]]);
const Hours = z.number().int("must be a whole number of hours").min(0, "must not be negative").max(24 * 365, "must be at most a year");

/** A yes/no medical question the studio asks before the deposit ("yes" flags the lead for the artist). */
export const MedicalQuestion = z
  .object({
    id: z.string().regex(/^[a-z0-9_]{1,40}$/, "must be 1–40 lower-case letters, digits or _"),
    question: z.string().trim().min(3).max(300),
  })
  .strict();
export type MedicalQuestion = z.infer<typeof MedicalQuestion>;

export const StudioPolicy = z
  .object({
    /** A cancel or a move at least this long before the session is within the rules. */
    cancellationNoticeHours: Hours,
    /** Moves allowed within the rules per booking (later moves go to the artist). */
    freeReschedules: z.number().int().min(0).max(10),
    /** The deposit when the client cancels in time. */
    depositOnCancelInTime: Fate.exclude(["move"]),
    /** The deposit when the client cancels late (inside the notice); the artist is asked first. */
    depositOnCancelLate: Fate.exclude(["move"]),
    /** The deposit on a move within the rules. */
    depositOnReschedule: Fate,
    /** The deposit when the client does not come. */
    depositOnNoShow: Fate.exclude(["move"]),
    /** How long a credit can be used, days from when it was given. */
    creditExpiryDays: z.number().int().min(1).max(3650),
    /** Whether the deposit is taken off the final price (else it is a booking fee). */
    depositOffFinalPrice: z.boolean(),
    /** A client with a no-show pays this many times the usual deposit next time (1: no change). */
    noShowDepositMultiplier: z.number().min(1).max(5),
    /** Clients under this age are refused, politely, before any deposit. */
    minimumAge: z.number().int().min(16).max(99),
    /** Yes/no questions asked before the deposit. */
    medicalQuestions: z.array(MedicalQuestion).max(10),
    /** The free touch-up window after the session, days (0: none offered). */
    touchUpWindowDays: z.number().int().min(0).max(365),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.creditExpiryDays * 24 < p.cancellationNoticeHours) {
      ctx.addIssue({
        code: "custom",
        path: ["creditExpiryDays"],
        message: `a credit expiring after ${p.creditExpiryDays} day(s) runs out before the ${p.cancellationNoticeHours} h cancellation notice`,
      });
    }
    const ids = p.medicalQuestions.map((q) => q.id);
    const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
    if (repeated !== undefined) ctx.addIssue({ code: "custom", path: ["medicalQuestions"], message: `question id "${repeated}" is used twice` });
  });
export type StudioPolicy = z.infer<typeof StudioPolicy>;

/** The policy an artist has until they write their own: common UK studio terms. */
export function defaultPolicy(): StudioPolicy {
  return {
    cancellationNoticeHours: 48,
    freeReschedules: 1,
    depositOnCancelInTime: DepositFate.CREDIT,
    depositOnCancelLate: DepositFate.FORFEIT,
    depositOnReschedule: DepositFate.MOVE,
    depositOnNoShow: DepositFate.FORFEIT,
    creditExpiryDays: 180,
    depositOffFinalPrice: true,
    noShowDepositMultiplier: 2,
    minimumAge: 18,
    medicalQuestions: [
      { id: "blood_thinners", question: "Are you taking blood thinners or any medication that affects healing?" },
      { id: "skin_condition", question: "Do you have a skin condition (eczema, psoriasis, keloid scarring) where the tattoo will go?" },
      { id: "pregnant", question: "Are you pregnant or breastfeeding?" },
    ],
    touchUpWindowDays: 90,
  };
}

/** A problem with a policy, for a 400 that names the field. */
export interface PolicyIssue {
  path: string;
  message: string;
}

export function parsePolicy(input: unknown): { ok: true; value: StudioPolicy } | { ok: false; issues: PolicyIssue[] } {
  const parsed = StudioPolicy.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(policy)", message: i.message })) };
}

/** Reads `artists.policy`: null is the default policy; a stored policy that does not parse is a bug. */
export function readPolicy(value: unknown): StudioPolicy {
  return value === null || value === undefined ? defaultPolicy() : StudioPolicy.parse(value);
}

const HOUR_MS = 60 * 60 * 1000;

/** What the client asked for. */
export type ChangeKind = "cancel" | "reschedule";

/**
 * The outcome of a change the client asked for, by the rules:
 * - `past`: the session has begun or happened; nothing to change (a polite explanation);
 * - `within`: allowed; the deposit's fate is the policy's for this case;
 * - `outside`: too late, or no free moves left; the client is told the policy, the artist decides,
 *   and `fate` is what the policy says would happen (what the artist is offered first).
 */
export type ChangeOutcome =
  | { kind: "past" }
  | { kind: "within"; fate: DepositFate }
  | { kind: "outside"; reason: "late" | "no_free_reschedules"; fate: DepositFate };

export function changeOutcome(policy: StudioPolicy, change: ChangeKind, booking: { startsAt: Date; reschedulesUsed: number }, now: Date): ChangeOutcome {
  if (now.getTime() >= booking.startsAt.getTime()) return { kind: "past" };
  const inTime = booking.startsAt.getTime() - now.getTime() >= policy.cancellationNoticeHours * HOUR_MS;
  if (change === "cancel") {
    return inTime ? { kind: "within", fate: policy.depositOnCancelInTime } : { kind: "outside", reason: "late", fate: policy.depositOnCancelLate };
  }
  if (!inTime) return { kind: "outside", reason: "late", fate: policy.depositOnCancelLate };
  if (booking.reschedulesUsed >= policy.freeReschedules) return { kind: "outside", reason: "no_free_reschedules", fate: policy.depositOnReschedule };
  return { kind: "within", fate: policy.depositOnReschedule };
}

/** The deposit's fate when the client did not come. */
export function noShowOutcome(policy: StudioPolicy): DepositFate {
  return policy.depositOnNoShow;
}

/** When a credit given at `at` expires. */
export function creditExpiresAt(policy: StudioPolicy, at: Date): Date {
  return new Date(at.getTime() + policy.creditExpiryDays * 24 * HOUR_MS);
}

/** The deposit a client pays, given how many no-shows they have had. */
export function depositFor(policy: StudioPolicy, usualMinor: number, noShows: number): number {
  return noShows > 0 ? Math.round(usualMinor * policy.noShowDepositMultiplier) : usualMinor;
}

/** Whole years between a date of birth ("YYYY-MM-DD") and `on` (a UTC calendar date). */
export function ageOn(dateOfBirth: string, on: Date): number {
  const [y, m, d] = dateOfBirth.split("-").map(Number) as [number, number, number];
  let age = on.getUTCFullYear() - y;
  if (on.getUTCMonth() + 1 < m || (on.getUTCMonth() + 1 === m && on.getUTCDate() < d)) age--;
  return age;
}
