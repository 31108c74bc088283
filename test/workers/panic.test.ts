/**
 * The panic switch through the whole Worker: flipped with the admin API, read by each lead's object
 * from Postgres. While on: the client's messages are stored and recorded, the artist hears each
 * one, the client gets one holding reply a day and nothing else; STOP still works. Off again: no
 * backlog, the next message carries on at the lead's current question.
 */
import { afterEach, describe, expect, it } from "vitest";
import { renderCopy, type CopyKey } from "../../src/domain/copy.ts";
import { adminFetch } from "../support/workers/artist.ts";
import { artistHeardSince, artistWindowOpen, Client } from "../support/workers/client.ts";
import { sql } from "../support/workers/db.ts";
import { formField, inboxFetch, section, signIn } from "../support/workers/inbox.ts";
import { clientSends, settle } from "../support/workers/whatsapp.ts";

const copy = (key: CopyKey) => renderCopy(key, { artistName: "Mara", greetingName: " Ari", replyDays: 3 });

interface PanicJson {
  on: boolean;
  since: string | null;
  reason: string | null;
  held_leads: { lead_id: string; held: number }[];
}

async function switchPanic(on: boolean, reason?: string): Promise<PanicJson> {
  const response = await adminFetch("/admin/panic", { body: reason === undefined ? { on } : { on, reason } });
  expect(response.status).toBe(200);
  return response.json<PanicJson>();
}

const heldEvents = async (leadId: unknown) =>
  (await sql<{ n: number }>("SELECT count(*)::int AS n FROM system_events WHERE lead_id = $1 AND type = 'panic.message_held'", [leadId]))[0]?.n;

afterEach(async () => {
  await switchPanic(false);
});

describe("panic switch", () => {
  it("on: one holding reply, a notice to the artist per message, history kept; off: no backlog, the consultation carries on", async () => {
    const client = new Client();
    await client.reaches("placement");
    const turnedOn = await switchPanic(true, "away this week");
    expect(turnedOn).toMatchObject({ on: true, reason: "away this week" });
    expect((await (await adminFetch("/admin/panic")).json<PanicJson>()).on).toBe(true);

    const before = await artistWindowOpen();
    await client.says("left forearm");
    await client.says("HUMAN");
    await client.says("hello?");
    expect(await client.hears()).toEqual([copy("panic.holding")]);
    const notices = await artistHeardSince(before);
    expect(notices).toHaveLength(3);
    expect(notices[0]).toContain("wrote: left forearm");
    expect(notices[2]).toContain("wrote: hello?");

    const lead = await client.lead();
    expect(lead).toMatchObject({ status: "QUALIFYING", current_question: "placement" });
    expect(lead?.panic_notice_at).not.toBeNull();
    expect(await heldEvents(lead?.id)).toBe(3);
    // Every message is stored as processed (the inbox shows the lead's history from there).
    const processed = await sql("SELECT 1 FROM processed_events WHERE lead_id = $1 AND provider = 'whatsapp'", [lead?.id]);
    expect(processed).toHaveLength(5); // hi, the idea, and the three held
    const listed = (await (await adminFetch("/admin/panic")).json<PanicJson>()).held_leads.find((h) => h.lead_id === lead?.id);
    expect(listed?.held).toBe(3);

    const off = await switchPanic(false);
    expect(off).toMatchObject({ on: false, since: turnedOn.since });
    // Nothing was replayed when it went off; the next message answers the question the lead is on.
    expect(await client.hears()).toEqual([]);
    await client.says("left forearm");
    expect(await client.hears()).toEqual([copy("question.dimensions")]);
    expect((await client.lead())?.current_question).toBe("dimensions");
  });

  it("STOP is still honoured and confirmed while the switch is on", async () => {
    const client = new Client();
    await client.reaches("style");
    await switchPanic(true);
    await client.says("STOP");
    expect(await client.hears()).toEqual([copy("optout.confirmed")]);
    expect(await client.lead()).toMatchObject({ status: "OPTOUT", opted_out: true });
  });

  it("a message arriving while the switch flips is handled once, by one rule (no double reply)", async () => {
    const client = new Client();
    await client.reaches("placement");
    await switchPanic(true);
    const [sent] = await Promise.all([clientSends({ from: client.phone, name: client.name, text: "left forearm" }), switchPanic(false)]);
    expect(sent.response.status).toBe(200);
    await settle(client.phone);
    const heard = await client.hears();
    const lead = await client.lead();
    const held = await heldEvents(lead?.id);
    if (held === 1) {
      expect(heard).toEqual([copy("panic.holding")]);
      expect(lead?.current_question).toBe("placement");
    } else {
      expect(held).toBe(0);
      expect(heard).toEqual([copy("question.dimensions")]);
      expect(lead?.current_question).toBe("dimensions");
    }
  });

  it("the inbox: flipped with its form (CSRF), a banner on every page while on, the clients who wrote listed after it is off", async () => {
    const cookie = await signIn();
    const page = await (await inboxFetch("/inbox/panic", { cookie })).text();
    expect(page).not.toContain('id="panic-banner"');
    const csrf = formField(page, "csrf");
    // Without the CSRF token nothing changes.
    expect((await inboxFetch("/inbox/panic", { form: { on: "true" }, cookie })).status).toBe(403);
    expect((await (await adminFetch("/admin/panic")).json<PanicJson>()).on).toBe(false);

    const on = await inboxFetch("/inbox/panic", { form: { csrf, on: "true", reason: "flu" }, cookie });
    expect(on.status).toBe(303);
    expect((await (await adminFetch("/admin/panic")).json<PanicJson>())).toMatchObject({ on: true, reason: "flu" });
    for (const path of ["/inbox", "/inbox/jobs", "/inbox/panic"]) {
      expect(await (await inboxFetch(path, { cookie })).text()).toContain('id="panic-banner"');
    }

    const client = new Client();
    await client.says("hi, is this the right number?");
    expect(await client.hears()).toEqual([copy("panic.holding")]);
    const lead = await client.lead();
    const leadPage = await (await inboxFetch(`/inbox/leads/${String(lead?.id)}`, { cookie })).text();
    expect(leadPage).toContain('id="panic-banner"');
    expect(leadPage).toContain("hi, is this the right number?");

    const off = await inboxFetch("/inbox/panic", { form: { csrf, on: "false" }, cookie });
    expect(off.status).toBe(303);
    const after = await (await inboxFetch("/inbox/panic", { cookie })).text();
    expect(after).not.toContain('id="panic-banner"');
    expect(section(after, "held-title")).toContain(`data-lead="${String(lead?.id)}"`);
  });
});
