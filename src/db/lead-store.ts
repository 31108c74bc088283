/**
 * Lead persistence for the LeadConversation Durable Object: load-or-create, apply a decision in
 * one statement, one round trip (idempotency marker, optimistic version check, answers,
 * attachments, outbox, events, and the sends to mark), and the outbox bookkeeping of delivery.
 */
import { and, asc, desc, eq, inArray, isNull, max, or, sql, type SQL } from "drizzle-orm";
import type { Decision, RecordedAnswer } from "../domain/engine.ts";
import type { Outbound } from "../domain/messages.ts";
import type { NewActionToken } from "./action-tokens.ts";
import type { Database } from "./client.ts";
import {
  attachments,
  leadAnswers,
  leads,
  outboxMessages,
  systemEvents,
  type Attachment,
  type Lead,
  type OutboxMessage,
} from "./schema.ts";
import { E164_PATTERN } from "../domain/phone.ts";
import { markSheetDirtySql } from "./sheet-store.ts";
import { AbortReason, abortReason, abortWith, jsonRows, rowFromJson, rowsFromJson } from "./statement.ts";

/** Another writer changed the lead since it was read; the caller reloads and retries. */
export class StaleLeadError extends Error {
  constructor(leadId: string, version: number) {
    super(`lead ${leadId} changed since version ${version}`);
    this.name = "StaleLeadError";
  }
}

/**
 * The one-tap token the decision consumes was used or expired between its check and the commit;
 * nothing is written and the caller checks the token again (and refuses, saying why).
 */
export class TokenUnavailableError extends Error {
  constructor(tokenId: string) {
    super(`action token ${tokenId} is no longer usable`);
    this.name = "TokenUnavailableError";
  }
}

/** Who a client is to WhatsApp, as a message named them (any part may be missing). */
export interface ClientIdentity {
  phone: string | null;
  userId: string | null;
  parentUserId: string | null;
  username: string | null;
}

/**
 * Loads the lead served by the object named `conversation`, creating it on first contact with
 * what the first message says about the client. One round trip. A lead written before
 * conversation keys existed is found by its number. A number already held by another lead (a
 * client seen by number before BSUIDs, then by BSUID alone) is not taken: the new lead keeps its
 * BSUID and the number stays with the older lead.
 */
export async function loadOrCreateLead(db: Database, conversation: string, identity: ClientIdentity | null): Promise<Lead> {
  const phone = identity?.phone ?? (E164_PATTERN.test(conversation) ? conversation : null);
  const userId = identity?.userId ?? null;
  const { rows } = await db.execute<{ lead: unknown }>(sql`
    with found as (
      select * from leads
       where conversation_key = ${conversation} or (conversation_key is null and phone_e164 = ${conversation})
       limit 1
    ),
    created as (
      insert into leads (conversation_key, phone_e164, wa_id, bsuid, parent_bsuid, username)
      select ${conversation},
             case when exists (select 1 from leads where phone_e164 = ${phone}) then null else ${phone} end,
             case when exists (select 1 from leads where phone_e164 = ${phone}) then null else ${phone === null ? null : phone.replace(/^\+/, "")} end,
             ${userId}, ${identity?.parentUserId ?? null}, ${identity?.username ?? null}
       where not exists (select 1 from found)
      on conflict do nothing
      returning *
    )
    select to_json(l) as lead from (select * from found union all select * from created) l limit 1`);
  const row = rows[0];
  if (!row) throw new Error(`no lead for ${conversation.slice(0, 3)}…: its number or BSUID is held by another lead`);
  return rowFromJson(leads, row.lead);
}

/** What an identity adds to the lead: ids it did not have, a new username. Null when nothing. */
export function identityUpdate(lead: Lead, identity: ClientIdentity): ClientIdentity | null {
  const adds =
    (identity.phone !== null && lead.phoneE164 === null) ||
    (identity.userId !== null && lead.bsuid !== identity.userId && lead.bsuid === null) ||
    (identity.parentUserId !== null && lead.parentBsuid !== identity.parentUserId) ||
    (identity.username !== null && lead.username !== identity.username);
  return adds ? identity : null;
}

