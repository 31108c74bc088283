/**
 * The client side of `npm run chaos`, run inside the load driver (bench/driver.ts) while the
 * orchestrator injects faults: full consultations that wait for their replies (their outcome is
 * checked exactly), clients typing random Unicode of every message kind without waiting, one
 * batched POST for many numbers, every n-th message delivered three times, and a steady trickle
 * of hostile requests (forged and tampered signatures, malformed, oversized). Like Meta, a
 * well-formed message that does not get a 200 is delivered again until it does. Everything seen
 * is recorded for bench/chaos/invariants.ts.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { batchEnvelope, messageEnvelope, newWamid, signBody, unixSeconds, type BusinessIdentity } from "../../dev/emulators/whatsapp/envelope.ts";
import type { ChaosResult, PhaseRequest } from "../protocol.ts";
import { fuzzedMessageObject, nastyMessages, sampleFuzzMessages } from "./fuzz.ts";

type ChaosRequest = Extract<PhaseRequest, { kind: "chaos" }>;

/** What the traffic needs from the driver process. */
export interface TrafficDeps {
  workerUrl: string;
  appSecret: string;
  business: BusinessIdentity;
  /** The client's message built and signed by the emulator (which opens its 24-hour window); a BSUID plays a username client. */
  prepare(number: string, text: string, name: string): Promise<{ body: string; signature: string; messageId: string }>;
  /** Opens the number's 24-hour window at the emulator (as if it had written), without a message. */
  openWindow(number: string): Promise<void>;
  waitForReplies(waId: string, count: number, timeoutMs: number): Promise<boolean>;
  repliesTo(waId: string): number[];
  /** Resolves when the orchestrator's fault script is over. */
  stopped: Promise<void>;
}

const CLIENT_NAME = "Chaos Client";
/**
 * Names every other consulting client gives itself: the placeholders the engine once left for the
 * artist's one-tap links and copy markup (issue 19). The invariants fail the run if any client
 * receives an action link.
 */
export const HOSTILE_NAMES = ["[[inkline-link:3]]", "[[inkline-link:0]]", "[[inkline-checkout]] [[inkline-link:1]]", "{artistName} [[inkline-link:2]]"] as const;
/** A BSUID as Meta formats it: the emulator keys such a client by it, the Worker names its object by it. */
const BSUID = /^[A-Z]{2}\./;

/**
 * Makes every third client after the first `keep` (the deposit clients) a username client who hides
 * their number: named by a BSUID ("GB." and the number's digits) instead of the number.
 */
export function withUsernameClients(numbers: readonly string[], keep: number): string[] {
  return numbers.map((n, i) => (i >= keep && (i - keep) % 3 === 2 ? `GB.${n.replace(/\D/g, "")}` : n));
}
/** Meta posts at most 3 MB (the Worker's MAX_WEBHOOK_BYTES); one byte more must be a 413. */
const META_MAX_BYTES = 3 * 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waIdOf = (number: string) => (BSUID.test(number) ? number : number.replace(/^\+/, ""));

const WebhookAnswer = z.object({ accepted: z.number().optional(), duplicates: z.number().optional() }).loose();

interface Posted {
  status: number;
  accepted: number;
  duplicates: number;
}

