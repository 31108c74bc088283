/**
 * The artist runs the studio from WhatsApp (issue 17), through the whole Worker: the summary
 * arrives with an inbox-page button and Approve / Reject / More reply buttons whose ids are one-tap
 * tokens; a tap from the artist's number in a signed webhook runs the action through the lead's
 * object and the artist hears what happened; replayed, double, forged, expired and other-number
 * taps do nothing and are recorded; outside the artist's window the notice is a template whose URL
 * buttons carry the tokens; the artist's own words get help and never start a consultation.
 */
import { afterEach, describe, expect, it } from "vitest";
import { actionPath } from "../../durable-objects/action-links.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { QUESTIONS } from "../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import {
  ARTIST_NUMBER,
  confirmLink,
  insertLead,
  lastListRows,
  leadRow,
  mintToken,
  openLink,
  settleDesk,
  settleLead,
  sha256Hex,
  summaryTokens,
  tapOnWhatsApp,
} from "../support/workers/artist.ts";
import { artistHeardSince, artistWindowOpen, Client } from "../support/workers/client.ts";
import { sql } from "../support/workers/db.ts";
import { postWebhook, prepareInbound, sentTo, setEmulatorClockOffset, textsTo, uniquePhone } from "../support/workers/whatsapp.ts";
import { CONSENT_ASKED, OFFERED_AFTER_CONSENT } from "../support/workers/deposit.ts";

const copy = (key: Parameters<typeof renderCopy>[0], extra: Record<string, string> = {}) =>
  renderCopy(key, { artistName: "Mara", greetingName: " Ari", replyDays: 3, ...extra });

afterEach(async () => {
  await setEmulatorClockOffset(0);
});

/** Refusals the desk recorded for one WhatsApp message. */
async function tapRefusals(messageId: string): Promise<{ reason: string }[]> {
  const rows = await sql<{ payload: { reason: string } }>("SELECT payload FROM system_events WHERE type = 'artist.tap_refused' AND payload->>'message_id' = $1", [messageId]);
  return rows.map((r) => ({ reason: r.payload.reason }));
}

/** What the artist was last sent (text or an interactive body). */
async function lastToArtist(): Promise<string> {
  return (await textsTo(ARTIST_NUMBER)).at(-1) ?? "";
}

