/**
 * The deposit a client with earlier no-shows is asked for, where the artist reads it (issue 18):
 * the inbox lead page says the larger deposit and why (the policy's multiplier); a client with
 * none shows no such line. The summary message's own line is engine-booking-change.test.ts's.
 */
import { describe, expect, it } from "vitest";
import { insertLead } from "../support/workers/artist.ts";
import { inboxFetch, signIn } from "../support/workers/inbox.ts";

const page = async (leadId: string): Promise<string> => {
  const response = await inboxFetch(`/inbox/leads/${leadId}`, { cookie: await signIn() });
  expect(response.status).toBe(200);
  return response.text();
};

describe("the no-show deposit on the inbox lead page", () => {
  it("a client with an earlier no-show: the £200 they will be asked for, and the policy's reason", async () => {
    const lead = await insertLead("PENDING_APPROVAL", { no_show_count: 1, deposit_amount_minor: 20_000 });
    const html = await page(lead.id);
    const line = /<dd class="muted" id="deposit-no-show">([^<]*)<\/dd>/.exec(html)?.[1] ?? "";
    expect(line).toContain("Deposit £200: this client has 1 earlier no-show(s)");
    expect(line.replace(/&#39;/g, "'")).toMatch(/policy's no-show deposit \([\d.]+× the usual\) applies/);
  });

  it("a client with none: no such line", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const html = await page(lead.id);
    expect(html).toContain("Estimate");
    expect(html).not.toContain('id="deposit-no-show"');
  });
});
