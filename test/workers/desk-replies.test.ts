/**
 * The artist desk's replies are sent once (durable-objects/desk-replies.ts): however often Meta
 * redelivers the tap, the desk retries it after a failed send, or Graph takes a send whose answer
 * is lost, the artist hears "Approved — …" exactly once and the lead is approved once. Faults hit
 * only this file's refs (`desk-<message id>-…`) in the WhatsApp emulator.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { ARTIST_NUMBER, insertLead, leadRow, mintToken, settleDesk, settleLead } from "../support/workers/artist.ts";
import { artistWindowOpen } from "../support/workers/client.ts";
import { sql } from "../support/workers/db.ts";
import { failSendsWithRef, postStatusFor, postWebhook, prepareInbound, sentTo, textsTo, uniquePhone, type RecordedSend } from "../support/workers/whatsapp.ts";

/** What the artist was sent under one of the desk's refs (`desk-<message id>-<n>`). */
async function sendsWithRef(prefix: string): Promise<RecordedSend[]> {
  return (await sentTo(ARTIST_NUMBER)).filter((s) => s.body.biz_opaque_callback_data?.startsWith(prefix) === true);
}

/** Drives the desk (its retries run on its alarm) until `done` holds. */
async function untilDesk(done: () => Promise<void>): Promise<void> {
  await vi.waitFor(
    async () => {
      await settleDesk();
      await done();
    },
    { timeout: 15_000, interval: 200 },
  );
}

/** Taps refused for one WhatsApp message. */
const refusals = (messageId: string) => sql("SELECT 1 FROM system_events WHERE type = 'artist.tap_refused' AND payload->>'message_id' = $1", [messageId]);

afterEach(async () => {
  // Whatever a test left armed for its own refs is of no use to anyone: make sure the desk is idle.
  await settleDesk();
});

describe("a tap's reply, retried", () => {
  it("the reply fails once (500): the retried tap answers once with what happened, not 'already used'; a redelivery adds nothing", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    await artistWindowOpen();
    const tap = await prepareInbound({ from: ARTIST_NUMBER, button: { id: `act:${token}`, title: "Approve" } });
    const ref = `desk-${tap.message_id}-`;
    await failSendsWithRef(ref, 1, "500");
    expect((await postWebhook(tap.body, tap.signature)).status).toBe(200);
    await untilDesk(async () => expect(await sendsWithRef(ref)).toHaveLength(1));
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
    const [reply] = await sendsWithRef(ref);
    expect(reply?.body.text?.body).toBe(renderCopy("action.done.approve", { clientName: "Ari Lane" }));
    expect(await refusals(tap.message_id)).toEqual([]);

    // Meta delivers the same signed webhook again: nothing runs, nothing is said.
    expect((await postWebhook(tap.body, tap.signature)).status).toBe(200);
    await settleDesk();
    await settleLead(lead.phone);
    expect(await sendsWithRef(ref)).toHaveLength(1);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
  });

  it("Graph takes the reply but its answer is lost: Meta's status settles it, and it is not sent again", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    await artistWindowOpen();
    const tap = await prepareInbound({ from: ARTIST_NUMBER, button: { id: `act:${token}`, title: "Approve" } });
    const ref = `desk-${tap.message_id}-`;
    await failSendsWithRef(ref, 1, "lost_reply");
    await postWebhook(tap.body, tap.signature);
    // The item waits for Meta's word (SEND_CONFIRM_WAIT_MS); Meta's status webhook (carrying the ref) brings it.
    expect(await settleDesk()).toBe(1);
    const [taken] = await sendsWithRef(ref);
    expect(taken).toBeDefined();
    if (taken) expect((await postStatusFor(taken, "sent")).status).toBe(200);
    await untilDesk(async () => expect(await settleDesk()).toBe(0));
    expect(await sendsWithRef(ref)).toHaveLength(1);
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
  });

  it("a send that never reached Graph (dropped, no status ever comes) is sent again after the wait: one reply", async () => {
    const lead = await insertLead("PENDING_APPROVAL");
    const token = await mintToken(lead.id, "approve");
    await artistWindowOpen();
    const tap = await prepareInbound({ from: ARTIST_NUMBER, button: { id: `act:${token}`, title: "Approve" } });
    const ref = `desk-${tap.message_id}-`;
    await failSendsWithRef(ref, 1, "timeout");
    await postWebhook(tap.body, tap.signature);
    await untilDesk(async () => expect(await sendsWithRef(ref)).toHaveLength(1));
    expect((await sendsWithRef(ref))[0]?.body.text?.body).toBe(renderCopy("action.done.approve", { clientName: "Ari Lane" }));
    await settleLead(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "CHOOSING_SLOT", version: 1 });
  });
});

describe('"today", retried', () => {
  it("the digest's second message fails once: the retry sends only what did not go out", async () => {
    const name = `Retry ${uniquePhone().slice(-6)}`;
    // Waiting longest of all, so the digest gives it buttons; put back in line afterwards (other
    // files' "today" tests want theirs first).
    const lead = await insertLead("PENDING_APPROVAL", { display_name: name, status_changed_at: "2020-01-01T00:00:00Z" });
    try {
      await digestRetried(name);
    } finally {
      await sql("UPDATE leads SET status_changed_at = now() WHERE id = $1", [lead.id]);
    }
  });
});

/** "today" with the digest's second message (the lead's buttons) failing once. */
async function digestRetried(name: string): Promise<void> {
  await artistWindowOpen();
  const today = await prepareInbound({ from: ARTIST_NUMBER, text: "today" });
  const ref = `desk-${today.message_id}-digest-`;
  await failSendsWithRef(`${ref}1`, 1, "500");
  await postWebhook(today.body, today.signature);
  await untilDesk(async () => expect((await sendsWithRef(ref)).map((s) => s.body.biz_opaque_callback_data)).toEqual(expect.arrayContaining([`${ref}0`, `${ref}1`])));
  const sends = await sendsWithRef(ref);
  const refs = sends.map((s) => s.body.biz_opaque_callback_data);
  expect(new Set(refs).size).toBe(refs.length);
  expect(sends[0]?.body.text?.body).toContain(renderCopy("digest.heading"));
  expect((await textsTo(ARTIST_NUMBER)).filter((t) => t === renderCopy("digest.lead_buttons", { clientName: name }))).toHaveLength(1);
}
