/**
 * The artist's one-tap links through the whole Worker: the summary and the handover notice carry
 * them, GET shows a confirmation page, POST runs the action through the lead's Durable Object; a
 * link that is used, expired, altered, another lead's or no longer applicable changes nothing and
 * says which.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { actionPath } from "../../durable-objects/action-links.ts";
import { ActionResults } from "../../durable-objects/action-results.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { sha256Base64 } from "../../src/lib/crypto.ts";
import { QUESTIONS } from "../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import {
  confirmLink,
  insertLead,
  leadRow,
  ARTIST_NUMBER,
  mintToken,
  noticeTokens,
  openLink,
  settleLead,
  sha256Hex,
  summaryTokens,
  uniqueIp,
} from "../support/workers/artist.ts";
import { artistHeardSince, artistWindowOpen, Client } from "../support/workers/client.ts";
import { SELF } from "cloudflare:test";
import { sql } from "../support/workers/db.ts";
import { postWebhook, prepareInbound, sentTo, textsTo } from "../support/workers/whatsapp.ts";
import { sessionsFor } from "../support/workers/stripe.ts";
import { APPROVED_TEXTS, CONSENT_ASKED, OFFERED_AFTER_CONSENT } from "../support/workers/deposit.ts";

const copy = (key: Parameters<typeof renderCopy>[0], extra: Record<string, string> = {}) =>
  renderCopy(key, { artistName: "Mara", greetingName: " Ari", replyDays: 3, ...extra });

/** A client who answers every question; returns them and the artist's summary. */
async function completedConsultation(): Promise<{ client: Client; summary: string }> {
  const before = await artistWindowOpen();
  const client = new Client();
  await client.says("hi");
  for (const q of QUESTIONS) await client.says(GOOD_ANSWERS[q.key].text);
  await client.hears();
  const notices = await artistHeardSince(before);
  const summary = notices.find((n) => n.startsWith("New consultation"));
  if (!summary) throw new Error(`no summary in ${JSON.stringify(notices)}`);
  return { client, summary };
}

async function tokenRows(leadId: string) {
  return sql<{ action: string; used_at: Date | null; expires_at: Date }>(
    "SELECT action, used_at, expires_at FROM action_tokens WHERE lead_id = $1 ORDER BY action",
    [leadId],
  );
}

