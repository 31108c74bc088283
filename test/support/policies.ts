/**
 * fast-check arbitrary for the parts of a studio policy that decide outcomes (notice, free moves,
 * each case's deposit fate): tests spread it over `defaultPolicy()` for a whole policy.
 */
import fc from "fast-check";
import { DEPOSIT_FATES } from "../../src/domain/studio-policy.ts";

const notMove = () => fc.constantFrom("credit", "forfeit", "refund" as const);

export const policyOutcomes = fc.record({
  cancellationNoticeHours: fc.integer({ min: 0, max: 24 * 30 }),
  freeReschedules: fc.integer({ min: 0, max: 10 }),
  depositOnCancelInTime: notMove(),
  depositOnCancelLate: notMove(),
  depositOnReschedule: fc.constantFrom(...DEPOSIT_FATES),
  depositOnNoShow: notMove(),
});
