/**
 * The consent step (issue 18): after the artist approves and before any slot offer or deposit
 * link, the client gives their date of birth (refused, kindly, under the studio's minimum age),
 * answers the studio's medical questions (a "yes" flags the lead and tells the artist; the
 * consultation goes on) and agrees to the studio's policy, shown in plain words. Only then does
 * the approval do what it would have done (`next`): offer slots, wait for times, or send the
 * deposit link. The lead waits in CHECKING_CONSENT meanwhile; its answers live in `leads.consent`.
 *
 * Always on, under the lead's artist's policy (`config.policy`; the default policy, 18+ with its
 * medical questions, while the studio has written none). A policy with no medical questions still
 * asks the date of birth and the acknowledgement. Once done, a lead is never asked again (a second
 * deposit link goes straight out).
 */
import { CONSENT_BUTTONS, judgeDateOfBirth, medicalQuestion, readAgreement, readConsent, readMedicalReply, startRecord, type ConsentNext, type ConsentRecord } from "../consent.ts";
import type { CopyKey } from "../copy.ts";
import { LeadStatus } from "../lead-status.ts";
import type { InboundMessage } from "../messages.ts";
import { defaultPolicy, type StudioPolicy } from "../studio-policy.ts";
import { offerSlots, bookingOf } from "./booking.ts";
import type { DecisionBuilder } from "./builder.ts";
import { sendDepositLink } from "./deposit.ts";
import { handOver } from "./handover.ts";
import { clientTemplate, firstName, windowOpen } from "./timers.ts";
import { HandoverReason } from "./triggers.ts";
import { ENGINE_DEFAULTS } from "./types.ts";

const S = LeadStatus;
/** Failure counters (leads.failure_counts) of the step's questions. */
const DOB_KEY = "date_of_birth";
const MEDICAL_KEY = "medical";
const POLICY_KEY = "policy_ack";

/**
 * Where "send the deposit" runs the consent step first: the approval and the deposit in one tap.
 * Later statuses came through an approval, which asked it.
 */
export const CONSENT_FIRST: ReadonlySet<LeadStatus> = new Set([S.PENDING_APPROVAL, S.STALE]);

/** The consent record after this decision's patch so far. */
function recordOf(b: DecisionBuilder): ConsentRecord | null {
  const patched = b.decision.patch.consent;
  return patched === undefined ? readConsent(b.lead.consent) : patched;
}

/** The policy to ask under, when the consent step still stands between this lead and the deposit. */
export function consentNeeded(b: DecisionBuilder): StudioPolicy | null {
  return recordOf(b)?.step === "done" ? null : (b.config.policy ?? defaultPolicy());
}

function save(b: DecisionBuilder, record: ConsentRecord): void {
  b.decision.patch.consent = record;
}

/**
 * Starts the step: the lead waits in CHECKING_CONSENT and is asked their date of birth (a template
 * that asks it when the client's 24-hour window has closed since the consultation).
 */
export function startConsent(b: DecisionBuilder, policy: StudioPolicy, next: ConsentNext): void {
  b.moveTo(S.CHECKING_CONSENT, "approved: consent and age before the deposit");
  save(b, startRecord(policy, next, b.now));
  b.decision.patch.failureCounts = { ...b.failureCounts, [DOB_KEY]: 0, [MEDICAL_KEY]: 0, [POLICY_KEY]: 0 };
  if (windowOpen(b)) b.say("consent.dob.client", { minimumAge: policy.minimumAge });
  else b.pushMessage(clientTemplate(b, "consent_request", [firstName(b), b.config.artistName]));
  b.event("consent.started", { next, minimum_age: policy.minimumAge, questions: policy.medicalQuestions.length });
}

/** Asks the current question again (after the artist hands the conversation back). */
export function askConsentAgain(b: DecisionBuilder): void {
  b.decision.patch.failureCounts = { ...b.failureCounts, [DOB_KEY]: 0, [MEDICAL_KEY]: 0, [POLICY_KEY]: 0 };
  repeatConsentQuestion(b);
}

