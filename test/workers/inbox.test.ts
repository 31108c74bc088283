/**
 * The web inbox through the Worker: signing in with the admin key and out, the session cookie
 * (attributes, tampering, expiry), CSRF and same-origin checks, the authenticated image route,
 * the pages' content, and actions applied through the lead's Durable Object.
 */
import { createExecutionContext, createScheduledController, env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { app } from "../../src/index.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { deriveSessionKey, keyFingerprint, SESSION_TTL_MS } from "../../src/lib/session.ts";
import { CRON_EVERY_5_MIN, runScheduled } from "../../src/scheduled.ts";
import { ADMIN_KEY, insertLead, leadRow, settleLead, uniqueIp } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { forgeSession, formField, inboxFetch, section, sessionCookieFrom, sessionRow, signIn } from "../support/workers/inbox.ts";
import { textsTo } from "../support/workers/whatsapp.ts";
import { APPROVED_TEXTS } from "../support/workers/deposit.ts";

/** Page text as a reader sees it (Hono escapes quotes and apostrophes). */
const text = async (response: Response) =>
  (await response.text()).replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

const copy = (key: Parameters<typeof renderCopy>[0], params: Record<string, string | number> = {}) => renderCopy(key, params);

/** A name no other lead has, letters only (digits in a search also match phone numbers). */
const uniqueTag = (prefix: string) => `${prefix}${Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => String.fromCharCode(97 + (b % 26))).join("")}`;

/** Signs in and opens a lead's page; returns the page and the cookie. */
async function openLead(id: string, cookie?: string): Promise<{ html: string; cookie: string }> {
  const session = cookie ?? (await signIn());
  const response = await inboxFetch(`/inbox/leads/${id}`, { cookie: session });
  expect(response.status).toBe(200);
  return { html: await text(response), cookie: session };
}

describe("signing in and out", () => {
  it("pages without a session go to the login page, remembering where they were going", async () => {
    const root = await inboxFetch("/inbox");
    expect(root.status).toBe(303);
    expect(root.headers.get("location")).toBe("/inbox/login");
    const id = "00000000-0000-4000-8000-000000000000";
    const lead = await inboxFetch(`/inbox/leads/${id}`);
    expect(lead.headers.get("location")).toBe(`/inbox/login?next=%2Finbox%2Fleads%2F${id}`);
    const login = await inboxFetch("/inbox/login");
    expect(login.status).toBe(200);
    expect(await text(login)).toContain(copy("inbox.login.intro"));
  });

  it("the admin key signs in: an HttpOnly, SameSite=Lax, Secure cookie for /inbox that expires", async () => {
    const response = await inboxFetch("/inbox/login", { form: { key: ADMIN_KEY } });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/inbox");
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^inkline_inbox=v1\.\d{13}\.[A-Za-z0-9_-]{22}\.[0-9a-f]{64};/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    expect(setCookie).toContain("Secure");
    expect(setCookie).toContain("Path=/inbox");
    expect(setCookie).toContain(`Max-Age=${SESSION_TTL_MS / 1000}`);
    const inbox = await inboxFetch("/inbox", { cookie: sessionCookieFrom(response) });
    expect(inbox.status).toBe(200);
    expect(inbox.headers.get("cache-control")).toBe("no-store");
    expect(inbox.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("goes on to the page it was asked for, but never off the inbox", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    const next = await inboxFetch("/inbox/login", { form: { key: ADMIN_KEY, next: `/inbox/leads/${id}` } });
    expect(next.headers.get("location")).toBe(`/inbox/leads/${id}`);
    for (const evil of ["https://evil.example/", "//evil.example/inbox", "/inbox/../admin", "/admin"]) {
      const response = await inboxFetch("/inbox/login", { form: { key: ADMIN_KEY, next: evil } });
      expect(response.headers.get("location")).toBe("/inbox");
    }
  });

  it.each([
    ["one character off", `${ADMIN_KEY.slice(0, -1)}x`],
    ["a prefix", ADMIN_KEY.slice(0, 10)],
    ["empty", ""],
  ])("a wrong key (%s): 401, the form again, no cookie", async (_name, key) => {
    const response = await inboxFetch("/inbox/login", { form: { key } });
    expect(response.status).toBe(401);
    expect(sessionCookieFrom(response)).toBeNull();
    expect(await text(response)).toContain(copy("inbox.login.wrong_key"));
  });

  it("more than 10 attempts a minute from one address: 429", async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 10; i++) expect((await inboxFetch("/inbox/login", { form: { key: "wrong" }, ip })).status).toBe(401);
    const limited = await inboxFetch("/inbox/login", { form: { key: ADMIN_KEY }, ip });
    expect(limited.status).toBe(429);
    expect(sessionCookieFrom(limited)).toBeNull();
  });

  it("a login posted from another site is refused before the key is looked at", async () => {
    const response = await inboxFetch("/inbox/login", { form: { key: ADMIN_KEY }, headers: { origin: "https://evil.example" } });
    expect(response.status).toBe(403);
    expect(sessionCookieFrom(response)).toBeNull();
  });

  it("signing out clears the cookie (with the session's CSRF token only)", async () => {
    const cookie = await signIn();
    const page = await text(await inboxFetch("/inbox", { cookie }));
    const csrf = formField(page, "csrf");
    const refused = await inboxFetch("/inbox/logout", { form: {}, cookie });
    expect(refused.status).toBe(403);
    const response = await inboxFetch("/inbox/logout", { form: { csrf }, cookie });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/inbox/login?signed_out=1");
    expect(response.headers.get("set-cookie")).toMatch(/^inkline_inbox=;.*Max-Age=0/);
  });
});

describe("the session cookie", () => {
  const refusedAsExpired = async (cookie: string) => {
    const response = await inboxFetch("/inbox", { cookie });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/inbox/login?expired=1");
    // The bad cookie is removed.
    expect(response.headers.get("set-cookie")).toMatch(/^inkline_inbox=;/);
  };

  it("an altered signature, expiry or nonce is refused", async () => {
    const cookie = await signIn();
    const [version, expires, nonce, mac] = cookie.split(".") as [string, string, string, string];
    const flip = (s: string) => `${s.slice(0, -1)}${s.endsWith("0") ? "1" : "0"}`;
    await refusedAsExpired(`${version}.${expires}.${nonce}.${flip(mac)}`);
    await refusedAsExpired(`${version}.${String(Number(expires) + 3_600_000)}.${nonce}.${mac}`);
    await refusedAsExpired(`${version}.${expires}.${flip(nonce)}.${mac}`);
    await refusedAsExpired("v1.garbage");
  });

  it("a session past its lifetime is refused; one just inside it works", async () => {
    await refusedAsExpired(await forgeSession(Date.now() - SESSION_TTL_MS - 1_000));
    const fresh = await inboxFetch("/inbox", { cookie: await forgeSession(Date.now() - SESSION_TTL_MS + 60_000) });
    expect(fresh.status).toBe(200);
  });

  it("a session signed with another key (a rotated admin key) is refused", async () => {
    await refusedAsExpired(await forgeSession(Date.now(), "another-admin-key-0123456789"));
  });

  it("the admin key itself is not a session", async () => {
    const response = await inboxFetch("/inbox", { cookie: ADMIN_KEY });
    expect(response.status).toBe(303);
  });
});

describe("sessions are kept on the server", () => {
  const ROTATED_KEY = "rotated-admin-key-0123456789";

  /** Signs out through the page's own form; returns the response. */
  async function signOut(cookie: string): Promise<Response> {
    const csrf = formField(await text(await inboxFetch("/inbox", { cookie })), "csrf");
    return inboxFetch("/inbox/logout", { form: { csrf }, cookie });
  }

  it("a sign-in stores only the SHA-256 of the cookie's nonce, the key's fingerprint and the times", async () => {
    const before = Date.now();
    const cookie = await signIn();
    const nonce = cookie.split(".")[2] ?? "";
    const [row, ...more] = await sql<Record<string, unknown>>("SELECT * FROM inbox_sessions WHERE id = $1", [await sha256Hex(nonce)]);
    expect(more).toEqual([]);
    expect(Object.keys(row ?? {}).sort()).toEqual(["created_at", "expires_at", "id", "key_fingerprint", "revoked_at"]);
    const stored = await sessionRow(cookie);
    expect(stored).toMatchObject({ key_fingerprint: await keyFingerprint(await deriveSessionKey(ADMIN_KEY)), revoked_at: null });
    expect(stored?.expires_at.getTime()).toBe(Number(cookie.split(".")[1]));
    expect(stored?.created_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(JSON.stringify(await sql("SELECT * FROM inbox_sessions"))).not.toContain(nonce);
  });

  it("signing out revokes the session: a copy of the cookie no longer opens a page or runs a form", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const cookie = await signIn();
    const { html } = await openLead(lead.id, cookie);
    const form = { csrf: formField(html, "csrf", "approve"), request_id: formField(html, "request_id", "approve") };
    expect((await signOut(cookie)).status).toBe(303);
    expect((await sessionRow(cookie))?.revoked_at).not.toBeNull();

    const page = await inboxFetch("/inbox", { cookie });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/inbox/login?expired=1");
    expect(page.headers.get("set-cookie")).toMatch(/^inkline_inbox=;/);
    expect((await inboxFetch(`/inbox/leads/${lead.id}`, { cookie })).status).toBe(303);
    const action = await inboxFetch(`/inbox/leads/${lead.id}/actions/approve`, { form, cookie });
    expect(action.status).toBe(401);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
  });

  it("signing out ends only that session; another browser stays signed in", async () => {
    const phone = await signIn();
    const laptop = await signIn();
    await signOut(phone);
    expect((await inboxFetch("/inbox", { cookie: laptop })).status).toBe(200);
    expect((await inboxFetch("/inbox", { cookie: phone })).status).toBe(303);
  });

  it("a validly signed cookie that no sign-in recorded is refused", async () => {
    const cookie = await forgeSession(Date.now(), ADMIN_KEY, { record: false });
    const response = await inboxFetch("/inbox", { cookie });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/inbox/login?expired=1");
  });

  it("a rotated admin key signs everyone out, and the cron's sweep keeps them out if the old key comes back", async () => {
    const cookie = await signIn();
    const rotatedEnv = { ...env, ADMIN_API_KEY: ROTATED_KEY };
    const headers = { "cf-connecting-ip": uniqueIp(), cookie: `inkline_inbox=${cookie}` };
    const refused = await app.request("https://inkline.test/inbox", { headers, redirect: "manual" }, rotatedEnv, createExecutionContext());
    expect(refused.status).toBe(303);
    expect(refused.headers.get("location")).toBe("/inbox/login?expired=1");

    // The sweep under the new key deletes rows issued under the old one...
    await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: Date.now() }), rotatedEnv);
    expect(await sessionRow(cookie)).toBeUndefined();
    // ...so going back to the old key does not revive them.
    expect((await inboxFetch("/inbox", { cookie })).status).toBe(303);
    expect((await inboxFetch("/inbox", { cookie: await signIn() })).status).toBe(200);
  });

  it("the cron deletes sessions expired at its scheduled time and keeps live ones", async () => {
    const cookie = await signIn();
    const expired = await forgeSession(Date.now() - SESSION_TTL_MS - 60_000);
    const controller = (at: number) => createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: at });
    await runScheduled(controller(Date.now()), env);
    expect(await sessionRow(expired)).toBeUndefined();
    expect(await sessionRow(cookie)).toBeDefined();
    // The time is the controller's, not the clock: a run scheduled past the session's expiry deletes it.
    await runScheduled(controller(Date.now() + SESSION_TTL_MS + 60_000), env);
    expect(await sessionRow(cookie)).toBeUndefined();
  });
});

