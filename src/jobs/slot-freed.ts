/**
 * `booking.slot_freed`: a booking's time was freed; offer it to the next client waiting, one at a
 * time with a deadline (issue 18, item 7). Who is next is pure (src/domain/freed-slots.ts); this
 * module reads, records and delivers:
 *
 * 1. the interval's offers so far (`slot_offers`): an open one past its deadline is closed
 *    (LAPSED) and its lead's object told to withdraw it; an open one still running means wait (its
 *    offer is handed to the lead's object again: a lost delivery is repaired, a duplicate ignored);
 * 2. the artist's calendar, read just now (our holds and bookings, Google's busy time): a slot held
 *    or booked meanwhile is never offered;
 * 3. the waiting leads, matched and ordered; the first gets a `slot_offers` row (the unique
 *    indexes make a concurrent or redelivered run lose quietly) and the offer, through its object's
 *    inbox, so it is decided in turn with the client's messages.
 *
 * `now` is the job's: the event's time, or the cron run's scheduled time.
 */
import { eq, sql } from "drizzle-orm";
import { artistCalendar } from "../../durable-objects/artist-calendar.ts";
import type { FreedOfferPayload, FreedWithdrawPayload } from "../../durable-objects/inbox.ts";
import { calendarConfigured, requireConfig } from "../config.ts";
import { getArtist } from "../db/artists-store.ts";
import { connectPatiently, openDatabase, type Database } from "../db/client.ts";
import { leads, type SlotOfferRow } from "../db/schema.ts";
import { closeOffer, insertOffer, offersOf, waitingLeads, type FreedInterval } from "../db/slot-offer-store.ts";
import { cityOfSlot, nextWaiting, offerDeadline, offerLapsed } from "../domain/freed-slots.ts";
import { slotLabel } from "../domain/gap-search.ts";
import type { Logger } from "../lib/log.ts";
import type { SlotFreedJob } from "./messages.ts";

/** What a run did (logged). */
export type SlotFreedOutcome = "calendar_off" | "unknown_artist" | "bad_interval" | "waiting" | "nobody" | "raced" | "offered";

/** The job for a freed interval, "now" being when it was freed (or answered, or lapsed). */
export function slotFreedJob(freed: { artistId: string; start: Date; end: Date; now: Date; correlationId?: string }): SlotFreedJob {
  return {
    kind: "booking.slot_freed",
    ...(freed.correlationId ? { correlationId: freed.correlationId } : {}),
    artistId: freed.artistId,
    startsAt: freed.start.toISOString(),
    endsAt: freed.end.toISOString(),
    now: freed.now.toISOString(),
  };
}

/**
 * Puts a freed interval on the jobs queue: call it when a booking's time is freed (a cancel, a
 * move), with the time of that event as `now`.
 */
export async function enqueueSlotFreed(queue: Queue, freed: Parameters<typeof slotFreedJob>[0]): Promise<void> {
  await queue.send(slotFreedJob(freed), { contentType: "json" });
}

async function conversationOf(db: Database, leadId: string): Promise<string | null> {
  const [row] = await db.select({ conversation: sql<string | null>`coalesce(${leads.conversationKey}, ${leads.phoneE164})` }).from(leads).where(eq(leads.id, leadId)).limit(1);
  return row?.conversation ?? null;
}

function offerPayload(row: SlotOfferRow, conversation: string, zone: string, now: Date): FreedOfferPayload {
  const label = slotLabel({ start: row.slotStart, end: row.slotEnd }, zone);
  const until = slotLabel({ start: row.deadline, end: new Date(row.deadline.getTime() + 60_000) }, zone);
  return {
    type: "freed.offer",
    eventId: `freed:${row.id}`,
    phone: conversation,
    leadId: row.leadId,
    rowId: row.id,
    startMs: row.slotStart.getTime(),
    endMs: row.slotEnd.getTime(),
    label: `${label.day}, ${label.time}`,
    timeZone: zone,
    deadlineMs: row.deadline.getTime(),
    deadlineLabel: `${until.day}, ${until.time.split("–")[0] ?? ""}`,
    nowMs: now.getTime(),
  };
}

