/**
 * The end-of-run ledger: every consultation's messages processed exactly once (Postgres
 * processed_events), every expected reply sent exactly once (emulator sends = outbox rows SENT =
 * the calibrated count, no outbox row sent twice), every lead in the calibrated final state, and
 * the burst fully drained. Any difference is a problem, and one problem fails the bench.
 */
import type { RunningWhatsAppEmulator } from "../dev/emulators/whatsapp/index.ts";
import { readLedgers, readOutcomes, type LeadLedger, type LeadOutcome, type PgClient } from "./db.ts";
import type { BenchFigures } from "./report.ts";

export interface Expectations {
  /** Numbers that ran a full consultation. */
  conversations: readonly string[];
  messagesPerConsultation: number;
  clientRepliesPerConsultation: number;
  artistPerConsultation: number;
  artist: string;
  outcome: LeadOutcome;
  burst: { number: string; messages: number; accepted: number; non200: number };
  /** Stalls and bad acks the driver saw. */
  driverFailures: readonly { number: string; step: number; reason: string }[];
}

/** "131047×160, 100×2": how often each value occurs, most frequent first. */
function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([v, n]) => `${v}×${n}`).join(", ");
}

/** What every full consultation must have come to. */
export type ConsultationExpectations = Pick<Expectations, "conversations" | "messagesPerConsultation" | "clientRepliesPerConsultation" | "outcome">;

/**
 * Each consultation: all its messages processed, every reply sent (`sendsTo`: how many the Graph
 * emulator accepted for the number), nothing pending or failed, the calibrated final state.
 * Shared with `npm run chaos`, whose consultations must come out the same despite the faults.
 */
export function checkConsultations(
  ledgers: ReadonlyMap<string, LeadLedger>,
  outcomes: ReadonlyMap<string, LeadOutcome>,
  sendsTo: (phone: string) => number,
  e: ConsultationExpectations,
): { problems: string[]; clientReplies: number } {
  const problems: string[] = [];
  let clientReplies = 0;
  for (const phone of e.conversations) {
    const ledger = ledgers.get(phone);
    const sends = sendsTo(phone);
    clientReplies += sends;
    if (!ledger) {
      problems.push(`${phone}: no lead in Postgres`);
      continue;
    }
    if (ledger.processed !== e.messagesPerConsultation) problems.push(`${phone}: ${ledger.processed}/${e.messagesPerConsultation} messages processed`);
    if (ledger.pending > 0 || ledger.failed > 0) problems.push(`${phone}: ${ledger.pending} pending, ${ledger.failed} failed outbox rows`);
    if (sends !== e.clientRepliesPerConsultation) problems.push(`${phone}: ${sends} replies, expected ${e.clientRepliesPerConsultation}`);
    if (ledger.sentToClient !== sends) problems.push(`${phone}: ${ledger.sentToClient} outbox rows SENT but ${sends} Graph sends`);
    const outcome = outcomes.get(phone);
    if (outcome && (outcome.status !== e.outcome.status || outcome.answers !== e.outcome.answers)) {
      problems.push(`${phone}: ended in ${outcome.status} with ${outcome.answers} answers, not ${e.outcome.status} with ${e.outcome.answers}`);
    }
  }
  return { problems, clientReplies };
}

/** Checks the whole run; never throws for a mismatch, only lists it. */
export async function verifyRun(pg: PgClient, whatsapp: RunningWhatsAppEmulator, e: Expectations): Promise<BenchFigures["integrity"]> {
  const ledgers = await readLedgers(pg, [...e.conversations, e.burst.number]);
  const outcomes = await readOutcomes(pg, e.conversations);
  const { problems, clientReplies } = checkConsultations(ledgers, outcomes, (phone) => whatsapp.sends(phone).length, e);

  const burst = ledgers.get(e.burst.number);
  const burstSends = whatsapp.sends(e.burst.number).length;
  if (!burst || burst.processed !== e.burst.messages || e.burst.accepted !== e.burst.messages || burst.pending > 0) {
    problems.push(`burst: ${burst?.processed ?? 0}/${e.burst.messages} processed, ${e.burst.accepted} accepted, ${e.burst.non200} non-200 acks`);
  } else if (burst.sentToClient !== burstSends) {
    problems.push(`burst: ${burst.sentToClient} outbox rows SENT but ${burstSends} Graph sends`);
  }

  for (const f of e.driverFailures) problems.push(`${f.number} step ${f.step}: ${f.reason}`);

  // Every send carries its outbox row id (biz_opaque_callback_data): one row, one send.
  const perRow = new Map<string, number>();
  for (const send of whatsapp.sends()) {
    const body = send.body;
    const ref = typeof body === "object" && body !== null && "biz_opaque_callback_data" in body ? body.biz_opaque_callback_data : undefined;
    if (typeof ref === "string") perRow.set(ref, (perRow.get(ref) ?? 0) + 1);
  }
  const doubledSends = [...perRow.values()].filter((n) => n > 1).length;
  if (doubledSends > 0) problems.push(`${doubledSends} outbox rows were sent more than once`);

  const artistExpected = e.conversations.length * e.artistPerConsultation;
  const artistAll = whatsapp.sends(e.artist).length;
  // The burst replays a whole consultation too, so it may add one consultation's artist messages.
  const artistFromBurst = artistAll - artistExpected;
  if (artistFromBurst < 0 || artistFromBurst > e.artistPerConsultation) {
    problems.push(`the artist got ${artistAll} messages, expected ${artistExpected} (+ up to ${e.artistPerConsultation} from the burst)`);
  }

  return {
    conversations: e.conversations.length,
    messages: e.conversations.length * e.messagesPerConsultation,
    expectedClientReplies: e.conversations.length * e.clientRepliesPerConsultation,
    clientReplies,
    artistExpected,
    artistReplies: artistAll - Math.min(Math.max(0, artistFromBurst), e.artistPerConsultation),
    doubledSends,
    rejectedSends: whatsapp.rejected().length,
    rejectedCodes: countBy(whatsapp.rejected().map((r) => String(r.error.code))),
    problems,
  };
}
