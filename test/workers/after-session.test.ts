/**
 * A booked session's timers end to end, through the real cron (fired with a later scheduled time),
 * the jobs queue and the lead's object: the 48 h reminder with its buttons inside the window, the
 * 2 h one as a template with quick replies outside it, the client's "See you then", a reminder
 * dropped for a booking cancelled meanwhile, the aftercare sequence stopped by STOP, and the
 * settlement writing `applied` once however often the cron runs.
 *
 * Each lead books its own session on a day of 2010–2018 (its own slot of the shared default
 * artist, released at the end) and the cron runs at times in that past: its scan finds only this
 * file's leads, so no other file's timers are fired or cleared.
 */
import { createScheduledController, env } from "cloudflare:test";
import { afterAll, describe, expect, it, vi } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { CRON_EVERY_5_MIN, runScheduled } from "../../src/scheduled.ts";
import { adminFetch, insertLead, leadRow } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { buttonIdsTo, clientSends, sentTo, settle, textsTo } from "../support/workers/whatsapp.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TEST_MS = 120_000;

/**
 * A 3-hour session for this lead at 14:00Z on a day of 2010–2018 (outside anyone's quiet hours): the cron runs at times in
 * that past, where no other file's lead has a timer due, so its scan finds only this file's leads
 * and nobody else's timers need clearing.
 */
function sessionSlot(): { start: Date; end: Date } {
  const start = Date.parse("2010-01-01T14:00:00Z") + Math.floor(Math.random() * 3_000) * DAY;
  return { start: new Date(start), end: new Date(start + 3 * HOUR) };
}

/** The bookings this file made: released at the end, so the default artist's calendar is as it was. */
const made: string[] = [];
afterAll(async () => {
  await sql("UPDATE bookings SET status = 'CANCELLED', released_reason = 'test cleanup' WHERE id = ANY($1::uuid[]) AND status = 'CONFIRMED'", [made]);
});

interface Booked {
  id: string;
  phone: string;
  bookingId: string;
  name: string;
  start: Date;
  end: Date;
}

/** A BOOKED lead with a paid £100 deposit and its CONFIRMED booking; its next timer as the cron will find it. */
async function bookedLead(options: { windowEndsAt: (s: { start: Date; end: Date }) => Date; nextTimer: (s: { start: Date; end: Date }) => { at: Date; kind: string } }): Promise<Booked> {
  const slot = sessionSlot();
  // The admin API makes the default artist on first use (whichever file comes first).
  const listed = await adminFetch("/admin/artists");
  const artist = (await listed.json<{ artists: { id: string; handle: string }[] }>()).artists.find((a) => a.handle === "default");
  if (!artist) throw new Error("no default artist");
  const name = `Robin ${crypto.randomUUID().slice(0, 6)}`;
  const paidAt = new Date(slot.start.getTime() - 20 * DAY);
  const lead = await insertLead("BOOKED", {
    display_name: name,
    status_changed_at: paidAt.toISOString(),
    service_window_ends_at: options.windowEndsAt(slot).toISOString(),
    deposit_paid_at: paidAt.toISOString(),
    deposit_ledger: JSON.stringify([{ kind: "payment", amountMinor: 10_000, currency: "GBP", at: paidAt.toISOString(), reference: `pi_${crypto.randomUUID()}`, source: "checkout", reason: null, status: "succeeded" }]),
  });
  const [booking] = await sql<{ id: string }>(
    "INSERT INTO bookings (artist_id, lead_id, status, starts_at, ends_at, blocked_until) VALUES ($1, $2, 'CONFIRMED', $3, $4, $4) RETURNING id",
    [artist.id, lead.id, slot.start.toISOString(), slot.end.toISOString()],
  );
  if (!booking) throw new Error("booking insert returned nothing");
  made.push(booking.id);
  const heldSlot = { bookingId: booking.id, start: slot.start.toISOString(), end: slot.end.toISOString(), label: "Sat 14:00" };
  const next = options.nextTimer(slot);
  await sql("UPDATE leads SET held_slot = $2, next_timer_at = $3, next_timer_kind = $4 WHERE id = $1", [lead.id, JSON.stringify(heldSlot), next.at.toISOString(), next.kind]);
  return { id: lead.id, phone: lead.phone, bookingId: booking.id, name, ...slot };
}

/**
 * Fires the 5-minute cron as if it were `at`. Another file's time jumps clear every timer but its
 * own (timers.test.ts): a lead of this file found without one is given one due now again, and the
 * lead's object decides what (if anything) is due, as it does for any scan.
 */
async function cronAt(at: number, ...leads: Booked[]): Promise<void> {
  await sql("UPDATE leads SET next_timer_at = $2, next_timer_kind = 'appointment.reminder' WHERE id = ANY($1::uuid[]) AND next_timer_at IS NULL", [leads.map((l) => l.id), new Date(at - 60_000).toISOString()]);
  await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: at }), env);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for the local queue to have delivered what a cron run enqueued (batch timeout 2 s). */
const QUEUE_QUIET_MS = 3_500;

