/**
 * Timers: what happens to a lead when nobody writes. One table (kind, status guard, what the time
 * counts from, offset, copy, template), and pure functions over it:
 *
 * - {@link timerSchedule}: the timers still to come for the lead as it is now (each at most once per
 *   basis: a client who answers starts the consultation's clock again);
 * - {@link nextTimer}: the earliest of them, kept in `leads.next_timer_at` so the cron finds due
 *   leads through an index instead of reading every lead;
 * - {@link dueTimer}: at a given "now" (the cron run's scheduled time), the timer to fire. When
 *   several are due at once (the cron was away, or a demo jumped days ahead) only the last of its
 *   track fires and the earlier ones are skipped: a client never gets two nudges in a row.
 *
 * Client-facing timers respect quiet hours in the client's zone (local-time.ts) and never run for
 * an opted-out client. The engine applies a fired timer (engine/timers.ts).
 */
import type { CopyKey } from "./copy.ts";
import type { RecordedAnswer } from "./engine/types.ts";
import { LeadStatus } from "./lead-status.ts";
import { clientTimeZone, outsideQuietHours, QUIET_HOURS, type QuietHours } from "./local-time.ts";
import type { TemplateKey } from "./templates.ts";
import { SESSION_TIMERS, sessionDueAt, type SessionBasis } from "./session-timers.ts";

const HOUR_MS = 60 * 60 * 1000;

export const TimerKind = {
  CONSULTATION_NUDGE: "consultation.nudge",
  CONSULTATION_TEMPLATE_NUDGE: "consultation.template_nudge",
  CONSULTATION_ABANDON: "consultation.abandon",
  ARTIST_REMINDER: "artist.reminder",
  ARTIST_REMINDER_AGAIN: "artist.reminder_again",
  APPROVAL_STALE: "approval.stale",
  /** The client stopped part-way through the consent step (engine/consent.ts). */
  CONSENT_NUDGE: "consent.nudge",
  CONSENT_NUDGE_AGAIN: "consent.nudge_again",
  CONSENT_STALE: "consent.stale",
  DEPOSIT_REMINDER: "deposit.reminder",
  BOOKING_FOLLOW_UP: "booking.follow_up",
  /** Before a booked session (session-timers.ts has the session's rules). */
  APPOINTMENT_REMINDER: "appointment.reminder",
  APPOINTMENT_REMINDER_SOON: "appointment.reminder_soon",
  /** After the session, from its end. */
  AFTERCARE: "aftercare.instructions",
  AFTERCARE_CHECK_IN: "aftercare.check_in",
  HEALED_PHOTO: "aftercare.healed_photo",
  REVIEW_REQUEST: "aftercare.review",
  ARTIST_DAY_AFTER: "artist.day_after",
  SESSION_SETTLE: "booking.settle",
} as const;
export type TimerKind = (typeof TimerKind)[keyof typeof TimerKind];
export const TIMER_KINDS = Object.values(TimerKind) as readonly TimerKind[];

/**
 * What a timer's time counts from. `client_turn`: the later of the client's last message and the
 * status change (a step the artist started, like consent, waits on the client from whichever came last).
 */
export type TimerBasis = "last_client_message" | "status_changed" | "client_turn" | "deposit_link_expires" | "session_starts" | "session_ends";

export interface TimerSpec {
  kind: TimerKind;
  /** Timers of one track supersede each other: when several are due, only the last fires. */
  track: "consultation" | "consent" | "artist" | "deposit" | "booking" | "reminder" | "aftercare" | "review" | "day_after" | "settlement";
  statuses: readonly LeadStatus[];
  basis: TimerBasis;
  /** Default offset from the basis, hours (negative: before it); TIMER_HOURS overrides it. */
  hours: number;
  /** Who hears about it: client timers keep quiet hours and stop at STOP; "none" sends nothing. */
  audience: "client" | "artist" | "none";
  /** The free-text message (inside the 24-hour window), or the artist's notice. */
  copyKey: CopyKey | null;
  /** The template sent instead when the client's window is closed. */
  template: TemplateKey | null;
  /**
   * At least this many hours after the track's previous timer is due (quiet hours may have moved
   * it): a client nudged at 09:00 is not given up on at 10:00.
   */
  afterPreviousHours?: number;
  /**
   * Also runs while the client has opted out (STOP) from one of `statuses`: what the client does
   * not hear (the artist's day-after question, the deposit's settlement) must still happen.
   */
  whileOptedOut?: true;
}

const S = LeadStatus;

