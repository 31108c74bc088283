/**
 * Events the artist adds by hand over a confirmed booking (issue 15 item 7), against the real
 * Postgres, the Google emulator and the WhatsApp emulator over loopback: the cron enqueues a
 * `calendar.sync` per artist through the real jobs queue, the artist's ArtistCalendar object syncs
 * with its stored sync token (pages, 410 → full resync) and the artist is alerted once per
 * (booking, event), whichever sync or check finds it; our own events and events beside the
 * session never alert. And the check when a booking's event is written (calendar-write.ts).
 */
import { createScheduledController, env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { artistCalendar } from "../../durable-objects/artist-calendar.ts";
import { SYNC_PAGE_SIZE, SYNC_TOKEN_KEY, type SyncOutcome } from "../../durable-objects/calendar-sync.ts";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { writeCalendar } from "../../src/jobs/calendar-write.ts";
import type { Job } from "../../src/jobs/messages.ts";
import { createLogger } from "../../src/lib/log.ts";
import { CRON_EVERY_5_MIN, runScheduled } from "../../src/scheduled.ts";
import { sql } from "../support/workers/db.ts";
import { google, testCalendar } from "../support/workers/google.ts";
import { openServiceWindow, sentTo, textsTo, uniquePhone } from "../support/workers/whatsapp.ts";

/** Thursday 1 July 2027, 08:00 UTC: every session below is after it. */
const NOW = new Date("2027-07-01T08:00:00Z");
const log = createLogger("calendar-sync-test", "error");

interface Setup {
  artistId: string;
  artistPhone: string;
  bookingId: string;
  leadId: string;
}

/** A fresh artist (their own number, window open unless said) with one confirmed session 10:00–12:00 London time on `date`. */
async function artistWithBooking(date: string, options: { windowOpen?: boolean } = {}): Promise<Setup> {
  const artistPhone = uniquePhone();
  const [artist] = await sql<{ id: string }>(
    "INSERT INTO artists (handle, name, whatsapp_number, time_zone, availability) VALUES ($1, 'Mara', $2, 'Europe/London', $3) RETURNING id",
    [`sync-${crypto.randomUUID().slice(0, 8)}`, artistPhone, JSON.stringify(defaultAvailability("Europe/London"))],
  );
  const [lead] = await sql<{ id: string }>("INSERT INTO leads (phone_e164, status, display_name) VALUES ($1, 'BOOKED', 'Robin') RETURNING id", [uniquePhone()]);
  if (!artist || !lead) throw new Error("no rows");
  const [booking] = await sql<{ id: string }>(
    "INSERT INTO bookings (artist_id, lead_id, status, starts_at, ends_at, blocked_until) VALUES ($1, $2, 'CONFIRMED', $3, $4, $5) RETURNING id",
    [artist.id, lead.id, `${date}T09:00:00Z`, `${date}T11:00:00Z`, `${date}T11:30:00Z`],
  );
  if (!booking) throw new Error("no booking");
  if (options.windowOpen !== false) await openServiceWindow(artistPhone);
  return { artistId: artist.id, artistPhone, bookingId: booking.id, leadId: lead.id };
}

const handEvent = (start: string, end: string, summary = "Dentist", extra: { privateProperties?: Record<string, string>; id?: string } = {}) =>
  google.addByHand({ calendarId: testCalendar().calendarId, start, end, summary, ...extra });

/** One sync by the artist's object, through its RPC. */
const sync = async (artistId: string, now = NOW): Promise<SyncOutcome> => artistCalendar(env, artistId).sync(now);

function synced(outcome: SyncOutcome): Extract<SyncOutcome, { full: boolean }> {
  if (!outcome.ok || outcome.skipped !== undefined) throw new Error(`expected a sync, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const conflictEvents = (bookingId: string) =>
  sql<{ level: string; payload: { event_id: string; source: string } }>("SELECT level, payload FROM system_events WHERE type = 'calendar.conflict' AND payload->>'booking_id' = $1", [bookingId]);

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The cron at `at`, as Cron Triggers fire it (its jobs go through the real queue). */
const cronAt = (at: Date) => runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: at.getTime() }), env);

const syncListCalls = async () => (await google.calls("list")).filter((c) => c.status === 200);

beforeEach(async () => {
  await google.reset();
});

describe("calendar sync: the cron, the queue and the artist's object", () => {
  it("a hand-added event over a confirmed booking alerts the artist once, across repeated syncs and a 410", async () => {
    const s = await artistWithBooking("2027-07-06");
    const event = await handEvent("2027-07-06T10:00:00Z", "2027-07-06T10:30:00Z");

    await cronAt(NOW);
    const first = await eventually(() => conflictEvents(s.bookingId), (rows) => rows.length > 0);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ level: "warn", payload: { event_id: event.id, source: "sync" } });
    const texts = await eventually(() => textsTo(s.artistPhone), (t) => t.length > 0);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain("“Dentist”");
    expect(texts[0]).toContain("Robin");
    expect(texts[0]).toContain("Tue 6 Jul, 11:00–11:30"); // the event, on the artist's (BST) clock
    expect(texts[0]).toContain(`https://inkline.test/inbox/leads/${s.leadId}`);

    // A later sync is incremental (nothing new); then Google drops the token (410): a full resync
    // lists the event again, and the artist still hears of it once.
    expect(synced(await sync(s.artistId, new Date(NOW.getTime() + 5 * 60_000)))).toMatchObject({ full: false, alerted: 0 });
    await google.invalidateSyncTokens(testCalendar().calendarId);
    const resync = synced(await sync(s.artistId, new Date(NOW.getTime() + 10 * 60_000)));
    expect(resync).toMatchObject({ full: true, resynced: true, conflicts: 1, alerted: 0 });
    expect(await conflictEvents(s.bookingId)).toHaveLength(1);
    expect(await textsTo(s.artistPhone)).toHaveLength(1);
    // The booking stands: the client has paid.
    expect((await sql<{ status: string }>("SELECT status FROM bookings WHERE id = $1", [s.bookingId]))[0]?.status).toBe("CONFIRMED");
  });

  it("the sync token is kept in the object's storage: the first sync lists everything, the next only what changed", async () => {
    const s = await artistWithBooking("2027-07-07");
    const first = synced(await sync(s.artistId));
    expect(first).toMatchObject({ full: true, resynced: false, conflicts: 0, alerted: 0 });
    const token = await runInDurableObject(artistCalendar(env, s.artistId), (_o, state) => state.storage.get<string>(SYNC_TOKEN_KEY));
    expect(token).toEqual(expect.any(String));

    await handEvent("2027-07-07T09:30:00Z", "2027-07-07T10:00:00Z", "Gym");
    const second = synced(await sync(s.artistId));
    expect(second).toMatchObject({ full: false, events: 1, conflicts: 1, alerted: 1 });
    const calls = await syncListCalls();
    expect(calls.at(-1)?.query).toContain(`syncToken=${encodeURIComponent(token ?? "")}`);
    expect(calls.at(-1)?.query).toContain("singleEvents=true");
    // Nothing changed since: an empty incremental sync, no new alert.
    expect(synced(await sync(s.artistId))).toMatchObject({ full: false, events: 0, conflicts: 0, alerted: 0 });
    expect(await textsTo(s.artistPhone)).toHaveLength(1);
  });

  it("an event beside the session (before, after, in the buffer) or another day alerts nobody", async () => {
    const s = await artistWithBooking("2027-07-08");
    await handEvent("2027-07-08T08:00:00Z", "2027-07-08T09:00:00Z", "Before");
    await handEvent("2027-07-08T11:00:00Z", "2027-07-08T11:30:00Z", "In the buffer");
    await handEvent("2027-07-09T09:00:00Z", "2027-07-09T11:00:00Z", "Next day");
    expect(synced(await sync(s.artistId))).toMatchObject({ events: 3, conflicts: 0, alerted: 0 });
    expect(await conflictEvents(s.bookingId)).toEqual([]);
    expect(await sentTo(s.artistPhone)).toEqual([]);
  });

  it("our own events never alert: the booking's event written by the job, and any event marked ours", async () => {
    const s = await artistWithBooking("2027-07-12");
    expect(await writeCalendar(s.bookingId, env, log)).toBe("inserted");
    await handEvent("2027-07-12T09:00:00Z", "2027-07-12T11:00:00Z", "Inkline copy", { privateProperties: { inkline: "1", bookingId: "another" } });
    const outcome = synced(await sync(s.artistId));
    expect(outcome.events).toBe(2);
    expect(outcome).toMatchObject({ conflicts: 0, alerted: 0 });
    expect(await sentTo(s.artistPhone)).toEqual([]);
  });

  it("pages: a calendar longer than a page is read to its end, and an event on the last page is found", async () => {
    const s = await artistWithBooking("2027-07-13");
    const filler = SYNC_PAGE_SIZE + 20;
    for (let i = 0; i < filler; i += 30) {
      await Promise.all(
        Array.from({ length: Math.min(30, filler - i) }, (_, j) => {
          const day = String(14 + ((i + j) % 14)).padStart(2, "0");
          return handEvent(`2027-07-${day}T06:00:00Z`, `2027-07-${day}T06:15:00Z`, `filler ${i + j}`);
        }),
      );
    }
    const last = await handEvent("2027-07-13T10:45:00Z", "2027-07-13T11:15:00Z", "Late one");
    const outcome = synced(await sync(s.artistId));
    expect(outcome.pages).toBe(2);
    expect(outcome.events).toBe(filler + 1);
    expect(outcome).toMatchObject({ conflicts: 1, alerted: 1 });
    expect((await conflictEvents(s.bookingId))[0]?.payload.event_id).toBe(last.id);
  });

  it("a sync job through the queue with the artist's window closed reaches them by the approved template", async () => {
    const s = await artistWithBooking("2027-07-14", { windowOpen: false });
    await handEvent("2027-07-14T09:00:00Z", "2027-07-14T12:00:00Z", "Holiday");
    await env.JOBS.send({ kind: "calendar.sync", artistId: s.artistId, now: NOW.toISOString() } satisfies Job, { contentType: "json" });
    const sends = await eventually(() => sentTo(s.artistPhone), (x) => x.length > 0);
    expect(sends).toHaveLength(1);
    expect(sends[0]?.body.template?.name).toBe("inkline_update");
    const fallback = await sql("SELECT 1 FROM system_events WHERE type = 'whatsapp.template_fallback' AND lead_id = $1", [s.leadId]);
    expect(fallback).toHaveLength(1);
  });

  it("an artist without a WhatsApp number: the conflict is recorded for the inbox, the notice skipped and said so", async () => {
    const s = await artistWithBooking("2027-07-20");
    await sql("UPDATE artists SET whatsapp_number = NULL WHERE id = $1", [s.artistId]);
    await handEvent("2027-07-20T10:00:00Z", "2027-07-20T11:00:00Z");
    expect(synced(await sync(s.artistId))).toMatchObject({ conflicts: 1, alerted: 1 });
    expect(await conflictEvents(s.bookingId)).toHaveLength(1);
    const skipped = await sql<{ payload: { alert: string } }>("SELECT payload FROM system_events WHERE type = 'artist.notice_skipped' AND lead_id = $1", [s.leadId]);
    expect(skipped.map((r) => r.payload.alert)).toEqual(["calendar.conflict"]);
    expect(await sentTo(s.artistPhone)).toEqual([]);
  });

  it("Google failing the sync comes back retryable (the queue retries the job), and the stored token is untouched", async () => {
    const s = await artistWithBooking("2027-07-15");
    synced(await sync(s.artistId));
    const before = await runInDurableObject(artistCalendar(env, s.artistId), (_o, state) => state.storage.get<string>(SYNC_TOKEN_KEY));
    // Scoped to the incremental list that continues this artist's token: no other sync meets it.
    if (before === undefined) throw new Error("the first sync stored no token");
    await google.fail({ syncToken: before }, 1, "503", "list");
    const failed = await sync(s.artistId);
    expect(failed).toMatchObject({ ok: false, failure: { kind: "retryable", status: 503 } });
    expect(await runInDurableObject(artistCalendar(env, s.artistId), (_o, state) => state.storage.get<string>(SYNC_TOKEN_KEY))).toBe(before);
  });
});

