/**
 * Reading a chaos run's ledger: the three queries (one parameter, the numbers as a text[]) and the
 * assembly of their rows into {@link LeadLedger}s, plus the emulator's sends as
 * {@link ObservedSend}s. Shared by `npm run chaos` (pg over TCP) and the slim chaos test (the Neon
 * driver inside workerd), so both judge exactly the same data.
 */
import type { LeadLedger, ObservedSend, OutboxRow } from "./invariants.ts";

export const LEDGER_QUERIES = {
  leads: `SELECT id, coalesce(conversation_key, phone_e164) AS phone, status FROM leads WHERE coalesce(conversation_key, phone_e164) = ANY($1)`,
  processed: `SELECT p.lead_id, p.provider, p.event_id FROM processed_events p JOIN leads l ON l.id = p.lead_id
               WHERE coalesce(l.conversation_key, l.phone_e164) = ANY($1) AND p.provider IN ('whatsapp', 'stripe') ORDER BY p.id`,
  outbox: `SELECT o.id, o.lead_id, o.seq, coalesce(o.to_phone, o.to_user_id) AS to_phone, o.status FROM outbox_messages o JOIN leads l ON l.id = o.lead_id
            WHERE coalesce(l.conversation_key, l.phone_e164) = ANY($1) ORDER BY o.lead_id, o.seq`,
  transitions: `SELECT e.lead_id, e.payload->>'from' AS "from", e.payload->>'to' AS "to" FROM system_events e JOIN leads l ON l.id = e.lead_id
                 WHERE coalesce(l.conversation_key, l.phone_e164) = ANY($1) AND e.type = 'lead.transition' ORDER BY e.id`,
} as const;

export interface LedgerRows {
  leads: readonly { id: string; phone: string; status: string }[];
  processed: readonly { lead_id: string; provider: string; event_id: string }[];
  outbox: readonly { id: string; lead_id: string; seq: number; to_phone: string; status: string }[];
  transitions: readonly { lead_id: string; from: string | null; to: string | null }[];
}

/** Runs one of {@link LEDGER_QUERIES} with the numbers and returns its rows. */
export type LedgerQuery = (text: string, phones: readonly string[]) => Promise<Record<string, unknown>[]>;

const str = (v: unknown): string => (typeof v === "string" ? v : String(v));

/** Reads the ledgers of `phones` with `query` (keyed by E.164 number; numbers without a lead are absent). */
export async function readLeadLedgers(query: LedgerQuery, phones: readonly string[]): Promise<Map<string, LeadLedger>> {
  // One after another: a single connection runs one query at a time.
  const leads = await query(LEDGER_QUERIES.leads, phones);
  const processed = await query(LEDGER_QUERIES.processed, phones);
  const outbox = await query(LEDGER_QUERIES.outbox, phones);
  const transitions = await query(LEDGER_QUERIES.transitions, phones);
  return assembleLedgers({
    leads: leads.map((r) => ({ id: str(r.id), phone: str(r.phone), status: str(r.status) })),
    processed: processed.map((r) => ({ lead_id: str(r.lead_id), provider: str(r.provider), event_id: str(r.event_id) })),
    outbox: outbox.map((r) => ({ id: str(r.id), lead_id: str(r.lead_id), seq: Number(r.seq), to_phone: str(r.to_phone), status: str(r.status) })),
    transitions: transitions.map((r) => ({ lead_id: str(r.lead_id), from: r.from === null ? null : str(r.from), to: r.to === null ? null : str(r.to) })),
  });
}

/** Groups the rows by lead (rows keep their query order: processed by id, outbox by seq, events by id). */
export function assembleLedgers(rows: LedgerRows): Map<string, LeadLedger> {
  const byLead = new Map<string, { phone: string; status: string; processed: string[]; stripeProcessed: string[]; outbox: OutboxRow[]; transitions: { from: string; to: string }[] }>();
  for (const lead of rows.leads) byLead.set(lead.id, { phone: lead.phone, status: lead.status, processed: [], stripeProcessed: [], outbox: [], transitions: [] });
  for (const p of rows.processed) (p.provider === "stripe" ? byLead.get(p.lead_id)?.stripeProcessed : byLead.get(p.lead_id)?.processed)?.push(p.event_id);
  for (const o of rows.outbox) byLead.get(o.lead_id)?.outbox.push({ id: o.id, seq: o.seq, toPhone: o.to_phone, status: o.status });
  for (const t of rows.transitions) byLead.get(t.lead_id)?.transitions.push({ from: t.from ?? "?", to: t.to ?? "?" });
  return new Map([...byLead.values()].map((l) => [l.phone, l]));
}

/** The emulator's record of a send, as much of it as the check needs. */
export interface EmulatorSend {
  wa_id: string;
  received_at: string;
  body: unknown;
}

/** What a Graph send showed its recipient: a text's body or an interactive message's body. */
function textOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const text = "text" in body && typeof body.text === "object" && body.text !== null && "body" in body.text ? body.text.body : null;
  if (typeof text === "string") return text;
  const interactive = "interactive" in body && typeof body.interactive === "object" && body.interactive !== null && "body" in body.interactive ? body.interactive.body : null;
  const inner = typeof interactive === "object" && interactive !== null && "text" in interactive ? interactive.text : null;
  return typeof inner === "string" ? inner : null;
}

/** Sends in the emulator's order, each with the outbox row id it carried. */
export function observedSends(sends: readonly EmulatorSend[]): ObservedSend[] {
  return sends.map((s) => {
    const body = s.body;
    const ref = typeof body === "object" && body !== null && "biz_opaque_callback_data" in body ? body.biz_opaque_callback_data : null;
    return { ref: typeof ref === "string" ? ref : null, waId: s.wa_id, at: Date.parse(s.received_at), text: textOf(body) };
  });
}
