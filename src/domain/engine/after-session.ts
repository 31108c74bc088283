/**
 * The booked session's timers applied (session-timers.ts has their table and rules): reminders with
 * "See you then" / "I need to change it" buttons, aftercare (per style when the studio maps styles
 * to copy), the day-3 check-in, the healed-photo request with the touch-up offer inside the
 * policy's window, the review request (to every client), the artist's day-after question, and the
 * deposit's settlement (an `applied` ledger entry; BOOKED → COMPLETED). Pure, like every engine step.
 */
import type { CopyKey } from "../copy.ts";
import { LeadStatus } from "../lead-status.ts";
import type { QuestionButton } from "../questions.ts";
import { sessionOf, sessionStillBooked, settlementEntry, type ConfirmedBooking, type SessionBasis } from "../session-timers.ts";
import { defaultPolicy, type StudioPolicy } from "../studio-policy.ts";
import { TimerKind, type ScheduledTimer, type TimerKind as TimerKindType } from "../timers.ts";
import { HOLD_PENDING } from "./booking.ts";
import type { DecisionBuilder } from "./builder.ts";
import type { LeadState } from "./types.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The reminder's reply buttons: their ids are what the client's tap brings back (booked.ts). */
export const BookedReply = { CONFIRM: "booked:confirm", CHANGE: "booked:change" } as const;
export const REMINDER_BUTTONS: readonly QuestionButton[] = [
  { id: BookedReply.CONFIRM, titleKey: "booked.button.confirm" },
  { id: BookedReply.CHANGE, titleKey: "booked.button.change" },
];

/** What the lead's object read just before a session timer is decided. */
export interface SessionFacts {
  /** The lead's CONFIRMED booking as the bookings table has it now; null when it has none. */
  confirmed: ConfirmedBooking | null;
  /** The artist's policy (`readPolicy(artist.policy)`). */
  policy: StudioPolicy;
}

/** The studio's aftercare settings. */
export interface AftercareConfig {
  /** Where the review request's button goes (STUDIO_REVIEW_URL); none: the request is skipped. */
  reviewUrl: string | null;
  /** Words of the client's style answer → the aftercare copy for it (AFTERCARE_COPY_BY_STYLE); the generic one otherwise. */
  copyByStyle: Readonly<Record<string, CopyKey>>;
}

const SESSION_KINDS: ReadonlySet<TimerKindType> = new Set([
  TimerKind.APPOINTMENT_REMINDER,
  TimerKind.APPOINTMENT_REMINDER_SOON,
  TimerKind.AFTERCARE,
  TimerKind.AFTERCARE_CHECK_IN,
  TimerKind.HEALED_PHOTO,
  TimerKind.REVIEW_REQUEST,
  TimerKind.ARTIST_DAY_AFTER,
  TimerKind.SESSION_SETTLE,
]);

export function isSessionTimer(kind: TimerKindType): boolean {
  return SESSION_KINDS.has(kind);
}

/** The session the lead's timers count from (its booked slot). */
export function leadSession(lead: LeadState): SessionBasis | null {
  return sessionOf(lead.status, lead.resumeStatus ?? null, lead.heldSlot ?? null, HOLD_PENDING);
}

/** The aftercare copy for the client's style answer: the first mapped word it contains, else generic. */
export function aftercareCopyKey(style: string | null, copyByStyle: Readonly<Record<string, CopyKey>>): CopyKey {
  const text = (style ?? "").toLowerCase();
  for (const [word, key] of Object.entries(copyByStyle)) if (word.trim() !== "" && text.includes(word.toLowerCase())) return key;
  return "aftercare.generic";
}

function styleAnswer(lead: LeadState): string | null {
  const answer = [...lead.recentAnswers].reverse().find((a) => a.questionKey === "style");
  return answer?.rawText ?? (typeof answer?.value === "string" ? answer.value : null);
}

/**
 * Whether `t`'s session is still the lead's booking as the bookings table says now. No facts
 * (the object did not read them) trusts the lead's own copy.
 */
export function sessionTimerStale(lead: LeadState, facts: SessionFacts | undefined): boolean {
  const session = leadSession(lead);
  if (session === null) return true;
  return facts !== undefined && !sessionStillBooked(session, facts.confirmed);
}

