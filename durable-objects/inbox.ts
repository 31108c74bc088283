/**
 * The Durable Object's own SQLite inbox: every inbound item for the lead, in arrival order.
 *
 * Rows are kept (marked done) after processing so a redelivered event id is still recognised as a
 * duplicate without asking Postgres; done rows are pruned after Meta's 7-day retry horizon.
 */
import type { DeliveryStatus, SkippedPart } from "../src/adapters/whatsapp/webhook-schema.ts";
import type { ActionVia, ArtistAction } from "../src/domain/artist-actions.ts";
import type { RejectReason } from "../src/domain/artist-desk.ts";
import type { PaymentEvent } from "../src/domain/deposit.ts";
import type { TimerBasisSeen } from "../src/domain/engine/timers.ts";
import type { InboundMessage } from "../src/domain/messages.ts";
import type { TimerKind } from "../src/domain/timers.ts";

/**
 * The artist acts on the lead (a one-tap link or the admin API). Queued like a client message so
 * the two never race; `tokenHash` (links only) is checked and consumed inside the object.
 */
export interface ArtistActionPayload {
  type: "artist.action";
  /** "link:<uuid>", "admin:<idempotency key>" or "inbox:<form id>": one per request, the processed-event marker. */
  eventId: string;
  /** The lead's conversation key (the object's name: its number, or its BSUID without one). */
  phone: string;
  /** The lead the caller means; refused when it is not this object's lead. */
  leadId: string;
  action: ArtistAction;
  reason: string | null;
  via: ActionVia;
  tokenHash: string | null;
  /** override_deposit only: the deposit's new outcome. */
  fate?: "credit" | "forfeit" | "refund" | null;
  /** Refund only: how much (minor units); null refunds all that is left. */
  amountMinor?: number | null;
  /** Reject from WhatsApp's reason list only: which kind message the client gets (or none). */
  rejectReason?: RejectReason | null;
}

/** A verified Stripe event about the lead, read by the webhook route (routes/webhooks/stripe.ts). */
export interface StripeEventPayload {
  type: "stripe.event";
  /** "stripe:<evt id>": a redelivered event is a duplicate in the inbox too. */
  eventId: string;
  stripeEventId: string;
  stripeType: string;
  phone: string;
  /** The lead the event names; refused (and logged) when it is not this object's lead. */
  leadId: string;
  payment: PaymentEvent;
}

/** The cron sweep asks the object to check its deposit link with Stripe (a webhook may be lost). */
export interface DepositSweepPayload {
  type: "deposit.sweep";
  /** "sweep:<session>:<scheduled time>": one check per sweep run. */
  eventId: string;
  phone: string;
  leadId: string;
  sessionId: string;
  /** When the link stopped working by our record (ms): past it, an open session is expired at Stripe. */
  linkExpiresAtMs: number;
}

/**
 * A timer the cron found due (through the queue): applied in turn with everything else, judged at
 * the cron run's time `nowMs`, and only if the lead still looks as it did to the cron (`seen`).
 */
export interface TimerPayload {
  type: "lead.timer";
  /** "timer:<lead>:<kind>:<due ISO>:v<version>": the same scan's message twice is one inbox item. */
  eventId: string;
  phone: string;
  leadId: string;
  kind: TimerKind;
  dueAtMs: number;
  /** The cron run's scheduled time: the "now" every check downstream uses. */
  nowMs: number;
  seen: TimerBasisSeen;
}

/**
 * A freed slot offered to this lead (src/jobs/slot-freed.ts), or the offer withdrawn at its
 * deadline: applied in turn with the client's messages, at the job's time `nowMs`.
 */
export interface FreedOfferPayload {
  type: "freed.offer";
  /** "freed:<slot_offers row>": one offer, whatever redelivers it. */
  eventId: string;
  phone: string;
  leadId: string;
  rowId: string;
  startMs: number;
  endMs: number;
  label: string;
  timeZone: string;
  deadlineMs: number;
  deadlineLabel: string;
  nowMs: number;
}

export interface FreedWithdrawPayload {
  type: "freed.withdraw";
  /** "freed-withdraw:<slot_offers row>". */
  eventId: string;
  phone: string;
  leadId: string;
  rowId: string;
  nowMs: number;
}

/**
 * A part of a WhatsApp webhook we could not read: kept in an object's inbox like anything else so
 * it reaches the event log even when Postgres is away when it arrives (the webhook's answer never
 * waits for Postgres).
 */
export interface UnreadablePayload {
  type: "whatsapp.unreadable";
  /** "wa:unreadable:<body hash>:<n>": a redelivered webhook records nothing twice. */
  eventId: string;
  part: SkippedPart;
}

