/**
 * Freed slots go to people waiting (issue 18, item 7), through the Worker: a `booking.slot_freed`
 * job offers the freed time to the waiting client who has waited longest and whose windows fit,
 * with "Yes, book it" / "No thanks"; yes → the usual hold → deposit link; no → the next client;
 * no answer by the deadline (the cron's sweep at its scheduled time) → the next client; two
 * clients saying yes to the same time → one holds it, the other is told and waits again; time
 * someone else holds meanwhile is never offered; a redelivered job offers nothing twice. A hold
 * that lapses unpaid (taken on a freed offer, or an ordinary one from the usual slot list) gives its
 * time to the people waiting, once; a hold paid for gives nothing.
 *
 * The files share one database: this file's leads have waited "since 2001" (so they come first),
 * are SMALL with windows naming only their test's day, and are put aside when each test ends.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { artistCalendar } from "../../durable-objects/artist-calendar.ts";
import { requireConfig } from "../../src/config.ts";
import { defaultArtist } from "../../src/db/artists-store.ts";
import { connectPatiently, openDatabase } from "../../src/db/client.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { findSlots, FLEXIBLE, slotLabel, type Interval } from "../../src/domain/gap-search.ts";
import { CRON_EVERY_5_MIN, CRON_JOBS } from "../../src/scheduled.ts";
import { enqueueSlotFreed, offerFreedSlot, slotFreedJob } from "../../src/jobs/slot-freed.ts";
import { holdDue } from "../../src/jobs/hold-due.ts";
import { createLogger } from "../../src/lib/log.ts";
import { PRICING_RULES } from "../../src/domain/pricing-rules.ts";
import { adminFetch, insertLead, leadRow, settleLead, type TestLead } from "../support/workers/artist.ts";
import { inboxFetch, section, signIn } from "../support/workers/inbox.ts";
import { sql } from "../support/workers/db.ts";
import { deliver, eventsAbout, pay, sessionsFor } from "../support/workers/stripe.ts";
import { clientSends, sentTo, textsTo } from "../support/workers/whatsapp.ts";

const DAY = 86_400_000;
const log = createLogger("freed-slots-test", "error");
const mine: string[] = [];

async function artistId(): Promise<string> {
  const handle = openDatabase(requireConfig(env));
  try {
    await connectPatiently(handle);
    return (await defaultArtist(handle.db, requireConfig(env))).id;
  } finally {
    await handle.close();
  }
}

/** The local date of an instant in London ("2027-01-05"). */
const londonDate = (at: Date) => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/London" }).format(at);

/** Days this file has freed time on: each test takes a day of its own. */
const usedDays: string[] = [];

/**
 * A free SMALL session's time (what a cancelled booking frees) between `fromDays` and `toDays`
 * ahead, on a day no earlier test of this file used. The London tour stop is days 30–36
 * (vitest.config.ts): the waitlist test frees time there, the others before it.
 */
async function freeSmallSlot(artist: string, fromDays = 8, toDays = 29): Promise<Interval> {
  const now = new Date();
  const view = await artistCalendar(env, artist).view(now);
  if (!view) throw new Error("the calendar could not be read");
  const within = { start: new Date(now.getTime() + fromDays * DAY), end: new Date(now.getTime() + toDays * DAY) };
  const slots = findSlots({ rules: view.rules, busy: view.busy, windows: FLEXIBLE, size: { category: "SMALL" }, now, count: 10, within });
  const slot = slots.find((s) => !usedDays.includes(londonDate(s.start)));
  if (!slot) throw new Error("no free SMALL slot on a day of its own");
  usedDays.push(londonDate(slot.start));
  return { start: slot.start, end: slot.end };
}

/** A client waiting since `since` for `day` (their stated window), SMALL, with a deposit quoted. */
async function waiting(status: "COLLECTING_TIME_WINDOWS" | "WAITLISTED", since: string, day: string, columns: Record<string, unknown> = {}): Promise<TestLead> {
  const lead = await insertLead(status, { size_category: "SMALL", status_changed_at: since, answer_count: 1, ...columns });
  mine.push(lead.id);
  await sql("INSERT INTO lead_answers (lead_id, seq, question_key, raw_text, value) VALUES ($1, 1, 'timing', $2, $3)", [
    lead.id,
    `on ${day}`,
    JSON.stringify({ windows: [{ from: day, to: day }], flexible: false }),
  ]);
  return lead;
}

