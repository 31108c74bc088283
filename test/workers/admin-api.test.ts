/**
 * The admin API through the Worker: the key, zod's 400s naming the field, the lead list's cursor,
 * a lead's detail and debug view, actions through the lead's Durable Object (racing the client's
 * own messages), notes, the funnel, the event log and the OpenAPI document.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ActionResults } from "../../durable-objects/action-results.ts";
import { ADMIN_KEY, adminFetch, insertLead, leadRow, mintToken, confirmLink, settleLead, uniqueIp } from "../support/workers/artist.ts";
import { setDatabasePaused, sql } from "../support/workers/db.ts";
import { clientSends, textsTo } from "../support/workers/whatsapp.ts";
import { APPROVED_TEXTS } from "../support/workers/deposit.ts";

const json = <T = Record<string, unknown>>(response: Response) => response.json<T>();

/** A name no other lead has, letters only (digits in a search also match phone numbers). */
const uniqueTag = (prefix: string) => `${prefix}${Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => String.fromCharCode(97 + (b % 26))).join("")}`;

afterEach(async () => {
  vi.restoreAllMocks();
  await setDatabasePaused(false);
});

describe("the key", () => {
  const paths = ["/admin/leads", "/admin/panic", "/admin/funnel", "/admin/events", "/admin/openapi.json", "/admin/leads/00000000-0000-4000-8000-000000000000"];

  it.each(paths)("%s without X-Admin-API-Key: 401", async (path) => {
    const response = await adminFetch(path, { key: null });
    expect(response.status).toBe(401);
    expect(await json(response)).toMatchObject({ error: "unauthorized" });
  });

  it.each([
    ["one character off", `${ADMIN_KEY.slice(0, -1)}x`],
    ["a prefix", ADMIN_KEY.slice(0, 10)],
    ["longer", `${ADMIN_KEY}0`],
    ["empty", ""],
  ])("a wrong key (%s): 401, and no action runs", async (_name, key) => {
    const lead = await insertLead("PENDING_APPROVAL");
    const response = await adminFetch(`/admin/leads/${lead.id}/approve`, { key, body: {} });
    expect(response.status).toBe(401);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
  });

  it("more than 120 requests a minute from one address: 429 with Retry-After", async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 120; i++) expect((await adminFetch("/admin/openapi.json", { key: null, ip })).status).toBe(401);
    const limited = await adminFetch("/admin/openapi.json", { ip });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(limited.headers.get("cache-control")).toBe("no-store");
  });

  it.each([...paths, "/admin/no-such-route"])("%s: never cached, whether answered or refused", async (path) => {
    for (const key of [undefined, null]) {
      const response = await adminFetch(path, { key });
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });
});

describe("400s that name the field", () => {
  it.each([
    ["GET", "/admin/leads?limit=0", undefined, "limit"],
    ["GET", "/admin/leads?status=DONE", undefined, "status"],
    ["GET", "/admin/leads?cursor=bm9wZQ", undefined, "cursor"],
    ["GET", "/admin/leads/not-a-uuid", undefined, "id"],
    ["GET", "/admin/funnel?days=0", undefined, "days"],
    ["GET", "/admin/funnel?days=abc", undefined, "days"],
    ["GET", "/admin/events?lead_id=42", undefined, "lead_id"],
    ["GET", "/admin/events?type=DROP%20TABLE", undefined, "type"],
    ["POST", "/admin/leads/{id}/reject", {}, "reason"],
    ["POST", "/admin/leads/{id}/reject", { reason: "   " }, "reason"],
    ["POST", "/admin/leads/{id}/reject", { reason: 7 }, "reason"],
    ["POST", "/admin/leads/{id}/approve", { surprise: true }, "surprise"],
    ["POST", "/admin/leads/{id}/notes", { body: "" }, "body"],
    ["POST", "/admin/panic", {}, "on"],
    ["POST", "/admin/panic", { on: "yes" }, "on"],
    ["POST", "/admin/leads/{id}/notes", { body: "ok", author: "x".repeat(81) }, "author"],
  ])("%s %s %j: 400 naming %s", async (method, template, body, field) => {
    const lead = await insertLead("PENDING_APPROVAL");
    const response = await adminFetch(template.replace("{id}", lead.id), { method, body });
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ error: "invalid_request", field });
    expect(await leadRow(lead.id)).toMatchObject({ version: 0 });
  });

  it("a bad Idempotency-Key header is named too", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const response = await adminFetch(`/admin/leads/${lead.id}/approve`, { body: {}, headers: { "idempotency-key": "x" } });
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ field: "idempotency-key" });
  });
});

