/**
 * After the booking (issue 18), through the Worker: a booked client cancels or moves their session
 * by the studio's policy (the default one: 48 h notice, one free move, credit in time, forfeit
 * late, forfeit on a no-show), outside it the artist decides; a move patches the calendar event
 * once with If-Match (the artist's edit meanwhile: 412, read again); a no-show and the artist's
 * override land in the ledger, which balances throughout.
 *
 * Each test books its own lead on the default artist at a night-time slot (no one else's offer
 * can meet it), so nothing shared is changed.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ledgerBalance, readLedger } from "../../src/domain/deposit.ts";
import { DEFAULT_ARTIST_HANDLE } from "../../src/db/artists-store.ts";
import { writeCalendar } from "../../src/jobs/calendar-write.ts";
import { createLogger } from "../../src/lib/log.ts";
import { adminFetch, ARTIST_NUMBER, insertLead, leadRow, settleLead } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { google, googleControl, testCalendar } from "../support/workers/google.ts";
import { clientSends, sentTo, settle, textsTo } from "../support/workers/whatsapp.ts";

const HOUR = 3_600_000;
const log = createLogger("booking-change-test", "error");

interface Booked {
  leadId: string;
  phone: string;
  bookingId: string;
  start: Date;
}

async function defaultArtistId(): Promise<string> {
  await sql("INSERT INTO artists (handle, name, time_zone, availability) VALUES ($1, 'Mara', 'Europe/London', '{}') ON CONFLICT (handle) DO NOTHING", [DEFAULT_ARTIST_HANDLE]);
  const [row] = await sql<{ id: string }>("SELECT id FROM artists WHERE handle = $1", [DEFAULT_ARTIST_HANDLE]);
  if (!row) throw new Error("no default artist");
  return row.id;
}

/** 03:00 UTC `days` from today, plus a few random minutes (a night slot nobody else is offered). */
function nightIn(days: number): Date {
  const d = new Date();
  d.setUTCHours(3, Math.floor(Math.random() * 50), 0, 0);
  return new Date(d.getTime() + days * 24 * HOUR);
}

/** A BOOKED lead with a paid £100 deposit and a confirmed booking at `start` (moved `moves` times), its event written. */
async function bookedLead(start: Date, moves = 0, withEvent = true): Promise<Booked> {
  const end = new Date(start.getTime() + 2 * HOUR);
  const paidAt = new Date(Date.now() - 10 * 24 * HOUR).toISOString();
  const ledger = [{ kind: "payment", amountMinor: 10_000, currency: "GBP", at: paidAt, reference: `pi_${crypto.randomUUID().slice(0, 8)}`, source: "checkout", reason: null, status: "succeeded" }];
  const lead = await insertLead("BOOKED", { deposit_paid_at: paidAt, deposit_locked_at: paidAt, deposit_ledger: JSON.stringify(ledger), booked_at: paidAt });
  const [booking] = await sql<{ id: string }>(
    "INSERT INTO bookings (artist_id, lead_id, status, starts_at, ends_at, blocked_until) VALUES ($1, $2, 'CONFIRMED', $3, $4, $4) RETURNING id",
    [await defaultArtistId(), lead.id, start.toISOString(), end.toISOString()],
  );
  if (!booking) throw new Error("no booking");
  const held = { bookingId: booking.id, start: start.toISOString(), end: end.toISOString(), label: "Sat 9 January, 03:00–05:00", moves };
  await sql("UPDATE leads SET held_slot = $2 WHERE id = $1", [lead.id, JSON.stringify(held)]);
  if (withEvent) expect(await writeCalendar(booking.id, env, log)).toBe("inserted");
  return { leadId: lead.id, phone: lead.phone, bookingId: booking.id, start };
}

async function say(phone: string, text: string): Promise<void> {
  const { response } = await clientSends({ from: phone, text });
  expect(response.status).toBe(200);
  await settle(phone);
}

const bookingRow = async (id: string) =>
  (await sql<{ status: string; starts_at: Date; calendar_event_id: string | null; calendar_event_starts_at: Date | null }>("SELECT status, starts_at, calendar_event_id, calendar_event_starts_at FROM bookings WHERE id = $1", [id]))[0];

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The ledger balances with held >= 0: paid = refunded + forfeited + credit + applied + held. */
function expectBalanced(ledger: unknown): ReturnType<typeof ledgerBalance> {
  const b = ledgerBalance(readLedger(ledger));
  expect(b.held).toBeGreaterThanOrEqual(0);
  expect(b.paid).toBe(b.refunded + b.forfeited + b.credit + b.applied + b.held);
  return b;
}

