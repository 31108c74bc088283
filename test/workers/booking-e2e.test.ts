/**
 * Booking end to end through the Worker: the artist approves, the client gets a WhatsApp list of
 * free slots from the artist's Google Calendar (the emulator), taps one (or says which), the slot
 * is held in the ArtistCalendar object while the deposit link made for it is paid on the Stripe
 * emulator's checkout page, the signed webhook books it, the calendar event is written once
 * through the queue, and both sides are told. Also: a slot taken between the offer and the tap,
 * an event the artist adds by hand meanwhile, a forged list reply, "none of these", the link
 * expiring (the hold released), and a payment after the hold lapsed when someone else took the time.
 */
import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { CRON_EVERY_5_MIN, runScheduled } from "../../src/scheduled.ts";
import { artistCalendar } from "../../durable-objects/artist-calendar.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { adminFetch, insertLead, leadRow, settleLead } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { google, testCalendar } from "../support/workers/google.ts";
import { deliver, eventsAbout, expire, pay, sessionsFor } from "../support/workers/stripe.ts";
import { clientSends, sentTo, settle, textsTo } from "../support/workers/whatsapp.ts";
import { PRICING_RULES } from "../../src/domain/pricing-rules.ts";

interface ListRow {
  id: string;
  title: string;
  description?: string;
}

/** The rows of the last list message sent to `phone`. */
async function lastList(phone: string): Promise<{ body: string; rows: ListRow[] }> {
  const sends = await sentTo(phone);
  for (const send of sends.reverse()) {
    const interactive = send.body.interactive as unknown as { type: string; body?: { text: string }; action?: { sections?: { rows: ListRow[] }[] } } | undefined;
    if (interactive?.type === "list") return { body: interactive.body?.text ?? "", rows: (interactive.action?.sections ?? []).flatMap((s) => s.rows) };
  }
  throw new Error(`no list was sent to ${phone}`);
}

/** A lead waiting for the artist (a finished consultation: a £100 deposit quoted, MEDIUM). */
const pendingLead = () => insertLead("PENDING_APPROVAL", { deposit_rule_version: PRICING_RULES.version });

async function approve(leadId: string, phone: string): Promise<void> {
  const res = await adminFetch(`/admin/leads/${leadId}/approve`, { body: {} });
  expect(res.status, await res.clone().text()).toBe(200);
  await settleLead(phone);
}

async function tapRow(phone: string, row: ListRow): Promise<void> {
  const { response } = await clientSends({ from: phone, list: { id: row.id, title: row.title } });
  expect(response.status).toBe(200);
  await settle(phone);
}

async function say(phone: string, text: string): Promise<void> {
  const { response } = await clientSends({ from: phone, text });
  expect(response.status).toBe(200);
  await settle(phone);
}

const bookingOf = async (leadId: string) =>
  (await sql<{ id: string; status: string; starts_at: Date; ends_at: Date; calendar_event_id: string | null }>("SELECT id, status, starts_at, ends_at, calendar_event_id FROM bookings WHERE lead_id = $1 ORDER BY created_at", [leadId]));

/** The slot a row offered, from the lead's stored offer. */
async function offeredSlot(leadId: string, rowId: string): Promise<{ start: string; end: string; label: string }> {
  const offer = (await leadRow(leadId)).slot_offer as { slots: { id: string; start: string; end: string; label: string }[] } | null;
  const slot = offer?.slots.find((s) => s.id === rowId);
  if (!slot) throw new Error(`row ${rowId} is not in the lead's offer`);
  return slot;
}

