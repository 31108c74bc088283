/**
 * Holds and bookings in Postgres (`bookings`; the decisions are src/domain/booking.ts). Writes
 * go through the ArtistCalendar object (durable-objects/artist-calendar.ts), the serial point per
 * artist; the exclusion constraint `bookings_no_overlap` stands behind it, so even two objects
 * racing (a deploy, a second isolate) can never both hold one slot: the loser's statement fails
 * with 23P01, read here as "slot taken".
 */
import { and, asc, eq, gt, inArray, lt, lte } from "drizzle-orm";
import { BLOCKING_STATUSES, BookingStatus, type BlockedTime, type BookingStep } from "../domain/booking.ts";
import { isExclusionViolation, type Database } from "./client.ts";
import { bookings, leads, type BookingRow } from "./schema.ts";

export type HoldResult =
  | { ok: true; booking: BookingRow; replaced: string | null; cancelled: { id: string; start: Date; end: Date } | null }
  | { ok: false; reason: "slot_taken" };

export interface NewHold {
  artistId: string;
  leadId: string;
  time: BlockedTime;
  holdExpiresAt: Date;
  now: Date;
  /**
   * The lead's confirmed booking this hold replaces (a move whose deposit does not follow it,
   * engine/move-settlement.ts): cancelled in the same transaction, so the lead never blocks two
   * times and a refused hold leaves the booking standing.
   */
  cancels?: string;
}

/**
 * Holds `time` for the lead. The lead's earlier hold (it chose again) is released in the same
 * transaction, so a lead never blocks two slots and a refused new hold leaves the old one standing.
 */
export async function insertHold(db: Database, hold: NewHold): Promise<HoldResult> {
  try {
    return await db.transaction(async (tx) => {
      const released = await tx
        .update(bookings)
        .set({ status: BookingStatus.RELEASED, releasedReason: "chose_again", holdExpiresAt: null, updatedAt: hold.now })
        .where(and(eq(bookings.leadId, hold.leadId), eq(bookings.status, BookingStatus.HELD)))
        .returning({ id: bookings.id });
      const [cancelled] = hold.cancels
        ? await tx
            .update(bookings)
            .set({ status: BookingStatus.CANCELLED, releasedReason: "moved_new_deposit", holdExpiresAt: null, updatedAt: hold.now })
            .where(and(eq(bookings.id, hold.cancels), eq(bookings.leadId, hold.leadId), eq(bookings.status, BookingStatus.CONFIRMED)))
            .returning({ id: bookings.id, start: bookings.startsAt, end: bookings.blockedUntil })
        : [];
      const [booking] = await tx
        .insert(bookings)
        .values({
          artistId: hold.artistId,
          leadId: hold.leadId,
          status: BookingStatus.HELD,
          startsAt: hold.time.startsAt,
          endsAt: hold.time.endsAt,
          blockedUntil: hold.time.blockedUntil,
          holdExpiresAt: hold.holdExpiresAt,
          createdAt: hold.now,
          updatedAt: hold.now,
        })
        .returning();
      if (!booking) throw new Error("bookings insert returned no row");
      return { ok: true as const, booking, replaced: released[0]?.id ?? null, cancelled: cancelled ?? null };
    });
  } catch (error) {
    if (isExclusionViolation(error)) return { ok: false, reason: "slot_taken" };
    throw error;
  }
}

export async function getBooking(db: Database, id: string): Promise<BookingRow | null> {
  const [row] = await db.select().from(bookings).where(eq(bookings.id, id)).limit(1);
  return row ?? null;
}

/** The lead's blocking booking (HELD or CONFIRMED), if any. */
export async function blockingBookingOf(db: Database, leadId: string): Promise<BookingRow | null> {
  const [row] = await db
    .select()
    .from(bookings)
    .where(and(eq(bookings.leadId, leadId), inArray(bookings.status, [...BLOCKING_STATUSES])))
    .limit(1);
  return row ?? null;
}

export type StepResult = { applied: true; booking: BookingRow } | { applied: false; reason: "slot_taken" | "not_applicable"; booking: BookingRow | null };

/**
 * Carries out a decided step on booking `id`. Each update names the status it expects, so a step
 * decided on a stale read changes nothing (and says so); a retake over time somebody else now
 * holds fails on the constraint and reads as "slot taken".
 */
export async function applyBookingStep(db: Database, id: string, step: BookingStep, now: Date, reason: string | null = null): Promise<StepResult> {
  const expect = step.kind === "confirm" ? BookingStatus.HELD : step.kind === "retake" ? BookingStatus.RELEASED : step.kind === "release" ? BookingStatus.HELD : null;
  if (expect === null) return { applied: false, reason: "not_applicable", booking: await getBooking(db, id) };
  const to = step.kind === "release" ? BookingStatus.RELEASED : BookingStatus.CONFIRMED;
  try {
    const [row] = await db
      .update(bookings)
      .set({
        status: to,
        holdExpiresAt: null,
        releasedReason: to === BookingStatus.RELEASED ? (reason ?? "released") : null,
        updatedAt: now,
      })
      .where(and(eq(bookings.id, id), eq(bookings.status, expect)))
      .returning();
    if (row) return { applied: true, booking: row };
    return { applied: false, reason: "not_applicable", booking: await getBooking(db, id) };
  } catch (error) {
    if (isExclusionViolation(error)) return { applied: false, reason: "slot_taken", booking: await getBooking(db, id) };
    throw error;
  }
}

