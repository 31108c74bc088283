/**
 * Artists in Postgres (`artists`): the default artist made from the config on first use, reads,
 * and the availability rules the admin API edits. Rules are validated by the domain schema on the
 * way in and on the way out: a stored value that no longer fits reads as the default rules in the
 * artist's zone (and says so), never as a crash or as "always free".
 */
import { asc, eq } from "drizzle-orm";
import type { AppConfig } from "../config.ts";
import { defaultAvailability, parseAvailability, type AvailabilityRules } from "../domain/availability.ts";
import { readPolicy, type StudioPolicy } from "../domain/studio-policy.ts";
import type { Database } from "./client.ts";
import { artists, type ArtistRow } from "./schema.ts";

/** The handle of the artist the config describes. */
export const DEFAULT_ARTIST_HANDLE = "default";

/** An artist with validated availability rules. */
export interface Artist {
  id: string;
  handle: string;
  name: string;
  whatsappNumber: string | null;
  timeZone: string;
  availability: AvailabilityRules;
  /** False when the stored rules failed validation and the defaults stand in for them. */
  availabilityValid: boolean;
  /** The morning digest's hour (0–23, the artist's zone); null: ARTIST_DIGEST_HOUR. */
  digestHour: number | null;
  createdAt: Date;
  updatedAt: Date;
}

function toArtist(row: ArtistRow): Artist {
  const parsed = parseAvailability(row.availability);
  return {
    id: row.id,
    handle: row.handle,
    name: row.name,
    whatsappNumber: row.whatsappNumber,
    timeZone: parsed.ok ? parsed.value.timeZone : row.timeZone,
    availability: parsed.ok ? parsed.value : defaultAvailability(row.timeZone),
    availabilityValid: parsed.ok,
    digestHour: row.digestHour,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The config fields the default artist is made from. */
export type ArtistConfig = Pick<AppConfig, "ARTIST_NAME" | "ARTIST_WHATSAPP_NUMBER" | "STUDIO_TIME_ZONE">;

/**
 * The default artist, created from the config on first use (idempotent: concurrent first uses
 * insert one row). Name and number follow the config; the zone and rules, once made, are the
 * admin's (changed through {@link updateAvailability}).
 */
export async function defaultArtist(db: Database, config: ArtistConfig): Promise<Artist> {
  const name = config.ARTIST_NAME;
  const whatsappNumber = config.ARTIST_WHATSAPP_NUMBER ?? null;
  const [row] = await db
    .insert(artists)
    .values({
      handle: DEFAULT_ARTIST_HANDLE,
      name,
      whatsappNumber,
      timeZone: config.STUDIO_TIME_ZONE,
      availability: defaultAvailability(config.STUDIO_TIME_ZONE),
    })
    .onConflictDoNothing({ target: artists.handle })
    .returning();
  if (row) return toArtist(row);
  const [existing] = await db.select().from(artists).where(eq(artists.handle, DEFAULT_ARTIST_HANDLE));
  if (!existing) throw new Error("default artist vanished between insert and select");
  if (existing.name === name && existing.whatsappNumber === whatsappNumber) return toArtist(existing);
  const [updated] = await db
    .update(artists)
    .set({ name, whatsappNumber, updatedAt: new Date() })
    .where(eq(artists.id, existing.id))
    .returning();
  return toArtist(updated ?? existing);
}

/** Every artist, oldest first. */
export async function listArtists(db: Database): Promise<Artist[]> {
  const rows = await db.select().from(artists).orderBy(asc(artists.createdAt), asc(artists.id));
  return rows.map(toArtist);
}

/** One artist by id, or null. */
export async function getArtist(db: Database, id: string): Promise<Artist | null> {
  const [row] = await db.select().from(artists).where(eq(artists.id, id));
  return row ? toArtist(row) : null;
}

/** Replaces an artist's rules (already validated by the caller's schema); null for no such artist. */
/** Sets the artist's digest hour (null: ARTIST_DIGEST_HOUR); null when there is no such artist. */
export async function updateDigestHour(db: Database, id: string, digestHour: number | null, now: Date): Promise<Artist | null> {
  const [row] = await db.update(artists).set({ digestHour, updatedAt: now }).where(eq(artists.id, id)).returning();
  return row ? toArtist(row) : null;
}

export async function updateAvailability(db: Database, id: string, rules: AvailabilityRules, now: Date): Promise<Artist | null> {
  const [row] = await db
    .update(artists)
    .set({ availability: rules, timeZone: rules.timeZone, updatedAt: now })
    .where(eq(artists.id, id))
    .returning();
  return row ? toArtist(row) : null;
}

/** An artist's stored policy by handle as it is in the row (null: none written, or no such artist). */
export async function artistPolicy(db: Database, handle: string): Promise<unknown> {
  const [row] = await db.select({ policy: artists.policy }).from(artists).where(eq(artists.handle, handle));
  return row?.policy ?? null;
}

/** Replaces an artist's policy (already validated by the caller); null for no such artist. */
export async function updatePolicy(db: Database, id: string, policy: StudioPolicy, now: Date): Promise<{ policy: StudioPolicy; updatedAt: Date } | null> {
  const [row] = await db.update(artists).set({ policy, updatedAt: now }).where(eq(artists.id, id)).returning({ updatedAt: artists.updatedAt });
  // This isolate's lead objects decide under the new policy from their next decision on.
  if (row) policyCache.set(id, { value: policy, readAtMs: now.getTime() });
  return row ? { policy, updatedAt: row.updatedAt } : null;
}

/** An artist's policy as it applies (the default when none is written), and whether it was written; null for no such artist. */
export async function getPolicy(db: Database, id: string): Promise<{ policy: StudioPolicy; written: boolean } | null> {
  const [row] = await db.select({ policy: artists.policy }).from(artists).where(eq(artists.id, id));
  if (!row) return null;
  return { policy: readPolicy(row.policy), written: row.policy !== null };
}

/**
 * How long an isolate trusts its copy of an artist's policy before reading Postgres again: a
 * policy saved in another isolate reaches every lead object within this time, one small read per
 * artist per isolate at most this often (not one per decision); saved in this isolate, at once.
 */
export const POLICY_CACHE_MS = 5_000;

const policyCache = new Map<string, { value: StudioPolicy; readAtMs: number }>();

/**
 * The policy an artist's leads are decided under now (the default while none is written), from
 * this isolate's copy when it is fresher than {@link POLICY_CACHE_MS}. `nowMs` is the caller's clock.
 */
export async function currentPolicy(db: Database, artistId: string, nowMs: number): Promise<StudioPolicy> {
  const cached = policyCache.get(artistId);
  if (cached !== undefined && nowMs - cached.readAtMs >= 0 && nowMs - cached.readAtMs < POLICY_CACHE_MS) return cached.value;
  const [row] = await db.select({ policy: artists.policy }).from(artists).where(eq(artists.id, artistId));
  const value = readPolicy(row?.policy ?? null);
  policyCache.set(artistId, { value, readAtMs: nowMs });
  return value;
}