/** What the lead's outbox sent the artist (kind and copy key), oldest first: the artist's window may be closed, so not the sends. */
const artistNotices = (leadId: string) =>
  sql<{ kind: string; copy_key: string | null; payload: { body?: string } }>("SELECT kind, copy_key, payload FROM outbox_messages WHERE lead_id = $1 AND to_phone = $2 ORDER BY seq", [leadId, ARTIST_NUMBER]);

describe("cancel by chat", () => {
  it("within the rules: the deposit kept as credit with the policy's expiry, the booking cancelled, its event removed, both told", async () => {
    const b = await bookedLead(nightIn(20));
    const eventId = (await bookingRow(b.bookingId))?.calendar_event_id;
    expect(eventId).toBeTruthy();
    await say(b.phone, "Hi, I need to cancel my appointment please");
    const lead = await leadRow(b.leadId);
    expect(lead.status).toBe("CANCELLED");
    expect(lead.held_slot).toBeNull();
    const ledger = readLedger(lead.deposit_ledger);
    expect(ledger.at(-1)).toMatchObject({ kind: "credit", amountMinor: 10_000, reference: b.bookingId });
    const expires = Date.parse(ledger.at(-1)?.expiresAt ?? "");
    expect(Math.abs(expires - (Date.now() + 180 * 24 * HOUR))).toBeLessThan(HOUR);
    expect(expectBalanced(lead.deposit_ledger)).toMatchObject({ credit: 10_000, held: 0 });
    expect((await bookingRow(b.bookingId))?.status).toBe("CANCELLED");
    expect((await textsTo(b.phone)).at(-1)).toContain("is cancelled");
    expect((await artistNotices(b.leadId)).map((n) => n.copy_key)).toContain("booking.cancelled.artist");
    // The event goes through the queue (an idempotent delete).
    const gone = await eventually(() => bookingRow(b.bookingId), (row) => row?.calendar_event_id === null);
    expect(gone?.calendar_event_id).toBeNull();
    const events = (await google.events(testCalendar().calendarId)).filter((e) => e.id === eventId && e.status !== "cancelled");
    expect(events).toHaveLength(0);
  });

  it("too late: the client hears the policy, the artist gets the choice; the artist cancels by the policy (forfeit)", async () => {
    const soon = nightIn(0).getTime() > Date.now() + HOUR ? nightIn(0) : nightIn(1);
    const b = await bookedLead(soon, 0, false);
    await say(b.phone, "I have to cancel, sorry");
    expect(await leadRow(b.leadId)).toMatchObject({ status: "BOOKED" });
    expect((await bookingRow(b.bookingId))?.status).toBe("CONFIRMED");
    expect((await textsTo(b.phone)).at(-1)).toContain("48 hours' notice");
    const notice = (await artistNotices(b.leadId)).at(-1);
    expect(notice).toMatchObject({ kind: "actions", copy_key: "booking.change_outside.artist" });
    expect(notice?.payload.body).toContain("outside your policy");

    const res = await adminFetch(`/admin/leads/${b.leadId}/cancel-booking`, { body: { reason: "late cancel, policy applies" } });
    expect(res.status, await res.clone().text()).toBe(200);
    await settleLead(b.phone);
    const lead = await leadRow(b.leadId);
    expect(lead.status).toBe("CANCELLED");
    expect(readLedger(lead.deposit_ledger).at(-1)).toMatchObject({ kind: "forfeit", amountMinor: 10_000 });
    expect(expectBalanced(lead.deposit_ledger)).toMatchObject({ forfeited: 10_000, held: 0 });
    expect((await bookingRow(b.bookingId))?.status).toBe("CANCELLED");
    expect((await textsTo(b.phone)).at(-1)).toContain("has had to cancel");
  });
});

