/**
 * Cron Triggers: each cron expression in wrangler.toml maps to the jobs it runs. A cron with no
 * entry is a configuration bug and is logged as one.
 *
 * The cron scans, it does not work: due timers and lapsed deposit links are found in Postgres
 * through indexes, calendar syncs fall due by the clock, and all are enqueued on the jobs queue (src/jobs/), each message carrying the run's
 * `scheduledTime` as its "now"; the consumer hands them to the leads' objects.
 */
import { calendarConfigured, requireConfig, sheetsConfigured } from "./config.ts";
import { lapsedHolds } from "./db/booking-store.ts";
import { listArtists } from "./db/artists-store.ts";
import { openDatabase } from "./db/client.ts";
import { digestState } from "./db/artist-desk-store.ts";
import { defaultArtist } from "./db/artists-store.ts";
import { DIGEST_GRACE_MS, dueDigestSlot } from "./domain/digest.ts";
import { lapsedDepositLinks } from "./db/deposit-store.ts";
import { lapsedOffers } from "./db/slot-offer-store.ts";
import { slotFreedJob } from "./jobs/slot-freed.ts";
import { deleteLapsedInboxSessions } from "./db/inbox-sessions.ts";
import { systemEvents } from "./db/schema.ts";
import { dirtySummary, sheetsPaused } from "./db/sheet-store.ts";
import { dueTimerLeads } from "./db/timer-store.ts";
import { calendarSyncDue } from "./domain/calendar-conflicts.ts";
import { asLeadStatus } from "./domain/state-machine.ts";
import { isTimerKind } from "./domain/timers.ts";
import type { Job } from "./jobs/messages.ts";
import { CRON_EVERY_5_MIN } from "./jobs/names.ts";
import { createLogger } from "./lib/log.ts";
import { deriveSessionKey, keyFingerprint } from "./lib/session.ts";

export { CRON_EVERY_5_MIN } from "./jobs/names.ts";

type CronJob = (ctx: JobContext) => Promise<Record<string, unknown>>;
interface JobContext {
  env: Env;
  scheduledTime: Date;
  correlationId: string;
}

/** Records that the sweep ran, so ops can see crons firing in system_events. */
const heartbeat: CronJob = async ({ env, scheduledTime, correlationId }) => {
  const handle = openDatabase(requireConfig(env));
  try {
    await handle.db.insert(systemEvents).values({
      level: "debug",
      type: "cron.heartbeat",
      payload: { scheduled_time: scheduledTime.toISOString() },
      correlationId,
    });
    return { recorded: true };
  } finally {
    await handle.close();
  }
};

/** Stripe sends checkout.session.expired within minutes of expires_at; give it this long first. */
export const DEPOSIT_SWEEP_GRACE_MS = 10 * 60 * 1000;
/** Leads checked per run; more wait for the next run (oldest first). */
export const DEPOSIT_SWEEP_BATCH = 100;
/** Due timers enqueued per run; more wait for the next run (soonest first). */
export const TIMER_SCAN_BATCH = 1_000;
/** Messages per `sendBatch` call (the Queues limit). */
const SEND_BATCH_MAX = 100;

async function enqueue(env: Env, jobs: readonly Job[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += SEND_BATCH_MAX) {
    await env.JOBS.sendBatch(jobs.slice(i, i + SEND_BATCH_MAX).map((body) => ({ body, contentType: "json" as const })));
  }
}

/**
 * Deposit links whose time is up while the lead still waits: each becomes a job that asks the
 * lead's Durable Object to check its session with Stripe (in turn with its other work) and apply
 * what Stripe says. Idempotent: a lead that has moved on is skipped by its object, and an expiry is
 * applied once per session whoever (sweep or webhook) reports it first.
 */
const depositSweep: CronJob = async ({ env, scheduledTime, correlationId }) => {
  const config = requireConfig(env);
  // Payments switched off (FEATURE_PAYMENTS): Stripe is never asked, so nothing is enqueued.
  if (!config.FEATURE_PAYMENTS) return { skipped: "FEATURE_PAYMENTS off" };
  const handle = openDatabase(config);
  try {
    const lapsed = await lapsedDepositLinks(handle.db, new Date(scheduledTime.getTime() - DEPOSIT_SWEEP_GRACE_MS), DEPOSIT_SWEEP_BATCH);
    const now = scheduledTime.toISOString();
    await enqueue(
      env,
      lapsed.map((lead) => ({
        kind: "deposit.sweep",
        correlationId,
        leadId: lead.id,
        conversation: lead.conversation,
        sessionId: lead.sessionId,
        linkExpiresAt: lead.linkExpiresAt.toISOString(),
        now,
      })),
    );
    return { lapsed: lapsed.length };
  } finally {
    await handle.close();
  }
};

