/**
 * What the bench asks Postgres directly (over plain TCP from Node, never through the Worker's
 * path): per-statement counts from pg_stat_statements, and the end-of-run ledger that proves no
 * message was lost or doubled.
 */
import pg from "pg";

export type PgClient = pg.Client;

export async function connect(url: string): Promise<PgClient> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Creates pg_stat_statements (needs `shared_preload_libraries`); false when it is unavailable. */
export async function enableStatementStats(client: PgClient): Promise<boolean> {
  try {
    await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    await client.query("SELECT pg_stat_statements_reset()");
    return true;
  } catch {
    return false;
  }
}

export interface StatementCount {
  query: string;
  calls: number;
}

/** Statements run in this database since the last reset, most frequent first (the bench's own excluded). */
export async function readStatementStats(client: PgClient): Promise<StatementCount[]> {
  const result = await client.query<{ query: string; calls: string }>(
    `SELECT s.query, sum(s.calls)::text AS calls
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = current_database()
        AND s.query NOT ILIKE '%pg_stat_statements%'
        AND s.query NOT ILIKE '%/* inkline-bench */%'
      GROUP BY s.query
      ORDER BY sum(s.calls) DESC`,
  );
  return result.rows.map((r) => ({ query: r.query.replace(/\s+/g, " ").trim(), calls: Number(r.calls) }));
}

export async function resetStatementStats(client: PgClient): Promise<void> {
  await client.query("SELECT pg_stat_statements_reset()");
}

/** One number's ledger in Postgres. */
export interface LeadLedger {
  phone: string;
  processed: number;
  /** Outbox rows to this client that went out (SENT, or moved on by a status webhook), then by status. */
  sentToClient: number;
  pending: number;
  failed: number;
}

/** Ledgers of the given numbers (missing numbers are absent from the map). */
export async function readLedgers(client: PgClient, phones: readonly string[]): Promise<Map<string, LeadLedger>> {
  const result = await client.query<{ phone: string; processed: string; sent: string; pending: string; failed: string }>(
    `/* inkline-bench */
     SELECT coalesce(l.conversation_key, l.phone_e164) AS phone,
            (SELECT count(*) FROM processed_events p WHERE p.lead_id = l.id AND p.provider = 'whatsapp')::text AS processed,
            (SELECT count(*) FROM outbox_messages o WHERE o.lead_id = l.id AND (o.to_phone = l.phone_e164 OR o.to_user_id IS NOT NULL) AND o.status IN ('SENT', 'DELIVERED', 'READ'))::text AS sent,
            (SELECT count(*) FROM outbox_messages o WHERE o.lead_id = l.id AND o.status = 'PENDING')::text AS pending,
            (SELECT count(*) FROM outbox_messages o WHERE o.lead_id = l.id AND o.status = 'FAILED')::text AS failed
       FROM leads l WHERE coalesce(l.conversation_key, l.phone_e164) = ANY($1)`,
    [phones],
  );
  return new Map(
    result.rows.map((r) => [
      r.phone,
      { phone: r.phone, processed: Number(r.processed), sentToClient: Number(r.sent), pending: Number(r.pending), failed: Number(r.failed) },
    ]),
  );
}

export interface Footprint {
  rows: number;
  bytes: number;
}

/** Rows and on-disk bytes (tables + indexes + TOAST) of the application's tables in `public`. */
export async function readFootprint(client: PgClient): Promise<Footprint> {
  const tables = await client.query<{ name: string; bytes: string }>(
    `/* inkline-bench */
     SELECT c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'`,
  );
  let rows = 0;
  let bytes = 0;
  for (const table of tables.rows) {
    const counted = await client.query<{ n: string }>(`/* inkline-bench */ SELECT count(*)::text AS n FROM "${table.name.replace(/"/g, '""')}"`);
    rows += Number(counted.rows[0]?.n ?? 0);
    bytes += Number(table.bytes);
  }
  return { rows, bytes };
}

export interface LeadOutcome {
  status: string;
  answers: number;
}

/** Where each number's consultation ended: its lead's status and how many answers it holds. */
export async function readOutcomes(client: PgClient, phones: readonly string[]): Promise<Map<string, LeadOutcome>> {
  const result = await client.query<{ phone: string; status: string; answers: string }>(
    `/* inkline-bench */
     SELECT coalesce(l.conversation_key, l.phone_e164) AS phone, l.status, (SELECT count(*) FROM lead_answers a WHERE a.lead_id = l.id)::text AS answers
       FROM leads l WHERE coalesce(l.conversation_key, l.phone_e164) = ANY($1)`,
    [phones],
  );
  return new Map(result.rows.map((r) => [r.phone, { status: r.status, answers: Number(r.answers) }]));
}
