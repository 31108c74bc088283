/**
 * BenchProbe: the baselines `npm run bench` compares Inkline against, measured through the same
 * runtime paths the product uses. One RPC that writes one row to the object's SQLite storage (what
 * the webhook ack costs at minimum), and one `SELECT 1` over a pool the object keeps open, exactly
 * as LeadConversation keeps its own (one database round trip, nothing else).
 *
 * Reached only through `/_bench/*`, which answers 404 unless BENCH_MODE is on (refused in
 * production by src/config.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { requireConfig } from "../src/config.ts";
import { openDatabase, type DatabaseHandle } from "../src/db/client.ts";

export interface ProbeWriteResult {
  rows: number;
}

export interface ProbeSelectResult {
  /** Time the object waited for the query, ms (the clock advances across I/O in workerd). */
  dbMs: number;
}

export class BenchProbe extends DurableObject<Env> {
  private database: DatabaseHandle | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS probe (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL)");
  }

  /** Writes one row (durable before the reply leaves, like LeadConversation.receive). */
  write(): ProbeWriteResult {
    this.ctx.storage.sql.exec("INSERT INTO probe (at) VALUES (?)", Date.now());
    return { rows: 1 };
  }

  /** One `SELECT 1` through the kept pool. */
  async selectOne(): Promise<ProbeSelectResult> {
    this.database ??= openDatabase(requireConfig(this.env), { max: 1 });
    const started = Date.now();
    try {
      await this.database.pool.query("SELECT 1");
    } catch (error) {
      // A broken connection must not stick to the object: the next call opens a fresh pool.
      this.database.close().catch(() => undefined);
      this.database = null;
      throw error;
    }
    return { dbMs: Date.now() - started };
  }
}
