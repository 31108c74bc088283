/**
 * Forged webhooks and changes for another phone number cost no database connection each: they
 * are counted by an EventSampler object, which writes at most one system event a minute per kind
 * carrying the count (issue 19, items 4 and 7).
 */
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { SAMPLED_EVENTS } from "../../src/lib/event-tally.ts";
import { leadByPhone, proxyStats, setDatabasePaused } from "../support/workers/db.ts";
import { flushSampled, reasonsSince, sampledBaseline } from "../support/workers/sampled-events.ts";
import { postStripe } from "../support/workers/stripe.ts";
import { metaEnvelope, postWebhook, prepareInbound, signBody, uniquePhone } from "../support/workers/whatsapp.ts";

const FLOOD = 30;

describe("a flood of forged WhatsApp webhooks", () => {
  it("opens no database connection per request and is written as one counted row", async () => {
    const before = await sampledBaseline(SAMPLED_EVENTS.whatsappSignature);
    const connections = (await proxyStats()).connections;
    const prepared = await prepareInbound({ from: uniquePhone(), text: "let me in" });
    for (let i = 0; i < FLOOD; i++) {
      const res = await postWebhook(prepared.body, i % 3 === 0 ? null : `sha256=${"ab".repeat(32)}`);
      expect(res.status).toBe(401);
    }
    // Give any per-request write the time to happen before the connections are counted.
    await new Promise((r) => setTimeout(r, 200));
    // At most the sampler's own write (the first rejection after a quiet minute goes out at once).
    expect((await proxyStats()).connections - connections).toBeLessThanOrEqual(1);

    const written = await flushSampled(SAMPLED_EVENTS.whatsappSignature, before, FLOOD);
    expect(written.counted).toBe(FLOOD);
    expect(written.rows).toBeLessThanOrEqual(2);
    expect(written.rows).toBeGreaterThanOrEqual(1);
  });

  it("a row names the reasons it counted", async () => {
    const before = await sampledBaseline(SAMPLED_EVENTS.whatsappSignature);
    const prepared = await prepareInbound({ from: uniquePhone(), text: "hello" });
    expect((await postWebhook(prepared.body, null)).status).toBe(401);
    expect((await postWebhook(prepared.body, null)).status).toBe(401);
    const written = await flushSampled(SAMPLED_EVENTS.whatsappSignature, before, 2);
    expect(written.counted).toBe(2);
    expect(await reasonsSince(SAMPLED_EVENTS.whatsappSignature, before)).toEqual({ missing: 2 });
  });
});

describe("the sampler's writes", () => {
  it("flushes racing the alarm's own write count each rejection once", async () => {
    const before = await sampledBaseline(SAMPLED_EVENTS.whatsappSignature);
    const sampler = env.EVENT_SAMPLER.getByName(SAMPLED_EVENTS.whatsappSignature);
    expect((await postWebhook("{}", null)).status).toBe(401);
    await Promise.all([1, 2, 3, 4, 5].map(() => sampler.flush()));
    expect((await flushSampled(SAMPLED_EVENTS.whatsappSignature, before, 1)).counted).toBe(1);
  });

  it("while the database is away the count is kept, and written when it is back", async () => {
    const before = await sampledBaseline(SAMPLED_EVENTS.whatsappSignature);
    const sampler = env.EVENT_SAMPLER.getByName(SAMPLED_EVENTS.whatsappSignature);
    await setDatabasePaused(true);
    try {
      for (let i = 0; i < 3; i++) expect((await postWebhook("{}", null)).status).toBe(401);
      for (let i = 0; i < 50 && ((await sampler.pending())?.count ?? 0) < 3; i++) await new Promise((r) => setTimeout(r, 20));
      const failed = await sampler.flush().then(
        () => false,
        () => true,
      );
      expect(failed).toBe(true);
      expect((await sampler.pending())?.count).toBe(3);
    } finally {
      await setDatabasePaused(false);
    }
    expect((await flushSampled(SAMPLED_EVENTS.whatsappSignature, before, 3)).counted).toBe(3);
  });
});