describe("the summary's links", () => {
  it("the summary carries approve, reject, send deposit and mark booked links; approve: page, confirm, applied once", async () => {
    const { client, summary } = await completedConsultation();
    const lead = await client.lead();
    const id = String(lead?.id);
    expect((await tokenRows(id)).map((t) => t.action)).toEqual(["approve", "mark_booked", "reject", "send_deposit"]);
    const [first] = await tokenRows(id);
    // Seven days by default.
    expect(Math.round(((first?.expires_at.getTime() ?? 0) - Date.now()) / 3_600_000)).toBe(168);

    expect(summary).toContain("Ari Lane");
    // The summary's buttons carry the tokens; the same token opens as a link.
    const approve = actionPath((await summaryTokens()).approve);
    expect(approve).toMatch(/^\/a#[A-Za-z0-9_-]{43}$/);
    // No raw token is ever stored: only its hash.
    const stored = await sql("SELECT 1 FROM action_tokens WHERE token_hash = $1", [await sha256Hex(approve.slice(3))]);
    expect(stored).toHaveLength(1);

    const page = await openLink(approve);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).toContain('name="viewport"');
    expect(html).toContain("Approve?");
    expect(html).toContain(`Ari Lane, ${client.phone}`);
    expect(html).toContain(GOOD_ANSWERS.idea.text);
    expect(html).toContain(renderCopy("action.effect.approve", { clientName: "Ari Lane" }).replace(/'/g, "&#39;"));
    // Looking changes nothing.
    expect(await client.lead()).toMatchObject({ status: "PENDING_APPROVAL", version: lead?.version });

    const done = await confirmLink(approve, { lead_id: id });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Approved. Ari Lane has been told.");
    await settleLead(client.phone);
    // Approved: consent and age first (consent.ts), then the free times.
    expect(await client.lead()).toMatchObject({ status: "CHECKING_CONSENT", version: Number(lead?.version) + 1 });
    expect((await client.lead())?.approved_at).not.toBeNull();
    expect(await client.hears()).toEqual(CONSENT_ASKED);
    await client.givesConsent();
    expect(await client.lead()).toMatchObject({ status: "CHOOSING_SLOT" });
    expect((await client.hears()).at(-1)).toEqual(OFFERED_AFTER_CONSENT);
    const used = (await tokenRows(id)).find((t) => t.action === "approve");
    expect(used?.used_at).not.toBeNull();
    const markers = await sql<{ provider: string }>("SELECT provider FROM processed_events WHERE lead_id = $1 AND event_id LIKE 'link:%'", [id]);
    expect(markers).toEqual([{ provider: "artist" }]);
  });

  it("a replayed completion (the same webhook again) sends no second summary and mints no more links", async () => {
    const before = await artistWindowOpen();
    const client = new Client();
    await client.reaches("timing");
    const prepared = await prepareInbound({ from: client.phone, text: GOOD_ANSWERS.timing.text });
    expect((await postWebhook(prepared.body, prepared.signature)).status).toBe(200);
    await settleLead(client.phone);
    expect((await postWebhook(prepared.body, prepared.signature)).status).toBe(200);
    await settleLead(client.phone);
    const summaries = (await artistHeardSince(before)).filter((n) => n.startsWith("New consultation"));
    expect(summaries).toHaveLength(1);
    expect(await tokenRows(String((await client.lead())?.id))).toHaveLength(4);
  });
});

describe("the token stays out of every URL a server sees", () => {
  /** A POST to /a from a fresh address, as the pages' forms make it. */
  const post = (form: Record<string, string>) =>
    SELF.fetch("https://inkline.test/a", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": uniqueIp() },
      body: new URLSearchParams(form).toString(),
    });

  it("no link the artist is sent puts a token in a path: the summary's buttons carry theirs in their ids, its page button none", async () => {
    const before = await artistWindowOpen();
    const { summary } = await completedConsultation();
    expect(summary).not.toMatch(/\/a[#/]/);
    const sends = JSON.stringify((await sentTo(ARTIST_NUMBER)).slice(before));
    expect(sends).not.toMatch(/\/a\/[A-Za-z0-9_-]{43}/);
    for (const token of Object.values(await summaryTokens())) expect(sends).toContain(token);
  });

  it("GET /a (what a tap or a link preview loads) is one page for every link: no token, no lead, its one script allowed by hash", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    await mintToken(lead.id, "approve");
    const page = await SELF.fetch("https://inkline.test/a", { headers: { "cf-connecting-ip": uniqueIp() } });
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await page.text();
    expect(html).not.toContain("Ari Lane");
    expect(html).toContain('<form id="open" method="post" action="/a">');
    expect(html).toContain('<input type="hidden" name="token" value="" />');
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? "");
    expect(scripts).toHaveLength(1);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    // That script and no other: no 'unsafe-inline', no source list.
    const scriptSrc = csp.split(";").map((d) => d.trim()).filter((d) => d.startsWith("script-src"));
    expect(scriptSrc).toEqual([`script-src 'sha256-${await sha256Base64(scripts[0] ?? "")}'`]);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
  });

  it("the page's review POST shows the confirmation, whose form posts the token in its body to /a; no page but the opener runs a script", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    const page = await openLink(actionPath(token));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).not.toContain("script-src");
    const html = await page.text();
    expect(html).toContain("Approve?");
    expect(html).toContain('<form method="post" action="/a">');
    expect(html).toContain('<input type="hidden" name="step" value="confirm" />');
    expect(html).toContain(`<input type="hidden" name="token" value="${token}" />`);
    expect(html).not.toContain("<script");
    // The page's own CSS as written (escaped, `"Segoe UI"` and `.actions > *` would not apply).
    expect(html).toContain('.actions > * {');
    // Reviewing again (a refresh) changes nothing.
    expect((await openLink(actionPath(token))).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
    expect((await tokenRows(lead.id))[0]?.used_at).toBeNull();
  });

  it("a link opened without its fragment, or a POST without a step: not valid, nothing changes", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    const empty = await post({ step: "review", token: "" });
    expect(empty.status).toBe(404);
    expect(await empty.text()).toContain("This link isn&#39;t valid");
    const stepless = await post({ token, lead_id: lead.id });
    expect(stepless.status).toBe(400);
    expect(await stepless.text()).toContain("step:");
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
    expect((await tokenRows(lead.id))[0]?.used_at).toBeNull();
  });
});

