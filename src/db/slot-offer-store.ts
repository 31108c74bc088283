/**
 * Freed-slot offers in Postgres (`slot_offers`; the rules are src/domain/freed-slots.ts, the job
 * src/jobs/slot-freed.ts). The unique indexes do the refereeing: one OFFERED row per freed
 * interval, one row per client per interval, so a redelivered or concurrent job never offers
 * twice. Closing a row is a conditional update (only an OFFERED row closes), so a late answer and
 * the deadline sweep cannot both close it.
 */
import { and, asc, desc, eq, getTableColumns, inArray, isNotNull, lte, sql } from "drizzle-orm";
import type { SessionSize } from "../domain/gap-search.ts";
import { WAITING_STATUSES, type WaitingLead } from "../domain/freed-slots.ts";
import type { Database } from "./client.ts";
import { leadAnswers, leads, slotOffers, type SlotOfferRow } from "./schema.ts";

/** How many waiting leads one run looks at (longest waiting first). */
export const WAITING_SCAN_LIMIT = 500;

export interface FreedInterval {
  artistId: string;
  start: Date;
  end: Date;
}

const sameInterval = (i: FreedInterval) => and(eq(slotOffers.artistId, i.artistId), eq(slotOffers.freedStart, i.start), eq(slotOffers.freedEnd, i.end));

function sessionSize(category: string | null, days: number | null): SessionSize | null {
  if (category === "SMALL" || category === "MEDIUM" || category === "LARGE") return { category };
  if (category === "XL") return { category: "XL", days: Math.max(1, days ?? 1) };
  return null;
}

/** A waiting lead as the offer goes out: where its object is. */
export interface WaitingLeadRow extends WaitingLead {
  conversation: string;
}

/**
 * Leads that may be waiting for a freed slot, longest waiting first, each with its newest timing
 * answer; leads with an open offer (for any freed time) are left out.
 */
export async function waitingLeads(db: Database, limit = WAITING_SCAN_LIMIT): Promise<WaitingLeadRow[]> {
  const timing = db
    .select({ value: leadAnswers.value })
    .from(leadAnswers)
    .where(and(eq(leadAnswers.leadId, leads.id), eq(leadAnswers.questionKey, "timing")))
    .orderBy(sql`${leadAnswers.seq} DESC`)
    .limit(1);
  const rows = await db
    .select({
      id: leads.id,
      conversation: sql<string>`coalesce(${leads.conversationKey}, ${leads.phoneE164})`,
      status: leads.status,
      waitingSince: leads.statusChangedAt,
      sizeCategory: leads.sizeCategory,
      estimatedDays: leads.estimatedDays,
      deposit: leads.depositAmountMinor,
      waitlistCity: leads.waitlistCity,
      optedOut: leads.optedOut,
      timing: sql<unknown>`(${timing})`,
    })
    .from(leads)
    .where(
      and(
        inArray(leads.status, [...WAITING_STATUSES]),
        eq(leads.optedOut, false),
        isNotNull(leads.depositAmountMinor),
        isNotNull(leads.sizeCategory),
        sql`NOT EXISTS (SELECT 1 FROM ${slotOffers} WHERE ${slotOffers.leadId} = ${leads.id} AND ${slotOffers.outcome} = 'OFFERED')`,
      ),
    )
    .orderBy(asc(leads.statusChangedAt), asc(leads.id))
    .limit(limit);
  return rows.flatMap((r) =>
    r.conversation === null
      ? []
      : [
          {
            id: r.id,
            conversation: r.conversation,
            status: r.status,
            waitingSince: r.waitingSince,
            timing: r.timing ?? null,
            size: sessionSize(r.sizeCategory, r.estimatedDays),
            hasDeposit: r.deposit !== null,
            waitlistCity: r.waitlistCity,
            optedOut: r.optedOut,
          },
        ],
  );
}