/**
 * Records what a message says about the client that the lead did not know: a BSUID on a lead known
 * by number (the first time Meta sends it), a number a username client shared, a new username.
 * Ids already known are kept; a number another lead holds is not taken. Not a decision: the version
 * stays, so the object's cached lead stays current.
 */
export async function adoptIdentity(db: Database, lead: Lead, identity: ClientIdentity): Promise<Lead> {
  const phone = identity.phone;
  const [row] = await db
    .update(leads)
    .set({
      bsuid: sql`coalesce(${leads.bsuid}, ${identity.userId})`,
      parentBsuid: sql`coalesce(${identity.parentUserId}, ${leads.parentBsuid})`,
      username: sql`coalesce(${identity.username}, ${leads.username})`,
      phoneE164: sql`case when ${leads.phoneE164} is null and not exists (select 1 from leads o where o.phone_e164 = ${phone}) then ${phone} else ${leads.phoneE164} end`,
      waId: sql`case when ${leads.phoneE164} is null and not exists (select 1 from leads o where o.phone_e164 = ${phone}) then ${phone === null ? null : phone.replace(/^\+/, "")} else ${leads.waId} end`,
    })
    .where(eq(leads.id, lead.id))
    .returning();
  if (!row) throw new Error(`lead ${lead.id} vanished`);
  return row;
}

/**
 * A client's "changed number" notice: the lead moves to the new number (and the new BSUID Meta
 * gives a new number, when named), keeping its object, history and everything else. A number held
 * by another lead is not taken (that lead is someone else to us). Not a decision (the version stays).
 */