interface OfferRow extends Record<string, unknown> {
  id: string;
  lead_id: string;
  outcome: string;
  deadline: Date;
}

const offersFor = (slot: Interval) =>
  sql<OfferRow>("SELECT id, lead_id, outcome, deadline FROM slot_offers WHERE freed_start <= $1 AND freed_end >= $2 ORDER BY offered_at, created_at", [slot.start.toISOString(), slot.end.toISOString()]);

/** Waits (the queue and the lead's object work on their own time) until `check` passes. */
const eventually = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 30_000, interval: 250 });

/** The freed-slot offer's buttons sent to `lead`, once the object has sent them. */
async function offerButtons(lead: TestLead): Promise<string[]> {
  return eventually(async () => {
    await settleLead(lead.phone);
    const buttons = (await sentTo(lead.phone)).flatMap((s) => (s.body.interactive?.action?.buttons ?? []).map((b) => b.reply.id)).filter((id) => id.startsWith("freed:"));
    expect(buttons.length).toBeGreaterThan(0);
    return buttons;
  });
}

async function tap(lead: TestLead, id: string, title: string): Promise<void> {
  const { response } = await clientSends({ from: lead.phone, button: { id, title } });
  expect(response.status).toBe(200);
  await settleLead(lead.phone);
}

const holdsOf = (leadIds: string[]) => sql<{ lead_id: string; status: string; starts_at: Date }>("SELECT lead_id, status, starts_at FROM bookings WHERE lead_id = ANY($1) AND status IN ('HELD', 'CONFIRMED')", [leadIds]);

/**
 * A client approved the usual way whose windows name only `day` (SMALL, a deposit quoted): the
 * list of free slots goes out, they pick the first by text, and that slot is held with a deposit
 * link (an ordinary hold, from a normal slot offer, not a freed one).
 */
async function ordinaryHold(day: string): Promise<{ lead: TestLead; hold: { id: string; starts_at: Date; blocked_until: Date; hold_expires_at: Date } }> {
  const lead = await insertLead("PENDING_APPROVAL", { size_category: "SMALL", deposit_rule_version: PRICING_RULES.version, answer_count: 1 });
  mine.push(lead.id);
  await sql("INSERT INTO lead_answers (lead_id, seq, question_key, raw_text, value) VALUES ($1, 1, 'timing', $2, $3)", [lead.id, `on ${day}`, JSON.stringify({ windows: [{ from: day, to: day }], flexible: false })]);
  const approved = await adminFetch(`/admin/leads/${lead.id}/approve`, { body: {} });
  expect(approved.status, await approved.clone().text()).toBe(200);
  await settleLead(lead.phone);
  expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT" });
  const { response } = await clientSends({ from: lead.phone, text: "1" });
  expect(response.status).toBe(200);
  await settleLead(lead.phone);
  expect(await leadRow(lead.id)).toMatchObject({ status: "AWAITING_DEPOSIT" });
  const [hold] = await sql<{ id: string; starts_at: Date; blocked_until: Date; hold_expires_at: Date }>(
    "SELECT id, starts_at, blocked_until, hold_expires_at FROM bookings WHERE lead_id = $1 AND status = 'HELD'",
    [lead.id],
  );
  if (!hold) throw new Error("no hold");
  expect(londonDate(hold.starts_at)).toBe(day);
  return { lead, hold };
}

/** Offers of exactly the freed interval `start`–`end`. */
const offersOfInterval = (start: Date, end: Date) =>
  sql<{ lead_id: string; outcome: string; offered_at: Date }>("SELECT lead_id, outcome, offered_at FROM slot_offers WHERE freed_start = $1 AND freed_end = $2 ORDER BY offered_at", [start.toISOString(), end.toISOString()]);

afterEach(async () => {
  // Shared database: this file's clients stop waiting and their offers close (their holds stay,
  // lapsing like any other: released now, the time would be offered to other files' clients).
  const ids = mine.splice(0);
  await sql("UPDATE slot_offers SET outcome = 'SKIPPED' WHERE lead_id = ANY($1) AND outcome = 'OFFERED'", [ids]);
  await sql("UPDATE leads SET status = 'ABANDONED', slot_offer = NULL WHERE id = ANY($1)", [ids]);
});

