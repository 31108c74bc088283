/**
 * The serial core: one Durable Object per number processes its inbox in order, exactly once,
 * through database outages, Graph API failures and evictions.
 */
import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { QUESTIONS } from "../../src/domain/questions.ts";
import { GOOD_ANSWER_TEXTS } from "../support/consultation.ts";
import { untilDoubtLooksAgain } from "../support/workers/chaos.ts";
import { leadByPhone, setDatabasePaused, sql } from "../support/workers/db.ts";
import {
  clientSends,
  failNextSends,
  postStatusFor,
  postWebhook,
  prepareInbound,
  setEmulatorClockOffset,
  setGraphLatency,
  sentTo,
  settle,
  textsTo,
  uniquePhone,
} from "../support/workers/whatsapp.ts";

const stubFor = (phone: string) => env.LEAD_CONVERSATION.getByName(phone);

/** Runs the object's alarm until its inbox and outbox are empty (bounded). */
async function drainWithAlarms(phone: string, maxRuns = 12): Promise<number> {
  let runs = 0;
  for (; runs < maxRuns; runs++) {
    const state = await stubFor(phone).debugState();
    if (state.inbox.length === 0 && state.pendingOutbox === 0) break;
    await untilDoubtLooksAgain(state);
    await runDurableObjectAlarm(stubFor(phone));
  }
  return runs;
}

const question = (i: number) => {
  const q = QUESTIONS[i];
  if (!q) throw new Error(`no question ${i}`);
  return renderCopy(q.copyKey);
};

afterEach(async () => {
  await setDatabasePaused(false);
  await setEmulatorClockOffset(0);
});

