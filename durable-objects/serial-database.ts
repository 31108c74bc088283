/**
 * The two things every per-artist Durable Object needs around its work: its own serial queue (a
 * Durable Object serialises events, not the awaits inside them, so two calls can interleave across
 * their Postgres and Graph calls unless they wait their turn here) and one lazily opened Postgres
 * connection that a failed statement throws away (the next call opens a fresh one).
 *
 * Used by ArtistCalendar and ArtistDesk; the lead's own object has its inbox drain instead.
 */
import type { AppConfig } from "../src/config.ts";
import { connectPatiently, openDatabase, type Database, type DatabaseHandle } from "../src/db/client.ts";

export class SerialDatabase {
  private tail: Promise<unknown> = Promise.resolve();
  private handle: DatabaseHandle | null = null;
  private readonly config: () => AppConfig;

  /** `config` is read when a connection is opened (the object's env, validated). */
  constructor(config: () => AppConfig) {
    this.config = config;
  }

  /** Runs `work` after every earlier call's work has finished (the object's own queue). */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The object's connection, opened (patiently: slots are shared) on first use. */
  async db(): Promise<Database> {
    if (!this.handle) {
      const handle = openDatabase(this.config(), { max: 1 });
      await connectPatiently(handle);
      this.handle = handle;
    }
    return this.handle.db;
  }

  /** Runs `work` on the connection; a failed statement may have left it dead, so it is dropped. */
  async guarded<T>(work: (db: Database) => Promise<T>): Promise<T> {
    try {
      return await work(await this.db());
    } catch (error) {
      this.drop();
      throw error;
    }
  }

  /** Closes the connection (the object is going idle, or a failure may have broken it). */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close().catch(() => undefined);
  }

  /** Forgets the connection without waiting for it to close. */
  private drop(): void {
    const handle = this.handle;
    this.handle = null;
    void handle?.close().catch(() => undefined);
  }
}
