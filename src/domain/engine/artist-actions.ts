/**
 * The artist's actions as engine decisions: approve, reject, send the deposit link, send a
 * booking link, mark booked, hand a conversation back, refund the deposit. Pure, like `decide()`:
 * the lead's Durable Object runs it in turn with the client's messages, makes the Stripe calls
 * the decision asks for (deposit.ts), and applies it in one transaction.
 *
 * Booking link: no calendar link exists yet (a later issue creates it), so the action records
 * the request as an event (`booking_link.requested`) and tells the client the artist will be in
 * touch. No fake URL is ever sent.
 */
import { ACTION_TARGET, ActionRefusal, ArtistAction, isActionAllowed, type ActionOutcome } from "../artist-actions.ts";
import type { RejectReason } from "../artist-desk.ts";
import type { CopyKey } from "../copy.ts";
import { LeadStatus } from "../lead-status.ts";
import { approveWithSlots, bookingOf, offerSlotsAction } from "./booking.ts";
import { allowMoveAction, cancelBookingAction, markNoShowAction, overrideDepositAction } from "./booking-change.ts";
import { DecisionBuilder } from "./builder.ts";
import { CONSENT_FIRST, consentNeeded, startConsent } from "./consent.ts";
import { paymentOf, refundDeposit, sendDepositLink } from "./deposit.ts";
import { endHandover } from "./handover.ts";
import type { ArtistActionInput, Decision, EngineConfig, LeadState } from "./types.ts";

/** What an action decided: the decision to apply and the outcome to report (a refusal changes nothing). */
export interface ActionDecision {
  decision: Decision;
  outcome: ActionOutcome;
}

function assertNever(value: never): never {
  throw new Error(`unhandled artist action: ${String(value)}`);
}

/** The actions that are a move the client hears about: the transition's reason, the copy, the event. */
const ANNOUNCED = {
  approve: { reason: "artist approved", copyKey: "action.approve.client", event: "artist.approved" },
  reject: { reason: "artist rejected", copyKey: "action.reject.client", event: "artist.rejected" },
  send_booking_link: { reason: "artist sent the booking link", copyKey: "action.send_booking_link.client", event: "booking_link.requested" },
  mark_booked: { reason: "artist marked booked", copyKey: "action.mark_booked.client", event: "artist.marked_booked" },
} as const satisfies Partial<Record<ArtistAction, { reason: string; copyKey: CopyKey; event: string }>>;

/**
 * What the client is told when the artist rejects: the kind message for the reason picked on
 * WhatsApp, none for "no message", else the general one.
 */
function rejectCopy(reason: RejectReason | null | undefined): CopyKey | null {
  if (reason === "no_message") return null;
  return reason ? `action.reject.client.${reason}` : ANNOUNCED.reject.copyKey;
}

/** Moves to the action's target, tells the client (unless `copyKey` is null) and records the event; never refused. */
function announce(b: DecisionBuilder, action: keyof typeof ANNOUNCED, payload: Record<string, unknown>, copyKey: CopyKey | null = ANNOUNCED[action].copyKey): null {
  const move = ANNOUNCED[action];
  b.moveTo(ACTION_TARGET[action], move.reason);
  if (copyKey !== null) b.say(copyKey);
  b.event(move.event, payload);
  return null;
}

