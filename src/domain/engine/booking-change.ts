/**
 * After the booking (issue 18): a booked client asks to move or cancel their session ("can I move
 * my appointment", "I need to cancel", the reminder's "I need to change it" button), the artist
 * cancels, lets a move through, marks a no-show or overrides what became of the deposit. Pure, like
 * the rest of the engine: the studio's policy decides (studio-policy.ts changeOutcome, noShowOutcome),
 * the deposit's fate becomes ledger entries (deposit-outcome.ts), and the lead's object carries out
 * what the decision asks of the calendar (`decision.cancelBooking`, a hold with `moveBookingId`).
 *
 * A move keeps the lead BOOKED while the client chooses (the current time stays theirs until the
 * new one is held), so a client who never picks keeps their session.
 */
import { ActionRefusal, ArtistAction } from "../artist-actions.ts";
import type { CopyKey } from "../copy.ts";
import { overrideOutcome, settleHeld, type Settlement } from "../deposit-outcome.ts";
import { formatMoney } from "../format.ts";
import { LeadStatus } from "../lead-status.ts";
import type { InboundMessage } from "../messages.ts";
import type { HeldSlot } from "../slot-offer.ts";
import { changeOutcome, defaultPolicy, noShowOutcome, type ChangeKind, type DepositFate, type StudioPolicy } from "../studio-policy.ts";
import { bookingOf, HOLD_PENDING, offerSlots } from "./booking.ts";
import type { DecisionBuilder } from "./builder.ts";
import { paymentOf, refundDeposit } from "./deposit.ts";
import { clientTemplate, firstName, windowOpen } from "./timers.ts";

const S = LeadStatus;

/** Reply button ids: the reminder's "I need to change it" (wt-after sends it), and this module's own. */
export const ChangeButton = {
  CHANGE: "booked:change",
  MOVE: "booked:move",
  CANCEL: "booked:cancel",
  KEEP: "booked:keep",
} as const;

export type ChangeRequest = ChangeKind | "ask" | "keep";

const CANCEL_WORDS = /\b(cancel|cancelling|canceling|cancellation|can't make it|cannot make it|won't make it)\b/i;
const MOVE_WORDS = /\b(move|moving|reschedul\w*|postpone|rearrange|another (day|date|time)|different (day|date|time)|change (my|the) (appointment|booking|session|date|time|day))\b/i;

/** What a booked client's message asks for, or null (anything else: no change). */
export function changeRequest(message: InboundMessage): ChangeRequest | null {
  switch (message.replyId) {
    case ChangeButton.CHANGE:
      return "ask";
    case ChangeButton.MOVE:
      return "reschedule";
    case ChangeButton.CANCEL:
      return "cancel";
    case ChangeButton.KEEP:
      return "keep";
  }
  const text = message.text ?? "";
  if (CANCEL_WORDS.test(text)) return "cancel";
  if (MOVE_WORDS.test(text)) return "reschedule";
  return null;
}

/** The confirmed booking in the calendar, or null (booked by hand: no booking row). */
function bookedSlot(b: DecisionBuilder): HeldSlot | null {
  const held = b.lead.heldSlot ?? null;
  return held === null || held.bookingId === HOLD_PENDING ? null : held;
}

const policyOf = (b: DecisionBuilder): StudioPolicy => b.config.policy ?? defaultPolicy();
const ledgerNow = (b: DecisionBuilder) => b.decision.patch.depositLedger ?? paymentOf(b.lead).ledger;
const clientName = (b: DecisionBuilder) => b.lead.displayName ?? b.renderArtist("handover.unknown_name");

/**
 * Carries out a settlement: its entries appended, its refund through the refund path (which records
 * the refund entry and tells the client). Returns the sentence saying what became of the deposit,
 * or a refusal (a refund while payments are off).
 */
