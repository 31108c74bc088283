/**
 * The deposit link: the artist (admin API here) sends it, a Checkout Session is created with
 * Stripe for the locked deposit, one per attempt however often the step is retried, and the
 * client gets the link. A lapsed link is replaced by a fresh one when the client replies.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PRICING_RULES } from "../../src/domain/pricing-rules.ts";
import { adminFetch, insertLead, leadRow, settleLead } from "../support/workers/artist.ts";
import { approvedLead, awaitingDeposit, copy, sendDeposit } from "../support/workers/deposit.ts";
import { clientSends, textsTo } from "../support/workers/whatsapp.ts";
import { deliver, expire, failStripe, requests, sessionsFor } from "../support/workers/stripe.ts";

const HOUR = 60 * 60 * 1000;

describe("sending the deposit link", () => {
  it("creates a Checkout Session for the quoted deposit, locks it, and the client gets the link", async () => {
    const lead = await approvedLead();
    const before = Date.now();
    const sent = await sendDeposit(lead.id, "send-deposit-once-1");
    expect(sent).toMatchObject({ status: 200, body: { ok: true, action: "send_deposit", from: "COLLECTING_TIME_WINDOWS", status: "AWAITING_DEPOSIT" } });
    await settleLead(lead.phone);

    const [session, ...more] = await sessionsFor(lead.id);
    expect(more).toEqual([]);
    expect(session).toMatchObject({
      status: "open",
      amount_total: 10_000,
      currency: "gbp",
      client_reference_id: lead.id,
      metadata: { lead_id: lead.id, attempt: "1", rule_version: PRICING_RULES.version },
      success_url: "https://inkline.test/deposit/paid?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "https://inkline.test/deposit/cancelled",
    });
    // expires_at: DEPOSIT_LINK_TTL_HOURS (24 h) ahead, kept just inside Stripe's limit.
    const lifetime = (session?.expires_at ?? 0) * 1000 - before;
    expect(lifetime).toBeGreaterThan(23.9 * HOUR);
    expect(lifetime).toBeLessThanOrEqual(24 * HOUR);
    const creates = (await requests()).filter((r) => r.operation === "create_session" && r.idempotency_key?.includes(lead.id));
    expect(creates.map((r) => r.idempotency_key)).toEqual([`inkline:deposit:${lead.id}:1`]);

    const row = await leadRow(lead.id);
    expect(row).toMatchObject({
      status: "AWAITING_DEPOSIT",
      deposit_amount_minor: 10_000,
      deposit_rule_version: PRICING_RULES.version,
      deposit_attempt: 1,
      stripe_checkout_session_id: session?.id,
      deposit_link_url: session?.url,
    });
    expect(row.deposit_locked_at).not.toBeNull();
    expect((row.deposit_link_expires_at as Date).getTime()).toBe((session?.expires_at ?? 0) * 1000);
    expect(await textsTo(lead.phone)).toEqual([copy("deposit.link.client", { deposit: "£100", url: session?.url ?? "?", hours: "24" })]);

    // The same request again (same idempotency key) gets the first answer and creates nothing.
    expect(await sendDeposit(lead.id, "send-deposit-once-1")).toEqual(sent);
    expect(await sessionsFor(lead.id)).toHaveLength(1);
  });

  it("a Stripe 500 on create is retried with the same idempotency key: one session", async () => {
    const lead = await approvedLead();
    await failStripe(1, "500", "create_session", `inkline:deposit:${lead.id}`);
    expect((await sendDeposit(lead.id)).status).toBe(200);
    await settleLead(lead.phone);
    const creates = (await requests()).filter((r) => r.idempotency_key === `inkline:deposit:${lead.id}:1`);
    expect(creates.map((r) => [r.status, r.injected])).toEqual([
      [500, true],
      [200, false],
    ]);
    expect(await sessionsFor(lead.id)).toHaveLength(1);
    expect(await leadRow(lead.id)).toMatchObject({ status: "AWAITING_DEPOSIT", deposit_attempt: 1 });
  });

  it("Stripe down for longer than the SDK retries: the action is queued, the alarm retries with the same key, still one session", async () => {
    const lead = await approvedLead();
    await failStripe(3, "500", "create_session", `inkline:deposit:${lead.id}`);
    const sent = await sendDeposit(lead.id);
    expect(sent).toMatchObject({ status: 202, body: { ok: false, reason: "queued" } });
    expect(await leadRow(lead.id)).toMatchObject({ status: "COLLECTING_TIME_WINDOWS", version: 0 });
    const stub = env.LEAD_CONVERSATION.getByName(lead.phone);
    for (let i = 0; i < 5 && (await stub.settled()) > 0; i++) await runDurableObjectAlarm(stub);

    const keys = (await requests()).filter((r) => r.idempotency_key?.startsWith(`inkline:deposit:${lead.id}`));
    expect(keys.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(keys.map((r) => r.idempotency_key))).toEqual(new Set([`inkline:deposit:${lead.id}:1`]));
    const sessions = await sessionsFor(lead.id);
    expect(sessions).toHaveLength(1);
    expect(await leadRow(lead.id)).toMatchObject({ status: "AWAITING_DEPOSIT", stripe_checkout_session_id: sessions[0]?.id });
    expect(await textsTo(lead.phone)).toHaveLength(1);
  });

  it("without a quoted deposit: refused (409 no_deposit), nothing created", async () => {
    const lead = await insertLead("COLLECTING_TIME_WINDOWS", { deposit_amount_minor: null, deposit_currency: null });
    expect(await sendDeposit(lead.id)).toMatchObject({ status: 409, body: { ok: false, reason: "no_deposit", status: "COLLECTING_TIME_WINDOWS" } });
    expect(await sessionsFor(lead.id)).toEqual([]);
    expect(await textsTo(lead.phone)).toEqual([]);
  });

  it("Stripe refusing the session (a 4xx): 502, nothing changed, the reason in the lead's events", async () => {
    // Below Stripe's minimum charge: Stripe says no; the lead is not moved and the client hears nothing.
    const lead = await approvedLead({ deposit_amount_minor: 20 });
    const sent = await sendDeposit(lead.id);
    expect(sent).toMatchObject({ status: 502, body: { ok: false, reason: "payment_provider" } });
    expect(await leadRow(lead.id)).toMatchObject({ status: "COLLECTING_TIME_WINDOWS", deposit_locked_at: null, deposit_attempt: 0 });
    expect(await textsTo(lead.phone)).toEqual([]);
  });
});

describe("a link that lapsed", () => {
  it("expired: DEPOSIT_EXPIRED and the client is told; their next reply gets a fresh link for the same locked amount", async () => {
    const { lead, session } = await awaitingDeposit();
    const lockedAt = (await leadRow(lead.id)).deposit_locked_at;
    expect((await deliver(await expire(session.id))).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "DEPOSIT_EXPIRED" });
    expect((await textsTo(lead.phone)).at(-1)).toBe(copy("deposit.expired.client"));

    await clientSends({ from: lead.phone, text: "sorry, can I still pay?" });
    await settleLead(lead.phone);
    const sessions = await sessionsFor(lead.id);
    expect(sessions).toHaveLength(2);
    const fresh = sessions[1];
    expect(fresh).toMatchObject({ status: "open", amount_total: 10_000, metadata: { attempt: "2", rule_version: PRICING_RULES.version } });
    expect(await leadRow(lead.id)).toMatchObject({ status: "AWAITING_DEPOSIT", deposit_attempt: 2, stripe_checkout_session_id: fresh?.id, deposit_locked_at: lockedAt });
    expect((await textsTo(lead.phone)).at(-1)).toBe(copy("deposit.link_again.client", { deposit: "£100", url: fresh?.url ?? "?", hours: "24" }));
    const keys = (await requests()).filter((r) => r.operation === "create_session" && r.idempotency_key?.includes(lead.id)).map((r) => r.idempotency_key);
    expect(keys).toEqual([`inkline:deposit:${lead.id}:1`, `inkline:deposit:${lead.id}:2`]);
  });

  it("rejected while the link is open: the session is expired at Stripe first, so it can no longer take money", async () => {
    const { lead, session } = await awaitingDeposit();
    const res = await adminFetch(`/admin/leads/${lead.id}/reject`, { body: { reason: "changed my mind" } });
    expect(res.status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "REJECTED" });
    expect((await sessionsFor(lead.id))[0]).toMatchObject({ id: session.id, status: "expired" });
  });
});
