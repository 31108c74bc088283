/**
 * The artist's digest hour is theirs to change (issue 17): through the admin API (0–23, or null for
 * ARTIST_DIGEST_HOUR; anything else a 400 naming `digest_hour`) and on the inbox's Availability
 * page (shown, and a form). The default artist is shared with every file: its hour is put back in
 * `finally`.
 */
import { describe, expect, it } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { adminFetch } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { formField, inboxFetch, signIn } from "../support/workers/inbox.ts";

interface ArtistJson {
  id: string;
  handle: string;
  time_zone: string;
  digest_hour: number | null;
}

async function theDefaultArtist(): Promise<ArtistJson> {
  const response = await adminFetch("/admin/artists");
  expect(response.status).toBe(200);
  const found = (await response.json<{ artists: ArtistJson[] }>()).artists.find((a) => a.handle === "default");
  if (!found) throw new Error("no default artist");
  return found;
}

const putHour = (id: string, body: unknown) => adminFetch(`/admin/artists/${id}/digest-hour`, { method: "PUT", body });

/** Runs `work` on the default artist and puts its digest hour back afterwards, whatever happens. */
async function withDefaultArtist(work: (artist: ArtistJson) => Promise<void>): Promise<void> {
  const artist = await theDefaultArtist();
  try {
    await work(artist);
  } finally {
    await sql("UPDATE artists SET digest_hour = $2 WHERE id = $1", [artist.id, artist.digest_hour]);
  }
}

const storedHour = async (id: string) => (await sql<{ digest_hour: number | null }>("SELECT digest_hour FROM artists WHERE id = $1", [id]))[0]?.digest_hour;

describe("PUT /admin/artists/:id/digest-hour", () => {
  it("sets the hour (0–23), and null goes back to ARTIST_DIGEST_HOUR", async () => {
    await withDefaultArtist(async (artist) => {
      const set = await putHour(artist.id, { digest_hour: 7 });
      expect(set.status).toBe(200);
      expect(await set.json()).toMatchObject({ id: artist.id, digest_hour: 7 });
      expect(await storedHour(artist.id)).toBe(7);
      expect((await putHour(artist.id, { digest_hour: 0 })).status).toBe(200);
      expect(await storedHour(artist.id)).toBe(0);
      const cleared = await putHour(artist.id, { digest_hour: null });
      expect(await cleared.json()).toMatchObject({ digest_hour: null });
      expect(await storedHour(artist.id)).toBeNull();
    });
  });

  it.each([
    ["24", { digest_hour: 24 }, "digest_hour"],
    ["-1", { digest_hour: -1 }, "digest_hour"],
    ["7.5", { digest_hour: 7.5 }, "digest_hour"],
    ["a string", { digest_hour: "8" }, "digest_hour"],
    ["missing", {}, "digest_hour"],
    ["an unknown field", { digest_hour: 8, hour: 8 }, "hour"],
  ])("%s is a 400 naming the field, and nothing changes", async (_label, body, field) => {
    await withDefaultArtist(async (artist) => {
      const response = await putHour(artist.id, body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_request", field });
      expect(await storedHour(artist.id)).toBe(artist.digest_hour);
    });
  });

  it("an unknown artist is a 404", async () => {
    const response = await putHour("00000000-0000-4000-8000-000000000000", { digest_hour: 8 });
    expect(response.status).toBe(404);
  });

  it("is in the OpenAPI document", async () => {
    const doc = await (await adminFetch("/admin/openapi.json")).text();
    expect(doc).toContain("/admin/artists/{id}/digest-hour");
  });
});

describe("the digest hour on the inbox's Availability page", () => {
  const text = async (response: Response) => (await response.text()).replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

  it("shows the hour (here ARTIST_DIGEST_HOUR is off), and its form changes it; a bad value is a 400 naming the field", async () => {
    await withDefaultArtist(async (artist) => {
      await sql("UPDATE artists SET digest_hour = NULL WHERE id = $1", [artist.id]);
      const cookie = await signIn();
      const page = await text(await inboxFetch("/inbox/availability", { cookie }));
      expect(page).toContain(renderCopy("inbox.availability.digest_off"));
      const csrf = formField(page, "csrf");

      const saved = await inboxFetch("/inbox/availability/digest-hour", { cookie, form: { csrf, digest_hour: "9" } });
      expect(saved.status).toBe(303);
      expect(saved.headers.get("location")).toBe("/inbox/availability?saved=digest");
      expect(await storedHour(artist.id)).toBe(9);
      const after = await text(await inboxFetch("/inbox/availability?saved=digest", { cookie }));
      expect(after).toContain(renderCopy("inbox.availability.digest_saved"));
      expect(after).toContain(renderCopy("inbox.availability.digest_at", { hour: "09:00", zone: artist.time_zone }));
      expect(after).toMatch(/<option value="9" selected/);

      const bad = await inboxFetch("/inbox/availability/digest-hour", { cookie, form: { csrf, digest_hour: "25" } });
      expect(bad.status).toBe(400);
      expect(await text(bad)).toContain("digest_hour");
      expect(await storedHour(artist.id)).toBe(9);

      // Without the form's CSRF token nothing changes.
      const forged = await inboxFetch("/inbox/availability/digest-hour", { cookie, form: { digest_hour: "3" } });
      expect(forged.status).toBe(403);
      expect(await storedHour(artist.id)).toBe(9);

      // Empty: back to the studio's default.
      expect((await inboxFetch("/inbox/availability/digest-hour", { cookie, form: { csrf, digest_hour: "" } })).status).toBe(303);
      expect(await storedHour(artist.id)).toBeNull();
    });
  });
});
