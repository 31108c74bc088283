/**
 * Refunds: the artist refunds (admin API, or the one-tap link in the "payment received" notice)
 * with a reason; Stripe is asked with an idempotency key per request; the ledger on the lead
 * records amounts and times; Stripe's charge.refunded that follows counts nothing twice, and a
 * refund made in Stripe's dashboard is recorded from it.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ActionResults } from "../../durable-objects/action-results.ts";
import { actionPath } from "../../durable-objects/action-links.ts";
import { adminFetch, ARTIST_NUMBER, confirmLink, leadRow, noticeTokens, openLink, settleLead, tapOnWhatsApp } from "../support/workers/artist.ts";
import { artistWindowOpen } from "../support/workers/client.ts";
import { awaitingDeposit, copy, eventsOf } from "../support/workers/deposit.ts";
import { chargeRefunds, dashboardRefund, deliver, pay, requests, type EmulatedEvent } from "../support/workers/stripe.ts";
import { formField, inboxFetch, section, signIn } from "../support/workers/inbox.ts";
import { sentTo, textsTo } from "../support/workers/whatsapp.ts";
import { renderCopy } from "../../src/domain/copy.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const artistCopy = (key: Parameters<typeof renderCopy>[0], params: Record<string, string> = {}) => renderCopy(key, params);

/** A lead whose £100 deposit was paid (and confirmed by webhook). */
async function paidLead() {
  const { lead, session } = await awaitingDeposit();
  const [completed] = await pay(session.id);
  await deliver(completed as EmulatedEvent);
  await settleLead(lead.phone);
  const row = await leadRow(lead.id);
  return { lead, paymentIntent: String(row.stripe_payment_intent_id) };
}

function refund(leadId: string, body: Record<string, unknown>, key?: string): Promise<Response> {
  return adminFetch(`/admin/leads/${leadId}/refund`, { body, headers: key ? { "idempotency-key": key } : {} });
}

