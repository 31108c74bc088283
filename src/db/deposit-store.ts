/**
 * Deposit queries outside the lead's Durable Object: finding the lead a Stripe event belongs to
 * (by id, or by its payment for charge events), and the leads whose link's time is up with no
 * word from Stripe (the sweep). Reads only: every change goes through the lead's object.
 */
import { and, asc, eq, isNotNull, lt, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { leads } from "./schema.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface LeadAddress {
  id: string;
  /** The name of the lead's object (its conversation key: client-id.ts). */
  conversation: string;
}

/** SQL for client-id.ts conversationKeyOf(). */
export const conversation = sql<string>`coalesce(${leads.conversationKey}, ${leads.phoneE164}, ${leads.bsuid}, ${leads.id}::text)`;

/** The lead with this id (null for an id that is not even a uuid). */
export async function leadById(db: Database, id: string | null): Promise<LeadAddress | null> {
  if (id === null || !UUID.test(id)) return null;
  const [row] = await db.select({ id: leads.id, conversation }).from(leads).where(eq(leads.id, id));
  return row ?? null;
}

/** The lead whose deposit was paid with this PaymentIntent. */
export async function leadByPaymentIntent(db: Database, paymentIntentId: string | null): Promise<LeadAddress | null> {
  if (paymentIntentId === null) return null;
  const [row] = await db.select({ id: leads.id, conversation }).from(leads).where(eq(leads.stripePaymentIntentId, paymentIntentId));
  return row ?? null;
}

export interface LapsedLink extends LeadAddress {
  sessionId: string;
  linkExpiresAt: Date;
}

/** Leads still waiting on a deposit link that expired before `before`, oldest first. */
export async function lapsedDepositLinks(db: Database, before: Date, limit: number): Promise<LapsedLink[]> {
  const rows = await db
    .select({ id: leads.id, conversation, sessionId: leads.stripeCheckoutSessionId, linkExpiresAt: leads.depositLinkExpiresAt })
    .from(leads)
    .where(and(eq(leads.status, "AWAITING_DEPOSIT"), lt(leads.depositLinkExpiresAt, before), isNotNull(leads.stripeCheckoutSessionId)))
    .orderBy(asc(leads.depositLinkExpiresAt))
    .limit(limit);
  return rows.flatMap((r) => (r.sessionId === null || r.linkExpiresAt === null ? [] : [{ id: r.id, conversation: r.conversation, sessionId: r.sessionId, linkExpiresAt: r.linkExpiresAt }]));
}
