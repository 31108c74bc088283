/**
 * The conversation engine: a pure function from (lead state, input, now, config) to a decision.
 *
 * It never performs I/O and never reads the clock. The Durable Object applies a decision in one
 * Postgres transaction and then delivers its outbound messages in order. This module is the
 * dispatch: rules that hold in every status (ordering, STOP/START, pilot, explicit handover
 * requests), then the status's own step.
 */
import { answerBookedReply } from "./booked.ts";
import { LeadStatus } from "../lead-status.ts";
import { isConversational, type InboundMessage } from "../messages.ts";
import { questionByKey } from "../questions.ts";
import { canTransition } from "../state-machine.ts";
import { keepReferences } from "./attachments.ts";
import { answerSlotChoice, answerTimeWindows, bookingOf, reofferAfterExpiry } from "./booking.ts";
import { answerBooked, changeRequest } from "./booking-change.ts";
import { answerAfterBookingEnded } from "./booking-ended.ts";
import { DecisionBuilder } from "./builder.ts";
import { answerConsent } from "./consent.ts";
import { answerFreedOffer, answeringFreed, isFreedButton, staleFreedButton } from "./freed-offer.ts";
import { sendDepositLink } from "./deposit.ts";
import { answerCurrentQuestion, resumeConsultation } from "./consultation.ts";
import { handOver, whileHandedOver } from "./handover.ts";
import { holdForPanic, panicOn } from "./panic.ts";
import { answerTourOffer, sendTourOffer } from "./tour.ts";
import { explicitTrigger, questionTrigger } from "./triggers.ts";
import type { Decision, EngineConfig, EngineInput, LeadState } from "./types.ts";

const STOP_WORDS = new Set(["stop", "unsubscribe", "stop all", "opt out", "optout"]);
const START_WORDS = new Set(["start", "subscribe", "unstop"]);
const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Statuses from which START begins the consultation again rather than returning to them. */
const RESTART_FROM: ReadonlySet<LeadStatus> = new Set([LeadStatus.NEW, LeadStatus.QUALIFYING, LeadStatus.OPTOUT]);

function keyword(message: InboundMessage): string {
  return (message.text ?? "").trim().toLowerCase().replace(/[.!]+$/, "");
}

/** STOP: opted out now; remembers where to return (a handover's own resume point, not the handover). */
function optOut(b: DecisionBuilder, stale: boolean): void {
  const { lead } = b;
  if (lead.optedOut) return;
  b.moveTo(LeadStatus.OPTOUT, "client sent STOP");
  b.decision.patch.optedOut = true;
  b.decision.patch.optedOutAt = b.now;
  b.decision.patch.resumeStatus =
    lead.status === LeadStatus.NEEDS_ARTIST_REPLY ? (lead.resumeStatus ?? LeadStatus.QUALIFYING) : lead.status;
  b.say("optout.confirmed");
  b.event("lead.opted_out", { from_status: lead.status, out_of_order: stale });
}

/**
 * START: back to where the lead was, or into the consultation at its current question. While the
 * panic switch is on (`ask` false) the opt-in is honoured and confirmed, but nothing is asked: the
 * lead waits in its status (NEW for a consultation, which greets and asks again at its next message).
 */
function optIn(b: DecisionBuilder, ask = true): void {
  const { lead } = b;
  b.decision.patch.optedOut = false;
  b.decision.patch.optedOutAt = null;
  b.decision.patch.resumeStatus = null;
  b.event("lead.opted_in", { resume_status: lead.resumeStatus ?? null });
  b.say(ask ? "optin.confirmed" : "panic.optin_confirmed");
  // A finished consultation is not asked again; a lead that was still in the consultation, or
  // whose status is unknown, restarts at its current question.
  const back = lead.resumeStatus;
  if (b.currentStatus === LeadStatus.OPTOUT && back && !RESTART_FROM.has(back) && canTransition(LeadStatus.OPTOUT, back)) {
    b.moveTo(back, "client sent START");
    if (ask) reofferTour(b);
    return;
  }
  if (b.currentStatus === LeadStatus.OPTOUT) b.moveTo(LeadStatus.NEW, "client sent START");
  if (ask) resumeConsultation(b);
}

/** Back at an open tour offer (START, CONTINUE): it is made again, so the client knows what to answer. */
function reofferTour(b: DecisionBuilder): void {
  if (b.currentStatus === LeadStatus.TOUR_CONVERSION_OFFERED) sendTourOffer(b);
}

/** Whether the number is outside the pilot (when one runs): such a client gets only the pilot notice. */
export function outsidePilot(phoneE164: string | null, pilot: EngineConfig["pilot"]): boolean {
  // A client known only by a username cannot be on a list of numbers.
  return pilot.enabled && (phoneE164 === null || !pilot.allowlist.includes(phoneE164));
}

