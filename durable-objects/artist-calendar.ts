/**
 * ArtistCalendar: one Durable Object per artist (named by the artist's id), the serial point for
 * holding that artist's time (issue 15). A Durable Object serialises events but not the awaits
 * inside them: two hold requests can interleave across their Postgres and Google calls. So every
 * write here runs in the object's own queue (serial-database.ts), one after the other,
 * and Postgres's exclusion constraint `bookings_no_overlap` stands behind the queue for the case
 * the queue cannot cover (two live instances during a deploy, a second isolate).
 *
 * It only orchestrates: the decisions are src/domain/booking.ts (hold life, payment and expiry
 * orderings) and src/domain/gap-search.ts (alternatives); the rows are src/db/booking-store.ts.
 *
 * Before a hold, the artist's Google Calendar is asked again (freeBusy over the slot and its
 * buffer) when the calendar is configured: an event the artist added by hand since the offer wins.
 * A calendar that cannot answer is never read as "free": the hold is refused as
 * `calendar_unavailable` and the client is asked to try again shortly.
 */
import { DurableObject } from "cloudflare:workers";
import { calendarFrom, freeBusy } from "../src/adapters/google/calendar.ts";
import { requireConfig, type AppConfig } from "../src/config.ts";
import { getArtist, type Artist } from "../src/db/artists-store.ts";
import { applyBookingStep, blockedBetween, changeBookingTime, getBooking, insertHold, type TimeChange } from "../src/db/booking-store.ts";
import { connectPatiently, openDatabase, type Database } from "../src/db/client.ts";
import type { BookingRow } from "../src/db/schema.ts";
import { acceptedOfferFor } from "../src/db/slot-offer-store.ts";
import { blockedTime, BOOKING_STATUSES, holdExpiresAt, onCheckoutExpired, onHoldDue, onPaid, type BookingState, type BookingStatus, type BookingStep, type CheckoutStanding } from "../src/domain/booking.ts";
import { timeFreedByStep } from "../src/domain/freed-slots.ts";
import { findSlots, FLEXIBLE, type Interval, type SessionSize } from "../src/domain/gap-search.ts";
import type { CalendarWriteJob } from "../src/jobs/messages.ts";
import { enqueueSlotFreed } from "../src/jobs/slot-freed.ts";
import { createLogger } from "../src/lib/log.ts";
import { syncArtistCalendar, type SyncOutcome } from "./calendar-sync.ts";
import { SerialDatabase } from "./serial-database.ts";

/** How many alternatives a refused hold offers, nearest to the time the client chose first. */
export const ALTERNATIVES = 3;

export interface HoldRequest {
  leadId: string;
  start: Date;
  end: Date;
  /** The session's size (for the alternatives' length). */
  size: SessionSize;
  /** The decision's "now" (never the object's clock). */
  now: Date;
  /** How long the deposit link lives (the hold lasts that plus a grace). */
  linkMs?: number;
  /** The lead's confirmed booking the hold replaces (cancelled with it, its time freed): a move needing a new deposit. */
  cancels?: string;
}

export interface SlotTime {
  start: Date;
  end: Date;
}

export type HoldAnswer =
  | { ok: true; bookingId: string; startsAt: Date; endsAt: Date; holdExpiresAt: Date; linkExpiresAt: Date; replaced: string | null }
  | { ok: false; reason: "slot_taken" | "calendar_busy"; alternatives: SlotTime[] }
  | { ok: false; reason: "calendar_unavailable" | "unknown_artist"; alternatives: [] };

/** What a booking step did: the status it is in now, and whether this call changed it. */
export type StepAnswer =
  | { outcome: "confirmed" | "released"; bookingId: string; changed: boolean }
  /** Paid after the hold lapsed, and someone else holds the time now: the deposit is kept as credit. */
  | { outcome: "slot_taken"; bookingId: string; changed: false }
  | { outcome: "unchanged"; bookingId: string; status: string | null; why: string };

/** A move of a confirmed booking (issue 18): to `start`–`end`, as the client chose. */
export interface MoveRequest {
  bookingId: string;
  start: Date;
  end: Date;
  now: Date;
}

/** What a cancel or a move did. */
export type ChangeAnswer = { ok: true; bookingId: string; changed: boolean } | { ok: false; reason: "slot_taken" | "calendar_busy" | "calendar_unavailable" | "not_confirmed" | "unknown_booking" };

/** Time a cancel or a move freed: the artist's, from `start` to `end` (the session and its buffer). */
export interface FreedTime {
  artistId: string;
  bookingId: string;
  leadId: string;
  start: Date;
  end: Date;
  why: "cancel" | "move";
  now: Date;
}

