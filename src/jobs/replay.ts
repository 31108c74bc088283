/**
 * Replaying a dead letter (admin API and inbox): a valid job goes back on the jobs queue, once; a
 * letter that fails the job schema cannot be helped by replaying and is refused.
 */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { deadLetters } from "../db/schema.ts";
import { claimDeadLetters, unclaimDeadLetter, type DeadLetter } from "../db/timer-store.ts";
import { JobSchema } from "./messages.ts";

export type ReplayOutcome =
  | { ok: true; letter: DeadLetter }
  | { ok: false; reason: "not_found" | "not_replayable" | "already_replayed"; message: string };

export async function replayDeadLetter(db: Database, jobs: Queue, id: number, now: Date): Promise<ReplayOutcome> {
  const [letter] = await db.select().from(deadLetters).where(eq(deadLetters.id, id));
  if (!letter) return { ok: false, reason: "not_found", message: `no dead letter ${id}` };
  const job = JobSchema.safeParse(letter.body);
  if (!job.success) return { ok: false, reason: "not_replayable", message: `dead letter ${id} fails the job schema: replaying cannot help (${letter.reason})` };
  const [claimed] = await claimDeadLetters(db, [id], now);
  if (!claimed) return { ok: false, reason: "already_replayed", message: `dead letter ${id} was replayed at ${letter.replayedAt?.toISOString() ?? "an earlier time"}` };
  try {
    await jobs.send(job.data, { contentType: "json" });
  } catch (error) {
    await unclaimDeadLetter(db, id);
    throw error;
  }
  return { ok: true, letter: claimed };
}
