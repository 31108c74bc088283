/**
 * WhatsApp Cloud API emulator for the local stack and the tests (never bundled into the Worker).
 *
 * Serves the Graph endpoints the Worker calls (sends, media), records what it sent, plays the
 * client by posting Meta-shaped signed webhooks, fails on demand, and serves a chat page at `/`
 * for a person to play the client and a console at `/_emulator`. Tests inside workerd use the
 * `/_emulator/*` control API; Node-side code can use the accessors on {@link RunningWhatsAppEmulator}.
 */
import { deliverInbound, postRawWebhook, postStatus, type EmulatorContext, type InboundResult, type Outcome, type RawWebhookResult } from "./context.ts";
import type { StatusUpdate } from "./envelope.ts";
import { InboundSpec } from "./inbound.ts";
import { listen } from "./server.ts";
import { EmulatorState, type FailureMode, type InboundRecord, type ReadReceipt, type RecordedSend, type RejectedSend, type WebhookDelivery } from "./state.ts";
import { WebhookSender } from "./webhook.ts";

export type { InboundResult, RawWebhookResult } from "./context.ts";
export type { StatusUpdate } from "./envelope.ts";
export type { FailureMode, InboundRecord, ReadReceipt, RecordedSend, RejectedSend, WebhookDelivery } from "./state.ts";
export { InboundSpec } from "./inbound.ts";

/** How to start the emulator. */
export interface WhatsAppEmulatorOptions {
  /** 0 = any free port. The emulator listens on 127.0.0.1 only. */
  port: number;
  /** Signs inbound webhooks: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the exact raw body>`. */
  appSecret: string;
  /** The Bearer token the Worker must send; wrong or missing → 401 (Graph code 190). */
  accessToken: string;
  /** The business phone number id (the Graph path segment). */
  phoneNumberId: string;
  /** e.g. "+44 7700 900000"; envelopes carry it digits-only, as Meta does. */
  displayPhoneNumber: string;
  /** The Worker's `POST /webhooks/whatsapp`; can be changed later. */
  webhookUrl?: string;
  /** After a successful send, post "sent" then "delivered" status webhooks (default false). */
  sendStatusWebhooks?: boolean;
  /** WhatsApp Business Account id for `entry[].id` (default "102290129340398"). */
  wabaId?: string;
}

/** A running emulator. Accessors mirror the control API for Node-side tests and the dev runner. */
export interface RunningWhatsAppEmulator {
  /** `http://127.0.0.1:<port>`: the Worker's Graph base URL and the chat page. */
  url: string;
  port: number;
  setWebhookUrl(url: string): void;
  setSendStatusWebhooks(enabled: boolean): void;
  /** Accepted sends in order, optionally only those to one number (any format). */
  sends(to?: string): RecordedSend[];
  /** Graph calls answered with an error (auth, validation, window); injected faults excluded. */
  rejected(): RejectedSend[];
  /** Client messages generated so far, optionally from one number. */
  inboundMessages(from?: string): InboundRecord[];
  /** Every webhook POST the emulator made, with the Worker's answer. */
  deliveries(): WebhookDelivery[];
  /** "Mark as read" calls the Worker made. */
  reads(): ReadReceipt[];
  /** Plays the client (same spec as `POST /_emulator/inbound`); throws on a bad spec or no webhook URL. */
  inbound(spec: InboundSpec): Promise<InboundResult>;
  /** Posts a raw body, signed unless `signature` is given (`null` omits the header). */
  postRaw(body: string, signature?: string | null): Promise<RawWebhookResult>;
  /** Posts a status update for a recorded send. */
  postStatus(messageId: string, status: StatusUpdate["status"], errors?: StatusUpdate["errors"]): Promise<RawWebhookResult>;
  /** Makes the next `count` Graph calls fail in `mode`. */
  failNext(count: number, mode: FailureMode): void;
  /** Sets the emulator clock's offset from wall time. */
  setClockOffset(offsetMs: number): void;
  /** The emulator's clock, in ms since the epoch. */
  now(): number;
  /** Clears sends, failures, clock, conversations and media; drops held requests. */
  reset(): void;
  /** Waits for background status webhooks still in flight. */
  settle(): Promise<void>;
  /** Stops listening, drops held requests and in-flight webhooks. Safe to call twice. */
  close(): Promise<void>;
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`whatsapp emulator: ${outcome.reason}`);
  return outcome.value;
}

const digits = (value: string): string => value.replace(/\D/g, "");

/** Starts the emulator on 127.0.0.1 and resolves once it is listening. */
export async function startWhatsAppEmulator(options: WhatsAppEmulatorOptions): Promise<RunningWhatsAppEmulator> {
  const state = new EmulatorState();
  const business = {
    wabaId: options.wabaId ?? "102290129340398",
    phoneNumberId: options.phoneNumberId,
    displayPhoneNumber: digits(options.displayPhoneNumber),
  };
  const config = { webhookUrl: options.webhookUrl, sendStatusWebhooks: options.sendStatusWebhooks ?? false, appSecret: options.appSecret };
  const webhooks = new WebhookSender(state, business, config);
  let baseUrl = "";
  let releaseHeld = (): void => undefined;
  const ctx: EmulatorContext = {
    state,
    business,
    config,
    accessToken: options.accessToken,
    webhooks,
    baseUrl: () => baseUrl,
    releaseHeld: () => releaseHeld(),
  };

  const server = await listen(ctx, options.port);
  baseUrl = `http://127.0.0.1:${server.port}`;
  releaseHeld = () => server.releaseHeld();
  let closing: Promise<void> | undefined;

  return {
    url: baseUrl,
    port: server.port,
    setWebhookUrl: (url) => {
      config.webhookUrl = url;
    },
    setSendStatusWebhooks: (enabled) => {
      config.sendStatusWebhooks = enabled;
    },
    sends: (to) => (to === undefined ? [...state.sends] : state.sends.filter((s) => s.wa_id === digits(to))),
    rejected: () => [...state.rejected],
    inboundMessages: (from) => (from === undefined ? [...state.inbound] : state.inbound.filter((m) => m.from === digits(from))),
    deliveries: () => [...state.deliveries],
    reads: () => [...state.reads],
    inbound: async (spec) => unwrap(await deliverInbound(ctx, InboundSpec.parse(spec))),
    postRaw: async (body, signature) => unwrap(await postRawWebhook(ctx, body, signature)),
    postStatus: async (messageId, status, errors) => unwrap(await postStatus(ctx, messageId, status, errors)),
    failNext: (count, mode) => state.armFailures(count, mode),
    setClockOffset: (offsetMs) => {
      state.clockOffsetMs = offsetMs;
    },
    now: () => state.now(),
    reset: () => {
      state.reset();
      server.releaseHeld();
    },
    settle: () => webhooks.settle(),
    // Idempotent: a test may close early and an afterEach close again.
    close: () => (closing ??= webhooks.close().then(() => server.close())),
  };
}
