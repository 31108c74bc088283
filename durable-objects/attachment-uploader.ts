/**
 * Reference images and documents: copies a lead's PENDING attachments from WhatsApp into R2.
 *
 * The LeadConversation drain loop calls it only when the client is owed nothing (outbox delivered,
 * no inbox item due), one attachment per call, so an upload never delays a reply. Each attempt
 * starts with a fresh media lookup (download URLs live five minutes); a failure is recorded on the
 * row with the shared backoff, and after RETRY_MAX_ATTEMPTS (or a permanent failure) the row is
 * FAILED with an `attachment.failed` system event. The conversation never waits on any of it.
 * A lead whose client opted out (or whose number is outside the pilot) gets nothing fetched: its
 * PENDING rows are dropped instead ({@link AttachmentUploader.dropPending}).
 */
import { graphConfigFrom } from "../src/adapters/whatsapp/graph-client.ts";
import { downloadMedia, fetchMediaMeta, type DownloadedMedia, type MediaFailure } from "../src/adapters/whatsapp/media.ts";
import type { AppConfig } from "../src/config.ts";
import { dropPendingAttachments, markAttachmentFailure, markAttachmentUploaded, pendingAttachments } from "../src/db/attachment-store.ts";
import type { DatabaseHandle } from "../src/db/client.ts";
import type { Attachment } from "../src/db/schema.ts";
import { backoffMs } from "../src/lib/backoff.ts";
import { describeError, type Logger } from "../src/lib/log.ts";

/** File extensions for the R2 key, by MIME type (anything else is stored as `.bin`). */
const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/heic": "heic",
  "image/heif": "heif",
  "application/pdf": "pdf",
  "text/plain": "txt",
};

/** Where an attachment lives in the bucket: `leads/<leadId>/<attachmentId>.<ext>`. */
export function attachmentKey(leadId: string, attachmentId: string, mimeType: string): string {
  return `leads/${leadId}/${attachmentId}.${EXTENSIONS[mimeType.toLowerCase()] ?? "bin"}`;
}

type Transfer = { ok: true; media: DownloadedMedia; r2Key: string; mimeType: string } | MediaFailure;

const dueAt = (row: Attachment): number => row.nextAttemptAt?.getTime() ?? 0;

export class AttachmentUploader {
  /** PENDING rows of the lead, soonest due first; null until loaded (or after a failure). */
  private queue: Attachment[] | null = null;
  private readonly bucket: R2Bucket;
  private readonly config: AppConfig;
  private readonly handle: () => DatabaseHandle;

  constructor(bucket: R2Bucket, config: AppConfig, handle: () => DatabaseHandle) {
    this.bucket = bucket;
    this.config = config;
    this.handle = handle;
  }

  private remove(id: string): void {
    if (this.queue) this.queue = this.queue.filter((r) => r.id !== id);
  }

  /** Drops the cached queue; the next call reloads it from Postgres. */
  forget(): void {
    this.queue = null;
  }

  /** Queues rows a decision just created (when not loaded, the next load finds them anyway). */
  add(rows: readonly Attachment[]): void {
    if (!this.queue || rows.length === 0) return;
    this.queue.push(...rows);
    this.queue.sort((a, b) => dueAt(a) - dueAt(b));
  }

  /** When the soonest PENDING attachment of the lead is due (ms), or null when none waits. */
  async nextDueAt(leadId: string): Promise<number | null> {
    this.queue ??= await pendingAttachments(this.handle().db, leadId);
    const head = this.queue[0];
    return head ? dueAt(head) : null;
  }

  /**
   * Drops every PENDING attachment of the lead unfetched (the client opted out, or the number is
   * outside the pilot): nothing more is downloaded or stored for it.
   */
  async dropPending(leadId: string, reason: string, log: Logger): Promise<void> {
    const dropped = await dropPendingAttachments(this.handle().db, leadId, reason, new Date());
    this.queue = [];
    log.info("attachment.not_kept", { lead_id: leadId, reason, dropped });
  }

  /** Makes one attempt at the soonest attachment and records its outcome. */
  async uploadNext(log: Logger): Promise<void> {
    const row = this.queue?.[0];
    if (!row) return;
    const started = Date.now();
    const attempts = row.attempts + 1;
    const fields = { lead_id: row.leadId, attachment_id: row.id, source_message_id: row.sourceMessageId, attempts };
    const result = await this.transfer(row);
    const db = this.handle().db;
    const now = new Date();
    if (result.ok) {
      const { media, r2Key, mimeType } = result;
      await markAttachmentUploaded(db, row.id, { attempts, r2Key, sha256: media.sha256, sizeBytes: media.sizeBytes, mimeType }, now);
      this.remove(row.id);
      log.info("attachment.uploaded", { ...fields, size: media.sizeBytes, mime_type: mimeType, latency_ms: Date.now() - started });
      return;
    }
    const final = !result.retryable || attempts >= this.config.RETRY_MAX_ATTEMPTS;
    const next = final ? null : new Date(now.getTime() + backoffMs(this.config.RETRY_BASE_MS, attempts, Math.random()));
    const updated = await markAttachmentFailure(db, row, { attempts, code: result.code, error: result.message, nextAttemptAt: next }, now);
    this.remove(row.id);
    const failure = { ...fields, code: result.code, error: result.message, retryable: result.retryable, latency_ms: Date.now() - started };
    if (!next) {
      log.error("attachment.failed", failure);
      return;
    }
    this.add([updated]);
    log.warn("attachment.retry", { ...failure, next_attempt_at: next.toISOString() });
  }

  /** Lookup, download, store. Graph and R2 failures come back as values; only bugs throw. */
  private async transfer(row: Attachment): Promise<Transfer> {
    const graph = graphConfigFrom(this.config);
    const meta = await fetchMediaMeta(graph, row.providerMediaId);
    if (!meta.ok) return meta;
    const download = await downloadMedia(graph, meta.value.url, { sha256: meta.value.sha256 });
    if (!download.ok) return download;
    const media = download.value;
    const mimeType = meta.value.mimeType || media.contentType || row.mimeType || "application/octet-stream";
    const r2Key = attachmentKey(row.leadId, row.id, mimeType);
    try {
      // Same key on every attempt: a retry after a lost database write overwrites, never duplicates.
      await this.bucket.put(r2Key, media.bytes, {
        httpMetadata: { contentType: mimeType },
        customMetadata: {
          lead_id: row.leadId,
          attachment_id: row.id,
          provider_media_id: row.providerMediaId,
          source_message_id: row.sourceMessageId ?? "",
        },
        sha256: media.sha256,
      });
    } catch (error) {
      return { ok: false, retryable: true, code: "r2_put", message: describeError(error) };
    }
    return { ok: true, media, r2Key, mimeType };
  }
}
