/**
 * The artist's actions as engine decisions: approve, reject, send a deposit request, send a
 * booking link, mark booked, hand a conversation back. Pure, like `decide()`: the lead's Durable
 * Object runs it in turn with the client's messages and applies the decision in one transaction.
 *
 * Deposit and booking link: no payment or calendar link exists yet (later issues create them), so
 * the action records the request as an event (`deposit.requested`, `booking_link.requested`) and
 * tells the client the link follows. No fake URL is ever sent.
 */
import { ACTION_TARGET, ArtistAction, isActionAllowed, type ActionOutcome } from "../artist-actions.ts";
import { formatMoney } from "../format.ts";
import { DecisionBuilder } from "./builder.ts";
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

function run(b: DecisionBuilder, input: ArtistActionInput): void {
  const via = { via: input.via };
  switch (input.action) {
    case ArtistAction.APPROVE:
      b.moveTo(ACTION_TARGET.approve, "artist approved");
      b.decision.patch.approvedAt = b.now;
      b.say("action.approve.client");
      b.event("artist.approved", via);
      return;
    case ArtistAction.REJECT:
      b.moveTo(ACTION_TARGET.reject, "artist rejected");
      b.decision.patch.rejectedAt = b.now;
      b.decision.patch.rejectionReason = input.reason;
      b.decision.patch.resumeStatus = null;
      b.say("action.reject.client");
      b.event("artist.rejected", { ...via, reason: input.reason });
      return;
    case ArtistAction.SEND_DEPOSIT: {
      const deposit = b.lead.deposit ?? null;
      if (deposit) b.say("action.send_deposit.client", { deposit: formatMoney(deposit.amountMinor, deposit.currency, b.lead.locale) });
      else b.say("action.send_deposit_no_amount.client");
      // TODO(stripe issue): create the Checkout Session here and move the lead to AWAITING_DEPOSIT.
      b.event("deposit.requested", {
        ...via,
        amount_minor: deposit?.amountMinor ?? null,
        currency: deposit?.currency ?? null,
        todo: "no payment link yet: the Stripe checkout sends it and moves the lead to AWAITING_DEPOSIT",
      });
      return;
    }
    case ArtistAction.SEND_BOOKING_LINK:
      b.moveTo(ACTION_TARGET.send_booking_link, "artist sent the booking link");
      b.say("action.send_booking_link.client");
      b.event("booking_link.requested", { ...via, todo: "no booking link yet: the calendar step sends it" });
      return;
    case ArtistAction.MARK_BOOKED:
      b.moveTo(ACTION_TARGET.mark_booked, "artist marked booked");
      b.decision.patch.bookedAt = b.now;
      b.say("action.mark_booked.client");
      b.event("artist.marked_booked", via);
      return;
    case ArtistAction.RESUME:
      endHandover(b, "artist");
      return;
    default:
      assertNever(input.action);
  }
}

/**
 * Decides an artist action on a lead. Refused (and nothing decided) when the lead is not in a
 * status the action may run in; otherwise the decision says and moves what the action means.
 */
export function decideArtistAction(lead: LeadState, input: ArtistActionInput, now: Date, config: EngineConfig): ActionDecision {
  const b = new DecisionBuilder(lead, config, now);
  if (!isActionAllowed(input.action, lead.status)) {
    return { decision: b.decision, outcome: { ok: false, action: input.action, reason: "wrong_status", status: lead.status } };
  }
  // A resumed conversation goes back to QUALIFYING and asks the current question; the rest are
  // plain moves. Either way the status after the decision is the last transition's target.
  run(b, input);
  const to = b.decision.transitions.at(-1)?.to ?? lead.status;
  return { decision: b.decision, outcome: { ok: true, action: input.action, leadId: lead.id, from: lead.status, to } };
}