describe("calendar write: the slot checked when a booking's event goes in", () => {
  it("an event the artist added before the payment is alerted once; the booking and its event stand", async () => {
    const s = await artistWithBooking("2027-07-16");
    const event = await handEvent("2027-07-16T08:30:00Z", "2027-07-16T09:30:00Z", "School run");
    expect(await writeCalendar(s.bookingId, env, log)).toBe("inserted");
    const rows = await conflictEvents(s.bookingId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.payload).toMatchObject({ event_id: event.id, source: "confirmation" });
    expect(await textsTo(s.artistPhone)).toHaveLength(1);
    // The job again (a retry) and a sync that lists the same event: still one alert.
    expect(await writeCalendar(s.bookingId, env, log)).toBe("adopted");
    synced(await sync(s.artistId));
    expect(await conflictEvents(s.bookingId)).toHaveLength(1);
    expect(await textsTo(s.artistPhone)).toHaveLength(1);
    const [row] = await sql<{ status: string; calendar_event_id: string | null }>("SELECT status, calendar_event_id FROM bookings WHERE id = $1", [s.bookingId]);
    expect(row?.status).toBe("CONFIRMED");
    expect(row?.calendar_event_id).toMatch(/^ink[0-9a-v]+$/);
  });

  it("a slot with only our own event (a retried insert) is no conflict", async () => {
    const s = await artistWithBooking("2027-07-19");
    expect(await writeCalendar(s.bookingId, env, log)).toBe("inserted");
    expect(await writeCalendar(s.bookingId, env, log)).toBe("adopted");
    expect(await conflictEvents(s.bookingId)).toEqual([]);
    expect(await sentTo(s.artistPhone)).toEqual([]);
  });
});