describe("reschedule by chat", () => {
  it("within the rules: fresh slots, the choice moves the booking (same row, deposit with it), the event patched once after a 412", async () => {
    const b = await bookedLead(nightIn(25));
    const before = await bookingRow(b.bookingId);
    const eventId = before?.calendar_event_id ?? "";
    // The artist edits the event in Google meanwhile: the etag we stored no longer matches.
    await googleControl("POST", "/_emulator/events/edit", { calendarId: testCalendar().calendarId, eventId, summary: "Tattoo: Ari (bring the stencil)" });

    await say(b.phone, "Hey, can I move my appointment?");
    const offered = await leadRow(b.leadId);
    expect(offered.status).toBe("BOOKED");
    const offer = offered.slot_offer as { moving?: boolean; slots: { id: string; start: string; end: string }[] } | null;
    expect(offer?.moving).toBe(true);
    const slot = offer?.slots.at(-1);
    if (!slot) throw new Error("no slot offered");
    const { response } = await clientSends({ from: b.phone, list: { id: slot.id, title: "the last one" } });
    expect(response.status).toBe(200);
    await settle(b.phone);

    const lead = await leadRow(b.leadId);
    expect(lead.status).toBe("BOOKED");
    expect(lead.held_slot).toMatchObject({ bookingId: b.bookingId, start: slot.start, moves: 1 });
    expect(readLedger(lead.deposit_ledger)).toHaveLength(1);
    expect((await textsTo(b.phone)).at(-1)).toContain("moved");
    const moved = await bookingRow(b.bookingId);
    expect(moved).toMatchObject({ status: "CONFIRMED" });
    expect(moved?.starts_at.toISOString()).toBe(slot.start);
    expect(await sql("SELECT id FROM bookings WHERE lead_id = $1", [b.leadId])).toHaveLength(1);

    const written = await eventually(() => bookingRow(b.bookingId), (row) => row?.calendar_event_starts_at?.toISOString() === slot.start);
    expect(written?.calendar_event_starts_at?.toISOString()).toBe(slot.start);
    const event = (await google.events(testCalendar().calendarId)).find((e) => e.id === eventId);
    expect(event?.start?.dateTime && Date.parse(event.start.dateTime)).toBe(Date.parse(slot.start));
    expect(event?.summary).toBe("Tattoo: Ari (bring the stencil)");
    const patches = (await google.calls("patch")).filter((c) => c.path.endsWith(`/events/${eventId}`));
    expect(patches.filter((c) => c.status === 412)).toHaveLength(1);
    expect(patches.filter((c) => c.status === 200)).toHaveLength(1);
  });

  it("no free moves left: the client is told the policy, the artist allows the move, the client gets fresh slots", async () => {
    const b = await bookedLead(nightIn(30), 1, false);
    await say(b.phone, "could I reschedule my session?");
    expect((await textsTo(b.phone)).at(-1)).toContain("free move");
    expect((await leadRow(b.leadId)).slot_offer).toBeNull();
    const res = await adminFetch(`/admin/leads/${b.leadId}/allow-move`, { body: {} });
    expect(res.status, await res.clone().text()).toBe(200);
    await settleLead(b.phone);
    const lead = await leadRow(b.leadId);
    expect(lead.status).toBe("BOOKED");
    expect((lead.slot_offer as { moving?: boolean } | null)?.moving).toBe(true);
    expect((await sentTo(b.phone)).at(-1)?.body.interactive?.type).toBe("list");
  });

  it("a session that has already happened: a polite explanation, nothing changes", async () => {
    const b = await bookedLead(new Date(Date.now() - 30 * HOUR), 0, false);
    await say(b.phone, "I need to move my appointment");
    expect((await textsTo(b.phone)).at(-1)).toContain("already taken place");
    expect((await bookingRow(b.bookingId))?.status).toBe("CONFIRMED");
  });
});