describe("the summary's buttons", () => {
  it("a finished consultation: the summary with an inbox button, then Approve / Reject / More; tapping Approve approves once and says so", async () => {
    const before = await artistWindowOpen();
    const client = new Client();
    await client.says("hi");
    for (const q of QUESTIONS) await client.says(GOOD_ANSWERS[q.key].text);
    await client.hears();
    const lead = await client.lead();
    const id = String(lead?.id);
    const sends = (await sentTo(ARTIST_NUMBER)).slice(before);
    // The summary as a call-to-action message to the lead's inbox page, then the buttons.
    const page = sends.find((s) => s.body.interactive?.type === "cta_url");
    expect(page?.body.interactive?.body?.text).toMatch(/^New consultation/);
    expect(JSON.stringify(page?.body.interactive)).toContain(`https://inkline.test/inbox/leads/${id}`);
    const buttons = sends.find((s) => s.body.interactive?.type === "button");
    expect(buttons?.body.interactive?.action?.buttons?.map((b) => b.reply.title)).toEqual(["Approve", "Reject", "More"]);
    // No raw link in anything the artist was sent.
    expect(JSON.stringify(sends)).not.toMatch(/\/a#[A-Za-z0-9_-]{43}/);

    const tokens = await summaryTokens();
    // A button id is a token like a link's: only its hash is stored, bound to this lead and action.
    const stored = await sql<{ action: string; lead_id: string }>("SELECT action, lead_id FROM action_tokens WHERE token_hash = $1", [await sha256Hex(tokens.approve)]);
    expect(stored).toEqual([{ action: "approve", lead_id: id }]);

    const tapped = await tapOnWhatsApp(`act:${tokens.approve}`);
    expect(tapped.response.status).toBe(200);
    await settleLead(client.phone);
    // Approved: the client is asked consent and age first, then offered the free times.
    expect(await leadRow(id)).toMatchObject({ status: "CHECKING_CONSENT", version: Number(lead?.version) + 1 });
    expect(await client.hears()).toEqual(CONSENT_ASKED);
    expect(await lastToArtist()).toBe(renderCopy("action.done.approve", { clientName: "Ari Lane" }));
    await client.givesConsent();
    expect((await leadRow(id)).status).toBe("CHOOSING_SLOT");
    expect((await client.hears()).at(-1)).toEqual(OFFERED_AFTER_CONSENT);
    const markers = await sql<{ provider: string }>("SELECT provider FROM processed_events WHERE lead_id = $1 AND event_id = $2", [id, `wa:${tapped.messageId}`]);
    expect(markers).toEqual([{ provider: "artist" }]);
    // The artist's tap started no consultation of the artist's own.
    expect(await sql("SELECT 1 FROM leads WHERE phone_e164 = $1", [ARTIST_NUMBER])).toEqual([]);
  });
});

describe("taps that must do nothing", () => {
  it("a double tap (two messages, one token) is applied once; the second is told it was used and recorded", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    await artistWindowOpen();
    await tapOnWhatsApp(`act:${token}`);
    const second = await tapOnWhatsApp(`act:${token}`);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    expect(await lastToArtist()).toBe(renderCopy("artist.tap.refused.used"));
    expect(await tapRefusals(second.messageId)).toEqual([{ reason: "used" }]);
    // The client heard of the approval once.
    expect((await textsTo(lead.phone)).filter((t) => t === copy("action.approve_booking.client"))).toHaveLength(1);
  });

  it("a replayed webhook (the same message again) is one tap", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    await artistWindowOpen();
    const prepared = await prepareInbound({ from: ARTIST_NUMBER, button: { id: `act:${token}`, title: "Approve" } });
    const before = (await sentTo(ARTIST_NUMBER)).length;
    for (let i = 0; i < 3; i++) expect((await postWebhook(prepared.body, prepared.signature)).status).toBe(200);
    await settleDesk();
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    expect((await sentTo(ARTIST_NUMBER)).length - before).toBe(1);
  });

  it("a forged id (a token never minted) changes nothing, is recorded, and the artist is told", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    await artistWindowOpen();
    const forged = "A".repeat(43);
    const tapped = await tapOnWhatsApp(`act:${forged}`);
    expect(tapped.response.status).toBe(200);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
    expect(await tapRefusals(tapped.messageId)).toEqual([{ reason: "unknown_token" }]);
    expect(await lastToArtist()).toBe(renderCopy("artist.tap.refused.unknown_token"));
    // An altered id (not even token-shaped) is the same.
    const altered = await tapOnWhatsApp("act:not-a-token");
    expect(await tapRefusals(altered.messageId)).toEqual([{ reason: "unknown_token" }]);
  });

  it("a valid token tapped from another number (the client's own) runs nothing, sends nothing there, and is recorded", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    const sentBefore = (await sentTo(lead.phone)).length;
    const tapped = await tapOnWhatsApp(`act:${token}`, { from: lead.phone });
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
    expect(await tapRefusals(tapped.messageId)).toEqual([{ reason: "other_number" }]);
    expect((await sentTo(lead.phone)).length).toBe(sentBefore);
    const [row] = await sql<{ used_at: Date | null }>("SELECT used_at FROM action_tokens WHERE token_hash = $1", [await sha256Hex(token)]);
    expect(row?.used_at).toBeNull();
    // The artist can still use it.
    await artistWindowOpen();
    await tapOnWhatsApp(`act:${token}`);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT" });
  });

  it("an expired token changes nothing, is recorded, and the artist is told", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve", { expiresAt: new Date(Date.now() - 60_000) });
    await artistWindowOpen();
    const tapped = await tapOnWhatsApp(`act:${token}`);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
    expect(await tapRefusals(tapped.messageId)).toEqual([{ reason: "expired" }]);
    expect(await lastToArtist()).toBe(renderCopy("artist.tap.refused.expired", { clientName: "Ari Lane" }));
  });
});

describe("reject with a reason in two taps", () => {
  it("Reject shows the reasons (the token still unused); picking one rejects with that reason's kind message", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "reject");
    await artistWindowOpen();
    await tapOnWhatsApp(`act:${token}`, { title: "Reject" });
    const rows = await lastListRows();
    expect(rows.map((r) => r.title)).toEqual(["Not my style", "Too big for me", "Fully booked", "Other reason", "No message"]);
    expect(await leadRow(lead.id)).toMatchObject({ status: "PENDING_APPROVAL", version: 0 });
    const fullyBooked = rows.find((r) => r.title === "Fully booked");
    await tapOnWhatsApp(fullyBooked?.id ?? "", { list: true, title: "Fully booked" });
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "REJECTED", rejection_reason: "Fully booked" });
    expect((await textsTo(lead.phone)).at(-1)).toBe(copy("action.reject.client.fully_booked"));
    expect(await lastToArtist()).toBe(renderCopy("action.done.reject", { clientName: "Ari Lane" }));
  });

  it('"No message": rejected, and the client is sent nothing', async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "reject");
    await artistWindowOpen();
    await tapOnWhatsApp(`act:${token}`, { title: "Reject" });
    const none = (await lastListRows()).find((r) => r.title === "No message");
    const sentBefore = (await sentTo(lead.phone)).length;
    await tapOnWhatsApp(none?.id ?? "", { list: true, title: "No message" });
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "REJECTED" });
    expect((await sentTo(lead.phone)).length).toBe(sentBefore);
    expect(await lastToArtist()).toBe(renderCopy("artist.tap.done_silent", { clientName: "Ari Lane" }));
  });
});

