/**
 * Deposit fixtures for Workers tests: a lead waiting for its deposit (the link really created
 * through the admin API, so its Checkout Session exists in the emulator), the copy a client or
 * the artist reads, and the lead's deposit events.
 */
import { expect } from "vitest";
import { renderCopy } from "../../../src/domain/copy.ts";
import { PRICING_RULES } from "../../../src/domain/pricing-rules.ts";
import { adminFetch, insertLead, settleLead, type TestLead } from "./artist.ts";
import { sql } from "./db.ts";
import { sessionsFor, type EmulatedSession } from "./stripe.ts";

/** The client's copy, as Ari Lane hears it from Mara's assistant. */
export const copy = (key: Parameters<typeof renderCopy>[0], extra: Record<string, string> = {}) =>
  renderCopy(key, { artistName: "Mara", greetingName: " Ari", replyDays: 3, ...extra });

/** The deposit's confirmation to the client (with the deposit policy). */
export const paidCopy = (deposit = "£100") => copy("deposit.paid.client", { deposit, policy: copy("deposit.policy") });

/** What the client hears when the artist approves (the calendar on) once consent is given: the good news, then the free times as a list. */
export const APPROVED_TEXTS = [copy("action.approve_booking.client"), expect.stringMatching(/free times with Mara/)];

/** What a client who has not given consent hears when the artist approves: the good news and the date-of-birth question (consent.ts). */
export const CONSENT_ASKED = [expect.stringMatching(/^Great news Ari! Mara has looked at your idea[\s\S]*what's your date of birth\?/)];

/** The last thing the client hears once they have given consent after an approval (the calendar on): the free times. */
export const OFFERED_AFTER_CONSENT: unknown = expect.stringMatching(/free times with Mara/);

/** An approved lead (a £100 deposit quoted under today's rules), no link yet. */
export function approvedLead(columns: Record<string, unknown> = {}): Promise<TestLead> {
  return insertLead("COLLECTING_TIME_WINDOWS", { deposit_rule_version: PRICING_RULES.version, ...columns });
}

/** Runs "send deposit" through the admin API; returns the response body. */
export async function sendDeposit(leadId: string, key?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await adminFetch(`/admin/leads/${leadId}/send-deposit`, { body: {}, headers: key ? { "idempotency-key": key } : {} });
  return { status: res.status, body: await res.json<Record<string, unknown>>() };
}

/** An approved lead sent its deposit link: AWAITING_DEPOSIT with a real Checkout Session. */
export async function awaitingDeposit(columns: Record<string, unknown> = {}): Promise<{ lead: TestLead; session: EmulatedSession }> {
  const lead = await approvedLead(columns);
  const sent = await sendDeposit(lead.id);
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  await settleLead(lead.phone);
  const sessions = await sessionsFor(lead.id);
  const session = sessions.at(-1);
  if (!session) throw new Error("no Checkout Session was created");
  return { lead, session };
}

/** The lead's system events of `type`, oldest first. */
export function eventsOf(leadId: string, type: string): Promise<{ payload: Record<string, unknown>; level: string }[]> {
  return sql("SELECT payload, level FROM system_events WHERE lead_id = $1 AND type = $2 ORDER BY id", [leadId, type]);
}

/** How many times the lead moved into `status`. */
export async function entered(leadId: string, status: string): Promise<number> {
  const rows = await sql("SELECT 1 FROM system_events WHERE lead_id = $1 AND type = 'lead.transition' AND payload->>'to' = $2", [leadId, status]);
  return rows.length;
}