/** The stub of `artistId`'s calendar object. */
export function artistCalendar(env: Pick<Env, "ARTIST_CALENDAR">, artistId: string): DurableObjectStub<ArtistCalendar> {
  return env.ARTIST_CALENDAR.getByName(artistId);
}

export class ArtistCalendar extends DurableObject<Env> {
  private readonly store = new SerialDatabase(() => this.config);

  private get config(): AppConfig {
    return requireConfig(this.env);
  }

  private get artistId(): string {
    return this.ctx.id.name ?? "";
  }

  /** Holds the slot for the lead, or says why not (with the nearest free alternatives). */
  hold(request: HoldRequest): Promise<HoldAnswer> {
    return this.store.serial(() => this.store.guarded((db) => this.holdNow(db, request)));
  }

  private async holdNow(db: Database, request: HoldRequest): Promise<HoldAnswer> {
    const artist = await getArtist(db, this.artistId);
    if (!artist) return { ok: false, reason: "unknown_artist", alternatives: [] };
    const time = blockedTime({ start: request.start, end: request.end }, artist.availability.bufferMinutes);
    const calendar = calendarFrom(this.config);
    if (calendar) {
      const busy = await freeBusy(calendar.client, calendar.calendarId, time.startsAt, time.blockedUntil);
      if (!busy.ok) {
        this.log().warn("calendar.freebusy_failed", { artist_id: artist.id, kind: busy.error.kind, reason: "reason" in busy.error ? busy.error.reason : null });
        return { ok: false, reason: "calendar_unavailable", alternatives: [] };
      }
      if (busy.value.some((b) => b.startMs < time.blockedUntil.getTime() && b.endMs > time.startsAt.getTime())) {
        return { ok: false, reason: "calendar_busy", alternatives: await this.alternatives(db, artist, request) };
      }
    }
    const life = holdExpiresAt(request.now, request.linkMs);
    const held = await insertHold(db, { artistId: artist.id, leadId: request.leadId, time, holdExpiresAt: life.holdExpiresAt, now: request.now, ...(request.cancels ? { cancels: request.cancels } : {}) });
    if (!held.ok) return { ok: false, reason: "slot_taken", alternatives: await this.alternatives(db, artist, request) };
    if (held.cancelled) {
      // The replaced booking's event leaves the calendar and its time goes to people waiting.
      await this.writeCalendar(held.cancelled.id, request.now);
      await this.timeFreed({ artistId: artist.id, bookingId: held.cancelled.id, leadId: request.leadId, start: held.cancelled.start, end: held.cancelled.end, why: "cancel", now: request.now });
    }
    return {
      ok: true,
      bookingId: held.booking.id,
      startsAt: held.booking.startsAt,
      endsAt: held.booking.endsAt,
      holdExpiresAt: life.holdExpiresAt,
      linkExpiresAt: life.linkExpiresAt,
      replaced: held.replaced,
    };
  }

  /**
   * Free slots nearest the one refused: the gap search over the artist's rules with what Postgres
   * blocks (and the calendar's busy time, when it answers), flexible about the client's windows.
   */
  private async alternatives(db: Database, artist: Artist, request: HoldRequest): Promise<SlotTime[]> {
    const busy = await this.busyUntilHorizon(db, artist, request.now);
    if (busy === null) return [];
    const slots = findSlots({ rules: artist.availability, busy, windows: FLEXIBLE, size: request.size, now: request.now, count: 10 });
    const wanted = request.start.getTime();
    return slots
      .map((s) => ({ start: s.start, end: s.end }))
      .sort((a, b) => Math.abs(a.start.getTime() - wanted) - Math.abs(b.start.getTime() - wanted) || a.start.getTime() - b.start.getTime())
      .slice(0, ALTERNATIVES);
  }

  /**
   * The calendar as a lead's decision needs it (engine/booking.ts runs the gap search over it):
   * the artist's rules and what is busy from now to the horizon (our holds and bookings, and
   * Google's busy time when the calendar is configured). Null when Google cannot answer: an
   * unreadable calendar is never "free".
   */
  view(now: Date): Promise<{ rules: Artist["availability"]; busy: SlotTime[] } | null> {
    return this.store.guarded(async (db) => {
      const artist = await getArtist(db, this.artistId);
      if (!artist) return null;
      const busy = await this.busyUntilHorizon(db, artist, now);
      return busy === null ? null : { rules: artist.availability, busy };
    });
  }