describe("a move racing the first insert of its event (found by `npm run chaos`)", () => {
  it("the insert's answer was lost before the move: the move's write adopts the event at the old time and patches it to the new one", async () => {
    const b = await bookedLead(nightIn(35));
    const first = await bookingRow(b.bookingId);
    const eventId = first?.calendar_event_id ?? "";
    expect(eventId).not.toBe("");
    // As a lost answer leaves it: the event is in Google at the old time, the row never heard back.
    await sql("UPDATE bookings SET calendar_event_id = NULL, calendar_event_etag = NULL, calendar_event_starts_at = NULL WHERE id = $1", [b.bookingId]);
    // The client moves meanwhile: the row is at the new time, and the move's write job runs.
    const moved = new Date(b.start.getTime() + 24 * HOUR);
    await sql("UPDATE bookings SET starts_at = $2, ends_at = $3, blocked_until = $3 WHERE id = $1", [b.bookingId, moved.toISOString(), new Date(moved.getTime() + 2 * HOUR).toISOString()]);

    expect(await writeCalendar(b.bookingId, env, log)).toBe("patched");
    const row = await bookingRow(b.bookingId);
    expect(row?.calendar_event_id).toBe(eventId);
    expect(row?.calendar_event_starts_at?.toISOString()).toBe(moved.toISOString());
    const ours = (await google.events(testCalendar().calendarId)).filter((e) => e.id === eventId && e.status !== "cancelled");
    expect(ours).toHaveLength(1);
    expect(Date.parse(ours[0]?.start?.dateTime ?? "")).toBe(moved.getTime());
    // A second run finds nothing to change.
    expect(await writeCalendar(b.bookingId, env, log)).toBe("adopted");
  });

  it("the insert's answer was lost, then the client cancels: the event goes anyway, by the id chosen for it", async () => {
    const b = await bookedLead(nightIn(38));
    const eventId = (await bookingRow(b.bookingId))?.calendar_event_id ?? "";
    expect(eventId).not.toBe("");
    await sql("UPDATE bookings SET calendar_event_id = NULL, calendar_event_etag = NULL, calendar_event_starts_at = NULL WHERE id = $1", [b.bookingId]);

    await say(b.phone, "Hi, I need to cancel my appointment please");
    expect((await leadRow(b.leadId)).status).toBe("CANCELLED");
    const live = () => google.events(testCalendar().calendarId).then((events) => events.filter((e) => e.id === eventId && e.status !== "cancelled"));
    expect(await eventually(live, (events) => events.length === 0, 12_000)).toHaveLength(0);
    expect((await bookingRow(b.bookingId))?.calendar_event_id).toBeNull();
  });
});

describe("no-shows and the artist's override", () => {
  it("a no-show: forfeit by the policy, the client counted; the override turns it into credit with a reason; the ledger balances", async () => {
    const b = await bookedLead(new Date(Date.now() - 2 * HOUR), 0, false);
    const early = await bookedLead(nightIn(40), 0, false);
    const refused = await adminFetch(`/admin/leads/${early.leadId}/mark-no-show`, { body: {} });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ reason: "wrong_time" });

    const res = await adminFetch(`/admin/leads/${b.leadId}/mark-no-show`, { body: { reason: "no word from them" } });
    expect(res.status, await res.clone().text()).toBe(200);
    await settleLead(b.phone);
    const noShow = await leadRow(b.leadId);
    expect(noShow).toMatchObject({ status: "NO_SHOW", no_show_count: 1 });
    expect(expectBalanced(noShow.deposit_ledger)).toMatchObject({ forfeited: 10_000, held: 0 });
    expect((await textsTo(b.phone)).at(-1)).toContain("We missed you");

    const bad = await adminFetch(`/admin/leads/${b.leadId}/override-deposit`, { body: { fate: "lottery", reason: "x" } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("fate");

    const over = await adminFetch(`/admin/leads/${b.leadId}/override-deposit`, { body: { fate: "credit", reason: "their car broke down on the way" } });
    expect(over.status, await over.clone().text()).toBe(200);
    await settleLead(b.phone);
    const after = await leadRow(b.leadId);
    const ledger = readLedger(after.deposit_ledger);
    expect(ledger.slice(-2)).toMatchObject([
      { kind: "reopen", from: "forfeit", amountMinor: 10_000, reason: "their car broke down on the way" },
      { kind: "credit", amountMinor: 10_000 },
    ]);
    expect(expectBalanced(after.deposit_ledger)).toMatchObject({ forfeited: 0, credit: 10_000, held: 0 });
    const events = await sql<{ type: string }>("SELECT type FROM system_events WHERE lead_id = $1 AND type = 'deposit.overridden'", [b.leadId]);
    expect(events).toHaveLength(1);
  });

  it("the funnel reports the no-show rate", async () => {
    const res = await adminFetch("/admin/funnel?days=7");
    expect(res.status).toBe(200);
    const body = await res.json<{ no_shows: { booked: number; no_shows: number; rate: number | null } }>();
    expect(body.no_shows.no_shows).toBeGreaterThanOrEqual(0);
    expect(body.no_shows).toHaveProperty("rate");
  });
});
