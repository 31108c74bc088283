/**
 * A due timer reaching the lead's object (from the jobs queue, through the inbox, so it runs in
 * turn with the client's messages and the artist's actions). The engine decides (engine/timers.ts)
 * at the cron run's time carried in the message, never this object's clock; the session commits
 * under the marker `timer:<lead>:<kind@basis>`, one per timer occurrence, so a redelivered message,
 * an overlapping cron run or a retried alarm applies it once.
 *
 * When the lead has moved on nothing is sent. When it has not, but nothing is due (the row's
 * `next_timer_at` was computed by older rules), the next timer is written again so the cron stops
 * finding it.
 */
import { decideTimer, type TimerOutcome } from "../src/domain/engine/timers.ts";
import { sessionFacts } from "../src/db/session-facts-store.ts";
import type { Logger } from "../src/lib/log.ts";
import type { TimerPayload } from "./inbox.ts";
import type { LeadSession } from "./lead-session.ts";

export async function applyTimer(session: LeadSession, item: TimerPayload, correlationId: string, log: Logger): Promise<TimerOutcome> {
  const now = new Date(item.nowMs);
  const lead = session.current;
  const about = { lead_id: lead.id, kind: item.kind, due_at: new Date(item.dueAtMs).toISOString(), now: now.toISOString() };
  if (lead.id !== item.leadId) {
    log.warn("timer.wrong_lead", { ...about, expected: item.leadId });
    return { fired: false, reason: "moved_on" };
  }
  // Reminders switched off (FEATURE_REMINDERS) since the cron queued it: nothing fires.
  if (!session.remindersOn) {
    log.info("timer.not_applied", { ...about, reason: "reminders_off" });
    return { fired: false, reason: "reminders_off" };
  }
  // A booked lead's session timers check the booking again (cancelled or moved: not sent) and read the policy.
  const facts = lead.heldSlot === null ? undefined : await sessionFacts(session.db, lead.id);
  const input = { type: "timer", kind: item.kind, dueAt: new Date(item.dueAtMs), seen: item.seen, ...(facts ? { session: facts } : {}) } as const;
  const { outcome, committed, duplicate } = await session.decideAndCommit(
    (state, config) => {
      const decided = decideTimer(state, input, now, config);
      if (decided.outcome.fired) return { ...decided, eventId: `timer:${lead.id}:${decided.outcome.key}` };
      // Nothing due though the lead is as the cron saw it: rewrite the next timer (the session
      // computes it with every commit) so the cron stops finding this lead.
      const stuck = decided.outcome.reason === "not_due" && (state.version ?? -1) === item.seen.version;
      return { ...decided, eventId: stuck ? `timer-refresh:${lead.id}:v${item.seen.version}` : null };
    },
    { provider: "cron", correlationId, now },
  );
  if (outcome.fired) log.info(duplicate ? "timer.duplicate" : "timer.fired", { ...about, fired: outcome.kind, skipped: outcome.skipped, template: outcome.template, dropped: outcome.dropped ?? false });
  else log.info("timer.not_applied", { ...about, reason: outcome.reason, refreshed: committed });
  return outcome;
}
