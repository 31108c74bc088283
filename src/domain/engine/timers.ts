/**
 * A timer reaching the lead (timers.ts has the table): pure, like every engine step. The input
 * carries what the cron saw when it found the timer due (status, version, last client message);
 * if the lead has moved on since, nothing happens. Otherwise the due timer (judged at the input's
 * "now", the cron run's scheduled time) fires once: its key joins `timersFired`, and the session
 * commits the decision under the marker `timer:<lead>:<key>`, so a redelivered message, a second
 * cron run or a retried alarm finds the marker and sends nothing twice.
 */
import { ArtistAction, SUMMARY_LINK_ACTIONS } from "../artist-actions.ts";
import { LeadStatus } from "../lead-status.ts";
import { clientTimeZone, DEFAULT_STUDIO_TIME_ZONE } from "../local-time.ts";
import type { Outbound } from "../messages.ts";
import { questionByKey } from "../questions.ts";
import { TEMPLATES, templateName, type TemplateKey, type TemplateSpec } from "../templates.ts";
import { dueTimer, FIRED_KEYS_KEPT, TimerKind, timerKey, timerSpec, type ScheduledTimer, type TimerConfig, type TimerLead } from "../timers.ts";
import { DecisionBuilder } from "./builder.ts";
import { panicOn } from "./panic.ts";
import { applySessionTimer, isSessionTimer, leadSession, sessionTimerStale, type SessionFacts } from "./after-session.ts";
import { consentStale, nudgeConsent } from "./consent.ts";
import type { Decision, EngineConfig, LeadState } from "./types.ts";

/** What the cron saw when it found the timer due: the lead must still look like this. */
export interface TimerBasisSeen {
  status: LeadStatus;
  version: number;
  lastClientMessageAt: string | null;
}

export interface TimerInput {
  type: "timer";
  kind: TimerKind;
  /** When the cron expected it (leads.next_timer_at). */
  dueAt: Date;
  seen: TimerBasisSeen;
  /** The booking and policy as the lead's object read them (a booked lead's session timers need them). */
  session?: SessionFacts;
}

export type TimerOutcome =
  | {
      fired: true;
      kind: TimerKind;
      key: string;
      dueAt: Date;
      skipped: TimerKind[];
      template: boolean;
      /** The panic switch held a client timer: marked fired, nothing sent, no status moved. */
      held?: true;
      /** A session timer whose booking was cancelled or moved since it was scheduled: marked, nothing sent. */
      dropped?: true;
    }
  | { fired: false; reason: "moved_on" | "not_due" | "reminders_off" };

export interface TimerDecision {
  outcome: TimerOutcome;
  decision: Decision;
}

export function timerConfigOf(config: EngineConfig): TimerConfig {
  return config.timers ?? { studioTimeZone: DEFAULT_STUDIO_TIME_ZONE };
}

/** What the timers read of the engine's lead. */
export function timerLead(lead: LeadState): TimerLead {
  return {
    status: lead.status,
    optedOut: lead.optedOut,
    phoneE164: lead.phoneE164,
    recentAnswers: lead.recentAnswers,
    lastClientMessageAt: lead.lastClientMessageAt,
    statusChangedAt: lead.statusChangedAt ?? null,
    depositLinkExpiresAt: lead.payment?.linkExpiresAt ?? null,
    timersFired: lead.timersFired ?? [],
    resumeStatus: lead.resumeStatus ?? null,
    session: leadSession(lead),
  };
}

/** Whether the lead is still as the cron saw it. */
function unchanged(lead: LeadState, seen: TimerBasisSeen): boolean {
  const last = lead.lastClientMessageAt?.toISOString() ?? null;
  return lead.status === seen.status && (lead.version ?? seen.version) === seen.version && last === seen.lastClientMessageAt;
}

/** Decides what a due timer does to the lead at `now` (the cron run's time, carried in the message). */
export function decideTimer(lead: LeadState, input: TimerInput, now: Date, config: EngineConfig): TimerDecision {
  const b = new DecisionBuilder(lead, config, now);
  if (!unchanged(lead, input.seen)) return { outcome: { fired: false, reason: "moved_on" }, decision: b.decision };
  const due = dueTimer(timerLead(lead), now, timerConfigOf(config));
  if (!due) return { outcome: { fired: false, reason: "not_due" }, decision: b.decision };
  const { fire, skipped } = due;
  const keys = [...skipped, fire].map(timerKey);
  b.decision.patch.timersFired = [...(lead.timersFired ?? []), ...keys].slice(-FIRED_KEYS_KEPT);
  const skippedKinds = skipped.map((t) => t.kind);
  // The booking was cancelled or moved (the bookings table says so) and the lead not told yet: not sent.
  if (isSessionTimer(fire.kind) && sessionTimerStale(lead, input.session)) {
    b.event("timer.dropped", { kind: fire.kind, due_at: fire.dueAt.toISOString(), reason: "booking_changed", skipped: skippedKinds });
    return { outcome: { fired: true, kind: fire.kind, key: timerKey(fire), dueAt: fire.dueAt, skipped: skippedKinds, template: false, dropped: true }, decision: b.decision };
  }
  // The panic switch: a timer that would speak to the client is used up without a word (it is
  // not kept for later: once the switch is off, the client's next message starts the clocks again).
  if (panicOn(config) && timerSpec(fire.kind).audience === "client") {
    b.event("timer.held", { kind: fire.kind, due_at: fire.dueAt.toISOString(), reason: "panic", skipped: skippedKinds, expected_kind: input.kind });
    return { outcome: { fired: true, kind: fire.kind, key: timerKey(fire), dueAt: fire.dueAt, skipped: skippedKinds, template: false, held: true }, decision: b.decision };
  }
  const template = apply(b, fire, input.session);
  b.event("timer.fired", {
    kind: fire.kind,
    due_at: fire.dueAt.toISOString(),
    fired_at: now.toISOString(),
    deferred_for_quiet_hours: fire.deferred,
    skipped: skippedKinds,
    template,
    expected_kind: input.kind,
  });
  return { outcome: { fired: true, kind: fire.kind, key: timerKey(fire), dueAt: fire.dueAt, skipped: skippedKinds, template }, decision: b.decision };
}

