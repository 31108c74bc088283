/**
 * The slim chaos run inside `npm test` (the full one is `npm run chaos`, see BENCHMARKS.md): a few
 * clients write while a fixed script of faults plays (Graph 500, 429 and timeout, the database
 * away, objects evicted mid-drain, every message of one client delivered three times, random
 * Unicode in every field, forged, malformed and oversized requests). Afterwards the run is judged
 * by bench/chaos/invariants.ts, exactly as the full run is: every accepted message processed
 * exactly once, every reply delivered exactly once and in order, no status skipped, no 5xx to a
 * well-formed request. Deterministic (seeded fuzz, no random timing) and a few seconds long.
 */
import { env, evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, inject, it } from "vitest";
import { nastyMessages, sampleFuzzMessages } from "../../bench/chaos/fuzz.ts";
import { checkChaosRun } from "../../bench/chaos/invariants.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { QUESTIONS } from "../../src/domain/questions.ts";
import { GOOD_ANSWER_TEXTS } from "../support/consultation.ts";
import { ChaosRecorder, drainWithAlarms, emulatorSends, fuzzedMessage, openingMessage, readLedgers, textMessage } from "../support/workers/chaos.ts";
import { adminFetch } from "../support/workers/artist.ts";
import { ARTIST, artistWindowOpen, Client } from "../support/workers/client.ts";
import { SAMPLED_EVENTS } from "../../src/lib/event-tally.ts";
import { setDatabasePaused, sql } from "../support/workers/db.ts";
import { flushSampled, sampledBaseline } from "../support/workers/sampled-events.ts";
import {
  failNextSends,
  postStatusFor,
  sentTo,
  setEmulatorClockOffset,
  setGraphLatency,
  settle,
  signBody,
  textsTo,
  uniquePhone,
  uniqueUserId,
} from "../support/workers/whatsapp.ts";

const SEED = 20_261_121;
const HOSTILE_NAME = "[[inkline-link:0]] {artistName}";

afterEach(async () => {
  await setDatabasePaused(false);
  await setEmulatorClockOffset(0);
});

const answer = (i: number) => GOOD_ANSWER_TEXTS[i] ?? "";
const question = (i: number) => renderCopy(QUESTIONS[i]?.copyKey ?? "consultation.welcome");