/** Every timer, in track order. */
export const TIMERS: readonly TimerSpec[] = [
  {
    kind: TimerKind.CONSULTATION_NUDGE,
    track: "consultation",
    statuses: [S.QUALIFYING],
    basis: "last_client_message",
    hours: 12,
    audience: "client",
    copyKey: "timer.consultation_nudge",
    template: "consultation_nudge",
  },
  {
    kind: TimerKind.CONSULTATION_TEMPLATE_NUDGE,
    track: "consultation",
    statuses: [S.QUALIFYING],
    basis: "last_client_message",
    hours: 36,
    audience: "client",
    copyKey: "timer.consultation_nudge",
    template: "consultation_nudge",
  },
  {
    kind: TimerKind.CONSULTATION_ABANDON,
    track: "consultation",
    statuses: [S.QUALIFYING],
    basis: "last_client_message",
    hours: 48,
    afterPreviousHours: 12,
    audience: "none",
    copyKey: null,
    template: null,
  },
  {
    kind: TimerKind.ARTIST_REMINDER,
    track: "artist",
    statuses: [S.PENDING_APPROVAL, S.NEEDS_ARTIST_REPLY],
    basis: "status_changed",
    hours: 24,
    audience: "artist",
    copyKey: "timer.artist_reminder.approval",
    template: null,
  },
  {
    kind: TimerKind.ARTIST_REMINDER_AGAIN,
    track: "artist",
    statuses: [S.PENDING_APPROVAL, S.NEEDS_ARTIST_REPLY],
    basis: "status_changed",
    hours: 48,
    audience: "artist",
    copyKey: "timer.artist_reminder.approval",
    template: null,
  },
  {
    kind: TimerKind.APPROVAL_STALE,
    track: "artist",
    statuses: [S.PENDING_APPROVAL],
    basis: "status_changed",
    hours: 72,
    audience: "client",
    copyKey: "timer.approval_stale",
    template: "holding_update",
  },
  {
    kind: TimerKind.CONSENT_NUDGE,
    track: "consent",
    statuses: [S.CHECKING_CONSENT],
    basis: "client_turn",
    hours: 12,
    audience: "client",
    copyKey: "timer.consent_nudge",
    template: "consent_nudge",
  },
  {
    kind: TimerKind.CONSENT_NUDGE_AGAIN,
    track: "consent",
    statuses: [S.CHECKING_CONSENT],
    basis: "client_turn",
    hours: 36,
    audience: "client",
    copyKey: "timer.consent_nudge",
    template: "consent_nudge",
  },
  {
    kind: TimerKind.CONSENT_STALE,
    track: "consent",
    statuses: [S.CHECKING_CONSENT],
    basis: "client_turn",
    hours: 72,
    afterPreviousHours: 12,
    audience: "artist",
    copyKey: "timer.consent_stale.artist",
    template: null,
  },
  {
    kind: TimerKind.DEPOSIT_REMINDER,
    track: "deposit",
    statuses: [S.AWAITING_DEPOSIT],
    basis: "deposit_link_expires",
    hours: -2,
    audience: "client",
    copyKey: "timer.deposit_reminder",
    template: "deposit_reminder",
  },
  {
    kind: TimerKind.BOOKING_FOLLOW_UP,
    track: "booking",
    statuses: [S.BOOKING_PENDING],
    basis: "status_changed",
    hours: 72,
    audience: "artist",
    copyKey: "timer.booking_follow_up",
    template: null,
  },
  ...SESSION_TIMERS,
];

export function timerSpec(kind: TimerKind): TimerSpec {
  const spec = TIMERS.find((t) => t.kind === kind);
  if (!spec) throw new Error(`unknown timer ${kind}`);
  return spec;
}

export function isTimerKind(value: string): value is TimerKind {
  return (TIMER_KINDS as readonly string[]).includes(value);
}

/** How timers are set up: the studio's zone (for clients whose zone is unknown) and per-kind offsets. */
export interface TimerConfig {
  studioTimeZone: string;
  /** Client quiet hours; {@link QUIET_HOURS} unless given, null for none. */
  quietHours?: QuietHours | null;
  /** Hours per kind overriding the table's; null turns that timer off. */
  hours?: Readonly<Partial<Record<TimerKind, number | null>>>;
}

/** What the timers read of a lead. */
export interface TimerLead {
  status: LeadStatus;
  optedOut: boolean;
  phoneE164: string | null;
  recentAnswers: readonly RecordedAnswer[];
  lastClientMessageAt: Date | null;
  statusChangedAt: Date | null;
  depositLinkExpiresAt: Date | null;
  /** Keys ({@link timerKey}) of timers already fired or skipped. */
  timersFired: readonly string[];
  /** Where an opted-out lead returns to (the session's timers that run while opted out read it); none unless given. */
  resumeStatus?: LeadStatus | null;
  /** The booked session (the lead's CONFIRMED booking, as `leads.held_slot` has it); none unless given. */
  session?: SessionBasis | null;
}

/** One timer's occurrence for a lead: when it is due and the basis it counts from. */
export interface ScheduledTimer {
  kind: TimerKind;
  dueAt: Date;
  basisAt: Date;
  /** Moved out of the client's quiet hours (due later than its offset says). */
  deferred: boolean;
}

/** A timer occurrence's identity: one per kind and basis, so it fires at most once. */
export function timerKey(t: Pick<ScheduledTimer, "kind" | "basisAt">): string {
  return `${t.kind}@${t.basisAt.toISOString()}`;
}

