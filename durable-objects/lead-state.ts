/**
 * The lead row as the engine sees it: the pure mapping from what Postgres holds (leads, plus the
 * answers and attachment count kept beside it) to the engine's `LeadState`.
 */
import type { Lead } from "../src/db/schema.ts";
import { readLedger } from "../src/domain/deposit.ts";
import type { Decision, LeadState, RecordedAnswer } from "../src/domain/engine.ts";
import { asLeadStatus } from "../src/domain/state-machine.ts";
import type { SessionSize } from "../src/domain/gap-search.ts";
import { readHeldSlot, readSlotOffer } from "../src/domain/slot-offer.ts";
import { readPendingCheck } from "../src/domain/engine/plausibility.ts";
import { readTourOffer } from "../src/domain/tour-schedule.ts";

/** The session's length for the gap search, from the estimate's size (XL: its days, at least one). */
function sessionSize(category: string | null, days: number | null): SessionSize | null {
  if (category === "SMALL" || category === "MEDIUM" || category === "LARGE") return { category };
  if (category === "XL") return { category: "XL", days: Math.max(1, days ?? 1) };
  return null;
}

/** ISO times from a jsonb list, oldest first; anything unreadable is left out. */
function readTimes(values: readonly string[]): Date[] {
  return values.map((v) => new Date(v)).filter((d) => !Number.isNaN(d.getTime()));
}

/**
 * The lead as it will be once `decision` is applied at `now` (its patch over the row, the last
 * transition's status): what the next timer is computed from before the decision is committed.
 */
export function afterDecision(lead: Lead, decision: Pick<Decision, "patch" | "transitions">, now: Date): Lead {
  const last = decision.transitions.at(-1);
  const moved = last ? { status: last.to, statusChangedAt: now } : {};
  return { ...lead, ...(decision.patch as Partial<Lead>), ...moved };
}

export function toLeadState(lead: Lead, answers: readonly RecordedAnswer[], attachmentCount: number): LeadState {
  const status = asLeadStatus(lead.status);
  if (!status) throw new Error(`lead ${lead.id} has unknown status ${lead.status}`);
  return {
    id: lead.id,
    phoneE164: lead.phoneE164,
    username: lead.username,
    status,
    locale: lead.locale,
    displayName: lead.displayName,
    currentQuestion: lead.currentQuestion,
    optedOut: lead.optedOut,
    pilotNoticeSentAt: lead.pilotNoticeSentAt,
    lastClientMessageAt: lead.lastClientMessageAt,
    resumeStatus: lead.resumeStatus ? asLeadStatus(lead.resumeStatus) : null,
    failureCounts: lead.failureCounts,
    handoverReason: lead.handoverReason,
    holdingReplySentAt: lead.holdingReplySentAt,
    handoverReasons: lead.handoverReasons,
    handoverNoticesAt: readTimes(lead.handoverNoticesAt),
    referenceLimitNotedAt: lead.referenceLimitNotedAt,
    multiAnswerNotedAt: lead.multiAnswerNotedAt,
    panicNoticeAt: lead.panicNoticeAt,
    pendingCheck: readPendingCheck(lead.pendingCheck),
    recentAnswers: answers,
    attachmentCount,
    tourOffer: readTourOffer(lead.tourOffer),
    depositLockedAt: lead.depositLockedAt,
    deposit:
      lead.depositAmountMinor !== null && lead.depositCurrency !== null
        ? { amountMinor: lead.depositAmountMinor, currency: lead.depositCurrency }
        : null,
    payment: {
      attempt: lead.depositAttempt,
      ruleVersion: lead.depositRuleVersion,
      sessionId: lead.stripeCheckoutSessionId,
      linkUrl: lead.depositLinkUrl,
      linkExpiresAt: lead.depositLinkExpiresAt,
      paidAt: lead.depositPaidAt,
      paymentIntentId: lead.stripePaymentIntentId,
      refundedMinor: lead.refundedAmountMinor,
      ledger: readLedger(lead.depositLedger),
    },
    statusChangedAt: lead.statusChangedAt,
    serviceWindowEndsAt: lead.serviceWindowEndsAt,
    timersFired: lead.timersFired,
    version: lead.version,
    size: sessionSize(lead.sizeCategory, lead.estimatedDays),
    slotOffer: readSlotOffer(lead.slotOffer),
    heldSlot: readHeldSlot(lead.heldSlot),
    consent: lead.consent,
    noShowCount: lead.noShowCount,
  };
}

/**
 * The decision without its messages to the artist when those are switched off (`notify` false,
 * FEATURE_ARTIST_NOTIFICATIONS): none is written to the outbox, and an `artist.notice_skipped`
 * event says which were left out (the inbox shows the lead's history from its events and answers).
 */
export function withoutArtistNotices(decision: Decision, notify: boolean): Decision {
  if (notify) return decision;
  const skipped = decision.outbound.filter((m) => m.to === "artist");
  if (skipped.length === 0) return decision;
  return {
    ...decision,
    outbound: decision.outbound.filter((m) => m.to !== "artist"),
    events: [...decision.events, { type: "artist.notice_skipped", level: "info", payload: { copy_keys: skipped.map((m) => m.copyKey), reason: "FEATURE_ARTIST_NOTIFICATIONS off" } }],
  };
}
