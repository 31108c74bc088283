/**
 * Booking changes whose deposit leaves the booking (issue 18), through the Worker: a late move the
 * artist lets through settles the deposit by the default policy (forfeit) and holds the new time
 * with a new deposit link, which the Stripe emulator's checkout pays; the artist's cancel with a
 * refund makes the refund at the Stripe emulator once (a retried request replays it), the ledger
 * records it, the client is told and the event leaves the calendar through the queue.
 *
 * Each test books its own lead on the default artist at a night-time slot (no one else's offer can
 * meet it), so nothing shared is changed.
 */
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_ARTIST_HANDLE } from "../../src/db/artists-store.ts";
import { ledgerBalance, readLedger } from "../../src/domain/deposit.ts";
import { writeCalendar } from "../../src/jobs/calendar-write.ts";
import { createLogger } from "../../src/lib/log.ts";
import { adminFetch, insertLead, leadRow, settleLead } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { awaitingDeposit, copy } from "../support/workers/deposit.ts";
import { google, testCalendar } from "../support/workers/google.ts";
import { chargeRefunds, deliver, pay, requests, sessionsFor, type EmulatedEvent } from "../support/workers/stripe.ts";
import { clientSends, settle, textsTo } from "../support/workers/whatsapp.ts";

const HOUR = 3_600_000;
const log = createLogger("booking-change-settle-test", "error");
const eventually = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 30_000, interval: 250 });

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

/** Makes `leadId` BOOKED with a confirmed booking at `start` (its event written when `withEvent`). */
async function book(leadId: string, start: Date, withEvent: boolean): Promise<string> {
  const end = new Date(start.getTime() + 2 * HOUR);
  const [booking] = await sql<{ id: string }>(
    "INSERT INTO bookings (artist_id, lead_id, status, starts_at, ends_at, blocked_until) VALUES ($1, $2, 'CONFIRMED', $3, $4, $4) RETURNING id",
    [await defaultArtistId(), leadId, start.toISOString(), end.toISOString()],
  );
  if (!booking) throw new Error("no booking");
  const held = { bookingId: booking.id, start: start.toISOString(), end: end.toISOString(), label: "Sat 9 January, 03:00–05:00", moves: 0 };
  await sql("UPDATE leads SET status = 'BOOKED', held_slot = $2, booked_at = now() WHERE id = $1", [leadId, JSON.stringify(held)]);
  if (withEvent) expect(await writeCalendar(booking.id, env, log)).toBe("inserted");
  return booking.id;
}

/** The ledger balances with held >= 0: paid = refunded + forfeited + credit + applied + held. */
function expectBalanced(ledger: unknown): ReturnType<typeof ledgerBalance> {
  const b = ledgerBalance(readLedger(ledger));
  expect(b.held).toBeGreaterThanOrEqual(0);
  expect(b.paid).toBe(b.refunded + b.forfeited + b.credit + b.applied + b.held);
  return b;
}

const bookingsOf = (leadId: string) => sql<{ id: string; status: string; starts_at: Date }>("SELECT id, status, starts_at FROM bookings WHERE lead_id = $1 ORDER BY created_at", [leadId]);
const bookingRow = async (id: string) => (await sql<{ status: string; calendar_event_id: string | null }>("SELECT status, calendar_event_id FROM bookings WHERE id = $1", [id]))[0];

async function say(phone: string, text: string): Promise<void> {
  const { response } = await clientSends({ from: phone, text });
  expect(response.status).toBe(200);
  await settle(phone);
}