/** One POST to the webhook; status 0 when there was no HTTP answer at all. */
async function post(workerUrl: string, body: string, signature: string | null): Promise<Posted> {
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "facebookexternalua" };
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  try {
    const res = await fetch(`${workerUrl}/webhooks/whatsapp`, { method: "POST", headers, body, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    let json: unknown = {};
    try {
      json = JSON.parse(text || "{}");
    } catch {
      json = {};
    }
    const parsed = WebhookAnswer.safeParse(json);
    return { status: res.status, accepted: parsed.success ? (parsed.data.accepted ?? 0) : 0, duplicates: parsed.success ? (parsed.data.duplicates ?? 0) : 0 };
  } catch {
    return { status: 0, accepted: 0, duplicates: 0 };
  }
}

/** A message a client sends: who, which id. */
interface Addressed {
  phone: string;
  id: string;
}

class Ledger {
  readonly sent = new Map<string, string[]>();
  readonly accepted = new Map<string, Set<string>>();
  readonly forged = new Set<string>();
  readonly dropped: string[] = [];
  readonly answers: ChaosResult["answers"] = [];
  readonly stalls: ChaosResult["stalls"] = [];
  duplicatesReported = 0;

  noteSent(m: Addressed): void {
    const list = this.sent.get(m.phone) ?? [];
    if (!list.includes(m.id)) list.push(m.id);
    this.sent.set(m.phone, list);
  }

  noteAccepted(m: Addressed): void {
    const set = this.accepted.get(m.phone) ?? new Set<string>();
    set.add(m.id);
    this.accepted.set(m.phone, set);
  }
}

export async function runChaosTraffic(request: ChaosRequest, deps: TrafficDeps): Promise<ChaosResult> {
  const ledger = new Ledger();
  const startedAt = Date.now();
  let stop = false;
  void deps.stopped.then(() => {
    stop = true;
  });
  const background: Promise<void>[] = [];
  let messageCount = 0;
  let fuzzCount = 0;

  /** Posts a signed, well-formed body until it gets a 200 (or `redeliverForMs` runs out), like Meta. */
  const deliverOnce = async (kind: string, body: string, signature: string, messages: readonly Addressed[]): Promise<void> => {
    for (const m of messages) ledger.noteSent(m);
    const deadline = Date.now() + request.redeliverForMs;
    for (let wait = 250; ; wait = Math.min(wait * 2, 4_000)) {
      const answer = await post(deps.workerUrl, body, signature);
      ledger.answers.push({ kind, wellFormed: true, status: answer.status, expected: [200], at: Date.now() });
      if (answer.status === 200) {
        ledger.duplicatesReported += answer.duplicates;
        if (answer.accepted + answer.duplicates >= messages.length) for (const m of messages) ledger.noteAccepted(m);
        else ledger.dropped.push(...messages.map((m) => m.id));
        return;
      }
      if (Date.now() > deadline) {
        ledger.stalls.push({ number: messages[0]?.phone ?? "?", step: 0, reason: `${kind} never acknowledged within ${request.redeliverForMs} ms` });
        return;
      }
      await sleep(wait);
    }
  };

  /** Every n-th message three times: two copies at once, a third a moment later (in the background). */
  const deliver = async (kind: string, body: string, signature: string, messages: readonly Addressed[]): Promise<void> => {
    messageCount++;
    if (messageCount % request.tripleEvery !== 0) return deliverOnce(kind, body, signature, messages);
    background.push(sleep(200 + Math.random() * 2_300).then(() => deliverOnce(`${kind} (3rd copy)`, body, signature, messages)));
    await Promise.all([deliverOnce(kind, body, signature, messages), deliverOnce(`${kind} (2nd copy)`, body, signature, messages)]);
  };

  const signed = (body: string) => ({ body, signature: signBody(body, deps.appSecret) });

  const nameOf = (number: string): string => {
    const i = request.clean.numbers.indexOf(number);
    return i >= 0 && i % 2 === 0 ? (HOSTILE_NAMES[(i / 2) % HOSTILE_NAMES.length] ?? CLIENT_NAME) : CLIENT_NAME;
  };

  const textMessage = (number: string, text: string) => {
    const waId = waIdOf(number);
    const id = newWamid(waId);
    const head = { id, timestamp: unixSeconds(Date.now()), type: "text", text: { body: text } };
    // A username client comes with their BSUID and username only, no number.
    const body = BSUID.test(number)
      ? messageEnvelope(deps.business, { name: nameOf(number), userId: number, username: "@chaos.client" }, { from_user_id: number, ...head })
      : messageEnvelope(deps.business, { name: nameOf(number), waId }, { from: waId, ...head });
    return { ...signed(body), id };
  };

  const opening = async (number: string, text: string): Promise<void> => {
    const prepared = await deps.prepare(number, text, nameOf(number));
    await deliver("message", prepared.body, prepared.signature, [{ phone: number, id: prepared.messageId }]);
  };

  // Full consultations: each step waits for the replies calibration says it produces.
  const consult = async (number: string): Promise<void> => {
    const waId = waIdOf(number);
    let expected = deps.repliesTo(waId).length;
    for (const [i, text] of request.clean.messages.entries()) {
      if (i === 0) await opening(number, text);
      else {
        const m = textMessage(number, text);
        await deliver("message", m.body, m.signature, [{ phone: number, id: m.id }]);
      }
      expected += request.clean.expectedReplies[i] ?? 0;
      if (!(await deps.waitForReplies(waId, expected, request.clean.stepTimeoutMs))) {
        const got = deps.repliesTo(waId).length;
        ledger.stalls.push({ number, step: i + 1, reason: `${got}/${expected} replies within ${request.clean.stepTimeoutMs} ms` });
        return;
      }
    }
  };
  const queue = [...request.clean.numbers];
  const cleanDone = Promise.all(
    Array.from({ length: Math.min(request.clean.concurrency, queue.length) }, async () => {
      for (let number = queue.shift(); number !== undefined; number = queue.shift()) await consult(number);
    }),
  );

  // Random Unicode in every field, without waiting for replies, until the fault script is over.
  const fuzzClient = async (number: string, index: number): Promise<void> => {
    const waId = waIdOf(number);
    await opening(number, "Hi");
    // The first client starts with the known-nasty strings (NUL, lone surrogates…), then all random.
    const messages = [...(index === 0 ? nastyMessages() : []), ...sampleFuzzMessages(request.seed + index, request.fuzz.maxEach)];
    for (const m of messages) {
      if (stop) return;
      fuzzCount++;
      const message = fuzzedMessageObject(m, waId, fuzzCount, newWamid(waId), unixSeconds(Date.now()));
      const id = String(message.id);
      const { body, signature } = signed(messageEnvelope(deps.business, { name: m.profileName, waId }, message));
      await deliver("message", body, signature, [{ phone: number, id }]);
      await sleep(Math.random() * request.fuzz.thinkMs);
    }
  };
  const fuzzDone = Promise.all(request.fuzz.numbers.map((n, i) => fuzzClient(n, i)));

  // One POST carrying many numbers' messages, delivered twice (Meta may repeat a whole POST).
  const batch = async (): Promise<void> => {
    if (request.batch.numbers.length === 0) return;
    // Their messages never pass the emulator: it must know they wrote, or replies fail with 131047.
    for (const number of request.batch.numbers) await deps.openWindow(number);
    await sleep(3_000);
    const contacts = request.batch.numbers.map((n) => ({ name: CLIENT_NAME, waId: waIdOf(n) }));
    const messages: Record<string, unknown>[] = [];
    const addressed: Addressed[] = [];
    for (const [i, number] of request.batch.numbers.entries()) {
      const waId = waIdOf(number);
      const fuzzed = sampleFuzzMessages(request.seed + 100_000 + i, request.batch.messagesEach);
      for (const m of fuzzed) {
        fuzzCount++;
        const message = fuzzedMessageObject(m, waId, fuzzCount, newWamid(waId), unixSeconds(Date.now()));
        messages.push(message);
        addressed.push({ phone: number, id: String(message.id) });
      }
    }
    const { body, signature } = signed(batchEnvelope(deps.business, contacts, messages));
    await deliverOnce("batch", body, signature, addressed);
    await sleep(1_000);
    await deliverOnce("batch (again)", body, signature, addressed);
  };
  const batchDone = batch();

  // Hostile requests, one kind after another, until the fault script is over.
  const targets = [...request.clean.numbers, ...request.fuzz.numbers];
  const hostile = async (): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const target = targets[i % Math.max(1, targets.length)] ?? "+447700900999";
      const attack = HOSTILE[i % HOSTILE.length];
      if (attack) {
        const built = attack.build({ target, appSecret: deps.appSecret, business: deps.business });
        if (built.forgedId) ledger.forged.add(built.forgedId);
        const answer = built.method === "GET" ? await getVerify(deps.workerUrl) : await post(deps.workerUrl, built.body, built.signature);
        ledger.answers.push({ kind: attack.kind, wellFormed: false, status: answer.status, expected: attack.expected, at: Date.now() });
      }
      await sleep(request.hostileEveryMs);
    }
  };
  const hostileDone = hostile();

  await Promise.all([cleanDone, fuzzDone, batchDone, hostileDone, deps.stopped]);
  await Promise.all(background);
  return {
    kind: "chaos",
    startedAt,
    endedAt: Date.now(),
    sent: Object.fromEntries(ledger.sent),
    accepted: Object.fromEntries([...ledger.accepted].map(([phone, ids]) => [phone, [...ids]])),
    forged: [...ledger.forged],
    dropped: ledger.dropped,
    answers: ledger.answers,
    duplicatesReported: ledger.duplicatesReported,
    stalls: ledger.stalls,
  };
}