describe("form size", () => {
  it("a sign-in body over 8 KB: 413 saying so, no key looked at, no cookie", async () => {
    const response = await inboxFetch("/inbox/login", { form: { key: ADMIN_KEY, next: `/inbox/${"x".repeat(9 * 1024)}` } });
    expect(response.status).toBe(413);
    expect(sessionCookieFrom(response)).toBeNull();
    const page = await text(response);
    expect(page).toContain(copy("page.error.too_large.title"));
    expect(page).toContain(copy("page.error.too_large.body", { limitKb: 8 }));
  });

  it("an action form streamed without a length, over 8 KB: 413, nothing changes", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const { html, cookie } = await openLead(lead.id);
    const form = new URLSearchParams({ csrf: formField(html, "csrf", "reject"), request_id: formField(html, "request_id", "reject"), reason: "r".repeat(9 * 1024) });
    const bytes = new TextEncoder().encode(form.toString());
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1024) controller.enqueue(bytes.slice(i, i + 1024));
        controller.close();
      },
    });
    const response = await inboxFetch(`/inbox/leads/${lead.id}/actions/reject`, { cookie, body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(response.status).toBe(413);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
  });
});

describe("CSRF", () => {
  async function approveForm(): Promise<{ id: string; phone: string; cookie: string; form: Record<string, string> }> {
    const lead = await insertLead("PENDING_APPROVAL");
    const { html, cookie } = await openLead(lead.id);
    return { ...lead, cookie, form: { csrf: formField(html, "csrf", "approve"), request_id: formField(html, "request_id", "approve") } };
  }

  async function expectNothingChanged(id: string, phone: string): Promise<void> {
    await settleLead(phone);
    expect(await leadRow(id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
  }

  it("an action without the token: 403, nothing changes", async () => {
    const { id, phone, cookie, form } = await approveForm();
    const response = await inboxFetch(`/inbox/leads/${id}/actions/approve`, { form: { request_id: form.request_id ?? "" }, cookie });
    expect(response.status).toBe(403);
    expect(await text(response)).toContain(copy("inbox.csrf.body"));
    await expectNothingChanged(id, phone);
  });

  it("another session's token: 403, nothing changes", async () => {
    const { id, phone, form } = await approveForm();
    const otherSession = await signIn();
    const response = await inboxFetch(`/inbox/leads/${id}/actions/approve`, { form, cookie: otherSession });
    expect(response.status).toBe(403);
    await expectNothingChanged(id, phone);
  });

  it.each([
    ["from another origin", { origin: "https://evil.example" }],
    ["marked cross-site by the browser", { "sec-fetch-site": "cross-site" }],
  ])("the right token posted %s: 403, nothing changes", async (_name, headers) => {
    const { id, phone, cookie, form } = await approveForm();
    const response = await inboxFetch(`/inbox/leads/${id}/actions/approve`, { form, cookie, headers });
    expect(response.status).toBe(403);
    await expectNothingChanged(id, phone);
  });

  it("without a session, a POST is a 401 page, not a redirect", async () => {
    const { id, phone, form } = await approveForm();
    const response = await inboxFetch(`/inbox/leads/${id}/actions/approve`, { form });
    expect(response.status).toBe(401);
    await expectNothingChanged(id, phone);
  });
});

describe("reference images", () => {
  async function leadWithImage(mimeType = "image/png", status = "UPLOADED") {
    const lead = await insertLead("PENDING_APPROVAL");
    const bytes = crypto.getRandomValues(new Uint8Array(64));
    const [row] = await sql<{ id: string }>(
      "INSERT INTO attachments (lead_id, provider_media_id, mime_type, status, r2_key, size_bytes) VALUES ($1, $2, $3, $4, 'pending', 64) RETURNING id",
      [lead.id, `media-${crypto.randomUUID()}`, mimeType, status],
    );
    const id = row?.id ?? "";
    const key = `leads/${lead.id}/${id}`;
    await env.ATTACHMENTS.put(key, bytes, { httpMetadata: { contentType: mimeType } });
    await sql("UPDATE attachments SET r2_key = $1 WHERE id = $2", [key, id]);
    return { lead, id, bytes };
  }

  it("signed out: no bytes, only the way to the login page", async () => {
    const { id } = await leadWithImage();
    const response = await inboxFetch(`/inbox/attachments/${id}`);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toMatch(/^\/inbox\/login/);
    expect(response.headers.get("content-type") ?? "").not.toContain("image/");
  });

  it("with a tampered session: no bytes", async () => {
    const { id } = await leadWithImage();
    const cookie = await signIn();
    const response = await inboxFetch(`/inbox/attachments/${id}`, { cookie: `${cookie.slice(0, -1)}x` });
    expect(response.status).toBe(303);
  });

  it("signed in: the image from R2, inline, not sniffed, not shared-cached; the lead page shows its thumbnail", async () => {
    const { lead, id, bytes } = await leadWithImage();
    const cookie = await signIn();
    const response = await inboxFetch(`/inbox/attachments/${id}`, { cookie });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toBe("private, max-age=3600");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
    const { html } = await openLead(lead.id, cookie);
    expect(html).toContain(`<img src="/inbox/attachments/${id}"`);
  });

  it("a file that is not a common image type is a download, never rendered", async () => {
    const { id } = await leadWithImage("image/svg+xml");
    const response = await inboxFetch(`/inbox/attachments/${id}`, { cookie: await signIn() });
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("content-disposition")).toMatch(/^attachment;/);
    await response.arrayBuffer();
  });

  it("unknown, malformed and not-yet-uploaded attachments: 404", async () => {
    const cookie = await signIn();
    const { id } = await leadWithImage("image/png", "PENDING");
    for (const path of [`/inbox/attachments/${id}`, `/inbox/attachments/${crypto.randomUUID()}`, "/inbox/attachments/nope"]) {
      expect((await inboxFetch(path, { cookie })).status).toBe(404);
    }
  });
});

describe("the pages", () => {
  it("the inbox: leads grouped by status with counts, the funnel chart, search", async () => {
    const tag = uniqueTag("Group");
    const lead = await insertLead("PENDING_APPROVAL", { display_name: `${tag} One` });
    await insertLead("BOOKED", { display_name: `${tag} Two` });
    const cookie = await signIn();
    const html = await text(await inboxFetch("/inbox", { cookie }));
    const [counts] = await sql<{ n: string }>("SELECT count(*) AS n FROM leads WHERE status = 'PENDING_APPROVAL'");
    const pending = html.slice(html.indexOf('data-status="PENDING_APPROVAL"'));
    expect(pending).toContain(copy("status.PENDING_APPROVAL"));
    expect(pending).toContain(`<span class="count">${counts?.n}</span>`);
    // The groups that wait for the artist come before closed ones.
    expect(html.indexOf('data-status="PENDING_APPROVAL"')).toBeLessThan(html.indexOf('data-status="BOOKED"'));
    expect(html).toContain(copy("inbox.funnel.title", { days: 30 }));
    for (const stage of ["started", "consultation_complete", "approved", "deposit_requested", "deposit_paid", "booked"]) {
      expect(html).toContain(`data-stage="${stage}"`);
    }
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');

    const search = await text(await inboxFetch(`/inbox?q=${tag}`, { cookie }));
    expect(search).toContain(copy("inbox.search_heading", { q: tag }));
    expect(search).toContain(`href="/inbox/leads/${lead.id}"`);
    expect(search).toContain(`${tag} Two`);
    const filtered = await text(await inboxFetch(`/inbox?status=BOOKED&q=${tag}`, { cookie }));
    expect(filtered).not.toContain(`${tag} One`);
    expect(filtered).toContain(`${tag} Two`);
  });

  it("the funnel counts what happened in the period", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    await sql("INSERT INTO system_events (type, lead_id, payload) VALUES ('lead.transition', $1, $2)", [lead.id, JSON.stringify({ from: "QUALIFYING", to: "PENDING_APPROVAL" })]);
    const [row] = await sql<{ n: string }>(
      "SELECT count(DISTINCT lead_id) AS n FROM system_events WHERE type = 'lead.transition' AND payload->>'to' = 'PENDING_APPROVAL' AND created_at > now() - interval '7 days'",
    );
    const html = await text(await inboxFetch("/inbox?days=7", { cookie: await signIn() }));
    const stage = html.slice(html.indexOf('data-stage="consultation_complete"'));
    const n = Number(row?.n);
    expect(stage).toContain(n === 1 ? copy("inbox.funnel.leads_one") : copy("inbox.funnel.leads", { count: n }));
  });

  it("a lead: answers (latest wins), estimate, the actions its status allows, the timeline", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    await sql("INSERT INTO lead_answers (lead_id, seq, question_key, raw_text) VALUES ($1, 1, 'idea', 'a rose'), ($1, 2, 'placement', 'left forearm'), ($1, 3, 'idea', 'a koi fish')", [lead.id]);
    await sql(
      "INSERT INTO outbox_messages (lead_id, seq, to_phone, kind, payload, status) VALUES ($1, 1, $2, 'text', $3, 'DELIVERED')",
      [lead.id, lead.phone, JSON.stringify({ kind: "text", body: "Thanks, that's everything I need!" })],
    );
    await sql("INSERT INTO system_events (type, lead_id, payload) VALUES ('lead.transition', $1, $2)", [lead.id, JSON.stringify({ from: "QUALIFYING", to: "PENDING_APPROVAL" })]);
    const { html } = await openLead(lead.id);

    expect(html).toContain(copy("inbox.lead.status_since", { status: copy("status.PENDING_APPROVAL"), when: "" }).trim());
    const answers = section(html, "answers-title");
    expect(answers).toContain("a koi fish");
    expect(answers).not.toContain("a rose");
    expect(answers.indexOf(copy("label.idea"))).toBeLessThan(answers.indexOf(copy("label.placement")));
    expect(html).toContain(copy("page.estimate_value", { priceMin: "£260", priceMax: "£380", deposit: "£100" }));

    const actions = section(html, "actions-title");
    for (const action of ["approve", "reject", "send_deposit", "send_booking_link", "mark_booked"]) {
      expect(actions).toContain(`data-action="${action}"`);
    }
    expect(actions).not.toContain('data-action="resume"');

    const timeline = section(html, "timeline-title");
    expect(timeline).toContain("Thanks, that's everything I need!");
    expect(timeline).toContain(copy("inbox.delivery.DELIVERED"));
    expect(timeline).toContain(copy("inbox.timeline.transition", { from: copy("status.QUALIFYING"), to: copy("status.PENDING_APPROVAL") }));
    // The earlier answer is history: on the timeline, not in the answers.
    expect(timeline).toContain(copy("inbox.timeline.answer", { question: copy("label.idea"), text: "a rose" }));
  });

  it("a closed lead offers no actions; an unknown lead is a 404 page", async () => {
    const lead = await insertLead("REJECTED");
    const { html, cookie } = await openLead(lead.id);
    expect(section(html, "actions-title")).toContain(copy("inbox.lead.no_actions"));
    expect((await inboxFetch(`/inbox/leads/${crypto.randomUUID()}`, { cookie })).status).toBe(404);
    expect((await inboxFetch("/inbox/leads/not-a-uuid", { cookie })).status).toBe(404);
  });
});

