/**
 * GET /admin/jobs: what the time machinery is doing. Timers overdue (the next cron run enqueues
 * them) and coming up, timers fired lately (system events), and the jobs queue's dead letters.
 * POST /admin/jobs/dead-letters/:id/replay sends one back to the jobs queue, once.
 */
import { Hono } from "hono";
import { dueTimerLeads, firedTimers, listDeadLetters, upcomingTimers } from "../../db/timer-store.ts";
import { replayDeadLetter } from "../../jobs/replay.ts";
import type { AdminEnv } from "./context.ts";
import { snake, snakeAll } from "./json.ts";
import { DeadLetterParams, EmptyBody, JobsQuery } from "./schemas.ts";
import { valid } from "./validate.ts";

const timerRow = (r: { id: string; status: string; nextTimerAt: Date; nextTimerKind: string }) => ({
  lead_id: r.id,
  status: r.status,
  kind: r.nextTimerKind,
  due_at: r.nextTimerAt.toISOString(),
});

export const adminJobs = new Hono<AdminEnv>()
  .get("/", valid("query", JobsQuery), async (c) => {
    const { hours, limit } = c.req.valid("query");
    const db = c.get("db");
    const now = new Date();
    const [due, upcoming, fired, dead] = await Promise.all([
      dueTimerLeads(db, now, limit),
      upcomingTimers(db, now, new Date(now.getTime() + hours * 3_600_000), limit),
      firedTimers(db, limit),
      listDeadLetters(db, limit, true),
    ]);
    return c.json({
      now: now.toISOString(),
      due: due.map(timerRow),
      upcoming: upcoming.map(timerRow),
      fired: fired.map((f) => ({ lead_id: f.leadId, at: f.at.toISOString(), ...(f.payload as Record<string, unknown>) })),
      dead_letters: snakeAll(dead),
    });
  })
  .post("/dead-letters/:id/replay", valid("param", DeadLetterParams), valid("json", EmptyBody), async (c) => {
    const { id } = c.req.valid("param");
    const outcome = await replayDeadLetter(c.get("db"), c.env.JOBS, id, new Date());
    if (outcome.ok) return c.json({ replayed: snake(outcome.letter) }, 202);
    return c.json({ error: outcome.reason, message: outcome.message }, outcome.reason === "not_found" ? 404 : 409);
  });
