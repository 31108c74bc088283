/**
 * The IPC protocol between the bench orchestrator (bench/run.ts, which owns the stack) and the load
 * driver (bench/driver.ts, a child process with its own event loop). Both ends parse what they
 * receive with these schemas.
 */
import { z } from "zod";

/** How the driver reaches the stack and signs like Meta. */
export const DriverSettings = z.object({
  workerUrl: z.url(),
  whatsappUrl: z.url(),
  appSecret: z.string().min(1),
  phoneNumberId: z.string().min(1),
  /** Digits only, as in Meta's envelopes. */
  displayPhoneNumber: z.string().regex(/^\d+$/),
  wabaId: z.string().min(1),
});
export type DriverSettings = z.infer<typeof DriverSettings>;

/** Names of the baseline probes (GET /health, /_bench/do-write, /_bench/db-select). */
export const PROBES = ["health", "doWrite", "dbSelect"] as const;
export type ProbeName = (typeof PROBES)[number];

const Samples = z.array(z.number());
export const ProbeSamples = z.object({ health: Samples, doWrite: Samples, dbSelect: Samples, dbInsideMs: Samples, errors: z.int() });
export type ProbeSamples = z.infer<typeof ProbeSamples>;

export const PhaseRequest = z.discriminatedUnion("kind", [
  /** One consultation, slowly: learns how many replies each step produces (and warms up). */
  z.object({ kind: z.literal("calibrate"), number: z.string(), messages: z.array(z.string()), quietMs: z.int().positive() }),
  /** Baseline probes, one at a time, `count` of each (or only of `only`), spread over `objects` probe objects. */
  z.object({ kind: z.literal("probes"), count: z.int().positive(), objects: z.int().positive(), only: z.enum(PROBES).optional() }),
  /** Full consultations at a concurrency; each step waits for its expected replies. */
  z.object({
    kind: z.literal("conversations"),
    numbers: z.array(z.string()),
    messages: z.array(z.string()),
    concurrency: z.int().positive(),
    /** Replies each step produces (from calibration), same length as `messages`. */
    expectedReplies: z.array(z.int().nonnegative()),
    /** Sample the baselines in the background while the load runs (one probe every `probeEveryMs`). */
    probeEveryMs: z.int().nonnegative(),
    probeObjects: z.int().positive(),
    stepTimeoutMs: z.int().positive(),
  }),
  /** Many messages to one number at once. */
  z.object({ kind: z.literal("burst"), number: z.string(), messages: z.array(z.string()) }),
  /** `npm run chaos`: the client side of a chaos run (bench/chaos/traffic.ts). */
  z.object({
    kind: z.literal("chaos"),
    seed: z.int(),
    /** Full consultations, each step waiting for its calibrated replies (outcome checked exactly). */
    clean: z.object({
      numbers: z.array(z.string()),
      messages: z.array(z.string()),
      expectedReplies: z.array(z.int().nonnegative()),
      concurrency: z.int().positive(),
      stepTimeoutMs: z.int().positive(),
    }),
    /**
     * Numbers that send random-Unicode messages of every kind without waiting for replies, until
     * the orchestrator says stop (at most `maxEach` each).
     */
    fuzz: z.object({ numbers: z.array(z.string()), maxEach: z.int().nonnegative(), thinkMs: z.int().nonnegative() }),
    /** Numbers whose messages arrive together in one POST (Meta batches up to 1,000 updates). */
    batch: z.object({ numbers: z.array(z.string()), messagesEach: z.int().nonnegative() }),
    /** Every n-th well-formed message is delivered three times (twice at once, once later). */
    tripleEvery: z.int().positive(),
    /** One hostile request (forged, malformed, oversized…) every this many ms until stop. */
    hostileEveryMs: z.int().positive(),
    /** Like Meta, redeliver a message that did not get a 200 for up to this long. */
    redeliverForMs: z.int().positive(),
  }),
]);
export type PhaseRequest = z.infer<typeof PhaseRequest>;

export const CalibrateResult = z.object({ kind: z.literal("calibrate"), repliesPerStep: z.array(z.int()), ack: Samples, reply: Samples });
export const ProbesResult = z.object({ kind: z.literal("probes"), samples: ProbeSamples });
export const ConversationsResult = z.object({
  kind: z.literal("conversations"),
  startedAt: z.number(),
  /** When the last expected reply was recorded by the emulator (its clock = wall clock). */
  lastReplyAt: z.number(),
  messages: z.int(),
  ack: Samples,
  reply: Samples,
  /** Numbers whose consultation stalled (a reply never came) or got a non-200 ack, with why. */
  failures: z.array(z.object({ number: z.string(), step: z.int(), reason: z.string() })),
  probes: ProbeSamples,
});
export const BurstResult = z.object({ kind: z.literal("burst"), startedAt: z.number(), ack: Samples, accepted: z.int(), non200: z.int() });
const Answer = z.object({ kind: z.string(), wellFormed: z.boolean(), status: z.int(), expected: z.array(z.int()), at: z.number() });
export const ChaosResult = z.object({
  kind: z.literal("chaos"),
  startedAt: z.number(),
  endedAt: z.number(),
  /** Per number: ids of the well-formed messages posted; ids a 200 acknowledged. */
  sent: z.record(z.string(), z.array(z.string())),
  accepted: z.record(z.string(), z.array(z.string())),
  /** Ids only ever posted with a forged signature. */
  forged: z.array(z.string()),
  /** Ids a 200 neither stored nor reported as duplicates (the Worker dropped them). */
  dropped: z.array(z.string()),
  answers: z.array(Answer),
  duplicatesReported: z.int(),
  /** Clean numbers whose replies stopped coming, with why. */
  stalls: z.array(z.object({ number: z.string(), step: z.int(), reason: z.string() })),
});
export type ChaosResult = z.infer<typeof ChaosResult>;
export const PhaseResult = z.discriminatedUnion("kind", [CalibrateResult, ProbesResult, ConversationsResult, BurstResult, ChaosResult]);
export type PhaseResult = z.infer<typeof PhaseResult>;
export type ConversationsResult = z.infer<typeof ConversationsResult>;

/** Orchestrator -> driver. */
export const ToDriver = z.discriminatedUnion("type", [
  /** New emulator sends since the last batch: [wa_id digits, received_at ms]. */
  z.object({ type: z.literal("replies"), batch: z.array(z.tuple([z.string(), z.number()])) }),
  z.object({ type: z.literal("run"), id: z.int(), phase: PhaseRequest }),
  /** The chaos script is over: fuzz and hostile traffic stop; the phase ends with the clean consultations. */
  z.object({ type: z.literal("stop-chaos") }),
]);
export type ToDriver = z.infer<typeof ToDriver>;

/** Driver -> orchestrator. */
export const FromDriver = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("result"), id: z.int(), result: PhaseResult }),
  z.object({ type: z.literal("error"), id: z.int(), message: z.string() }),
]);
export type FromDriver = z.infer<typeof FromDriver>;