describe("actions from the inbox", () => {
  it("approve: through the lead's object, the client is told, the page says so; the same form again changes nothing", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const { html, cookie } = await openLead(lead.id);
    const form = { csrf: formField(html, "csrf", "approve"), request_id: formField(html, "request_id", "approve") };
    const response = await inboxFetch(`/inbox/leads/${lead.id}/actions/approve`, { form, cookie });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/inbox/leads/${lead.id}?done=approve`);

    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    expect(await textsTo(lead.phone)).toEqual(APPROVED_TEXTS);
    const [event] = await sql<{ payload: { via: string } }>("SELECT payload FROM system_events WHERE lead_id = $1 AND type = 'artist.approved'", [lead.id]);
    expect(event?.payload.via).toBe("inbox");
    // The object recorded the request as processed under the form's id.
    const [processed] = await sql("SELECT provider FROM processed_events WHERE event_id = $1", [`inbox:${form.request_id}`]);
    expect(processed).toMatchObject({ provider: "admin" });

    const after = await text(await inboxFetch(`/inbox/leads/${lead.id}?done=approve`, { cookie }));
    expect(after).toContain(copy("action.done.approve", { clientName: "Ari Lane" }));
    expect(after).toContain(`data-status="CHOOSING_SLOT"`);

    // A double submit (or the back button and submit again): the first answer, nothing more.
    const again = await inboxFetch(`/inbox/leads/${lead.id}/actions/approve`, { form, cookie });
    expect(again.headers.get("location")).toBe(`/inbox/leads/${lead.id}?done=approve`);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ version: 1 });
    expect(await textsTo(lead.phone)).toHaveLength(APPROVED_TEXTS.length);
  });

  it("reject with a reason: kept for the artist, never sent to the client", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const { html, cookie } = await openLead(lead.id);
    const form = { csrf: formField(html, "csrf", "reject"), request_id: formField(html, "request_id", "reject"), reason: "fully booked this year" };
    const response = await inboxFetch(`/inbox/leads/${lead.id}/actions/reject`, { form, cookie });
    expect(response.headers.get("location")).toBe(`/inbox/leads/${lead.id}?done=reject`);
    expect(await leadRow(lead.id)).toMatchObject({ status: "REJECTED", rejection_reason: "fully booked this year" });
    expect((await textsTo(lead.phone)).join("\n")).not.toContain("fully booked");
  });

  it("a form from before the lead moved on: refused with the reason, nothing changes", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const { html, cookie } = await openLead(lead.id);
    const approve = { csrf: formField(html, "csrf", "approve"), request_id: formField(html, "request_id", "approve") };
    const book = { csrf: formField(html, "csrf", "mark_booked"), request_id: formField(html, "request_id", "mark_booked") };
    await inboxFetch(`/inbox/leads/${lead.id}/actions/mark_booked`, { form: book, cookie });
    const response = await inboxFetch(`/inbox/leads/${lead.id}/actions/approve`, { form: approve, cookie });
    expect(response.headers.get("location")).toBe(`/inbox/leads/${lead.id}?refused=wrong_status&action=approve`);
    expect(await leadRow(lead.id)).toMatchObject({ status: "BOOKED", version: 1 });
    const page = await text(await inboxFetch(response.headers.get("location") ?? "", { cookie }));
    expect(page).toContain(copy("page.error.wrong_status.body", { clientName: "Ari Lane", status: copy("status.BOOKED"), action: copy("action.label.approve") }));
  });

  it("a bad form or an unknown action: nothing runs", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const { html, cookie } = await openLead(lead.id);
    const csrf = formField(html, "csrf");
    expect((await inboxFetch(`/inbox/leads/${lead.id}/actions/approve`, { form: { csrf, request_id: "1" }, cookie })).status).toBe(400);
    expect((await inboxFetch(`/inbox/leads/${lead.id}/actions/teleport`, { form: { csrf, request_id: crypto.randomUUID() }, cookie })).status).toBe(404);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
  });
});

describe("demo mode", () => {
  it("is off in the test Worker: /demo and the key-less sign-in do not exist", async () => {
    expect((await inboxFetch("/demo")).status).toBe(404);
    const demoLogin = await inboxFetch("/inbox/demo-login");
    expect(demoLogin.status).toBe(404);
    expect(sessionCookieFrom(demoLogin)).toBeNull();
  });

  it("on: /demo links the client's chat, the artist's phone and the inbox, which signs in without the key", async () => {
    const demoEnv = { ...env, DEMO_MODE: "true", DEMO_CHAT_URL: "http://127.0.0.1:8790" };
    const headers = { "cf-connecting-ip": uniqueIp() };
    const page = await app.request("https://inkline.test/demo", { headers }, demoEnv);
    expect(page.status).toBe(200);
    const html = await text(page);
    expect(html).toContain(copy("demo.intro", { artistName: "Mara" }));
    expect(html).toContain('href="http://127.0.0.1:8790/"');
    expect(html).toContain('href="http://127.0.0.1:8790/?phone=%2B447700900001&name=Mara&role=artist"');
    expect(html).toContain('href="/inbox/demo-login"');
    // The test Worker's calendar points at the Google emulator: /demo links the artist's week there.
    expect(html).toContain(`href="${new URL(inject("googleCalendarUrl")).origin}/_emulator/calendar?id=artist%40inkline.test&`);

    const login = await app.request("https://inkline.test/inbox/demo-login", { headers, redirect: "manual" }, demoEnv, createExecutionContext());
    expect(login.status).toBe(303);
    const cookie = sessionCookieFrom(login);
    expect(cookie).toMatch(/^v1\./);
    // A real session: the (non-demo) Worker with the same admin key accepts it.
    expect((await inboxFetch("/inbox", { cookie })).status).toBe(200);
  });
});
