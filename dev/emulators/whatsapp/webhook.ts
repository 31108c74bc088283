/**
 * Delivery of webhooks to the Worker: signed POSTs of raw envelope bodies, each recorded with the
 * Worker's answer, and the optional "sent" then "delivered" status updates after a send. Status
 * deliveries run in the background (Meta sends them after answering the send), so they are
 * tracked and aborted on close rather than left floating.
 */
import { signBody, statusEnvelope, statusUpdate, type BusinessIdentity, type StatusUpdate } from "./envelope.ts";
import type { EmulatorState, RecordedSend, WebhookDelivery, WebhookOutcome } from "./state.ts";

/** Settings the control API and Node accessors may change while the emulator runs. */
export interface WebhookConfig {
  webhookUrl: string | undefined;
  sendStatusWebhooks: boolean;
  appSecret: string;
}

/** How long the emulator waits for the Worker to answer a webhook before recording a failure. */
const WEBHOOK_TIMEOUT_MS = 15_000;
/** Gap before each background status update: after the send's response, like Meta. */
const STATUS_DELAY_MS = 25;
/**
 * Redeliveries of a status the Worker did not take (Meta keeps trying for days; the emulator, for
 * about a minute and a half: 100 ms doubling to 8 s between tries).
 */
const STATUS_RETRIES = 16;
const STATUS_RETRY_MAX_MS = 8_000;

/** Posts webhooks to the configured URL and records every delivery in the state. */
export class WebhookSender {
  #state: EmulatorState;
  #business: BusinessIdentity;
  #config: WebhookConfig;
  #pending = new Set<Promise<void>>();
  #abort = new AbortController();

  constructor(state: EmulatorState, business: BusinessIdentity, config: WebhookConfig) {
    this.#state = state;
    this.#business = business;
    this.#config = config;
  }

  /**
   * POSTs `rawBody` to the webhook URL, signed with the app secret unless `signature` overrides
   * it (`null` sends no signature header at all). Never throws: failures become the outcome.
   */
  async post(kind: WebhookDelivery["kind"], rawBody: string, signature?: string | null): Promise<WebhookOutcome> {
    const url = this.#config.webhookUrl;
    const outcome = url === undefined ? { status: null, body: "", error: "no webhook URL configured" } : await this.#send(url, rawBody, signature);
    this.#state.deliveries.push({ seq: this.#state.nextSeq(), kind, at: this.#state.isoNow(), payload: rawBody, outcome });
    return outcome;
  }

  async #send(url: string, rawBody: string, signature: string | null | undefined): Promise<WebhookOutcome> {
    const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "facebookexternalua" };
    const header = signature === undefined ? signBody(rawBody, this.#config.appSecret) : signature;
    if (header !== null) headers["x-hub-signature-256"] = header;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers,
        body: rawBody,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      return { status: null, body: "", error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Posts one status update for a recorded send and notes it on the send. */
  async postStatus(send: RecordedSend, status: StatusUpdate["status"], errors?: StatusUpdate["errors"]): Promise<WebhookOutcome> {
    send.statuses.push(status);
    return this.post("status", statusEnvelope(this.#business, statusUpdate(send, status, this.#state.now(), errors)));
  }

  /** After a successful send: "sent" then "delivered", in the background, when enabled. */
  afterSend(send: RecordedSend): void {
    if (!this.#config.sendStatusWebhooks || this.#config.webhookUrl === undefined) return;
    // Deliveries record their own failures; the catch only guards against a bug escaping.
    const task = this.#statusSequence(send)
      .catch((error: unknown) => console.error("whatsapp emulator: status webhook task failed", error))
      .finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }

  async #statusSequence(send: RecordedSend): Promise<void> {
    for (const status of ["sent", "delivered"] as const) {
      await delay(STATUS_DELAY_MS, this.#abort.signal);
      send.statuses.push(status);
      const body = statusEnvelope(this.#business, statusUpdate(send, status, this.#state.now()));
      // Like Meta, a status the Worker does not answer with 200 is posted again, with backoff.
      for (let attempt = 0; !this.#abort.signal.aborted; attempt++) {
        const outcome = await this.post("status", body);
        if (outcome.status === 200 || attempt >= STATUS_RETRIES) break;
        await delay(Math.min(STATUS_RETRY_MAX_MS, STATUS_DELAY_MS * 2 ** (attempt + 2)), this.#abort.signal);
      }
      if (this.#abort.signal.aborted) return;
    }
  }

  /** Waits for background status deliveries still in flight. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  /** Aborts in-flight deliveries and waits for them to finish. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.settle();
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