describe("a flood of forged Stripe webhooks", () => {
  it("opens no database connection per request and is written as one counted row", async () => {
    const before = await sampledBaseline(SAMPLED_EVENTS.stripeSignature);
    const connections = (await proxyStats()).connections;
    const payload = JSON.stringify({ id: "evt_forged", object: "event", type: "checkout.session.completed", data: { object: {} } });
    for (let i = 0; i < FLOOD; i++) {
      const res = await postStripe(payload, i % 2 === 0 ? null : "t=1,v1=deadbeef");
      expect(res.status).toBe(400);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect((await proxyStats()).connections - connections).toBeLessThanOrEqual(1);

    const written = await flushSampled(SAMPLED_EVENTS.stripeSignature, before, FLOOD);
    expect(written.counted).toBe(FLOOD);
    expect(written.rows).toBeLessThanOrEqual(2);
    expect(await reasonsSince(SAMPLED_EVENTS.stripeSignature, before)).toEqual({ missing_signature: FLOOD / 2, invalid_signature: FLOOD / 2 });
  });
});

describe("a change for another phone number id", () => {
  function foreignMessage(phone: string, metadata: Record<string, unknown> | undefined): string {
    const waId = phone.replace(/^\+/, "");
    return metaEnvelope({
      metadata,
      contacts: [{ profile: { name: "Someone Else" }, wa_id: waId }],
      messages: [{ from: waId, id: `wamid.${crypto.randomUUID()}`, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: "hi" } }],
    });
  }

  it.each([
    ["another number's id", { phone_number_id: "999999999999999" }],
    ["no metadata at all", undefined],
  ])("%s: acknowledged (200, Meta must not retry), not processed, counted", async (_label, metadata) => {
    const before = await sampledBaseline(SAMPLED_EVENTS.whatsappForeignNumber);
    const phone = uniquePhone();
    const body = foreignMessage(phone, metadata);
    const res = await postWebhook(body, await signBody(body));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, accepted: 0, ignored: { foreign_phone_number_id: 1 } });
    expect((await env.LEAD_CONVERSATION.getByName(phone).debugState()).inbox).toHaveLength(0);
    expect(await leadByPhone(phone)).toBeUndefined();
    const written = await flushSampled(SAMPLED_EVENTS.whatsappForeignNumber, before, 1);
    expect(written.counted).toBe(1);
    expect(await reasonsSince(SAMPLED_EVENTS.whatsappForeignNumber, before)).toEqual({ [metadata === undefined ? "(none)" : "999999999999999"]: 1 });
  });

  it("with no WHATSAPP_PHONE_NUMBER_ID configured (dev only: production requires it), every change is read", async () => {
    const phone = uniquePhone();
    const body = foreignMessage(phone, { phone_number_id: "999999999999999" });
    const unset = { ...env, WHATSAPP_PHONE_NUMBER_ID: "" };
    const request = new Request("https://inkline.test/webhooks/whatsapp", {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": await signBody(body) },
      body,
    });
    const res = await worker.fetch(request, unset, createExecutionContext());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, accepted: 1, duplicates: 0 });
  });

  it("our own id is processed (the emulator and the test envelopes send the configured one)", async () => {
    const phone = uniquePhone();
    const body = foreignMessage(phone, { phone_number_id: env.WHATSAPP_PHONE_NUMBER_ID });
    const res = await postWebhook(body, await signBody(body));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, accepted: 1 });
    const prepared = await prepareInbound({ from: uniquePhone(), text: "hello" });
    expect(JSON.parse(prepared.body)).toMatchObject({ entry: [{ changes: [{ value: { metadata: { phone_number_id: env.WHATSAPP_PHONE_NUMBER_ID } } }] }] });
  });
});