describe("links sent before the token moved into the fragment (/a/<token>)", () => {
  it("still open their confirmation, whose form posts the token to /a, and confirm once", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    const page = await openLink(`/a/${token}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/a">');
    expect(html).toContain(`<input type="hidden" name="token" value="${token}" />`);
    expect((await confirmLink(actionPath(token), { lead_id: lead.id })).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    expect((await openLink(`/a/${token}`)).status).toBe(410);
  });

  it("a confirmation page opened before the change still posts to the link's own path, and runs", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    expect((await confirmLink(`/a/${token}`, { lead_id: lead.id })).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    expect(await textsTo(lead.phone)).toEqual(APPROVED_TEXTS);
    expect((await confirmLink(`/a/${token}`, { lead_id: lead.id })).status).toBe(410);
  });
});

describe("a tap cut short by a reset", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("applied just before the object was reset: the retried request shows the done page, not 'used', and nothing happens twice", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    // Reset right after Postgres committed the approval (and used the token), before the object noted its answer.
    const record = vi.spyOn(ActionResults.prototype, "record");
    await runInDurableObject(env.LEAD_CONVERSATION.getByName(lead.phone), (_object, state) => {
      record.mockImplementationOnce(() => state.abort("test: reset between commit and answer"));
    });
    const done = await confirmLink(actionPath(token), { lead_id: lead.id });
    expect(record).toHaveBeenCalledTimes(2);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Approved. Ari Lane has been told.");

    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    expect(await textsTo(lead.phone)).toEqual(APPROVED_TEXTS);
    const refused = await sql("SELECT 1 FROM system_events WHERE lead_id = $1 AND type = 'artist.action_refused'", [lead.id]);
    expect(refused).toEqual([]);
    // A new tap of the same link is a new request: that one is told the link was used.
    expect((await confirmLink(actionPath(token), { lead_id: lead.id })).status).toBe(410);
  });
});

describe("links that change nothing", () => {
  it("replay: a used link says so (GET and POST), and nothing happens twice", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    expect((await confirmLink(actionPath(token), { lead_id: lead.id })).status).toBe(200);
    await settleLead(lead.phone);
    const after = await leadRow(lead.id);

    for (const response of [await confirmLink(actionPath(token), { lead_id: lead.id }), await openLink(actionPath(token))]) {
      expect(response.status).toBe(410);
      expect(await response.text()).toContain("This link has already been used");
    }
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: after.version });
    expect(await textsTo(lead.phone)).toEqual(APPROVED_TEXTS);
  });

  it("a double tap (two POSTs at once): one applies, the other is told the link was used", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    const responses = await Promise.all([confirmLink(actionPath(token), { lead_id: lead.id }), confirmLink(actionPath(token), { lead_id: lead.id })]);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 410]);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    expect(await textsTo(lead.phone)).toEqual(APPROVED_TEXTS);
  });

  it("expiry: an expired link says so and does nothing", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve", { expiresAt: new Date(Date.now() - 1000) });
    const page = await openLink(actionPath(token));
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("This link has expired");
    expect((await confirmLink(actionPath(token), { lead_id: lead.id })).status).toBe(410);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
    expect((await tokenRows(lead.id))[0]?.used_at).toBeNull();
  });

  it("wrong status: an approve link for a lead that was rejected meanwhile says it no longer applies", async () => {
    const lead = await insertLead("REJECTED");
    const token = await mintToken(lead.id, "approve");
    for (const response of [await openLink(actionPath(token)), await confirmLink(actionPath(token), { lead_id: lead.id })]) {
      expect(response.status).toBe(409);
      const html = await response.text();
      expect(html).toContain("This no longer applies");
      expect(html).toContain("Ari Lane is now rejected");
    }
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "REJECTED", version: 0 });
    expect(await textsTo(lead.phone)).toEqual([]);
  });

  it("tampered: one character changed, cut short or junk: not valid, nothing changed", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    const flipped = `${token.slice(0, 10)}${token[10] === "A" ? "B" : "A"}${token.slice(11)}`;
    for (const bad of [flipped, token.slice(0, 42), `${token}x`, "not-a-token"]) {
      const get = await openLink(actionPath(bad));
      expect(get.status).toBe(404);
      expect(await get.text()).toContain("This link isn&#39;t valid");
      expect((await confirmLink(actionPath(bad), { lead_id: lead.id })).status).toBe(404);
    }
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
    expect((await tokenRows(lead.id))[0]?.used_at).toBeNull();
  });

  it("another lead's token: refused by the page and by the lead's own object; neither lead changes", async () => {
    const a = await insertLead("PENDING_APPROVAL");
    const b = await insertLead("PENDING_APPROVAL");
    const tokenA = await mintToken(a.id, "approve");

    const page = await confirmLink(actionPath(tokenA), { lead_id: b.id });
    expect(page.status).toBe(409);
    expect(await page.text()).toContain("This link belongs to another client");

    // Straight at B's object, claiming B: the object finds the token is A's.
    const outcome = await env.LEAD_CONVERSATION.getByName(b.phone).act(
      { type: "artist.action", eventId: `link:${crypto.randomUUID()}`, phone: b.phone, leadId: b.id, action: "approve", reason: null, via: "link", tokenHash: await sha256Hex(tokenA) },
      "test",
    );
    expect(outcome).toMatchObject({ ok: false, reason: "wrong_lead" });

    await Promise.all([settleLead(a.phone), settleLead(b.phone)]);
    for (const lead of [a, b]) expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
    expect((await tokenRows(a.id))[0]?.used_at).toBeNull();
    const refused = await sql<{ payload: { reason: string } }>("SELECT payload FROM system_events WHERE lead_id = $1 AND type = 'artist.action_refused'", [b.id]);
    expect(refused.map((r) => r.payload.reason)).toEqual(["wrong_lead"]);
  });

  it("a form without the lead it was shown for is refused, naming the field", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    const response = await confirmLink(actionPath(token), { lead_id: "nope" });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("lead_id:");
    expect(await leadRow(lead.id)).toMatchObject({ version: 0 });
  });

  it("a form body over 8 KB: 413 saying so, the token unused, nothing changed", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "reject", { allowedStatuses: ["PENDING_APPROVAL"] });
    const response = await confirmLink(actionPath(token), { lead_id: lead.id, reason: "r".repeat(9 * 1024) });
    expect(response.status).toBe(413);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const page = await response.text();
    expect(page).toContain("That was too much to send");
    expect(page).toContain("at most 8 KB");
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
    expect((await tokenRows(lead.id))[0]?.used_at).toBeNull();
  });

  it("Cancel lands on a page that says nothing was changed", async () => {
    const response = await openLink("/a/cancelled");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Nothing was changed.");
  });
});

describe("the other actions by link", () => {
  it("reject with a reason from the form: REJECTED, the reason stored, the client told kindly", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "reject", { allowedStatuses: ["PENDING_APPROVAL", "NEEDS_ARTIST_REPLY"] });
    const page = await openLink(actionPath(token));
    expect(await page.text()).toContain('name="reason"');
    expect((await confirmLink(actionPath(token), { lead_id: lead.id, reason: "booked up this year" })).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "REJECTED", rejection_reason: "booked up this year" });
    expect(await textsTo(lead.phone)).toEqual([copy("action.reject.client")]);
  });

  it("send deposit: a real Checkout link for the quoted deposit reaches the client; the lead waits for it", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "send_deposit", { allowedStatuses: ["PENDING_APPROVAL"] });
    expect((await confirmLink(actionPath(token), { lead_id: lead.id })).status).toBe(200);
    await settleLead(lead.phone);
    const [session] = await sessionsFor(lead.id);
    expect(session).toMatchObject({ amount_total: 10_000, currency: "gbp", status: "open" });
    expect(await leadRow(lead.id)).toMatchObject({ status: "AWAITING_DEPOSIT", stripe_checkout_session_id: session?.id, deposit_link_url: session?.url, deposit_attempt: 1 });
    expect(await textsTo(lead.phone)).toEqual([copy("deposit.link.client", { deposit: "£100", url: session?.url ?? "?", hours: "24" })]);
    const events = await sql<{ payload: Record<string, unknown> }>("SELECT payload FROM system_events WHERE lead_id = $1 AND type = 'deposit.link_sent'", [lead.id]);
    expect(events.map((e) => e.payload)).toMatchObject([{ amount_minor: 10_000, currency: "GBP", via: "link", session_id: session?.id }]);
  });

  it("the handover notice carries a resume button whose token opens as a link: one tap hands the client back to the questions", async () => {
    await artistWindowOpen();
    const client = new Client();
    await client.reaches("budget");
    await client.says("HUMAN");
    await client.hears();
    const resume = actionPath((await noticeTokens())[renderCopy("artist.button.resume")] ?? "");

    expect((await confirmLink(resume, { lead_id: String((await client.lead())?.id) })).status).toBe(200);
    await settleLead(client.phone);
    expect(await client.lead()).toMatchObject({ status: "QUALIFYING", current_question: "budget", resume_status: null });
    expect(await client.hears()).toEqual([copy("action.resume.client"), renderCopy("question.budget")]);
  });
});

describe("rate limiting", () => {
  it("more than 30 requests a minute from one address get 429 with Retry-After; another address is unaffected", async () => {
    const ip = uniqueIp();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await openLink("/a/cancelled", ip)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const limited = await openLink("/a/cancelled", ip);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.text()).toContain("Too many attempts");
    expect((await openLink("/a/cancelled", uniqueIp())).status).toBe(200);
  });
});
