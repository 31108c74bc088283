/**
 * Web inbox sessions in Postgres (`inbox_sessions`): a row per sign-in, read by primary key on
 * every signed-in request, revoked on sign-out, deleted by the cron once expired or issued under
 * a signing key that is no longer ours. Only the SHA-256 of the cookie's nonce is stored.
 */
import { and, eq, isNull, lte, ne, or } from "drizzle-orm";
import type { StoredSession } from "../lib/session.ts";
import type { Database } from "./client.ts";
import { inboxSessions } from "./schema.ts";

/** A session to record at sign-in. */
export interface NewInboxSession {
  id: string;
  keyFingerprint: string;
  createdAt: Date;
  expiresAt: Date;
}

/** Records a new session (its id is fresh: a collision would be a bug and throws). */
export async function recordInboxSession(db: Database, session: NewInboxSession): Promise<void> {
  await db.insert(inboxSessions).values(session);
}

/** The session's row, or undefined. */
export async function findInboxSession(db: Database, id: string): Promise<StoredSession | undefined> {
  const [row] = await db
    .select({ keyFingerprint: inboxSessions.keyFingerprint, expiresAt: inboxSessions.expiresAt, revokedAt: inboxSessions.revokedAt })
    .from(inboxSessions)
    .where(eq(inboxSessions.id, id));
  return row;
}

/** Revokes a session at `now` (signing out); a session already revoked keeps its first time. */
export async function revokeInboxSession(db: Database, id: string, now: Date): Promise<void> {
  await db.update(inboxSessions).set({ revokedAt: now }).where(and(eq(inboxSessions.id, id), isNull(inboxSessions.revokedAt)));
}

/**
 * Deletes the rows no request can use any more: expired by `now`, or issued under a signing key
 * other than `currentFingerprint` (the admin key was rotated; null: no admin key, so every row).
 * Returns how many went.
 */
export async function deleteLapsedInboxSessions(db: Database, now: Date, currentFingerprint: string | null): Promise<number> {
  const lapsed = currentFingerprint === null ? undefined : or(lte(inboxSessions.expiresAt, now), ne(inboxSessions.keyFingerprint, currentFingerprint));
  const deleted = await db.delete(inboxSessions).where(lapsed).returning({ id: inboxSessions.id });
  return deleted.length;
}
