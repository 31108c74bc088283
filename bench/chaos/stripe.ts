/**
 * Stripe's side of `npm run chaos`: as soon as some consultations reach PENDING_APPROVAL (while the
 * fault script is still running), the artist sends the deposit link from the summary (admin API,
 * one idempotency key, retried like a person tapping again), the client answers the consent step
 * on WhatsApp (emulator-signed messages, recorded with the traffic's), pays on the Stripe
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
const Prepared = z.object({ body: z.string(), signature: z.string(), message_id: z.string() });
const Sessions = z.object({ sessions: z.array(z.object({ id: z.string(), client_reference_id: z.string().nullable(), status: z.string() })) });

/** What the Stripe side did, for the check. */
export interface StripeTraffic {
  answers: ObservedAnswer[];
  /** The consent answers this side sent as each client (message ids), and those the Worker acknowledged. */
  sent: Map<string, string[]>;
  accepted: Map<string, Set<string>>;
  /** Per number: the Stripe event ids delivered (each must be processed exactly once). */
  events: Map<string, string[]>;
  /** Numbers whose deposit was paid: DEPOSIT_PAID must be entered exactly once. */
  paid: Set<string>;
  duplicatesReported: number;
  /** Numbers that did not get as far as paying, and why. */
  stalls: string[];
}

/** A lead as Postgres has it now: what the driver waits on. */
export interface LeadNow {
  id: string;
  status: string;
  version: number;
  /** `leads.consent`'s step (null when none). */
  consentStep: string | null;
}

export class StripeChaos {
  readonly traffic: StripeTraffic = { answers: [], sent: new Map(), accepted: new Map(), events: new Map(), paid: new Set(), duplicatesReported: 0, stalls: [] };
  private readonly stack: RunningStack;
  private readonly adminKey: string;
  private readonly leadIdOf: (phone: string) => Promise<LeadNow | null>;
  private readonly later: Promise<void>[] = [];
  /** The lead's version when this side last answered a consent question (one answer per question). */
  private readonly answeredAt = new Map<string, number>();

  /** `leadIdOf`: the lead of a number as Postgres has it now (null while unknown or unreachable). */
  constructor(stack: RunningStack, adminKey: string, leadIdOf: (phone: string) => Promise<LeadNow | null>) {
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
    // "Send deposit" from the summary approves too; consent and age come first (engine/consent.ts),
    // and the client's "I agree" sends the link.
    if (!(await this.act(id, "send-deposit", deadline))) {
      return void this.traffic.stalls.push(`${phone}: the artist's send-deposit never went through`);
    }
    if (!(await this.giveConsent(phone, deadline))) return void this.traffic.stalls.push(`${phone}: the consent step never ended`);
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

  /**
   * Answers the consent step as the client (date of birth, "No" to each medical question, "I
   * agree"), one answer per step the lead is at, until it leaves CHECKING_CONSENT.
   */
  private async giveConsent(phone: string, deadline: number): Promise<boolean> {
    let answered = 0;
    while (Date.now() < deadline) {
      const lead = await this.leadIdOf(phone);
      if (lead && lead.status !== "CHECKING_CONSENT" && lead.status !== "PENDING_APPROVAL") return lead.status === "AWAITING_DEPOSIT";
      const step = lead?.status === "CHECKING_CONSENT" ? lead.consentStep : null;
      // One answer per step and turn: wait for the object to ask the next question.
      if (step === null || lead?.version === this.answeredAt.get(phone)) {
        await sleep(250);
        continue;
      }
      const spec = step === "dob" ? { text: "17/05/1990" } : step === "medical" ? { button: { id: "consent_no", title: "No" } } : { button: { id: "consent_agree", title: "I agree" } };
      this.answeredAt.set(phone, lead?.version ?? -1);
      await this.says(phone, spec, deadline);
      if (++answered > 12) return false;
    }
    return false;
  }

  /** A client's message, built and signed by the WhatsApp emulator, posted until the Worker acknowledges it (like Meta). */
  private async says(number: string, spec: { text: string } | { button: { id: string; title: string } }, deadline: number): Promise<void> {
    const who = number.startsWith("+") ? { from: number } : { user_id: number, username: "@chaos.client" };
    const res = await fetch(`${this.stack.urls.whatsapp}/_emulator/inbound/prepare`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...who, ...spec }) });
    if (!res.ok) throw new Error(`whatsapp emulator prepare: ${res.status} ${await res.text()}`);
    const prepared = Prepared.parse(await res.json());
    this.traffic.sent.set(number, [...(this.traffic.sent.get(number) ?? []), prepared.message_id]);
    for (let wait = 250; Date.now() < deadline; wait = Math.min(wait * 2, 4_000)) {
      const answer = await fetch(`${this.stack.urls.worker}/webhooks/whatsapp`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": prepared.signature },
        body: prepared.body,
      }).catch(() => null);
      await answer?.text();
      this.traffic.answers.push({ kind: "consent answer", wellFormed: true, status: answer?.status ?? 0, expected: [200], at: Date.now() });
      if (answer?.status === 200) {
        this.traffic.accepted.set(number, (this.traffic.accepted.get(number) ?? new Set()).add(prepared.message_id));
        return;
      }
      await sleep(wait);
    }
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
