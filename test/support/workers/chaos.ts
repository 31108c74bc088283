/**
 * The client side of the slim chaos test inside the Workers runtime: posts signed webhooks like
 * Meta (and hostile ones), records every answer in the shape bench/chaos/invariants.ts judges, and
 * reads the run's ledger from Postgres and the Graph emulator through the same queries as
 * `npm run chaos`.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { inject } from "vitest";
import { fuzzedMessageObject, type FuzzMessage } from "../../../bench/chaos/fuzz.ts";
import type { LeadLedger, ObservedAnswer, ObservedSend, TrafficLedger } from "../../../bench/chaos/invariants.ts";
import { observedSends, readLeadLedgers, type EmulatorSend } from "../../../bench/chaos/ledger.ts";
import { sql } from "./db.ts";
import { metaEnvelope, postWebhook, prepareInbound, signBody } from "./whatsapp.ts";

interface WebhookAnswer {
  accepted?: number;
  duplicates?: number;
}

/** A signed message ready to post, and its id. */
export interface SignedMessage {
  phone: string;
  id: string;
  body: string;
  signature: string;
}

const waIdOf = (phone: string) => phone.replace(/^\+/, "");
/** A username client is named by their BSUID ("GB.…") and sends no number. */
const isUserId = (who: string) => /^[A-Z]{2}\./.test(who);
const unixNow = () => String(Math.floor(Date.now() / 1000));

/** A text message from `phone`, built and signed here. */
export async function textMessage(phone: string, text: string, name = "Chaos Client"): Promise<SignedMessage> {
  const id = `wamid.${crypto.randomUUID()}`;
  const waId = waIdOf(phone);
  const head = { id, timestamp: unixNow(), type: "text", text: { body: text } };
  const body = isUserId(phone)
    ? metaEnvelope({ contacts: [{ profile: { name, username: "@chaos" }, user_id: phone }], messages: [{ from_user_id: phone, ...head }] })
    : metaEnvelope({ contacts: [{ profile: { name }, wa_id: waId }], messages: [{ from: waId, ...head }] });
  return { phone, id, body, signature: await signBody(body) };
}

/** A fuzzed message from `phone` (random Unicode in every field; `n` keeps fuzzed ids unique). */
export async function fuzzedMessage(phone: string, m: FuzzMessage, n: number): Promise<SignedMessage> {
  const waId = waIdOf(phone);
  const message = fuzzedMessageObject(m, waId, n, `wamid.${crypto.randomUUID()}`, unixNow());
  const body = metaEnvelope({ contacts: [{ profile: { name: m.profileName }, wa_id: waId }], messages: [message] });
  return { phone, id: String(message.id), body, signature: await signBody(body) };
}

/** The client's first message, built and signed by the emulator (which opens its 24-hour window). */
export async function openingMessage(phone: string, text: string, name = "Chaos Client"): Promise<SignedMessage> {
  const prepared = await prepareInbound(isUserId(phone) ? { user_id: phone, username: "@chaos", name, text } : { from: phone, name, text });
  return { phone, id: prepared.message_id, body: prepared.body, signature: prepared.signature };
}

/** Everything posted and every answer, for the invariants. */
export class ChaosRecorder {
  private readonly sent = new Map<string, string[]>();
  private readonly accepted = new Map<string, Set<string>>();
  private readonly forged = new Set<string>();
  private readonly answers: ObservedAnswer[] = [];
  private duplicates = 0;

  /** Posts a well-formed message once; a 200 that stored it (or knew it) makes it accepted. */
  async deliver(m: SignedMessage): Promise<Response> {
    this.sent.set(m.phone, [...(this.sent.get(m.phone) ?? []), m.id]);
    const response = await postWebhook(m.body, m.signature);
    this.answers.push({ kind: "message", wellFormed: true, status: response.status, expected: [200], at: Date.now() });
    if (response.status === 200) {
      const answer = await response.clone().json<WebhookAnswer>();
      this.duplicates += answer.duplicates ?? 0;
      if ((answer.accepted ?? 0) + (answer.duplicates ?? 0) >= 1) this.accepted.set(m.phone, (this.accepted.get(m.phone) ?? new Set()).add(m.id));
    }
    return response;
  }

  /** Meta delivering the same message three times: two copies at once, the third later (call `deliver`). */
  async deliverTwiceAtOnce(m: SignedMessage): Promise<void> {
    await Promise.all([this.deliver(m), this.deliver(m)]);
  }

  /** Posts a request that must be refused (or acknowledged and ignored); `neverProcess`: its message id. */
  async hostile(kind: string, expected: number[], body: string, signature: string | null, neverProcess?: string): Promise<number> {
    if (neverProcess !== undefined) this.forged.add(neverProcess);
    const response = await postWebhook(body, signature);
    await response.body?.cancel();
    this.answers.push({ kind, wellFormed: false, status: response.status, expected, at: Date.now() });
    return response.status;
  }

  ledger(): TrafficLedger {
    return { sent: this.sent, accepted: this.accepted, forged: this.forged, answers: this.answers, duplicatesReported: this.duplicates };
  }
}

/**
 * Runs the number's alarm until its inbox is empty and Postgres holds no undelivered reply for it
 * (bounded); like time passing. (After a failure the object forgets its cached outbox, so only
 * Postgres knows a reply is still owed.)
 */
export async function drainWithAlarms(phone: string, maxRuns = 15): Promise<void> {
  const stub = () => env.LEAD_CONVERSATION.getByName(phone);
  for (let run = 0; run < maxRuns; run++) {
    const state = await stub().debugState();
    const [owed] = await sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox_messages o JOIN leads l ON l.id = o.lead_id WHERE coalesce(l.conversation_key, l.phone_e164) = $1 AND o.status = 'PENDING'",
      [phone],
    );
    if (state.inbox.length === 0 && state.pendingOutbox === 0 && (owed?.n ?? 0) === 0) return;
    await untilDoubtLooksAgain(state);
    await runDurableObjectAlarm(stub());
  }
}

/**
 * A send in doubt is looked at again at its alarm (waiting for Meta's status); running the alarm
 * early changes nothing, so time has to pass for real. Bounded.
 */
export async function untilDoubtLooksAgain(state: { sendsInDoubt: readonly unknown[]; alarm: number | null }): Promise<void> {
  if (state.sendsInDoubt.length === 0 || state.alarm === null) return;
  const wait = Math.min(2_000, state.alarm - Date.now());
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** The leads of `phones` as Postgres has them, read with `npm run chaos`'s own queries. */
export function readLedgers(phones: readonly string[]): Promise<Map<string, LeadLedger>> {
  return readLeadLedgers((text, values) => sql(text, [values]), phones);
}

/** Every send the Graph emulator accepted, in order. */
export async function emulatorSends(): Promise<ObservedSend[]> {
  const res = await fetch(`${inject("whatsappUrl")}/_emulator/sends`);
  const { sends } = await res.json<{ sends: EmulatorSend[] }>();
  return observedSends(sends);
}
