/**
 * What becomes of a paid deposit when a booking is cancelled, the client does not come, or the
 * artist overrides an earlier outcome (issue 18), as ledger entries. Pure: the fate comes from the
 * studio's policy (studio-policy.ts) or the artist; "now" is an argument.
 *
 * Only money still `held` (paid and not yet given a fate) is settled, so settling twice settles
 * nothing the second time, and the ledger always balances with held >= 0:
 * paid = refunded + forfeited + credit + applied + held (deposit.ts {@link ledgerBalance}).
 * A refund is not an entry here: it goes through the existing refund path (engine/deposit.ts
 * refundDeposit → Stripe), which records it; `refundMinor` says how much to refund.
 */
import { ledgerBalance, type LedgerEntry } from "./deposit.ts";
import { creditExpiresAt, DepositFate, type StudioPolicy } from "./studio-policy.ts";

/** Who decided and why, for the entries' `source`, `reference` and `reason`. */
export interface SettleContext {
  policy: StudioPolicy;
  now: Date;
  /** The booking (or lead) the outcome is about. */
  reference: string;
  source: LedgerEntry["source"];
  reason: string | null;
}

/** The entries to append and what to refund through Stripe (0: nothing). */
export interface Settlement {
  entries: LedgerEntry[];
  refundMinor: number;
  currency: string | null;
}

const currencyOf = (ledger: readonly LedgerEntry[]) => ledger.find((e) => e.kind === "payment")?.currency ?? null;

/**
 * Gives the held money `fate`: credit (expiring by the policy), forfeit, refund (through Stripe), or
 * move (it stays held, with the booking). Nothing held, nothing settled.
 */
export function settleHeld(ledger: readonly LedgerEntry[], fate: DepositFate, ctx: SettleContext, heldMinor = ledgerBalance(ledger).held): Settlement {
  const currency = currencyOf(ledger);
  if (heldMinor <= 0 || currency === null || fate === DepositFate.MOVE) return { entries: [], refundMinor: 0, currency };
  if (fate === DepositFate.REFUND) return { entries: [], refundMinor: heldMinor, currency };
  const base = { amountMinor: heldMinor, currency, at: ctx.now.toISOString(), reference: ctx.reference, source: ctx.source, reason: ctx.reason, status: null };
  if (fate === DepositFate.CREDIT) return { entries: [{ ...base, kind: "credit", expiresAt: creditExpiresAt(ctx.policy, ctx.now).toISOString() }], refundMinor: 0, currency };
  return { entries: [{ ...base, kind: "forfeit" }], refundMinor: 0, currency };
}

/** Why an override changed nothing. */
export type OverrideRefusal = "nothing_paid" | "nothing_to_change";

/**
 * The artist's override: takes back every forfeit and credit still standing (a `reopen` entry each)
 * and gives the money `fate` instead. Money already refunded or applied stays where it is.
 */
export function overrideOutcome(ledger: readonly LedgerEntry[], fate: Exclude<DepositFate, "move">, ctx: SettleContext): { ok: true; value: Settlement } | { ok: false; reason: OverrideRefusal } {
  const balance = ledgerBalance(ledger);
  const currency = currencyOf(ledger);
  if (balance.paid <= 0 || currency === null) return { ok: false, reason: "nothing_paid" };
  const standing = { forfeit: balance.forfeited, credit: balance.credit };
  const reopened = (["forfeit", "credit"] as const).filter((k) => k !== fate && standing[k] > 0);
  const entries: LedgerEntry[] = reopened.map((from) => ({ kind: "reopen", from, amountMinor: standing[from], currency, at: ctx.now.toISOString(), reference: ctx.reference, source: ctx.source, reason: ctx.reason, status: null }));
  const held = balance.held + reopened.reduce((total, k) => total + standing[k], 0);
  if (held <= 0) return { ok: false, reason: "nothing_to_change" };
  const settled = settleHeld(ledger, fate, ctx, held);
  return { ok: true, value: { entries: [...entries, ...settled.entries], refundMinor: settled.refundMinor, currency } };
}

/** The ledger after a settlement whose refund (if any) the refund path recorded as one refund entry. */
export function ledgerAfter(ledger: readonly LedgerEntry[], settlement: Settlement, refundEntry: (amountMinor: number, currency: string) => LedgerEntry): LedgerEntry[] {
  const refund = settlement.refundMinor > 0 && settlement.currency !== null ? [refundEntry(settlement.refundMinor, settlement.currency)] : [];
  return [...ledger, ...settlement.entries, ...refund];
}

/** What a move whose fate the policy decides does to the deposit: the settlement, and whether the new time needs a new deposit. */
export interface MoveSettlement extends Settlement {
  newDeposit: boolean;
}

/**
 * A booking moved to a new time with the policy's `fate` for the deposit (issue 18):
 * - move: the held money moves with the booking (no entries);
 * - credit: it becomes credit (with the policy's expiry) and the credit is used on the new time at
 *   once (a `reopen` of that credit, reason `credit_used_on_new_time`): held again, on the same
 *   booking, so the session's settlement applies it as usual; no new deposit;
 * - forfeit or refund: the held money is settled so, and the new time needs a new deposit.
 * Nothing held (nothing paid, or settled already): nothing to carry, so the new time needs a deposit
 * unless the fate keeps the booking's money with it (move, credit).
 */
export function settleMove(ledger: readonly LedgerEntry[], fate: DepositFate, ctx: SettleContext): MoveSettlement {
  if (fate === DepositFate.MOVE) return { entries: [], refundMinor: 0, currency: currencyOf(ledger), newDeposit: false };
  const settled = settleHeld(ledger, fate, ctx);
  if (fate !== DepositFate.CREDIT) return { ...settled, newDeposit: true };
  const credit = settled.entries[0];
  if (!credit) return { ...settled, newDeposit: false };
  const used: LedgerEntry = { ...credit, kind: "reopen", from: "credit", reason: "credit_used_on_new_time" };
  delete used.expiresAt;
  return { ...settled, entries: [credit, used], newDeposit: false };
}
