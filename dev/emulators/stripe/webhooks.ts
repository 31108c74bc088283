/**
 * Events and their delivery: each change the emulator makes (a session paid or expired, a charge
 * refunded) becomes an event in Stripe's envelope, kept for tests to read and, when a webhook URL
 * is set, POSTed to it in the background with a `Stripe-Signature` header made by the real SDK's
 * `generateTestHeaderString` (so the Worker verifies exactly what Stripe would send).
 */
import Stripe from "stripe";
import { stripeId, type DeliveryRecord, type EventRecord, type StripeState } from "./state.ts";

/** The events Inkline's endpoint is subscribed to; others are not sent (as with `enabled_events`). */
export const ENABLED_EVENTS = [
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "checkout.session.expired",
  "charge.refunded",
] as const;
export type EnabledEvent = (typeof ENABLED_EVENTS)[number];

export interface WebhookSettings {
  webhookUrl: string | undefined;
  webhookSecret: string;
}

const WEBHOOK_TIMEOUT_MS = 15_000;

/** The `Stripe-Signature` header for `payload`, signed now (or at `timestamp`, seconds). */
export function signPayload(payload: string, secret: string, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp === undefined ? {} : { timestamp }) });
}

export class Webhooks {
  readonly #state: StripeState;
  readonly #settings: WebhookSettings;
  readonly #pending = new Set<Promise<void>>();
  #abort = new AbortController();

  constructor(state: StripeState, settings: WebhookSettings) {
    this.#state = state;
    this.#settings = settings;
  }

  /** Records an event about `object` (and delivers it when a webhook URL is set, unless told not to). */
  emit(type: EnabledEvent, object: { id: string }, request: { idempotencyKey: string | null } = { idempotencyKey: null }, deliver = true): EventRecord {
    const created = this.#state.nowSeconds();
    const id = stripeId("evt");
    const envelope = {
      id,
      object: "event",
      api_version: Stripe.API_VERSION,
      created,
      data: { object },
      livemode: false,
      pending_webhooks: this.#settings.webhookUrl ? 1 : 0,
      request: { id: request.idempotencyKey ? stripeId("req", 14) : null, idempotency_key: request.idempotencyKey },
      type,
    };
    const record: EventRecord = { id, type, created, object_id: object.id, payload: JSON.stringify(envelope, null, 2), deliveries: [] };
    this.#state.events.push(record);
    if (deliver && this.#settings.webhookUrl) this.#track(this.deliver(record));
    return record;
  }

  /** POSTs an event to the webhook URL (again), signed now; records and returns the outcome. */
  async deliver(record: EventRecord): Promise<DeliveryRecord> {
    const url = this.#settings.webhookUrl;
    const at = new Date(this.#state.now()).toISOString();
    let outcome: DeliveryRecord;
    if (!url) outcome = { at, status: null, body: "", error: "no webhook URL configured" };
    else {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)", "stripe-signature": signPayload(record.payload, this.#settings.webhookSecret) },
          body: record.payload,
          signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
        });
        outcome = { at, status: response.status, body: (await response.text()).slice(0, 2000) };
      } catch (error) {
        outcome = { at, status: null, body: "", error: error instanceof Error ? error.message : String(error) };
      }
    }
    record.deliveries.push(outcome);
    return outcome;
  }

  #track(task: Promise<unknown>): void {
    const tracked = task.then(
      () => undefined,
      (error: unknown) => console.error("stripe emulator: webhook delivery failed", error),
    );
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Waits for deliveries still in flight. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  /** Aborts deliveries in flight and waits for them. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.settle();
    this.#abort = new AbortController();
  }
}