/** Whether the client's 24-hour window is open at `now` (free text may go). */
export function windowOpen(b: DecisionBuilder): boolean {
  const ends = b.lead.serviceWindowEndsAt ?? null;
  return ends !== null && ends.getTime() > b.now.getTime();
}

/** A template message to the client from the registry, with the studio's name for it. */
export function clientTemplate(b: DecisionBuilder, key: TemplateKey, params: string[]): Outbound {
  const names = b.config.templates?.names ?? {};
  const language = b.config.templates?.language ?? "en_GB";
  if (TEMPLATES[key].params.length !== params.length) throw new Error(`engine bug: template ${key} takes ${TEMPLATES[key].params.length} parameters`);
  const spec: TemplateSpec = TEMPLATES[key];
  const quickReplies = spec.quickReplies?.map((q) => q.id);
  return { to: "client", kind: "template", name: templateName(key, names), language, params, copyKey: spec.previewKey, ...(quickReplies ? { quickReplies } : {}) };
}

export function firstName(b: DecisionBuilder): string {
  const name = (b.lead.displayName ?? "").trim().split(/\s+/)[0] ?? "";
  return name === "" ? b.render("outbox.template_default_name") : name;
}

/** The timer's effect; returns whether the client's message went as a template. */
function apply(b: DecisionBuilder, t: ScheduledTimer, session: SessionFacts | undefined): boolean {
  const spec = timerSpec(t.kind);
  switch (t.kind) {
    case TimerKind.CONSULTATION_NUDGE:
    case TimerKind.CONSULTATION_TEMPLATE_NUDGE: {
      const question = questionByKey(b.lead.currentQuestion);
      if (windowOpen(b) && question) {
        b.askWith(question, "timer.consultation_nudge", { question: b.render(question.copyKey) });
        return false;
      }
      b.pushMessage(clientTemplate(b, spec.template ?? "consultation_nudge", [firstName(b), b.config.artistName]));
      return true;
    }
    case TimerKind.CONSULTATION_ABANDON:
      b.moveTo(LeadStatus.ABANDONED, "no reply for 48 hours");
      return false;
    case TimerKind.ARTIST_REMINDER:
    case TimerKind.ARTIST_REMINDER_AGAIN: {
      const hours = Math.round((b.now.getTime() - t.basisAt.getTime()) / 3_600_000);
      const waiting = b.lead.status === LeadStatus.PENDING_APPROVAL ? "timer.artist_reminder.approval" : "timer.artist_reminder.handover";
      const clientName = b.lead.displayName ?? b.renderArtist("handover.unknown_name");
      const notice = b.renderArtist(waiting, { clientName, phone: b.clientContact(), hours });
      b.artistNotice(waiting, notice, clientName, b.lead.status === LeadStatus.PENDING_APPROVAL ? SUMMARY_LINK_ACTIONS : [ArtistAction.RESUME]);
      return false;
    }
    case TimerKind.APPROVAL_STALE: {
      b.moveTo(LeadStatus.STALE, "the artist has not answered in 72 hours");
      b.tellArtist("timer.approval_stale.artist", { clientName: b.lead.displayName ?? b.renderArtist("handover.unknown_name"), phone: b.clientContact() });
      if (windowOpen(b)) {
        b.say("timer.approval_stale");
        return false;
      }
      b.pushMessage(clientTemplate(b, "holding_update", [firstName(b), b.config.artistName]));
      return true;
    }
    case TimerKind.CONSENT_NUDGE:
    case TimerKind.CONSENT_NUDGE_AGAIN:
      return nudgeConsent(b);
    case TimerKind.CONSENT_STALE:
      consentStale(b);
      return false;
    case TimerKind.DEPOSIT_REMINDER: {
      const expires = b.lead.payment?.linkExpiresAt ?? t.basisAt;
      const hoursLeft = Math.max(1, Math.round((expires.getTime() - b.now.getTime()) / 3_600_000));
      const url = b.lead.payment?.linkUrl ?? null;
      if (windowOpen(b) && url !== null) {
        b.say("timer.deposit_reminder", { hoursLeft, url });
        return false;
      }
      b.pushMessage(clientTemplate(b, "deposit_reminder", [firstName(b), b.config.artistName, String(hoursLeft)]));
      return true;
    }
    case TimerKind.BOOKING_FOLLOW_UP: {
      b.moveTo(LeadStatus.NEEDS_FOLLOW_UP, "paid but not booked for 72 hours");
      const clientName = b.lead.displayName ?? b.renderArtist("handover.unknown_name");
      const notice = b.renderArtist("timer.booking_follow_up", { clientName, phone: b.clientContact() });
      b.artistNotice("timer.booking_follow_up", notice, clientName, [ArtistAction.MARK_BOOKED]);
      return false;
    }
    default:
      return applySessionTimer(b, t, session, {
        windowOpen,
        firstName: firstName(b),
        template: (key, params) => b.pushMessage(clientTemplate(b, key, params)),
      });
  }
}

/** The client's zone as the timers judge it (shown in the inbox beside the next nudge). */
export function leadTimeZone(lead: LeadState, config: EngineConfig): string {
  return clientTimeZone(lead, timerConfigOf(config).studioTimeZone).zone;
}