export type InboxPayload =
  | { type: "whatsapp.message"; eventId: string; message: InboundMessage }
  | UnreadablePayload
  | { type: "whatsapp.status"; eventId: string; status: DeliveryStatus }
  | ArtistActionPayload
  | StripeEventPayload
  | DepositSweepPayload
  | TimerPayload
  | FreedOfferPayload
  | FreedWithdrawPayload;

/** The WhatsApp number an inbox item concerns (a delivery status may not name one). */
export function phoneOf(payload: InboxPayload): string | null {
  switch (payload.type) {
    case "whatsapp.message":
      return payload.message.from;
    case "whatsapp.status":
      return payload.status.recipient;
    case "whatsapp.unreadable":
      return null;
    case "artist.action":
    case "stripe.event":
    case "deposit.sweep":
    case "lead.timer":
    case "freed.offer":
    case "freed.withdraw":
      return payload.phone;
  }
}

export interface InboxItem {
  seq: number;
  eventId: string;
  payload: InboxPayload;
  correlationId: string;
  receivedAt: number;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  parkedAt: number | null;
}

/**
 * How long an object remembers what it has done (event ids here, action answers, sends,
 * checkout intents): past Meta's 7-day webhook retries, so any redelivery still finds its record.
 */
export const RETENTION_MS = 8 * 24 * 60 * 60 * 1000;

type Row = {
  seq: number;
  event_id: string;
  payload: string;
  correlation_id: string;
  received_at: number;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  parked_at: number | null;
};

function toItem(row: Row): InboxItem {
  return {
    seq: row.seq,
    eventId: row.event_id,
    // Written by this class from a typed value; never from outside input.
    payload: JSON.parse(row.payload) as InboxPayload,
    correlationId: row.correlation_id,
    receivedAt: row.received_at,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    parkedAt: row.parked_at,
  };
}

export class Inbox {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS inbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      event_id TEXT NOT NULL UNIQUE,
      payload TEXT NOT NULL,
      correlation_id TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER,
      last_error TEXT,
      parked_at INTEGER,
      done_at INTEGER
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (done_at, parked_at, seq)");
  }

  /** Adds an item; false when its event id was seen before (a redelivery). */
  add(payload: InboxPayload, correlationId: string, now: number): boolean {
    const seen = this.sql.exec("SELECT 1 FROM inbox WHERE event_id = ?", payload.eventId).toArray();
    if (seen.length > 0) return false;
    this.sql.exec(
      "INSERT INTO inbox (event_id, payload, correlation_id, received_at) VALUES (?, ?, ?, ?)",
      payload.eventId,
      JSON.stringify(payload),
      correlationId,
      now,
    );
    return true;
  }

  /** The oldest item still to process (parked items are set aside). */
  head(): InboxItem | null {
    const rows = this.sql
      .exec<Row>("SELECT * FROM inbox WHERE done_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT 1")
      .toArray();
    const row = rows[0];
    return row ? toItem(row) : null;
  }

  remove(seq: number): void {
    const now = Date.now();
    this.sql.exec("UPDATE inbox SET done_at = ?, payload = '{}' WHERE seq = ?", now, seq);
    this.sql.exec("DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?", now - RETENTION_MS);
  }

  retryLater(seq: number, attempts: number, error: string, nextAttemptAt: number): void {
    this.sql.exec(
      "UPDATE inbox SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE seq = ?",
      attempts,
      error.slice(0, 500),
      nextAttemptAt,
      seq,
    );
  }

  park(seq: number, attempts: number, error: string, now: number): void {
    this.sql.exec(
      "UPDATE inbox SET attempts = ?, last_error = ?, parked_at = ? WHERE seq = ?",
      attempts,
      error.slice(0, 500),
      now,
      seq,
    );
  }

  /** Where an item stands: still to process, parked, done, or never seen (null). */
  state(eventId: string): "pending" | "parked" | "done" | null {
    const row = this.sql
      .exec<{ done_at: number | null; parked_at: number | null }>("SELECT done_at, parked_at FROM inbox WHERE event_id = ?", eventId)
      .toArray()[0];
    if (!row) return null;
    if (row.done_at !== null) return "done";
    return row.parked_at !== null ? "parked" : "pending";
  }

  /** Items not yet done (pending and parked), for the debug view. */
  all(): InboxItem[] {
    return this.sql
      .exec<Row>("SELECT * FROM inbox WHERE done_at IS NULL ORDER BY seq")
      .toArray()
      .map(toItem);
  }

  /** Items still to process (not done, not parked). */
  count(): number {
    const row = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM inbox WHERE done_at IS NULL AND parked_at IS NULL").one();
    return row.n;
  }
}
