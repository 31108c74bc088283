/**
 * The calendar write (src/jobs/calendar-write.ts) against the Google emulator over loopback: a
 * payment that confirms a hold puts exactly one event on the artist's calendar through the jobs
 * queue; a retried insert whose answer was lost adopts the event it made; a rate limit is retried
 * after Google's Retry-After; an id held by an event that is not ours is dead-lettered at once; a
 * released booking's event is deleted, twice harmlessly.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { artistCalendar, type HoldAnswer } from "../../durable-objects/artist-calendar.ts";
import { eventIdFor } from "../../src/adapters/google/event-id.ts";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { PermanentJobError, RetryJobLater, writeCalendar } from "../../src/jobs/calendar-write.ts";
import { createLogger } from "../../src/lib/log.ts";
import { sql } from "../support/workers/db.ts";
import { artistHeardSince, artistWindowOpen } from "../support/workers/client.ts";
import { google, testCalendar } from "../support/workers/google.ts";
import { uniquePhone } from "../support/workers/whatsapp.ts";

const NOW = new Date("2027-07-01T08:00:00Z");
const log = createLogger("calendar-write-test", "error");
let day = 5;

async function confirmedBooking(options: { viaObject?: boolean } = {}): Promise<{ bookingId: string; artistId: string; leadId: string }> {
  const artistId = (
    await sql<{ id: string }>("INSERT INTO artists (handle, name, time_zone, availability) VALUES ($1, 'Test', 'Europe/London', $2) RETURNING id", [
      `cw-${crypto.randomUUID().slice(0, 8)}`,
      JSON.stringify(defaultAvailability("Europe/London")),
    ])
  )[0]?.id;
  const leadId = (await sql<{ id: string }>("INSERT INTO leads (phone_e164, status, display_name) VALUES ($1, 'AWAITING_DEPOSIT', 'Robin') RETURNING id", [uniquePhone()]))[0]?.id;
  if (!artistId || !leadId) throw new Error("no rows");
  // A weekday in July, each test its own (the emulator's calendar is shared).
  const date = `2027-07-${String(day++).padStart(2, "0")}`;
  const answer = (await artistCalendar(env, artistId).hold({
    leadId,
    start: new Date(`${date}T09:00:00Z`),
    end: new Date(`${date}T11:00:00Z`),
    size: { category: "SMALL" },
    now: NOW,
  })) as unknown as HoldAnswer;
  if (!answer.ok) throw new Error(`no hold: ${answer.reason}`);
  if (options.viaObject) await artistCalendar(env, artistId).paid(answer.bookingId, NOW);
  else await sql("UPDATE bookings SET status = 'CONFIRMED', hold_expires_at = NULL WHERE id = $1", [answer.bookingId]);
  return { bookingId: answer.bookingId, artistId, leadId };
}

async function eventsOf(bookingId: string) {
  const { calendarId } = testCalendar();
  return (await google.events(calendarId)).filter((e) => e.extendedProperties?.private?.bookingId === bookingId && e.status !== "cancelled");
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeEach(async () => {
  await google.reset();
});

describe("calendar write", () => {
  it("a payment confirming the hold puts exactly one event on the artist's calendar, through the queue", async () => {
    const { bookingId, leadId } = await confirmedBooking({ viaObject: true });
    const events = await eventually(() => eventsOf(bookingId), (e) => e.length > 0);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event?.id).toBe(eventIdFor(bookingId, 0));
    expect(event?.summary).toBe("Tattoo: Robin");
    expect(event?.extendedProperties?.private).toMatchObject({ inkline: "1", bookingId, leadId });
    const stored = await eventually(
      () => sql<{ calendar_event_id: string | null }>("SELECT calendar_event_id FROM bookings WHERE id = $1", [bookingId]),
      (rows) => rows[0]?.calendar_event_id !== null,
    );
    expect(stored[0]?.calendar_event_id).toBe(eventIdFor(bookingId, 0));
    // The payment webhook's second copy queues nothing new, and the calendar keeps one event.
    await artistCalendar(env, (await sql<{ artist_id: string }>("SELECT artist_id FROM bookings WHERE id = $1", [bookingId]))[0]?.artist_id ?? "").paid(bookingId, NOW);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await eventsOf(bookingId)).toHaveLength(1);
    expect((await google.calls("insert")).filter((c) => c.status === 200 || c.status === 409).length).toBeGreaterThanOrEqual(1);
  });

  it("an insert whose answer was lost, retried: the event is adopted, never doubled", async () => {
    const { bookingId } = await confirmedBooking();
    // Scoped to this booking's event: no other file's insert meets the fault.
    await google.fail({ eventId: eventIdFor(bookingId, 0) }, 1, "lost", "insert");
    await expect(writeCalendar(bookingId, env, log)).rejects.toBeInstanceOf(RetryJobLater);
    expect(await eventsOf(bookingId)).toHaveLength(1);
    expect(await writeCalendar(bookingId, env, log)).toBe("adopted");
    expect(await eventsOf(bookingId)).toHaveLength(1);
  });

  it("a rate limit is retried no sooner than Google's Retry-After", async () => {
    const { bookingId } = await confirmedBooking();
    await google.fail({ eventId: eventIdFor(bookingId, 0) }, 1, "429", "insert", 7);
    const error = await writeCalendar(bookingId, env, log).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryJobLater);
    expect((error as RetryJobLater).delaySeconds).toBe(7);
    expect(await writeCalendar(bookingId, env, log)).toBe("inserted");
  });

  it("an id held by an event that is not ours is permanent: dead-lettered at once through the queue, and the artist is told once", async () => {
    const before = await artistWindowOpen();
    const { bookingId } = await confirmedBooking();
    const { calendarId } = testCalendar();
    await google.addByHand({ calendarId, id: eventIdFor(bookingId, 0), start: "2027-07-20T09:00:00Z", end: "2027-07-20T10:00:00Z", summary: "not ours" });
    await expect(writeCalendar(bookingId, env, log)).rejects.toBeInstanceOf(PermanentJobError);
    await env.JOBS.send({ kind: "calendar.write", bookingId, now: NOW.toISOString() }, { contentType: "json" });
    const letters = await eventually(
      () => sql<{ kind: string; reason: string }>("SELECT kind, reason FROM dead_letters WHERE body->>'bookingId' = $1", [bookingId]),
      (rows) => rows.length > 0,
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]?.kind).toBe("calendar.write");
    expect(letters[0]?.reason).toMatch(/^permanent: calendar insert: id_taken/);
    const told = await eventually(
      async () => (await artistHeardSince(before)).filter((t) => t.includes("could not be written to your Google Calendar") && t.includes("id_taken")),
      (texts) => texts.length > 0,
    );
    expect(told).toHaveLength(1);
  });

  it("a calendar Google does not know (unshared: 404 notFound) is permanent, never retried, and writes nothing", async () => {
    const { bookingId } = await confirmedBooking();
    // The same Worker settings with the artist's calendar no longer shared with the service account.
    const unshared = { ...env, GOOGLE_CALENDAR_ID: `unshared-${crypto.randomUUID().slice(0, 8)}@inkline.test` };
    const error = await writeCalendar(bookingId, unshared, log).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toMatch(/calendar insert: .*404/);
    expect(error).not.toBeInstanceOf(RetryJobLater);
    expect(await eventsOf(bookingId)).toHaveLength(0);
    expect((await sql<{ calendar_event_id: string | null }>("SELECT calendar_event_id FROM bookings WHERE id = $1", [bookingId]))[0]?.calendar_event_id).toBeNull();
  });

  it("a released booking loses its event; deleting again is harmless", async () => {
    const { bookingId } = await confirmedBooking();
    expect(await writeCalendar(bookingId, env, log)).toBe("inserted");
    await sql("UPDATE bookings SET status = 'CANCELLED' WHERE id = $1", [bookingId]);
    expect(await writeCalendar(bookingId, env, log)).toBe("deleted");
    expect(await eventsOf(bookingId)).toHaveLength(0);
    expect(await writeCalendar(bookingId, env, log)).toBe("nothing_to_do");
  });
});