describe("freed slots go to people waiting", () => {
  it("offered to the client who waited longest and whose windows fit; a redelivered job offers nothing twice; yes → held with a deposit link", async () => {
    const artist = await artistId();
    const slot = await freeSmallSlot(artist);
    const day = londonDate(slot.start);
    const otherDay = londonDate(new Date(slot.start.getTime() + 2 * DAY));
    const wrongDay = await waiting("COLLECTING_TIME_WINDOWS", "2000-06-01T00:00:00Z", otherDay);
    const first = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-01T00:00:00Z", day);
    const second = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-02T00:00:00Z", day);

    await enqueueSlotFreed(env.JOBS, { artistId: artist, start: slot.start, end: slot.end, now: new Date() });
    const buttons = await offerButtons(first);
    expect(await leadRow(first.id)).toMatchObject({ status: "CHOOSING_SLOT" });
    const offer = (await textsTo(first.phone)).at(-1) ?? "";
    expect(offer).toContain("A time has just opened up");
    // Redelivered (the same job again): still one offer, one message.
    const again = await offerFreedSlot(slotFreedJob({ artistId: artist, start: slot.start, end: slot.end, now: new Date() }), env, log, "test");
    expect(again).toBe("waiting");
    await settleLead(first.phone);
    expect((await offersFor(slot)).map((o) => [o.lead_id, o.outcome])).toEqual([[first.id, "OFFERED"]]);
    expect((await textsTo(first.phone)).filter((t) => t.includes("A time has just opened up"))).toHaveLength(1);
    expect(await sentTo(second.phone)).toHaveLength(0);
    expect(await sentTo(wrongDay.phone)).toHaveLength(0);

    const yes = buttons.find((b) => b.endsWith(":yes")) ?? "";
    await tap(first, yes, "Yes, book it");
    const after = await leadRow(first.id);
    expect(after).toMatchObject({ status: "AWAITING_DEPOSIT" });
    const [hold] = await holdsOf([first.id]);
    expect(hold?.status).toBe("HELD");
    expect(hold?.starts_at.toISOString()).toBe(slot.start.toISOString());
    expect((await textsTo(first.phone)).at(-1)).toContain(String(after.deposit_link_url));
    expect((await offersFor(slot)).map((o) => o.outcome)).toEqual(["ACCEPTED"]);
  });

  it("'No thanks' from a waitlisted client (the slot is in their tour city): back on the waitlist, and the next client is offered the time", async () => {
    const artist = await artistId();
    const slot = await freeSmallSlot(artist, 31, 36);
    const day = londonDate(slot.start);
    const waitlisted = await waiting("WAITLISTED", "2001-01-01T00:00:00Z", day, { waitlist_city: "london" });
    const next = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-02T00:00:00Z", day);

    await enqueueSlotFreed(env.JOBS, { artistId: artist, start: slot.start, end: slot.end, now: new Date() });
    const buttons = await offerButtons(waitlisted);
    await tap(waitlisted, buttons.find((b) => b.endsWith(":no")) ?? "", "No thanks");
    expect(await leadRow(waitlisted.id)).toMatchObject({ status: "WAITLISTED", slot_offer: null });
    expect((await textsTo(waitlisted.phone)).at(-1)).toContain("still on Mara's waiting list");

    await offerButtons(next);
    expect(await leadRow(next.id)).toMatchObject({ status: "CHOOSING_SLOT" });
    expect((await offersFor(slot)).map((o) => [o.lead_id, o.outcome])).toEqual([
      [waitlisted.id, "DECLINED"],
      [next.id, "OFFERED"],
    ]);
    expect(await holdsOf([waitlisted.id, next.id])).toEqual([]);
  });

  it("no answer by the deadline: the cron's sweep (its scheduled time) withdraws the offer and the next client is offered; a late 'yes' holds nothing", async () => {
    const artist = await artistId();
    const slot = await freeSmallSlot(artist);
    const day = londonDate(slot.start);
    const silent = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-01T00:00:00Z", day);
    const next = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-02T00:00:00Z", day);

    await enqueueSlotFreed(env.JOBS, { artistId: artist, start: slot.start, end: slot.end, now: new Date() });
    const buttons = await offerButtons(silent);
    const [open] = await offersFor(slot);
    if (!open) throw new Error("no offer row");
    // Two hours by default.
    expect(open.deadline.getTime() - Date.now()).toBeGreaterThan(115 * 60_000);

    // A run before the deadline does nothing; one after it moves the time on.
    const sweep = CRON_JOBS[CRON_EVERY_5_MIN].freedOfferSweep;
    const early = await sweep({ env, scheduledTime: new Date(open.deadline.getTime() - 60_000), correlationId: "freed-test-early" });
    expect(early).toMatchObject({ intervals: 0 });
    const late = await sweep({ env, scheduledTime: new Date(open.deadline.getTime() + 60_000), correlationId: "freed-test-late" });
    expect(late).toMatchObject({ intervals: 1 });

    await offerButtons(next);
    await eventually(async () => {
      await settleLead(silent.phone);
      expect(await leadRow(silent.id)).toMatchObject({ status: "COLLECTING_TIME_WINDOWS", slot_offer: null });
    });
    expect((await offersFor(slot)).map((o) => [o.lead_id, o.outcome])).toEqual([
      [silent.id, "LAPSED"],
      [next.id, "OFFERED"],
    ]);

    await tap(silent, buttons.find((b) => b.endsWith(":yes")) ?? "", "Yes, book it");
    expect(await holdsOf([silent.id])).toEqual([]);
    expect((await textsTo(silent.phone)).at(-1)).toContain("that offer has ended");
    expect(await leadRow(silent.id)).toMatchObject({ status: "COLLECTING_TIME_WINDOWS" });
  });

  it("race: two clients say yes to the same time (two freed offers over it) → exactly one holds it, the other is told politely and waits again", async () => {
    const artist = await artistId();
    const slot = await freeSmallSlot(artist);
    const day = londonDate(slot.start);
    const a = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-01T00:00:00Z", day);
    const b = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-02T00:00:00Z", day);
    const now = new Date();
    // The same time freed twice (a second booking over it was also let go): two intervals, two open offers.
    expect(await offerFreedSlot(slotFreedJob({ artistId: artist, start: slot.start, end: slot.end, now }), env, log, "race-1")).toBe("offered");
    const wider = { start: new Date(slot.start.getTime() - 30 * 60_000), end: slot.end };
    expect(await offerFreedSlot(slotFreedJob({ artistId: artist, start: wider.start, end: wider.end, now }), env, log, "race-2")).toBe("offered");
    const [yesA, yesB] = [(await offerButtons(a)).find((x) => x.endsWith(":yes")) ?? "", (await offerButtons(b)).find((x) => x.endsWith(":yes")) ?? ""];

    await Promise.all([tap(a, yesA, "Yes, book it"), tap(b, yesB, "Yes, book it")]);
    const holds = await holdsOf([a.id, b.id]);
    expect(holds).toHaveLength(1);
    const loser = holds[0]?.lead_id === a.id ? b : a;
    expect(await leadRow(loser.id)).toMatchObject({ status: "COLLECTING_TIME_WINDOWS", slot_offer: null });
    expect((await textsTo(loser.phone)).at(-1)).toBe(renderCopy("freed.gone.client", { greetingName: " Ari" }));
    const outcomes = (await sql<{ lead_id: string; outcome: string }>("SELECT lead_id, outcome FROM slot_offers WHERE lead_id = ANY($1)", [[a.id, b.id]])).map((r) => [r.lead_id, r.outcome]);
    expect(outcomes).toContainEqual([loser.id, "LOST"]);
    expect(outcomes).toContainEqual([holds[0]?.lead_id, "ACCEPTED"]);
  });

  it("outside the client's 24-hour window: the freed_slot_offer template; a typed YES books it the usual way", async () => {
    const artist = await artistId();
    const slot = await freeSmallSlot(artist);
    const quiet = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-01T00:00:00Z", londonDate(slot.start), {
      service_window_ends_at: new Date(Date.now() - 60 * 60_000).toISOString(),
      last_client_message_at: new Date(Date.now() - 25 * 60 * 60_000).toISOString(),
    });
    expect(await offerFreedSlot(slotFreedJob({ artistId: artist, start: slot.start, end: slot.end, now: new Date() }), env, log, "template")).toBe("offered");
    await eventually(async () => {
      await settleLead(quiet.phone);
      expect(await textsTo(quiet.phone)).toEqual(["template:inkline_freed_slot_offer"]);
    });
    const { response } = await clientSends({ from: quiet.phone, text: "YES" });
    expect(response.status).toBe(200);
    await settleLead(quiet.phone);
    expect(await leadRow(quiet.id)).toMatchObject({ status: "AWAITING_DEPOSIT" });
    expect((await holdsOf([quiet.id])).map((h) => h.starts_at.toISOString())).toEqual([slot.start.toISOString()]);
  });

  it("a hold taken on a freed slot that lapses unpaid: the cron's hold job (its scheduled time) releases it and the time goes to the next client, once", async () => {
    const artist = await artistId();
    const slot = await freeSmallSlot(artist);
    const day = londonDate(slot.start);
    const first = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-01T00:00:00Z", day);
    const next = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-02T00:00:00Z", day);

    await enqueueSlotFreed(env.JOBS, { artistId: artist, start: slot.start, end: slot.end, now: new Date() });
    await tap(first, (await offerButtons(first)).find((b) => b.endsWith(":yes")) ?? "", "Yes, book it");
    expect(await leadRow(first.id)).toMatchObject({ status: "AWAITING_DEPOSIT" });
    const [hold] = await sql<{ id: string; hold_expires_at: Date }>("SELECT id, hold_expires_at FROM bookings WHERE lead_id = $1 AND status = 'HELD'", [first.id]);
    if (!hold) throw new Error("no hold");
    expect(await sentTo(next.phone)).toHaveLength(0);

    // The cron's hold sweep finds it at a run after its time is up and queues this job with the run's time.
    const job = { kind: "booking.hold_due", correlationId: "freed-hold-lapse", bookingId: hold.id, now: new Date(hold.hold_expires_at.getTime() + 60_000).toISOString() } as const;
    await env.JOBS.send(job, { contentType: "json" });
    await offerButtons(next);
    expect(await leadRow(next.id)).toMatchObject({ status: "CHOOSING_SLOT" });
    expect((await sql<{ status: string }>("SELECT status FROM bookings WHERE id = $1", [hold.id]))[0]?.status).toBe("RELEASED");
    expect((await offersFor(slot)).map((o) => [o.lead_id, o.outcome])).toEqual([
      [first.id, "ACCEPTED"],
      [next.id, "OFFERED"],
    ]);

    // The job again (redelivered), and a later run: the hold is released already, nothing is offered twice.
    await env.JOBS.send(job, { contentType: "json" });
    expect(await holdDue(hold.id, new Date(hold.hold_expires_at.getTime() + 6 * 60_000), env, log)).toBe("skipped:RELEASED");
    await new Promise((r) => setTimeout(r, 1_500));
    await settleLead(next.phone);
    expect(await offersFor(slot)).toHaveLength(2);
    expect((await textsTo(next.phone)).filter((t) => t.includes("A time has just opened up"))).toHaveLength(1);
  }, 60_000);

  it("an ordinary hold lapses unpaid: the cron's hold job (its scheduled time) expires the link at Stripe, releases the hold and the waiting client whose windows fit is offered its time, once", async () => {
    const artist = await artistId();
    const day = londonDate((await freeSmallSlot(artist)).start);
    const waiter = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-01T00:00:00Z", day);
    const { lead: holder, hold } = await ordinaryHold(day);
    expect(await sentTo(waiter.phone)).toHaveLength(0);

    // The cron's hold sweep found it at a run after its time was up and queued this job with the run's time.
    const runAt = new Date(hold.hold_expires_at.getTime() + 60_000);
    const job = { kind: "booking.hold_due", correlationId: "ordinary-hold-lapse", bookingId: hold.id, now: runAt.toISOString() } as const;
    await env.JOBS.send(job, { contentType: "json" });
    const buttons = await offerButtons(waiter);
    expect(buttons.some((b) => b.endsWith(":yes"))).toBe(true);
    expect(await leadRow(waiter.id)).toMatchObject({ status: "CHOOSING_SLOT" });
    expect((await sql<{ status: string; released_reason: string }>("SELECT status, released_reason FROM bookings WHERE id = $1", [hold.id]))[0]).toMatchObject({ status: "RELEASED", released_reason: "hold_lapsed" });
    // The time it blocked (the session and the buffer after it), offered at the run's time, not the clock's.
    const offers = await offersOfInterval(hold.starts_at, hold.blocked_until);
    expect(offers.map((o) => [o.lead_id, o.outcome])).toEqual([[waiter.id, "OFFERED"]]);
    expect(offers[0]?.offered_at.toISOString()).toBe(runAt.toISOString());
    const offerText = (await textsTo(waiter.phone)).find((t) => t.includes("A time has just opened up")) ?? "";
    expect(offerText).toContain(slotLabel({ start: hold.starts_at, end: new Date(hold.starts_at.getTime() + 60_000) }, "Europe/London").day);

    // The job again (redelivered), a later run, and Stripe's expiry webhook: released already, nothing offered twice.
    await env.JOBS.send(job, { contentType: "json" });
    expect(await holdDue(hold.id, new Date(runAt.getTime() + 5 * 60_000), env, log)).toBe("skipped:RELEASED");
    const [session] = await sessionsFor(holder.id);
    const [expired] = await eventsAbout(session?.id ?? "", "checkout.session.expired");
    if (!expired) throw new Error("Stripe recorded no expiry");
    expect((await deliver(expired)).status).toBe(200);
    await settleLead(holder.phone);
    expect(await leadRow(holder.id)).toMatchObject({ status: "DEPOSIT_EXPIRED" });
    await new Promise((r) => setTimeout(r, 2_000));
    await settleLead(waiter.phone);
    expect((await offersOfInterval(hold.starts_at, hold.blocked_until)).map((o) => o.lead_id)).toEqual([waiter.id]);
    expect((await textsTo(waiter.phone)).filter((t) => t.includes("A time has just opened up"))).toHaveLength(1);
  }, 60_000);

  it("an ordinary hold paid for frees nothing: the payment confirms it, and the late hold job and expiry that follow offer the waiting client nothing", async () => {
    const artist = await artistId();
    const day = londonDate((await freeSmallSlot(artist)).start);
    const waiter = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-01T00:00:00Z", day);
    const { lead: holder, hold } = await ordinaryHold(day);

    const [session] = await sessionsFor(holder.id);
    const completed = (await pay(session?.id ?? "")).find((e) => e.type === "checkout.session.completed");
    if (!completed) throw new Error("no completion event");
    expect((await deliver(completed)).status).toBe(200);
    await settleLead(holder.phone);
    expect(await leadRow(holder.id)).toMatchObject({ status: "BOOKED" });

    // The sweep's job arriving after the payment (Stripe says complete), and a late expiry step: confirmed stays confirmed.
    const runAt = new Date(hold.hold_expires_at.getTime() + 60_000);
    await env.JOBS.send({ kind: "booking.hold_due", correlationId: "paid-hold", bookingId: hold.id, now: runAt.toISOString() }, { contentType: "json" });
    expect(await holdDue(hold.id, runAt, env, log)).toBe("skipped:CONFIRMED");
    expect(await artistCalendar(env, artist).checkoutExpired(hold.id, runAt)).toMatchObject({ outcome: "confirmed", changed: false });
    await new Promise((r) => setTimeout(r, 2_000));
    await settleLead(waiter.phone);
    expect((await sql<{ status: string }>("SELECT status FROM bookings WHERE id = $1", [hold.id]))[0]?.status).toBe("CONFIRMED");
    expect(await offersOfInterval(hold.starts_at, hold.blocked_until)).toEqual([]);
    expect(await sentTo(waiter.phone)).toHaveLength(0);
    expect(await leadRow(waiter.id)).toMatchObject({ status: "COLLECTING_TIME_WINDOWS" });
  }, 60_000);

  it("offers are visible: the admin API lists a freed time's offers (400 naming the field, 404s); the inbox lead page shows each client's", async () => {
    const artist = await artistId();
    const slot = await freeSmallSlot(artist);
    const day = londonDate(slot.start);
    const passes = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-01T00:00:00Z", day);
    const next = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-02T00:00:00Z", day);
    await enqueueSlotFreed(env.JOBS, { artistId: artist, start: slot.start, end: slot.end, now: new Date() });
    await tap(passes, (await offerButtons(passes)).find((b) => b.endsWith(":no")) ?? "", "No thanks");
    await offerButtons(next);

    const query = new URLSearchParams({ freed_start: slot.start.toISOString(), freed_end: slot.end.toISOString() });
    const res = await adminFetch(`/admin/artists/${artist}/freed-offers?${query.toString()}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await res.json<{ time_zone: string; freed_start: string; offers: { lead_id: string; client_name: string | null; slot_start: string; deadline: string; outcome: string; answered_at: string | null }[] }>();
    expect(body).toMatchObject({ time_zone: "Europe/London", freed_start: slot.start.toISOString() });
    expect(body.offers.map((o) => [o.lead_id, o.outcome, o.client_name])).toEqual([
      [passes.id, "DECLINED", "Ari Lane"],
      [next.id, "OFFERED", "Ari Lane"],
    ]);
    expect(body.offers[0]?.answered_at).not.toBeNull();
    expect(body.offers[1]?.answered_at).toBeNull();
    expect(Date.parse(body.offers[1]?.deadline ?? "")).toBeGreaterThan(Date.now());

    const backwards = await adminFetch(`/admin/artists/${artist}/freed-offers?${new URLSearchParams({ freed_start: slot.end.toISOString(), freed_end: slot.start.toISOString() }).toString()}`);
    expect(backwards.status).toBe(400);
    expect(await backwards.json()).toMatchObject({ error: "invalid_request", in: "query", field: "freed_end" });
    const noStart = await adminFetch(`/admin/artists/${artist}/freed-offers?freed_start=tuesday&freed_end=${encodeURIComponent(slot.end.toISOString())}`);
    expect(noStart.status).toBe(400);
    expect(await noStart.json()).toMatchObject({ field: "freed_start" });
    expect((await adminFetch(`/admin/artists/${crypto.randomUUID()}/freed-offers?${query.toString()}`)).status).toBe(404);
    // A minute off this freed time: an interval nobody freed (other tests free whole slots).
    const elsewhere = new URLSearchParams({ freed_start: new Date(slot.start.getTime() + 60_000).toISOString(), freed_end: new Date(slot.end.getTime() + 60_000).toISOString() });
    const none = await adminFetch(`/admin/artists/${artist}/freed-offers?${elsewhere.toString()}`);
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ error: "no_offers" });
    const doc = await (await adminFetch("/admin/openapi.json")).json<{ paths: Record<string, { get?: { parameters: { name: string }[] } }> }>();
    expect(doc.paths["/admin/artists/{id}/freed-offers"]?.get?.parameters.map((p) => p.name)).toEqual(["id", "freed_start", "freed_end", "limit"]);

    const cookie = await signIn();
    const page = await (await inboxFetch(`/inbox/leads/${passes.id}`, { cookie })).text();
    const card = section(page, "freed-offers-title");
    expect(card).toContain("Freed times offered");
    expect(card).toContain('data-outcome="DECLINED"');
    expect(card).toContain("Declined");
    expect(card).toContain(slotLabel(slot, "Europe/London").day);
    const other = section(await (await inboxFetch(`/inbox/leads/${next.id}`, { cookie })).text(), "freed-offers-title");
    expect(other).toContain("Waiting for their answer");
  }, 60_000);

  it("time someone else holds meanwhile is never offered", async () => {
    const artist = await artistId();
    const slot = await freeSmallSlot(artist);
    const day = londonDate(slot.start);
    const client = await waiting("COLLECTING_TIME_WINDOWS", "2001-01-01T00:00:00Z", day);
    const other = await insertLead("PENDING_APPROVAL", { size_category: "SMALL" });
    mine.push(other.id);
    const held = await artistCalendar(env, artist).hold({ leadId: other.id, start: slot.start, end: slot.end, size: { category: "SMALL" }, now: new Date() });
    expect(held.ok).toBe(true);

    expect(await offerFreedSlot(slotFreedJob({ artistId: artist, start: slot.start, end: slot.end, now: new Date() }), env, log, "held")).toBe("nobody");
    expect(await offersFor(slot)).toEqual([]);
    await settleLead(client.phone);
    expect(await leadRow(client.id)).toMatchObject({ status: "COLLECTING_TIME_WINDOWS" });
    expect(await sentTo(client.phone)).toHaveLength(0);
  });
});
