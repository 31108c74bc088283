/**
 * The Stripe emulator, driven by the real Stripe SDK (as the Worker drives it): Stripe's shapes,
 * Bearer auth, idempotency keys (same key → same answer; other parameters → idempotency_error),
 * fault injection, the hosted checkout page whose Pay sends a webhook the SDK verifies, refunds,
 * and expiry when a session's time is up.
 */
import { createServer, type Server } from "node:http";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startStripeEmulator, type RunningStripeEmulator } from "../../dev/emulators/stripe/index.ts";

const SECRET = "sk_test_emulator_unit";
const WHSEC = "whsec_emulator_unit";

let emulator: RunningStripeEmulator;
let stripe: Stripe;
let receiver: Server;
const received: { body: string; signature: string }[] = [];
let receiverUrl = "";

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ body: Buffer.concat(chunks).toString("utf8"), signature: String(req.headers["stripe-signature"]) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/webhooks/stripe`;
  emulator = await startStripeEmulator({ port: 0, secretKey: SECRET, webhookSecret: WHSEC, webhookUrl: receiverUrl, expiryCheckMs: 0 });
  const url = new URL(emulator.url);
  stripe = new Stripe(SECRET, { host: url.hostname, port: Number(url.port), protocol: "http", maxNetworkRetries: 2 });
});

afterAll(async () => {
  await emulator.close();
  await new Promise((resolve) => receiver.close(resolve));
});

afterEach(() => {
  emulator.reset();
  received.length = 0;
});

const params = (overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams => ({
  mode: "payment",
  client_reference_id: "lead-1",
  metadata: { lead_id: "lead-1" },
  line_items: [{ quantity: 1, price_data: { currency: "gbp", unit_amount: 10_000, product_data: { name: "Tattoo deposit" } } }],
  expires_at: Math.floor(Date.now() / 1000) + 3600,
  success_url: "https://inkline.test/deposit/paid?session_id={CHECKOUT_SESSION_ID}",
  cancel_url: "https://inkline.test/deposit/cancelled",
  ...overrides,
});

describe("the API, as the SDK sees it", () => {
  it("creates and retrieves a Checkout Session in Stripe's shape", async () => {
    const session = await stripe.checkout.sessions.create(params(), { idempotencyKey: "k-create" });
    expect(session).toMatchObject({ object: "checkout.session", status: "open", payment_status: "unpaid", amount_total: 10_000, currency: "gbp", client_reference_id: "lead-1", mode: "payment" });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${emulator.url}/checkout/${session.id}`);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ id: session.id, status: "open" });
  });

  it("idempotency: the same key and parameters replay the first answer; other parameters are an idempotency_error", async () => {
    const first = await stripe.checkout.sessions.create(params(), { idempotencyKey: "k-same" });
    const again = await stripe.checkout.sessions.create(params(), { idempotencyKey: "k-same" });
    expect(again.id).toBe(first.id);
    expect(emulator.sessions()).toHaveLength(1);
    expect(emulator.requests().map((r) => r.replayed)).toEqual([false, true]);
    await expect(stripe.checkout.sessions.create(params({ client_reference_id: "lead-2" }), { idempotencyKey: "k-same" })).rejects.toMatchObject({
      type: "StripeIdempotencyError",
      statusCode: 400,
    });
  });

  it("an injected 500 is retried by the SDK with the same key: one session", async () => {
    emulator.failNext(1, "500", "create_session");
    await stripe.checkout.sessions.create(params(), { idempotencyKey: "k-retry" });
    expect(emulator.requests().map((r) => [r.status, r.idempotency_key, r.injected])).toEqual([
      [500, "k-retry", true],
      [200, "k-retry", false],
    ]);
    expect(emulator.sessions()).toHaveLength(1);
  });

  it("refuses a wrong key (401) and an expires_at outside 30 minutes to 24 hours (400)", async () => {
    const url = new URL(emulator.url);
    const wrong = new Stripe("sk_test_wrong", { host: url.hostname, port: Number(url.port), protocol: "http", maxNetworkRetries: 0 });
    await expect(wrong.checkout.sessions.create(params())).rejects.toMatchObject({ statusCode: 401 });
    const soon = Math.floor(Date.now() / 1000) + 600;
    await expect(stripe.checkout.sessions.create(params({ expires_at: soon }))).rejects.toMatchObject({ statusCode: 400, param: "expires_at" });
    await expect(stripe.checkout.sessions.create(params({ expires_at: soon + 25 * 3600 }))).rejects.toMatchObject({ statusCode: 400, param: "expires_at" });
  });
});

