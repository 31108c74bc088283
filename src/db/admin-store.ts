/**
 * Read models for the admin API and the web inbox: the lead list with a stable cursor,
 * a lead's detail (answers latest-wins, estimate, attachments, events, notes), the funnel's raw
 * transitions and the event log; plus notes, the one thing ops write directly (a note is not lead
 * state, so it does not go through the lead's Durable Object).
 */
import { and, asc, count, desc, eq, gte, ilike, like, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { redactedPayload } from "../domain/outbound-schema.ts";
import { QUESTION_KEYS } from "../domain/questions.ts";
import type { DropOffCount, EnteredStatus } from "../domain/funnel.ts";
import type { Database } from "./client.ts";
import { attachments, leadAnswers, leadNotes, leads, outboxMessages, systemEvents, type Lead } from "./schema.ts";

/** Opaque list cursor: the last row's exact created_at (as Postgres prints it) and id. */
export interface LeadCursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(cursor: LeadCursor): string {
  return btoa(`${cursor.createdAt}|${cursor.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const CURSOR_BODY = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?[+-]\d{2}(?::\d{2})?)\|([0-9a-f-]{36})$/;

/** Decodes a cursor from {@link encodeCursor}; null when it is not one. */
export function decodeCursor(value: string): LeadCursor | null {
  try {
    const match = CURSOR_BODY.exec(atob(value.replace(/-/g, "+").replace(/_/g, "/")));
    return match?.[1] && match[2] ? { createdAt: match[1], id: match[2] } : null;
  } catch {
    return null;
  }
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface LeadListQuery {
  status?: string | undefined;
  q?: string | undefined;
  cursor?: LeadCursor | undefined;
  limit: number;
}

/** What a lead shows in a list: the admin list and the inbox's groups. */
const summaryColumns = {
  id: leads.id,
  phone: leads.phoneE164,
  name: leads.displayName,
  username: leads.username,
  status: leads.status,
  statusChangedAt: leads.statusChangedAt,
  createdAt: leads.createdAt,
  /** The brief's completeness once the consultation finished or was handed over part-way (engine/completeness.ts), else null. */
  brief: leads.brief,
};

const listColumns = {
  ...summaryColumns,
  updatedAt: leads.updatedAt,
  // Exact, microseconds included: the cursor must compare equal to the stored value.
  createdAtExact: sql<string>`${leads.createdAt}::text`,
};

/**
 * Leads, newest first (created_at, then id, so equal timestamps still have one order), filtered by
 * status and by a search on the number (digits) or the name. Keyset pagination: a page never
 * repeats or skips a lead, whatever is created meanwhile.
 */
export async function listLeads(db: Database, query: LeadListQuery) {
  const where: SQL[] = [];
  if (query.status) where.push(eq(leads.status, query.status));
  const q = query.q?.trim();
  if (q) {
    const digits = q.replace(/[^0-9]/g, "");
    // A name, a WhatsApp username ("@ana" or "ana"), a BSUID exactly, or digits of the number.
    const byName = or(
      ilike(leads.displayName, likePattern(q)),
      ilike(leads.username, likePattern(q.replace(/^@/, ""))),
      eq(leads.bsuid, q),
    ) ?? ilike(leads.displayName, likePattern(q));
    where.push(digits.length >= 3 ? (or(byName, like(leads.phoneE164, likePattern(digits))) ?? byName) : byName);
  }
  if (query.cursor) {
    where.push(sql`(${leads.createdAt}, ${leads.id}) < (${query.cursor.createdAt}::timestamptz, ${query.cursor.id}::uuid)`);
  }
  const rows = await db
    .select(listColumns)
    .from(leads)
    .where(and(...where))
    .orderBy(desc(leads.createdAt), desc(leads.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAtExact, id: last.id }) : null;
  return { leads: page.map(({ createdAtExact: _exact, ...lead }) => lead), nextCursor };
}

/** How many leads are in each status now (statuses with none are absent). */
export async function countLeadsByStatus(db: Database): Promise<Map<string, number>> {
  const rows = await db.select({ status: leads.status, n: count() }).from(leads).groupBy(leads.status);
  return new Map(rows.map((r) => [r.status, r.n]));
}

/** The newest `perStatus` leads of every status (the inbox's groups), newest first within each. */
export async function newestLeadsPerStatus(db: Database, perStatus: number) {
  const ranked = db
    .select({
      ...summaryColumns,
      rank: sql<number>`row_number() over (partition by ${leads.status} order by ${leads.createdAt} desc, ${leads.id} desc)`.as("rank"),
    })
    .from(leads)
    .as("ranked");
  const rows = await db.select().from(ranked).where(lte(ranked.rank, perStatus)).orderBy(ranked.status, ranked.rank);
  return rows.map(({ rank: _rank, ...lead }) => lead);
}

export function findLead(db: Database, id: string): Promise<Lead | undefined> {
  return db
    .select()
    .from(leads)
    .where(eq(leads.id, id))
    .then((rows) => rows[0]);
}

/** The latest answer to each question (latest wins), in question order; unknown keys last. */
export async function latestAnswers(db: Database, leadId: string) {
  const rows = await db
    .selectDistinctOn([leadAnswers.questionKey], {
      questionKey: leadAnswers.questionKey,
      rawText: leadAnswers.rawText,
      value: leadAnswers.value,
      seq: leadAnswers.seq,
      answeredAt: leadAnswers.createdAt,
    })
    .from(leadAnswers)
    .where(eq(leadAnswers.leadId, leadId))
    .orderBy(leadAnswers.questionKey, desc(leadAnswers.seq));
  const order = (key: string) => {
    const i = (QUESTION_KEYS as readonly string[]).indexOf(key);
    return i === -1 ? QUESTION_KEYS.length : i;
  };
  return rows.sort((a, b) => order(a.questionKey) - order(b.questionKey) || a.seq - b.seq);
}

/** Every answer, in the order given (the debug view: what "latest wins" chose from). */
export function allAnswers(db: Database, leadId: string) {
  return db.select().from(leadAnswers).where(eq(leadAnswers.leadId, leadId)).orderBy(asc(leadAnswers.seq));
}

export function leadAttachments(db: Database, leadId: string) {
  return db
    .select({
      id: attachments.id,
      status: attachments.status,
      mimeType: attachments.mimeType,
      caption: attachments.caption,
      sizeBytes: attachments.sizeBytes,
      createdAt: attachments.createdAt,
    })
    .from(attachments)
    .where(eq(attachments.leadId, leadId))
    .orderBy(asc(attachments.createdAt));
}

/** One attachment with where its bytes are (the inbox's image route). */
export function findAttachment(db: Database, id: string) {
  return db
    .select({ id: attachments.id, leadId: attachments.leadId, status: attachments.status, mimeType: attachments.mimeType, r2Key: attachments.r2Key })
    .from(attachments)
    .where(eq(attachments.id, id))
    .then((rows) => rows[0]);
}

export function leadNotesOf(db: Database, leadId: string) {
  return db.select().from(leadNotes).where(eq(leadNotes.leadId, leadId)).orderBy(desc(leadNotes.createdAt), desc(leadNotes.id));
}

/**
 * Outbox rows of a lead, newest first (the debug view, the inbox's timeline), as people may see
 * them: an artist's one-tap links shown by their action, never their URL (a link is a credential).
 */
export async function recentOutbox(db: Database, leadId: string, limit = 50) {
  const rows = await db.select().from(outboxMessages).where(eq(outboxMessages.leadId, leadId)).orderBy(desc(outboxMessages.seq)).limit(limit);
  return rows.map((row) => ({ ...row, payload: redactedPayload(row.payload) }));
}

export interface EventQuery {
  type?: string | undefined;
  leadId?: string | undefined;
  /** Only events older than this id (the next page). */
  before?: number | undefined;
  limit: number;
}

/** System events, newest first. */
export function listEvents(db: Database, query: EventQuery) {
  const where: SQL[] = [];
  if (query.type) where.push(eq(systemEvents.type, query.type));
  if (query.leadId) where.push(eq(systemEvents.leadId, query.leadId));
  if (query.before !== undefined) where.push(lt(systemEvents.id, query.before));
  return db
    .select()
    .from(systemEvents)
    .where(and(...where))
    .orderBy(desc(systemEvents.id))
    .limit(query.limit);
}

/** Distinct (lead, status entered) pairs since `since`, from `lead.transition` events. */
export async function enteredStatuses(db: Database, since: Date): Promise<EnteredStatus[]> {
  const rows = await db
    .selectDistinct({ leadId: systemEvents.leadId, status: sql<string>`${systemEvents.payload}->>'to'` })
    .from(systemEvents)
    .where(and(eq(systemEvents.type, "lead.transition"), gte(systemEvents.createdAt, since)));
  return rows.flatMap((r) => (r.leadId && r.status ? [{ leadId: r.leadId, status: r.status }] : []));
}

/**
 * The drop-off per question in the period: distinct leads with a repair (`answer.rejected`) or a
 * handover (`lead.handed_over`) at each question, and leads stalled there (abandoned, or still in
 * the consultation with no client message since `stalledBefore`).
 */
export async function questionDropOff(db: Database, since: Date, stalledBefore: Date): Promise<DropOffCount[]> {
  const question = sql<string>`${systemEvents.payload}->>'question'`;
  const [events, stalled] = await Promise.all([
    db
      .select({ question, type: systemEvents.type, leads: sql<number>`count(DISTINCT ${systemEvents.leadId})::int` })
      .from(systemEvents)
      .where(and(or(eq(systemEvents.type, "answer.rejected"), eq(systemEvents.type, "lead.handed_over")), gte(systemEvents.createdAt, since), sql`${question} IS NOT NULL`))
      .groupBy(question, systemEvents.type),
    db
      .select({ question: leads.currentQuestion, leads: sql<number>`count(*)::int` })
      .from(leads)
      .where(
        and(
          sql`${leads.currentQuestion} IS NOT NULL`,
          gte(leads.lastClientMessageAt, since),
          or(eq(leads.status, "ABANDONED"), and(eq(leads.status, "QUALIFYING"), lt(leads.lastClientMessageAt, stalledBefore))),
        ),
      )
      .groupBy(leads.currentQuestion),
  ]);
  return [
    ...events.map((e) => ({ question: e.question, kind: e.type === "answer.rejected" ? ("repaired" as const) : ("handed_over" as const), leads: e.leads })),
    ...stalled.flatMap((s) => (s.question === null ? [] : [{ question: s.question, kind: "stalled" as const, leads: s.leads }])),
  ];
}

export async function addNote(db: Database, note: { leadId: string; author: string; body: string }) {
  const [row] = await db.insert(leadNotes).values(note).returning();
  if (!row) throw new Error("note insert returned no row");
  return row;
}
