/**
 * Clients WhatsApp names by business-scoped user ID (BSUID): a username client who never shares a
 * number goes through a whole consultation and a deposit; a client whose number appears and
 * disappears stays one lead in one object; statuses find their send by `recipient_user_id`; a
 * send Meta refuses for a BSUID (131062) fails once, not forever; notices that are not the client
 * talking never get the welcome; a changed number moves the lead.
 */
import { actionPath } from "../../durable-objects/action-links.ts";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { QUESTIONS } from "../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import { adminFetch, confirmLink, leadRow, settleLead, summaryTokens } from "../support/workers/artist.ts";
import { artistHeardSince, artistWindowOpen, Client, NAME } from "../support/workers/client.ts";
import { entered, paidCopy } from "../support/workers/deposit.ts";
import { leadByKey, sql } from "../support/workers/db.ts";
import { deliver, eventsAbout, sessionsFor } from "../support/workers/stripe.ts";
import {
  clientSends,
  failNextSends,
  metaEnvelope,
  postWebhook,
  resetEmulatorFailures,
  sentTo,
  settle,
  signBody,
  textsTo,
  uniquePhone,
  uniqueUserId,
} from "../support/workers/whatsapp.ts";

async function leadsNamed(phone: string | null, userId: string | null): Promise<Record<string, unknown>[]> {
  return sql("SELECT * FROM leads WHERE phone_e164 = $1 OR bsuid = $2", [phone, userId]);
}

describe("a client with a WhatsApp username and no number", () => {
  it("goes through the consultation and pays the deposit; every reply goes to their BSUID; the artist sees their username", async () => {
    const before = await artistWindowOpen();
    const client = new Client("username");
    await client.says("hi");
    const [welcome] = await client.hears();
    expect(welcome).toMatch(/Ari/);
    for (const q of QUESTIONS) await client.says(GOOD_ANSWERS[q.key].text);
    const lead = await client.lead();
    expect(lead).toMatchObject({ phone_e164: null, bsuid: client.userId, username: "@ari.ink", conversation_key: client.userId, status: "PENDING_APPROVAL" });
    const sends = await sentTo(client.phone);
    expect(sends.length).toBeGreaterThan(QUESTIONS.length);
    for (const send of sends) expect(send.body).toMatchObject({ recipient: client.userId });
    for (const send of sends) expect(send.body).not.toHaveProperty("to");

    const summary = (await artistHeardSince(before)).find((n) => n.startsWith("New consultation")) ?? "";
    expect(summary).toContain(NAME);
    expect(summary).toContain("@ari.ink");
    expect(summary).not.toContain(client.userId ?? "?");

    const id = String(lead?.id);
    expect((await confirmLink(actionPath((await summaryTokens()).approve), { lead_id: id })).status).toBe(200);
    // Consent and age first (the approval asks them), then the deposit link.
    await settleLead(client.phone);
    await client.givesConsent();
    expect((await adminFetch(`/admin/leads/${id}/send-deposit`, { body: {} })).status).toBe(200);
    await settleLead(client.phone);
    const row = await leadRow(id);
    expect(row).toMatchObject({ status: "AWAITING_DEPOSIT" });
    expect((await client.hears()).some((t) => t.includes(String(row.deposit_link_url)))).toBe(true);

    const url = String(row.deposit_link_url);
    const action = /<form method="post" action="([^"]+\/pay)"/.exec(await (await fetch(url)).text())?.[1];
    const paid = await fetch(new URL(action ?? "", url), { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    const [session] = await sessionsFor(id);
    const [completed] = await eventsAbout(session?.id ?? "", "checkout.session.completed");
    if (!completed) throw new Error("Pay sent no checkout.session.completed");
    expect((await deliver(completed)).status).toBe(200);
    await settleLead(client.phone);
    expect(await entered(id, "DEPOSIT_PAID")).toBe(1);
    expect(await client.hears()).toEqual([paidCopy()]);
    // A whole consultation, the consent step and a payment: longer than one test's usual 20 s on a busy machine.
  }, 60_000);

  it("is found in the inbox search and the admin API by username and by BSUID", async () => {
    const client = new Client("username");
    await client.says("hi");
    const lead = await client.lead();
    for (const q of ["ari.ink", client.userId ?? "?"]) {
      const res = await adminFetch(`/admin/leads?q=${encodeURIComponent(q)}&limit=100`);
      const body = await res.json<{ leads: { id: string; username: string | null }[] }>();
      expect(body.leads.map((l) => l.id)).toContain(lead?.id);
    }
  });
});

