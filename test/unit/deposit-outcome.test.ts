/**
 * A deposit's fate as ledger entries (issue 18): cancel, no-show and the artist's override. Over any
 * policy, any time and any sequence of them, the ledger balances with held >= 0:
 * paid = refunded + forfeited + credit + applied + held.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ledgerBalance, type LedgerEntry } from "../../src/domain/deposit.ts";
import { policyOutcomes } from "../support/policies.ts";
import { ledgerAfter, overrideOutcome, settleHeld, settleMove, type SettleContext } from "../../src/domain/deposit-outcome.ts";
import { changeOutcome, defaultPolicy, noShowOutcome, type DepositFate, type StudioPolicy } from "../../src/domain/studio-policy.ts";

const NOW = new Date("2026-07-01T12:00:00Z");
const HOUR = 3_600_000;
const paid = (amountMinor: number): LedgerEntry => ({ kind: "payment", amountMinor, currency: "GBP", at: NOW.toISOString(), reference: "pi_1", source: "checkout", reason: null, status: "succeeded" });
const refundOf = (amountMinor: number, currency: string): LedgerEntry => ({ kind: "refund", amountMinor, currency, at: NOW.toISOString(), reference: "re_1", source: "artist", reason: null, status: null });
const ctx = (policy: StudioPolicy = defaultPolicy(), now = NOW): SettleContext => ({ policy, now, reference: "booking-1", source: "artist", reason: null });
const balanced = (ledger: readonly LedgerEntry[]) => {
  const b = ledgerBalance(ledger);
  return b.held >= 0 && b.paid === b.refunded + b.forfeited + b.credit + b.applied + b.held;
};

describe("a cancel or a no-show settles what is held", () => {
  it("credit carries the policy's expiry; forfeit keeps it; refund goes through the refund path; move leaves it held", () => {
    const ledger = [paid(10_000)];
    const credit = settleHeld(ledger, "credit", ctx());
    expect(credit.entries).toMatchObject([{ kind: "credit", amountMinor: 10_000, expiresAt: "2026-12-28T12:00:00.000Z" }]);
    expect(settleHeld(ledger, "forfeit", ctx()).entries).toMatchObject([{ kind: "forfeit", amountMinor: 10_000 }]);
    expect(settleHeld(ledger, "refund", ctx())).toMatchObject({ entries: [], refundMinor: 10_000, currency: "GBP" });
    expect(settleHeld(ledger, "move", ctx())).toMatchObject({ entries: [], refundMinor: 0 });
  });
  it("settling twice settles nothing the second time; nothing paid, nothing settled", () => {
    const once = ledgerAfter([paid(5_000)], settleHeld([paid(5_000)], "forfeit", ctx()), refundOf);
    expect(settleHeld(once, "credit", ctx()).entries).toEqual([]);
    expect(settleHeld([], "refund", ctx()).refundMinor).toBe(0);
  });
});

describe("the artist's override", () => {
  it("turns a forfeit into a refund: the forfeit reopened, the money refunded", () => {
    const forfeited = ledgerAfter([paid(8_000)], settleHeld([paid(8_000)], "forfeit", ctx()), refundOf);
    const over = overrideOutcome(forfeited, "refund", { ...ctx(), reason: "family emergency" });
    if (!over.ok) throw new Error(over.reason);
    expect(over.value.entries).toMatchObject([{ kind: "reopen", from: "forfeit", amountMinor: 8_000, reason: "family emergency" }]);
    expect(over.value.refundMinor).toBe(8_000);
    const after = ledgerAfter(forfeited, over.value, refundOf);
    expect(ledgerBalance(after)).toEqual({ paid: 8_000, refunded: 8_000, forfeited: 0, credit: 0, applied: 0, held: 0 });
  });
  it("nothing paid, or nothing left to change, is refused", () => {
    expect(overrideOutcome([], "credit", ctx())).toEqual({ ok: false, reason: "nothing_paid" });
    const refunded = [paid(1_000), refundOf(1_000, "GBP")];
    expect(overrideOutcome(refunded, "forfeit", ctx())).toEqual({ ok: false, reason: "nothing_to_change" });
  });
});

describe("a move whose policy fate is not 'move'", () => {
  it("move: nothing settled, no new deposit; credit: credit given and used on the new time (held again), no new deposit", () => {
    const ledger = [paid(10_000)];
    expect(settleMove(ledger, "move", ctx())).toMatchObject({ entries: [], refundMinor: 0, newDeposit: false });
    const credit = settleMove(ledger, "credit", ctx());
    expect(credit.newDeposit).toBe(false);
    expect(credit.entries).toMatchObject([
      { kind: "credit", amountMinor: 10_000, expiresAt: "2026-12-28T12:00:00.000Z" },
      { kind: "reopen", from: "credit", amountMinor: 10_000, reason: "credit_used_on_new_time" },
    ]);
    expect(credit.entries[1]?.expiresAt).toBeUndefined();
    expect(ledgerBalance([...ledger, ...credit.entries])).toMatchObject({ credit: 0, held: 10_000 });
  });
  it("forfeit and refund: the deposit settled so, and the new time needs a new deposit", () => {
    const ledger = [paid(10_000)];
    const forfeit = settleMove(ledger, "forfeit", ctx());
    expect(forfeit).toMatchObject({ entries: [{ kind: "forfeit", amountMinor: 10_000 }], refundMinor: 0, newDeposit: true });
    const refund = settleMove(ledger, "refund", ctx());
    expect(refund).toMatchObject({ entries: [], refundMinor: 10_000, newDeposit: true });
    expect(ledgerBalance(ledgerAfter(ledger, refund, refundOf))).toMatchObject({ refunded: 10_000, held: 0 });
  });
  it("property: over any fate and any earlier steps, the ledger balances and held is what the fate says", () => {
    fc.assert(
      fc.property(fc.constantFrom("move", "credit", "forfeit", "refund" as const), fc.integer({ min: 100, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (fate, deposit, refundedBefore) => {
        const before: LedgerEntry[] = [paid(deposit), ...(refundedBefore > 0 && refundedBefore < deposit ? [refundOf(refundedBefore, "GBP")] : [])];
        const held = ledgerBalance(before).held;
        const settled = settleMove(before, fate, ctx());
        const after = ledgerAfter(before, settled, refundOf);
        const heldAfter = ledgerBalance(after).held;
        return balanced(after) && heldAfter === (settled.newDeposit ? 0 : held) && settled.newDeposit === (fate === "forfeit" || fate === "refund");
      }),
    );
  });
});

const policies = policyOutcomes;
type Step = { kind: "cancel" | "reschedule"; hours: number } | { kind: "no_show" } | { kind: "override"; fate: Exclude<DepositFate, "move"> } | { kind: "partial_refund"; minor: number };
const steps: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom("cancel", "reschedule" as const), hours: fc.integer({ min: -48, max: 24 * 40 }) }),
  fc.record({ kind: fc.constant("no_show" as const) }),
  fc.record({ kind: fc.constant("override" as const), fate: fc.constantFrom("credit", "forfeit", "refund" as const) }),
  fc.record({ kind: fc.constant("partial_refund" as const), minor: fc.integer({ min: 1, max: 50_000 }) }),
);

describe("property: the ledger balances after any cancel, no-show or override", () => {
  it("over any policy, time and sequence, held stays >= 0 and the sum holds", () => {
    fc.assert(
      fc.property(policies, fc.integer({ min: 100, max: 100_000 }), fc.array(steps, { maxLength: 8 }), (partial, deposit, seq) => {
        const policy: StudioPolicy = { ...defaultPolicy(), ...partial, creditExpiryDays: 3650 };
        let ledger: LedgerEntry[] = [paid(deposit)];
        for (const step of seq) {
          if (step.kind === "no_show") ledger = ledgerAfter(ledger, settleHeld(ledger, noShowOutcome(policy), ctx(policy)), refundOf);
          else if (step.kind === "override") {
            const over = overrideOutcome(ledger, step.fate, ctx(policy));
            if (over.ok) ledger = ledgerAfter(ledger, over.value, refundOf);
          } else if (step.kind === "partial_refund") {
            // The refund path refunds at most what is held.
            const held = ledgerBalance(ledger).held;
            if (held > 0) ledger = [...ledger, refundOf(Math.min(step.minor, held), "GBP")];
          } else {
            const startsAt = new Date(NOW.getTime() + step.hours * HOUR);
            const outcome = changeOutcome(policy, step.kind, { startsAt, reschedulesUsed: 0 }, NOW);
            if (outcome.kind !== "past") ledger = ledgerAfter(ledger, settleHeld(ledger, outcome.fate, ctx(policy)), refundOf);
          }
          if (!balanced(ledger)) return false;
        }
        return balanced(ledger);
      }),
    );
  });
});
