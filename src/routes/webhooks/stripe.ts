/**
 * Stripe webhooks, `POST /webhooks/stripe`.
 *
 * The signature is checked on the raw body (400 when it fails, counted without a database
 * connection: see durable-objects/event-sampler.ts); the event
 * is read into Inkline's terms, its lead found (by id for checkout sessions, by payment for
 * charges) and the event handed to the lead's Durable Object, which stores it in its inbox (event
 * id UNIQUE) and applies it once, in turn with the lead's messages. 200 once it is stored. An
 * event for no lead of ours, or of a type we do not handle, is acknowledged (so Stripe stops
 * retrying) and logged; whether it matches the lead's current session is the object's call.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { routeStripeEvent, verifyStripeWebhook } from "../../adapters/stripe/events.ts";
import { SAMPLED_EVENTS } from "../../lib/event-tally.ts";
import { connectPatiently, openDatabase } from "../../db/client.ts";
import { leadById, leadByPaymentIntent, type LeadAddress } from "../../db/deposit-store.ts";
import { recordSystemEvent } from "../../db/lead-store.ts";
import type { AppEnv } from "../context.ts";
import { countSampledEvent } from "../sampled-events.ts";

/** Stripe events are small; anything near this is not one. */
export const MAX_STRIPE_WEBHOOK_BYTES = 512 * 1024;

export const stripeWebhook = new Hono<AppEnv>().post(
  "/",
  bodyLimit({ maxSize: MAX_STRIPE_WEBHOOK_BYTES, onError: (c) => c.json({ error: "payload_too_large", limit_bytes: MAX_STRIPE_WEBHOOK_BYTES }, 413) }),
  async (c) => {
    const config = c.get("config");
    const log = c.get("log");
    const secret = config.STRIPE_WEBHOOK_SECRET;
    if (!secret || !config.DATABASE_URL) return c.json({ error: "stripe_not_configured" }, 503);
    const raw = await c.req.text();
    const verified = await verifyStripeWebhook(raw, c.req.header("stripe-signature"), secret);
    if (!verified.ok) {
      log.warn("stripe.signature_rejected", { reason: verified.reason, bytes: raw.length });
      countSampledEvent(c, SAMPLED_EVENTS.stripeSignature, verified.reason);
      return c.json({ error: verified.reason === "malformed_json" ? "malformed_json" : "invalid_signature", reason: verified.reason }, 400);
    }
    const routed = routeStripeEvent(verified.event);
    if (routed.kind === "ignored") {
      log.info("stripe.event_skipped", { event_id: routed.eventId, type: routed.type, reason: routed.reason });
      return c.json({ ok: true, ignored: routed.reason });
    }
    const about = { event_id: routed.eventId, type: routed.type };
    const ref = routed.kind === "lead" ? { lead_ref: routed.leadId } : { payment_intent: routed.paymentIntentId };
    const handle = openDatabase(config);
    let lead: LeadAddress | null;
    try {
      await connectPatiently(handle);
      lead = routed.kind === "lead" ? await leadById(handle.db, routed.leadId) : await leadByPaymentIntent(handle.db, routed.paymentIntentId);
      if (!lead) await recordSystemEvent(handle.db, { type: "stripe.unknown_lead", level: "warn", payload: { ...about, ...ref }, correlationId: c.get("correlationId") });
    } finally {
      c.executionCtx.waitUntil(handle.close().catch(() => undefined));
    }
    if (!lead) {
      log.warn("stripe.unknown_lead", { ...about, ...ref });
      return c.json({ ok: true, ignored: "unknown_lead" });
    }
    const item = {
      type: "stripe.event",
      eventId: `stripe:${routed.eventId}`,
      stripeEventId: routed.eventId,
      stripeType: routed.type,
      phone: lead.conversation,
      leadId: lead.id,
      payment: routed.payment,
    } as const;
    const result = await c.env.LEAD_CONVERSATION.getByName(lead.conversation).receive([item], c.get("correlationId"));
    log.info("stripe.accepted", { ...about, lead_id: lead.id, stored: result.stored, duplicate: result.duplicates > 0 });
    return c.json({ ok: true, accepted: result.stored, duplicates: result.duplicates });
  },
);