/** Runs the cron at `at` until `check` passes (each run may be a duplicate: nothing may happen twice). */
async function eventually<T>(lead: Booked, at: number, check: () => Promise<T>): Promise<T> {
  return vi.waitFor(
    async () => {
      await settle(lead.phone);
      try {
        return await check();
      } catch (error) {
        await cronAt(at, lead);
        throw error;
      }
    },
    { timeout: 30_000, interval: 1_500 },
  );
}

const firedKinds = async (leadId: string) =>
  (await sql<{ kind: string }>("SELECT payload->>'kind' AS kind FROM system_events WHERE lead_id = $1 AND type = 'timer.fired' ORDER BY id", [leadId])).map((r) => r.kind);

const outboxOf = async (leadId: string) =>
  sql<{ copy_key: string | null; to_phone: string | null; kind: string; payload: Record<string, unknown> }>("SELECT copy_key, to_phone, kind, payload FROM outbox_messages WHERE lead_id = $1 ORDER BY seq", [leadId]);

const ledgerOf = async (leadId: string) => (await leadRow(leadId)).deposit_ledger as { kind: string; amountMinor: number; reference: string; reason: string | null }[];

describe("appointment reminders through the cron", () => {
  it(
    "48 h before, inside the window: free text with the two buttons, once however often the cron runs",
    async () => {
      // The client wrote lately: their window is open (at the cron's time and at delivery).
      const lead = await bookedLead({ windowEndsAt: () => new Date(Date.now() + 20 * HOUR), nextTimer: (s) => ({ at: new Date(s.start.getTime() - 48 * HOUR), kind: "appointment.reminder" }) });
      // An hour early: nothing.
      await cronAt(lead.start.getTime() - 49 * HOUR, lead);
      await pause(QUEUE_QUIET_MS);
      await settle(lead.phone);
      expect(await sentTo(lead.phone)).toEqual([]);

      const at48 = lead.start.getTime() - 48 * HOUR + 60_000;
      await cronAt(at48, lead);
      await cronAt(at48, lead);
      const ids = await eventually(lead, at48, async () => {
        const buttons = await buttonIdsTo(lead.phone);
        expect(buttons).toHaveLength(1);
        return buttons[0];
      });
      expect(ids).toEqual(["booked:confirm", "booked:change"]);
      expect((await textsTo(lead.phone))[0]).toContain("Sat 14:00");
      await cronAt(at48, lead);
      await pause(QUEUE_QUIET_MS);
      await settle(lead.phone);
      expect(await sentTo(lead.phone)).toHaveLength(1);
      expect(await firedKinds(lead.id)).toEqual(["appointment.reminder"]);
    },
    TEST_MS,
  );

  it(
    "2 h before, the window closed: the template with the quick replies' payloads; the client taps 'See you then' on it",
    async () => {
      // The client's window closed long before the session.
      const lead = await bookedLead({ windowEndsAt: (s) => new Date(s.start.getTime() - 5 * DAY), nextTimer: (s) => ({ at: new Date(s.start.getTime() - 2 * HOUR), kind: "appointment.reminder_soon" }) });
      const at2 = lead.start.getTime() - 2 * HOUR + 60_000;
      await cronAt(at2, lead);
      const template = await eventually(lead, at2, async () => {
        const last = (await sentTo(lead.phone)).at(-1)?.body.template as { name: string; components: { type: string; sub_type?: string; parameters: { type: string; payload?: string; text?: string }[] }[] } | undefined;
        expect(last?.name).toBe("inkline_appointment_reminder");
        return last;
      });
      const replies = template?.components.filter((c) => c.sub_type === "quick_reply").map((c) => c.parameters[0]?.payload);
      expect(replies).toEqual(["booked:confirm", "booked:change"]);
      expect(template?.components.find((c) => c.type === "body")?.parameters.map((p) => p.text)).toEqual([lead.name.split(" ")[0], "Mara", "Sat 14:00"]);
      // The 48 h one was due too (the cron "was away"): superseded by the later one of its track, never sent.
      expect(await firedKinds(lead.id)).toEqual(["appointment.reminder_soon"]);
      expect(await sentTo(lead.phone)).toHaveLength(1);

      // The client taps "See you then" on the template: a short warm reply, recorded.
      const { response } = await clientSends({ from: lead.phone, button: { id: "booked:confirm", title: "See you then" } });
      expect(response.status).toBe(200);
      await settle(lead.phone);
      expect((await textsTo(lead.phone)).at(-1)).toBe(renderCopy("booked.confirm_reply", { greetingName: ` ${lead.name.split(" ")[0] ?? ""}`, artistName: "Mara", replyDays: 3 }, "en_GB", lead.id));
      const [confirmed] = await sql<{ n: number }>("SELECT count(*)::int AS n FROM system_events WHERE lead_id = $1 AND type = 'booking.client_confirmed'", [lead.id]);
      expect(confirmed?.n).toBe(1);
    },
    TEST_MS,
  );

  it(
    "a booking cancelled in the bookings table since it was scheduled: the reminder is dropped, nothing sent",
    async () => {
      const lead = await bookedLead({ windowEndsAt: () => new Date(Date.now() + 20 * HOUR), nextTimer: (s) => ({ at: new Date(s.start.getTime() - 48 * HOUR), kind: "appointment.reminder" }) });
      // Cancelled in the bookings table, the lead not yet moved (another path's race): no CONFIRMED row.
      await sql("UPDATE bookings SET status = 'CANCELLED', released_reason = 'test' WHERE id = $1", [lead.bookingId]);
      const at48 = lead.start.getTime() - 48 * HOUR + 60_000;
      await cronAt(at48, lead);
      await eventually(lead, at48, async () => {
        const [dropped] = await sql<{ n: number }>("SELECT count(*)::int AS n FROM system_events WHERE lead_id = $1 AND type = 'timer.dropped'", [lead.id]);
        expect(dropped?.n).toBe(1);
      });
      expect(await sentTo(lead.phone)).toEqual([]);
    },
    TEST_MS,
  );
});

