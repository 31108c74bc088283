/**
 * The WhatsApp webhook's front door: handshake, signatures, bad bodies, redeliveries.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SAMPLED_EVENTS } from "../../src/lib/event-tally.ts";
import { UNREADABLE_OBJECT } from "../../src/routes/webhooks/whatsapp-dispatch.ts";
import { adminFetch } from "../support/workers/artist.ts";
import { leadByPhone, sql } from "../support/workers/db.ts";
import { flushSampled, sampledBaseline } from "../support/workers/sampled-events.ts";
import { clientSends, metaEnvelope, postWebhook, prepareInbound, settle, signBody, textsTo, uniquePhone } from "../support/workers/whatsapp.ts";

describe("GET /webhooks/whatsapp (subscription handshake)", () => {
  it("echoes hub.challenge for the right verify token", async () => {
    const res = await SELF.fetch(
      "https://inkline.test/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=test-verify-token&hub.challenge=1158201444",
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("1158201444");
  });

  it("is 403 for a wrong token", async () => {
    const res = await SELF.fetch("https://inkline.test/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1");
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "verification_failed" });
  });
});

describe("POST /webhooks/whatsapp rejects what Meta did not sign", () => {
  it.each([
    ["a forged signature", `sha256=${"ab".repeat(32)}`],
    ["no signature", null],
  ])("%s: 401, nothing stored, a system event recorded", async (_label, signature) => {
    const phone = uniquePhone();
    const prepared = await prepareInbound({ from: phone, text: "hello" });
    const res = await postWebhook(prepared.body, signature);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_signature" });
    const state = await env.LEAD_CONVERSATION.getByName(phone).debugState();
    expect(state.inbox).toHaveLength(0);
    expect(await leadByPhone(phone)).toBeUndefined();
  });

  it("a body changed after signing is rejected", async () => {
    const prepared = await prepareInbound({ from: uniquePhone(), text: "hello" });
    const res = await postWebhook(prepared.body.replace("hello", "HELLO"), prepared.signature);
    expect(res.status).toBe(401);
  });

  it("counts signature failures into a system event (sampled: see webhook-rejections.test.ts)", async () => {
    const before = await sampledBaseline(SAMPLED_EVENTS.whatsappSignature);
    await postWebhook("{}", "sha256=00");
    expect((await flushSampled(SAMPLED_EVENTS.whatsappSignature, before, 1)).counted).toBe(1);
  });
});

describe("POST /webhooks/whatsapp with bad bodies", () => {
  async function sign(body: string): Promise<string> {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.WHATSAPP_APP_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
    return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  }

  it("malformed JSON: 400 naming the problem", async () => {
    const body = '{"object": "whatsapp_business_account", "entry": [';
    const res = await postWebhook(body, await sign(body));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "malformed_json" });
  });

  it("oversized body: 413", async () => {
    const body = JSON.stringify({ object: "whatsapp_business_account", pad: "x".repeat(3 * 1024 * 1024) });
    const res = await postWebhook(body, await sign(body));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "payload_too_large" });
  });

  it("a signed body of unknown shape is acknowledged (Meta would retry a failure for days)", async () => {
    const body = JSON.stringify({ hello: "world" });
    const res = await postWebhook(body, await sign(body));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, accepted: 0 });
  });
});

describe("redeliveries", () => {
  it("the same message delivered twice in a row is processed once", async () => {
    const phone = uniquePhone();
    const prepared = await prepareInbound({ from: phone, name: "Sam", text: "Hi there" });
    const first = await postWebhook(prepared.body, prepared.signature);
    const second = await postWebhook(prepared.body, prepared.signature);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    await settle(phone);
    const processed = await sql("SELECT * FROM processed_events WHERE event_id = $1", [prepared.message_id]);
    expect(processed).toHaveLength(1);
    expect(await textsTo(phone)).toHaveLength(2); // welcome + first question, once
  });

  it("the same message delivered concurrently is processed once", async () => {
    const phone = uniquePhone();
    const prepared = await prepareInbound({ from: phone, text: "Hello!" });
    const responses = await Promise.all([1, 2, 3].map(() => postWebhook(prepared.body, prepared.signature)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const accepted = await Promise.all(responses.map((r) => r.json<{ accepted: number }>()));
    expect(accepted.reduce((n, r) => n + r.accepted, 0)).toBe(1);
    await settle(phone);
    expect(await textsTo(phone)).toHaveLength(2);
    const lead = await leadByPhone(phone);
    expect(lead).toMatchObject({ status: "QUALIFYING", current_question: "idea" });
  });

  it("a first message creates the lead and starts the consultation", async () => {
    const phone = uniquePhone();
    const { response } = await clientSends({ from: phone, name: "Alex Smith", text: "Hi, I'd like a tattoo" });
    expect(response.status).toBe(200);
    await settle(phone);
    const texts = await textsTo(phone);
    expect(texts[0]).toMatch(/Alex/);
    expect(texts[1]).toMatch(/tell me about your idea/);
    expect(await leadByPhone(phone)).toMatchObject({ status: "QUALIFYING", display_name: "Alex Smith", version: 1 });
  });
});

describe("nothing read is dropped silently", () => {
  it("a change mixing a readable and an unreadable contact: the message is processed, the rest recorded in the admin events", async () => {
    const phone = uniquePhone();
    const wamid = `wamid.mixed.${crypto.randomUUID()}`;
    const orphan = `wamid.orphan.${crypto.randomUUID()}`;
    const body = metaEnvelope({
      contacts: [{ wa_id: phone.slice(1), profile: { name: "Mia" } }, { profile: { name: 42 } }],
      messages: [
        { from: phone.slice(1), id: wamid, timestamp: Math.floor(Date.now() / 1000), type: "text", text: { body: "Hi, a tattoo please" } },
        { id: orphan, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: "who am I?" } },
      ],
    });
    const res = await postWebhook(body, await signBody(body));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, accepted: 1 });
    await settle(phone);
    await env.LEAD_CONVERSATION.getByName(UNREADABLE_OBJECT).settled();
    expect(await leadByPhone(phone)).toMatchObject({ status: "QUALIFYING", display_name: "Mia" });

    const events = await adminFetch("/admin/events?type=whatsapp.unreadable&limit=50");
    const listed = await events.json<{ events: { payload: { part: string; reason: string; id: string | null } }[] }>();
    expect(listed.events.map((e) => e.payload)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ part: "message", reason: "no sender: neither from nor from_user_id", id: orphan }),
        expect.objectContaining({ part: "contact", reason: "contact unreadable" }),
      ]),
    );
    // Redelivered: recorded once.
    await postWebhook(body, await signBody(body));
    await env.LEAD_CONVERSATION.getByName(UNREADABLE_OBJECT).settled();
    const rows = await sql("SELECT 1 FROM system_events WHERE type = 'whatsapp.unreadable' AND payload->>'id' = $1", [orphan]);
    expect(rows).toHaveLength(1);
  });
});
