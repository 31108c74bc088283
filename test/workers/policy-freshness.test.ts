/**
 * A policy the artist saves applies to the next decision of every lead object, including objects
 * already loaded (issue 18): the object reads the policy for each input through a per-isolate copy
 * of a few seconds (artists-store.ts `currentPolicy`), which the saving isolate replaces at once.
 *
 * The first test changes the shared default artist's notice period for one cancel, on a booking
 * 60 h away (only a change 48–72 h out would decide differently under either), and puts the policy
 * back in `finally`. The second uses an artist of its own.
 */
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentPolicy, DEFAULT_ARTIST_HANDLE, POLICY_CACHE_MS } from "../../src/db/artists-store.ts";
import { openDatabase, type DatabaseHandle } from "../../src/db/client.ts";
import { readLedger } from "../../src/domain/deposit.ts";
import { defaultPolicy } from "../../src/domain/studio-policy.ts";
import { adminFetch, ARTIST_NUMBER, insertLead, leadRow } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { clientSends, settle, textsTo } from "../support/workers/whatsapp.ts";

const HOUR = 3_600_000;

let handle: DatabaseHandle;
beforeAll(() => {
  handle = openDatabase({ DATABASE_URL: env.DATABASE_URL, DATABASE_WS_PROXY: env.DATABASE_WS_PROXY }, { max: 1 });
});
afterAll(async () => {
  await handle.close();
});

async function say(phone: string, text: string): Promise<void> {
  const { response } = await clientSends({ from: phone, text });
  expect(response.status).toBe(200);
  await settle(phone);
}

/** A BOOKED lead with a paid £100 deposit and a confirmed booking at `start` (no calendar event). */
async function bookedLead(artistId: string, start: Date): Promise<{ id: string; phone: string; bookingId: string }> {
  const end = new Date(start.getTime() + 2 * HOUR);
  const paidAt = new Date(Date.now() - 10 * 24 * HOUR).toISOString();
  const ledger = [{ kind: "payment", amountMinor: 10_000, currency: "GBP", at: paidAt, reference: `pi_${crypto.randomUUID().slice(0, 8)}`, source: "checkout", reason: null, status: "succeeded" }];
  const lead = await insertLead("BOOKED", { deposit_paid_at: paidAt, deposit_locked_at: paidAt, deposit_ledger: JSON.stringify(ledger), booked_at: paidAt });
  const [booking] = await sql<{ id: string }>(
    "INSERT INTO bookings (artist_id, lead_id, status, starts_at, ends_at, blocked_until) VALUES ($1, $2, 'CONFIRMED', $3, $4, $4) RETURNING id",
    [artistId, lead.id, start.toISOString(), end.toISOString()],
  );
  if (!booking) throw new Error("no booking");
  const held = { bookingId: booking.id, start: start.toISOString(), end: end.toISOString(), label: "in 60 hours", moves: 0 };
  await sql("UPDATE leads SET held_slot = $2 WHERE id = $1", [lead.id, JSON.stringify(held)]);
  return { ...lead, bookingId: booking.id };
}

const outboxKeys = async (leadId: string, to: string) =>
  (await sql<{ copy_key: string | null }>("SELECT copy_key FROM outbox_messages WHERE lead_id = $1 AND to_phone = $2 ORDER BY seq", [leadId, to])).map((r) => r.copy_key);

describe("the policy a live lead object decides under", () => {
  it("saved while the lead's object is loaded: its next cancel follows the new notice period", async () => {
    // The default artist is made on first use.
    expect((await adminFetch("/admin/artists")).status).toBe(200);
    const [artist] = await sql<{ id: string; policy: unknown }>("SELECT id, policy FROM artists WHERE handle = $1", [DEFAULT_ARTIST_HANDLE]);
    if (!artist) throw new Error("no default artist");
    const start = new Date(Math.floor((Date.now() + 60 * HOUR) / 60_000) * 60_000);
    const lead = await bookedLead(artist.id, start);
    // The object loads with the policy as it is (48 h by default: a cancel 60 h ahead is in time).
    await say(lead.phone, "Thanks, see you then");
    expect((await leadRow(lead.id)).status).toBe("BOOKED");
    try {
      const saved = await adminFetch(`/admin/artists/${artist.id}/policy`, { method: "PUT", body: { ...defaultPolicy(), cancellationNoticeHours: 72 } });
      expect(saved.status, await saved.clone().text()).toBe(200);
      await say(lead.phone, "I need to cancel my appointment please");
    } finally {
      await sql("UPDATE artists SET policy = $2 WHERE id = $1", [artist.id, artist.policy === null ? null : JSON.stringify(artist.policy)]);
      // Put back straight in Postgres: this isolate's copy stands until it is POLICY_CACHE_MS old; wait it out.
      await new Promise((resolve) => setTimeout(resolve, POLICY_CACHE_MS + 100));
    }
    // Under 72 h notice the cancel is late: the client hears the policy, the artist decides, nothing is cancelled.
    const row = await leadRow(lead.id);
    expect(row.status).toBe("BOOKED");
    expect(readLedger(row.deposit_ledger).map((e) => e.kind)).toEqual(["payment"]);
    expect((await textsTo(lead.phone)).at(-1)).toContain("72 hours' notice");
    expect(await outboxKeys(lead.id, ARTIST_NUMBER)).toContain("booking.change_outside.artist");
    const [booking] = await sql<{ status: string }>("SELECT status FROM bookings WHERE id = $1", [lead.bookingId]);
    expect(booking?.status).toBe("CONFIRMED");
  });

  it("saved in another isolate (straight into Postgres): this isolate's copy stands at most POLICY_CACHE_MS, then the new policy is read", async () => {
    const handleName = `fresh-${crypto.randomUUID().slice(0, 8)}`;
    const [artist] = await sql<{ id: string }>("INSERT INTO artists (handle, name, time_zone, availability) VALUES ($1, 'Fresh', 'Europe/London', '{}') RETURNING id", [handleName]);
    if (!artist) throw new Error("artist insert returned nothing");
    try {
      const t0 = 1_000_000;
      expect(await currentPolicy(handle.db, artist.id, t0)).toEqual(defaultPolicy());
      await sql("UPDATE artists SET policy = $2 WHERE id = $1", [artist.id, JSON.stringify({ ...defaultPolicy(), cancellationNoticeHours: 24 })]);
      expect((await currentPolicy(handle.db, artist.id, t0 + POLICY_CACHE_MS - 1)).cancellationNoticeHours).toBe(48);
      expect((await currentPolicy(handle.db, artist.id, t0 + POLICY_CACHE_MS)).cancellationNoticeHours).toBe(24);
    } finally {
      await sql("DELETE FROM artists WHERE id = $1", [artist.id]);
    }
  });
});