/** The session timer's effect; returns whether the client's message went as a template. */
export function applySessionTimer(
  b: DecisionBuilder,
  t: ScheduledTimer,
  facts: SessionFacts | undefined,
  deps: { windowOpen: (b: DecisionBuilder) => boolean; template: (key: "appointment_reminder" | "aftercare" | "aftercare_check_in" | "healed_photo" | "review_request", params: string[]) => void; firstName: string },
): boolean {
  const policy = facts?.policy ?? defaultPolicy();
  const open = deps.windowOpen(b);
  const held = b.lead.heldSlot ?? null;
  const when = held?.label ?? t.basisAt.toISOString();
  const artist = b.config.artistName;
  switch (t.kind) {
    case TimerKind.APPOINTMENT_REMINDER:
    case TimerKind.APPOINTMENT_REMINDER_SOON: {
      const copy = t.kind === TimerKind.APPOINTMENT_REMINDER ? "timer.appointment_reminder" : "timer.appointment_reminder_soon";
      if (open) {
        b.offer(copy, REMINDER_BUTTONS, { when });
        return false;
      }
      deps.template("appointment_reminder", [deps.firstName, artist, when]);
      return true;
    }
    case TimerKind.AFTERCARE: {
      const key = aftercareCopyKey(styleAnswer(b.lead), b.config.aftercare?.copyByStyle ?? {});
      b.event("aftercare.sent", { copy_key: key });
      if (open) {
        b.say(key);
        return false;
      }
      deps.template("aftercare", [deps.firstName, artist]);
      return true;
    }
    case TimerKind.AFTERCARE_CHECK_IN:
      if (open) {
        b.say("timer.aftercare_check_in");
        return false;
      }
      deps.template("aftercare_check_in", [deps.firstName, artist]);
      return true;
    case TimerKind.HEALED_PHOTO: {
      // The touch-up is offered only while the policy's free window is still open on the day it goes.
      const windowEnds = t.basisAt.getTime() + policy.touchUpWindowDays * DAY_MS;
      const touchUp = policy.touchUpWindowDays > 0 && b.now.getTime() < windowEnds;
      const days = Math.max(1, Math.ceil((windowEnds - b.now.getTime()) / DAY_MS));
      b.event("aftercare.healed_photo", { touch_up_offered: touchUp, touch_up_days_left: touchUp ? days : 0 });
      if (open) {
        if (touchUp) b.say("timer.healed_photo.touch_up", { days });
        else b.say("timer.healed_photo");
        return false;
      }
      deps.template("healed_photo", [deps.firstName, artist]);
      return true;
    }
    case TimerKind.REVIEW_REQUEST: {
      const url = b.config.aftercare?.reviewUrl ?? null;
      if (url === null) {
        b.event("aftercare.review_skipped", { reason: "no STUDIO_REVIEW_URL" });
        return false;
      }
      // Every client is asked, whatever they said along the way: never filtered by sentiment.
      b.event("aftercare.review_requested", {});
      if (open) {
        b.pushMessage({ to: "client", kind: "cta", body: b.render("timer.review_request"), label: b.render("timer.review_request.button"), url, copyKey: "timer.review_request" });
        return false;
      }
      deps.template("review_request", [deps.firstName, artist]);
      return true;
    }
    case TimerKind.ARTIST_DAY_AFTER: {
      const clientName = b.lead.displayName ?? b.renderArtist("handover.unknown_name");
      const notice = b.renderArtist("timer.day_after.artist", { clientName, when });
      // The button to the lead's page needs the public URL (actionLinks says it is set); else plain text.
      if (b.config.actionLinks === true) b.artistPage("timer.day_after.artist", notice, clientName);
      else b.tellArtistText("timer.day_after.artist", notice);
      return false;
    }
    case TimerKind.SESSION_SETTLE: {
      settle(b, t, policy);
      return false;
    }
    default:
      throw new Error(`engine bug: ${t.kind} is not a session timer`);
  }
}

/**
 * The session is clearly over: what is still held of the deposit is applied (off the final price,
 * or kept as the booking fee, per the policy), once, and the lead is COMPLETED. An opted-out lead
 * stays opted out and returns to COMPLETED at START.
 */
function settle(b: DecisionBuilder, t: ScheduledTimer, policy: StudioPolicy): void {
  const session = leadSession(b.lead);
  const ledger = b.decision.patch.depositLedger ?? b.lead.payment?.ledger ?? [];
  const entry = session === null ? null : settlementEntry(ledger, session.bookingId, policy.depositOffFinalPrice, b.now);
  if (entry !== null) b.decision.patch.depositLedger = [...ledger, entry];
  if (b.currentStatus === LeadStatus.BOOKED) b.moveTo(LeadStatus.COMPLETED, "the session is over: deposit settled");
  else if (b.currentStatus === LeadStatus.OPTOUT) b.decision.patch.resumeStatus = LeadStatus.COMPLETED;
  b.event("booking.settled", {
    booking_id: session?.bookingId ?? null,
    session_ended: t.basisAt.toISOString(),
    applied_minor: entry?.amountMinor ?? 0,
    reason: entry?.reason ?? null,
  });
}
