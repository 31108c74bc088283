/**
 * The jobs queue's messages: one zod-validated discriminated union. Every message carries `now`,
 * the scheduled time of the cron run that produced it, and every due-check downstream uses it
 * (never the consumer's clock), so a cron fired with a later time behaves as if that time had
 * come, however late the queue delivers.
 */
import { z } from "zod";
import { LEAD_STATUSES } from "../domain/lead-status.ts";
import { TIMER_KINDS } from "../domain/timers.ts";

const isoTime = z.iso.datetime({ offset: true });
/** The producing cron run's correlation id, so its log lines and the object's share one. */
const correlationId = z.string().min(1).max(120).optional();

export const TimerJobSchema = z.object({
  kind: z.literal("lead.timer"),
  correlationId,
  leadId: z.uuid(),
  /** The lead's object name (its number, or its BSUID without one). */
  conversation: z.string().min(1).max(200),
  timer: z.enum(TIMER_KINDS as [string, ...string[]]).transform((v) => v as (typeof TIMER_KINDS)[number]),
  dueAt: isoTime,
  now: isoTime,
  /** What the cron saw: the object applies the timer only if the lead still looks like this. */
  seen: z.object({
    status: z.enum(LEAD_STATUSES as [string, ...string[]]).transform((v) => v as (typeof LEAD_STATUSES)[number]),
    version: z.number().int().min(0),
    lastClientMessageAt: isoTime.nullable(),
  }),
});

export const DepositSweepJobSchema = z.object({
  kind: z.literal("deposit.sweep"),
  correlationId,
  leadId: z.uuid(),
  conversation: z.string().min(1).max(200),
  sessionId: z.string().min(1).max(255),
  linkExpiresAt: isoTime,
  now: isoTime,
});

/**
 * Make the artist's Google Calendar match a booking (issue 15): a CONFIRMED booking gets its event
 * (our own id, so a retried insert is the same event), a RELEASED or CANCELLED one loses it. The
 * consumer reads the booking at send time, not from the message: a job for a booking that changed
 * meanwhile does what the booking needs now.
 */
export const CalendarWriteJobSchema = z.object({
  kind: z.literal("calendar.write"),
  correlationId,
  bookingId: z.uuid(),
  now: isoTime,
});

export type CalendarWriteJob = z.input<typeof CalendarWriteJobSchema>;

/** A hold whose time is up and still HELD: Stripe asked, then released or confirmed (hold-due.ts). */
export const HoldDueJobSchema = z.object({
  kind: z.literal("booking.hold_due"),
  correlationId,
  bookingId: z.uuid(),
  now: isoTime,
});

/**
 * Sync one artist's Google Calendar (every CALENDAR_SYNC_MINUTES, from the cron): their
 * ArtistCalendar object lists what changed since its sync token and alerts the artist, once, about
 * events that are not ours over a confirmed booking. `now` bounds a full sync and the bookings
 * looked at.
 */
export const CalendarSyncJobSchema = z.object({
  kind: z.literal("calendar.sync"),
  correlationId,
  artistId: z.uuid(),
  now: isoTime,
});

/**
 * The artist's morning digest is due (the cron saw the slot pass): the ArtistDesk object checks
 * the slot again at `now`, claims it (once per slot) and sends the digest when there is news.
 */
export const ArtistDigestJobSchema = z.object({
  kind: z.literal("artist.digest"),
  correlationId,
  now: isoTime,
});

/**
 * "Sync lead X" to the artist's spreadsheet (issue 16), sent by the lead's object after a decision
 * commits. Only a kick: the change itself was recorded in `sheet_rows` by the decision's statement,
 * and the writer reads the lead's state when it runs, never from the message.
 */
export const SheetsSyncJobSchema = z.object({
  kind: z.literal("sheets.sync"),
  correlationId,
  leadId: z.uuid(),
  /** The version the change produced (for logs; the writer reads the current one). */
  version: z.number().int().min(0),
  now: isoTime,
});
export type SheetsSyncJob = z.input<typeof SheetsSyncJobSchema>;

/**
 * Write every dirty row: sent delayed by the writer itself when the quota or a back-off made it
 * wait, by the cron sweep (a kick that never arrived) and by the admin resync (`force`: also after
 * a permanent failure, to try the sheet again).
 */
export const SheetsFlushJobSchema = z.object({
  kind: z.literal("sheets.flush"),
  correlationId,
  force: z.boolean().default(false),
  now: isoTime,
});
export type SheetsFlushJob = z.input<typeof SheetsFlushJobSchema>;

/**
 * A booking's time was freed (cancelled or moved; issue 18): offer it to the next waiting client
 * (src/jobs/slot-freed.ts). Sent by whoever freed it, again after each answer, and by the cron when
 * an offer's deadline passed. `now` is the time of that event, never the consumer's clock. Every
 * run reads `slot_offers` first, so a redelivered message offers nothing twice.
 */
export const SlotFreedJobSchema = z.object({
  kind: z.literal("booking.slot_freed"),
  correlationId,
  artistId: z.uuid(),
  startsAt: isoTime,
  endsAt: isoTime,
  now: isoTime,
});
export type SlotFreedJob = z.input<typeof SlotFreedJobSchema>;

export const JobSchema = z.discriminatedUnion("kind", [
  TimerJobSchema,
  DepositSweepJobSchema,
  CalendarWriteJobSchema,
  HoldDueJobSchema,
  CalendarSyncJobSchema,
  ArtistDigestJobSchema,
  SheetsSyncJobSchema,
  SheetsFlushJobSchema,
  SlotFreedJobSchema,
]);
export type Job = z.infer<typeof JobSchema>;
export type JobKind = Job["kind"];
export const JOB_KINDS = JobSchema.options.map((o) => o.shape.kind.value) as readonly JobKind[];

/**
 * What the consumer sends to the dead-letter queue itself: a message that failed its schema goes
 * there at once (retrying cannot make it valid), wrapped with the reason.
 */
export const RejectedJobSchema = z.object({
  rejected: z.object({ reason: z.string(), body: z.unknown() }),
});
export type RejectedJob = z.infer<typeof RejectedJobSchema>;