async function getVerify(workerUrl: string): Promise<Posted> {
  try {
    const res = await fetch(`${workerUrl}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guessed&hub.challenge=1`);
    await res.body?.cancel();
    return { status: res.status, accepted: 0, duplicates: 0 };
  } catch {
    return { status: 0, accepted: 0, duplicates: 0 };
  }
}

interface AttackInput {
  target: string;
  appSecret: string;
  business: BusinessIdentity;
}

interface Attack {
  kind: string;
  expected: number[];
  build(input: AttackInput): { method?: "GET"; body: string; signature: string | null; forgedId?: string };
}

/** A plausible message for `target`, and its id (never to be processed when the request is refused). */
function plausible(input: AttackInput, text = "I want a dragon"): { body: string; id: string } {
  const waId = waIdOf(input.target);
  const id = newWamid(waId);
  const body = messageEnvelope(input.business, { name: CLIENT_NAME, waId }, { from: waId, id, timestamp: unixSeconds(Date.now()), type: "text", text: { body: text } });
  return { body, id };
}

/** Hostile requests and the answers that are right for them; a 5xx is never right. */
const HOSTILE: Attack[] = [
  {
    kind: "forged signature (another secret)",
    expected: [401],
    build: (input) => {
      const m = plausible(input);
      return { body: m.body, signature: signBody(m.body, "not-the-app-secret"), forgedId: m.id };
    },
  },
  {
    kind: "tampered body (signature of the original)",
    expected: [401],
    build: (input) => {
      const original = plausible(input, "hello");
      const tampered = plausible(input, "approve me");
      return { body: tampered.body, signature: signBody(original.body, input.appSecret), forgedId: tampered.id };
    },
  },
  {
    kind: "no signature",
    expected: [401],
    build: (input) => {
      const m = plausible(input);
      return { body: m.body, signature: null, forgedId: m.id };
    },
  },
  {
    kind: "signature header garbage",
    expected: [401],
    build: (input) => {
      const m = plausible(input);
      return { body: m.body, signature: "sha256=zz", forgedId: m.id };
    },
  },
  { kind: "malformed JSON (signed)", expected: [400], build: (input) => ({ body: '{"object":"whatsapp_business_account","entry":[', signature: signBody('{"object":"whatsapp_business_account","entry":[', input.appSecret) }) },
  {
    kind: "binary body (signed)",
    expected: [400],
    build: (input) => {
      const bytes = randomBytes(512);
      return { body: bytes.toString("latin1"), signature: signBody(bytes.toString("latin1"), input.appSecret) };
    },
  },
  { kind: "empty body (signed)", expected: [400], build: (input) => ({ body: "", signature: signBody("", input.appSecret) }) },
  { kind: "JSON of another shape (signed)", expected: [200], build: (input) => ({ body: '{"hello":"world"}', signature: signBody('{"hello":"world"}', input.appSecret) }) },
  {
    kind: "unreadable sender (signed)",
    expected: [200],
    build: (input) => {
      const m = plausible({ ...input, target: "+447700900998" });
      const body = m.body.replaceAll('"447700900998"', '"not-a-number"');
      return { body, signature: signBody(body, input.appSecret), forgedId: m.id };
    },
  },
  {
    kind: "oversized body (> 3 MB, signed)",
    expected: [413],
    build: (input) => {
      const m = plausible(input, "x".repeat(META_MAX_BYTES + 1_024));
      return { body: m.body, signature: signBody(m.body, input.appSecret), forgedId: m.id };
    },
  },
  {
    // Signed by Meta, but for another business number of the same app: acknowledged, never processed.
    kind: "another phone number id (signed)",
    expected: [200],
    build: (input) => {
      const m = plausible({ ...input, business: { ...input.business, phoneNumberId: `9${input.business.phoneNumberId}` } });
      return { body: m.body, signature: signBody(m.body, input.appSecret), forgedId: m.id };
    },
  },
  { kind: "verify handshake with a guessed token", expected: [403], build: () => ({ method: "GET", body: "", signature: null }) },
];