function basisTime(lead: TimerLead, basis: TimerBasis): Date | null {
  switch (basis) {
    case "last_client_message":
      return lead.lastClientMessageAt;
    case "status_changed":
      return lead.statusChangedAt;
    case "client_turn": {
      const last = lead.lastClientMessageAt?.getTime() ?? null;
      const changed = lead.statusChangedAt?.getTime() ?? null;
      if (last === null || changed === null) return lead.statusChangedAt ?? lead.lastClientMessageAt;
      return new Date(Math.max(last, changed));
    }
    case "deposit_link_expires":
      return lead.depositLinkExpiresAt;
    case "session_starts":
      return lead.session?.start ?? null;
    case "session_ends":
      return lead.session?.end ?? null;
  }
}

/** The offset of `spec` under `config`, in ms; null when the studio turned it off. */
function offsetMs(spec: TimerSpec, config: TimerConfig): number | null {
  const override = config.hours?.[spec.kind];
  if (override === null) return null;
  return (override ?? spec.hours) * HOUR_MS;
}

/** The timers still to come (or overdue) for `lead` as it stands, in track order. */
export function timerSchedule(lead: TimerLead, config: TimerConfig): ScheduledTimer[] {
  const fired = new Set(lead.timersFired);
  const zone = clientTimeZone(lead, config.studioTimeZone).zone;
  const quiet = config.quietHours === undefined ? QUIET_HOURS : config.quietHours;
  const out: ScheduledTimer[] = [];
  // The due time of the previous timer in the track (fired or not), for `afterPreviousHours`.
  let previous: { track: TimerSpec["track"]; dueAt: number } | null = null;
  for (const spec of TIMERS) {
    if (!appliesTo(spec, lead)) continue;
    const basisAt = basisTime(lead, spec.basis);
    const offset = offsetMs(spec, config);
    if (basisAt === null || offset === null) continue;
    const nominalMs = basisAt.getTime() + offset;
    const after: number = spec.afterPreviousHours !== undefined && previous?.track === spec.track ? previous.dueAt + spec.afterPreviousHours * HOUR_MS : nominalMs;
    const nominal: Date = new Date(Math.max(nominalMs, after));
    const quietDue: Date = spec.audience === "client" ? outsideQuietHours(nominal, zone, quiet) : nominal;
    const dueAt: Date = spec.basis === "session_starts" ? sessionDueAt(nominal, quietDue, basisAt) : quietDue;
    previous = { track: spec.track, dueAt: dueAt.getTime() };
    if (spec.audience === "client" && lead.optedOut) continue;
    if (fired.has(timerKey({ kind: spec.kind, basisAt }))) continue;
    // A reminder before a deadline is pointless once moved past it, or before the thing began.
    if (spec.basis === "deposit_link_expires") {
      if (dueAt.getTime() >= basisAt.getTime()) continue;
      if (lead.statusChangedAt !== null && dueAt.getTime() <= lead.statusChangedAt.getTime()) continue;
    }
    // A reminder before the session: never once it has begun, nor for a session booked after it was due.
    if (spec.basis === "session_starts") {
      if (dueAt.getTime() >= basisAt.getTime()) continue;
      if (lead.statusChangedAt !== null && dueAt.getTime() <= lead.statusChangedAt.getTime()) continue;
    }
    out.push({ kind: spec.kind, dueAt, basisAt, deferred: dueAt.getTime() !== nominalMs });
  }
  return out;
}

/** Whether `spec` runs for the lead's status (or, opted out, the status it returns to). */
function appliesTo(spec: TimerSpec, lead: TimerLead): boolean {
  if (spec.statuses.includes(lead.status)) return true;
  const resume = lead.resumeStatus ?? null;
  return spec.whileOptedOut === true && lead.status === LeadStatus.OPTOUT && resume !== null && spec.statuses.includes(resume);
}

/** The earliest timer to come, or null when the lead waits on nothing. */
export function nextTimer(lead: TimerLead, config: TimerConfig): ScheduledTimer | null {
  let first: ScheduledTimer | null = null;
  for (const t of timerSchedule(lead, config)) if (first === null || t.dueAt.getTime() < first.dueAt.getTime()) first = t;
  return first;
}

/**
 * The timer to fire at `now`: of those due, the last in the table's order; the earlier due ones of
 * its track are superseded (returned as `skipped` so they are marked and never fire). Due timers of
 * other tracks stay due: the next cron run fires them (a settlement is never lost to a reminder).
 */
export function dueTimer(lead: TimerLead, now: Date, config: TimerConfig): { fire: ScheduledTimer; skipped: ScheduledTimer[] } | null {
  const due = timerSchedule(lead, config).filter((t) => t.dueAt.getTime() <= now.getTime());
  const fire = due.at(-1);
  if (!fire) return null;
  const track = timerSpec(fire.kind).track;
  return { fire, skipped: due.slice(0, -1).filter((t) => timerSpec(t.kind).track === track) };
}

/** How many fired keys a lead keeps (older bases no longer matter). */
export const FIRED_KEYS_KEPT = 16;
