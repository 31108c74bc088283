/**
 * EventSampler: counts a noisy kind of event (a forged webhook, a change for another phone number)
 * without a database connection per occurrence, and writes a rate-limited sample of it to
 * `system_events`: at most one row per kind a minute (SAMPLE_WINDOW_MS), carrying how many
 * happened since the previous row and why. One object per event kind (`getByName(type)`).
 *
 * Why a Durable Object: a flood of forged requests is spread over many isolates, and only one
 * serial point per kind can promise "one row a minute" globally; counting costs one object call
 * and a local SQLite write, no Postgres. The tally is kept in the object's storage, so an evicted
 * object loses nothing, and only the alarm talks to Postgres: one connection per kind per window.
 * A failed write keeps the tally and tries again a window later, until it lands.
 */
import { DurableObject } from "cloudflare:workers";
import { requireConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/client.ts";
import { recordSystemEvent } from "../src/db/lead-store.ts";
import { createLogger } from "../src/lib/log.ts";
import { addToTally, mergeTallies, SAMPLE_WINDOW_MS, tallyPayload, type SampledEvent, type Tally } from "../src/lib/event-tally.ts";

const PENDING = "pending";
/** A tally taken by a write in progress (an object reset mid-write leaves it here for the next alarm). */
const WRITING = "writing";
const LAST_WRITE = "lastWriteAt";

export class EventSampler extends DurableObject<Env> {
  /** The write under way: a flush asked for meanwhile waits for it, so no tally is written twice. */
  private writing: Promise<void> | null = null;

  /**
   * Counts one occurrence of this object's event kind. The first one after a quiet window is
   * written at once (the alarm fires now); later ones wait for the window to close. `n` counts
   * several at once (a caller that tallies its own first, as the database gate does).
   */
  async count(type: SampledEvent, reason: string, now: number, n = 1): Promise<void> {
    const kv = this.ctx.storage.kv;
    kv.put(PENDING, addToTally(kv.get<Tally>(PENDING), reason, now, Math.max(1, Math.floor(n))));
    kv.put("type", type);
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Math.max(now, (kv.get<number>(LAST_WRITE) ?? 0) + SAMPLE_WINDOW_MS));
    }
  }

  /** What is counted and not yet written (tests and the debug view). */
  pending(): Tally | null {
    return mergeTallies(this.ctx.storage.kv.get<Tally>(WRITING), this.ctx.storage.kv.get<Tally>(PENDING)) ?? null;
  }

  /**
   * Writes the tally when the window since the last row has closed. An alarm can be set early by
   * a count that raced a running alarm; it then only moves itself to the window's end.
   */
  override async alarm(): Promise<void> {
    const due = (this.ctx.storage.kv.get<number>(LAST_WRITE) ?? 0) + SAMPLE_WINDOW_MS;
    if (Date.now() < due) {
      await this.ctx.storage.setAlarm(due);
      return;
    }
    try {
      await this.flush();
    } catch (error) {
      // The tally is kept; try again a window later rather than press a database that is away.
      createLogger(crypto.randomUUID(), "warn").warn("event_sampler.write_failed", { type: this.ctx.storage.kv.get<string>("type"), error });
      await this.ctx.storage.setAlarm(Date.now() + SAMPLE_WINDOW_MS);
    }
  }

  /** Writes what is counted as one system event now, whatever the window (the alarm; tests). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
    this.writing = this.write();
    try {
      await this.writing;
    } finally {
      this.writing = null;
    }
  }

  private async write(): Promise<void> {
    const kv = this.ctx.storage.kv;
    const config = requireConfig(this.env);
    const type = kv.get<SampledEvent>("type");
    const tally = mergeTallies(kv.get<Tally>(WRITING), kv.get<Tally>(PENDING));
    kv.delete(PENDING);
    if (!type || !tally) {
      kv.delete(WRITING);
      return;
    }
    kv.put(WRITING, tally);
    // Set before the write: occurrences counted meanwhile wait a full window, not a second row now.
    const previousWrite = kv.get<number>(LAST_WRITE);
    kv.put(LAST_WRITE, Date.now());
    if (!config.DATABASE_URL) {
      kv.delete(WRITING);
      return;
    }
    const handle = openDatabase(config);
    try {
      await recordSystemEvent(handle.db, { type, level: "warn", payload: tallyPayload(tally) });
      kv.delete(WRITING);
      // Counted while the row was being written: the next row, one window on.
      if (kv.get<Tally>(PENDING) && (await this.ctx.storage.getAlarm()) === null) {
        await this.ctx.storage.setAlarm((kv.get<number>(LAST_WRITE) ?? Date.now()) + SAMPLE_WINDOW_MS);
      }
    } catch (error) {
      // Give the tally back (before what came since) for the next try.
      kv.put(PENDING, mergeTallies(tally, kv.get<Tally>(PENDING)));
      kv.delete(WRITING);
      if (previousWrite === undefined) kv.delete(LAST_WRITE);
      else kv.put(LAST_WRITE, previousWrite);
      throw error;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }
}