/** Waits (bounded) for the queue's calendar write to leave an event for the booking. */
async function calendarEventFor(bookingId: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const [row] = await sql<{ calendar_event_id: string | null }>("SELECT calendar_event_id FROM bookings WHERE id = $1", [bookingId]);
    if (row?.calendar_event_id) return row.calendar_event_id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no calendar event was written for booking ${bookingId}`);
}

describe("booking: offer → choice → hold → payment → booked", () => {
  it("approve → a list of free slots → tap one → held with a deposit link that ends with the hold → Pay → BOOKED, one calendar event, both told", async () => {
    const lead = await pendingLead();
    await approve(lead.id, lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT" });
    const list = await lastList(lead.phone);
    expect(list.rows.length).toBe(6);
    expect(list.body).toContain("Europe/London time");
    const row = list.rows[1];
    if (!row) throw new Error("no second row");
    const slot = await offeredSlot(lead.id, row.id);

    await tapRow(lead.phone, row);
    const afterTap = await leadRow(lead.id);
    expect(afterTap).toMatchObject({ status: "AWAITING_DEPOSIT" });
    const [hold] = await bookingOf(lead.id);
    expect(hold).toMatchObject({ status: "HELD" });
    expect(hold?.starts_at.toISOString()).toBe(slot.start);
    expect((afterTap.held_slot as { bookingId: string }).bookingId).toBe(hold?.id);
    // The link ends with the hold (60 min), not after the usual 24 h.
    const linkMs = new Date(String(afterTap.deposit_link_expires_at)).getTime() - Date.now();
    expect(linkMs).toBeGreaterThan(55 * 60_000);
    expect(linkMs).toBeLessThanOrEqual(60 * 60_000);
    const texts = await textsTo(lead.phone);
    expect(texts.at(-1)).toContain(String(afterTap.deposit_link_url));
    expect(texts.at(-1)).toContain(slot.label);

    const [session] = await sessionsFor(lead.id);
    if (!session) throw new Error("no Checkout Session");
    const events = await pay(session.id);
    const completed = events.find((e) => e.type === "checkout.session.completed");
    if (!completed) throw new Error("no completion event");
    expect((await deliver(completed)).status).toBe(200);
    await settleLead(lead.phone);

    expect(await leadRow(lead.id)).toMatchObject({ status: "BOOKED" });
    const [booking] = await bookingOf(lead.id);
    expect(booking?.status).toBe("CONFIRMED");
    const eventId = await calendarEventFor(booking?.id ?? "");
    const calendarEvents = (await google.events(testCalendar().calendarId)).filter((e) => e.id === eventId);
    expect(calendarEvents).toHaveLength(1);
    const confirmation = (await textsTo(lead.phone)).at(-1) ?? "";
    expect(confirmation).toContain(slot.label);
    expect(confirmation).toContain("calendar.google.com/calendar/render?action=TEMPLATE");

    // The same webhook again: nothing twice.
    const sentBefore = (await textsTo(lead.phone)).length;
    expect((await deliver(completed)).status).toBe(200);
    await settleLead(lead.phone);
    expect((await bookingOf(lead.id)).filter((b) => b.status === "CONFIRMED")).toHaveLength(1);
    expect(await textsTo(lead.phone)).toHaveLength(sentBefore);
  });

  it("two clients tap the same slot: one holds it, the other hears it has just gone and gets the nearest alternatives", async () => {
    const [a, b] = [await pendingLead(), await pendingLead()];
    await approve(a.id, a.phone);
    await approve(b.id, b.phone);
    const rowA = (await lastList(a.phone)).rows[0];
    const slotA = await offeredSlot(a.id, rowA?.id ?? "");
    const rowB = (await lastList(b.phone)).rows.find((r) => r.id.endsWith(":1"));
    if (!rowA || !rowB) throw new Error("no rows");
    const slotB = await offeredSlot(b.id, rowB.id);
    expect(slotB.start).toBe(slotA.start);

    await Promise.all([tapRow(a.phone, rowA), tapRow(b.phone, rowB)]);
    const holds = await sql<{ lead_id: string }>("SELECT lead_id FROM bookings WHERE starts_at = $1 AND status IN ('HELD', 'CONFIRMED')", [slotA.start]);
    expect(holds).toHaveLength(1);
    const loser = holds[0]?.lead_id === a.id ? b : a;
    expect(await leadRow(loser.id)).toMatchObject({ status: "CHOOSING_SLOT" });
    const gone = await lastList(loser.phone);
    expect(gone.body).toContain(renderCopy("booking.slot_gone.client", { greetingName: " Ari", zone: "Europe/London", slots: "" }).split("\n")[0] ?? "?");
    expect(gone.rows.some((r) => r.title === rowA.title)).toBe(false);
  });

  it("an event the artist adds by hand after the offer: the tap is refused as gone, never held", async () => {
    const lead = await pendingLead();
    await approve(lead.id, lead.phone);
    const row = (await lastList(lead.phone)).rows[0];
    if (!row) throw new Error("no row");
    const slot = await offeredSlot(lead.id, row.id);
    await google.addByHand({ calendarId: testCalendar().calendarId, start: slot.start, end: slot.end, summary: "Dentist" });
    await tapRow(lead.phone, row);
    expect(await bookingOf(lead.id)).toEqual([]);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT" });
    expect((await lastList(lead.phone)).body).toContain("that time has just gone");
  });

  it("a forged list reply is read as text (repair), 'none of these' collects their windows, and their windows bring a fresh offer", async () => {
    const lead = await pendingLead();
    await approve(lead.id, lead.phone);
    await tapRow(lead.phone, { id: "slot:forged000000:1", title: "hello" });
    expect(await bookingOf(lead.id)).toEqual([]);
    expect((await textsTo(lead.phone)).at(-1)).toContain("didn't catch which time");

    const none = (await lastList(lead.phone)).rows.at(-1);
    if (!none) throw new Error("no none row");
    await tapRow(lead.phone, none);
    expect(await leadRow(lead.id)).toMatchObject({ status: "COLLECTING_TIME_WINDOWS", slot_offer: null });

    await say(lead.phone, "saturdays");
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT" });
    const offer = (await leadRow(lead.id)).slot_offer as { slots: { start: string }[] };
    for (const slot of offer.slots) expect(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", weekday: "short" }).format(new Date(slot.start))).toBe("Sat");
  });

  it("the link expires unpaid: the hold is released once (webhook and sweep alike), and the next reply offers the free times again", async () => {
    const lead = await pendingLead();
    await approve(lead.id, lead.phone);
    await say(lead.phone, "1");
    const [hold] = await bookingOf(lead.id);
    expect(hold?.status).toBe("HELD");
    const [session] = await sessionsFor(lead.id);
    const expired = await expire(session?.id ?? "");
    expect((await deliver(expired)).status).toBe(200);
    expect((await deliver(expired)).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "DEPOSIT_EXPIRED" });
    expect((await bookingOf(lead.id)).map((b) => b.status)).toEqual(["RELEASED"]);
    expect((await textsTo(lead.phone)).filter((t) => t.includes("has been released"))).toHaveLength(1);

    await say(lead.phone, "can I pick again?");
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT" });
    expect((await lastList(lead.phone)).rows.length).toBeGreaterThan(1);
  });

  it("paid after the hold lapsed and someone else took the time: never double-booked; kept as credit in the ledger, fresh slots, and the next choice books at once", async () => {
    const lead = await pendingLead();
    await approve(lead.id, lead.phone);
    await say(lead.phone, "1");
    const [hold] = await bookingOf(lead.id);
    if (!hold) throw new Error("no hold");
    // The hold lapses (Stripe still says "open" when the alarm looks) and another client takes the time.
    const [{ artist_id: artistId, hold_expires_at: lapses } = { artist_id: "", hold_expires_at: new Date() }] = await sql<{ artist_id: string; hold_expires_at: Date }>(
      "SELECT artist_id, hold_expires_at FROM bookings WHERE id = $1",
      [hold.id],
    );
    const later = new Date(lapses.getTime() + 60_000);
    const calendar = artistCalendar(env, artistId);
    expect((await calendar.holdDue(hold.id, later, "open")).outcome).toBe("released");
    const other = await insertLead("CHOOSING_SLOT");
    const taken = await calendar.hold({ leadId: other.id, start: hold.starts_at, end: hold.ends_at, size: { category: "MEDIUM" }, now: new Date() });
    expect(taken.ok).toBe(true);
    const [session] = await sessionsFor(lead.id);
    const completed = (await pay(session?.id ?? "")).find((e) => e.type === "checkout.session.completed");
    if (!completed) throw new Error("no completion");
    expect((await deliver(completed)).status).toBe(200);
    await settleLead(lead.phone);

    const row = await leadRow(lead.id);
    expect(row.status).toBe("CHOOSING_SLOT");
    expect((row.deposit_ledger as { kind: string }[]).map((e) => e.kind)).toEqual(["payment", "credit"]);
    const overlapping = await sql("SELECT 1 FROM bookings WHERE starts_at = $1 AND status IN ('HELD', 'CONFIRMED')", [hold.starts_at]);
    expect(overlapping).toHaveLength(1);
    expect((await textsTo(lead.phone)).some((t) => t.includes("kept as credit"))).toBe(true);

    await say(lead.phone, "1");
    expect(await leadRow(lead.id)).toMatchObject({ status: "BOOKED" });
    expect((await bookingOf(lead.id)).filter((b) => b.status === "CONFIRMED")).toHaveLength(1);
    expect(await sessionsFor(lead.id)).toHaveLength(1);
  });
});

describe("the hold sweep (cron)", () => {
  it("a hold whose time is up and no expiry came: the cron's job expires the link at Stripe, releases the hold once, and Stripe's expiry tells the client", async () => {
    const lead = await pendingLead();
    await approve(lead.id, lead.phone);
    await say(lead.phone, "1");
    const [hold] = await bookingOf(lead.id);
    if (!hold) throw new Error("no hold");
    const [session] = await sessionsFor(lead.id);
    if (!session) throw new Error("no session");
    const [{ lapses } = { lapses: new Date() }] = await sql<{ lapses: Date }>("SELECT hold_expires_at AS lapses FROM bookings WHERE id = $1", [hold.id]);
    // The cron fired at a time after the hold's end (time is data: the run's scheduledTime).
    const runAt = lapses.getTime() + 60_000;
    await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: runAt }), env);
    await vi.waitFor(async () => expect((await bookingOf(lead.id)).map((b) => b.status)).toEqual(["RELEASED"]), { timeout: 20_000, interval: 250 });
    const expiredEvents = await eventsAbout(session.id, "checkout.session.expired");
    expect(expiredEvents).toHaveLength(1);
    // A second run finds nothing to do.
    await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: runAt + 5 * 60_000 }), env);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await eventsAbout(session.id, "checkout.session.expired")).toHaveLength(1);
    const [event] = expiredEvents;
    if (!event) throw new Error("no expiry event");
    expect((await deliver(event)).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "DEPOSIT_EXPIRED" });
    expect((await textsTo(lead.phone)).filter((t) => t.includes("has been released"))).toHaveLength(1);
  }, 60_000);

  it("a hold not yet due is left alone by the cron", async () => {
    const lead = await pendingLead();
    await approve(lead.id, lead.phone);
    await say(lead.phone, "2");
    await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: Date.now() }), env);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await bookingOf(lead.id)).map((b) => b.status)).toEqual(["HELD"]);
  });
});

describe("Stripe events arriving twice", () => {
  it("the completion webhook for the held slot twice: one confirmation message", async () => {
    const lead = await pendingLead();
    await approve(lead.id, lead.phone);
    await say(lead.phone, "2");
    const [session] = await sessionsFor(lead.id);
    const completed = (await pay(session?.id ?? "")).find((e) => e.type === "checkout.session.completed");
    if (!completed) throw new Error("no completion");
    const responses = await Promise.all([deliver(completed), deliver(completed)]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    await settleLead(lead.phone);
    const confirmations = (await textsTo(lead.phone)).filter((t) => t.startsWith("You're booked"));
    expect(confirmations).toHaveLength(1);
    expect((await bookingOf(lead.id)).map((b) => b.status)).toEqual(["CONFIRMED"]);
  });
});
