/**
 * The deposit end to end, over HTTP as far as the test runtime allows: a client finishes the
 * consultation on WhatsApp, the artist approves with the summary's link and sends the deposit
 * link, the client opens it (the emulator's hosted checkout page) and taps Pay, Stripe's signed
 * webhook reaches the Worker, and both sides hear about it. (The emulator cannot reach the
 * Worker under test, so the test carries the webhook it signed; `test/browser` does it all live.)
 */
import { actionPath } from "../../durable-objects/action-links.ts";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { QUESTIONS } from "../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import { adminFetch, confirmLink, leadRow, settleLead, summaryTokens } from "../support/workers/artist.ts";
import { artistHeardSince, artistWindowOpen, Client } from "../support/workers/client.ts";
import { entered, paidCopy } from "../support/workers/deposit.ts";
import { deliver, eventsAbout, sessionsFor } from "../support/workers/stripe.ts";
import { textsTo } from "../support/workers/whatsapp.ts";

describe("a deposit, end to end", () => {
  it("consultation → approve → deposit link → Pay on the checkout page → DEPOSIT_PAID → client and artist told", async () => {
    const before = await artistWindowOpen();
    const client = new Client();
    await client.says("hi");
    for (const q of QUESTIONS) await client.says(GOOD_ANSWERS[q.key].text);
    const lead = await client.lead();
    const id = String(lead?.id);
    expect((await artistHeardSince(before)).some((n) => n.startsWith("New consultation"))).toBe(true);

    // The artist approves with one tap (the Approve button's token, opened as a link), then sends the deposit link (here from the admin API).
    expect((await confirmLink(actionPath((await summaryTokens()).approve), { lead_id: id })).status).toBe(200);
    // Consent and age first (the approval asks them), then the deposit link.
    await settleLead(client.phone);
    await client.givesConsent();
    expect((await adminFetch(`/admin/leads/${id}/send-deposit`, { body: {} })).status).toBe(200);
    await settleLead(client.phone);
    await client.hears();
    const row = await leadRow(id);
    expect(row).toMatchObject({ status: "AWAITING_DEPOSIT" });
    const url = String(row.deposit_link_url);
    const deposit = renderCopy("deposit.link.client", { artistName: "Mara", greetingName: " Ari", deposit: "£100", url, hours: "24" });
    expect((await client.lead())?.deposit_amount_minor).toBe(10_000);
    expect(await textsTo(client.phone)).toContain(deposit);

    // The client opens the link: Stripe's hosted page (the emulator's) shows the amount and Pay.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("£100.00");
    const action = /<form method="post" action="([^"]+\/pay)"/.exec(html)?.[1];
    expect(action).toBeDefined();
    const paid = await fetch(new URL(action ?? "", url), { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    const [session] = await sessionsFor(id);
    const success = paid.headers.get("location") ?? "";
    expect(success).toBe(`https://inkline.test/deposit/paid?session_id=${session?.id ?? "?"}`);
    // Stripe sends them back to Inkline's small thank-you page.
    const thanks = await SELF.fetch(success);
    expect(thanks.status).toBe(200);
    expect(await thanks.text()).toContain(renderCopy("deposit.page.paid.heading"));

    // Stripe's signed webhook reaches the Worker.
    const [completed] = await eventsAbout(session?.id ?? "", "checkout.session.completed");
    if (!completed) throw new Error("Pay sent no checkout.session.completed");
    expect((await deliver(completed)).status).toBe(200);
    await settleLead(client.phone);

    expect(await entered(id, "DEPOSIT_PAID")).toBe(1);
    expect(await leadRow(id)).toMatchObject({ status: "BOOKING_PENDING", refunded_amount_minor: 0 });
    expect(await client.hears()).toEqual([paidCopy()]);
    const notices = (await artistHeardSince(before)).filter((n) => n.startsWith("Payment received"));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain("paid the £100 deposit");
  });
});
