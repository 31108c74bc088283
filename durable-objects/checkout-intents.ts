/**
 * Checkout intents, in the Durable Object's own SQLite: the exact parameters and idempotency key
 * of each deposit link (one per lead and attempt), written before Stripe is called.
 *
 * Why: Stripe replays an idempotency key's first answer only when the parameters are the same,
 * and a retried step decides again at a later `now` (so a later `expires_at`). Reusing the stored
 * parameters makes every retry of an attempt the same request: one Checkout Session, however
 * often the step runs. An intent is replaced (with a new key) only when Stripe could no longer
 * honour it: older than Stripe keeps keys (24 h), its link within 30 minutes of expiring, or the
 * amount changed underneath it.
 */
import { RETENTION_MS } from "./inbox.ts";
import type Stripe from "stripe";

/** Stripe keeps idempotency keys for at least 24 hours; stay inside that. */
const KEY_LIFETIME_MS = 23 * 60 * 60 * 1000;
/** Stripe refuses a session that expires sooner than 30 minutes after it is created. */
const MIN_REMAINING_MS = 31 * 60 * 1000;

export interface CheckoutIntent {
  idempotencyKey: string;
  params: Stripe.Checkout.SessionCreateParams;
}

type Row = { idempotency_key: string; params: string; fingerprint: string; created_at: number };

export class CheckoutIntents {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS checkout_intents (
      lead_id TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      idempotency_key TEXT NOT NULL,
      params TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (lead_id, attempt)
    )`);
  }

  /**
   * The intent for a lead's attempt: the stored one while Stripe can still honour it, else a new
   * one built by `build` (stored before it is used). `fingerprint` names what must not change
   * between retries (amount, currency).
   */
  prepare(leadId: string, attempt: number, fingerprint: string, now: number, build: () => Stripe.Checkout.SessionCreateParams): CheckoutIntent {
    const row = this.sql
      .exec<Row>("SELECT idempotency_key, params, fingerprint, created_at FROM checkout_intents WHERE lead_id = ? AND attempt = ?", leadId, attempt)
      .toArray()[0];
    if (row) {
      // Written by this class from a typed value; never from outside input.
      const params = JSON.parse(row.params) as Stripe.Checkout.SessionCreateParams;
      const expiresAtMs = (params.expires_at ?? 0) * 1000;
      const usable = row.fingerprint === fingerprint && now - row.created_at < KEY_LIFETIME_MS && expiresAtMs - now > MIN_REMAINING_MS;
      if (usable) return { idempotencyKey: row.idempotency_key, params };
    }
    const base = `inkline:deposit:${leadId}:${attempt}`;
    const intent = { idempotencyKey: row ? `${base}:${now}` : base, params: build() };
    this.sql.exec(
      "INSERT OR REPLACE INTO checkout_intents (lead_id, attempt, idempotency_key, params, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      leadId,
      attempt,
      intent.idempotencyKey,
      JSON.stringify(intent.params),
      fingerprint,
      now,
    );
    this.sql.exec("DELETE FROM checkout_intents WHERE created_at < ?", now - RETENTION_MS);
    return intent;
  }

  /** Forgets an intent Stripe refused outright, so the next try builds the request afresh. */
  discard(leadId: string, attempt: number): void {
    this.sql.exec("DELETE FROM checkout_intents WHERE lead_id = ? AND attempt = ?", leadId, attempt);
  }
}
