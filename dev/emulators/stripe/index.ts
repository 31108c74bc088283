/**
 * Stripe emulator for the local stack and the tests (never bundled into the Worker).
 *
 * Serves the API calls Inkline makes under `/v1` (Checkout Sessions: create, retrieve, expire;
 * refunds) in Stripe's shapes, with Bearer auth, Stripe's idempotency-key semantics and fault
 * injection; a hosted checkout page at each session's `url` whose Pay and Cancel buttons behave
 * like Stripe's (webhooks signed with the real SDK's `generateTestHeaderString`); expires open
 * sessions when their time is up; and the `/_emulator` control API and console. The Worker
 * reaches it through STRIPE_API_URL, handed to the SDK as host/port/protocol.
 */
import { handleApi } from "./api.ts";
import { handleCheckout } from "./checkout-page.ts";
import { handleControl } from "./control.ts";
import { listen, stripeError, type Reply } from "./http.ts";
import { expireDue, paySession, type PayMethod } from "./operations.ts";
import { StripeState, type EventRecord, type FailureMode, type Operation, type RefundObject, type RequestRecord, type SessionObject } from "./state.ts";
import { signPayload, Webhooks } from "./webhooks.ts";

export type { EventRecord, FailureMode, Operation, RefundObject, RequestRecord, SessionObject } from "./state.ts";
export { signPayload } from "./webhooks.ts";

export interface StripeEmulatorOptions {
  /** 0 = any free port. Listens on 127.0.0.1 only. */
  port: number;
  /** The secret key the Worker must send (Bearer); anything else is a 401. */
  secretKey: string;
  /** Signs webhooks (the Worker's STRIPE_WEBHOOK_SECRET). */
  webhookSecret: string;
  /** The Worker's `POST /webhooks/stripe`; without it events are kept for tests to pick up. */
  webhookUrl?: string;
  /** How often open sessions past their expires_at are expired (ms; default 5 s, 0 = never). */
  expiryCheckMs?: number;
}

export interface RunningStripeEmulator {
  /** `http://127.0.0.1:<port>`: STRIPE_API_URL. */
  url: string;
  port: number;
  sessions(): SessionObject[];
  requests(): RequestRecord[];
  refunds(): RefundObject[];
  events(): EventRecord[];
  /** Pays a session as its checkout page's Pay button does; returns the events sent. */
  pay(sessionId: string, method?: PayMethod): EventRecord[];
  /** Signs a payload as Stripe would sign a delivery now. */
  sign(payload: string): string;
  setWebhookUrl(url: string | undefined): void;
  failNext(count: number, mode: FailureMode, only?: Operation): void;
  reset(): void;
  /** Waits for webhook deliveries in flight. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the emulator and resolves once it is listening. */
export async function startStripeEmulator(options: StripeEmulatorOptions): Promise<RunningStripeEmulator> {
  const state = new StripeState();
  const settings = { webhookUrl: options.webhookUrl, webhookSecret: options.webhookSecret };
  const webhooks = new Webhooks(state, settings);
  let baseUrl = "";
  let releaseHeld = (): void => undefined;
  const ctx = { state, webhooks, settings, secretKey: options.secretKey, baseUrl: () => baseUrl, releaseHeld: () => releaseHeld() };

  const route = (req: Parameters<typeof handleApi>[1]): Promise<Reply> => {
    if (req.url.pathname.startsWith("/v1/")) return Promise.resolve(handleApi(ctx, req));
    return Promise.resolve(handleCheckout(ctx, req) ?? handleControl(ctx, req) ?? stripeError(404, "invalid_request_error", `no route ${req.method} ${req.url.pathname}`));
  };
  const server = await listen(options.port, route);
  baseUrl = `http://127.0.0.1:${server.port}`;
  releaseHeld = () => server.releaseHeld();
  const every = options.expiryCheckMs ?? 5_000;
  const timer = every > 0 ? setInterval(() => expireDue(ctx), every) : null;
  timer?.unref();
  let closing: Promise<void> | undefined;

  return {
    url: baseUrl,
    port: server.port,
    sessions: () => [...state.sessions.values()].map((s) => s.session),
    requests: () => [...state.requests],
    refunds: () => [...state.refunds.values()],
    events: () => [...state.events],
    pay: (sessionId, method = "card") => {
      const paid = paySession(ctx, sessionId, method);
      if (!paid.ok) throw new Error(`stripe emulator: session ${sessionId} cannot be paid`);
      return paid.value;
    },
    sign: (payload) => signPayload(payload, settings.webhookSecret),
    setWebhookUrl: (url) => {
      settings.webhookUrl = url;
    },
    failNext: (count, mode, only) => state.armFailures(count, mode, only ?? null),
    reset: () => {
      state.reset();
      server.releaseHeld();
    },
    settle: () => webhooks.settle(),
    close: () =>
      (closing ??= (async () => {
        if (timer) clearInterval(timer);
        await webhooks.close();
        await server.close();
      })()),
  };
}
