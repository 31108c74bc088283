/**
 * What the ArtistDesk object reads and writes in Postgres: the facts of the artist's digest, the
 * claim of a digest slot (sent once, whoever asks twice), and one-tap tokens for the digest's
 * buttons (stored as their SHA-256, like every token).
 */
import { and, asc, count, eq, gt, isNull, lt, or, type SQL } from "drizzle-orm";
import { ACTION_ALLOWED_FROM, type ArtistAction } from "../domain/artist-actions.ts";
import type { DigestFacts } from "../domain/digest.ts";
import { LeadStatus } from "../domain/lead-status.ts";
import { randomToken, sha256Hex } from "../lib/crypto.ts";
import { agenda } from "./booking-store.ts";
import type { Database } from "./client.ts";
import { actionTokens, artists, leads } from "./schema.ts";

/** Leads named per line of the digest; the rest are counted. */
const LIST_LIMIT = 20;

const leadName = (row: { displayName: string | null; username: string | null }, unknown: string) => row.displayName ?? row.username ?? unknown;

/**
 * The digest's facts at `now`: leads waiting for approval (oldest first), handovers waiting for a
 * reply, deposits paid since `since` (the last digest slot; null: the last day), today's sessions.
 */
export async function digestFacts(db: Database, artistId: string, now: Date, since: Date | null, today: { start: Date; end: Date }, unknownName: string): Promise<DigestFacts> {
  const columns = { id: leads.id, displayName: leads.displayName, username: leads.username };
  const total = async (where: SQL | undefined) => (await db.select({ n: count() }).from(leads).where(where))[0]?.n ?? 0;
  const isWaiting = eq(leads.status, LeadStatus.PENDING_APPROVAL);
  const isHandover = eq(leads.status, LeadStatus.NEEDS_ARTIST_REPLY);
  const from = since ?? new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const isPaid = and(gt(leads.depositPaidAt, from), lt(leads.depositPaidAt, now));
  const waiting = await db.select(columns).from(leads).where(isWaiting).orderBy(asc(leads.statusChangedAt), asc(leads.id)).limit(LIST_LIMIT);
  const handovers = await db.select(columns).from(leads).where(isHandover).orderBy(asc(leads.statusChangedAt), asc(leads.id)).limit(LIST_LIMIT);
  const paid = await db.select(columns).from(leads).where(isPaid).orderBy(asc(leads.depositPaidAt), asc(leads.id)).limit(LIST_LIMIT);
  const sessions = (await agenda(db, artistId, today.start, 50)).filter((s) => s.status === "CONFIRMED" && s.startsAt.getTime() < today.end.getTime());
  const named = (rows: typeof waiting) => rows.map((r) => ({ id: r.id, name: leadName(r, unknownName) }));
  return {
    awaitingApproval: named(waiting),
    handovers: named(handovers),
    depositsPaid: named(paid),
    sessionsToday: sessions.map((s) => ({ name: s.clientName ?? unknownName, startsAt: s.startsAt })),
    totals: {
      awaitingApproval: waiting.length < LIST_LIMIT ? waiting.length : await total(isWaiting),
      handovers: handovers.length < LIST_LIMIT ? handovers.length : await total(isHandover),
      depositsPaid: paid.length < LIST_LIMIT ? paid.length : await total(isPaid),
    },
  };
}

/** The artist's digest settings and the last slot sent. */
export async function digestState(db: Database, artistId: string): Promise<{ digestHour: number | null; digestSentSlot: Date | null } | null> {
  const [row] = await db.select({ digestHour: artists.digestHour, digestSentSlot: artists.digestSentSlot }).from(artists).where(eq(artists.id, artistId));
  return row ?? null;
}

/** Claims `slot` for sending: true once per slot (a repeated or overlapping run gets false). */
export async function claimDigestSlot(db: Database, artistId: string, slot: Date): Promise<boolean> {
  const rows = await db
    .update(artists)
    .set({ digestSentSlot: slot })
    .where(and(eq(artists.id, artistId), or(isNull(artists.digestSentSlot), lt(artists.digestSentSlot, slot))))
    .returning({ id: artists.id });
  return rows.length > 0;
}

/** Gives a claimed slot back (the digest could not be sent): the queue's retry claims it again. */
export async function releaseDigestSlot(db: Database, artistId: string, slot: Date, previous: Date | null): Promise<void> {
  await db.update(artists).set({ digestSentSlot: previous }).where(and(eq(artists.id, artistId), eq(artists.digestSentSlot, slot)));
}

/** Mints one-tap tokens for a lead's digest buttons; returns each action's token (in clear, for the ids only). */
export async function mintDigestTokens(db: Database, leadId: string, actions: readonly ArtistAction[], expiresAt: Date): Promise<{ action: ArtistAction; token: string }[]> {
  const minted = actions.map((action) => ({ action, token: randomToken(32) }));
  const rows = await Promise.all(
    minted.map(async ({ action, token }) => ({ tokenHash: await sha256Hex(token), leadId, action, allowedStatuses: [...ACTION_ALLOWED_FROM[action]], expiresAt })),
  );
  if (rows.length > 0) await db.insert(actionTokens).values(rows);
  return minted;
}