describe("refunds", () => {
  it("the artist refunds part, then the rest: each through Stripe once, the ledger keeps amounts, times and the reason", async () => {
    const { lead, paymentIntent } = await paidLead();
    const part = await refund(lead.id, { reason: "design made smaller", amount_minor: 4_000 }, "refund-part-0001");
    expect(part.status).toBe(200);
    expect(await part.json()).toMatchObject({ ok: true, action: "refund", status: "BOOKING_PENDING" });
    // The same request again: the first answer, no second refund.
    expect((await refund(lead.id, { reason: "design made smaller", amount_minor: 4_000 }, "refund-part-0001")).status).toBe(200);
    const rest = await refund(lead.id, { reason: "cancelled" });
    expect(rest.status).toBe(200);
    await settleLead(lead.phone);

    const row = await leadRow(lead.id);
    expect(row).toMatchObject({ refunded_amount_minor: 10_000, status: "BOOKING_PENDING" });
    const ledger = row.deposit_ledger as { kind: string; amountMinor: number; reason: string | null; reference: string; source: string; at: string }[];
    expect(ledger.map((e) => [e.kind, e.amountMinor, e.source, e.reason])).toEqual([
      ["payment", 10_000, "checkout", null],
      ["refund", 4_000, "artist", "design made smaller"],
      ["refund", 6_000, "artist", "cancelled"],
    ]);
    expect(ledger.slice(1).every((e) => e.reference.startsWith("re_") && !Number.isNaN(Date.parse(e.at)))).toBe(true);
    const creates = (await requests()).filter((r) => r.operation === "create_refund" && r.idempotency_key?.includes(lead.id));
    expect(creates.map((r) => r.replayed)).toEqual([false, false]);
    expect(creates[0]?.idempotency_key).toBe(`inkline:refund:${lead.id}:admin:refund-part-0001`);
    expect((await textsTo(lead.phone)).slice(-2)).toEqual([copy("deposit.refunded.client", { amount: "£40" }), copy("deposit.refunded.client", { amount: "£60" })]);

    // Stripe's charge.refunded events (running totals) follow: already recorded, nothing doubles.
    const refundEvents = await chargeRefunds(paymentIntent);
    expect(refundEvents).toHaveLength(2);
    for (const event of refundEvents) expect((await deliver(event)).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ refunded_amount_minor: 10_000 });
    expect((await leadRow(lead.id)).deposit_ledger).toHaveLength(3);
    expect(await eventsOf(lead.id, "stripe.event_ignored")).toMatchObject([{ payload: { reason: "already_recorded" } }, { payload: { reason: "already_recorded" } }]);

    // Nothing left: refused, nothing asked of Stripe.
    const none = await refund(lead.id, { reason: "again" });
    expect(none.status).toBe(409);
    expect(await none.json()).toMatchObject({ ok: false, reason: "not_refundable" });
  });

  it("a refund applied just before the object was reset: the retry asks Stripe again under the same key, and answers as the first time", async () => {
    const { lead } = await paidLead();
    // Reset right after Postgres committed the refund, before the object noted its answer.
    const record = vi.spyOn(ActionResults.prototype, "record");
    await runInDurableObject(env.LEAD_CONVERSATION.getByName(lead.phone), (_object, state) => {
      record.mockImplementationOnce(() => state.abort("test: reset between commit and answer"));
    });
    const response = await refund(lead.id, { reason: "smaller", amount_minor: 4_000 }, "refund-reset-0001");
    expect(record).toHaveBeenCalledTimes(2);
    const first = { ok: true, action: "refund", lead_id: lead.id, from: "BOOKING_PENDING", status: "BOOKING_PENDING" };
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: first });

    await settleLead(lead.phone);
    const row = await leadRow(lead.id);
    expect(row).toMatchObject({ refunded_amount_minor: 4_000 });
    expect(row.deposit_ledger).toHaveLength(2);
    // The replay decided the refund again and Stripe answered it from its idempotency key: one refund.
    const creates = (await requests()).filter((r) => r.operation === "create_refund" && r.idempotency_key?.includes(lead.id));
    expect(creates.map((r) => r.replayed)).toEqual([false, true]);
    expect(await textsTo(lead.phone)).toContain(copy("deposit.refunded.client", { amount: "£40" }));
    expect((await textsTo(lead.phone)).filter((t) => t === copy("deposit.refunded.client", { amount: "£40" }))).toHaveLength(1);
  });

  it("a refund made in Stripe's dashboard reaches the ledger from charge.refunded, and the client is told", async () => {
    const { lead, paymentIntent } = await paidLead();
    expect(await dashboardRefund(paymentIntent, 2_500)).toBe(200);
    const [event] = await chargeRefunds(paymentIntent);
    await deliver(event as EmulatedEvent);
    await settleLead(lead.phone);
    const row = await leadRow(lead.id);
    expect(row).toMatchObject({ refunded_amount_minor: 2_500 });
    expect((row.deposit_ledger as { source: string; amountMinor: number }[]).at(-1)).toMatchObject({ kind: "refund", source: "stripe", amountMinor: 2_500 });
    expect((await textsTo(lead.phone)).at(-1)).toBe(copy("deposit.refunded.client", { amount: "£25" }));
  });

  it("by the payment notice's Refund button: tapped on WhatsApp it opens the refund page (nothing refunded yet); a reason there, the whole deposit back", async () => {
    await artistWindowOpen();
    const { lead } = await paidLead();
    const token = (await noticeTokens())[renderCopy("artist.button.refund")] ?? "";
    const tapped = await tapOnWhatsApp(`act:${token}`, { title: renderCopy("artist.button.refund") });
    const [opener] = (await sentTo(ARTIST_NUMBER)).filter((s) => s.body.biz_opaque_callback_data === `desk-${tapped.messageId}-0`);
    expect(opener?.body.interactive?.type).toBe("cta_url");
    expect(JSON.stringify(opener?.body.interactive)).toContain(`https://inkline.test${actionPath(token)}`);
    expect(await leadRow(lead.id)).toMatchObject({ refunded_amount_minor: 0 });
    const link = actionPath(token);
    const page = await openLink(link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('name="reason"');
    expect(html).toContain("£100 back");
    expect((await confirmLink(link, { lead_id: lead.id, reason: "artist ill" })).status).toBe(200);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ refunded_amount_minor: 10_000 });
    expect(await eventsOf(lead.id, "deposit.refunded")).toMatchObject([{ payload: { source: "artist", amount_minor: 10_000, reason: "artist ill" } }]);
  });

  it("from the inbox: the deposit section shows the ledger; Refund is offered while something is left, and runs", async () => {
    const { lead } = await paidLead();
    const cookie = await signIn();
    const page = async () => (await inboxFetch(`/inbox/leads/${lead.id}`, { cookie })).text();
    const before = await page();
    expect(section(before, "deposit-title")).toContain(artistCopy("inbox.lead.ledger_payment", { amount: "£100", when: "" }).split(",")[0] ?? "?");
    const form = { csrf: formField(before, "csrf"), request_id: formField(before, "request_id", "refund"), reason: "artist ill" };
    const done = await inboxFetch(`/inbox/leads/${lead.id}/actions/refund`, { form, cookie });
    expect(done.headers.get("location")).toBe(`/inbox/leads/${lead.id}?done=refund`);
    await settleLead(lead.phone);
    const after = await page();
    expect(section(after, "deposit-title")).toContain("£100 refunded");
    expect(section(after, "deposit-title")).toContain("artist ill");
    expect(after).not.toContain('data-action="refund"');
  });

  it("no deposit received: refused, nothing asked of Stripe", async () => {
    const { lead } = await awaitingDeposit();
    const res = await refund(lead.id, { reason: "nothing paid" });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ ok: false, reason: "wrong_status" });
  });
});
