/**
 * What the one-statement writes of lead-store.ts share: rows bound as one jsonb parameter, a way
 * to abort the statement from inside, and decoding the rows it hands back as JSON into the objects
 * drizzle's `.returning()` gives.
 *
 * One statement (data-modifying CTEs) is one round trip and atomic on its own: every sub-statement
 * commits with it or none does. A condition found inside (a version that moved, a token already
 * used) cannot return early the way an interactive transaction does, so the statement calls
 * `inkline_abort(reason)` (migrations/0003_statement_abort.sql), which raises and rolls the whole
 * statement back; {@link abortReason} recognises that error among all others.
 */
import { getTableColumns, getTableName, sql, type InferSelectModel, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/** SQLSTATE raised by `inkline_abort()`; no Postgres error uses the IK class. */
export const STATEMENT_ABORT_STATE = "IK001";

/** Reasons a statement aborts itself; the message `inkline_abort()` raises with. */
export const AbortReason = {
  STALE_LEAD: "stale_lead",
  TOKEN_UNAVAILABLE: "token_unavailable",
} as const;
export type AbortReason = (typeof AbortReason)[keyof typeof AbortReason];

/** `inkline_abort(reason)`: evaluated only where the statement reaches it (a CASE branch). */
export function abortWith(reason: AbortReason): SQL {
  return sql`inkline_abort(${reason}::text)`;
}

/**
 * The reason a statement aborted itself, or null for any other failure. Drizzle wraps the driver's
 * error (`DrizzleQueryError`), so the chain of causes is searched, as isConnectionFailure() does.
 */
export function abortReason(error: unknown): AbortReason | null {
  for (let e: unknown = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
    if ("code" in e && e.code === STATEMENT_ABORT_STATE && "message" in e) {
      const message = e.message;
      const reason = Object.values(AbortReason).find((r) => r === message);
      if (reason) return reason;
    }
    e = "cause" in e ? e.cause : undefined;
  }
  return null;
}

/**
 * Rows as one jsonb parameter, for `jsonb_to_recordset(...)`: any number of rows is still one bound
 * value (never text spliced into the SQL), and the statement's text does not depend on the count.
 * Dates become ISO strings (cast back by the record's column types).
 */
export function jsonRows(rows: readonly object[]): SQL {
  return sql`${JSON.stringify(rows)}::jsonb`;
}

/**
 * Decodes a row returned as JSON (`to_json(row)`) by the table's own column decoders, so the
 * result is what drizzle returns for that table: camelCase keys, Date for timestamps, parsed jsonb.
 * Raw SQL gives snake_case keys and timestamps as strings. Throws on a column missing from the row
 * (a statement that does not return the whole row is a bug).
 */
export function rowFromJson<T extends PgTable>(table: T, value: unknown): InferSelectModel<T> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`expected a ${getTableName(table)} row, got ${typeof value}`);
  }
  const fields = new Map<string, unknown>(Object.entries(value));
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (!fields.has(column.name)) throw new Error(`${getTableName(table)} row without ${column.name}`);
    const raw = fields.get(column.name);
    row[key] = raw === null || raw === undefined ? null : column.mapFromDriverValue(raw);
  }
  // Every column of the table was decoded by its own column type above.
  return row as InferSelectModel<T>;
}

/** Decodes `json_agg(row)` (null when nothing was aggregated) into rows, see {@link rowFromJson}. */
export function rowsFromJson<T extends PgTable>(table: T, value: unknown): InferSelectModel<T>[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`expected ${getTableName(table)} rows, got ${typeof value}`);
  return value.map((row: unknown) => rowFromJson(table, row));
}