/**
 * Timers due at the run's scheduled time, found through the index on `leads.next_timer_at`, each
 * enqueued with what the scan saw (status, version, last client message): the lead's object
 * applies it only if the lead still looks like that. Overlapping or repeated runs enqueue the same
 * jobs; the object's inbox and the timer's commit marker make them one.
 */
const timerScan: CronJob = async ({ env, scheduledTime, correlationId }) => {
  const config = requireConfig(env);
  // Reminders switched off (FEATURE_REMINDERS): no timer is enqueued, so none fires (the leads'
  // next_timer_at stays, and the timers due then fire once the switch is on again).
  if (!config.FEATURE_REMINDERS) return { skipped: "FEATURE_REMINDERS off" };
  const handle = openDatabase(config);
  try {
    const due = await dueTimerLeads(handle.db, scheduledTime, TIMER_SCAN_BATCH);
    const now = scheduledTime.toISOString();
    const jobs: Job[] = [];
    for (const lead of due) {
      const status = asLeadStatus(lead.status);
      if (!status || !isTimerKind(lead.nextTimerKind)) continue;
      jobs.push({
        kind: "lead.timer",
        correlationId,
        leadId: lead.id,
        conversation: lead.conversation,
        timer: lead.nextTimerKind,
        dueAt: lead.nextTimerAt.toISOString(),
        now,
        seen: { status, version: lead.version, lastClientMessageAt: lead.lastClientMessageAt?.toISOString() ?? null },
      });
    }
    await enqueue(env, jobs);
    return { due: due.length, enqueued: jobs.length, more: due.length === TIMER_SCAN_BATCH };
  } finally {
    await handle.close();
  }
};

/** Holds checked per run; more wait for the next run (the most overdue first). */
export const HOLD_SWEEP_BATCH = 100;

/**
 * Holds whose time is up at the run's scheduled time and still HELD (the Stripe expiry never
 * reached us, or the lead is elsewhere): each becomes a `booking.hold_due` job (src/jobs/hold-due.ts).
 */
const holdSweep: CronJob = async ({ env, scheduledTime, correlationId }) => {
  const config = requireConfig(env);
  // The calendar switched off (FEATURE_CALENDAR): no hold is made or swept.
  if (!calendarConfigured(config)) return { skipped: "calendar off" };
  const handle = openDatabase(config);
  try {
    const due = await lapsedHolds(handle.db, scheduledTime, HOLD_SWEEP_BATCH);
    const now = scheduledTime.toISOString();
    await enqueue(env, due.map((b) => ({ kind: "booking.hold_due", correlationId, bookingId: b.id, now })));
    return { due: due.length };
  } finally {
    await handle.close();
  }
};

/** Lapsed freed-slot offers handled per run; more wait for the next run (the most overdue first). */
export const FREED_SWEEP_BATCH = 100;

/**
 * Freed-slot offers whose deadline passed at the run's scheduled time with no answer: one
 * `booking.slot_freed` job per freed interval, carrying the run's time, which closes the offer,
 * withdraws it from the client and offers the time to the next one waiting (src/jobs/slot-freed.ts).
 */
export const freedOfferSweep: CronJob = async ({ env, scheduledTime, correlationId }) => {
  const config = requireConfig(env);
  if (!calendarConfigured(config)) return { skipped: "calendar off" };
  const handle = openDatabase(config);
  try {
    const lapsed = await lapsedOffers(handle.db, scheduledTime, FREED_SWEEP_BATCH);
    const intervals = new Map(lapsed.map((o) => [`${o.artistId}|${o.freedStart.toISOString()}|${o.freedEnd.toISOString()}`, o] as const));
    await enqueue(env, [...intervals.values()].map((o) => slotFreedJob({ artistId: o.artistId, start: o.freedStart, end: o.freedEnd, now: scheduledTime, correlationId })));
    return { lapsed: lapsed.length, intervals: intervals.size };
  } finally {
    await handle.close();
  }
};

/**
 * Inbox sessions no request can use any more are deleted: expired at the scheduled time, or issued
 * under a signing key that is no longer ours (ADMIN_API_KEY was rotated: those sessions are
 * refused already; deleting them also keeps them refused if the old key ever comes back).
 */
const inboxSessionSweep: CronJob = async ({ env, scheduledTime }) => {
  const config = requireConfig(env);
  const fingerprint = config.ADMIN_API_KEY ? await keyFingerprint(await deriveSessionKey(config.ADMIN_API_KEY)) : null;
  const handle = openDatabase(config);
  try {
    return { deleted: await deleteLapsedInboxSessions(handle.db, scheduledTime, fingerprint) };
  } finally {
    await handle.close();
  }
};

/**
 * Every CALENDAR_SYNC_MINUTES: one `calendar.sync` job per artist, carrying the run's time; each
 * artist's ArtistCalendar object syncs their Google Calendar (durable-objects/calendar-sync.ts).
 * Nothing while the calendar is off or not configured.
 */
