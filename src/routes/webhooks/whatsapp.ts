/**
 * WhatsApp Cloud API webhooks.
 *
 * GET: Meta's subscription handshake. POST: signature checked on the raw body, envelope parsed,
 * then every message and status handed to its number's LeadConversation DO, which stores it in
 * its inbox. 200 only once every item is stored; no Postgres on this path, so the answer is fast.
 *
 * Neither a forged request nor a change for another phone number id costs a database connection:
 * both are counted by an EventSampler object, which writes at most one system event a minute.
 * A change for another number is acknowledged (200) so Meta does not retry it, and not processed.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { verifyMetaSignature } from "../../adapters/whatsapp/signature.ts";
import { readEnvelope, WebhookEnvelopeSchema } from "../../adapters/whatsapp/webhook-schema.ts";
import { SAMPLED_EVENTS } from "../../lib/event-tally.ts";
import { constantTimeEqual, sha256Hex } from "../../lib/crypto.ts";
import { retryObjectReset } from "../../lib/object-retry.ts";
import type { AppEnv } from "../context.ts";
import { countSampledEvent } from "../sampled-events.ts";
import { groupByClient, UNREADABLE_OBJECT } from "./whatsapp-dispatch.ts";
import { conversationFor } from "./whatsapp-routing.ts";
import { splitForDesk } from "./artist-routing.ts";
import { DESK_OBJECT } from "../../../durable-objects/artist-desk.ts";

/** Meta sends at most 3 MB per POST. */
export const MAX_WEBHOOK_BYTES = 3 * 1024 * 1024;

export const whatsappWebhook = new Hono<AppEnv>()
  .get("/", (c) => {
    const config = c.get("config");
    const mode = c.req.query("hub.mode");
    const token = c.req.query("hub.verify_token") ?? "";
    const challenge = c.req.query("hub.challenge") ?? "";
    const expected = config.WHATSAPP_VERIFY_TOKEN;
    if (mode !== "subscribe" || !expected || !constantTimeEqual(token, expected)) {
      c.get("log").warn("whatsapp.verify_rejected", { mode });
      return c.json({ error: "verification_failed", detail: "hub.mode or hub.verify_token is wrong" }, 403);
    }
    return c.text(challenge, 200);
  })
  .post(
    "/",
    bodyLimit({
      maxSize: MAX_WEBHOOK_BYTES,
      onError: (c) => c.json({ error: "payload_too_large", limit_bytes: MAX_WEBHOOK_BYTES }, 413),
    }),
    async (c) => {
      const config = c.get("config");
      const log = c.get("log");
      const raw = await c.req.text();
      const secret = config.WHATSAPP_APP_SECRET;
      if (!secret) return c.json({ error: "whatsapp_not_configured" }, 503);

      const signature = await verifyMetaSignature(raw, c.req.header("x-hub-signature-256"), secret);
      if (!signature.ok) {
        log.warn("whatsapp.signature_rejected", { reason: signature.reason, bytes: raw.length });
        countSampledEvent(c, SAMPLED_EVENTS.whatsappSignature, signature.reason);
        return c.json({ error: "invalid_signature", reason: signature.reason }, 401);
      }

      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return c.json({ error: "malformed_json", detail: "body is not valid JSON" }, 400);
      }
      const envelope = WebhookEnvelopeSchema.safeParse(json);
      if (!envelope.success) {
        // Signed by Meta but not a shape we know: acknowledge so Meta does not retry it for days.
        log.warn("whatsapp.unknown_envelope", { issue: envelope.error.issues[0]?.message });
        return c.json({ ok: true, accepted: 0, ignored: "unknown envelope shape" });
      }
      const parsed = readEnvelope(envelope.data, config.WHATSAPP_PHONE_NUMBER_ID);
      if (parsed.skipped.length > 0) log.warn("whatsapp.parts_skipped", { skipped: parsed.skipped.slice(0, 5) });
      for (const change of parsed.foreign) {
        log.warn("whatsapp.foreign_phone_number", { phone_number_id: change.phoneNumberId, messages: change.messages, statuses: change.statuses });
        countSampledEvent(c, SAMPLED_EVENTS.whatsappForeignNumber, change.phoneNumberId ?? "(none)");
      }

      // The artist's own messages (and taps on our action ids from anyone) go to the artist's desk.
      const split = splitForDesk(parsed, config.ARTIST_WHATSAPP_NUMBER);
      const { clients, unreadable } = groupByClient(split.clients, parsed.skipped.length > 0 ? (await sha256Hex(raw)).slice(0, 32) : "");
      const correlationId = c.get("correlationId");
      // Storing is idempotent (UNIQUE event ids): a call cut short by an object reset is made again.
      const results = await Promise.all([
        ...clients.map(async ({ key, items }) => {
          const name = await conversationFor(c.env, key);
          return retryObjectReset(() => c.env.LEAD_CONVERSATION.getByName(name).receive(items, correlationId, name));
        }),
        ...(split.desk.length > 0 ? [retryObjectReset(() => c.env.ARTIST_DESK.getByName(DESK_OBJECT).receive(split.desk, correlationId))] : []),
      ]);
      // What we could not read is kept too (then recorded as events); it never counts as accepted,
      // and the answer never depends on it: Meta must not retry a payload we will never understand.
      if (unreadable.length > 0) {
        await retryObjectReset(() => c.env.LEAD_CONVERSATION.getByName(UNREADABLE_OBJECT).receive(unreadable, correlationId, UNREADABLE_OBJECT)).catch(
          (error: unknown) => log.error("whatsapp.unreadable_not_stored", { parts: unreadable.length, skipped: parsed.skipped.slice(0, 5), error }),
        );
      }
      const stored = results.reduce((n, r) => n + r.stored, 0);
      const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
      log.info("whatsapp.accepted", {
        messages: parsed.messages.length,
        statuses: parsed.statuses.length,
        clients: clients.length,
        unreadable: unreadable.length,
        stored,
        duplicates,
        foreign: parsed.foreign.length,
      });
      return parsed.foreign.length > 0
        ? c.json({ ok: true, accepted: stored, duplicates, ignored: { foreign_phone_number_id: parsed.foreign.length } })
        : c.json({ ok: true, accepted: stored, duplicates });
    },
  );
