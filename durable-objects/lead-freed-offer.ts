/**
 * Freed slots at the lead's object (issue 18, item 7): the offer the job (src/jobs/slot-freed.ts)
 * hands over, its withdrawal at the deadline, and what the client's answer does to the
 * `slot_offers` row. The engine decides (engine/freed-offer.ts) at the job's time; the session
 * commits under the job's marker, so a redelivered offer is one offer.
 *
 * After a commit: a `booking.freed_answered` event closes its row (only an open row closes) and,
 * unless the client took the time, the interval goes back on the queue for the next client. An
 * offer the lead can no longer take (it moved on, opted out) is closed SKIPPED and passed on the
 * same way. Should this step fail after the commit, nothing is lost: the row stays open until its
 * deadline, and the cron's sweep moves the time on then.
 */
import { closeOffer, type ClosedOutcome } from "../src/db/slot-offer-store.ts";
import type { Database } from "../src/db/client.ts";
import { decideFreedOffer, decideFreedWithdraw, type Decision, type FreedAnswer } from "../src/domain/engine.ts";
import { slotFreedJob } from "../src/jobs/slot-freed.ts";
import type { Logger } from "../src/lib/log.ts";
import type { FreedOfferPayload, FreedWithdrawPayload } from "./inbox.ts";
import type { LeadSession } from "./lead-session.ts";

const NOTHING: Decision = { transitions: [], patch: {}, answers: [], attachments: [], outbound: [], events: [], actionLinks: [] };
const CLOSED: Record<FreedAnswer, ClosedOutcome> = { accepted: "ACCEPTED", declined: "DECLINED", lost: "LOST", lapsed: "LAPSED" };

/** What the object needs besides the session: Postgres for the rows, the queue for the next client. */
export interface FreedDeps {
  db: () => Database;
  jobs: Queue;
}

/** Closes the row; when it was open and the time was not taken, the next client is asked. */
async function close(deps: FreedDeps, rowId: string, outcome: ClosedOutcome, now: Date, correlationId: string, log: Logger): Promise<void> {
  const row = await closeOffer(deps.db(), rowId, outcome, now);
  log.info("freed.offer_closed", { row_id: rowId, outcome, was_open: row !== null });
  if (!row || outcome === "ACCEPTED") return;
  await deps.jobs.send(slotFreedJob({ artistId: row.artistId, start: row.freedStart, end: row.freedEnd, now, correlationId }), { contentType: "json" });
}

/** The job offers a freed slot to this lead. */
export async function applyFreedOffer(session: LeadSession, deps: FreedDeps, item: FreedOfferPayload, correlationId: string, log: Logger): Promise<void> {
  const now = new Date(item.nowMs);
  const lead = session.current;
  const about = { lead_id: lead.id, row_id: item.rowId, now: now.toISOString() };
  const input = {
    rowId: item.rowId,
    start: new Date(item.startMs),
    end: new Date(item.endMs),
    label: item.label,
    timeZone: item.timeZone,
    deadline: new Date(item.deadlineMs),
    deadlineLabel: item.deadlineLabel,
  };
  if (lead.id === item.leadId) {
    const { outcome, duplicate } = await session.decideAndCommit(
      (state, config) => {
        // Offered already (a repeat the inbox did not catch): nothing to decide again.
        if (state.slotOffer?.freed?.rowId === item.rowId) return { decision: NOTHING, eventId: null, outcome: { offered: true, template: false } as const };
        const decided = decideFreedOffer(state, input, now, config);
        return { decision: decided.decision, eventId: decided.outcome.offered ? item.eventId : null, outcome: decided.outcome };
      },
      { provider: "cron", correlationId, now },
    );
    if (outcome.offered) {
      log.info(duplicate ? "freed.offer_duplicate" : "freed.offer_sent", { ...about, template: outcome.template });
      return;
    }
    log.info("freed.offer_skipped", { ...about, reason: outcome.reason });
  } else log.warn("freed.wrong_lead", { ...about, expected: item.leadId });
  await close(deps, item.rowId, "SKIPPED", now, correlationId, log);
}

/** The offer's deadline passed (the row is closed already): withdrawn from the lead if still open. */
export async function applyFreedWithdraw(session: LeadSession, item: FreedWithdrawPayload, correlationId: string, log: Logger): Promise<void> {
  const now = new Date(item.nowMs);
  const lead = session.current;
  if (lead.id !== item.leadId) return;
  const { outcome } = await session.decideAndCommit(
    (state, config) => {
      const decided = decideFreedWithdraw(state, item.rowId, now, config);
      return { decision: decided.decision, eventId: decided.withdrawn ? item.eventId : null, outcome: decided.withdrawn };
    },
    { provider: "cron", correlationId, now },
  );
  log.info("freed.withdraw", { lead_id: lead.id, row_id: item.rowId, withdrawn: outcome });
}

/** After any committed decision of the lead: a freed-slot answer closes its row (and moves the time on). */
export async function afterFreedAnswer(deps: FreedDeps, decision: Decision, now: Date, correlationId: string, log: Logger): Promise<void> {
  for (const event of decision.events) {
    if (event.type !== "booking.freed_answered") continue;
    const rowId = event.payload.row_id;
    const answer = event.payload.outcome as FreedAnswer;
    if (typeof rowId !== "string" || !Object.hasOwn(CLOSED, answer)) continue;
    try {
      await close(deps, rowId, CLOSED[answer], now, correlationId, log);
    } catch (error) {
      // The answer is committed; the row stays open until its deadline, when the sweep moves it on.
      log.error("freed.close_failed", { row_id: rowId, outcome: answer, error });
    }
  }
}
