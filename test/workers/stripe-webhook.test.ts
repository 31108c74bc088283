/**
 * `POST /webhooks/stripe`: signed events from the Stripe emulator, carried to the Worker as Stripe
 * delivers them. Each event is applied once, in any order and however often it arrives; events
 * for no lead of ours or for another session change nothing; a forged signature is a 400.
 */
import { describe, expect, it } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { adminFetch, leadRow, noticeTokens, settleLead } from "../support/workers/artist.ts";
import { artistHeardSince, artistWindowOpen } from "../support/workers/client.ts";
import { SAMPLED_EVENTS } from "../../src/lib/event-tally.ts";
import { sql } from "../support/workers/db.ts";

import { awaitingDeposit, copy, entered, eventsOf, paidCopy } from "../support/workers/deposit.ts";
import { flushSampled, reasonsSince, sampledBaseline } from "../support/workers/sampled-events.ts";
import { deliver, envelope, eventsAbout, pay, postStripe, sessionsFor, sign, type EmulatedEvent } from "../support/workers/stripe.ts";
import { clientSends, textsTo } from "../support/workers/whatsapp.ts";

/** The object an event is about (its `data.object`). */
function objectOf(event: EmulatedEvent): Record<string, unknown> {
  return (JSON.parse(event.payload) as { data: { object: Record<string, unknown> } }).data.object;
}

/** An envelope's event id. */
const idOf = (payload: string) => (JSON.parse(payload) as { id: string }).id;

/** The one event of `type` among those a payment produced. */
function only(events: EmulatedEvent[], type = "checkout.session.completed"): EmulatedEvent {
  const found = events.find((e) => e.type === type);
  if (!found) throw new Error(`no ${type} in ${events.map((e) => e.type).join(", ")}`);
  return found;
}

async function processedCount(eventId: string): Promise<number> {
  return (await sql("SELECT 1 FROM processed_events WHERE provider = 'stripe' AND event_id = $1", [eventId])).length;
}

describe("a paid deposit", () => {
  it("checkout.session.completed: DEPOSIT_PAID, then the booking step; the client (with the policy) and the artist told once", async () => {
    const before = await artistWindowOpen();
    const { lead, session } = await awaitingDeposit();
    const completed = only(await pay(session.id));
    const res = await deliver(completed);
    expect(res.status).toBe(200);
    expect(await res.json<unknown>()).toMatchObject({ ok: true, accepted: 1 });
    await settleLead(lead.phone);

    const row = await leadRow(lead.id);
    expect(row).toMatchObject({ status: "BOOKING_PENDING" });
    expect(row.stripe_payment_intent_id).toMatch(/^pi_/);
    expect(row.deposit_paid_at).not.toBeNull();
    expect(row.deposit_ledger).toEqual([
      expect.objectContaining({ kind: "payment", amountMinor: 10_000, currency: "GBP", source: "checkout", reference: row.stripe_payment_intent_id }),
    ]);
    expect(await entered(lead.id, "DEPOSIT_PAID")).toBe(1);
    expect(await entered(lead.id, "BOOKING_PENDING")).toBe(1);
    expect((await textsTo(lead.phone)).at(-1)).toBe(paidCopy());
    const notices = await artistHeardSince(before);
    expect(notices.filter((n) => n.startsWith("Payment received"))).toHaveLength(1);
    // No raw link: Mark booked and Refund come as reply buttons after the notice.
    expect(notices.find((n) => n.startsWith("Payment received"))).not.toMatch(/\/a#/);
    expect(Object.keys(await noticeTokens())).toEqual([renderCopy("artist.button.mark_booked"), renderCopy("artist.button.refund")]);
  });

  it("the same event twice, and three times at once: applied once, one confirmation each", async () => {
    const before = await artistWindowOpen();
    const { lead, session } = await awaitingDeposit();
    const completed = only(await pay(session.id));
    const first = await Promise.all([deliver(completed), deliver(completed), deliver(completed)]);
    expect(first.map((r) => r.status)).toEqual([200, 200, 200]);
    await settleLead(lead.phone);
    expect((await deliver(completed)).status).toBe(200);
    await settleLead(lead.phone);

    expect(await processedCount(completed.id)).toBe(1);
    expect(await entered(lead.id, "DEPOSIT_PAID")).toBe(1);
    expect((await leadRow(lead.id)).deposit_ledger).toHaveLength(1);
    expect((await textsTo(lead.phone)).filter((t) => t === paidCopy())).toHaveLength(1);
    expect((await artistHeardSince(before)).filter((n) => n.startsWith("Payment received"))).toHaveLength(1);
  });

  it("expired arriving after completed: paid stays paid, the client is not told it expired", async () => {
    const { lead, session } = await awaitingDeposit();
    const completed = only(await pay(session.id));
    await deliver(completed);
    await settleLead(lead.phone);
    // Stripe never expires a paid session, but a crafted (or misrouted) expiry is still signed and must change nothing.
    const payload = envelope("checkout.session.expired", { ...objectOf(completed), status: "expired" });
    expect((await postStripe(payload, await sign(payload))).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "BOOKING_PENDING" });
    expect(await textsTo(lead.phone)).not.toContain(copy("deposit.expired.client"));
    expect(await eventsOf(lead.id, "stripe.event_ignored")).toMatchObject([{ payload: { reason: "already_paid" }, level: "warn" }]);
  });

  it("the payment lands while the artist has the conversation: accepted, the lead leaves the handover for booking", async () => {
    const { lead, session } = await awaitingDeposit();
    await clientSends({ from: lead.phone, text: "HUMAN" });
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "NEEDS_ARTIST_REPLY", resume_status: "AWAITING_DEPOSIT" });
    await deliver(only(await pay(session.id)));
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "BOOKING_PENDING", resume_status: null });
    expect(await entered(lead.id, "DEPOSIT_PAID")).toBe(1);
    expect((await textsTo(lead.phone)).at(-1)).toBe(paidCopy());
  });

  it("an async payment: completed (unpaid) says it is on its way; async_payment_succeeded pays it", async () => {
    const { lead, session } = await awaitingDeposit();
    const events = await pay(session.id, "async_succeeded");
    await deliver(only(events));
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "AWAITING_DEPOSIT", deposit_paid_at: null });
    expect((await textsTo(lead.phone)).at(-1)).toBe(copy("deposit.processing.client"));
    await deliver(only(events, "checkout.session.async_payment_succeeded"));
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "BOOKING_PENDING" });
    expect((await textsTo(lead.phone)).at(-1)).toBe(paidCopy());
  });

  it("an async payment that fails: DEPOSIT_EXPIRED, the client offered a fresh link", async () => {
    const { lead, session } = await awaitingDeposit();
    const events = await pay(session.id, "async_failed");
    // In any order: the failure first, then the completion it belongs to.
    await deliver(only(events, "checkout.session.async_payment_failed"));
    await deliver(only(events));
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "DEPOSIT_EXPIRED", deposit_paid_at: null });
    expect(await textsTo(lead.phone)).toContain(copy("deposit.failed.client"));
  });
});