/** The step's current question again, as it was asked (a nudge, a handback); nothing when no step runs. */
export function repeatConsentQuestion(b: DecisionBuilder): void {
  const record = recordOf(b);
  if (record === null) return;
  if (record.step === "dob") b.say("consent.dob_again.client");
  else if (record.step === "medical") askMedical(b, record, record.index);
  else if (record.step === "policy") showPolicy(b, record.policy);
}

/**
 * The client stopped part-way (timers.ts consent track): a nudge with the current question while
 * their window is open, else the consent_nudge template. Returns whether it went as a template.
 */
export function nudgeConsent(b: DecisionBuilder): boolean {
  if (windowOpen(b) && recordOf(b) !== null) {
    b.say("timer.consent_nudge");
    repeatConsentQuestion(b);
    return false;
  }
  b.pushMessage(clientTemplate(b, "consent_nudge", [firstName(b), b.config.artistName]));
  return true;
}

/** No answer for days after the nudges: the lead goes STALE (approving again asks again) and the artist is told. */
export function consentStale(b: DecisionBuilder): void {
  const step = recordOf(b)?.step ?? null;
  b.moveTo(S.STALE, "the client stopped part-way through consent and age");
  b.tellArtist("timer.consent_stale.artist", { clientName: b.lead.displayName ?? b.renderArtist("handover.unknown_name"), phone: b.clientContact() });
  b.event("consent.stale", { step });
}

/** A failed answer: repaired with `repairKey`, handed to the artist at the limit. */
function failed(b: DecisionBuilder, key: string, repairKey: CopyKey, message: InboundMessage, extra: Record<string, string | number> = {}): void {
  const failures = (b.failureCounts[key] ?? 0) + 1;
  b.decision.patch.failureCounts = { ...b.failureCounts, [key]: failures };
  b.event("consent.unclear", { question: key, failures, ...extra });
  if (failures >= (b.config.maxFieldFailures ?? ENGINE_DEFAULTS.maxFieldFailures)) handOver(b, HandoverReason.REPEATED_FAILURES, message);
  else b.say(repairKey, extra);
}

function askMedical(b: DecisionBuilder, record: ConsentRecord, index: number): void {
  const question = medicalQuestion(record, index);
  if (question === null) return;
  const count = record.policy.medicalQuestions.length;
  b.offer("consent.medical.client", [{ id: CONSENT_BUTTONS.yes, titleKey: "button.yes" }, { id: CONSENT_BUTTONS.no, titleKey: "button.no" }], { number: index + 1, count, question: question.question });
}

/** The policy's deposit outcome for one case, in words. */
function fate(b: DecisionBuilder, policy: StudioPolicy, value: StudioPolicy["depositOnReschedule"]): string {
  return b.render(`consent.policy.fate.${value}`, { creditDays: policy.creditExpiryDays });
}

/** The policy in plain words, filled from the policy, with an "I agree" button. */
function showPolicy(b: DecisionBuilder, policy: StudioPolicy): void {
  b.offer("consent.policy.client", [{ id: CONSENT_BUTTONS.agree, titleKey: "consent.agree_button" }], {
    noticeHours: policy.cancellationNoticeHours,
    freeMoves: policy.freeReschedules,
    inTime: fate(b, policy, policy.depositOnCancelInTime),
    late: fate(b, policy, policy.depositOnCancelLate),
    reschedule: fate(b, policy, policy.depositOnReschedule),
    noShow: fate(b, policy, policy.depositOnNoShow),
    offPrice: b.render(policy.depositOffFinalPrice ? "consent.policy.off_price" : "consent.policy.booking_fee"),
  });
}

/** After the date of birth or a medical answer: the next medical question, or the policy. */
function askFrom(b: DecisionBuilder, record: ConsentRecord, index: number): void {
  if (medicalQuestion(record, index) !== null) {
    save(b, { ...record, step: "medical", index });
    askMedical(b, record, index);
    return;
  }
  save(b, { ...record, step: "policy", index });
  showPolicy(b, record.policy);
}

