/**
 * A booked client's move whose deposit fate, by the studio's policy, is not "move" (issue 18): a
 * late move or one past the free moves that the artist lets through, or a policy whose
 * `depositOnReschedule` is credit, forfeit or refund. The fate travels on the move's offer
 * (`SlotOffer.moveFate`, set by booking-change.ts when the offer is made) and is applied here when
 * the client picks the new time. Pure; the ledger entries come from deposit-outcome.ts settleMove.
 *
 * - credit: the deposit becomes credit and the credit is used on the new time at once (a `reopen`
 *   of it), so the booking moves as usual and the session's settlement applies the money;
 * - forfeit or refund: the deposit is settled so (a refund goes through the refund path, Stripe),
 *   the old booking is cancelled (its time freed), and the new time is held like any first choice,
 *   with a new deposit link for the lead's locked deposit (AWAITING_DEPOSIT): paid → booked, the
 *   link lapsing → the hold released and fresh slots on the next reply.
 */
import { ledgerBalance } from "../deposit.ts";
import { settleMove, type MoveSettlement } from "../deposit-outcome.ts";
import { formatMoney } from "../format.ts";
import type { HeldSlot, OfferedSlot } from "../slot-offer.ts";
import { defaultPolicy, type DepositFate } from "../studio-policy.ts";
import { HOLD_PENDING } from "./booking.ts";
import type { DecisionBuilder } from "./builder.ts";
import { paymentOf, refundDeposit, sendDepositLink } from "./deposit.ts";
import type { BookingConfig } from "./types.ts";

const ledgerNow = (b: DecisionBuilder) => b.decision.patch.depositLedger ?? paymentOf(b.lead).ledger;

/** The sentence for a move's offer saying what the policy does to the deposit ("" for a plain move). */
export function moveFateSentence(b: DecisionBuilder, fate: DepositFate | undefined): string {
  if (fate === undefined || fate === "move") return "";
  const ledger = ledgerNow(b);
  const currency = ledger.find((e) => e.kind === "payment")?.currency ?? b.lead.deposit?.currency ?? "GBP";
  const held = ledgerBalance(ledger).held;
  return b.render(`booking.move_fate.${fate}`, { amount: formatMoney(held, currency, b.lead.locale) });
}

/** The settlement of a move with `fate` (entries appended, a refund through the refund path), before the calendar step. */
export function settleMoveFate(b: DecisionBuilder, booked: HeldSlot, fate: DepositFate): MoveSettlement {
  const settlement = settleMove(ledgerNow(b), fate, { policy: b.config.policy ?? defaultPolicy(), now: b.now, reference: booked.bookingId, source: "checkout", reason: `moved_${fate}` });
  if (settlement.refundMinor > 0 && refundDeposit(b, settlement.refundMinor, "moved under the studio's policy") !== null) {
    // The refund cannot be made (no payment to refund against): the money stays held, recorded as such.
    b.event("booking.move_refund_refused", { booking_id: booked.bookingId, refund_minor: settlement.refundMinor }, "warn");
  }
  if (settlement.entries.length > 0) b.decision.patch.depositLedger = [...ledgerNow(b), ...settlement.entries];
  b.event("booking.move_settled", { booking_id: booked.bookingId, fate, entries: settlement.entries.map((e) => e.kind), refund_minor: settlement.refundMinor, new_deposit: settlement.newDeposit });
  return settlement;
}

/**
 * Forfeit or refund: the old booking goes (cancelled, its time freed), the chosen time is held with
 * a new deposit link, and the lead waits for that deposit. The deposit's outcome is said first.
 */
export function rebookWithNewDeposit(b: DecisionBuilder, booking: BookingConfig, booked: HeldSlot, slot: OfferedSlot, fate: DepositFate, settlement: MoveSettlement): void {
  const amount = settlement.entries.reduce((total, e) => total + e.amountMinor, 0) + settlement.refundMinor;
  const currency = settlement.currency ?? b.lead.deposit?.currency ?? "GBP";
  const money = formatMoney(amount, currency, b.lead.locale);
  // A refund tells the client itself (the refund path); a forfeit is said here.
  const outcome = fate === "forfeit" && amount > 0 ? b.render("booking.fate.forfeit", { amount: money, expires: "" }) : "";
  b.say("booking.move_rebook.client", { from: booked.label, outcome });
  b.decision.cancelBooking = { bookingId: booked.bookingId, reason: "moved_new_deposit" };
  // The new deposit is a new payment: the lead's paid state starts again (the ledger keeps the first).
  b.decision.patch.depositPaidAt = null;
  b.decision.hold = { start: new Date(slot.start), end: new Date(slot.end), label: slot.label, confirm: false };
  b.decision.patch.heldSlot = { bookingId: HOLD_PENDING, start: slot.start, end: slot.end, label: slot.label, moves: (booked.moves ?? 0) + 1 };
  b.decision.patch.slotOffer = null;
  const refused = sendDepositLink(b, "slot", { slot: slot.label, ttlMs: booking.holdLinkMs, timeZone: booking.timeZone });
  if (refused !== null) throw new Error(`engine bug: booking on but the new deposit link was refused (${refused})`);
  const deposit = b.lead.deposit;
  b.tellArtist("booking.move_rebook.artist", {
    clientName: b.lead.displayName ?? b.renderArtist("handover.unknown_name"),
    phone: b.clientContact(),
    from: booked.label,
    when: slot.label,
    zone: booking.timeZone,
    outcome: b.renderArtist(`booking.fate_name.${fate}`),
    deposit: deposit ? formatMoney(deposit.amountMinor, deposit.currency, b.lead.locale) : "",
  });
  b.event("booking.move_rebooked", { booking_id: booked.bookingId, fate, from: booked.start, to: slot.start, settled_minor: amount });
}