const calendarSync: CronJob = async ({ env, scheduledTime, correlationId }) => {
  const config = requireConfig(env);
  if (!calendarConfigured(config)) return { skipped: "calendar off or not configured" };
  if (!calendarSyncDue(scheduledTime, config.CALENDAR_SYNC_MINUTES)) return { skipped: "not due", every_minutes: config.CALENDAR_SYNC_MINUTES };
  const handle = openDatabase(config);
  try {
    const artists = await listArtists(handle.db);
    const now = scheduledTime.toISOString();
    await enqueue(env, artists.map((artist) => ({ kind: "calendar.sync", correlationId, artistId: artist.id, now })));
    return { artists: artists.length };
  } finally {
    await handle.close();
  }
};

/**
 * The artist's morning digest: when the run's scheduled time has passed the artist's digest hour
 * on their clock (and that slot was not sent), one job asks the artist's desk to send it. The desk
 * claims the slot in Postgres, so overlapping runs and redelivered jobs send it once.
 */
const artistDigest: CronJob = async ({ env, scheduledTime, correlationId }) => {
  const config = requireConfig(env);
  if (!config.ARTIST_WHATSAPP_NUMBER || !config.FEATURE_ARTIST_NOTIFICATIONS) return { skipped: "no artist number or notices off" };
  const handle = openDatabase(config);
  try {
    const artist = await defaultArtist(handle.db, config);
    const state = await digestState(handle.db, artist.id);
    const hour = state?.digestHour ?? config.ARTIST_DIGEST_HOUR;
    if (hour === null) return { skipped: "ARTIST_DIGEST_HOUR off" };
    const slot = dueDigestSlot(scheduledTime, artist.timeZone, hour, state?.digestSentSlot ?? null, DIGEST_GRACE_MS);
    if (slot === null) return { due: false };
    await enqueue(env, [{ kind: "artist.digest", correlationId, now: scheduledTime.toISOString() }]);
    return { due: true, slot: slot.toISOString() };
  } finally {
    await handle.close();
  }
};

/** A sheet row dirty this long was not picked up by its kick (lost, or the writer waited): the sweep kicks it. */
export const SHEETS_SWEEP_AFTER_MS = 60_000;

/**
 * The Sheets mirror's backstop: rows left dirty for over a minute (a kick lost after its decision
 * committed) get one `sheets.flush`. Nothing while the mirror is off or paused by a permanent
 * failure (an admin resync restarts it).
 */
const sheetsSweep: CronJob = async ({ env, scheduledTime, correlationId }) => {
  const config = requireConfig(env);
  if (!sheetsConfigured(config) || !config.GOOGLE_SHEETS_SPREADSHEET_ID) return { sheets: "off" };
  const handle = openDatabase(config);
  try {
    const dirty = await dirtySummary(handle.db);
    const stale = dirty.oldest !== null && dirty.oldest.getTime() <= scheduledTime.getTime() - SHEETS_SWEEP_AFTER_MS;
    const paused = await sheetsPaused(handle.db, config.GOOGLE_SHEETS_SPREADSHEET_ID);
    if (stale && !paused) await enqueue(env, [{ kind: "sheets.flush", correlationId, force: false, now: scheduledTime.toISOString() }]);
    return { dirty: dirty.count, flushed: stale && !paused, paused };
  } finally {
    await handle.close();
  }
};

export const CRON_JOBS = {
  [CRON_EVERY_5_MIN]: { heartbeat, timerScan, depositSweep, holdSweep, freedOfferSweep, inboxSessionSweep, calendarSync, artistDigest, sheetsSweep },
} satisfies Record<string, Record<string, CronJob>>;

/** The `scheduled` entry point. Job failures are logged and rethrown so the platform records them. */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const correlationId = `cron-${new Date(controller.scheduledTime).toISOString()}`;
  const config = requireConfig(env);
  const log = createLogger(correlationId, config.LOG_LEVEL);
  const jobs: Record<string, CronJob> | undefined = (CRON_JOBS as Record<string, Record<string, CronJob>>)[controller.cron];
  if (!jobs) {
    log.error("cron.unknown", { cron: controller.cron });
    return;
  }
  const failures: string[] = [];
  for (const [name, job] of Object.entries(jobs)) {
    const started = Date.now();
    try {
      const result = await job({ env, scheduledTime: new Date(controller.scheduledTime), correlationId });
      log.info("cron.job", { job: name, cron: controller.cron, latency_ms: Date.now() - started, ...result });
    } catch (error) {
      failures.push(name);
      log.error("cron.job_failed", { job: name, cron: controller.cron, error });
    }
  }
  if (failures.length > 0) throw new Error(`cron jobs failed: ${failures.join(", ")}`);
}
