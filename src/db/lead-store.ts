/**
 * Lead persistence for the LeadConversation Durable Object: load-or-create, apply a decision in
 * one transaction (optimistic version check, answers, attachments, idempotency marker, outbox,
 * events), and the outbox bookkeeping of delivery.
 */
import { and, asc, desc, eq, gt, inArray, isNull, max, or, sql } from "drizzle-orm";
import type { Decision, RecordedAnswer } from "../domain/engine.ts";
import type { Outbound } from "../domain/messages.ts";
import type { NewActionToken } from "./action-tokens.ts";
import type { Database } from "./client.ts";
import {
  actionTokens,
  attachments,
  leadAnswers,
  leads,
  outboxMessages,
  processedEvents,
  systemEvents,
  type Attachment,
  type Lead,
  type OutboxMessage,
} from "./schema.ts";

/** Another writer changed the lead since it was read; the caller reloads and retries. */
export class StaleLeadError extends Error {
  constructor(leadId: string, version: number) {
    super(`lead ${leadId} changed since version ${version}`);
    this.name = "StaleLeadError";
  }
}

/**
 * The one-tap token the decision consumes was used or expired between its check and the commit;
 * the transaction rolls back and the caller checks the token again (and refuses, saying why).
 */
export class TokenUnavailableError extends Error {
  constructor(tokenId: string) {
    super(`action token ${tokenId} is no longer usable`);
    this.name = "TokenUnavailableError";
  }
}

/** Loads the lead for a number, creating it on first contact. One round trip. */
export async function loadOrCreateLead(db: Database, phoneE164: string, waId: string | null): Promise<Lead> {
  const [row] = await db
    .insert(leads)
    .values({ phoneE164, waId })
    // A no-op update so RETURNING yields the existing row too.
    .onConflictDoUpdate({ target: leads.phoneE164, set: { phoneE164: sql`excluded.phone_e164` } })
    .returning();
  if (!row) throw new Error("lead upsert returned no row");
  return row;
}

export async function loadLead(db: Database, leadId: string): Promise<Lead | null> {
  const [row] = await db.select().from(leads).where(eq(leads.id, leadId));
  return row ?? null;
}

/** Answers kept in memory for the engine (handover packets, "same" as the home city). */
export const RECENT_ANSWERS = 20;

/**
 * The lead's latest `limit` answers and, before them, the latest answer to every other question,
 * oldest first (the order they were given): what the engine needs for "latest wins".
 */
export async function recentAnswers(db: Database, leadId: string, limit = RECENT_ANSWERS): Promise<RecordedAnswer[]> {
  const mine = eq(leadAnswers.leadId, leadId);
  const newest = db.select({ seq: leadAnswers.seq }).from(leadAnswers).where(mine).orderBy(desc(leadAnswers.seq)).limit(limit);
  const latestPerQuestion = db.select({ seq: max(leadAnswers.seq) }).from(leadAnswers).where(mine).groupBy(leadAnswers.questionKey);
  return db
    .select({ questionKey: leadAnswers.questionKey, rawText: leadAnswers.rawText, value: leadAnswers.value })
    .from(leadAnswers)
    .where(and(mine, or(inArray(leadAnswers.seq, newest), inArray(leadAnswers.seq, latestPerQuestion))))
    .orderBy(asc(leadAnswers.seq));
}

export interface ApplyInput {
  lead: Lead;
  provider: "whatsapp" | "stripe" | "artist" | "admin" | "cron" | "system";
  eventId: string;
  decision: Decision;
  correlationId: string;
  artistPhone: string | null;
  now: Date;
  /** One-tap tokens minted for this decision's artist notices (stored only if it applies). */
  newTokens?: readonly NewActionToken[];
  /** The one-tap token this decision uses: marked used in the same transaction, or nothing applies. */
  consumeTokenId?: string | null;
}

export type ApplyResult =
  | { outcome: "applied"; lead: Lead; outbox: OutboxMessage[]; attachments: Attachment[] }
  | { outcome: "duplicate" };

function outboxPayload(message: Outbound): Record<string, unknown> {
  const { to: _to, copyKey: _copyKey, ...payload } = message;
  return payload;
}

/**
 * Applies a decision atomically. Returns `duplicate` (and changes nothing) when the event was
 * already applied; throws {@link StaleLeadError} when the lead's version moved.
 */