function applySettlement(b: DecisionBuilder, settlement: Settlement, fate: DepositFate, reason: string | null): { ok: true; sentence: string | null; fateName: string } | { ok: false; reason: ActionRefusal } {
  const amount = settlement.entries.reduce((total, e) => (e.kind === "reopen" ? total : total + e.amountMinor), 0) + settlement.refundMinor;
  if (settlement.refundMinor > 0) {
    const refused = refundDeposit(b, settlement.refundMinor, reason);
    if (refused !== null) return { ok: false, reason: refused };
  }
  if (settlement.entries.length > 0) b.decision.patch.depositLedger = [...ledgerNow(b), ...settlement.entries];
  const fateName = b.renderArtist(`booking.fate_name.${fate}`);
  if (amount <= 0 || settlement.currency === null || fate === "move") return { ok: true, sentence: null, fateName };
  const credit = settlement.entries.find((e) => e.kind === "credit");
  const expires = credit?.expiresAt ? credit.expiresAt.slice(0, 10) : "";
  return { ok: true, sentence: b.render(`booking.fate.${fate}`, { amount: formatMoney(amount, settlement.currency, b.lead.locale), expires }), fateName };
}

/** Tells the client, in the window as text, else as the `booking_changed` template saying `changed`. */
function tellClient(b: DecisionBuilder, copyKey: CopyKey, params: Record<string, string>, changed: string): void {
  if (windowOpen(b)) b.say(copyKey, params);
  else b.pushMessage(clientTemplate(b, "booking_changed", [firstName(b), b.config.artistName, changed.trim()]));
}

/**
 * Cancels the confirmed booking with `fate` for the deposit: entries (or the refund), the event
 * out of the calendar and the time freed (the object does, `cancelBooking`), CANCELLED.
 */
function cancelWith(b: DecisionBuilder, held: HeldSlot, fate: Exclude<DepositFate, "move">, by: "client" | "artist", reason: string | null): ActionRefusal | null {
  const settlement = settleHeld(ledgerNow(b), fate, { policy: policyOf(b), now: b.now, reference: held.bookingId, source: by === "client" ? "checkout" : "artist", reason: reason ?? `cancel_${by}` });
  const applied = applySettlement(b, settlement, fate, reason ?? `cancelled by the ${by}`);
  if (!applied.ok) return applied.reason;
  b.decision.cancelBooking = { bookingId: held.bookingId, reason: `cancelled_by_${by}` };
  b.decision.patch.heldSlot = null;
  b.decision.patch.slotOffer = null;
  b.moveTo(S.CANCELLED, by === "client" ? "client cancelled within the policy" : "artist cancelled the session");
  const outcome = applied.sentence ?? "";
  if (by === "client") {
    b.say("booking.cancelled.client", { slot: held.label, outcome });
    b.tellArtist("booking.cancelled.artist", { clientName: clientName(b), phone: b.clientContact(), slot: held.label, outcome: applied.fateName });
  } else {
    tellClient(b, "booking.cancelled_by_artist.client", { slot: held.label, outcome }, b.render("booking.cancelled_by_artist", { slot: held.label, outcome }));
    b.tellArtist("booking.cancelled_by_artist.artist", { clientName: clientName(b), slot: held.label, outcome: applied.fateName });
  }
  b.event("booking.cancelled", { booking_id: held.bookingId, by, fate, starts_at: held.start, ledger_entries: settlement.entries.length, refund_minor: settlement.refundMinor });
  return null;
}