/** Applies the action to the builder; returns why it cannot run (and then nothing is decided). */
function run(b: DecisionBuilder, input: ArtistActionInput): ActionRefusal | null {
  const via = { via: input.via };
  switch (input.action) {
    case ArtistAction.APPROVE: {
      // The client gives consent and age first (consent.ts), unless they already have; then, with
      // the calendar on, free slots (booking.ts).
      const booking = bookingOf(b);
      const consent = consentNeeded(b);
      if (consent !== null) {
        b.decision.patch.approvedAt = b.now;
        b.event("artist.approved", { ...via, booking: booking !== null ? "calendar" : "by_hand", consent: true });
        startConsent(b, consent, booking !== null ? "slots" : "approve");
        return null;
      }
      if (booking !== null) {
        approveWithSlots(b, booking, input.via);
        return null;
      }
      b.decision.patch.approvedAt = b.now;
      return announce(b, input.action, via);
    }
    case ArtistAction.OFFER_SLOTS:
      return offerSlotsAction(b);
    case ArtistAction.REJECT: {
      b.decision.patch.rejectedAt = b.now;
      b.decision.patch.rejectionReason = input.reason;
      b.decision.patch.resumeStatus = null;
      // An open deposit link must not take money for a rejected piece: the session expires it first.
      const open = paymentOf(b.lead).sessionId;
      if (b.lead.status === LeadStatus.AWAITING_DEPOSIT && open !== null) {
        // Payments switched off (FEATURE_PAYMENTS): Stripe is not called; the artist sees the link was left open.
        if (b.config.payments) b.decision.expireCheckout = open;
        else b.event("deposit.link_not_expired", { session_id: open, reason: "payments_off" }, "warn");
      }
      return announce(b, input.action, { ...via, reason: input.reason, reject_reason: input.rejectReason ?? null }, rejectCopy(input.rejectReason));
    }
    case ArtistAction.SEND_DEPOSIT: {
      // Sent with the approval in one tap: the lead counts as approved too.
      if (b.lead.status === LeadStatus.PENDING_APPROVAL || b.lead.status === LeadStatus.STALE) b.decision.patch.approvedAt = b.now;
      const consent = consentNeeded(b);
      if (consent !== null && CONSENT_FIRST.has(b.lead.status)) {
        // Refused as it would be without the step, before the client is asked anything.
        if (!b.lead.deposit) return ActionRefusal.NO_DEPOSIT;
        if (!b.config.payments) return ActionRefusal.PAYMENTS_OFF;
        startConsent(b, consent, "deposit");
        return null;
      }
      return sendDepositLink(b, input.via);
    }
    case ArtistAction.SEND_BOOKING_LINK:
      return announce(b, input.action, { ...via, todo: "no booking link yet: the calendar step sends it" });
    case ArtistAction.MARK_BOOKED:
      b.decision.patch.bookedAt = b.now;
      return announce(b, input.action, via);
    case ArtistAction.RESUME:
      endHandover(b, "artist");
      return null;
    case ArtistAction.REFUND:
      return refundDeposit(b, input.amountMinor ?? null, input.reason);
    case ArtistAction.CANCEL_BOOKING:
    case ArtistAction.CANCEL_REFUND:
      return cancelBookingAction(b, input.action === ArtistAction.CANCEL_REFUND, input.reason);
    case ArtistAction.ALLOW_MOVE:
      return allowMoveAction(b);
    case ArtistAction.MARK_NO_SHOW:
      return markNoShowAction(b, input.reason);
    case ArtistAction.OVERRIDE_DEPOSIT:
      return overrideDepositAction(b, input.fate, input.reason);
    default:
      return assertNever(input.action);
  }
}

/**
 * Decides an artist action on a lead. Refused (and nothing decided) when the lead is not in a
 * status the action may run in; otherwise the decision says and moves what the action means.
 */
export function decideArtistAction(lead: LeadState, input: ArtistActionInput, now: Date, config: EngineConfig): ActionDecision {
  const b = new DecisionBuilder(lead, config, now);
  if (!isActionAllowed(input.action, lead.status)) {
    return { decision: b.decision, outcome: { ok: false, action: input.action, reason: ActionRefusal.WRONG_STATUS, status: lead.status } };
  }
  // A resumed conversation goes back to QUALIFYING and asks the current question; the rest are
  // plain moves. Either way the status after the decision is the last transition's target.
  const refused = run(b, input);
  if (refused !== null) {
    return { decision: new DecisionBuilder(lead, config, now).decision, outcome: { ok: false, action: input.action, reason: refused, status: lead.status } };
  }
  const to = b.decision.transitions.at(-1)?.to ?? lead.status;
  return { decision: b.decision, outcome: { ok: true, action: input.action, leadId: lead.id, from: lead.status, to } };
}