export async function applyDecision(db: Database, input: ApplyInput): Promise<ApplyResult> {
  const { lead, decision, now } = input;
  return db.transaction(async (tx) => {
    const marked = await tx
      .insert(processedEvents)
      .values({ provider: input.provider, eventId: input.eventId, leadId: lead.id, outcome: "applied" })
      .onConflictDoNothing()
      .returning({ id: processedEvents.id });
    if (marked.length === 0) return { outcome: "duplicate" } as const;

    if (input.consumeTokenId) {
      const used = await tx
        .update(actionTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(actionTokens.id, input.consumeTokenId),
            eq(actionTokens.leadId, lead.id),
            isNull(actionTokens.usedAt),
            gt(actionTokens.expiresAt, now),
          ),
        )
        .returning({ id: actionTokens.id });
      if (used.length === 0) throw new TokenUnavailableError(input.consumeTokenId);
    }

    const lastTransition = decision.transitions.at(-1);
    const optedOutAfter = decision.patch.optedOut ?? lead.optedOut;
    const rows = decision.outbound.flatMap((message) => {
      const toPhone = message.to === "artist" ? input.artistPhone : lead.phoneE164;
      return toPhone ? [{ message, toPhone }] : [];
    });
    const [updated] = await tx
      .update(leads)
      .set({
        ...decision.patch,
        ...(lastTransition ? { status: lastTransition.to, statusChangedAt: now } : {}),
        answerCount: lead.answerCount + decision.answers.length,
        outboxCount: lead.outboxCount + rows.length,
        version: lead.version + 1,
        updatedAt: now,
      })
      .where(and(eq(leads.id, lead.id), eq(leads.version, lead.version)))
      .returning();
    if (!updated) throw new StaleLeadError(lead.id, lead.version);

    if (decision.answers.length > 0) {
      await tx.insert(leadAnswers).values(
        decision.answers.map((answer, i) => ({
          leadId: lead.id,
          seq: lead.answerCount + i + 1,
          questionKey: answer.questionKey,
          rawText: answer.rawText,
          value: answer.value,
          sourceMessageId: answer.sourceMessageId,
        })),
      );
    }
    // PENDING rows, due now; the same media id twice for a lead (a forward, a redelivery) is one row.
    let stored: Attachment[] = [];
    if (decision.attachments.length > 0) {
      stored = await tx
        .insert(attachments)
        .values(
          decision.attachments.map((a) => ({
            leadId: lead.id,
            providerMediaId: a.providerMediaId,
            sourceMessageId: a.sourceMessageId,
            mimeType: a.mimeType,
            caption: a.caption,
            status: "PENDING",
            nextAttemptAt: now,
          })),
        )
        .onConflictDoNothing({ target: [attachments.leadId, attachments.providerMediaId] })
        .returning();
    }
    let outbox: OutboxMessage[] = [];
    if (rows.length > 0) {
      outbox = await tx
        .insert(outboxMessages)
        .values(
          rows.map(({ message, toPhone }, i) => ({
            leadId: lead.id,
            seq: lead.outboxCount + i + 1,
            toPhone,
            kind: message.kind,
            payload: outboxPayload(message),
            copyKey: message.copyKey,
            // Never send to an opted-out client, except the opt-out confirmation itself.
            status: optedOutAfter && message.to === "client" && message.copyKey !== "optout.confirmed" ? "SKIPPED" : "PENDING",
          })),
        )
        .returning();
    }
    if (input.newTokens && input.newTokens.length > 0) {
      await tx.insert(actionTokens).values(input.newTokens.map((t) => ({ ...t, leadId: lead.id })));
    }
    const events = [
      ...decision.transitions.map((t) => ({
        type: "lead.transition",
        level: "info" as const,
        payload: { from: t.from, to: t.to, reason: t.reason },
      })),
      ...decision.events,
    ];
    if (events.length > 0) {
      await tx.insert(systemEvents).values(
        events.map((e) => ({ level: e.level, type: e.type, leadId: lead.id, payload: e.payload, correlationId: input.correlationId })),
      );
    }
    return { outcome: "applied", lead: updated, outbox: outbox.filter((o) => o.status === "PENDING"), attachments: stored } as const;
  });
}

export interface IgnoredEvent {
  provider: ApplyInput["provider"];
  eventId: string;
  leadId: string;
  /** The system event type that records it (e.g. stripe.session_mismatch). */
  type: string;
  payload: Record<string, unknown>;
  correlationId: string;
}

/**
 * Records an event that changes nothing (a payment event for another session, a late expiry):
 * marked processed, so a redelivery is a duplicate, and logged as a system event. The lead row is
 * not touched. Returns false when it was recorded before.
 */
export async function recordIgnoredEvent(db: Database, event: IgnoredEvent): Promise<boolean> {
  return db.transaction(async (tx) => {
    const reason = typeof event.payload.reason === "string" ? event.payload.reason : "ignored";
    const marked = await tx
      .insert(processedEvents)
      .values({ provider: event.provider, eventId: event.eventId, leadId: event.leadId, outcome: `ignored:${reason}` })
      .onConflictDoNothing()
      .returning({ id: processedEvents.id });
    if (marked.length === 0) return false;
    await tx.insert(systemEvents).values({ level: "warn", type: event.type, leadId: event.leadId, payload: event.payload, correlationId: event.correlationId });
    return true;
  });
}

/** Undelivered outbox rows of a lead, in the order they were decided. */
export function pendingOutbox(db: Database, leadId: string): Promise<OutboxMessage[]> {
  return db
    .select()
    .from(outboxMessages)
    .where(and(eq(outboxMessages.leadId, leadId), eq(outboxMessages.status, "PENDING")))
    .orderBy(asc(outboxMessages.seq));
}