/** Outside the rules: the client hears the policy, the artist decides (one-tap buttons or links). */
function outsideRules(b: DecisionBuilder, held: HeldSlot, change: ChangeKind, why: "late" | "no_free_reschedules", fate: DepositFate): void {
  const policy = policyOf(b);
  b.say(`booking.change_outside.${why}.client`, { hours: policy.cancellationNoticeHours, free: policy.freeReschedules, slot: held.label });
  const body = b.renderArtist("booking.change_outside.artist", {
    clientName: clientName(b),
    phone: b.clientContact(),
    change: b.renderArtist(`booking.change_kind.${change}`),
    slot: held.label,
    why: b.renderArtist(`booking.change_why.${why}`, { hours: policy.cancellationNoticeHours }),
    fate: b.renderArtist(`booking.fate_name.${fate}`),
  });
  const actions = change === "reschedule" ? [ArtistAction.ALLOW_MOVE, ArtistAction.CANCEL_BOOKING, ArtistAction.CANCEL_REFUND] : [ArtistAction.CANCEL_BOOKING, ArtistAction.CANCEL_REFUND, ArtistAction.ALLOW_MOVE];
  if (!b.artistButtons("booking.change_outside.artist", body, clientName(b), actions)) b.tellArtistText("booking.change_outside.artist", body);
  b.event("booking.change_outside_policy", { booking_id: held.bookingId, change, why, policy_fate: fate });
}

/** Offers fresh slots for a move; the lead stays BOOKED (booking.ts keeps the status for a move). */
function offerMove(b: DecisionBuilder, held: HeldSlot, via: string, fate: DepositFate): ActionRefusal | null {
  const booking = bookingOf(b);
  if (!booking) return ActionRefusal.CALENDAR_OFF;
  b.event("booking.move_requested", { booking_id: held.bookingId, via, moves: held.moves ?? 0, fate });
  // The policy's fate for this move rides on the offer and is applied when the new time is chosen.
  offerSlots(b, booking, "reschedule", fate);
  return null;
}

/**
 * A booked client's message: a change request is answered by the policy; a reply to a move's
 * offer is read as the choice (booking.ts). Returns false when the message asks for no change.
 */
export function answerBooked(b: DecisionBuilder, message: InboundMessage): boolean {
  const request = changeRequest(message);
  if (request === null) return false;
  const held = bookedSlot(b);
  if (held === null) return false;
  b.event("booking.change_request", { request, booking_id: held.bookingId, via: message.replyId ?? "text" });
  if (request === "keep") {
    b.say("booking.change_kept.client", { slot: held.label });
    return true;
  }
  if (request === "ask") {
    b.offer("booking.change_ask.client", [
      { id: ChangeButton.MOVE, titleKey: "booking.change_button.move" },
      { id: ChangeButton.CANCEL, titleKey: "booking.change_button.cancel" },
      { id: ChangeButton.KEEP, titleKey: "booking.change_button.keep" },
    ], { slot: held.label });
    return true;
  }
  const outcome = changeOutcome(policyOf(b), request, { startsAt: new Date(held.start), reschedulesUsed: held.moves ?? 0 }, b.now);
  if (outcome.kind === "past") {
    b.say("booking.change_past.client", { slot: held.label });
    return true;
  }
  if (outcome.kind === "outside") {
    outsideRules(b, held, request, outcome.reason, outcome.fate);
    return true;
  }
  if (request === "cancel") {
    const fate = outcome.fate === "move" ? "credit" : outcome.fate;
    // A refund the payment provider cannot make now (payments off): the artist decides instead.
    if (cancelWith(b, held, fate, "client", null) !== null) outsideRules(b, held, request, "late", fate);
    return true;
  }
  if (offerMove(b, held, "client", outcome.fate) !== null) b.say("booking.move_none.client", { slot: held.label });
  return true;
}

/** The artist cancels (their own decision, or their answer to a late cancel): the policy's fate, or a refund. */
export function cancelBookingAction(b: DecisionBuilder, refund: boolean, reason: string | null): ActionRefusal | null {
  const held = bookedSlot(b);
  if (held === null) return ActionRefusal.NO_BOOKING;
  if (b.now.getTime() >= new Date(held.start).getTime()) return ActionRefusal.WRONG_TIME;
  const outcome = changeOutcome(policyOf(b), "cancel", { startsAt: new Date(held.start), reschedulesUsed: held.moves ?? 0 }, b.now);
  const policyFate = outcome.kind === "past" || outcome.fate === "move" ? "credit" : outcome.fate;
  return cancelWith(b, held, refund ? "refund" : policyFate, "artist", reason);
}

