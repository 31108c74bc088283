/**
 * What this object knows about its Graph sends, in its own SQLite, written before anything else
 * is awaited so it survives a database error, a reset or a crash:
 *
 * - `sent_outbox`: sends Graph accepted (with the wamid). A retry after a failure finds the row
 *   here and marks it sent instead of sending it again.
 * - `send_attempts`: sends started whose answer never came back: the object was reset while
 *   Graph held the call, or the call timed out. Graph's `/messages` has no idempotency key, so
 *   such a send may or may not have reached the client. The row stays in doubt until Meta's
 *   status webhook (which echoes our outbox id as `biz_opaque_callback_data`) confirms it, or
 *   until the wait runs out and the send is made again.
 *
 * The object's output gate holds the Graph request until the attempt row is durable, so a send
 * can never be out without its attempt on disk.
 */

import { RETENTION_MS } from "./inbox.ts";

export class SendLedger {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS sent_outbox (outbox_id TEXT PRIMARY KEY, provider_message_id TEXT NOT NULL, sent_at INTEGER NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS send_attempts (outbox_id TEXT PRIMARY KEY, started_at INTEGER NOT NULL)");
    // Doubts settled by a status webhook, until the drain records that in Postgres.
    sql.exec("CREATE TABLE IF NOT EXISTS settled_by_status (outbox_id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
  }

  /** The wamid of an accepted send of the row, or null. */
  sentId(outboxId: string): string | null {
    const row = this.sql.exec<{ provider_message_id: string }>("SELECT provider_message_id FROM sent_outbox WHERE outbox_id = ?", outboxId).toArray()[0];
    return row?.provider_message_id ?? null;
  }

  /** When the row's unanswered send started, or null when none is in doubt. */
  inDoubtSince(outboxId: string): number | null {
    const row = this.sql.exec<{ started_at: number }>("SELECT started_at FROM send_attempts WHERE outbox_id = ?", outboxId).toArray()[0];
    return row?.started_at ?? null;
  }

  /** A send of the row is about to leave. */
  started(outboxId: string, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO send_attempts (outbox_id, started_at) VALUES (?, ?)", outboxId, now);
  }

  /** Graph accepted the row's send (its answer, or Meta's status webhook, says so). */
  accepted(outboxId: string, providerMessageId: string, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO sent_outbox (outbox_id, provider_message_id, sent_at) VALUES (?, ?, ?)", outboxId, providerMessageId, now);
    this.sql.exec("DELETE FROM send_attempts WHERE outbox_id = ?", outboxId);
    this.sql.exec("DELETE FROM sent_outbox WHERE sent_at < ?", now - RETENTION_MS);
  }

  /**
   * The row's send got no answer (a timeout, a dropped connection): in doubt from now, since
   * Graph may have taken it at any moment until the caller gave up.
   */
  unanswered(outboxId: string, now: number): void {
    this.started(outboxId, now);
  }

  /** Graph answered the row's send with a refusal: nothing went out, nothing is in doubt. */
  refused(outboxId: string): void {
    this.sql.exec("DELETE FROM send_attempts WHERE outbox_id = ?", outboxId);
  }

  /**
   * A status webhook names the row (its callback data): when a send of it is in doubt here, that
   * send reached Meta. Returns true when it settled a doubt.
   */
  confirm(outboxId: string, providerMessageId: string, now: number): boolean {
    if (this.inDoubtSince(outboxId) === null || this.sentId(outboxId) !== null) return false;
    this.accepted(outboxId, providerMessageId, now);
    this.sql.exec("INSERT OR REPLACE INTO settled_by_status (outbox_id, at) VALUES (?, ?)", outboxId, now);
    return true;
  }

  /** Whether a status webhook settled the row's doubt here (and that is not yet recorded). */
  settledByStatus(outboxId: string): boolean {
    return this.sql.exec("SELECT 1 FROM settled_by_status WHERE outbox_id = ?", outboxId).toArray().length > 0;
  }

  /** The settlement is recorded in Postgres. */
  forgetSettled(outboxId: string): void {
    this.sql.exec("DELETE FROM settled_by_status WHERE outbox_id = ?", outboxId);
  }

  /** Sends in doubt, for the debug view. */
  inDoubt(): { outboxId: string; startedAt: number }[] {
    return this.sql
      .exec<{ outbox_id: string; started_at: number }>("SELECT outbox_id, started_at FROM send_attempts ORDER BY started_at")
      .toArray()
      .map((r) => ({ outboxId: r.outbox_id, startedAt: r.started_at }));
  }
}