  /** Busy time from `now` to the artist's horizon: ours, and Google's when configured (null: Google failed). */
  private async busyUntilHorizon(db: Database, artist: Artist, now: Date): Promise<Interval[] | null> {
    const horizonEnd = new Date(now.getTime() + artist.availability.horizonDays * 86_400_000);
    const busy: Interval[] = await blockedBetween(db, artist.id, now, horizonEnd);
    const calendar = calendarFrom(this.config);
    if (calendar) {
      const more = await freeBusy(calendar.client, calendar.calendarId, now, horizonEnd);
      if (!more.ok) {
        this.log().warn("calendar.freebusy_failed", { artist_id: artist.id, kind: more.error.kind, for: "view" });
        return null;
      }
      for (const b of more.value) busy.push({ start: new Date(b.startMs), end: new Date(b.endMs) });
    }
    return busy;
  }

  /**
   * Syncs the artist's Google Calendar and alerts them about events over confirmed bookings
   * (calendar-sync.ts), in turn with the holds. `now` is the cron run's scheduled time.
   */
  sync(now: Date, correlationId: string | null = null): Promise<SyncOutcome> {
    return this.store.serial(async () => {
      // Its own short-lived connection: a sync every few minutes per artist must not keep one open.
      const handle = openDatabase(this.config, { max: 1 });
      try {
        await connectPatiently(handle);
        const artist = await getArtist(handle.db, this.artistId);
        if (!artist) return { ok: true, skipped: "unknown_artist" } as const;
        return await syncArtistCalendar({ storage: this.ctx.storage, db: handle.db, config: this.config, artist, now, log: this.log(), correlationId });
      } finally {
        await handle.close().catch(() => undefined);
      }
    });
  }

  /**
   * Cancels a confirmed booking (issue 18): CANCELLED, its event deleted through the queue, its time
   * freed. Idempotent: a second cancel changes nothing and frees nothing.
   */
  cancel(bookingId: string, now: Date, reason: string): Promise<ChangeAnswer> {
    return this.store.serial(() => this.store.guarded((db) => this.change(db, bookingId, { kind: "cancel", reason }, now)));
  }

  /**
   * Moves a confirmed booking to a new time (issue 18): Google is asked about the new time first
   * (an event the artist added by hand wins, as for a hold), then the row moves in one statement
   * (the exclusion constraint judges the new time), its event is patched through the queue, and
   * the old time is freed.
   */
  move(request: MoveRequest): Promise<ChangeAnswer> {
    return this.store.serial(() =>
      this.store.guarded(async (db) => {
        const [booking, artist] = await Promise.all([getBooking(db, request.bookingId), getArtist(db, this.artistId)]);
        if (!booking || !artist) return { ok: false, reason: "unknown_booking" } as const;
        const time = blockedTime({ start: request.start, end: request.end }, artist.availability.bufferMinutes);
        if (booking.startsAt.getTime() === time.startsAt.getTime()) return { ok: true, bookingId: booking.id, changed: false } as const;
        const calendar = calendarFrom(this.config);
        if (calendar) {
          const busy = await freeBusy(calendar.client, calendar.calendarId, time.startsAt, time.blockedUntil);
          if (!busy.ok) return { ok: false, reason: "calendar_unavailable" } as const;
          // Our own event still sits at the old time: only busy time outside it counts.
          const own = { start: booking.startsAt.getTime(), end: booking.blockedUntil.getTime() };
          const clash = busy.value.some((b) => b.startMs < time.blockedUntil.getTime() && b.endMs > time.startsAt.getTime() && !(b.startMs >= own.start && b.endMs <= own.end));
          if (clash) return { ok: false, reason: "calendar_busy" } as const;
        }
        return this.change(db, booking.id, { kind: "move", time }, request.now);
      }),
    );
  }

  private async change(db: Database, bookingId: string, change: TimeChange, now: Date): Promise<ChangeAnswer> {
    const done = await changeBookingTime(db, bookingId, change, now);
    if (!done.ok) return done;
    if (done.freed !== null) {
      // The event follows the row (deleted for a cancel, patched for a move), through the queue.
      await this.writeCalendar(bookingId, now);
      await this.timeFreed({ artistId: this.artistId, bookingId, leadId: done.booking.leadId, start: done.freed.start, end: done.freed.end, why: change.kind, now });
    }
    return { ok: true, bookingId, changed: done.freed !== null };
  }

  /**
   * Every confirmed booking's time freed (a cancel, a move) passes here, and only here, once, after
   * the row changed, and goes to clients who are waiting (the `booking.slot_freed` job,
   * src/jobs/slot-freed.ts, offers it one client at a time); a hold released unpaid goes there
   * through `holdReleased`.
   */
  private async timeFreed(freed: FreedTime): Promise<void> {
    this.log().info("booking.time_freed", { artist_id: freed.artistId, booking_id: freed.bookingId, lead_id: freed.leadId, start: freed.start.toISOString(), end: freed.end.toISOString(), why: freed.why });
    await enqueueSlotFreed(this.env.JOBS, { artistId: freed.artistId, start: freed.start, end: freed.end, now: freed.now });
  }

