/**
 * GET /admin/artists (the default artist is made from the config on first use), GET
 * /admin/artists/:id, and PUT /admin/artists/:id/availability, which replaces the artist's rules:
 * a rule set that makes no sense is a 400 naming the field (validate.ts), an unknown id a 404.
 * GET/PUT /admin/artists/:id/policy read and replace the studio's policy (domain/studio-policy.ts)
 * the same way; a policy that contradicts itself names the field too. PUT
 * /admin/artists/:id/digest-hour sets the morning digest's hour (0–23, or null for ARTIST_DIGEST_HOUR).
 */
import { Hono } from "hono";
import { defaultArtist, getArtist, getPolicy, listArtists, updateAvailability, updateDigestHour, updatePolicy, type Artist } from "../../db/artists-store.ts";
import type { AdminEnv } from "./context.ts";
import { ArtistIdParams, AvailabilityBody, DigestHourBody, PolicyBody } from "./schemas.ts";
import { valid } from "./validate.ts";

const notFound = { error: "not_found", message: "no artist with this id" } as const;

/** The admin API's shape: snake_case fields, the rules as stored (domain/availability.ts). */
function artistJson(artist: Artist) {
  return {
    id: artist.id,
    handle: artist.handle,
    name: artist.name,
    whatsapp_number: artist.whatsappNumber,
    time_zone: artist.timeZone,
    availability: artist.availability,
    availability_valid: artist.availabilityValid,
    /** null: the digest follows ARTIST_DIGEST_HOUR. */
    digest_hour: artist.digestHour,
    created_at: artist.createdAt.toISOString(),
    updated_at: artist.updatedAt.toISOString(),
  };
}

export const adminArtists = new Hono<AdminEnv>()
  .get("/", async (c) => {
    const db = c.get("db");
    await defaultArtist(db, c.get("config"));
    return c.json({ artists: (await listArtists(db)).map(artistJson) });
  })
  .get("/:id", valid("param", ArtistIdParams), async (c) => {
    const artist = await getArtist(c.get("db"), c.req.valid("param").id);
    return artist ? c.json(artistJson(artist)) : c.json(notFound, 404);
  })
  .get("/:id/policy", valid("param", ArtistIdParams), async (c) => {
    const { id } = c.req.valid("param");
    const found = await getPolicy(c.get("db"), id);
    return found ? c.json({ artist_id: id, written: found.written, policy: found.policy }) : c.json(notFound, 404);
  })
  .put("/:id/policy", valid("param", ArtistIdParams), valid("json", PolicyBody), async (c) => {
    const { id } = c.req.valid("param");
    const saved = await updatePolicy(c.get("db"), id, c.req.valid("json"), new Date());
    if (!saved) return c.json(notFound, 404);
    c.get("log").info("artist.policy_updated", { artist_id: id, minimum_age: saved.policy.minimumAge, questions: saved.policy.medicalQuestions.length });
    return c.json({ artist_id: id, written: true, policy: saved.policy, updated_at: saved.updatedAt.toISOString() });
  })
  .put("/:id/availability", valid("param", ArtistIdParams), valid("json", AvailabilityBody), async (c) => {
    const { id } = c.req.valid("param");
    const artist = await updateAvailability(c.get("db"), id, c.req.valid("json"), new Date());
    if (!artist) return c.json(notFound, 404);
    c.get("log").info("artist.availability_updated", { artist_id: id, time_zone: artist.timeZone });
    return c.json(artistJson(artist));
  })
  .put("/:id/digest-hour", valid("param", ArtistIdParams), valid("json", DigestHourBody), async (c) => {
    const { id } = c.req.valid("param");
    const artist = await updateDigestHour(c.get("db"), id, c.req.valid("json").digest_hour, new Date());
    if (!artist) return c.json(notFound, 404);
    c.get("log").info("artist.digest_hour_updated", { artist_id: id, digest_hour: artist.digestHour });
    return c.json(artistJson(artist));
  });