export async function markOutboxSent(db: Database, id: string, providerMessageId: string, now: Date): Promise<void> {
  await db
    .update(outboxMessages)
    .set({
      status: "SENT",
      providerMessageId,
      sentAt: now,
      attempts: sql`${outboxMessages.attempts} + 1`,
      nextAttemptAt: null,
      updatedAt: now,
    })
    // A status webhook may have moved the row on already (it arrived before Graph's answer).
    .where(and(eq(outboxMessages.id, id), eq(outboxMessages.status, "PENDING")));
}

export interface DeliveryFailure {
  code: string;
  message: string;
  permanent: boolean;
  nextAttemptAt: Date | null;
}

export async function markOutboxFailure(db: Database, row: OutboxMessage, failure: DeliveryFailure, now: Date): Promise<void> {
  await db
    .update(outboxMessages)
    .set({
      status: failure.permanent ? "FAILED" : "PENDING",
      attempts: sql`${outboxMessages.attempts} + 1`,
      lastErrorCode: failure.code,
      lastError: failure.message.slice(0, 500),
      nextAttemptAt: failure.nextAttemptAt,
      failedAt: failure.permanent ? now : null,
      updatedAt: now,
    })
    .where(eq(outboxMessages.id, row.id));
  if (failure.permanent) {
    await db
      .update(leads)
      .set({ lastDeliveryError: `${failure.code}: ${failure.message}`.slice(0, 500), updatedAt: now })
      .where(eq(leads.id, row.leadId));
  }
}

export async function markOutboxSkipped(db: Database, id: string, reason: string, now: Date): Promise<void> {
  await db
    .update(outboxMessages)
    .set({ status: "SKIPPED", lastError: reason, updatedAt: now })
    .where(eq(outboxMessages.id, id));
}

export interface NewSystemEvent {
  type: string;
  level?: "debug" | "info" | "warn" | "error";
  leadId?: string | null;
  payload?: Record<string, unknown>;
  correlationId?: string | null;
}

export async function recordSystemEvent(db: Database, event: NewSystemEvent): Promise<void> {
  await db.insert(systemEvents).values({
    type: event.type,
    level: event.level ?? "info",
    leadId: event.leadId ?? null,
    payload: event.payload ?? {},
    correlationId: event.correlationId ?? null,
  });
}

const STATUS_RANK: Record<string, number> = { PENDING: 0, SENT: 1, DELIVERED: 2, READ: 3, FAILED: 4, SKIPPED: 4 };

/**
 * Applies a WhatsApp delivery status to the outbox row it names. Statuses arrive in any order:
 * a row only moves forward (sent → delivered → read), and `failed` records the error.
 *
 * A status whose wamid we never learnt (Graph took the send but its answer was lost: a timeout,
 * the object reset mid-call) still names its row through the callback data we sent with it: the
 * row adopts the wamid, which tells its object the send went out (lead-session.ts).
 */
export async function applyDeliveryStatus(
  db: Database,
  status: { providerMessageId: string; status: string; timestampMs: number; outboxId?: string | null; errors: { code: number; title: string | null }[] },
): Promise<"updated" | "adopted" | "unknown_message" | "ignored"> {
  let [row] = await db.select().from(outboxMessages).where(eq(outboxMessages.providerMessageId, status.providerMessageId));
  let adopted = false;
  if (!row && status.outboxId) {
    [row] = await db
      .select()
      .from(outboxMessages)
      .where(and(eq(outboxMessages.id, status.outboxId), isNull(outboxMessages.providerMessageId)));
    adopted = row !== undefined;
  }
  if (!row) return "unknown_message";
  const at = new Date(status.timestampMs);
  const claim = adopted ? { providerMessageId: status.providerMessageId, sentAt: row.sentAt ?? at } : {};
  const target = status.status.toUpperCase();
  const updated = adopted ? "adopted" : "updated";
  if (target === "FAILED") {
    const error = status.errors[0];
    await db
      .update(outboxMessages)
      .set({ ...claim, status: "FAILED", failedAt: at, lastErrorCode: error ? String(error.code) : null, lastError: error?.title ?? null, updatedAt: new Date() })
      .where(eq(outboxMessages.id, row.id));
    return updated;
  }
  const forward = target in STATUS_RANK && (STATUS_RANK[target] ?? 0) > (STATUS_RANK[row.status] ?? 0);
  if (!forward && !adopted) return "ignored";
  await db
    .update(outboxMessages)
    .set({
      ...claim,
      ...(forward ? { status: target } : {}),
      ...(forward && target === "DELIVERED" ? { deliveredAt: at } : {}),
      ...(forward && target === "READ" ? { readAt: at, deliveredAt: row.deliveredAt ?? at } : {}),
      updatedAt: new Date(),
    })
    .where(eq(outboxMessages.id, row.id));
  return updated;
}

/** Where an outbox row stands in Postgres (a status webhook may have settled it), or null. */
export async function outboxDeliveryState(db: Database, id: string): Promise<{ status: string; providerMessageId: string | null } | null> {
  const [row] = await db
    .select({ status: outboxMessages.status, providerMessageId: outboxMessages.providerMessageId })
    .from(outboxMessages)
    .where(eq(outboxMessages.id, id));
  return row ?? null;
}
