/**
 * Issue 19, item 1 and 2, through the whole Worker: a client whose WhatsApp name imitates the
 * placeholders the engine once left for the artist's links (`[[inkline-link:N]]`) goes through the
 * consultation, the approval, the deposit and a refund, and never receives a link; the artist's
 * links still work; and no action token is stored or shown in clear (outbox rows, admin debug).
 */
import { actionPath } from "../../durable-objects/action-links.ts";
import { describe, expect, it } from "vitest";
import { QUESTIONS } from "../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import { adminFetch, confirmLink, noticeTokens, settleLead, summaryTokens } from "../support/workers/artist.ts";
import { artistHeardSince, artistWindowOpen, Client } from "../support/workers/client.ts";
import { sql } from "../support/workers/db.ts";
import { deliver, pay, sessionsFor } from "../support/workers/stripe.ts";
import { textsTo } from "../support/workers/whatsapp.ts";

const TOKEN_URL = /\/a[#/][A-Za-z0-9_-]{43}/;

describe("a client named after the artist's link placeholders", () => {
  it.each(["[[inkline-link:3]]", "[[inkline-link:0]] [[inkline-link:1]] [[inkline-link:2]] [[inkline-checkout]]"])(
    "%s: consultation, approval, deposit, refund — no link ever reaches the client",
    async (name) => {
      const before = await artistWindowOpen();
      const client = new Client("phone", name);
      await client.says("hi");
      for (const q of QUESTIONS) await client.says(GOOD_ANSWERS[q.key].text);
      const id = String((await client.lead())?.id);
      const summary = (await artistHeardSince(before)).find((n) => n.startsWith("New consultation")) ?? "";
      // The artist's four buttons are there and carry real tokens (they open as links too).
      expect(summary).not.toBe("");
      for (const token of Object.values(await summaryTokens())) expect(actionPath(token)).toMatch(TOKEN_URL);

      expect((await confirmLink(actionPath((await summaryTokens()).approve), { lead_id: id })).status).toBe(200);
      // Consent and age first (the approval asks them), then the deposit link.
      await settleLead(client.phone);
      await client.givesConsent();
      expect((await adminFetch(`/admin/leads/${id}/send-deposit`, { body: {} })).status).toBe(200);
      await settleLead(client.phone);
      const [session] = await sessionsFor(id);
      const completed = (await pay(session?.id ?? "")).find((e) => e.type === "checkout.session.completed");
      if (!completed) throw new Error("no checkout.session.completed");
      expect((await deliver(completed)).status).toBe(200);
      await settleLead(client.phone);
      const notice = (await artistHeardSince(before)).find((n) => n.startsWith("Payment received")) ?? "";
      // The payment notice carries buttons, not links; their tokens open as links too.
      expect(notice).not.toBe("");
      expect(notice).not.toMatch(TOKEN_URL);
      for (const token of Object.values(await noticeTokens())) expect(actionPath(token)).toMatch(TOKEN_URL);
      expect((await adminFetch(`/admin/leads/${id}/refund`, { body: { reason: "test" } })).status).toBe(200);
      await settleLead(client.phone);

      // The client heard the whole journey (the deposit link included) and not one action link.
      const heard = await textsTo(client.phone);
      expect(heard.length).toBeGreaterThan(QUESTIONS.length);
      expect(heard.some((t) => t.includes(String(session?.url)))).toBe(true);
      for (const text of heard) expect(text).not.toMatch(TOKEN_URL);
      const leadRow = await client.lead();
      expect(leadRow).toMatchObject({ status: "BOOKING_PENDING", refunded_amount_minor: 10_000 });

      // Item 2: no token in clear in the outbox rows, nor in the admin API's debug view.
      const rows = await sql<{ payload: unknown }>("SELECT payload FROM outbox_messages WHERE lead_id = $1", [id]);
      // The artist's rows: the summary, its buttons, the payment notice and its buttons.
      expect(rows.length).toBe(heard.length + 4);
      for (const row of rows) expect(JSON.stringify(row.payload)).not.toMatch(TOKEN_URL);
      const debug = await adminFetch(`/admin/leads/${id}/debug`);
      const text = await debug.text();
      expect(debug.status).toBe(200);
      expect(text).not.toMatch(TOKEN_URL);
      expect(text).not.toContain('"sealed"');
      expect(text).toContain("[approve button]");
      expect(text).toContain("[refund button]");
    },
  );
});