describe("outside the artist's 24-hour window", () => {
  it("the buttons go as the inkline_artist_actions template, its URL buttons carrying the approve and reject tokens; one tap opens the approval", async () => {
    const client = new Client();
    await client.reaches("timing");
    // A day later by WhatsApp's clock: the artist has not written since, the client just has.
    await setEmulatorClockOffset(25 * 60 * 60 * 1000);
    const before = (await sentTo(ARTIST_NUMBER)).length;
    await client.says(GOOD_ANSWERS.timing.text);
    await client.hears();
    const lead = await client.lead();
    const id = String(lead?.id);
    const templates = (await sentTo(ARTIST_NUMBER)).slice(before).filter((s) => s.type === "template");
    const actions = templates.find((s) => s.body.template?.name === "inkline_artist_actions");
    const components = (actions?.body.template as { components?: { type: string; sub_type?: string; index?: string; parameters?: { text?: string }[] }[] } | undefined)?.components ?? [];
    expect(components.find((c) => c.type === "body")?.parameters?.map((p) => p.text)).toEqual(["Ari Lane"]);
    const urlButtons = components.filter((c) => c.type === "button" && c.sub_type === "url");
    expect(urlButtons.map((c) => c.index)).toEqual(["0", "1"]);
    const [approve, reject] = urlButtons.map((c) => c.parameters?.[0]?.text ?? "");
    const actionsOf = async (token: string) => (await sql<{ action: string; lead_id: string }>("SELECT action, lead_id FROM action_tokens WHERE token_hash = $1", [await sha256Hex(token)]))[0];
    expect(await actionsOf(approve ?? "")).toEqual({ action: "approve", lead_id: id });
    expect(await actionsOf(reject ?? "")).toEqual({ action: "reject", lead_id: id });
    const fallbacks = await sql("SELECT 1 FROM system_events WHERE type = 'whatsapp.template_fallback' AND lead_id = $1 AND payload->>'template' = 'inkline_artist_actions'", [id]);
    expect(fallbacks).toHaveLength(1);
    // The URL the template's button opens (PUBLIC_BASE_URL/a#{{1}}) works like any one-tap link.
    const path = actionPath(approve ?? "");
    expect((await openLink(path)).status).toBe(200);
    expect((await confirmLink(path, { lead_id: id })).status).toBe(200);
    await settleLead(client.phone);
    // Approved: the client is asked consent and age before any time is offered.
    const row = await leadRow(id);
    expect(row.status).toBe("CHECKING_CONSENT");
    expect(row.approved_at).not.toBeNull();
  });
});

describe("the artist's own messages", () => {
  it("words that are not a command get a short help reply (with the inbox button) and never start a consultation", async () => {
    const before = (await sentTo(ARTIST_NUMBER)).length;
    const prepared = await prepareInbound({ from: ARTIST_NUMBER, text: "Hi, I'd love a tattoo of a fox" });
    expect((await postWebhook(prepared.body, prepared.signature)).status).toBe(200);
    await settleDesk();
    const replies = (await sentTo(ARTIST_NUMBER)).slice(before);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body.interactive?.type).toBe("cta_url");
    expect(replies[0]?.body.interactive?.body?.text).toBe(renderCopy("artist.help"));
    expect(await sql("SELECT 1 FROM leads WHERE phone_e164 = $1 OR conversation_key = $1", [ARTIST_NUMBER])).toEqual([]);
  });

  it('"today": the digest now, the waiting lead named and given its own buttons', async () => {
    const name = `Digest ${uniquePhone().slice(-6)}`;
    // The oldest waiting lead of all the files' leads: first in the digest, so it gets buttons.
    const lead = await insertLead("PENDING_APPROVAL", { display_name: name, status_changed_at: "2020-01-01T00:00:00Z" });
    const before = await artistWindowOpen();
    const prepared = await prepareInbound({ from: ARTIST_NUMBER, text: "today" });
    await postWebhook(prepared.body, prepared.signature);
    await settleDesk();
    const heard = await artistHeardSince(before);
    expect(heard[0]).toContain(renderCopy("digest.heading"));
    expect(heard[0]).toContain(name);
    expect(heard[1]).toBe(renderCopy("digest.lead_buttons", { clientName: name }));
    // Its buttons work like the summary's.
    const tokens = await summaryTokens(name);
    await tapOnWhatsApp(`act:${tokens.approve}`);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT" });
  });
});