/** One run of the job: closes what lapsed, then offers the freed time to the next client (or says why not). */
export async function offerFreedSlot(job: SlotFreedJob, env: Env, log: Logger, correlationId: string): Promise<SlotFreedOutcome> {
  const config = requireConfig(env);
  if (!calendarConfigured(config)) return "calendar_off";
  const now = new Date(job.now);
  const interval: FreedInterval = { artistId: job.artistId, start: new Date(job.startsAt), end: new Date(job.endsAt) };
  if (!(interval.end.getTime() > interval.start.getTime())) {
    log.warn("freed.bad_interval", { artist_id: job.artistId, starts_at: job.startsAt, ends_at: job.endsAt });
    return "bad_interval";
  }
  const about = { artist_id: interval.artistId, freed_start: job.startsAt, freed_end: job.endsAt, now: job.now };
  const handle = openDatabase(config, { max: 1 });
  try {
    await connectPatiently(handle);
    const db = handle.db;
    const artist = await getArtist(db, interval.artistId);
    if (!artist) return "unknown_artist";
    const zone = artist.availability.timeZone;
    const send = async (item: FreedOfferPayload | FreedWithdrawPayload) => {
      await env.LEAD_CONVERSATION.getByName(item.phone).receive([item], correlationId);
    };

    const offers = await offersOf(db, interval);
    for (const open of offers.filter((o) => o.outcome === "OFFERED")) {
      const conversation = await conversationOf(db, open.leadId);
      if (offerLapsed(open.deadline, now)) {
        const closed = await closeOffer(db, open.id, "LAPSED", now);
        log.info("freed.offer_lapsed", { ...about, row_id: open.id, lead_id: open.leadId, closed: closed !== null });
        if (closed && conversation) await send({ type: "freed.withdraw", eventId: `freed-withdraw:${open.id}`, phone: conversation, leadId: open.leadId, rowId: open.id, nowMs: now.getTime() });
        continue;
      }
      // Still running: hand it over again (the inbox drops a duplicate), and wait for the answer.
      if (conversation) await send(offerPayload(open, conversation, zone, now));
      log.info("freed.waiting", { ...about, row_id: open.id, lead_id: open.leadId, deadline: open.deadline.toISOString() });
      return "waiting";
    }

    // The calendar right before the offer: what is held or booked now is busy.
    const view = await artistCalendar(env, interval.artistId).view(now);
    if (view === null) throw new Error("the artist's calendar could not be read");
    const waiting = await waitingLeads(db);
    const next = nextWaiting({
      freed: interval,
      rules: view.rules,
      busy: view.busy,
      now,
      city: cityOfSlot(interval.start, zone, config.TOUR_SCHEDULE, config.STUDIO_CITY ?? null),
      leads: waiting,
      tried: new Set(offers.map((o) => o.leadId)),
    });
    if (!next) {
      log.info("freed.nobody", { ...about, tried: offers.length, waiting: waiting.length });
      return "nobody";
    }
    const row = await insertOffer(db, { ...interval, leadId: next.leadId, slotStart: next.slot.start, slotEnd: next.slot.end, now, deadline: offerDeadline(now, config.FREED_OFFER_HOURS) });
    if (!row) {
      log.info("freed.raced", { ...about, lead_id: next.leadId });
      return "raced";
    }
    const conversation = waiting.find((w) => w.id === next.leadId)?.conversation;
    if (conversation) await send(offerPayload(row, conversation, zone, now));
    log.info("freed.offered", { ...about, row_id: row.id, lead_id: next.leadId, status: next.status, slot_start: row.slotStart.toISOString(), deadline: row.deadline.toISOString() });
    return "offered";
  } finally {
    await handle.close().catch(() => undefined);
  }
}