describe("a move the policy does not let the deposit follow", () => {
  it("late, the artist allows it: the client hears the deposit is forfeit; their pick cancels the old time, holds the new one with a new link; paying it books them; the ledger balances throughout", async () => {
    const soon = nightIn(0).getTime() > Date.now() + HOUR ? nightIn(0) : nightIn(1);
    const paidAt = new Date(Date.now() - 10 * 24 * HOUR).toISOString();
    const ledger = [{ kind: "payment", amountMinor: 10_000, currency: "GBP", at: paidAt, reference: `pi_${crypto.randomUUID().slice(0, 8)}`, source: "checkout", reason: null, status: "succeeded" }];
    const lead = await insertLead("BOOKED", { deposit_paid_at: paidAt, deposit_locked_at: paidAt, deposit_attempt: 1, deposit_ledger: JSON.stringify(ledger) });
    const oldBooking = await book(lead.id, soon, false);

    await say(lead.phone, "can I move my appointment please?");
    expect((await textsTo(lead.phone)).at(-1)).toContain("48 hours' notice");
    const allowed = await adminFetch(`/admin/leads/${lead.id}/allow-move`, { body: {} });
    expect(allowed.status, await allowed.clone().text()).toBe(200);
    await settleLead(lead.phone);
    const offered = await leadRow(lead.id);
    const offer = offered.slot_offer as { moving?: boolean; moveFate?: string; slots: { start: string }[] } | null;
    expect(offer).toMatchObject({ moving: true, moveFate: "forfeit" });
    expect((await textsTo(lead.phone)).at(-1)).toContain("moving now means the £100 deposit is not refundable, and the new time needs a new deposit");

    await say(lead.phone, "1");
    const moving = await leadRow(lead.id);
    expect(moving).toMatchObject({ status: "AWAITING_DEPOSIT", deposit_paid_at: null, deposit_attempt: 2 });
    expect(readLedger(moving.deposit_ledger).map((e) => e.kind)).toEqual(["payment", "forfeit"]);
    expect(expectBalanced(moving.deposit_ledger)).toMatchObject({ forfeited: 10_000, held: 0 });
    const [old, fresh] = await bookingsOf(lead.id);
    expect(old).toMatchObject({ id: oldBooking, status: "CANCELLED" });
    expect(fresh).toMatchObject({ status: "HELD" });
    expect(fresh?.starts_at.toISOString()).toBe(offer?.slots[0]?.start);
    const texts = await textsTo(lead.phone);
    expect(texts.at(-2)).toContain("is released");
    expect(texts.at(-1)).toContain(String(moving.deposit_link_url));

    // The client pays the new deposit on Stripe's page: booked at the new time.
    const session = (await sessionsFor(lead.id)).at(-1);
    if (!session) throw new Error("no new Checkout Session");
    const [completed] = await pay(session.id);
    expect((await deliver(completed as EmulatedEvent)).status).toBe(200);
    await settleLead(lead.phone);
    const booked = await leadRow(lead.id);
    expect(booked.status).toBe("BOOKED");
    expect(booked.held_slot).toMatchObject({ bookingId: fresh?.id, moves: 1 });
    expect(readLedger(booked.deposit_ledger).map((e) => e.kind)).toEqual(["payment", "forfeit", "payment"]);
    expect(expectBalanced(booked.deposit_ledger)).toMatchObject({ paid: 20_000, forfeited: 10_000, held: 10_000 });
    expect((await bookingsOf(lead.id)).map((b) => b.status)).toEqual(["CANCELLED", "CONFIRMED"]);
  }, 60_000);
});

