/**
 * The bench's load driver: a child process (its own event loop, apart from the stack's servers)
 * that plays Meta. It posts signed WhatsApp webhooks to the Worker, times each ack, and learns of
 * replies from the orchestrator, which relays every send the WhatsApp emulator records. Reply
 * latency is measured against the emulator's own `received_at`, so relay delay never inflates it.
 *
 * The first message of each number goes through the emulator's `POST /_emulator/inbound/prepare`
 * (which also opens the client's 24-hour window there); later ones are built and signed here with
 * the emulator's own envelope code, so the emulator's CPU is not spent on the client side.
 */
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { messageEnvelope, newWamid, signBody, unixSeconds, type BusinessIdentity } from "../dev/emulators/whatsapp/envelope.ts";
import {
  DriverSettings,
  FromDriver,
  PROBES,
  ToDriver,
  type PhaseRequest,
  type PhaseResult,
  type ProbeName,
  type ProbeSamples,
} from "./protocol.ts";
import { runChaosTraffic } from "./chaos/traffic.ts";

const settings = DriverSettings.parse(JSON.parse(process.env.INKLINE_BENCH_DRIVER ?? "null"));
const business: BusinessIdentity = {
  wabaId: settings.wabaId,
  phoneNumberId: settings.phoneNumberId,
  displayPhoneNumber: settings.displayPhoneNumber,
};
const CLIENT_NAME = "Bench Client";

function send(message: FromDriver): void {
  process.send?.(FromDriver.parse(message));
}

// ---- replies relayed from the emulator ------------------------------------------------------

/** Emulator `received_at` (ms) of every send, per client wa_id, in arrival order. */
const replies = new Map<string, number[]>();
const waiters = new Map<string, { count: number; resolve: (ok: boolean) => void }[]>();

function repliesTo(waId: string): number[] {
  let list = replies.get(waId);
  if (!list) {
    list = [];
    replies.set(waId, list);
  }
  return list;
}

function onReplies(batch: [string, number][]): void {
  const touched = new Set<string>();
  for (const [waId, at] of batch) {
    repliesTo(waId).push(at);
    touched.add(waId);
  }
  for (const waId of touched) {
    const pending = waiters.get(waId);
    if (!pending) continue;
    const have = repliesTo(waId).length;
    const still = pending.filter((w) => {
      if (have < w.count) return true;
      w.resolve(true);
      return false;
    });
    if (still.length > 0) waiters.set(waId, still);
    else waiters.delete(waId);
  }
}

/** Resolves true once `count` replies to `waId` are known, false after `timeoutMs`. */
function waitForReplies(waId: string, count: number, timeoutMs: number): Promise<boolean> {
  if (repliesTo(waId).length >= count) return Promise.resolve(true);
  return new Promise((resolve) => {
    const entry = { count, resolve: (ok: boolean) => resolve(ok) };
    const timer = setTimeout(() => {
      waiters.set(waId, (waiters.get(waId) ?? []).filter((w) => w !== entry));
      resolve(false);
    }, timeoutMs);
    entry.resolve = (ok) => {
      clearTimeout(timer);
      resolve(ok);
    };
    waiters.set(waId, [...(waiters.get(waId) ?? []), entry]);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- webhooks ------------------------------------------------------------------------------

interface Signed {
  body: string;
  signature: string;
}

const Prepared = z.object({ body: z.string(), signature: z.string(), message_id: z.string() });

/** The client's message as Meta would post it, built and signed by the emulator (opens its window). */
async function prepareAtEmulator(number: string, text: string, name: string = CLIENT_NAME): Promise<Signed & { messageId: string }> {
  const res = await fetch(`${settings.whatsappUrl}/_emulator/inbound/prepare`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    // A BSUID plays a username client (no number), as `npm run chaos` mixes them in.
    body: JSON.stringify(/^[A-Z]{2}\./.test(number) ? { user_id: number, username: "@chaos.client", name, text } : { from: number, name, text }),
  });
  if (res.status !== 200) throw new Error(`emulator prepare answered ${res.status}: ${await res.text()}`);
  const prepared = Prepared.parse(await res.json());
  return { body: prepared.body, signature: prepared.signature, messageId: prepared.message_id };
}

/** Opens a number's 24-hour window at the emulator without a message (`POST /_emulator/window`). */
async function openWindow(number: string): Promise<void> {
  const res = await fetch(`${settings.whatsappUrl}/_emulator/window`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ phone: number, name: CLIENT_NAME }),
  });
  if (res.status !== 200) throw new Error(`emulator window answered ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
}

/** The client's message built and signed here, exactly as the emulator would. */
function buildSigned(number: string, text: string): Signed {
  const waId = number.replace(/^\+/, "");
  const message = { from: waId, id: newWamid(waId), timestamp: unixSeconds(Date.now()), type: "text", text: { body: text } };
  const body = messageEnvelope(business, { name: CLIENT_NAME, waId }, message);
  return { body, signature: signBody(body, settings.appSecret) };
}

const WebhookAnswer = z.object({ accepted: z.number().optional() }).loose();

interface Posted {
  status: number;
  ackMs: number;
  accepted: number;
}

async function postWebhook(signed: Signed): Promise<Posted> {
  const started = performance.now();
  try {
    const res = await fetch(`${settings.workerUrl}/webhooks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signed.signature, "user-agent": "facebookexternalua" },
      body: signed.body,
    });
    const text = await res.text();
    const ackMs = performance.now() - started;
    const parsed = WebhookAnswer.safeParse(JSON.parse(text || "{}"));
    return { status: res.status, ackMs, accepted: parsed.success ? (parsed.data.accepted ?? 0) : 0 };
  } catch {
    return { status: 0, ackMs: performance.now() - started, accepted: 0 };
  }
}