/** Decides what a client message does to a lead. */
export function decide(lead: LeadState, input: EngineInput, now: Date, config: EngineConfig): Decision {
  const b = new DecisionBuilder(lead, config, now);
  const message = input.message;
  const word = keyword(message);
  // Messages older than the newest one processed are recorded but never move the flow back;
  // STOP is the exception: an opt-out is honoured in whatever order it arrives.
  const stale = lead.lastClientMessageAt !== null && message.timestampMs < lead.lastClientMessageAt.getTime();
  // Decided before any early return, by the rules below: STOP opts out in any order, a START
  // (in order) opts back in.
  const optedOutAfter = STOP_WORDS.has(word) || (lead.optedOut && !(START_WORDS.has(word) && !stale));
  keepReferences(b, message, { optedOut: optedOutAfter, outsidePilot: outsidePilot(lead.phoneE164, config.pilot) });

  // A notice from WhatsApp (a changed number) is not the client talking: recorded, no reply.
  if (message.kind === "system") {
    const change = message.numberChange ?? null;
    b.event(change ? "lead.number_changed" : "message.system_notice", {
      message_id: message.id,
      raw_type: message.rawType,
      ...(change ? { from: message.from, to: change.newPhone, new_user_id: change.newUserId } : {}),
    });
    return b.decision;
  }
  // A reaction, an edit, a deletion, an order or a type we cannot read never starts a
  // consultation: the welcome waits for the client's first words.
  if (!isConversational(message) && b.currentStatus === LeadStatus.NEW) {
    b.event("message.not_conversational", { message_id: message.id, kind: message.kind, raw_type: message.rawType });
    return b.decision;
  }

  if (stale && !STOP_WORDS.has(word)) {
    b.event("message.out_of_order", { message_id: message.id, kind: message.kind });
    return b.decision;
  }
  if (!stale) {
    b.decision.patch.lastClientMessageAt = new Date(message.timestampMs);
    b.decision.patch.lastClientMessageId = message.id;
    // The window runs 24 h from the client's message (never from a timestamp in our future).
    b.decision.patch.serviceWindowEndsAt = new Date(Math.min(message.timestampMs, now.getTime()) + SERVICE_WINDOW_MS);
  }
  if (message.profileName && !lead.displayName) b.decision.patch.displayName = message.profileName;

  if (STOP_WORDS.has(word)) {
    optOut(b, stale);
    return b.decision;
  }
  if (lead.optedOut) {
    if (START_WORDS.has(word)) optIn(b, !panicOn(config));
    else b.event("message.while_opted_out", { message_id: message.id });
    return b.decision;
  }
  // The panic switch: recorded, the artist told, no automatic reply (panic.ts). Before the pilot
  // rule: a number outside the pilot gets no notice either while the switch is on.
  if (panicOn(config)) {
    holdForPanic(b, message);
    return b.decision;
  }

  if (outsidePilot(lead.phoneE164, config.pilot)) {
    if (!lead.pilotNoticeSentAt) {
      b.decision.patch.pilotNoticeSentAt = now;
      b.say("pilot.not_enrolled");
    }
    b.event("pilot.not_enrolled", { notice_sent: !lead.pilotNoticeSentAt });
    return b.decision;
  }

  if (b.currentStatus === LeadStatus.NEEDS_ARTIST_REPLY) {
    whileHandedOver(b, message);
    reofferTour(b);
    return b.decision;
  }
  // A consultation abandoned for silence (timers.ts) carries on where it was, answers kept.
  if (b.currentStatus === LeadStatus.ABANDONED && questionByKey(lead.currentQuestion) !== null) {
    b.moveTo(LeadStatus.QUALIFYING, "client wrote again after going quiet");
    b.event("lead.returned", { question: lead.currentQuestion });
  }
  // A booked client: a move or a cancel by the studio's rules, or their choice of a new time.
  if (b.currentStatus === LeadStatus.BOOKED) {
    if (lead.slotOffer?.moving === true && changeRequest(message) === null) {
      answerSlotChoice(b, message);
      return b.decision;
    }
    if (answerBooked(b, message)) return b.decision;
  }
  const explicit = explicitTrigger(message.text, config.artistName);
  if (explicit !== null && canTransition(b.currentStatus, LeadStatus.NEEDS_ARTIST_REPLY)) {
    handOver(b, explicit, message);
    return b.decision;
  }
  // A freed-slot button of an offer no longer open (withdrawn at its deadline, or answered).
  if (isFreedButton(message.replyId) && !answeringFreed(b)) {
    staleFreedButton(b, message);
    return b.decision;
  }
  switch (b.currentStatus) {
    case LeadStatus.NEW:
    case LeadStatus.QUALIFYING: {
      const question = questionTrigger(message.text);
      if (question !== null) handOver(b, question, message);
      else if (b.currentStatus === LeadStatus.NEW) {
        b.say("consultation.welcome");
        resumeConsultation(b);
      } else answerCurrentQuestion(b, message);
      return b.decision;
    }
    case LeadStatus.TOUR_CONVERSION_OFFERED:
      answerTourOffer(b, message);
      return b.decision;
    case LeadStatus.CHECKING_CONSENT:
      answerConsent(b, message);
      return b.decision;
    case LeadStatus.CHOOSING_SLOT:
      if (answeringFreed(b)) answerFreedOffer(b, message);
      else answerSlotChoice(b, message);
      return b.decision;
    case LeadStatus.COLLECTING_TIME_WINDOWS:
      answerTimeWindows(b, message);
      return b.decision;
    case LeadStatus.DEPOSIT_EXPIRED: {
      // A held slot lapsed with its link: the reply gets the free slots again.
      const booking = bookingOf(b);
      if (booking !== null && lead.heldSlot) {
        reofferAfterExpiry(b, booking);
        return b.decision;
      }
      // The client was told a reply gets a fresh link: any reply does.
      const refused = sendDepositLink(b, "client");
      if (refused !== null) b.event("message.no_step", { status: b.currentStatus, message_id: message.id, deposit_link: refused });
      return b.decision;
    }
    case LeadStatus.CANCELLED:
    case LeadStatus.NO_SHOW:
      answerAfterBookingEnded(b, message);
      return b.decision;
    case LeadStatus.BOOKED:
    case LeadStatus.COMPLETED:
      if (!answerBookedReply(b, message)) b.event("message.no_step", { status: b.currentStatus, message_id: message.id });
      return b.decision;
    default:
      b.event("message.no_step", { status: b.currentStatus, message_id: message.id });
      return b.decision;
  }
}