describe("the artist cancels with a refund", () => {
  it("the refund is made at Stripe once (a retried request replays it), the ledger has it, the client is told, the event leaves the calendar through the queue", async () => {
    // A real payment at the Stripe emulator, then a booking for it.
    const { lead, session } = await awaitingDeposit();
    const [completed] = await pay(session.id);
    await deliver(completed as EmulatedEvent);
    await settleLead(lead.phone);
    const paymentIntent = String((await leadRow(lead.id)).stripe_payment_intent_id);
    expect(paymentIntent).toMatch(/^pi_/);
    const bookingId = await book(lead.id, nightIn(21), true);
    // The lead's object still holds the lead as it was before the booking was written here.
    await evictDurableObject(env.LEAD_CONVERSATION.getByName(lead.phone));
    const eventId = (await bookingRow(bookingId))?.calendar_event_id;
    expect(eventId).toBeTruthy();

    const cancel = () => adminFetch(`/admin/leads/${lead.id}/cancel-refund`, { body: { reason: "artist ill, full refund" }, headers: { "idempotency-key": `cancel-refund-${lead.id}` } });
    const first = await cancel();
    expect(first.status, await first.clone().text()).toBe(200);
    expect(await first.json()).toMatchObject({ ok: true, action: "cancel_refund", status: "CANCELLED" });
    // The same request again (a retry): the first answer, nothing asked of Stripe twice.
    const again = await cancel();
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ ok: true, action: "cancel_refund" });
    await settleLead(lead.phone);

    const creates = (await requests()).filter((r) => r.operation === "create_refund" && r.idempotency_key?.includes(lead.id));
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatchObject({ status: 200, replayed: false });
    const refunds = await chargeRefunds(paymentIntent);
    expect(refunds).toHaveLength(1);

    const row = await leadRow(lead.id);
    expect(row).toMatchObject({ status: "CANCELLED", refunded_amount_minor: 10_000, held_slot: null });
    const ledger = readLedger(row.deposit_ledger);
    expect(ledger.map((e) => [e.kind, e.amountMinor, e.source])).toEqual([
      ["payment", 10_000, "checkout"],
      ["refund", 10_000, "artist"],
    ]);
    expect(ledger[1]?.reference).toMatch(/^re_/);
    expect(expectBalanced(row.deposit_ledger)).toMatchObject({ refunded: 10_000, held: 0 });
    const texts = await textsTo(lead.phone);
    expect(texts).toContain(copy("deposit.refunded.client", { amount: "£100" }));
    expect(texts.at(-1)).toContain("has had to cancel");

    // Stripe's charge.refunded follows: already recorded, the ledger does not grow.
    expect((await deliver(refunds[0] as EmulatedEvent)).status).toBe(200);
    await settleLead(lead.phone);
    expect(readLedger((await leadRow(lead.id)).deposit_ledger)).toHaveLength(2);

    expect((await bookingRow(bookingId))?.status).toBe("CANCELLED");
    await eventually(async () => expect((await bookingRow(bookingId))?.calendar_event_id).toBeNull());
    const live = (await google.events(testCalendar().calendarId)).filter((e) => e.id === eventId && e.status !== "cancelled");
    expect(live).toHaveLength(0);
  }, 60_000);
});

describe("a client whose booking ended writes again", () => {
  it("cancelled with credit: a polite reply saying the artist will answer personally, the credit recalled; the artist gets the handover", async () => {
    const at = new Date(Date.now() - 5 * 24 * HOUR).toISOString();
    const expires = new Date(Date.now() + 170 * 24 * HOUR).toISOString();
    const ledger = [
      { kind: "payment", amountMinor: 10_000, currency: "GBP", at, reference: "pi_x", source: "checkout", reason: null, status: "succeeded" },
      { kind: "credit", amountMinor: 10_000, currency: "GBP", at, reference: "b", source: "checkout", reason: "cancel_client", status: null, expiresAt: expires },
    ];
    const lead = await insertLead("CANCELLED", { deposit_paid_at: at, deposit_ledger: JSON.stringify(ledger) });
    await say(lead.phone, "Hi! Sorry again about cancelling last week");
    const row = await leadRow(lead.id);
    expect(row).toMatchObject({ status: "NEEDS_ARTIST_REPLY", resume_status: "CANCELLED", handover_reason: "booking_ended" });
    const texts = await textsTo(lead.phone);
    expect(texts.slice(-2)).toEqual([copy("handover.client.booking_ended"), copy("booking.ended_credit.client", { amount: "£100", expires: expires.slice(0, 10) })]);
    const notices = await sql<{ copy_key: string | null }>("SELECT copy_key FROM outbox_messages WHERE lead_id = $1 AND to_phone <> $2", [lead.id, lead.phone]);
    expect(notices.map((n) => n.copy_key)).toContain("handover.artist");
  });

  it("a no-show: handed over politely, no credit mentioned (the deposit was forfeit)", async () => {
    const lead = await insertLead("NO_SHOW", { no_show_count: 1 });
    await say(lead.phone, "I'm so sorry I missed it, can we sort something out?");
    expect(await leadRow(lead.id)).toMatchObject({ status: "NEEDS_ARTIST_REPLY", resume_status: "NO_SHOW" });
    expect((await textsTo(lead.phone)).at(-1)).toBe(copy("handover.client.booking_ended"));
  });
});
