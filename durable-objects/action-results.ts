/**
 * Outcomes of artist actions, kept in the Durable Object's SQLite so the caller that queued an
 * action (`act()`) can read what happened to it once the drain loop has processed it, and a
 * replayed request (same event id) gets the same answer. Pruned with the inbox, after 8 days.
 */
import { RETENTION_MS } from "./inbox.ts";
import type { ActionOutcome } from "../src/domain/artist-actions.ts";


export class ActionResults {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS action_results (event_id TEXT PRIMARY KEY, outcome TEXT NOT NULL, at INTEGER NOT NULL)");
  }

  record(eventId: string, outcome: ActionOutcome, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO action_results (event_id, outcome, at) VALUES (?, ?, ?)", eventId, JSON.stringify(outcome), now);
    this.sql.exec("DELETE FROM action_results WHERE at < ?", now - RETENTION_MS);
  }

  get(eventId: string): ActionOutcome | null {
    const row = this.sql.exec<{ outcome: string }>("SELECT outcome FROM action_results WHERE event_id = ?", eventId).toArray()[0];
    // Written by this class from a typed value; never from outside input.
    return row ? (JSON.parse(row.outcome) as ActionOutcome) : null;
  }
}