describe("the hosted checkout page", () => {
  it("Pay completes the session, sends checkout.session.completed signed as Stripe signs it, and returns to success_url", async () => {
    const session = await stripe.checkout.sessions.create(params());
    const page = await fetch(session.url ?? "");
    expect(await page.text()).toContain("£100.00");
    const paid = await fetch(`${emulator.url}/checkout/${session.id}/pay`, { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`https://inkline.test/deposit/paid?session_id=${session.id}`);
    await emulator.settle();
    expect(received).toHaveLength(1);
    const event = stripe.webhooks.constructEvent(received[0]?.body ?? "", received[0]?.signature ?? "", WHSEC);
    expect(event.type).toBe("checkout.session.completed");
    expect(event.data.object).toMatchObject({ id: session.id, status: "complete", payment_status: "paid", client_reference_id: "lead-1" });
    expect(() => stripe.webhooks.constructEvent(received[0]?.body ?? "", received[0]?.signature ?? "", "whsec_other")).toThrow();
    expect((await stripe.checkout.sessions.retrieve(session.id)).payment_intent).toMatch(/^pi_/);
  });

  it("Cancel returns to cancel_url and leaves the session open", async () => {
    const session = await stripe.checkout.sessions.create(params());
    const cancelled = await fetch(`${emulator.url}/checkout/${session.id}/cancel`, { method: "POST", redirect: "manual" });
    expect(cancelled.headers.get("location")).toBe("https://inkline.test/deposit/cancelled");
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
  });
});

describe("refunds and expiry", () => {
  it("refunds part then the rest by payment intent; charge.refunded carries the running total; more is refused", async () => {
    const session = await stripe.checkout.sessions.create(params());
    emulator.pay(session.id);
    const found = (await stripe.checkout.sessions.retrieve(session.id)).payment_intent;
    const intent = typeof found === "string" ? found : (found?.id ?? "");
    expect(await stripe.refunds.create({ payment_intent: intent, amount: 4_000 }, { idempotencyKey: "r-1" })).toMatchObject({ object: "refund", amount: 4_000, status: "succeeded" });
    expect((await stripe.refunds.create({ payment_intent: intent }, { idempotencyKey: "r-2" })).amount).toBe(6_000);
    await expect(stripe.refunds.create({ payment_intent: intent, amount: 1 })).rejects.toMatchObject({ statusCode: 400, code: "charge_already_refunded" });
    const totals = emulator
      .events()
      .filter((e) => e.type === "charge.refunded")
      .map((e) => (JSON.parse(e.payload) as { data: { object: { amount_refunded: number } } }).data.object.amount_refunded);
    expect(totals).toEqual([4_000, 10_000]);
  });

  it("expire: an open session expires (and says so by webhook); a paid one cannot", async () => {
    const open = await stripe.checkout.sessions.create(params());
    expect(await stripe.checkout.sessions.expire(open.id)).toMatchObject({ status: "expired", url: null });
    const paid = await stripe.checkout.sessions.create(params());
    emulator.pay(paid.id);
    await expect(stripe.checkout.sessions.expire(paid.id)).rejects.toMatchObject({ statusCode: 400 });
    await emulator.settle();
    expect(received.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(["checkout.session.expired", "checkout.session.completed"]);
  });
});