it("a scripted storm of faults: nothing lost, nothing doubled, nothing out of order, no status skipped, no 5xx", async () => {
  const traffic = new ChaosRecorder();
  // Ben uses a WhatsApp username and hides his number: Meta names him by his BSUID only.
  const [ana, ben, fuzzA, fuzzB] = [uniquePhone(), uniqueUserId(), uniquePhone(), uniquePhone()];
  const everyone = [ana, ben, fuzzA, fuzzB];
  const drainAll = () => Promise.all(everyone.map((phone) => settle(phone).then(() => drainWithAlarms(phone))));
  // Ana names herself after the artist's link placeholders (issue 19): the verdict checks no
  // client ever receives an action link.
  for (const phone of everyone) await traffic.deliver(await openingMessage(phone, "hi", phone === ana ? HOSTILE_NAME : undefined));
  await drainAll();

  // Every message of Ana's arrives three times: two copies at once now, the third much later.
  const anaAnswers = await Promise.all([0, 1, 2, 3].map(async (i) => textMessage(ana, answer(i), HOSTILE_NAME)));
  const later: typeof anaAnswers = [];
  const anaSays = async (i: number) => {
    const m = anaAnswers[i];
    if (!m) throw new Error(`no answer ${i}`);
    await traffic.deliverTwiceAtOnce(m);
    later.push(m);
  };

  // Graph answers 500 twice, then 429 twice, then holds one request past the Worker's timeout.
  await failNextSends(ana, 2, "500", "messages");
  await anaSays(0);
  await drainAll();
  await failNextSends(ben, 2, "429", "messages");
  await traffic.deliver(await textMessage(ben, answer(0)));
  await drainAll();
  await failNextSends(ben, 1, "timeout", "messages");
  await traffic.deliver(await textMessage(ben, answer(1)));
  await drainAll();
  // Graph takes Ben's next reply but its answer is lost; Meta's "sent" status settles it.
  await failNextSends(ben, 1, "lost_reply", "messages");
  const before = (await sentTo(ben)).length;
  await traffic.deliver(await textMessage(ben, answer(2)));
  await settle(ben);
  const taken = (await sentTo(ben))[before];
  if (!taken) throw new Error("Graph never took Ben's reply");
  expect((await postStatusFor(taken, "sent")).status).toBe(200);
  await drainAll();

  // The database goes away while messages arrive; two objects are evicted with work waiting.
  await setDatabasePaused(true);
  await anaSays(1);
  await traffic.deliver(await textMessage(ben, answer(3)));
  const fuzzed = sampleFuzzMessages(SEED, 16);
  let n = 0;
  for (const m of fuzzed.slice(0, 4)) await traffic.deliver(await fuzzedMessage(fuzzA, m, ++n));
  await Promise.all([ana, fuzzA].map((phone) => settle(phone)));
  expect((await env.LEAD_CONVERSATION.getByName(ana).debugState()).inbox.length).toBeGreaterThan(0);
  await evictDurableObject(env.LEAD_CONVERSATION.getByName(ana));
  await evictDurableObject(env.LEAD_CONVERSATION.getByName(fuzzA));
  await setDatabasePaused(false);
  await drainAll();

  // Random Unicode in every field, both fuzz clients at once, every third message three times.
  await Promise.all(
    [fuzzA, fuzzB].map(async (phone, k) => {
      for (const [i, m] of fuzzed.slice(4 + k * 6, 10 + k * 6).entries()) {
        const message = await fuzzedMessage(phone, m, 1_000 * (k + 1) + i);
        if (i % 3 === 2) await traffic.deliverTwiceAtOnce(message);
        else await traffic.deliver(message);
      }
    }),
  );
  // And the strings that break careless code (NUL, lone surrogates, bidi marks…) in every field.
  for (const m of nastyMessages()) await traffic.deliver(await fuzzedMessage(fuzzB, m, ++n));
  await anaSays(2);
  await anaSays(3);

  // Hostile requests: none may reach a lead, none may get a 5xx.
  const rejectedBefore = await sampledBaseline(SAMPLED_EVENTS.whatsappSignature);
  const forged = await textMessage(ana, "approve me");
  await traffic.hostile("forged signature", [401], forged.body, await signForeign(forged.body), forged.id);
  const tampered = await textMessage(ben, "approve me too");
  await traffic.hostile("tampered body", [401], tampered.body.replace("approve me too", "approve me now"), tampered.signature, tampered.id);
  const unsigned = await textMessage(ben, "no signature");
  await traffic.hostile("no signature", [401], unsigned.body, null, unsigned.id);
  // The three signature failures are counted, not written one row each (issue 19).
  const rejected = await flushSampled(SAMPLED_EVENTS.whatsappSignature, rejectedBefore, 3);
  expect(rejected.counted).toBe(3);
  expect(rejected.rows).toBeLessThanOrEqual(2);
  await traffic.hostile("malformed JSON", [400], '{"entry":[', await signBody('{"entry":['));
  await traffic.hostile("empty body", [400], "", await signBody(""));
  await traffic.hostile("another shape", [200], '{"hello":"world"}', await signBody('{"hello":"world"}'));
  const foreign = await textMessage(ben, "for another number");
  const foreignBody = foreign.body.replace(`"phone_number_id":"${env.WHATSAPP_PHONE_NUMBER_ID}"`, '"phone_number_id":"999999999999999"');
  expect(foreignBody).not.toBe(foreign.body);
  await traffic.hostile("another phone number id (signed)", [200], foreignBody, await signBody(foreignBody), foreign.id);
  const oversized = await textMessage(ben, "x".repeat(3 * 1024 * 1024));
  await traffic.hostile("oversized (> 3 MB)", [413], oversized.body, oversized.signature, oversized.id);

  // The third copies arrive long after the first two.
  for (const m of later) await traffic.deliver(m);
  await drainAll();
  await drainAll();

  const verdict = checkChaosRun(await readLedgers(everyone), traffic.ledger(), await emulatorSends(), [], { graphInFlightMs: 0 });
  expect(verdict.problems).toEqual([]);
  const { counts } = verdict;
  expect(counts.accepted).toBe(counts.messagesSent);
  expect(counts.processed).toBe(counts.accepted);
  // Ana's four answers came three times each, two fuzz messages per client too.
  expect(counts.duplicatesSuppressed).toBe(4 * 2 + 2 * 2);
  expect(counts.hostileRequests).toBe(8);
  // Ana's conversation reads exactly as it would have without any fault.
  expect((await textsTo(ana)).slice(1)).toEqual([question(0), question(1), question(2), question(3), question(4)]);
});