/**
 * The artist lets a move through (outside the rules, or their own wish): fresh slots to the client,
 * with the deposit's fate the policy names for this move (a late one: the late-change fate; past the
 * free moves: the reschedule fate). The artist can change that outcome afterwards (override).
 */
export function allowMoveAction(b: DecisionBuilder): ActionRefusal | null {
  const held = bookedSlot(b);
  if (held === null) return ActionRefusal.NO_BOOKING;
  if (b.now.getTime() >= new Date(held.start).getTime()) return ActionRefusal.WRONG_TIME;
  const outcome = changeOutcome(policyOf(b), "reschedule", { startsAt: new Date(held.start), reschedulesUsed: held.moves ?? 0 }, b.now);
  return offerMove(b, held, "artist", outcome.kind === "past" ? "move" : outcome.fate);
}

/** The client did not come: the policy's no-show fate, the client's count up, NO_SHOW. */
export function markNoShowAction(b: DecisionBuilder, reason: string | null): ActionRefusal | null {
  const held = b.lead.heldSlot ?? null;
  if (held !== null && b.now.getTime() < new Date(held.start).getTime()) return ActionRefusal.WRONG_TIME;
  const fate = noShowOutcome(policyOf(b));
  const settlement = settleHeld(ledgerNow(b), fate, { policy: policyOf(b), now: b.now, reference: held?.bookingId ?? b.lead.id, source: "artist", reason: reason ?? "no_show" });
  const applied = applySettlement(b, settlement, fate, reason ?? "no-show");
  if (!applied.ok) return applied.reason;
  const count = (b.lead.noShowCount ?? 0) + 1;
  b.decision.patch.noShowCount = count;
  b.moveTo(S.NO_SHOW, "artist marked a no-show");
  const slot = held?.label ?? "";
  const outcome = applied.sentence ?? "";
  tellClient(b, "booking.no_show.client", { slot, outcome }, b.render("booking.no_show", { slot, outcome }));
  b.tellArtist("booking.no_show.artist", { clientName: clientName(b), slot, outcome: applied.fateName });
  b.event("booking.no_show", { booking_id: held?.bookingId ?? null, fate, no_shows: count, refund_minor: settlement.refundMinor });
  return null;
}

/** The artist changes what became of the deposit (credit, forfeit, refund), with a reason, recorded. */
export function overrideDepositAction(b: DecisionBuilder, fate: Exclude<DepositFate, "move"> | null | undefined, reason: string | null): ActionRefusal | null {
  if (!fate) return ActionRefusal.NOTHING_TO_CHANGE;
  const over = overrideOutcome(ledgerNow(b), fate, { policy: policyOf(b), now: b.now, reference: b.lead.heldSlot?.bookingId ?? b.lead.id, source: "artist", reason: reason ?? "artist override" });
  if (!over.ok) return ActionRefusal.NOTHING_TO_CHANGE;
  const applied = applySettlement(b, over.value, fate, reason ?? "artist override");
  if (!applied.ok) return applied.reason;
  // A refund tells the client itself (the refund path); credit and forfeit are said here.
  if (applied.sentence !== null && fate !== "refund") tellClient(b, "booking.deposit_changed.client", { outcome: applied.sentence }, applied.sentence);
  b.tellArtist("booking.deposit_changed.artist", { clientName: clientName(b), outcome: applied.fateName, reason: reason ?? "" });
  b.event("deposit.overridden", { fate, reason, entries: over.value.entries.map((e) => ({ kind: e.kind, amount_minor: e.amountMinor, from: e.from ?? null })), refund_minor: over.value.refundMinor });
  return null;
}