describe("one person, one lead, one object, whatever names them", () => {
  it("phone only → phone + BSUID → BSUID only → phone again: one lead, one object, the consultation carries on", async () => {
    const phone = uniquePhone();
    const userId = uniqueUserId();
    await clientSends({ from: phone, name: NAME, text: "hi" }); // before BSUIDs: number only
    await settle(phone);
    expect(await leadByKey(phone)).toMatchObject({ bsuid: null, current_question: "idea" });

    await clientSends({ from: phone, user_id: userId, name: NAME, text: GOOD_ANSWERS.idea.text });
    await settle(phone);
    expect(await leadByKey(phone)).toMatchObject({ bsuid: userId, phone_e164: phone });

    // The client adopts a username: Meta withholds the number from now on.
    await clientSends({ user_id: userId, username: "@ari.ink", name: NAME, text: GOOD_ANSWERS[QUESTIONS[1]?.key ?? "idea"].text });
    await settle(phone);
    await clientSends({ from: phone, user_id: userId, name: NAME, text: GOOD_ANSWERS[QUESTIONS[2]?.key ?? "idea"].text });
    await settle(phone);

    const leads = await leadsNamed(phone, userId);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ phone_e164: phone, bsuid: userId, username: "@ari.ink", answer_count: 3 });
    expect(await env.LEAD_CONVERSATION.getByName(userId).settled()).toBe(0);
    const texts = await textsTo(phone);
    expect(texts.filter((t) => /Ari/.test(t) && t === texts[0])).toHaveLength(1); // welcomed once
  });

  it("BSUID first, the number shared later: the lead picks up the number and stays in the BSUID's object", async () => {
    const phone = uniquePhone();
    const userId = uniqueUserId();
    await clientSends({ user_id: userId, name: NAME, text: "hi" });
    await settle(userId);
    await clientSends({ from: phone, user_id: userId, name: NAME, text: GOOD_ANSWERS.idea.text });
    await settle(userId);
    const leads = await leadsNamed(phone, userId);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ conversation_key: userId, phone_e164: phone, bsuid: userId, answer_count: 1 });
    // Now that we have the number, replies go to it (Meta recommends the number).
    const last = (await sentTo(phone)).at(-1);
    expect(last?.body).toMatchObject({ to: phone.slice(1) });
  });
});

describe("statuses and refusals for BSUID sends", () => {
  it("a status naming only recipient_user_id reaches the send's row", async () => {
    const client = new Client("username");
    await client.says("hi");
    const [send] = await sentTo(client.phone);
    if (!send) throw new Error("no welcome sent");
    const body = metaEnvelope({
      statuses: [{ id: send.id, status: "read", timestamp: String(Math.floor(Date.now() / 1000)), recipient_user_id: client.userId, biz_opaque_callback_data: send.body.biz_opaque_callback_data }],
    });
    expect((await postWebhook(body, await signBody(body))).status).toBe(200);
    await settle(client.phone);
    const [row] = await sql<{ status: string }>("SELECT status FROM outbox_messages WHERE provider_message_id = $1", [send.id]);
    expect(row?.status).toBe("READ");
  });

  it("131062 (not supported for a BSUID): the row fails once with its own event and is not retried", async () => {
    const client = new Client("username");
    await failNextSends(client.phone, 1, "bsuid_unsupported", "messages");
    try {
      await client.says("hi");
    } finally {
      await resetEmulatorFailures(client.phone);
    }
    const lead = await client.lead();
    const rows = await sql<{ status: string; last_error_code: string | null }>("SELECT status, last_error_code FROM outbox_messages WHERE lead_id = $1 ORDER BY seq", [String(lead?.id)]);
    expect(rows[0]).toMatchObject({ status: "FAILED", last_error_code: "131062" });
    const events = await sql("SELECT 1 FROM system_events WHERE type = 'whatsapp.bsuid_unsupported' AND lead_id = $1", [String(lead?.id)]);
    expect(events).toHaveLength(1);
    expect(await env.LEAD_CONVERSATION.getByName(client.phone).debugState()).toMatchObject({ pendingOutbox: 0 });
  });
});

describe("notices that are not the client talking", () => {
  it.each([
    ["a reaction", { reaction: { message_id: "wamid.someone-else", emoji: "👍" } }],
    ["a changed-number notice", { changed_number: { to: "+447700900999" } }],
  ])("%s from someone we have never seen gets no welcome", async (_label, spec) => {
    const phone = uniquePhone();
    await clientSends({ from: phone, user_id: uniqueUserId(), name: NAME, ...spec });
    await settle(phone);
    expect(await textsTo(phone)).toEqual([]);
    expect(await leadByKey(phone)).toMatchObject({ status: "NEW" });
  });

  it("a changed number moves the lead: no greeting, the new number and BSUID lead to the same lead and object", async () => {
    const client = new Client();
    const oldUserId = uniqueUserId();
    const newUserId = uniqueUserId();
    const newPhone = uniquePhone();
    await clientSends({ from: client.phone, user_id: oldUserId, name: NAME, text: "hi" });
    await settle(client.phone);
    const sentBefore = (await sentTo(client.phone)).length;
    await clientSends({ from: client.phone, user_id: oldUserId, name: NAME, changed_number: { to: newPhone, new_user_id: newUserId } });
    await settle(client.phone);
    expect((await sentTo(client.phone)).length).toBe(sentBefore);
    expect(await sentTo(newPhone)).toEqual([]);
    const moved = await leadByKey(client.phone);
    expect(moved).toMatchObject({ phone_e164: newPhone, bsuid: newUserId, current_question: "idea" });
    const events = await sql("SELECT payload FROM system_events WHERE type = 'lead.number_changed' AND lead_id = $1", [String(moved?.id)]);
    expect(events).toHaveLength(1);

    // Their next message comes from the new identity: same lead, same object, the consultation goes on.
    await clientSends({ from: newPhone, user_id: newUserId, name: NAME, text: GOOD_ANSWERS.idea.text });
    await settle(client.phone);
    expect(await leadsNamed(newPhone, newUserId)).toHaveLength(1);
    expect(await leadByKey(client.phone)).toMatchObject({ answer_count: 1 });
    expect((await sentTo(newPhone)).length).toBeGreaterThan(0);
  });
});