  /**
   * A hold released unpaid (its link expired, or the hold sweep found it lapsed): its time goes to
   * the people waiting. Which time is `timeFreedByStep` (src/domain/freed-slots.ts): the freed
   * interval of the offer the hold was taken on (the next one offered: the job skips everyone
   * offered it before), else the time the hold blocked. Runs once: only the step that released the
   * hold gets here.
   */
  private async holdReleased(db: Database, hold: BookingRow, step: BookingStep, now: Date): Promise<void> {
    const accepted = await acceptedOfferFor(db, { artistId: hold.artistId, leadId: hold.leadId, start: hold.startsAt });
    const freed = timeFreedByStep(step, hold, accepted);
    if (!freed) return;
    this.log().info("booking.hold_lapsed_freed", { artist_id: hold.artistId, booking_id: hold.id, lead_id: hold.leadId, offer_row_id: accepted?.id ?? null, start: freed.start.toISOString(), end: freed.end.toISOString() });
    await enqueueSlotFreed(this.env.JOBS, { artistId: hold.artistId, start: freed.start, end: freed.end, now });
  }

  /** The deposit for `bookingId` was paid (Stripe's webhook, or the sweep finding it complete). */
  paid(bookingId: string, now: Date): Promise<StepAnswer> {
    return this.store.serial(() => this.store.guarded(async (db) => this.step(db, bookingId, now, (b) => onPaid(b), "paid")));
  }

  /** Stripe expired the hold's Checkout Session (its webhook): the hold is released, once. */
  checkoutExpired(bookingId: string, now: Date): Promise<StepAnswer> {
    return this.store.serial(() => this.store.guarded(async (db) => this.step(db, bookingId, now, (b) => onCheckoutExpired(b), "checkout_expired")));
  }

  /** The hold's time may be up; `stripe` says where its session stands (asked by the caller just now). */
  holdDue(bookingId: string, now: Date, stripe: CheckoutStanding): Promise<StepAnswer> {
    return this.store.serial(() => this.store.guarded(async (db) => this.step(db, bookingId, now, (b) => onHoldDue(b, now, stripe), "hold_lapsed")));
  }

  private async step(db: Database, bookingId: string, now: Date, decide: (b: BookingState) => BookingStep, reason: string): Promise<StepAnswer> {
    const row = await getBooking(db, bookingId);
    if (!row) return { outcome: "unchanged", bookingId, status: null, why: "unknown_booking" };
    if (!BOOKING_STATUSES.includes(row.status as BookingStatus)) throw new Error(`booking ${bookingId} has an unknown status`);
    const step = decide({ status: row.status as BookingStatus, holdExpiresAt: row.holdExpiresAt });
    if (step.kind === "none") {
      if (step.why === "already_confirmed") {
        // A repeated payment event also repairs an event never written (its job lost before it was sent).
        if (row.calendarEventId === null) await this.writeCalendar(bookingId, now);
        return { outcome: "confirmed", bookingId, changed: false };
      }
      if (step.why === "already_released") return { outcome: "released", bookingId, changed: false };
      return { outcome: "unchanged", bookingId, status: row.status, why: step.why };
    }
    const done = await applyBookingStep(db, bookingId, step, now, reason);
    if (done.applied) {
      if (step.kind !== "release") await this.writeCalendar(bookingId, now);
      else await this.holdReleased(db, row, step, now);
      return { outcome: step.kind === "release" ? "released" : "confirmed", bookingId, changed: true };
    }
    if (done.reason === "slot_taken") {
      this.log().warn("booking.retake_refused", { booking_id: bookingId, artist_id: row.artistId });
      return { outcome: "slot_taken", bookingId, changed: false };
    }
    return { outcome: "unchanged", bookingId, status: done.booking?.status ?? null, why: "changed_meanwhile" };
  }

  /**
   * Queues the calendar write for a confirmed booking (calendar writes go through the queue, never
   * inline: Google's rate limits and outages must not hold up the payment). Only when the calendar
   * is configured; the job reads the booking when it runs, so an extra one does no harm.
   */
  private async writeCalendar(bookingId: string, now: Date): Promise<void> {
    if (!calendarFrom(this.config)) return;
    await this.env.JOBS.send({ kind: "calendar.write", bookingId, now: now.toISOString() } satisfies CalendarWriteJob, { contentType: "json" });
  }

  private log() {
    return createLogger(`artist-calendar:${this.artistId}`, this.config.LOG_LEVEL);
  }
}
