/**
 * Poison messages: a message that keeps failing while the database is healthy is parked after
 * RETRY_MAX_ATTEMPTS (5 in tests), reported to the artist with the client's number masked, and
 * does not block the messages behind it.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { QUESTIONS } from "../../src/domain/questions.ts";
import { leadByPhone, sql } from "../support/workers/db.ts";
import {
  clientSends,
  prepareInbound,
  sentTo,
  setEmulatorClockOffset,
  settle,
  textsTo,
  uniquePhone,
} from "../support/workers/whatsapp.ts";

/** ARTIST_WHATSAPP_NUMBER in the workers test config. */
const ARTIST = "+447700900001";
const MAX_ATTEMPTS = 5;

const stubFor = (phone: string) => env.LEAD_CONVERSATION.getByName(phone);

const question = (i: number) => {
  const q = QUESTIONS[i];
  if (!q) throw new Error(`no question ${i}`);
  return renderCopy(q.copyKey);
};

/** Runs the object's alarm until the inbox item for `eventId` is parked (bounded). */
async function driveUntilParked(phone: string, eventId: string, maxRuns = 12) {
  for (let run = 0; run < maxRuns; run++) {
    const item = (await stubFor(phone).debugState()).inbox.find((i) => i.eventId === eventId);
    if (!item || item.parkedAt !== null) return item;
    await runDurableObjectAlarm(stubFor(phone));
  }
  return (await stubFor(phone).debugState()).inbox.find((i) => i.eventId === eventId);
}

/** A lead_answers row in the seq the next answer will take: that answer's insert fails every time. */
async function blockNextAnswer(leadId: string, seq: number): Promise<void> {
  await sql("INSERT INTO lead_answers (lead_id, seq, question_key, raw_text) VALUES ($1, $2, 'idea', 'blocking row')", [leadId, seq]);
}

afterEach(async () => {
  await setEmulatorClockOffset(0);
});

describe("a poison message", () => {
  it("is parked after 5 attempts, reported with a masked number, and later messages still get through", async () => {
    const phone = uniquePhone();
    // The artist has written to the business number today, so a free-text alert may reach them.
    await prepareInbound({ from: ARTIST, text: "morning" });
    const artistSendsBefore = (await sentTo(ARTIST)).length;

    await clientSends({ from: phone, name: "Kim", text: "hi" });
    await settle(phone);
    const lead = await leadByPhone(phone);
    const leadId = String(lead?.id);
    expect(lead).toMatchObject({ status: "QUALIFYING", current_question: "idea", answer_count: 0 });
    await blockNextAnswer(leadId, Number(lead?.answer_count) + 1);

    const { messageId } = await clientSends({ from: phone, text: "a koi fish" });
    const eventId = `wa:msg:${messageId}`;
    await settle(phone);
    const parked = await driveUntilParked(phone, eventId);
    expect(parked).toMatchObject({ eventId, attempts: MAX_ATTEMPTS });
    expect(parked?.parkedAt).not.toBeNull();
    expect(parked?.lastError).toMatch(/duplicate key|unique/i);

    // Nothing of the failed step was committed: no answer, no reply.
    expect(await leadByPhone(phone)).toMatchObject({ current_question: "idea", answer_count: 0 });
    expect(await textsTo(phone)).toHaveLength(2);

    const events = await sql<{ payload: { event_id: string; attempts: number } }>(
      "SELECT payload FROM system_events WHERE lead_id = $1 AND type = 'inbox.parked'",
      [leadId],
    );
    expect(events.map((e) => e.payload)).toEqual([expect.objectContaining({ event_id: eventId, attempts: MAX_ATTEMPTS })]);

    const alerts = (await sentTo(ARTIST)).slice(artistSendsBefore).map((s) => s.body.text?.body ?? "");
    const masked = `+44${"*".repeat(phone.length - 5)}${phone.slice(-2)}`;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain(masked);
    expect(alerts[0]).toContain(`after ${MAX_ATTEMPTS} attempts`);
    expect(alerts[0]).not.toContain(phone.slice(1));
    expect(alerts[0]).not.toContain(phone.slice(-8));

    // The cause is cleared; the next message is processed though the parked one is still set aside.
    await sql("DELETE FROM lead_answers WHERE lead_id = $1 AND raw_text = 'blocking row'", [leadId]);
    await clientSends({ from: phone, text: "a swallow" });
    await settle(phone);
    const texts = await textsTo(phone);
    expect(texts.slice(2)).toEqual([question(1)]);
    expect(await leadByPhone(phone)).toMatchObject({ current_question: "placement", answer_count: 1 });
    const answers = await sql<{ raw_text: string }>("SELECT raw_text FROM lead_answers WHERE lead_id = $1 ORDER BY seq", [leadId]);
    expect(answers.map((a) => a.raw_text)).toEqual(["a swallow"]);
    const inbox = (await stubFor(phone).debugState()).inbox;
    expect(inbox.map((i) => [i.eventId, i.parkedAt !== null])).toEqual([[eventId, true]]);
  });

  it("reaches an artist whose 24-hour window is closed through the approved template", async () => {
    // A day passes in WhatsApp's eyes: the artist's last message to the business number is old.
    await setEmulatorClockOffset(25 * 60 * 60 * 1000);
    const phone = uniquePhone();
    const artistSendsBefore = (await sentTo(ARTIST)).length;
    await clientSends({ from: phone, text: "hi" });
    await settle(phone);
    const lead = await leadByPhone(phone);
    await blockNextAnswer(String(lead?.id), Number(lead?.answer_count) + 1);
    const { messageId } = await clientSends({ from: phone, text: "a koi fish" });
    await settle(phone);
    expect(await driveUntilParked(phone, `wa:msg:${messageId}`)).toMatchObject({ attempts: MAX_ATTEMPTS });

    const alerts = (await sentTo(ARTIST)).slice(artistSendsBefore);
    expect(alerts.map((a) => a.body.template?.name)).toEqual(["inkline_update"]);
    const failed = await sql("SELECT 1 FROM system_events WHERE lead_id = $1 AND type = 'artist.alert_failed'", [lead?.id]);
    expect(failed).toHaveLength(0);
  });
});