export async function moveLeadNumber(db: Database, lead: Lead, change: { newPhone: string | null; newUserId: string | null }): Promise<Lead> {
  const phone = change.newPhone;
  const [row] = await db
    .update(leads)
    .set({
      phoneE164: sql`case when ${phone}::text is not null and not exists (select 1 from leads o where o.phone_e164 = ${phone} and o.id <> ${lead.id}) then ${phone} else ${leads.phoneE164} end`,
      waId: sql`case when ${phone}::text is not null and not exists (select 1 from leads o where o.phone_e164 = ${phone} and o.id <> ${lead.id}) then ${phone === null ? null : phone.replace(/^\+/, "")} else ${leads.waId} end`,
      bsuid: sql`coalesce(${change.newUserId}, ${leads.bsuid})`,
    })
    .where(eq(leads.id, lead.id))
    .returning();
  if (!row) throw new Error(`lead ${lead.id} vanished`);
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

/** An outbox row Graph accepted: marked SENT by the next statement (see {@link markOutboxSentMany}). */
export interface SentMark {
  id: string;
  providerMessageId: string;
  sentAt: Date;
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
  /** The one-tap token this decision uses: marked used in the same statement, or nothing applies. */
  consumeTokenId?: string | null;
  /** What the event answered (an artist action's outcome): stored with the processed marker, handed to a replay. */
  result?: Record<string, unknown> | null;
  /**
   * Sends to mark SENT in the same statement, whatever the decision turns out to be (a duplicate
   * too); rolled back with it when it aborts (stale lead, token), so the caller passes them again.
   */
  sentMarks?: readonly SentMark[];
}

export type ApplyResult =
  | { outcome: "applied"; lead: Lead; outbox: OutboxMessage[]; attachments: Attachment[] }
  /**
   * Applied before: nothing changed (but the sent-marks). `result` is what was stored with it, or
   * null (none stored, or the first was committed by another writer while this statement ran).
   */
  | { outcome: "duplicate"; result: unknown };

function outboxPayload(message: Outbound): Record<string, unknown> {
  const { to: _to, copyKey: _copyKey, ...payload } = message;
  return payload;
}

/**
 * Marks outbox rows SENT as markOutboxSent() does (attempts + 1, no retry due; updated when sent),
 * but only rows still PENDING: a mark that arrives late never moves a delivered, read, failed or
 * skipped row back, and a second mark for a row does nothing.
 */
function markSentUpdate(marks: readonly SentMark[]): SQL {
  const rows = marks.map((m) => ({ id: m.id, provider_message_id: m.providerMessageId, sent_at: m.sentAt }));
  return sql`
    update outbox_messages as o
       set status = 'SENT', provider_message_id = m.provider_message_id, sent_at = m.sent_at,
           attempts = o.attempts + 1, next_attempt_at = null, updated_at = m.sent_at
      from jsonb_to_recordset(${jsonRows(rows)}) as m(id uuid, provider_message_id text, sent_at timestamptz)
     where o.id = m.id and o.status = 'PENDING'
    returning o.id`;
}

/**
 * Applies a decision atomically, in one statement (one round trip): the processed marker, the
 * token it consumes, the version-checked lead update, its sheet row (dirty for the Sheets mirror),
 * answers, attachments, outbox rows, new
 * tokens, system events, and any `sentMarks`. Returns `duplicate` (changing nothing but the
 * sent-marks) when the event was applied before; throws {@link StaleLeadError} when the lead's
 * version moved and {@link TokenUnavailableError} when the token is no longer usable, and then
 * nothing at all was written.
 *
 * How: data-modifying CTEs. They all see the same snapshot and run in no set order, so each write
 * is gated on the one before it by reading its RETURNING (token and lead update on the marker,
 * everything else on the updated lead row): a duplicate or a failed check leaves the rest empty.
 * A failed check then aborts the statement from its final SELECT (statement.ts), which rolls the
 * marker back too. A plpgsql function doing the whole apply would also be one round trip, but the
 * lead update would leave drizzle's schema-typed builder (and the status-write guard in
 * test/unit/engine.test.ts) for hand-kept SQL; here only the abort lives in the database.
 */
export async function applyDecision(db: Database, input: ApplyInput): Promise<ApplyResult> {
  const { lead, decision, now } = input;
  const consume = input.consumeTokenId ?? null;
  const lastTransition = decision.transitions.at(-1);
  const optedOutAfter = decision.patch.optedOut ?? lead.optedOut;
  // A client without a number is written to by BSUID (Graph's `recipient`).
  const rows = decision.outbound.flatMap((message) => {
    const toPhone = message.to === "artist" ? input.artistPhone : lead.phoneE164;
    const toUserId = message.to === "artist" ? null : lead.bsuid;
    return toPhone || toUserId ? [{ message, toPhone, toUserId }] : [];
  });
  const updateLead = db
    .update(leads)
    .set({
      ...decision.patch,
      ...(lastTransition ? { status: lastTransition.to, statusChangedAt: now } : {}),
      answerCount: lead.answerCount + decision.answers.length,
      outboxCount: lead.outboxCount + rows.length,
      version: lead.version + 1,
      updatedAt: now,
    })
    .where(
      and(
        eq(leads.id, lead.id),
        eq(leads.version, lead.version),
        sql`exists (select 1 from marker)`,
        sql`(${consume}::uuid is null or exists (select 1 from token))`,
      ),
    )
    .returning();

  const answers = decision.answers.map((answer, i) => ({
    seq: lead.answerCount + i + 1,
    question_key: answer.questionKey,
    raw_text: answer.rawText,
    value: answer.value,
    source_message_id: answer.sourceMessageId,
  }));
  const media = decision.attachments.map((a, n) => ({
    n,
    provider_media_id: a.providerMediaId,
    source_message_id: a.sourceMessageId,
    mime_type: a.mimeType,
    caption: a.caption,
  }));
  const outbox = rows.map(({ message, toPhone, toUserId }, i) => ({
    seq: lead.outboxCount + i + 1,
    to_phone: toPhone,
    to_user_id: toUserId,
    kind: message.kind,
    payload: outboxPayload(message),
    copy_key: message.copyKey,
    // Never send to an opted-out client, except the opt-out confirmation itself.
    status: optedOutAfter && message.to === "client" && message.copyKey !== "optout.confirmed" ? "SKIPPED" : "PENDING",
  }));
  const tokens = (input.newTokens ?? []).map((t) => ({
    token_hash: t.tokenHash,
    action: t.action,
    allowed_statuses: t.allowedStatuses,
    expires_at: t.expiresAt,
  }));
  const events = [
    ...decision.transitions.map((t) => ({ type: "lead.transition", level: "info", payload: { from: t.from, to: t.to, reason: t.reason } })),
    ...decision.events,
  ].map((e, n) => ({ n, level: e.level, type: e.type, payload: e.payload }));
  const at = sql`${now.toISOString()}::timestamptz`;

  const statement = sql`
    with sent as (${markSentUpdate(input.sentMarks ?? [])}),
    marker as (
      insert into processed_events (provider, event_id, lead_id, outcome, result)
      values (${input.provider}, ${input.eventId}, ${lead.id}::uuid, 'applied', ${input.result ? JSON.stringify(input.result) : null}::jsonb)
      on conflict (provider, event_id) do nothing
      returning id
    ),
    prior as (
      select result from processed_events where provider = ${input.provider} and event_id = ${input.eventId}
    ),
    token as (
      update action_tokens set used_at = ${at}
       where id = ${consume}::uuid and lead_id = ${lead.id}::uuid and used_at is null and expires_at > ${at}
         and exists (select 1 from marker)
      returning id
    ),
    updated as ${updateLead},
    answers as (
      insert into lead_answers (lead_id, seq, question_key, raw_text, value, source_message_id)
      select updated.id, a.seq, a.question_key, a.raw_text, a.value, a.source_message_id
        from updated, jsonb_to_recordset(${jsonRows(answers)})
          as a(seq integer, question_key text, raw_text text, value jsonb, source_message_id text)
       order by a.seq
    ),
    stored as (
      -- PENDING rows, due now; the same media id twice for a lead (a forward, a redelivery) is one row.
      insert into attachments (lead_id, provider_media_id, source_message_id, mime_type, caption, status, next_attempt_at)
      select updated.id, a.provider_media_id, a.source_message_id, a.mime_type, a.caption, 'PENDING', ${at}
        from updated, jsonb_to_recordset(${jsonRows(media)})
          as a(n integer, provider_media_id text, source_message_id text, mime_type text, caption text)
       order by a.n
      on conflict (lead_id, provider_media_id) do nothing
      returning *
    ),
    queued as (
      insert into outbox_messages (lead_id, seq, to_phone, to_user_id, kind, payload, copy_key, status)
      select updated.id, o.seq, o.to_phone, o.to_user_id, o.kind, o.payload, o.copy_key, o.status
        from updated, jsonb_to_recordset(${jsonRows(outbox)})
          as o(seq integer, to_phone text, to_user_id text, kind text, payload jsonb, copy_key text, status text)
       order by o.seq
      returning *
    ),
    minted as (
      insert into action_tokens (token_hash, lead_id, action, allowed_statuses, expires_at)
      select t.token_hash, updated.id, t.action, t.allowed_statuses, t.expires_at
        from updated, jsonb_to_recordset(${jsonRows(tokens)})
          as t(token_hash text, action text, allowed_statuses jsonb, expires_at timestamptz)
    ),
    sheet as (${markSheetDirtySql(at)}),
    logged as (
      insert into system_events (level, type, lead_id, payload, correlation_id)
      select e.level, e.type, updated.id, e.payload, ${input.correlationId}
        from updated, jsonb_to_recordset(${jsonRows(events)}) as e(n integer, level text, type text, payload jsonb)
       order by e.n
    )
    select
      -- In this order: a duplicate changes nothing and is no error; the token is checked before the version.
      case
        when not exists (select 1 from marker) then 'duplicate'
        when ${consume}::uuid is not null and not exists (select 1 from token) then ${abortWith(AbortReason.TOKEN_UNAVAILABLE)}
        when not exists (select 1 from updated) then ${abortWith(AbortReason.STALE_LEAD)}
        else 'applied'
      end as outcome,
      (select result from prior) as result,
      (select to_json(u) from updated u) as lead,
      (select json_agg(q order by q.seq) from queued q where q.status = 'PENDING') as outbox,
      (select json_agg(s) from stored s) as attachments`;

  let returned;
  try {
    returned = await db.execute<{ outcome: string; result: unknown; lead: unknown; outbox: unknown; attachments: unknown }>(statement);
  } catch (error) {
    const reason = abortReason(error);
    if (reason === AbortReason.STALE_LEAD) throw new StaleLeadError(lead.id, lead.version);
    if (reason === AbortReason.TOKEN_UNAVAILABLE && consume) throw new TokenUnavailableError(consume);
    throw error;
  }
  const [row] = returned.rows;
  if (!row) throw new Error("the decision statement returned no row");
  if (row.outcome === "duplicate") return { outcome: "duplicate", result: row.result ?? null };
  return {
    outcome: "applied",
    lead: rowFromJson(leads, row.lead),
    outbox: rowsFromJson(outboxMessages, row.outbox),
    attachments: rowsFromJson(attachments, row.attachments),
  };
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
 * marked processed, so a redelivery is a duplicate, and logged as a system event, in one
 * statement (the event is written only with a new marker). The lead row is not touched. Returns
 * false when it was recorded before.
 */
export async function recordIgnoredEvent(db: Database, event: IgnoredEvent): Promise<boolean> {
  const reason = typeof event.payload.reason === "string" ? event.payload.reason : "ignored";
  const { rows } = await db.execute<{ recorded: boolean }>(sql`
    with marker as (
      insert into processed_events (provider, event_id, lead_id, outcome)
      values (${event.provider}, ${event.eventId}, ${event.leadId}::uuid, ${`ignored:${reason}`})
      on conflict (provider, event_id) do nothing
      returning id
    ),
    logged as (
      insert into system_events (level, type, lead_id, payload, correlation_id)
      select 'warn', ${event.type}, ${event.leadId}::uuid, ${JSON.stringify(event.payload)}::jsonb, ${event.correlationId}
        from marker
    )
    select exists (select 1 from marker) as recorded`);
  return rows[0]?.recorded === true;
}

/** Whether a provider event was applied before, and what was stored with it (see {@link recordUnlessApplied}). */
export type PriorApplication = { applied: false } | { applied: true; result: unknown };

/**
 * Records `event` unless the provider event it is about was applied before (its processed marker
 * exists), in one statement, and says which. For a refusal that a replay of an applied event would
 * otherwise log (the lead has moved on because of that very event).
 */
export async function recordUnlessApplied(
  db: Database,
  marker: { provider: ApplyInput["provider"]; eventId: string },
  event: NewSystemEvent,
): Promise<PriorApplication> {
  const { rows } = await db.execute<{ applied: boolean; result: unknown }>(sql`
    with prior as (
      select result from processed_events where provider = ${marker.provider} and event_id = ${marker.eventId}
    ),
    logged as (
      insert into system_events (level, type, lead_id, payload, correlation_id)
      select ${event.level ?? "info"}, ${event.type}, ${event.leadId ?? null}::uuid, ${JSON.stringify(event.payload ?? {})}::jsonb, ${event.correlationId ?? null}
       where not exists (select 1 from prior)
    )
    select exists (select 1 from prior) as applied, (select result from prior) as result`);
  const row = rows[0];
  return row?.applied === true ? { applied: true, result: row.result ?? null } : { applied: false };
}

/**
 * Marks a batch of sends in one statement (for when no decision statement follows soon to carry
 * them, see ApplyInput.sentMarks). Only rows still PENDING move; returns how many did.
 */
export async function markOutboxSentMany(db: Database, marks: readonly SentMark[]): Promise<number> {
  if (marks.length === 0) return 0;
  const { rows } = await db.execute(markSentUpdate(marks));
  return rows.length;
}

/** Undelivered outbox rows of a lead, in the order they were decided. */
export function pendingOutbox(db: Database, leadId: string): Promise<OutboxMessage[]> {
  return db
    .select()
    .from(outboxMessages)
    .where(and(eq(outboxMessages.leadId, leadId), eq(outboxMessages.status, "PENDING")))
    .orderBy(asc(outboxMessages.seq));
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
  // The adopted send is the row's accepted attempt (its own SENT mark, coming later, then finds it moved on).
  const claim = adopted ? { providerMessageId: status.providerMessageId, sentAt: row.sentAt ?? at, attempts: sql`greatest(${outboxMessages.attempts}, 1)` } : {};
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