// ---- baseline probes -----------------------------------------------------------------------

const DbSelectAnswer = z.object({ db_ms: z.number() });

function emptyProbes(): ProbeSamples {
  return { health: [], doWrite: [], dbSelect: [], dbInsideMs: [], errors: 0 };
}

const PROBE_PATH: Record<ProbeName, (object: string) => string> = {
  health: () => "/health",
  doWrite: (object) => `/_bench/do-write?object=w-${object}`,
  dbSelect: (object) => `/_bench/db-select?object=s-${object}`,
};

async function probe(name: ProbeName, object: string, into: ProbeSamples): Promise<void> {
  const started = performance.now();
  try {
    const res = await fetch(`${settings.workerUrl}${PROBE_PATH[name](object)}`);
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 200) {
      into.errors++;
      return;
    }
    into[name].push(ms);
    if (name === "dbSelect") {
      const parsed = DbSelectAnswer.safeParse(JSON.parse(text));
      if (parsed.success) into.dbInsideMs.push(parsed.data.db_ms);
    }
  } catch {
    into.errors++;
  }
}

async function runProbes(count: number, objects: number, only: ProbeName | undefined): Promise<ProbeSamples> {
  const samples = emptyProbes();
  const names = only === undefined ? PROBES : [only];
  for (let i = 0; i < count; i++) {
    for (const name of names) await probe(name, String(i % objects), samples);
  }
  return samples;
}

/** Samples the baselines one at a time, one probe every `everyMs`, until `stop` resolves. */
async function sampleProbesUntil(stop: Promise<void>, everyMs: number, objects: number): Promise<ProbeSamples> {
  const samples = emptyProbes();
  if (everyMs <= 0) return samples;
  let done = false;
  void stop.then(() => {
    done = true;
  });
  const names = PROBES;
  for (let i = 0; !done; i++) {
    const started = performance.now();
    const name = names[i % names.length] ?? "health";
    await probe(name, String(Math.floor(i / names.length) % objects), samples);
    await sleep(Math.max(0, everyMs - (performance.now() - started)));
  }
  return samples;
}

// ---- phases --------------------------------------------------------------------------------

async function calibrate(number: string, messages: string[], quietMs: number): Promise<PhaseResult> {
  const waId = number.replace(/^\+/, "");
  const repliesPerStep: number[] = [];
  const ack: number[] = [];
  const reply: number[] = [];
  for (const [i, text] of messages.entries()) {
    const signed = i === 0 ? await prepareAtEmulator(number, text) : buildSigned(number, text);
    const before = repliesTo(waId).length;
    const sentAt = Date.now();
    const posted = await postWebhook(signed);
    if (posted.status !== 200) throw new Error(`calibration step ${i + 1}: webhook answered ${posted.status}`);
    ack.push(posted.ackMs);
    const gotOne = await waitForReplies(waId, before + 1, 10_000);
    if (gotOne) {
      reply.push((repliesTo(waId)[before] ?? sentAt) - sentAt);
      // Quiet for `quietMs`: the step has produced all its replies.
      for (let seen = -1; seen !== repliesTo(waId).length; ) {
        seen = repliesTo(waId).length;
        await sleep(quietMs);
      }
    }
    repliesPerStep.push(repliesTo(waId).length - before);
  }
  return { kind: "calibrate", repliesPerStep, ack, reply };
}