describe("ordering and exactly-once", () => {
  it("20 identical messages fired at once at one number: each processed once, one step at a time", async () => {
    const phone = uniquePhone();
    await clientSends({ from: phone, name: "Kim", text: "hi" });
    await settle(phone);
    const timestamp = String(Math.floor(Date.now() / 1000) + 5);
    // The same text every time, so the outcome does not depend on which arrives first: it answers
    // the two free-text questions, then fails the size question three times and hands over.
    const prepared = await Promise.all(Array.from({ length: 20 }, () => prepareInbound({ from: phone, text: "a koi fish", timestamp })));
    const responses = await Promise.all(prepared.map((p) => postWebhook(p.body, p.signature)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await settle(phone);

    const lead = await leadByPhone(phone);
    const processed = await sql<{ event_id: string }>("SELECT event_id FROM processed_events WHERE lead_id = $1 ORDER BY id", [lead?.id]);
    expect(processed).toHaveLength(21);
    expect(new Set(processed.map((p) => p.event_id)).size).toBe(21);
    // One committed decision per message, each on top of the one before (no lost update).
    expect(lead).toMatchObject({ version: 21, status: "NEEDS_ARTIST_REPLY", answer_count: 2, failure_counts: { dimensions: 3 } });

    // The first two messages processed answered idea and placement; nothing else was taken.
    const answers = await sql<{ question_key: string; source_message_id: string }>(
      "SELECT question_key, source_message_id FROM lead_answers WHERE lead_id = $1 ORDER BY seq",
      [lead?.id],
    );
    expect(answers.map((a) => a.question_key)).toEqual(["idea", "placement"]);
    expect(answers.map((a) => a.source_message_id)).toEqual(processed.slice(1, 3).map((p) => p.event_id));

    const texts = await textsTo(phone);
    expect(texts.slice(2)).toEqual([
      question(1),
      question(2),
      renderCopy("repair.dimensions"),
      renderCopy("repair.dimensions"),
      renderCopy("handover.client.repeated_failures", { artistName: "Mara" }),
      // The first message after the handover always gets a holding reply; the rest, none (cooldown).
      renderCopy("handover.holding", { artistName: "Mara", greetingName: " Kim" }),
    ]);
  });

  it("13 good answers and 7 more sent back to back: taken in arrival order, one per question, then silence", async () => {
    const phone = uniquePhone();
    await clientSends({ from: phone, name: "Kim", text: "hi" });
    await settle(phone);
    const extras = ["thanks!", "x", "y", "z", "hello?", "ok", "bye"];
    const sent: string[] = [];
    for (const text of [...GOOD_ANSWER_TEXTS, ...extras]) {
      // Each POST returns once the message is in the inbox; the object drains while more arrive.
      const { response, messageId } = await clientSends({ from: phone, text });
      expect(response.status).toBe(200);
      sent.push(messageId);
    }
    await settle(phone);

    const lead = await leadByPhone(phone);
    const answers = await sql<{ question_key: string; source_message_id: string }>(
      "SELECT question_key, source_message_id FROM lead_answers WHERE lead_id = $1 ORDER BY seq",
      [lead?.id],
    );
    expect(answers.map((a) => a.question_key)).toEqual(QUESTIONS.map((q) => q.key));
    expect(answers.map((a) => a.source_message_id)).toEqual(sent.slice(0, 13));

    // Replies: welcome + first question, then exactly the next question per answer, then the close.
    const texts = await textsTo(phone);
    expect(texts.slice(2, 14)).toEqual(QUESTIONS.slice(1).map((_, i) => question(i + 1)));
    expect(texts[14]).toMatch(/that's everything I need/);
    expect(texts).toHaveLength(15);
    expect(lead).toMatchObject({ status: "PENDING_APPROVAL", answer_count: 13, failure_counts: {} });
  });
});

describe("a message arriving while replies are being sent", () => {
  it("is processed without waiting for the client to write again (no lost wake-up)", async () => {
    const phone = uniquePhone();
    await setGraphLatency(phone, 300);
    await clientSends({ from: phone, name: "Kim", text: "hi" });
    // The object is now busy sending the welcome (each send takes 300 ms): the answer lands mid-send.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await clientSends({ from: phone, text: GOOD_ANSWER_TEXTS[0] ?? "" });
    await settle(phone);
    await settle(phone);
    const state = await env.LEAD_CONVERSATION.getByName(phone).debugState();
    expect(state.inbox).toHaveLength(0);
    expect((await textsTo(phone)).slice(2)).toEqual([question(1)]);
  });
});

describe("the database going away", () => {
  it("webhooks still answer 200; messages wait in the inbox and are processed once after recovery", async () => {
    const phone = uniquePhone();
    await setDatabasePaused(true);
    const sent: string[] = [];
    for (const text of ["hello", "a koi fish", "left forearm"]) {
      const { response, messageId } = await clientSends({ from: phone, text });
      expect(response.status).toBe(200);
      sent.push(messageId);
    }
    await settle(phone);
    // A retry is always scheduled while the database is away. (The alarm reads null for the
    // moment its handler runs, and with jittered backoff that moment comes often: look again.)
    const waiting = await vi.waitFor(async () => {
      const state = await stubFor(phone).debugState();
      expect(state.alarm).not.toBeNull();
      return state;
    }, { timeout: 5_000, interval: 20 });
    expect(waiting.inbox.map((i) => i.eventId)).toEqual(sent.map((id) => `wa:msg:${id}`));
    expect(waiting.inbox[0]?.attempts).toBeGreaterThanOrEqual(1);
    expect(await sentTo(phone)).toHaveLength(0);

    await setDatabasePaused(false);
    await drainWithAlarms(phone);

    const texts = await textsTo(phone);
    expect(texts).toHaveLength(4); // welcome, idea?, placement?, dimensions?
    expect(texts.slice(1)).toEqual([question(0), question(1), question(2)]);
    const lead = await leadByPhone(phone);
    expect(lead).toMatchObject({ current_question: "dimensions", answer_count: 2 });
  });

  it("an object evicted with messages still in its inbox resumes where it was", async () => {
    const phone = uniquePhone();
    await setDatabasePaused(true);
    await clientSends({ from: phone, text: "hello" });
    await clientSends({ from: phone, text: "a swallow" });
    await settle(phone);
    await evictDurableObject(stubFor(phone));
    await setDatabasePaused(false);
    const state = await stubFor(phone).debugState();
    expect(state.inbox).toHaveLength(2);
    await drainWithAlarms(phone);
    expect(await textsTo(phone)).toEqual([expect.stringMatching(/a few (quick|short) questions/), question(0), question(1)]);
  });
});

describe("the Graph API failing", () => {
  it.each(["500", "429", "timeout"] as const)("%s twice then recovery: every reply delivered once, in order", async (mode) => {
    const phone = uniquePhone();
    await failNextSends(phone, 2, mode);
    await clientSends({ from: phone, text: "hi" });
    await settle(phone);
    // Retries run on the object's alarm (50 ms base in tests); drive any still pending.
    await drainWithAlarms(phone);

    const texts = await textsTo(phone);
    expect(texts).toEqual([expect.stringMatching(/a few (quick|short) questions/), question(0)]);
    const rows = await sql<{ status: string; attempts: number; last_error_code: string | null }>(
      "SELECT o.status, o.attempts, o.last_error_code FROM outbox_messages o JOIN leads l ON l.id = o.lead_id WHERE l.phone_e164 = $1 ORDER BY seq",
      [phone],
    );
    // The first reply absorbed both failures (later replies wait behind it, so order holds).
    expect(rows).toEqual([
      { status: "SENT", attempts: 3, last_error_code: mode === "timeout" ? "timeout" : mode === "429" ? "130429" : "1" },
      { status: "SENT", attempts: 1, last_error_code: null },
    ]);
  });
});

describe("permanent send errors", () => {
  it("131047 from Graph: the row FAILS at once, the error is recorded on the lead and in system events, later replies still go", async () => {
    const phone = uniquePhone();
    const prepared = await prepareInbound({ from: phone, text: "hi" });
    // WhatsApp's clock says the conversation is a day old by the time we answer.
    await setEmulatorClockOffset(25 * 60 * 60 * 1000);
    await postWebhook(prepared.body, prepared.signature);
    await settle(phone);

    const rows = await sql<{ status: string; attempts: number; last_error_code: string }>(
      "SELECT o.status, o.attempts, o.last_error_code FROM outbox_messages o JOIN leads l ON l.id = o.lead_id WHERE l.phone_e164 = $1 ORDER BY seq",
      [phone],
    );
    expect(rows).toEqual([
      { status: "FAILED", attempts: 1, last_error_code: "131047" },
      { status: "FAILED", attempts: 1, last_error_code: "131047" },
    ]);
    const lead = await leadByPhone(phone);
    expect(String(lead?.last_delivery_error)).toMatch(/^131047/);
    const events = await sql("SELECT 1 FROM system_events WHERE lead_id = $1 AND type = 'whatsapp.send_failed'", [lead?.id]);
    expect(events).toHaveLength(2);

    // The client writes again: the window is open in WhatsApp's eyes too, and the reply goes out.
    await clientSends({ from: phone, text: "a rose" });
    await settle(phone);
    expect(await textsTo(phone)).toEqual([question(1)]);
  });
});

describe("opt-out", () => {
  it("STOP confirms once, then silence whatever the client sends, START resumes the question", async () => {
    const phone = uniquePhone();
    await clientSends({ from: phone, text: "hi" });
    await clientSends({ from: phone, text: "a dragon" });
    await clientSends({ from: phone, text: "STOP" });
    await clientSends({ from: phone, text: "hello?" });
    await clientSends({ from: phone, text: "stop" });
    await settle(phone);
    expect(await leadByPhone(phone)).toMatchObject({ status: "OPTOUT", opted_out: true });
    const afterStop = await textsTo(phone);
    expect(afterStop.slice(2)).toEqual([question(1), renderCopy("optout.confirmed")]);

    await clientSends({ from: phone, text: "START" });
    await settle(phone);
    const texts = await textsTo(phone);
    expect(texts.slice(afterStop.length)).toEqual([renderCopy("optin.confirmed"), question(1)]);
    expect(await leadByPhone(phone)).toMatchObject({ status: "QUALIFYING", opted_out: false, current_question: "placement" });
  });
});

describe("24-hour window and delivery statuses", () => {
  it("outside the window the configured template is sent instead of free text", async () => {
    const phone = uniquePhone();
    const dayAgo = String(Math.floor(Date.now() / 1000) - 25 * 3600);
    await clientSends({ from: phone, name: "Lee", text: "hi", timestamp: dayAgo });
    await settle(phone);
    const sends = await sentTo(phone);
    expect(sends.map((s) => s.body.template?.name)).toEqual(["inkline_update", "inkline_update"]);
    const events = await sql("SELECT * FROM system_events e JOIN leads l ON l.id = e.lead_id WHERE l.phone_e164 = $1 AND e.type = 'whatsapp.template_fallback'", [phone]);
    expect(events).toHaveLength(2);
  });

  it("a delivered status moves the outbox row forward and a late 'sent' does not move it back", async () => {
    const phone = uniquePhone();
    await clientSends({ from: phone, text: "hi" });
    await settle(phone);
    const [first] = await sentTo(phone);
    if (!first) throw new Error("no send");
    for (const s of ["delivered", "sent"] as const) expect((await postStatusFor(first, s)).status).toBe(200);
    await settle(phone);
    const [row] = await sql<{ status: string; delivered_at: string | null }>(
      "SELECT status, delivered_at FROM outbox_messages WHERE provider_message_id = $1",
      [first.id],
    );
    expect(row).toMatchObject({ status: "DELIVERED" });
    expect(row?.delivered_at).not.toBeNull();
  });
});
