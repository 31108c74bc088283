/**
 * A freed slot offered to one waiting client (freed-slots.ts picks who): the offer itself ("Yes,
 * book it" / "No thanks" in the 24-hour window, the `freed_slot_offer` template outside it), the
 * client's answer, and the offer withdrawn when its deadline passes. Pure.
 *
 * The offer is a one-slot {@link SlotOffer} with `freed` set, so "yes" goes through the usual
 * choice → hold → deposit path of engine/booking.ts (no second hold path). "No", a lost race (the
 * hold refused) or an offer no longer open sends the client back to where they waited
 * (COLLECTING_TIME_WINDOWS or WAITLISTED), politely. Every answer is the event
 * `booking.freed_answered` { row_id, outcome }: the lead's object closes the `slot_offers` row
 * from it and, unless the client took the time, hands it to the next client.
 */
import type { InboundMessage } from "../messages.ts";
import { LeadStatus } from "../lead-status.ts";
import { parseYesNo } from "../parsing/index.ts";
import type { QuestionButton } from "../questions.ts";
import { slotRowId, type FreedOffer, type SlotOffer } from "../slot-offer.ts";
import { bookingOf, choose } from "./booking.ts";
import { DecisionBuilder } from "./builder.ts";
import { panicOn } from "./panic.ts";
import { clientTemplate, firstName, windowOpen } from "./timers.ts";
import type { Decision, EngineConfig, LeadState } from "./types.ts";

/** What a freed-slot answer did (the payload of `booking.freed_answered`). */
export type FreedAnswer = "accepted" | "declined" | "lost" | "lapsed";

/** The job offers the slot: the `slot_offers` row, the session's time and label, the deadline. */
export interface FreedOfferInput {
  rowId: string;
  start: Date;
  end: Date;
  /** "Sat 14 Mar, 10:00–12:00" in the artist's zone. */
  label: string;
  timeZone: string;
  deadline: Date;
  /** The deadline as the client reads it ("16:30"), in the artist's zone. */
  deadlineLabel: string;
}

export type FreedOfferOutcome = { offered: true; template: boolean } | { offered: false; reason: string };

const ID_PREFIX = "freed:";
/** The buttons' ids: the offer's own id, so a tap on an old offer is known for one. */
export const freedButtonId = (offerId: string, answer: "yes" | "no") => `${ID_PREFIX}${offerId}:${answer}`;
export const isFreedButton = (replyId: string | null) => replyId !== null && replyId.startsWith(ID_PREFIX);

function buttons(offerId: string): QuestionButton[] {
  return [
    { id: freedButtonId(offerId, "yes"), titleKey: "button.freed_yes" },
    { id: freedButtonId(offerId, "no"), titleKey: "button.freed_no" },
  ];
}

/** Why the lead cannot be offered a slot now, or null when it can. */
function ineligible(lead: LeadState, config: EngineConfig): string | null {
  if (lead.status !== LeadStatus.COLLECTING_TIME_WINDOWS && lead.status !== LeadStatus.WAITLISTED) return "not_waiting";
  if (lead.optedOut) return "opted_out";
  if (panicOn(config)) return "panic";
  if (config.pilot.enabled && (lead.phoneE164 === null || !config.pilot.allowlist.includes(lead.phoneE164))) return "outside_pilot";
  if (!config.payments || !lead.deposit || !lead.size) return "cannot_book";
  return null;
}

/** Offers the freed slot to the lead, if it still waits and can book. */
export function decideFreedOffer(lead: LeadState, input: FreedOfferInput, now: Date, config: EngineConfig): { decision: Decision; outcome: FreedOfferOutcome } {
  const b = new DecisionBuilder(lead, config, now);
  const why = ineligible(lead, config);
  if (why !== null) return { decision: b.decision, outcome: { offered: false, reason: why } };
  const offerId = `f${input.rowId.replace(/-/g, "").slice(0, 11)}`;
  const freed: FreedOffer = { rowId: input.rowId, returnTo: lead.status === LeadStatus.WAITLISTED ? "WAITLISTED" : "COLLECTING_TIME_WINDOWS", deadline: input.deadline.toISOString() };
  const offer: SlotOffer = {
    id: offerId,
    offeredAt: now.toISOString(),
    slots: [{ id: slotRowId(offerId, 0), start: input.start.toISOString(), end: input.end.toISOString(), label: input.label }],
    timeZone: input.timeZone,
    freed,
  };
  const template = !windowOpen(b);
  if (template) b.pushMessage(clientTemplate(b, "freed_slot_offer", [firstName(b), config.artistName, `${input.label} (${input.timeZone})`, input.deadlineLabel]));
  else b.offer("freed.offer.client", buttons(offerId), { when: input.label, zone: input.timeZone, until: input.deadlineLabel });
  b.moveTo(LeadStatus.CHOOSING_SLOT, "a freed slot offered");
  b.decision.patch.slotOffer = offer;
  b.event("booking.freed_offered", { row_id: input.rowId, offer_id: offerId, start: offer.slots[0]?.start ?? null, deadline: freed.deadline, template });
  return { decision: b.decision, outcome: { offered: true, template } };
}