describe("GET /admin/leads", () => {
  /** Seven leads with one unique name, two of them created at the very same instant. */
  async function seven(tag: string): Promise<string[]> {
    const base = Date.now() - 60 * 60 * 1000;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const at = new Date(base + (i === 4 ? 3 : i) * 1000).toISOString();
      ids.push((await insertLead(i % 2 === 0 ? "QUALIFYING" : "PENDING_APPROVAL", { display_name: `${tag} ${i}`, created_at: at })).id);
    }
    return ids;
  }

  async function allPages(query: string, limit: number, between?: () => Promise<void>) {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const url = `/admin/leads?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
      const body: { leads: { id: string }[]; next_cursor: string | null } = await json(await adminFetch(url));
      seen.push(...body.leads.map((l) => l.id));
      cursor = body.next_cursor;
      if (!cursor) return seen;
      if (page === 0 && between) await between();
    }
    throw new Error("too many pages");
  }

  it("newest first, every lead exactly once across pages, even with equal timestamps and leads arriving meanwhile", async () => {
    const tag = uniqueTag("Page");
    await seven(tag);
    const expected = await sql<{ id: string }>("SELECT id FROM leads WHERE display_name LIKE $1 ORDER BY created_at DESC, id DESC", [`${tag}%`]);
    const ids = await allPages(`q=${tag}`, 3, async () => {
      await insertLead("QUALIFYING", { display_name: `${tag} late` });
    });
    expect(ids).toEqual(expected.map((r) => r.id));
    expect(new Set(ids).size).toBe(7);
    // The same walk again gives the same order (the late lead is first now, nothing else moved).
    const again = await allPages(`q=${tag}`, 2);
    expect(again.slice(1)).toEqual(ids);
  });

  it("filters by status and finds by part of the number or the name", async () => {
    const tag = uniqueTag("Find");
    const ids = await seven(tag);
    const pending: { leads: { id: string; status: string }[] } = await json(await adminFetch(`/admin/leads?q=${tag}&status=PENDING_APPROVAL`));
    expect(pending.leads.map((l) => l.status)).toEqual(["PENDING_APPROVAL", "PENDING_APPROVAL", "PENDING_APPROVAL"]);

    const [lead] = await sql<{ phone_e164: string }>("SELECT phone_e164 FROM leads WHERE id = $1", [ids[2]]);
    const digits = String(lead?.phone_e164).slice(-7);
    const byNumber: { leads: { id: string }[] } = await json(await adminFetch(`/admin/leads?q=${digits}`));
    expect(byNumber.leads.map((l) => l.id)).toContain(ids[2]);
    const byName: { leads: { id: string; name: string }[] } = await json(await adminFetch(`/admin/leads?q=${encodeURIComponent(`${tag.toLowerCase()} 3`)}`));
    expect(byName.leads.map((l) => l.name)).toEqual([`${tag} 3`]);
  });
});

describe("GET /admin/leads/:id", () => {
  it("answers latest-wins in question order, the estimate, attachments, events and notes; 404 for no such lead", async () => {
    const lead = await insertLead("QUALIFYING", { answer_count: 3 });
    await sql(
      `INSERT INTO lead_answers (lead_id, seq, question_key, raw_text, value) VALUES
        ($1, 1, 'budget', '£300', '{"amountMinor":30000,"currency":"GBP"}'),
        ($1, 2, 'idea', 'a koi', '{"text":"a koi"}'),
        ($1, 3, 'budget', '£400', '{"amountMinor":40000,"currency":"GBP"}')`,
      [lead.id],
    );
    await sql("INSERT INTO attachments (lead_id, provider_media_id, status) VALUES ($1, 'media-1', 'PENDING')", [lead.id]);
    expect((await adminFetch(`/admin/leads/${lead.id}/notes`, { body: { body: "prefers mornings" } })).status).toBe(201);

    const detail = await json<{
      lead: { status: string };
      answers: { question: string; text: string }[];
      estimate: { size_category: string; deposit: { amount_minor: number } };
      attachments: unknown[];
      events: { type: string }[];
      notes: { body: string; author: string }[];
    }>(await adminFetch(`/admin/leads/${lead.id}`));
    expect(detail.answers.map((a) => [a.question, a.text])).toEqual([
      ["idea", "a koi"],
      ["budget", "£400"],
    ]);
    expect(detail.estimate).toMatchObject({ size_category: "MEDIUM", deposit: { amount_minor: 10_000 } });
    expect(detail.attachments).toHaveLength(1);
    expect(detail.notes).toEqual([expect.objectContaining({ body: "prefers mornings", author: "admin" })]);
    expect(detail.events.map((e) => e.type)).toContain("lead.note_added");

    const missing = await adminFetch("/admin/leads/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
  });

  it("debug: the row, every answer, the handover packet and the object's inbox", async () => {
    const lead = await insertLead("NEEDS_ARTIST_REPLY", { handover_packet: JSON.stringify({ reason: "client_asked" }), resume_status: "QUALIFYING" });
    const debug = await json<{ lead: { id: string }; handover_packet: unknown; durable_object: { inbox: unknown[]; pending_outbox: number } }>(
      await adminFetch(`/admin/leads/${lead.id}/debug`),
    );
    expect(debug.lead.id).toBe(lead.id);
    expect(debug.handover_packet).toEqual({ reason: "client_asked" });
    expect(debug.durable_object).toMatchObject({ inbox: [], pending_outbox: 0 });
  });
});

describe("actions through the lead's object", () => {
  it("approve: 200 with the move; again: 409 wrong status; the same Idempotency-Key again: the first answer, nothing more", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const headers = { "idempotency-key": `test-${crypto.randomUUID()}` };
    const first = await adminFetch(`/admin/leads/${lead.id}/approve`, { body: {}, headers });
    expect(first.status).toBe(200);
    expect(await json(first)).toEqual({ ok: true, action: "approve", lead_id: lead.id, from: "PENDING_APPROVAL", status: "CHOOSING_SLOT" });

    const replay = await adminFetch(`/admin/leads/${lead.id}/approve`, { body: {}, headers });
    expect(replay.status).toBe(200);
    const again = await adminFetch(`/admin/leads/${lead.id}/approve`, { body: {} });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ ok: false, reason: "wrong_status", status: "CHOOSING_SLOT" });

    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    expect(await textsTo(lead.phone)).toEqual(APPROVED_TEXTS);
  });

  it("reject (with its reason), mark booked and resume each move the lead as the state machine allows", async () => {
    const rejected = await insertLead("PENDING_APPROVAL");
    expect((await adminFetch(`/admin/leads/${rejected.id}/reject`, { body: { reason: "not my style" } })).status).toBe(200);
    expect(await leadRow(rejected.id)).toMatchObject({ status: "REJECTED", rejection_reason: "not my style" });

    const booked = await insertLead("COLLECTING_TIME_WINDOWS");
    expect((await adminFetch(`/admin/leads/${booked.id}/send-booking-link`, { body: {} })).status).toBe(200);
    expect((await adminFetch(`/admin/leads/${booked.id}/mark-booked`, { body: {} })).status).toBe(200);
    expect(await leadRow(booked.id)).toMatchObject({ status: "BOOKED", version: 2 });

    const handedOver = await insertLead("NEEDS_ARTIST_REPLY", { resume_status: "PENDING_APPROVAL" });
    expect(await json(await adminFetch(`/admin/leads/${handedOver.id}/resume`, { body: {} }))).toMatchObject({ ok: true, status: "PENDING_APPROVAL" });
  });

  it.each([1, 2, 3])(
    "approve racing a client message (round %i): both applied, one after the other, nothing lost",
    async () => {
      const lead = await insertLead("PENDING_APPROVAL");
      const [approval, message] = await Promise.all([
        adminFetch(`/admin/leads/${lead.id}/approve`, { body: {} }),
        clientSends({ from: lead.phone, text: "thanks, looking forward to hearing back" }),
      ]);
      expect(approval.status).toBe(200);
      expect(message.response.status).toBe(200);
      await settleLead(lead.phone);

      // Two decisions, each on top of the other: the approval and the client's message are both in.
      const row = await leadRow(lead.id);
      expect(row).toMatchObject({ status: "CHOOSING_SLOT", version: 2, last_client_message_id: message.messageId });
      expect(row.approved_at).not.toBeNull();
      const markers = await sql<{ event_id: string }>("SELECT event_id FROM processed_events WHERE lead_id = $1 ORDER BY id", [lead.id]);
      expect(markers.map((m) => m.event_id).sort()).toEqual([message.messageId, expect.stringMatching(/^admin:/)].sort());
      expect(await textsTo(lead.phone)).toEqual(APPROVED_TEXTS);
    },
  );

  it("a link and an admin approval at once: exactly one applies, the other is refused, the lead moves once", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    const [page, api] = await Promise.all([confirmLink(`/a/${token}`, { lead_id: lead.id }), adminFetch(`/admin/leads/${lead.id}/approve`, { body: {} })]);
    expect([page.status, api.status].sort()).toEqual([200, 409]);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
  });

  it("an action while the database is away is queued, applied in turn by the retry, and a replay gets that answer", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const stub = env.LEAD_CONVERSATION.getByName(lead.phone);
    const item = {
      type: "artist.action",
      eventId: `admin:test-${crypto.randomUUID()}`,
      phone: lead.phone,
      leadId: lead.id,
      action: "approve",
      reason: null,
      via: "admin",
      tokenHash: null,
    } as const;
    await setDatabasePaused(true);
    expect(await stub.act(item, "test")).toEqual({ ok: false, action: "approve", reason: "queued", status: null });
    await setDatabasePaused(false);
    for (let i = 0; i < 5 && (await stub.settled()) > 0; i++) await runDurableObjectAlarm(stub);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    expect(await stub.act(item, "test")).toMatchObject({ ok: true, from: "PENDING_APPROVAL", to: "CHOOSING_SLOT" });
    expect(await leadRow(lead.id)).toMatchObject({ version: 1 });
  });

  it("an action applied just before its object was reset: the request's retry gets the first answer (200, same body), applied once", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    // The object resets right after Postgres committed the approval, before it noted the answer in
    // its own SQLite (the one point where a crash leaves the two disagreeing).
    const record = vi.spyOn(ActionResults.prototype, "record");
    await runInDurableObject(env.LEAD_CONVERSATION.getByName(lead.phone), (_object, state) => {
      record.mockImplementationOnce(() => state.abort("test: reset between commit and answer"));
    });
    const headers = { "idempotency-key": `test-${crypto.randomUUID()}` };
    const response = await adminFetch(`/admin/leads/${lead.id}/approve`, { body: {}, headers });
    expect(record).toHaveBeenCalledTimes(2);
    const first = { ok: true, action: "approve", lead_id: lead.id, from: "PENDING_APPROVAL", status: "CHOOSING_SLOT" };
    expect({ status: response.status, body: await json(response) }).toEqual({ status: 200, body: first });

    const replay = await adminFetch(`/admin/leads/${lead.id}/approve`, { body: {}, headers });
    expect({ status: replay.status, body: await json(replay) }).toEqual({ status: 200, body: first });
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    expect(await sql("SELECT type FROM system_events WHERE lead_id = $1 AND type LIKE 'artist.%'", [lead.id])).toEqual([{ type: "artist.approved" }]);
    expect(await textsTo(lead.phone)).toEqual(APPROVED_TEXTS);
  });

  it("an unknown lead: 404", async () => {
    const response = await adminFetch("/admin/leads/00000000-0000-4000-8000-000000000000/approve", { body: {} });
    expect(response.status).toBe(404);
  });
});

describe("GET /admin/funnel", () => {
  type FunnelBody = { stages: { stage: string; leads: number; conversion_from_previous: number | null }[]; exits: Record<string, number> };
  const counts = (body: FunnelBody) => Object.fromEntries(body.stages.map((s) => [s.stage, s.leads]));

  it("counts the leads that entered each stage in the period, once each, and not before it", async () => {
    const before = counts(await json<FunnelBody>(await adminFetch("/admin/funnel?days=30")));
    const transitions = async (leadId: string, statuses: string[], at = "now()") => {
      for (const to of statuses) {
        await sql(`INSERT INTO system_events (type, lead_id, payload, created_at) VALUES ('lead.transition', $1, $2, ${at})`, [leadId, JSON.stringify({ to })]);
      }
    };
    const a = await insertLead("BOOKED");
    const b = await insertLead("REJECTED");
    const c = await insertLead("QUALIFYING");
    const old = await insertLead("BOOKED");
    await transitions(a.id, ["QUALIFYING", "PENDING_APPROVAL", "COLLECTING_TIME_WINDOWS", "BOOKING_PENDING", "BOOKED"]);
    await transitions(b.id, ["QUALIFYING", "PENDING_APPROVAL", "REJECTED"]);
    await transitions(c.id, ["QUALIFYING", "NEEDS_ARTIST_REPLY", "QUALIFYING"]);
    await transitions(old.id, ["QUALIFYING", "PENDING_APPROVAL", "BOOKED"], "now() - interval '40 days'");

    const body = await json<FunnelBody>(await adminFetch("/admin/funnel?days=30"));
    const after = counts(body);
    expect(Object.fromEntries(Object.entries(after).map(([stage, n]) => [stage, n - (before[stage] ?? 0)]))).toEqual({
      started: 3,
      consultation_complete: 2,
      approved: 1,
      deposit_requested: 0,
      deposit_paid: 0,
      booked: 1,
      completed: 0,
    });
    const complete = body.stages.find((s) => s.stage === "consultation_complete");
    const started = body.stages.find((s) => s.stage === "started");
    expect(complete?.conversion_from_previous).toBeCloseTo((complete?.leads ?? 0) / (started?.leads ?? 1), 3);
    // The old lead counts in a long enough period.
    const year = counts(await json<FunnelBody>(await adminFetch("/admin/funnel?days=365")));
    expect((year.booked ?? 0) - (after.booked ?? 0)).toBeGreaterThanOrEqual(1);
  });
});

describe("GET /admin/events", () => {
  it("filters by type and lead, newest first, limited", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    for (const body of ["one", "two", "three"]) await adminFetch(`/admin/leads/${lead.id}/notes`, { body: { body } });
    await adminFetch(`/admin/leads/${lead.id}/approve`, { body: {} });
    const notes = await json<{ events: { id: number; type: string; lead_id: string }[]; next_before: number | null }>(
      await adminFetch(`/admin/events?type=lead.note_added&lead_id=${lead.id}&limit=2`),
    );
    expect(notes.events.map((e) => e.type)).toEqual(["lead.note_added", "lead.note_added"]);
    expect(notes.events.every((e) => e.lead_id === lead.id)).toBe(true);
    expect(notes.events[0]?.id).toBeGreaterThan(notes.events[1]?.id ?? Infinity);
    const rest = await json<{ events: unknown[] }>(await adminFetch(`/admin/events?type=lead.note_added&lead_id=${lead.id}&before=${notes.next_before}`));
    expect(rest.events).toHaveLength(1);
    const transitions = await json<{ events: { payload: { to: string } }[] }>(await adminFetch(`/admin/events?type=lead.transition&lead_id=${lead.id}`));
    expect(transitions.events.map((e) => e.payload.to)).toEqual(["CHOOSING_SLOT"]);
  });
});

describe("GET /admin/openapi.json", () => {
  it("is OpenAPI 3.1 JSON with every admin path, its parameters and bodies from the zod schemas", async () => {
    const response = await adminFetch("/admin/openapi.json");
    expect(response.status).toBe(200);
    const doc = JSON.parse(await response.text()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/admin/leads",
        "/admin/leads/{id}",
        "/admin/leads/{id}/debug",
        "/admin/leads/{id}/notes",
        "/admin/leads/{id}/approve",
        "/admin/leads/{id}/reject",
        "/admin/leads/{id}/send-deposit",
        "/admin/leads/{id}/send-booking-link",
        "/admin/leads/{id}/mark-booked",
        "/admin/leads/{id}/resume",
        "/admin/leads/{id}/refund",
        "/admin/leads/{id}/offer-slots",
        "/admin/leads/{id}/cancel-booking",
        "/admin/leads/{id}/cancel-refund",
        "/admin/leads/{id}/allow-move",
        "/admin/leads/{id}/mark-no-show",
        "/admin/leads/{id}/override-deposit",
        "/admin/panic",
        "/admin/funnel",
        "/admin/events",
        "/admin/jobs",
        "/admin/jobs/dead-letters/{id}/replay",
        "/admin/sheets",
        "/admin/sheets/resync",
        "/admin/artists",
        "/admin/artists/{id}",
        "/admin/artists/{id}/availability",
        "/admin/artists/{id}/policy",
        "/admin/artists/{id}/digest-hour",
        "/admin/artists/{id}/bookings",
        "/admin/artists/{id}/freed-offers",
        "/admin/leads/{id}/booking",
        "/admin/openapi.json",
      ].sort(),
    );
    expect(doc.paths["/admin/artists/{id}/bookings"]?.get?.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(["path:id", "query:from", "query:status", "query:limit"]);
    expect(doc.paths["/admin/leads"]?.get?.parameters.map((p) => p.name)).toEqual(["status", "q", "cursor", "limit"]);
    expect(doc.paths["/admin/leads/{id}/reject"]?.post?.requestBody?.content["application/json"]?.schema.required).toEqual(["reason"]);
    expect(doc.paths["/admin/leads/{id}/refund"]?.post?.requestBody?.content["application/json"]?.schema.required).toEqual(["reason"]);
    expect(doc.paths["/admin/leads/{id}/override-deposit"]?.post?.requestBody?.content["application/json"]?.schema.required).toEqual(["fate", "reason"]);
    expect(doc.paths["/admin/leads/{id}"]?.get?.parameters).toEqual([expect.objectContaining({ name: "id", in: "path" })]);
  });
});
