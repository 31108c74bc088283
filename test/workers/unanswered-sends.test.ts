/**
 * Sends Graph never answered: the object was reset while Graph held the call, or Graph took the
 * send and its answer was lost. Graph's `/messages` has no idempotency key, so the object must not
 * simply send again: it waits for Meta's status webhook (which echoes our outbox id as
 * `biz_opaque_callback_data`) and sends again only when none comes within SEND_CONFIRM_WAIT_MS
 * (1 s in tests).
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { QUESTIONS } from "../../src/domain/questions.ts";
import { drainWithAlarms } from "../support/workers/chaos.ts";
import { sql } from "../support/workers/db.ts";
import {
  clientSends,
  failNextSends,
  postStatusFor,
  sentTo,
  graphCallsInFlight,
  setGraphLatency,
  settle,
  textsTo,
  uniquePhone,
  type RecordedSend,
} from "../support/workers/whatsapp.ts";

const stubFor = (phone: string) => env.LEAD_CONVERSATION.getByName(phone);
const WAIT_MS = Number(env.SEND_CONFIRM_WAIT_MS);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** The number's outbox rows as Postgres has them, in order. */
function outboxOf(phone: string) {
  return sql<{ id: string; status: string; provider_message_id: string | null }>(
    "SELECT o.id, o.status, o.provider_message_id FROM outbox_messages o JOIN leads l ON l.id = o.lead_id WHERE l.phone_e164 = $1 ORDER BY o.seq",
    [phone],
  );
}

/** Polls the emulator until it has recorded `count` sends to `phone` (bounded). */
async function untilSends(phone: string, count: number): Promise<RecordedSend[]> {
  for (let i = 0; i < 100; i++) {
    const sends = await sentTo(phone);
    if (sends.length >= count) return sends;
    await sleep(20);
  }
  throw new Error(`the emulator never recorded ${count} sends to ${phone}`);
}

function unconfirmedEvents(phone: string) {
  return sql("SELECT e.payload FROM system_events e JOIN leads l ON l.id = e.lead_id WHERE l.phone_e164 = $1 AND e.type = 'whatsapp.send_unconfirmed'", [phone]);
}

describe("a send whose answer is lost", () => {
  it("Graph takes it, the answer never comes, Meta's 'sent' status settles it: each reply goes out once", async () => {
    const phone = uniquePhone();
    await failNextSends(phone, 1, "lost_reply", "messages");
    await clientSends({ from: phone, text: "hi" });
    await settle(phone);

    // The welcome reached Graph; the object never heard, so it holds the next reply back.
    const [welcome] = await sentTo(phone);
    expect(await sentTo(phone)).toHaveLength(1);
    const state = await stubFor(phone).debugState();
    expect(state.sendsInDoubt.map((s) => s.outboxId)).toEqual([welcome?.body.biz_opaque_callback_data]);
    if (!welcome) throw new Error("no send");

    expect((await postStatusFor(welcome, "sent")).status).toBe(200);
    await settle(phone);
    expect(await textsTo(phone)).toEqual([expect.stringMatching(/a few (quick|short) questions/), renderCopy(QUESTIONS[0]?.copyKey ?? "consultation.welcome")]);
    const rows = await outboxOf(phone);
    expect(rows.map((r) => r.status)).toEqual(["SENT", "SENT"]);
    expect(rows[0]).toMatchObject({ id: welcome.body.biz_opaque_callback_data, provider_message_id: welcome.id });
    expect((await stubFor(phone).debugState()).sendsInDoubt).toEqual([]);

    // Long past the wait: nothing is sent again.
    await sleep(WAIT_MS + 100);
    await drainWithAlarms(phone);
    expect(await sentTo(phone)).toHaveLength(2);
    expect(await unconfirmedEvents(phone)).toHaveLength(0);
  });

  it("the status lands in another number's object (as an artist message's does): Postgres settles it, no second copy", async () => {
    const phone = uniquePhone();
    const elsewhere = uniquePhone();
    await failNextSends(phone, 1, "lost_reply", "messages");
    await clientSends({ from: phone, text: "hi" });
    await settle(phone);
    const [welcome] = await untilSends(phone, 1);
    if (!welcome) throw new Error("no send");

    // Routed by its recipient to another object, which records it against the row in Postgres.
    expect((await postStatusFor(welcome, "delivered", elsewhere)).status).toBe(200);
    await settle(elsewhere);
    expect(await outboxOf(phone)).toEqual([
      expect.objectContaining({ status: "DELIVERED", provider_message_id: welcome.id }),
      expect.objectContaining({ status: "PENDING" }),
    ]);
    // The lead's object looks again at its alarm and moves on without resending.
    await drainWithAlarms(phone);
    expect((await sentTo(phone)).map((s) => s.body.biz_opaque_callback_data)).toEqual((await outboxOf(phone)).map((r) => r.id));
    expect((await outboxOf(phone)).map((r) => r.status)).toEqual(["DELIVERED", "SENT"]);
    expect(await unconfirmedEvents(phone)).toHaveLength(0);
  });

  it("Graph never took it (a timeout) and no status comes: sent again once the wait is over, and recorded", async () => {
    const phone = uniquePhone();
    await failNextSends(phone, 1, "timeout", "messages");
    const started = Date.now();
    await clientSends({ from: phone, text: "hi" });
    await settle(phone);
    expect(await sentTo(phone)).toHaveLength(0);
    expect((await stubFor(phone).debugState()).sendsInDoubt).toHaveLength(1);

    await drainWithAlarms(phone);
    const sends = await sentTo(phone);
    expect(sends).toHaveLength(2);
    expect(new Set(sends.map((s) => s.body.biz_opaque_callback_data)).size).toBe(2);
    // Not before the wait was over.
    const [event] = await unconfirmedEvents(phone);
    expect(Number((event?.payload as { waited_ms?: number } | undefined)?.waited_ms)).toBeGreaterThanOrEqual(WAIT_MS);
    expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS);
  });
});

