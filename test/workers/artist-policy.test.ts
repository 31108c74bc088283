/**
 * The studio's policy through the admin API (issue 18): GET /admin/artists/:id/policy (the default
 * until one is written), PUT replaces it (kept in Postgres as sent), a policy that contradicts
 * itself or has a bad value is a 400 naming each field, an unknown artist a 404. The PUTs go to an
 * artist of this file's own (the default artist is shared with every other file), deleted after.
 */
import { describe, expect, it } from "vitest";
import { defaultPolicy, type StudioPolicy } from "../../src/domain/studio-policy.ts";
import { adminFetch } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";

/** Runs `body` with an artist of its own, removed afterwards whatever happens. */
async function withOwnArtist(body: (id: string) => Promise<void>): Promise<void> {
  const handle = `policy-${crypto.randomUUID().slice(0, 8)}`;
  const [row] = await sql<{ id: string }>(
    "INSERT INTO artists (handle, name, time_zone, availability) VALUES ($1, 'Policy Test', 'Europe/London', (SELECT availability FROM artists WHERE handle = 'default')) RETURNING id",
    [handle],
  );
  if (!row) throw new Error("artist insert returned nothing");
  try {
    await body(row.id);
  } finally {
    await sql("DELETE FROM artists WHERE id = $1", [row.id]);
  }
}

const put = (id: string, body: unknown) => adminFetch(`/admin/artists/${id}/policy`, { method: "PUT", body });

interface PolicyJson {
  artist_id: string;
  written: boolean;
  policy: StudioPolicy;
}

describe("the studio policy in the admin API", () => {
  it("GET: the default policy until one is written; PUT replaces it and Postgres keeps it", async () => {
    // The default artist exists (made on first use); this file's artist copies its rules.
    expect((await adminFetch("/admin/artists")).status).toBe(200);
    await withOwnArtist(async (id) => {
      const first = await adminFetch(`/admin/artists/${id}/policy`);
      expect(first.status).toBe(200);
      expect(await first.json<PolicyJson>()).toEqual({ artist_id: id, written: false, policy: defaultPolicy() });

      const policy: StudioPolicy = { ...defaultPolicy(), cancellationNoticeHours: 72, freeReschedules: 2, depositOnCancelInTime: "refund", minimumAge: 21, medicalQuestions: [{ id: "allergies", question: "Any allergies to inks or latex?" }] };
      const saved = await put(id, policy);
      expect(saved.status, await saved.clone().text()).toBe(200);
      expect(await saved.json<PolicyJson>()).toMatchObject({ artist_id: id, written: true, policy });
      const [row] = await sql<{ policy: unknown }>("SELECT policy FROM artists WHERE id = $1", [id]);
      expect(row?.policy).toEqual(policy);
      expect(await (await adminFetch(`/admin/artists/${id}/policy`)).json<PolicyJson>()).toEqual({ artist_id: id, written: true, policy });
    });
  });

  it.each([
    ["a credit that expires before the cancellation notice", { cancellationNoticeHours: 72, creditExpiryDays: 2 }, "creditExpiryDays"],
    ["negative notice hours", { cancellationNoticeHours: -1 }, "cancellationNoticeHours"],
    ["a minimum age under 16", { minimumAge: 12 }, "minimumAge"],
    ["a deposit that 'moves' on a cancel", { depositOnCancelInTime: "move" }, "depositOnCancelInTime"],
    ["a medical question id used twice", { medicalQuestions: [{ id: "a", question: "One?" }, { id: "a", question: "Two?" }] }, "medicalQuestions"],
    ["an unknown field", { refundEverything: true }, "refundEverything"],
  ])("%s: 400 naming the field, nothing stored", async (_what, patch, field) => {
    await withOwnArtist(async (id) => {
      const response = await put(id, { ...defaultPolicy(), ...patch });
      expect(response.status).toBe(400);
      const body = await response.json<{ error: string; field: string; issues: { field: string }[] }>();
      expect(body).toMatchObject({ error: "invalid_request", in: "body" });
      expect(body.issues.map((i) => i.field)).toContain(field);
      const [row] = await sql<{ policy: unknown }>("SELECT policy FROM artists WHERE id = $1", [id]);
      expect(row?.policy).toBeNull();
    });
  });

  it("every bad field is named, not only the first", async () => {
    await withOwnArtist(async (id) => {
      const response = await put(id, { ...defaultPolicy(), cancellationNoticeHours: -5, freeReschedules: -1 });
      expect(response.status).toBe(400);
      const body = await response.json<{ issues: { field: string }[] }>();
      expect(body.issues.map((i) => i.field).sort()).toEqual(["cancellationNoticeHours", "freeReschedules"]);
    });
  });

  it("an unknown artist: 404 on GET and PUT; a malformed id: 400", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    expect((await adminFetch(`/admin/artists/${missing}/policy`)).status).toBe(404);
    expect((await put(missing, defaultPolicy())).status).toBe(404);
    const malformed = await adminFetch("/admin/artists/nope/policy");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ field: "id" });
  });

  it("is in the OpenAPI document", async () => {
    const doc = await (await adminFetch("/admin/openapi.json")).json<{ paths: Record<string, Record<string, unknown>> }>();
    const path = Object.keys(doc.paths).find((p) => p.endsWith("/policy"));
    expect(path).toBeDefined();
    expect(Object.keys(doc.paths[path ?? ""] ?? {}).sort()).toEqual(["get", "put"]);
  });
});