/** Every offer of the freed interval so far (oldest first). */
export function offersOf(db: Database, interval: FreedInterval): Promise<SlotOfferRow[]> {
  return db.select().from(slotOffers).where(sameInterval(interval)).orderBy(asc(slotOffers.offeredAt));
}

export interface NewOffer extends FreedInterval {
  leadId: string;
  slotStart: Date;
  slotEnd: Date;
  now: Date;
  deadline: Date;
}

/** Records the offer; null when another offer of the interval is open, or the lead had this one before. */
export async function insertOffer(db: Database, offer: NewOffer): Promise<SlotOfferRow | null> {
  const [row] = await db
    .insert(slotOffers)
    .values({
      artistId: offer.artistId,
      freedStart: offer.start,
      freedEnd: offer.end,
      leadId: offer.leadId,
      slotStart: offer.slotStart,
      slotEnd: offer.slotEnd,
      offeredAt: offer.now,
      deadline: offer.deadline,
    })
    .onConflictDoNothing()
    .returning();
  return row ?? null;
}

export type ClosedOutcome = "ACCEPTED" | "DECLINED" | "LOST" | "LAPSED" | "SKIPPED";

/** Closes an open offer; null when it was not open (closed already, by whoever came first). */
export async function closeOffer(db: Database, rowId: string, outcome: ClosedOutcome, now: Date): Promise<SlotOfferRow | null> {
  const [row] = await db
    .update(slotOffers)
    .set({ outcome, answeredAt: now, updatedAt: now })
    .where(and(eq(slotOffers.id, rowId), eq(slotOffers.outcome, "OFFERED")))
    .returning();
  return row ?? null;
}

/** One offer by id. */
export async function getOffer(db: Database, rowId: string): Promise<SlotOfferRow | null> {
  const [row] = await db.select().from(slotOffers).where(eq(slotOffers.id, rowId)).limit(1);
  return row ?? null;
}

/** Open offers whose deadline has passed at `now` (soonest first). */
export function lapsedOffers(db: Database, now: Date, limit: number): Promise<SlotOfferRow[]> {
  return db
    .select()
    .from(slotOffers)
    .where(and(eq(slotOffers.outcome, "OFFERED"), lte(slotOffers.deadline, now)))
    .orderBy(asc(slotOffers.deadline))
    .limit(limit);
}

/**
 * The accepted freed-slot offer a hold was taken on (the lead said yes to that session), or null:
 * when such a hold lapses unpaid, the freed interval goes to the next client waiting.
 */
export async function acceptedOfferFor(db: Database, hold: { artistId: string; leadId: string; start: Date }): Promise<SlotOfferRow | null> {
  const [row] = await db
    .select()
    .from(slotOffers)
    .where(and(eq(slotOffers.artistId, hold.artistId), eq(slotOffers.leadId, hold.leadId), eq(slotOffers.slotStart, hold.start), eq(slotOffers.outcome, "ACCEPTED")))
    .orderBy(desc(slotOffers.answeredAt))
    .limit(1);
  return row ?? null;
}

/** An offer with the client's name, for the admin API and the inbox. */
export interface OfferWithClient extends SlotOfferRow {
  clientName: string | null;
}

/** Every offer of the freed interval with the clients' names (oldest first), at most `limit`. */
export function offersWithClients(db: Database, interval: FreedInterval, limit = 100): Promise<OfferWithClient[]> {
  return db
    .select({ ...getTableColumns(slotOffers), clientName: leads.displayName })
    .from(slotOffers)
    .innerJoin(leads, eq(leads.id, slotOffers.leadId))
    .where(sameInterval(interval))
    .orderBy(asc(slotOffers.offeredAt), asc(slotOffers.createdAt))
    .limit(limit);
}

/** The freed times offered to one client, newest first (the inbox's lead page). */
export function offersToLead(db: Database, leadId: string, limit = 20): Promise<SlotOfferRow[]> {
  return db.select().from(slotOffers).where(eq(slotOffers.leadId, leadId)).orderBy(desc(slotOffers.offeredAt)).limit(limit);
}