describe("an object reset while Graph holds its send", () => {
  it("the send went out before the reset took the answer: Meta's status settles it, no second copy", async () => {
    const phone = uniquePhone();
    await setGraphLatency(phone, 400);
    await clientSends({ from: phone, text: "hi" });
    // Once the welcome's Graph call is in flight, reset the object the way a crash or a deploy does.
    await vi.waitFor(async () => expect(await graphCallsInFlight(phone)).toBe(1), { timeout: 10_000, interval: 20 });
    await stubFor(phone)
      .evictForBench()
      .catch(() => undefined);
    const [welcome] = await untilSends(phone, 1);
    await setGraphLatency(phone, 0);
    if (!welcome) throw new Error("no send");
    // The restarted object knows a send started and never heard how it ended.
    expect((await stubFor(phone).debugState()).sendsInDoubt.map((s) => s.outboxId)).toEqual([welcome.body.biz_opaque_callback_data]);
    expect((await postStatusFor(welcome, "sent")).status).toBe(200);
    await settle(phone);
    await drainWithAlarms(phone);

    const sends = await sentTo(phone);
    const rows = await outboxOf(phone);
    expect(sends.map((s) => s.body.biz_opaque_callback_data)).toEqual(rows.map((r) => r.id));
    expect(rows.map((r) => r.status)).toEqual(["SENT", "SENT"]);
    expect(await unconfirmedEvents(phone)).toHaveLength(0);
  });
});

describe("an object reset with a reply owed, then only a status arrives", () => {
  it("the status does not put it to sleep: the owed reply still goes out", async () => {
    const phone = uniquePhone();
    await clientSends({ from: phone, text: "hi" });
    await settle(phone);
    const [welcome] = await sentTo(phone);
    if (!welcome) throw new Error("no send");
    // The next reply's send times out: it waits (in doubt) for Meta's word; then the object is reset.
    await failNextSends(phone, 1, "timeout", "messages");
    await clientSends({ from: phone, text: "a koi fish" });
    await settle(phone);
    expect(await sentTo(phone)).toHaveLength(2);
    expect((await stubFor(phone).debugState()).sendsInDoubt).toHaveLength(1);
    await stubFor(phone)
      .evictForBench()
      .catch(() => undefined);
    // The restarted object's first work is a status for an earlier send: it needs no lead.
    expect((await postStatusFor(welcome, "delivered")).status).toBe(200);
    await settle(phone);
    // It went back to waiting for the owed reply (alarm set), not to sleep for good.
    const state = await stubFor(phone).debugState();
    expect(state.pendingOutbox).toBe(1);
    expect(state.alarm).not.toBeNull();
    const sends = await untilSends(phone, 3);
    expect(sends.map((s) => s.body.biz_opaque_callback_data)).toEqual((await outboxOf(phone)).map((r) => r.id));
  });
});
