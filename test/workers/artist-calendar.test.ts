/**
 * The ArtistCalendar object (durable-objects/artist-calendar.ts) through its real RPC, against the
 * real Postgres (its exclusion constraint) and the Google emulator over loopback: twenty clients
 * choosing one slot at once get one hold and alternatives for the rest; two writers outside the
 * object's queue are decided by the constraint; the calendar's own busy time and its failures;
 * and every payment / expiry / alarm ordering, each applied once.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { artistCalendar, type HoldAnswer } from "../../durable-objects/artist-calendar.ts";
import { requireConfig } from "../../src/config.ts";
import { insertHold } from "../../src/db/booking-store.ts";
import { openDatabase } from "../../src/db/client.ts";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { blockedTime } from "../../src/domain/booking.ts";
import { sql } from "../support/workers/db.ts";
import { google, testCalendar } from "../support/workers/google.ts";
import { uniquePhone } from "../support/workers/whatsapp.ts";

/** Tuesday 1 June 2027, 08:00 UTC: every slot below is a week or more ahead of it. */
const NOW = new Date("2027-06-01T08:00:00Z");
const MEDIUM = { category: "MEDIUM" as const };
/** Tuesday 8 June, 10:00–14:00 in London (BST): a MEDIUM session of the default rules. */
const SLOT = { start: new Date("2027-06-08T09:00:00Z"), end: new Date("2027-06-08T13:00:00Z") };

/** The artists this file made (their confirmations queue calendar writes). */
const madeArtists: string[] = [];

async function newArtist(): Promise<string> {
  const handle = `cal-${crypto.randomUUID().slice(0, 8)}`;
  const rows = await sql<{ id: string }>("INSERT INTO artists (handle, name, time_zone, availability) VALUES ($1, 'Test', 'Europe/London', $2) RETURNING id", [
    handle,
    JSON.stringify(defaultAvailability("Europe/London")),
  ]);
  const id = rows[0]?.id;
  if (!id) throw new Error("no artist row");
  madeArtists.push(id);
  return id;
}

async function newLead(): Promise<string> {
  const rows = await sql<{ id: string }>("INSERT INTO leads (phone_e164, status) VALUES ($1, 'PENDING_APPROVAL') RETURNING id", [uniquePhone()]);
  const id = rows[0]?.id;
  if (!id) throw new Error("no lead row");
  return id;
}

/** The object's answer (RPC types wrap it with a disposer; the data is the object's HoldAnswer). */
const hold = async (artistId: string, leadId: string, slot = SLOT, now = NOW): Promise<HoldAnswer> =>
  (await artistCalendar(env, artistId).hold({ leadId, start: slot.start, end: slot.end, size: MEDIUM, now })) as unknown as HoldAnswer;

function held(answer: HoldAnswer): Extract<HoldAnswer, { ok: true }> {
  if (!answer.ok) throw new Error(`expected a hold, got ${answer.reason}`);
  return answer;
}

const statusOf = async (bookingId: string) => (await sql<{ status: string }>("SELECT status FROM bookings WHERE id = $1", [bookingId]))[0]?.status;

let confirmedSoFar = 0;

beforeEach(async () => {
  // A confirmation queues its calendar write (a repeated payment may queue another), delivered up
  // to the queue's batch timeout (2 s) later: after a test that confirmed, let those writes land
  // before the calendar is wiped, or one lands in this test's calendar (an event over SLOT).
  const [row] = await sql<{ n: string }>("SELECT count(*) AS n FROM bookings WHERE artist_id = ANY($1) AND status = 'CONFIRMED'", [madeArtists]);
  const confirmed = Number(row?.n ?? 0);
  if (confirmed > confirmedSoFar) await new Promise((r) => setTimeout(r, 3_000));
  confirmedSoFar = confirmed;
  await google.reset();
});