/** Back to where the client waited, the offer gone. */
function backToWaiting(b: DecisionBuilder, freed: FreedOffer, reason: string): void {
  b.moveTo(freed.returnTo === "WAITLISTED" ? LeadStatus.WAITLISTED : LeadStatus.COLLECTING_TIME_WINDOWS, reason);
  b.decision.patch.slotOffer = null;
}

function answered(b: DecisionBuilder, freed: FreedOffer, outcome: FreedAnswer): void {
  b.event("booking.freed_answered", { row_id: freed.rowId, outcome });
}

/** The deadline passed (the job closed the row): the offer is withdrawn quietly, if still open. */
export function decideFreedWithdraw(lead: LeadState, rowId: string, now: Date, config: EngineConfig): { decision: Decision; withdrawn: boolean } {
  const b = new DecisionBuilder(lead, config, now);
  const freed = lead.slotOffer?.freed;
  if (lead.status !== LeadStatus.CHOOSING_SLOT || freed?.rowId !== rowId) return { decision: b.decision, withdrawn: false };
  backToWaiting(b, freed, "freed slot offer lapsed");
  b.event("booking.freed_withdrawn", { row_id: rowId });
  return { decision: b.decision, withdrawn: true };
}

/** Whether the lead is answering a freed-slot offer now. */
export function answeringFreed(b: DecisionBuilder): boolean {
  return b.currentStatus === LeadStatus.CHOOSING_SLOT && b.lead.slotOffer?.freed !== undefined;
}

/** A tap on a freed-slot button of an offer that is not open any more: said so, nothing changes. */
export function staleFreedButton(b: DecisionBuilder, message: InboundMessage): void {
  b.event("booking.freed_stale_button", { reply_id: (message.replyId ?? "").slice(0, 80) });
  b.say("freed.lapsed.client");
}

/** The client's answer to the open freed-slot offer. */
export function answerFreedOffer(b: DecisionBuilder, message: InboundMessage): void {
  const offer = b.lead.slotOffer;
  const freed = offer?.freed;
  if (!offer || !freed) return;
  const booking = bookingOf(b);
  if (booking?.holdRefused) {
    // Someone else held the time between the offer and the "yes".
    backToWaiting(b, freed, "freed slot taken meanwhile");
    b.say("freed.gone.client");
    answered(b, freed, "lost");
    return;
  }
  const choice = readAnswer(message, offer.id);
  if (choice === null) {
    b.event("booking.freed_unclear", { offer_id: offer.id });
    if (windowOpen(b)) b.offer("freed.repair.client", buttons(offer.id), { when: offer.slots[0]?.label ?? "" });
    else b.say("freed.repair.client", { when: offer.slots[0]?.label ?? "" });
    return;
  }
  if (!choice) {
    backToWaiting(b, freed, "freed slot declined");
    b.say(freed.returnTo === "WAITLISTED" ? "freed.declined_waitlist.client" : "freed.declined.client");
    answered(b, freed, "declined");
    return;
  }
  if (booking === null || booking.freedOpen === false) {
    backToWaiting(b, freed, "freed slot offer no longer open");
    b.say("freed.lapsed.client");
    answered(b, freed, "lapsed");
    return;
  }
  answered(b, freed, "accepted");
  choose(b, booking, offer, 0);
}

/** Yes / no from the buttons of this offer or from words; null when it does not read. */
function readAnswer(message: InboundMessage, offerId: string): boolean | null {
  if (message.replyId === freedButtonId(offerId, "yes")) return true;
  if (message.replyId === freedButtonId(offerId, "no")) return false;
  if (message.replyId !== null && isFreedButton(message.replyId)) return null;
  const parsed = parseYesNo(message.text ?? "");
  return parsed.ok ? parsed.value : null;
}