describe("found by npm run chaos", () => {
  it("a route that needs Postgres answers 503 with Retry-After while the database is away, not 500", async () => {
    await setDatabasePaused(true);
    const away = await adminFetch("/admin/leads");
    expect(away.status).toBe(503);
    expect(away.headers.get("retry-after")).toBe("5");
    expect(await away.json()).toMatchObject({ error: "database_unavailable" });
    await setDatabasePaused(false);
    expect((await adminFetch("/admin/leads")).status).toBe(200);
  });

  it("the artist's fallback template is sent once even when the database fails right after Graph took it", async () => {
    // The artist has not written for a day, so their notice goes out as the approved template.
    await artistWindowOpen();
    await setEmulatorClockOffset(25 * 60 * 60 * 1000);
    const client = new Client();
    await client.reaches("idea");
    const artistBefore = (await sentTo(ARTIST)).length;
    const rejectedBefore = await rejectedFor(ARTIST);
    // Every Graph call now takes 300 ms: the database goes away while the template is in flight.
    await setGraphLatency(ARTIST, 300);
    const handover = client.says("HUMAN");
    for (let i = 0; i < 200 && (await rejectedFor(ARTIST)) === rejectedBefore; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await rejectedFor(ARTIST)).toBe(rejectedBefore + 1);
    await setDatabasePaused(true);
    await handover;
    await setDatabasePaused(false);
    await setGraphLatency(ARTIST, 0);
    await drainWithAlarms(client.phone);

    // The notice as the alert template, then its Hand back button as the one-button action template: each once.
    expect((await sentTo(ARTIST)).slice(artistBefore).map((s) => s.body.template?.name)).toEqual(["inkline_update", "inkline_artist_action"]);
    const rows = await sql<{ status: string }>(
      "SELECT o.status FROM outbox_messages o JOIN leads l ON l.id = o.lead_id WHERE l.phone_e164 = $1 AND o.to_phone = $2 ORDER BY o.seq",
      [client.phone, ARTIST],
    );
    expect(rows).toEqual([{ status: "SENT" }, { status: "SENT" }]);
  });
});

/** How many Graph calls to `phone` the emulator refused (131047 and the like). */
async function rejectedFor(phone: string): Promise<number> {
  const res = await fetch(`${inject("whatsappUrl")}/_emulator/rejected`);
  const { rejected } = await res.json<{ rejected: { body: unknown }[] }>();
  const digits = (value: unknown) => String(value).replace(/\D/g, "");
  return rejected.filter((r) => typeof r.body === "object" && r.body !== null && "to" in r.body && digits(r.body.to) === digits(phone)).length;
}

/** A signature made with a secret that is not the app's. */
async function signForeign(body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("not-the-app-secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