describe("ArtistCalendar: holds", () => {
  it("twenty clients choosing the same slot at once: exactly one hold, the others offered free alternatives", async () => {
    const artist = await newArtist();
    const leads = await Promise.all(Array.from({ length: 20 }, () => newLead()));
    const answers = await Promise.all(leads.map((lead) => hold(artist, lead)));
    const winners = answers.filter((a) => a.ok);
    expect(winners).toHaveLength(1);
    const rows = await sql<{ status: string; lead_id: string }>("SELECT status, lead_id FROM bookings WHERE artist_id = $1", [artist]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.status).toBe("HELD");
    const buffered = blockedTime(SLOT, defaultAvailability("Europe/London").bufferMinutes);
    for (const a of answers.filter((x) => !x.ok)) {
      expect(a.reason).toBe("slot_taken");
      expect(a.alternatives.length).toBeGreaterThan(0);
      for (const alt of a.alternatives) {
        // Never the taken time (session and buffer), never before the minimum notice.
        expect(alt.start.getTime() >= buffered.blockedUntil.getTime() || alt.end.getTime() + 30 * 60_000 <= SLOT.start.getTime()).toBe(true);
        expect(alt.start.getTime()).toBeGreaterThan(NOW.getTime());
      }
    }
  });

  it("two writers outside the object's queue (two live instances): the constraint decides, one hold", async () => {
    const artist = await newArtist();
    const [a, b] = [await newLead(), await newLead()];
    const config = requireConfig(env);
    const [one, two] = [openDatabase(config, { max: 1 }), openDatabase(config, { max: 1 })];
    try {
      const time = blockedTime(SLOT, 30);
      const results = await Promise.all([
        insertHold(one.db, { artistId: artist, leadId: a, time, holdExpiresAt: new Date(NOW.getTime() + 3_600_000), now: NOW }),
        insertHold(two.db, { artistId: artist, leadId: b, time: blockedTime({ start: new Date(SLOT.start.getTime() + 3_600_000), end: new Date(SLOT.end.getTime() + 3_600_000) }, 30), holdExpiresAt: new Date(NOW.getTime() + 3_600_000), now: NOW }),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => (r.ok ? null : r.reason))).toEqual(["slot_taken"]);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it("choosing again releases the lead's earlier hold in the same step; a lead never blocks two slots", async () => {
    const artist = await newArtist();
    const lead = await newLead();
    const first = held(await hold(artist, lead));
    const later = { start: new Date("2027-06-09T09:00:00Z"), end: new Date("2027-06-09T13:00:00Z") };
    const second = held(await hold(artist, lead, later));
    expect(second.replaced).toBe(first.bookingId);
    expect(await statusOf(first.bookingId)).toBe("RELEASED");
    expect(await statusOf(second.bookingId)).toBe("HELD");
    // The first slot is free again for another client.
    expect((await hold(artist, await newLead())).ok).toBe(true);
  });

  it("the hold lasts as long as the deposit link plus the grace", async () => {
    const artist = await newArtist();
    const answer = held(await hold(artist, await newLead()));
    expect(answer.linkExpiresAt.getTime() - NOW.getTime()).toBe(60 * 60_000);
    expect(answer.holdExpiresAt.getTime() - answer.linkExpiresAt.getTime()).toBe(5 * 60_000);
    const rows = await sql<{ hold_expires_at: Date }>("SELECT hold_expires_at FROM bookings WHERE id = $1", [answer.bookingId]);
    expect(new Date(rows[0]?.hold_expires_at ?? 0).getTime()).toBe(answer.holdExpiresAt.getTime());
  });

  it("an event the artist added by hand over the slot since the offer wins: refused, alternatives around it", async () => {
    const artist = await newArtist();
    const { calendarId } = testCalendar();
    await google.addByHand({ calendarId, start: "2027-06-08T11:00:00Z", end: "2027-06-08T12:00:00Z", summary: "dentist" });
    const answer = await hold(artist, await newLead());
    expect(answer).toMatchObject({ ok: false, reason: "calendar_busy" });
    if (answer.ok) return;
    for (const alt of answer.alternatives) {
      expect(alt.end.getTime() <= Date.parse("2027-06-08T11:00:00Z") || alt.start.getTime() >= Date.parse("2027-06-08T12:00:00Z")).toBe(true);
    }
    expect((await sql("SELECT 1 FROM bookings WHERE artist_id = $1", [artist])).length).toBe(0);
    expect((await google.calls("freeBusy")).length).toBeGreaterThan(0);
  });

  it("a calendar that cannot answer is never read as free: no hold, the client asked to try again", async () => {
    const artist = await newArtist();
    // Scoped to freeBusy calls about SLOT: another file asking about other time meets no fault.
    const aboutSlot = { during: { start: SLOT.start.toISOString(), end: SLOT.end.toISOString() } };
    await google.fail(aboutSlot, 10, "500", "freeBusy");
    try {
      const answer = await hold(artist, await newLead());
      expect(answer).toEqual({ ok: false, reason: "calendar_unavailable", alternatives: [] });
      expect((await sql("SELECT 1 FROM bookings WHERE artist_id = $1", [artist])).length).toBe(0);
      expect((await google.calls("freeBusy")).filter((c) => c.injected && c.status === 500).length).toBeGreaterThan(0);
    } finally {
      await google.fail(aboutSlot, 0, "500");
    }
  });
});

describe("ArtistCalendar: payment and hold orderings", () => {
  it("paid while held → confirmed; the webhook's second copy → confirmed, unchanged", async () => {
    const artist = await newArtist();
    const answer = held(await hold(artist, await newLead()));
    const calendar = artistCalendar(env, artist);
    expect(await calendar.paid(answer.bookingId, NOW)).toEqual({ outcome: "confirmed", bookingId: answer.bookingId, changed: true });
    expect(await calendar.paid(answer.bookingId, NOW)).toEqual({ outcome: "confirmed", bookingId: answer.bookingId, changed: false });
    expect(await statusOf(answer.bookingId)).toBe("CONFIRMED");
    // A late expiry or alarm never undoes it.
    expect((await calendar.checkoutExpired(answer.bookingId, NOW)).outcome).toBe("confirmed");
    expect((await calendar.holdDue(answer.bookingId, new Date(NOW.getTime() + 7_200_000), "expired")).outcome).toBe("confirmed");
    expect(await statusOf(answer.bookingId)).toBe("CONFIRMED");
  });

  it("the expiry webhook and the alarm both arriving → released once", async () => {
    const artist = await newArtist();
    const answer = held(await hold(artist, await newLead()));
    const calendar = artistCalendar(env, artist);
    const later = new Date(NOW.getTime() + 2 * 3_600_000);
    const [webhook, alarm] = await Promise.all([calendar.checkoutExpired(answer.bookingId, later), calendar.holdDue(answer.bookingId, later, "expired")]);
    expect([webhook, alarm].filter((r) => r.outcome === "released" && r.changed)).toHaveLength(1);
    expect([webhook, alarm].every((r) => r.outcome === "released")).toBe(true);
    expect(await statusOf(answer.bookingId)).toBe("RELEASED");
  });

  it("the alarm finding Stripe complete confirms instead of releasing; finding the link open before its time does nothing", async () => {
    const artist = await newArtist();
    const answer = held(await hold(artist, await newLead()));
    const calendar = artistCalendar(env, artist);
    expect(await calendar.holdDue(answer.bookingId, new Date(NOW.getTime() + 60_000), "open")).toMatchObject({ outcome: "unchanged", why: "not_due" });
    expect(await calendar.holdDue(answer.bookingId, new Date(NOW.getTime() + 7_200_000), "complete")).toMatchObject({ outcome: "confirmed", changed: true });
  });

  it("paid after the hold lapsed: the slot still free → booked; the slot taken meanwhile → never double-booked (kept as credit)", async () => {
    const artist = await newArtist();
    const calendar = artistCalendar(env, artist);
    const later = new Date(NOW.getTime() + 2 * 3_600_000);

    const free = held(await hold(artist, await newLead()));
    await calendar.holdDue(free.bookingId, later, "expired");
    expect(await calendar.paid(free.bookingId, later)).toMatchObject({ outcome: "confirmed", changed: true });
    expect(await statusOf(free.bookingId)).toBe("CONFIRMED");

    const slot2 = { start: new Date("2027-06-10T09:00:00Z"), end: new Date("2027-06-10T13:00:00Z") };
    const lapsed = held(await hold(artist, await newLead(), slot2));
    await calendar.checkoutExpired(lapsed.bookingId, later);
    const other = held(await hold(artist, await newLead(), slot2, later));
    expect(await calendar.paid(lapsed.bookingId, later)).toEqual({ outcome: "slot_taken", bookingId: lapsed.bookingId, changed: false });
    expect(await statusOf(lapsed.bookingId)).toBe("RELEASED");
    expect(await statusOf(other.bookingId)).toBe("HELD");
    const blocking = await sql("SELECT 1 FROM bookings WHERE artist_id = $1 AND status IN ('HELD', 'CONFIRMED') AND starts_at = $2", [artist, slot2.start.toISOString()]);
    expect(blocking).toHaveLength(1);
  });

  it("an unknown booking or artist changes nothing", async () => {
    const artist = await newArtist();
    expect(await artistCalendar(env, artist).paid(crypto.randomUUID(), NOW)).toMatchObject({ outcome: "unchanged", why: "unknown_booking" });
    expect(await artistCalendar(env, crypto.randomUUID()).hold({ leadId: await newLead(), start: SLOT.start, end: SLOT.end, size: MEDIUM, now: NOW })).toEqual({
      ok: false,
      reason: "unknown_artist",
      alternatives: [],
    });
  });
});