async function conversations(request: Extract<PhaseRequest, { kind: "conversations" }>): Promise<PhaseResult> {
  const { messages, expectedReplies, stepTimeoutMs } = request;
  const queue = [...request.numbers];
  const ack: number[] = [];
  const reply: number[] = [];
  const failures: { number: string; step: number; reason: string }[] = [];
  let sent = 0;
  let lastReplyAt = 0;

  const consult = async (number: string): Promise<void> => {
    const waId = number.replace(/^\+/, "");
    let expected = repliesTo(waId).length;
    for (const [i, text] of messages.entries()) {
      const signed = i === 0 ? await prepareAtEmulator(number, text) : buildSigned(number, text);
      const sentAt = Date.now();
      const posted = await postWebhook(signed);
      sent++;
      if (posted.status !== 200 || posted.accepted !== 1) {
        failures.push({ number, step: i + 1, reason: `ack ${posted.status}, accepted ${posted.accepted}` });
        return;
      }
      ack.push(posted.ackMs);
      const stepReplies = expectedReplies[i] ?? 0;
      if (stepReplies === 0) continue;
      const first = expected;
      expected += stepReplies;
      if (!(await waitForReplies(waId, expected, stepTimeoutMs))) {
        failures.push({ number, step: i + 1, reason: `${repliesTo(waId).length - first}/${stepReplies} replies within ${stepTimeoutMs} ms` });
        return;
      }
      const list = repliesTo(waId);
      reply.push((list[first] ?? sentAt) - sentAt);
      lastReplyAt = Math.max(lastReplyAt, list[expected - 1] ?? 0);
    }
  };

  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const sampling = sampleProbesUntil(finished, request.probeEveryMs, request.probeObjects);
  const startedAt = Date.now();
  const workers = Array.from({ length: Math.min(request.concurrency, queue.length) }, async () => {
    for (let number = queue.shift(); number !== undefined; number = queue.shift()) await consult(number);
  });
  await Promise.all(workers);
  finish();
  const probes = await sampling;
  return { kind: "conversations", startedAt, lastReplyAt, messages: sent, ack, reply, failures, probes };
}

async function burst(number: string, messages: string[]): Promise<PhaseResult> {
  const [first, ...rest] = messages;
  if (first === undefined) throw new Error("burst needs at least one message");
  const signed = [await prepareAtEmulator(number, first), ...rest.map((text) => buildSigned(number, text))];
  const startedAt = Date.now();
  const posted = await Promise.all(signed.map((s) => postWebhook(s)));
  return {
    kind: "burst",
    startedAt,
    ack: posted.filter((p) => p.status === 200).map((p) => p.ackMs),
    accepted: posted.reduce((n, p) => n + p.accepted, 0),
    non200: posted.filter((p) => p.status !== 200).length,
  };
}

/** Resolves when the orchestrator sends `stop-chaos`. */
let stopChaos = (): void => undefined;
const chaosStopped = new Promise<void>((resolve) => {
  stopChaos = resolve;
});

function runPhase(phase: PhaseRequest): Promise<PhaseResult> {
  switch (phase.kind) {
    case "calibrate":
      return calibrate(phase.number, phase.messages, phase.quietMs);
    case "probes":
      return runProbes(phase.count, phase.objects, phase.only).then((samples) => ({ kind: "probes", samples }));
    case "conversations":
      return conversations(phase);
    case "burst":
      return burst(phase.number, phase.messages);
    case "chaos":
      return runChaosTraffic(phase, {
        workerUrl: settings.workerUrl,
        appSecret: settings.appSecret,
        business,
        prepare: prepareAtEmulator,
        openWindow,
        waitForReplies,
        repliesTo,
        stopped: chaosStopped,
      });
  }
}

process.on("message", (raw: unknown) => {
  const parsed = ToDriver.safeParse(raw);
  if (!parsed.success) {
    console.error(`bench driver: ignored a malformed message: ${parsed.error.issues[0]?.message ?? "?"}`);
    return;
  }
  const message = parsed.data;
  if (message.type === "replies") {
    onReplies(message.batch);
    return;
  }
  if (message.type === "stop-chaos") {
    stopChaos();
    return;
  }
  runPhase(message.phase).then(
    (result) => send({ type: "result", id: message.id, result }),
    (error: unknown) => send({ type: "error", id: message.id, message: error instanceof Error ? error.message : String(error) }),
  );
});
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
