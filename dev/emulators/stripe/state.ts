/**
 * Everything the Stripe emulator remembers: Checkout Sessions, charges, refunds and events in
 * Stripe's shapes, every API request it answered (with its idempotency key), the idempotency
 * store, armed failures and the webhook settings. Plain data and small methods; HTTP lives
 * elsewhere.
 */
import { randomBytes } from "node:crypto";

/** Operations of the API that can be told to fail. */
export const OPERATIONS = ["create_session", "retrieve_session", "expire_session", "create_refund", "retrieve_refund"] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Failures armed for one scope: `remaining` calls of `only` (null: any) with keys starting with `keyPrefix` (null: any). */
export interface ArmedFailure {
  remaining: number;
  mode: FailureMode;
  only: Operation | null;
  keyPrefix: string | null;
}

/** How a failing call fails: HTTP 500 (api_error), HTTP 429 (rate_limit), or no answer at all. */
export type FailureMode = "500" | "429" | "timeout";

/** A Checkout Session as Stripe returns it (the fields the emulator keeps up to date). */
export interface SessionObject {
  id: string;
  object: "checkout.session";
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string | null;
  client_reference_id: string | null;
  created: number;
  currency: string;
  customer: null;
  customer_details: { email: string; name: string } | null;
  expires_at: number;
  livemode: false;
  metadata: Record<string, string>;
  mode: "payment";
  payment_intent: string | null;
  payment_method_types: string[];
  payment_status: "paid" | "unpaid" | "no_payment_required";
  status: "open" | "complete" | "expired";
  success_url: string | null;
  url: string | null;
}

/** What the emulator keeps beside the session (not in Stripe's response). */
export interface StoredSession {
  session: SessionObject;
  productName: string;
  paymentIntentMetadata: Record<string, string>;
  chargeId: string | null;
}

export interface ChargeObject {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: true;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  paid: true;
  payment_intent: string;
  refunded: boolean;
  status: "succeeded";
}

export interface RefundObject {
  id: string;
  object: "refund";
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: string | null;
  status: "succeeded";
}

/** An API call the emulator answered. */
export interface RequestRecord {
  seq: number;
  at: string;
  method: string;
  path: string;
  operation: Operation | null;
  idempotency_key: string | null;
  status: number;
  /** Answered from the idempotency store (Stripe's `Idempotent-Replayed: true`). */
  replayed: boolean;
  /** Failed on purpose (fault injection). */
  injected: boolean;
}

/** One POST of an event to the webhook URL. */
export interface DeliveryRecord {
  at: string;
  status: number | null;
  body: string;
  error?: string;
}

/** An event as Stripe sends it (`payload` is the exact JSON body, signed per delivery). */
export interface EventRecord {
  id: string;
  type: string;
  created: number;
  /** The object's id (a session, a charge), to find events in tests. */
  object_id: string;
  payload: string;
  deliveries: DeliveryRecord[];
}

/** The first answer to an idempotency key, replayed for the same request. */
export interface IdempotentAnswer {
  method: string;
  path: string;
  /** Canonical JSON of the parameters: a different request with the key is refused. */
  params: string;
  status: number;
  body: unknown;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A Stripe-looking id: `cs_test_a1B2…`. */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  return `${prefix}_${[...bytes].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join("")}`;
}

export class StripeState {
  sessions = new Map<string, StoredSession>();
  charges = new Map<string, ChargeObject>();
  refunds = new Map<string, RefundObject>();
  events: EventRecord[] = [];
  requests: RequestRecord[] = [];
  idempotency = new Map<string, IdempotentAnswer>();
  /**
   * Armed failures, each scoped (an operation, a key prefix). Several can be armed at once: tests run
   * in parallel against one emulator, and arming one lead's faults must not disarm another's.
   */
  failures: ArmedFailure[] = [];
  clockOffsetMs = 0;
  #seq = 0;

  nextSeq(): number {
    return ++this.#seq;
  }

  /** The emulator's clock (shiftable, so expiry can be tested without waiting), in ms. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Arms `count` failures in `mode`, for every operation or only `only` (and only keys starting with `keyPrefix`). */
  armFailures(count: number, mode: FailureMode, only: Operation | null = null, keyPrefix: string | null = null): ArmedFailure {
    // Arming the same scope again replaces it (count 0 disarms it); other scopes stay armed.
    this.failures = this.failures.filter((f) => f.remaining > 0 && !(f.only === only && f.keyPrefix === keyPrefix));
    const armed: ArmedFailure = { remaining: count, mode, only, keyPrefix };
    if (count > 0) this.failures.push(armed);
    return armed;
  }

  /** Whether this call should fail now (consumes one armed failure). */
  takeFailure(operation: Operation, idempotencyKey: string | null = null): FailureMode | null {
    const armed = this.failures.find(
      (f) => f.remaining > 0 && (f.only === null || f.only === operation) && (f.keyPrefix === null || (idempotencyKey ?? "").startsWith(f.keyPrefix)),
    );
    if (armed === undefined) return null;
    armed.remaining--;
    return armed.mode;
  }

  reset(): void {
    this.sessions.clear();
    this.charges.clear();
    this.refunds.clear();
    this.events = [];
    this.requests = [];
    this.idempotency.clear();
    this.failures = [];
    this.clockOffsetMs = 0;
  }
}
