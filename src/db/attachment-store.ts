/**
 * Attachment bookkeeping for the LeadConversation Durable Object: the lead's PENDING attachments,
 * and the outcome of each upload attempt (UPLOADED, retry later, or FAILED for good).
 *
 * Rows are created by `applyDecision` (in the decision's transaction); this module only moves
 * them forward. A row leaves PENDING exactly once.
 */
import { and, asc, count, eq, sql } from "drizzle-orm";
import type { Database } from "./client.ts";
import { attachments, systemEvents, type ATTACHMENT_STATUSES, type Attachment } from "./schema.ts";

export const AttachmentStatus = {
  PENDING: "PENDING",
  UPLOADED: "UPLOADED",
  FAILED: "FAILED",
} as const satisfies Record<(typeof ATTACHMENT_STATUSES)[number], string>;

/** How many attachments the lead has (whatever their upload status): the summary's image count. */
export async function countAttachments(db: Database, leadId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(attachments).where(eq(attachments.leadId, leadId));
  return row?.n ?? 0;
}

/** A lead's attachments still to upload, the soonest due first. */
export function pendingAttachments(db: Database, leadId: string): Promise<Attachment[]> {
  return db
    .select()
    .from(attachments)
    .where(and(eq(attachments.leadId, leadId), eq(attachments.status, AttachmentStatus.PENDING)))
    .orderBy(sql`${attachments.nextAttemptAt} ASC NULLS FIRST`, asc(attachments.createdAt));
}

export interface StoredObject {
  attempts: number;
  r2Key: string;
  sha256: string;
  sizeBytes: number;
  mimeType: string;
}

/** Records a successful upload; returns the updated row. */
export async function markAttachmentUploaded(db: Database, id: string, stored: StoredObject, now: Date): Promise<Attachment> {
  const [row] = await db
    .update(attachments)
    .set({
      status: AttachmentStatus.UPLOADED,
      r2Key: stored.r2Key,
      sha256: stored.sha256,
      sizeBytes: stored.sizeBytes,
      mimeType: stored.mimeType,
      attempts: stored.attempts,
      nextAttemptAt: null,
      lastError: null,
      updatedAt: now,
    })
    .where(eq(attachments.id, id))
    .returning();
  if (!row) throw new Error(`attachment ${id} vanished`);
  return row;
}

export interface AttemptFailure {
  attempts: number;
  code: string;
  error: string;
  /** When to try again; null: never (the row becomes FAILED and an `attachment.failed` event is recorded). */
  nextAttemptAt: Date | null;
}

/** Records a failed attempt: PENDING with its next try, or FAILED (with its system event) when there is none. */
export function markAttachmentFailure(db: Database, row: Attachment, failure: AttemptFailure, now: Date): Promise<Attachment> {
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(attachments)
      .set({
        status: failure.nextAttemptAt ? AttachmentStatus.PENDING : AttachmentStatus.FAILED,
        attempts: failure.attempts,
        nextAttemptAt: failure.nextAttemptAt,
        lastError: `${failure.code}: ${failure.error}`.slice(0, 500),
        updatedAt: now,
      })
      .where(eq(attachments.id, row.id))
      .returning();
    if (!updated) throw new Error(`attachment ${row.id} vanished`);
    if (!failure.nextAttemptAt) {
      await tx.insert(systemEvents).values({
        type: "attachment.failed",
        level: "error",
        leadId: row.leadId,
        payload: {
          attachment_id: row.id,
          provider_media_id: row.providerMediaId,
          source_message_id: row.sourceMessageId,
          attempts: failure.attempts,
          code: failure.code,
          error: failure.error.slice(0, 300),
        },
      });
    }
    return updated;
  });
}

/**
 * Gives up on every PENDING attachment of a lead without fetching it (the client opted out, or the
 * number left the pilot, after sending it): FAILED with `not_kept: <reason>`, and one
 * `attachment.not_kept` system event naming them, in one statement. Returns how many.
 */
export async function dropPendingAttachments(db: Database, leadId: string, reason: string, now: Date): Promise<number> {
  const { rows } = await db.execute<{ dropped: number }>(sql`
    with dropped as (
      update attachments
         set status = ${AttachmentStatus.FAILED}, next_attempt_at = null, last_error = ${`not_kept: ${reason}`}, updated_at = ${now.toISOString()}::timestamptz
       where lead_id = ${leadId}::uuid and status = ${AttachmentStatus.PENDING}
      returning id
    ),
    logged as (
      insert into system_events (level, type, lead_id, payload)
      select 'info', 'attachment.not_kept', ${leadId}::uuid,
             jsonb_build_object('reason', ${reason}::text, 'attachment_ids', jsonb_agg(id), 'pending', true)
        from dropped
      having count(*) > 0
    )
    select count(*)::int as dropped from dropped`);
  return rows[0]?.dropped ?? 0;
}