describe("after the session through the cron", () => {
  it(
    "aftercare 2 h after the end; STOP stops the check-in, but the artist's day-after question and the settlement still come, applied once",
    async () => {
      const lead = await bookedLead({ windowEndsAt: () => new Date(Date.now() + 20 * HOUR), nextTimer: (s) => ({ at: new Date(s.end.getTime() + 2 * HOUR), kind: "aftercare.instructions" }) });
      // The reminders before the session are long past: marked, never sent (only the last of the track fires).
      await sql("UPDATE leads SET timers_fired = $2 WHERE id = $1", [lead.id, JSON.stringify([`appointment.reminder@${lead.start.toISOString()}`, `appointment.reminder_soon@${lead.start.toISOString()}`])]);
      const at2 = lead.end.getTime() + 2 * HOUR + 60_000;
      await cronAt(at2, lead);
      await eventually(lead, at2, async () => expect((await outboxOf(lead.id)).map((m) => m.copy_key)).toEqual(["aftercare.generic"]));

      const { response } = await clientSends({ from: lead.phone, text: "STOP" });
      expect(response.status).toBe(200);
      await settle(lead.phone);
      expect(await leadRow(lead.id)).toMatchObject({ status: "OPTOUT", resume_status: "BOOKED" });
      const clientSendsBefore = (await sentTo(lead.phone)).length;

      // Day 3: the check-in would be due, and the day-after and the settlement are: one per run.
      const day3 = lead.end.getTime() + 3 * DAY + 60_000;
      for (let run = 0; run < 4; run++) {
        await cronAt(day3, lead);
        await pause(QUEUE_QUIET_MS);
        await settle(lead.phone);
      }
      expect(await sentTo(lead.phone)).toHaveLength(clientSendsBefore);
      const artistNotes = (await outboxOf(lead.id)).filter((m) => m.to_phone !== lead.phone);
      expect(artistNotes.map((m) => m.copy_key)).toEqual(["timer.day_after.artist"]);
      expect(String(artistNotes[0]?.payload.body)).toContain(`Did ${lead.name} come`);
      expect(artistNotes[0]?.payload.url).toBe(`https://inkline.test/inbox/leads/${lead.id}`);

      const applied = (await ledgerOf(lead.id)).filter((e) => e.kind === "applied");
      expect(applied).toEqual([expect.objectContaining({ amountMinor: 10_000, reference: lead.bookingId, reason: "off_final_price" })]);
      expect(await leadRow(lead.id)).toMatchObject({ status: "OPTOUT", resume_status: "COMPLETED" });
      const kinds = await firedKinds(lead.id);
      expect(kinds.filter((k) => k === "booking.settle")).toHaveLength(1);
      expect(kinds).not.toContain("aftercare.check_in");
    },
    TEST_MS,
  );

  it(
    "settlement 48 h after the end: applied once however often the cron runs, BOOKED → COMPLETED",
    async () => {
      const lead = await bookedLead({ windowEndsAt: (s) => s.start, nextTimer: (s) => ({ at: new Date(s.end.getTime() + 48 * HOUR), kind: "booking.settle" }) });
      const at = lead.end.getTime() + 48 * HOUR + 60_000;
      await cronAt(at, lead);
      await cronAt(at, lead);
      await eventually(lead, at, async () => expect(await leadRow(lead.id)).toMatchObject({ status: "COMPLETED" }));
      for (let run = 0; run < 3; run++) {
        await cronAt(at + run * 5 * 60_000, lead);
        await pause(QUEUE_QUIET_MS);
        await settle(lead.phone);
      }
      const ledger = await ledgerOf(lead.id);
      expect(ledger.filter((e) => e.kind === "applied")).toHaveLength(1);
      expect(ledger.filter((e) => e.kind === "applied")[0]).toMatchObject({ amountMinor: 10_000, reference: lead.bookingId });
      const [transitions] = await sql<{ n: number }>("SELECT count(*)::int AS n FROM system_events WHERE lead_id = $1 AND type = 'lead.transition' AND payload->>'to' = 'COMPLETED'", [lead.id]);
      expect(transitions?.n).toBe(1);
    },
    TEST_MS,
  );
});