/** The artist's time blocked by holds and bookings between `from` and `to` (busy time for the gap search). */
export async function blockedBetween(db: Database, artistId: string, from: Date, to: Date): Promise<{ start: Date; end: Date }[]> {
  const rows = await db
    .select({ start: bookings.startsAt, end: bookings.blockedUntil })
    .from(bookings)
    .where(and(eq(bookings.artistId, artistId), inArray(bookings.status, [...BLOCKING_STATUSES]), lt(bookings.startsAt, to), gt(bookings.blockedUntil, from)))
    .orderBy(asc(bookings.startsAt));
  return rows;
}

/** Holds whose time is up at `now` (soonest first, at most `limit`). */
export async function lapsedHolds(db: Database, now: Date, limit: number): Promise<BookingRow[]> {
  return db
    .select()
    .from(bookings)
    .where(and(eq(bookings.status, BookingStatus.HELD), lte(bookings.holdExpiresAt, now)))
    .orderBy(asc(bookings.holdExpiresAt))
    .limit(limit);
}

export interface AgendaEntry {
  id: string;
  leadId: string;
  status: string;
  startsAt: Date;
  endsAt: Date;
  holdExpiresAt: Date | null;
  clientName: string | null;
}

/** Upcoming held and confirmed sessions of the artist from `from`, soonest first: the inbox agenda and the admin API. */
export async function agenda(db: Database, artistId: string, from: Date, limit = 100): Promise<AgendaEntry[]> {
  return db
    .select({
      id: bookings.id,
      leadId: bookings.leadId,
      status: bookings.status,
      startsAt: bookings.startsAt,
      endsAt: bookings.endsAt,
      holdExpiresAt: bookings.holdExpiresAt,
      clientName: leads.displayName,
    })
    .from(bookings)
    .innerJoin(leads, eq(leads.id, bookings.leadId))
    .where(and(eq(bookings.artistId, artistId), inArray(bookings.status, [...BLOCKING_STATUSES]), gt(bookings.endsAt, from)))
    .orderBy(asc(bookings.startsAt))
    .limit(limit);
}

/** A booking with its client's name, as the admin API lists it. */
export type BookingWithClient = BookingRow & { clientName: string | null };

export interface BookingFilter {
  /** Only bookings not over by then (ending after it). */
  from: Date;
  /** Only these statuses. */
  statuses: readonly BookingStatus[];
  limit: number;
}

/** The artist's bookings in `filter.statuses` not over by `filter.from`, soonest first (the admin API's list). */
export async function listBookings(db: Database, artistId: string, filter: BookingFilter): Promise<BookingWithClient[]> {
  const rows = await db
    .select({ booking: bookings, clientName: leads.displayName })
    .from(bookings)
    .innerJoin(leads, eq(leads.id, bookings.leadId))
    .where(and(eq(bookings.artistId, artistId), inArray(bookings.status, [...filter.statuses]), gt(bookings.endsAt, filter.from)))
    .orderBy(asc(bookings.startsAt), asc(bookings.id))
    .limit(filter.limit);
  return rows.map((r) => ({ ...r.booking, clientName: r.clientName }));
}

/** What happens to a confirmed booking's time: cancelled, or moved to `time` (the same row, its event patched). */
export type TimeChange = { kind: "cancel"; reason: string } | { kind: "move"; time: BlockedTime };

/** The time a change freed (null: nothing freed now, the change was made before), or why it could not be made. */
export type TimeChangeResult =
  | { ok: true; booking: BookingRow; freed: { start: Date; end: Date } | null }
  | { ok: false; reason: "unknown_booking" | "not_confirmed" | "slot_taken" };

/**
 * The one place a confirmed booking's time is freed (issue 18): a cancel (CONFIRMED → CANCELLED)
 * or a move (the same row to its new time, so its deposit, its calendar event and its id stay).
 * One statement each: the exclusion constraint judges the new time and frees the old one at once,
 * so a move can never leave the client with two sessions or none (23P01: "slot taken", nothing
 * changed). Idempotent: a cancel or a move already made frees nothing the second time.
 */
export async function changeBookingTime(db: Database, id: string, change: TimeChange, now: Date): Promise<TimeChangeResult> {
  const before = await getBooking(db, id);
  if (!before) return { ok: false, reason: "unknown_booking" };
  const old = { start: before.startsAt, end: before.blockedUntil };
  if (change.kind === "cancel") {
    if (before.status === BookingStatus.CANCELLED) return { ok: true, booking: before, freed: null };
    const [row] = await db
      .update(bookings)
      .set({ status: BookingStatus.CANCELLED, releasedReason: change.reason, holdExpiresAt: null, updatedAt: now })
      .where(and(eq(bookings.id, id), eq(bookings.status, BookingStatus.CONFIRMED)))
      .returning();
    return row ? { ok: true, booking: row, freed: old } : { ok: false, reason: "not_confirmed" };
  }
  const { time } = change;
  if (before.status !== BookingStatus.CONFIRMED) return { ok: false, reason: "not_confirmed" };
  if (before.startsAt.getTime() === time.startsAt.getTime() && before.endsAt.getTime() === time.endsAt.getTime()) return { ok: true, booking: before, freed: null };
  try {
    const [row] = await db
      .update(bookings)
      .set({ startsAt: time.startsAt, endsAt: time.endsAt, blockedUntil: time.blockedUntil, updatedAt: now })
      .where(and(eq(bookings.id, id), eq(bookings.status, BookingStatus.CONFIRMED), eq(bookings.startsAt, before.startsAt)))
      .returning();
    return row ? { ok: true, booking: row, freed: old } : { ok: false, reason: "not_confirmed" };
  } catch (error) {
    if (isExclusionViolation(error)) return { ok: false, reason: "slot_taken" };
    throw error;
  }
}