/** The client is under the studio's minimum age: told kindly, no deposit, the lead closed; the artist told. */
function underAge(b: DecisionBuilder, record: ConsentRecord, dateOfBirth: string, age: number): void {
  save(b, { ...record, step: "refused", dateOfBirth, age });
  b.moveTo(S.REJECTED, `under the studio's minimum age (${record.policy.minimumAge})`);
  b.decision.patch.rejectedAt = b.now;
  b.decision.patch.rejectionReason = "under_minimum_age";
  b.decision.patch.resumeStatus = null;
  b.say("consent.under_age.client", { minimumAge: record.policy.minimumAge });
  b.tellArtist("consent.under_age.artist", { clientName: b.lead.displayName ?? b.renderArtist("handover.unknown_name"), minimumAge: record.policy.minimumAge });
  b.event("consent.under_age", { minimum_age: record.policy.minimumAge, age });
}

function answerDob(b: DecisionBuilder, record: ConsentRecord, message: InboundMessage): void {
  const today = new Date(Math.min(message.timestampMs, b.now.getTime()));
  const judged = judgeDateOfBirth(record.policy, message.text ?? "", today);
  if (judged.kind === "repair") return failed(b, DOB_KEY, `consent.dob_repair.${judged.reason}`, message, { reason: judged.reason });
  if (judged.kind === "under_age") return underAge(b, record, judged.dateOfBirth, judged.age);
  b.event("consent.dob_given", { age: judged.age });
  askFrom(b, { ...record, dateOfBirth: judged.dateOfBirth, age: judged.age }, 0);
}

function answerMedical(b: DecisionBuilder, record: ConsentRecord, message: InboundMessage): void {
  const question = medicalQuestion(record, record.index);
  if (question === null) return askFrom(b, record, record.index);
  const yes = readMedicalReply(message.replyId, message.text);
  if (yes === null) return failed(b, MEDICAL_KEY, "consent.medical_repair.client", message);
  const at = new Date(message.timestampMs).toISOString();
  const answered = { ...record, answers: [...record.answers, { id: question.id, question: question.question, yes, at }], flags: yes ? [...record.flags, question.id] : record.flags };
  b.decision.patch.failureCounts = { ...b.failureCounts, [MEDICAL_KEY]: 0 };
  if (yes) {
    const clientName = b.lead.displayName ?? b.renderArtist("handover.unknown_name");
    b.tellArtist("consent.medical_flag.artist", { clientName, phone: b.clientContact(), question: question.question });
  }
  b.event("consent.medical_answered", { question: question.id, flagged: yes });
  askFrom(b, answered, record.index + 1);
}

/** Agreed: the acknowledgement is kept with the client's message time; the approval carries on. */
function answerPolicy(b: DecisionBuilder, record: ConsentRecord, message: InboundMessage): void {
  if (!readAgreement(message.replyId, message.text)) return failed(b, POLICY_KEY, "consent.policy_repair.client", message);
  const at = new Date(message.timestampMs).toISOString();
  save(b, { ...record, step: "done", policyAcknowledgedAt: at });
  b.event("consent.policy_acknowledged", { at, flags: record.flags.length });
  carryOn(b, record.next);
}

/** What the approval would have done without the step. */
function carryOn(b: DecisionBuilder, next: ConsentNext): void {
  const booking = bookingOf(b);
  if (next === "slots" && booking !== null) {
    offerSlots(b, booking, "approval");
    return;
  }
  if (next === "deposit" && sendDepositLink(b, "consent") === null) return;
  b.moveTo(S.COLLECTING_TIME_WINDOWS, "consent given: the artist arranges the date");
  b.say("consent.done.client");
}

/** A client message while the step runs. */
export function answerConsent(b: DecisionBuilder, message: InboundMessage): void {
  const record = recordOf(b);
  if (record === null) {
    // The record was lost or never written: nothing to judge against; the artist decides.
    b.event("consent.record_missing", { message_id: message.id }, "warn");
    handOver(b, HandoverReason.REPEATED_FAILURES, message);
    return;
  }
  switch (record.step) {
    case "dob":
      return answerDob(b, record, message);
    case "medical":
      return answerMedical(b, record, message);
    case "policy":
      return answerPolicy(b, record, message);
    case "done":
    case "refused":
      b.event("message.no_step", { status: b.currentStatus, message_id: message.id, consent: record.step });
      return;
  }
}
