/**
 * The DatabaseGate object (durable-objects/database-gate.ts) through its real RPC: at most
 * DATABASE_OBJECT_PERMITS permits out (8 in the tests), callers beyond that wait in line and get
 * theirs in order as permits come back, leases run out, a reset gate starts afresh and fails the
 * calls that waited, and a number's object turned away keeps its message for later.
 */
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DATABASE_GATE_NAME, type PermitAnswer } from "../../durable-objects/database-gate.ts";
import { PERMIT_LEASE_MS, PERMIT_WAIT_MS } from "../../src/lib/permits.ts";
import { ADMIN_KEY } from "../support/workers/artist.ts";
import { clientSends, sentTo, settle, uniquePhone } from "../support/workers/whatsapp.ts";

const LIMIT = Number(env.DATABASE_OBJECT_PERMITS);
/** A gate of the test's own, so no other test's objects hold its permits. */
const freshGate = () => env.DATABASE_GATE.getByName(`gate-test-${crypto.randomUUID()}`);
const holders = (n: number, prefix = "h") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Fills `gate` with LIMIT holders, all granted at once. */
async function fill(gate: ReturnType<typeof freshGate>, now: number, prefix = "h"): Promise<string[]> {
  const names = holders(LIMIT, prefix);
  const answers = await Promise.all(names.map((h) => gate.acquire(h, now)));
  // The gate's clock is the callers' latest `now` moved on by the time since: a lease runs from about now.
  for (const a of answers) {
    expect(a.granted).toBe(true);
    if (a.granted) expect(a.expiresAt - (now + PERMIT_LEASE_MS)).toBeGreaterThanOrEqual(0);
    if (a.granted) expect(a.expiresAt - (now + PERMIT_LEASE_MS)).toBeLessThan(1_000);
  }
  return names;
}

/** Lets the gate's answers that are due arrive (a call granted by a release resolves right after it). */
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

/** Polls the gate until its state matches `expected` (bounded), then asserts it. */
async function gateReaches(gate: ReturnType<typeof freshGate>, expected: Record<string, number>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const state = await gate.state();
    if (Object.entries(expected).every(([k, v]) => state[k as keyof typeof state] === v)) break;
    await tick();
  }
  expect(await gate.state()).toMatchObject(expected);
}

describe("DatabaseGate", () => {
  it(`hands out ${LIMIT} permits, then makes callers wait and serves them first come, first served`, async () => {
    const gate = freshGate();
    const now = Date.now();
    const [first, second, third] = await fill(gate, now);
    const order: string[] = [];
    const waiting = ["w1", "w2", "w3"].map((h) => gate.acquire(h, now).then((a: PermitAnswer) => (order.push(h), a)));
    await tick();
    expect(await gate.state(now)).toMatchObject({ limit: LIMIT, held: LIMIT, waiting: 3 });
    expect(order).toEqual([]);

    await gate.release(third ?? "", now);
    await tick();
    expect(order).toEqual(["w1"]);
    await gate.release(first ?? "", now);
    await gate.release(second ?? "", now);
    const answers = await Promise.all(waiting);
    expect(order).toEqual(["w1", "w2", "w3"]);
    for (const a of answers) expect(a.granted).toBe(true);
    expect(await gate.state(now)).toMatchObject({ held: LIMIT, waiting: 0 });
  });

  it("a caller coming back after being turned away takes back its place: served before later arrivals", async () => {
    const gate = freshGate();
    const now = Date.now();
    const [first, second] = await fill(gate, now);
    const order: string[] = [];
    const late = ["w1", "w2"].map((h) => gate.acquire(h, now).then((a: PermitAnswer) => (order.push(h), a)));
    await tick();
    // "back" first asked 8 s ago, was told to come back later, and asks again now.
    const back = gate.acquire("back", now, now - 8_000).then((a: PermitAnswer) => (order.push("back"), a));
    await tick();
    expect(await gate.state(now)).toMatchObject({ held: LIMIT, waiting: 3 });
    await gate.release(first ?? "", now);
    await tick();
    expect(order).toEqual(["back"]);
    await gate.release(second ?? "", now);
    await tick();
    expect(order).toEqual(["back", "w1"]);
    expect((await back).granted).toBe(true);
    await gate.release("back", now);
    expect((await Promise.all(late)).every((a) => a.granted)).toBe(true);
  });

  it("asking again while holding renews the permit instead of taking a second; a release by a non-holder frees nothing", async () => {
    const gate = freshGate();
    const now = Date.now();
    await gate.acquire("object-a", now);
    expect(await gate.acquire("object-a", now + 1_000)).toMatchObject({ granted: true, expiresAt: now + 1_000 + PERMIT_LEASE_MS });
    expect(await gate.state(now + 1_000)).toMatchObject({ held: 1, waiting: 0 });

    const others = await Promise.all(holders(LIMIT - 1, "x").map((h) => gate.acquire(h, now + 1_000)));
    for (const a of others) expect(a.granted).toBe(true);
    await gate.release("stranger", now + 2_000);
    expect(await gate.state(now + 2_000)).toMatchObject({ held: LIMIT, waiting: 0 });
  });

  it("a holder that never gives its permit back loses it when the lease runs out, to the first in line", async () => {
    const gate = freshGate();
    const now = Date.now();
    await fill(gate, now);
    const waiter = gate.acquire("next", now + 1);
    await tick();
    expect(await gate.state(now + PERMIT_LEASE_MS - 1)).toMatchObject({ held: LIMIT, waiting: 1 });
    // Time moves on past the leases (the callers' clock; the gate's follows it).
    const later = now + PERMIT_LEASE_MS + 1_000;
    expect(await gate.state(later)).toMatchObject({ held: 1, waiting: 0 });
    expect(await waiter).toMatchObject({ granted: true, expiresAt: later + PERMIT_LEASE_MS });
  });

  it(
    `a caller in line is told to come back later after ${PERMIT_WAIT_MS / 1000} s, never left hanging`,
    async () => {
      const gate = freshGate();
      const now = Date.now();
      await fill(gate, now);
      const started = Date.now();
      const answer = await gate.acquire("patient", now);
      expect(answer.granted).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(PERMIT_WAIT_MS - 100);
      expect(await gate.state()).toMatchObject({ held: LIMIT, waiting: 0 });
    },
    PERMIT_WAIT_MS + 5_000,
  );

  it("a reset gate starts afresh: the calls that were waiting fail (their objects retry from the alarm), holders ask again", async () => {
    const name = `gate-test-${crypto.randomUUID()}`;
    const gate = env.DATABASE_GATE.getByName(name);
    const now = Date.now();
    await fill(gate, now);
    const waiting = gate.acquire("waiter", now).then(
      () => "answered",
      () => "failed",
    );
    await tick();
    // Reset the way a crash or a deploy does: memory gone, storage kept.
    await runInDurableObject(gate, (_gate, state) => state.abort("test: gate reset")).catch(() => undefined);
    expect(await waiting).toBe("failed");
    const again = env.DATABASE_GATE.getByName(name);
    expect(await again.state(now)).toMatchObject({ held: 0, waiting: 0 });
    // A holder still at work renews into the new gate; its release then frees its permit.
    expect(await again.acquire("h0", now)).toMatchObject({ granted: true });
    await again.release("h0", now);
    expect(await again.state(now)).toMatchObject({ held: 0 });
  });
});