describe("events that change nothing", () => {
  it("for no lead of ours: 200 (so Stripe stops), logged, nothing changed", async () => {
    const payload = envelope("checkout.session.completed", {
      id: "cs_test_nobody",
      object: "checkout.session",
      status: "complete",
      payment_status: "paid",
      url: null,
      expires_at: 2_000_000_000,
      created: 1_900_000_000,
      amount_total: 10_000,
      currency: "gbp",
      payment_intent: "pi_nobody",
      client_reference_id: "00000000-0000-4000-8000-000000000000",
      metadata: {},
    });
    const res = await postStripe(payload, await sign(payload));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, ignored: "unknown_lead" });
    const logged = await sql("SELECT payload FROM system_events WHERE type = 'stripe.unknown_lead' AND payload->>'event_id' = $1", [idOf(payload)]);
    expect(logged).toHaveLength(1);
  });

  it("for another session than the lead's: 200, logged as a mismatch, the lead unchanged", async () => {
    const { lead, session } = await awaitingDeposit();
    const row = await leadRow(lead.id);
    // The lead's own session as Stripe would describe it, under another session's id.
    const [created] = await sessionsFor(lead.id);
    const stranger = { ...created, object: "checkout.session", id: "cs_test_not_this_leads", status: "complete", payment_status: "paid", payment_intent: "pi_stranger" };
    const payload = envelope("checkout.session.completed", stranger);
    expect((await postStripe(payload, await sign(payload))).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toEqual(row);
    expect(await eventsOf(lead.id, "stripe.session_mismatch")).toMatchObject([
      { payload: { reason: "session_mismatch", session_id: "cs_test_not_this_leads", lead_session_id: session.id }, level: "warn" },
    ]);
    expect(await processedCount(idOf(payload))).toBe(1);
  });

  it("a forged signature: 400, recorded, nothing changed", async () => {
    const { lead, session } = await awaitingDeposit();
    const row = await leadRow(lead.id);
    const completed = only(await pay(session.id));
    const before = await sampledBaseline(SAMPLED_EVENTS.stripeSignature);
    const forged = await postStripe(completed.payload, await sign(completed.payload, "whsec_someone_else"));
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: "invalid_signature" });
    // A body changed after signing, and no signature at all.
    expect((await postStripe(completed.payload.replace("10000", "1"), completed.signature)).status).toBe(400);
    expect((await postStripe(completed.payload, null)).status).toBe(400);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toEqual(row);
    expect(await processedCount(completed.id)).toBe(0);
    expect((await flushSampled(SAMPLED_EVENTS.stripeSignature, before, 3)).counted).toBe(3);
    expect(await reasonsSince(SAMPLED_EVENTS.stripeSignature, before)).toEqual({ invalid_signature: 2, missing_signature: 1 });
  });

  it("an event type we do not handle is acknowledged and ignored", async () => {
    const payload = envelope("customer.created", { id: "cus_1", object: "customer" });
    const res = await postStripe(payload, await sign(payload));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, ignored: "unhandled_type" });
  });

  it("expired for a lead that moved on (rejected meanwhile): nothing changes", async () => {
    const { lead, session } = await awaitingDeposit();
    await adminFetch(`/admin/leads/${lead.id}/reject`, { body: { reason: "double booked" } });
    await settleLead(lead.phone);
    const row = await leadRow(lead.id);
    // The reject expired the session at Stripe; its expiry event now arrives.
    const [expired] = await eventsAbout(session.id, "checkout.session.expired");
    if (!expired) throw new Error("the reject did not expire the session");
    expect((await deliver(expired)).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toEqual(row);
  });
});
