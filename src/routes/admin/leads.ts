/**
 * /admin/leads: the list, a lead's detail, its debug view and notes. Reads only (notes aside):
 * anything that changes a lead goes through its Durable Object (lead-actions.ts).
 */
import { Hono } from "hono";
import {
  addNote,
  allAnswers,
  decodeCursor,
  findLead,
  latestAnswers,
  leadAttachments,
  leadNotesOf,
  listEvents,
  listLeads,
  recentOutbox,
} from "../../db/admin-store.ts";
import { recordSystemEvent } from "../../db/lead-store.ts";
import type { Lead } from "../../db/schema.ts";
import type { AdminEnv } from "./context.ts";
import { LeadIdParams, LeadListQuery, NoteBody } from "./schemas.ts";
import { snake, snakeAll } from "./json.ts";
import { valid } from "./validate.ts";
import { conversationKeyOf } from "../../domain/client-id.ts";

/** The estimate as the artist reads it (null until its inputs are known). */
function estimateOf(lead: Lead) {
  if (lead.sizeCategory === null) return null;
  return {
    region: lead.region,
    size_category: lead.sizeCategory,
    estimated_days: lead.estimatedDays,
    price: { min_minor: lead.priceMinMinor, max_minor: lead.priceMaxMinor, currency: lead.priceCurrency },
    deposit: { amount_minor: lead.depositAmountMinor, currency: lead.depositCurrency, rule_version: lead.depositRuleVersion, locked_at: lead.depositLockedAt },
    trace: lead.estimateTrace,
  };
}

/** The deposit's link, payment and every movement of money (null before a link was first sent). */
function depositOf(lead: Lead) {
  if (lead.depositAttempt === 0 && lead.depositPaidAt === null) return null;
  return {
    amount_minor: lead.depositAmountMinor,
    currency: lead.depositCurrency,
    rule_version: lead.depositRuleVersion,
    locked_at: lead.depositLockedAt,
    attempt: lead.depositAttempt,
    checkout_session_id: lead.stripeCheckoutSessionId,
    link_url: lead.depositLinkUrl,
    link_expires_at: lead.depositLinkExpiresAt,
    paid_at: lead.depositPaidAt,
    payment_intent_id: lead.stripePaymentIntentId,
    refunded_minor: lead.refundedAmountMinor,
    ledger: lead.depositLedger,
  };
}

function summaryOf(lead: Lead) {
  return {
    id: lead.id,
    phone: lead.phoneE164,
    name: lead.displayName,
    status: lead.status,
    status_changed_at: lead.statusChangedAt,
    current_question: lead.currentQuestion,
    opted_out: lead.optedOut,
    handover_reason: lead.handoverReason,
    consultation_completed_at: lead.consultationCompletedAt,
    approved_at: lead.approvedAt,
    rejected_at: lead.rejectedAt,
    rejection_reason: lead.rejectionReason,
    booked_at: lead.bookedAt,
    created_at: lead.createdAt,
    updated_at: lead.updatedAt,
  };
}

const notFound = { error: "not_found", message: "no lead with this id" } as const;

export const adminLeads = new Hono<AdminEnv>()
  .get("/", valid("query", LeadListQuery), async (c) => {
    const query = c.req.valid("query");
    const page = await listLeads(c.get("db"), {
      status: query.status,
      q: query.q,
      cursor: query.cursor === undefined ? undefined : (decodeCursor(query.cursor) ?? undefined),
      limit: query.limit,
    });
    return c.json({ leads: snakeAll(page.leads), next_cursor: page.nextCursor });
  })
  .get("/:id", valid("param", LeadIdParams), async (c) => {
    const db = c.get("db");
    const { id } = c.req.valid("param");
    const lead = await findLead(db, id);
    if (!lead) return c.json(notFound, 404);
    const [answers, attachments, events, notes] = await Promise.all([
      latestAnswers(db, id),
      leadAttachments(db, id),
      listEvents(db, { leadId: id, limit: 100 }),
      leadNotesOf(db, id),
    ]);
    return c.json({
      lead: summaryOf(lead),
      answers: answers.map((a) => ({ question: a.questionKey, text: a.rawText, value: a.value, seq: a.seq, answered_at: a.answeredAt })),
      estimate: estimateOf(lead),
      deposit: depositOf(lead),
      attachments: snakeAll(attachments),
      events: snakeAll(events),
      notes: snakeAll(notes),
    });
  })
  .get("/:id/debug", valid("param", LeadIdParams), async (c) => {
    const db = c.get("db");
    const { id } = c.req.valid("param");
    const lead = await findLead(db, id);
    if (!lead) return c.json(notFound, 404);
    const [answers, outbox, object] = await Promise.all([
      allAnswers(db, id),
      recentOutbox(db, id),
      c.env.LEAD_CONVERSATION.getByName(conversationKeyOf(lead)).debugState(),
    ]);
    return c.json({
      lead: snake(lead),
      answers: snakeAll(answers),
      handover_packet: lead.handoverPacket,
      outbox: snakeAll(outbox),
      durable_object: {
        lead_id: object.leadId,
        pending_outbox: object.pendingOutbox,
        sends_in_doubt: snakeAll(object.sendsInDoubt),
        alarm: object.alarm,
        inbox: snakeAll(object.inbox),
      },
    });
  })
  .post("/:id/notes", valid("param", LeadIdParams), valid("json", NoteBody), async (c) => {
    const db = c.get("db");
    const { id } = c.req.valid("param");
    const lead = await findLead(db, id);
    if (!lead) return c.json(notFound, 404);
    const note = await addNote(db, { leadId: id, ...c.req.valid("json") });
    await recordSystemEvent(db, { type: "lead.note_added", leadId: id, payload: { note_id: note.id, author: note.author }, correlationId: c.get("correlationId") });
    return c.json({ note: snake(note) }, 201);
  });
