/**
 * GET /admin/artists (the default artist is made from the config on first use), GET
 * /admin/artists/:id, PUT /admin/artists/:id/availability, which replaces the artist's rules, and
 * PUT /admin/artists/:id/digest-hour (0–23, or null for ARTIST_DIGEST_HOUR): a body that makes no
 * sense is a 400 naming the field (validate.ts), an unknown id a 404.
 */
import { Hono } from "hono";
import { defaultArtist, getArtist, listArtists, updateAvailability, updateDigestHour, type Artist } from "../../db/artists-store.ts";
import type { AdminEnv } from "./context.ts";
import { ArtistIdParams, AvailabilityBody, DigestHourBody } from "./schemas.ts";
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