describe("a number's object and the gate", () => {
  it("waits its turn while every permit is out, keeps the message, and answers it once a permit comes back", async () => {
    const gate = env.DATABASE_GATE.getByName(DATABASE_GATE_NAME);
    const now = Date.now();
    const squatters = holders(LIMIT, `squatter-${crypto.randomUUID().slice(0, 8)}-`);
    try {
      for (const h of squatters) expect(await gate.acquire(h, now)).toMatchObject({ granted: true });
      const phone = uniquePhone();
      const { response } = await clientSends({ from: phone, name: "Kim", text: "hi" });
      expect(response.status).toBe(200);
      await gateReaches(gate, { held: LIMIT, waiting: 1 });
      // The admin sees the line on /ready.
      const ready = await SELF.fetch("https://inkline.test/ready", { headers: { "X-Admin-API-Key": ADMIN_KEY } });
      expect(await ready.json()).toMatchObject({ ok: true, database_gate: { limit: LIMIT, held: LIMIT, waiting: 1 } });
      expect(await sentTo(phone)).toEqual([]);

      await gate.release(squatters.pop() ?? "", Date.now());
      await settle(phone);
      expect((await sentTo(phone)).length).toBeGreaterThan(0);
      // The object gave its permit back when its drain went idle.
      await gateReaches(gate, { held: LIMIT - 1, waiting: 0 });
    } finally {
      for (const h of squatters) await gate.release(h, Date.now());
    }
  });

  it(
    "turned away by a full gate, the object keeps the message and its alarm brings it back",
    async () => {
      const gate = env.DATABASE_GATE.getByName(DATABASE_GATE_NAME);
      const squatters = holders(LIMIT, `squatter-${crypto.randomUUID().slice(0, 8)}-`);
      try {
        for (const h of squatters) await gate.acquire(h, Date.now());
        const phone = uniquePhone();
        await clientSends({ from: phone, name: "Kim", text: "hi" });
        const stub = env.LEAD_CONVERSATION.getByName(phone);
        // The drain waits out its time in line and is told to come back later.
        expect(await stub.settled()).toBe(1);
        const state = await stub.debugState();
        expect(state.inbox).toHaveLength(1);
        expect(state.alarm).not.toBeNull();
        expect(await sentTo(phone)).toEqual([]);

        for (const h of squatters.splice(0)) await gate.release(h, Date.now());
        await runDurableObjectAlarm(stub);
        expect(await stub.settled()).toBe(0);
        expect((await sentTo(phone)).length).toBeGreaterThan(0);
      } finally {
        for (const h of squatters) await gate.release(h, Date.now());
      }
    },
    PERMIT_WAIT_MS + 8_000,
  );
});
