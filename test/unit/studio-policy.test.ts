/**
 * The studio's policy (issue 18): validation that names the field, and the pure outcomes of a
 * cancel, a move and a no-show, with fast-check properties over any policy and any time.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ledgerBalance, type LedgerEntry } from "../../src/domain/deposit.ts";
import { policyOutcomes } from "../support/policies.ts";
import { ageOn, changeOutcome, creditExpiresAt, defaultPolicy, depositFor, parsePolicy, readPolicy, type StudioPolicy } from "../../src/domain/studio-policy.ts";

const HOUR = 60 * 60 * 1000;
const NOW = new Date("2026-07-01T12:00:00Z");
const at = (hoursFromNow: number) => new Date(NOW.getTime() + hoursFromNow * HOUR);

describe("a policy that contradicts itself is refused, naming the field", () => {
  it("credit expiring before the cancellation notice", () => {
    const result = parsePolicy({ ...defaultPolicy(), cancellationNoticeHours: 72, creditExpiryDays: 2 });
    expect(result).toMatchObject({ ok: false, issues: [{ path: "creditExpiryDays" }] });
  });
  it("negative hours", () => {
    const result = parsePolicy({ ...defaultPolicy(), cancellationNoticeHours: -1 });
    expect(result).toMatchObject({ ok: false, issues: [{ path: "cancellationNoticeHours", message: "must not be negative" }] });
  });
  it("a move is not a fate for a cancel; an unknown field is refused; a question id used twice", () => {
    expect(parsePolicy({ ...defaultPolicy(), depositOnCancelLate: "move" })).toMatchObject({ ok: false, issues: [{ path: "depositOnCancelLate" }] });
    expect(parsePolicy({ ...defaultPolicy(), refundEverything: true })).toMatchObject({ ok: false });
    const q = { id: "a", question: "Any allergies?" };
    expect(parsePolicy({ ...defaultPolicy(), medicalQuestions: [q, q] })).toMatchObject({ ok: false, issues: [{ path: "medicalQuestions" }] });
  });
  it("the default policy is valid; a stored null reads as the default", () => {
    expect(parsePolicy(defaultPolicy())).toEqual({ ok: true, value: defaultPolicy() });
    expect(readPolicy(null)).toEqual(defaultPolicy());
  });
});

describe("cancel and move by the rules", () => {
  const policy = defaultPolicy();
  it("in time: the in-time fate; late: outside, the late fate", () => {
    expect(changeOutcome(policy, "cancel", { startsAt: at(49), reschedulesUsed: 0 }, NOW)).toEqual({ kind: "within", fate: "credit" });
    expect(changeOutcome(policy, "cancel", { startsAt: at(47), reschedulesUsed: 0 }, NOW)).toEqual({ kind: "outside", reason: "late", fate: "forfeit" });
  });
  it("a move: free ones first, then the artist decides; a late move is late", () => {
    expect(changeOutcome(policy, "reschedule", { startsAt: at(100), reschedulesUsed: 0 }, NOW)).toEqual({ kind: "within", fate: "move" });
    expect(changeOutcome(policy, "reschedule", { startsAt: at(100), reschedulesUsed: 1 }, NOW)).toMatchObject({ kind: "outside", reason: "no_free_reschedules" });
    expect(changeOutcome(policy, "reschedule", { startsAt: at(3), reschedulesUsed: 0 }, NOW)).toMatchObject({ kind: "outside", reason: "late" });
  });
  it("a session that has begun cannot be changed", () => {
    expect(changeOutcome(policy, "cancel", { startsAt: at(0), reschedulesUsed: 0 }, NOW)).toEqual({ kind: "past" });
    expect(changeOutcome(policy, "reschedule", { startsAt: at(-30), reschedulesUsed: 0 }, NOW)).toEqual({ kind: "past" });
  });

  const policies = policyOutcomes;
  it("property: within the rules only with the notice given and a free move left; never for a past session", () => {
    fc.assert(
      fc.property(policies, fc.constantFrom("cancel", "reschedule" as const), fc.integer({ min: -100, max: 24 * 60 }), fc.integer({ min: 0, max: 12 }), (partial, change, hours, used) => {
        const p: StudioPolicy = { ...defaultPolicy(), ...partial, creditExpiryDays: 3650 };
        const outcome = changeOutcome(p, change, { startsAt: at(hours), reschedulesUsed: used }, NOW);
        if (hours <= 0) return outcome.kind === "past";
        const inTime = hours >= p.cancellationNoticeHours;
        const allowed = inTime && (change === "cancel" || used < p.freeReschedules);
        return allowed ? outcome.kind === "within" : outcome.kind === "outside";
      }),
    );
  });
});

describe("deposits, credit and age", () => {
  it("a credit expires creditExpiryDays later; a no-show client pays the multiplier", () => {
    expect(creditExpiresAt(defaultPolicy(), NOW).toISOString()).toBe("2026-12-28T12:00:00.000Z");
    expect(depositFor(defaultPolicy(), 10_000, 0)).toBe(10_000);
    expect(depositFor(defaultPolicy(), 10_000, 1)).toBe(20_000);
  });
  it("age counts whole years, the birthday itself included", () => {
    expect(ageOn("2008-07-01", NOW)).toBe(18);
    expect(ageOn("2008-07-02", NOW)).toBe(17);
    expect(ageOn("2008-02-29", new Date("2026-02-28T00:00:00Z"))).toBe(17);
  });
  it("the ledger balances: paid = refunded + forfeited + credit + applied + held", () => {
    const e = (kind: LedgerEntry["kind"], amountMinor: number): LedgerEntry => ({ kind, amountMinor, currency: "GBP", at: NOW.toISOString(), reference: "r", source: "artist", reason: null, status: null });
    const b = ledgerBalance([e("payment", 10_000), e("refund", 2_000), e("forfeit", 3_000), e("credit", 4_000)]);
    expect(b).toEqual({ paid: 10_000, refunded: 2_000, forfeited: 3_000, credit: 4_000, applied: 0, held: 1_000 });
  });
});
