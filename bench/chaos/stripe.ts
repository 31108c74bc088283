/**
 * Stripe's side of `npm run chaos`: as soon as some consultations reach PENDING_APPROVAL (while the
 * fault script is still running), the artist approves and sends the deposit link (admin API, one
 * idempotency key per action, retried like a person tapping again), the client pays on the Stripe
 * emulator, and the run delivers the signed events itself the way Stripe may: a card payment's
 * `checkout.session.completed` three times (two at once, one later); an async payment's
 * `async_payment_succeeded` before its `checkout.session.completed`, each twice. Every answer is
 * recorded for the invariants, plus which events each number must have had applied exactly once.
 */
import { z } from "zod";
import type { RunningStack } from "../../dev/stack.ts";
import type { ObservedAnswer } from "./invariants.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const StripeEvent = z.object({ id: z.string(), type: z.string(), payload: z.string(), signature: z.string() });
type StripeEvent = z.infer<typeof StripeEvent>;
const Paid = z.object({ events: z.array(StripeEvent) });
const Sessions = z.object({ sessions: z.array(z.object({ id: z.string(), client_reference_id: z.string().nullable(), status: z.string() })) });

/** What the Stripe side did, for the check. */
export interface StripeTraffic {
  answers: ObservedAnswer[];
  /** Per number: the Stripe event ids delivered (each must be processed exactly once). */
  events: Map<string, string[]>;
  /** Numbers whose deposit was paid: DEPOSIT_PAID must be entered exactly once. */
  paid: Set<string>;
  duplicatesReported: number;
  /** Numbers that did not get as far as paying, and why. */
  stalls: string[];
}

export class StripeChaos {
  readonly traffic: StripeTraffic = { answers: [], events: new Map(), paid: new Set(), duplicatesReported: 0, stalls: [] };
  private readonly stack: RunningStack;
  private readonly adminKey: string;
  private readonly leadIdOf: (phone: string) => Promise<{ id: string; status: string } | null>;
  private readonly later: Promise<void>[] = [];

  /** `leadIdOf`: the lead of a number as Postgres has it now (null while unknown or unreachable). */
  constructor(stack: RunningStack, adminKey: string, leadIdOf: (phone: string) => Promise<{ id: string; status: string } | null>) {
    this.stack = stack;
    this.adminKey = adminKey;
    this.leadIdOf = leadIdOf;
  }

  /** Takes each number from consultation to a paid deposit; gives up on one after `timeoutMs`. */
  async run(phones: readonly string[], timeoutMs: number): Promise<void> {
    await Promise.all(phones.map((phone, i) => this.deposit(phone, i % 2 === 0 ? "card" : "async_succeeded", Date.now() + timeoutMs)));
    await Promise.all(this.later);
  }

  private async deposit(phone: string, method: "card" | "async_succeeded", deadline: number): Promise<void> {
    let lead = await this.leadIdOf(phone);
    while (lead?.status !== "PENDING_APPROVAL") {
      if (Date.now() > deadline) return void this.traffic.stalls.push(`${phone}: never reached PENDING_APPROVAL (${lead?.status ?? "no lead"})`);
      await sleep(500);
      lead = await this.leadIdOf(phone);
    }
    const id = lead.id;
    if (!(await this.act(id, "approve", deadline)) || !(await this.act(id, "send-deposit", deadline))) {
      return void this.traffic.stalls.push(`${phone}: the artist's approve / send-deposit never went through`);
    }
    const session = await this.sessionOf(id, deadline);
    if (!session) return void this.traffic.stalls.push(`${phone}: no Checkout Session was created`);
    const paid = Paid.parse(await this.emulator("POST", `/_emulator/sessions/${session}/pay`, { method, deliver: false }));
    this.traffic.paid.add(phone);
    this.traffic.events.set(phone, paid.events.map((e) => e.id));
    if (method === "card") {
      const [completed] = paid.events;
      if (!completed) return;
      await Promise.all([this.deliver(completed, "stripe event"), this.deliver(completed, "stripe event (2nd copy)")]);
      this.later.push(sleep(1_500).then(() => this.deliver(completed, "stripe event (3rd copy)")));
      return;
    }
    // Async: Stripe may deliver the success before the session's completion, and both twice.
    for (const event of [...paid.events].reverse()) {
      await Promise.all([this.deliver(event, "stripe event (out of order)"), this.deliver(event, "stripe event (2nd copy)")]);
    }
  }

  /** Posts the event until Stripe would stop retrying (a 2xx), recording every answer. */
  private async deliver(event: StripeEvent, kind: string): Promise<void> {
    for (let attempt = 0, wait = 250; attempt < 40; attempt++, wait = Math.min(wait * 2, 4_000)) {
      let status = 0;
      try {
        const res = await fetch(`${this.stack.urls.worker}/webhooks/stripe`, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": event.signature },
          body: event.payload,
        });
        status = res.status;
        const body: unknown = await res.json().catch(() => null);
        if (status === 200 && typeof body === "object" && body !== null && "duplicates" in body && typeof body.duplicates === "number") {
          this.traffic.duplicatesReported += body.duplicates;
        }
      } catch {
        status = 0;
      }
      // 503 is the honest answer while Postgres is away (the route needs it to find the lead): Stripe retries.
      this.traffic.answers.push({ kind, wellFormed: true, status, expected: [200, 503], at: Date.now() });
      if (status === 200) return;
      await sleep(wait);
    }
  }

  /** An admin action with one idempotency key, repeated until it is applied (a replay answers the same). */
  private async act(leadId: string, action: "approve" | "send-deposit", deadline: number): Promise<boolean> {
    const key = `chaos-${action}-${leadId}`;
    while (Date.now() < deadline) {
      const res = await fetch(`${this.stack.urls.worker}/admin/leads/${leadId}/${action}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-admin-api-key": this.adminKey, "idempotency-key": key },
        body: "{}",
      }).catch(() => null);
      const body: unknown = await res?.json().catch(() => null);
      // A replay whose first answer the object lost in a reset (it had applied the action, then
      // died before noting the answer) is refused as "duplicate": applied before, not a failure.
      const replayed = res?.status === 409 && typeof body === "object" && body !== null && "reason" in body && body.reason === "duplicate";
      // Applied 200, queued behind a retry 202, the database away 503: never a 500.
      const expected = replayed ? [409] : [200, 202, 503];
      this.traffic.answers.push({ kind: `admin ${action}${replayed ? " (replay after a reset)" : ""}`, wellFormed: true, status: res?.status ?? 0, expected, at: Date.now() });
      if (res?.status === 200 || replayed) return true;
      await sleep(500);
    }
    return false;
  }

  private async sessionOf(leadId: string, deadline: number): Promise<string | null> {
    while (Date.now() < deadline) {
      const { sessions } = Sessions.parse(await this.emulator("GET", "/_emulator/sessions"));
      const open = sessions.find((s) => s.client_reference_id === leadId && s.status === "open");
      if (open) return open.id;
      await sleep(300);
    }
    return null;
  }

  private async emulator(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.stack.urls.stripe}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`stripe emulator ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }
}
