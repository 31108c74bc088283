/**
 * What must hold after a chaos run, whatever was injected: every accepted message processed exactly
 * once, every decided reply delivered exactly once and in order, no status skipped, no 5xx to a
 * well-formed request. Pure (rows in, problems out), so `npm run chaos` (reading Postgres over TCP
 * from Node) and the slim chaos test in the Workers runtime (reading it through the Neon driver)
 * judge a run the same way.
 */
import { asLeadStatus, canTransition } from "../../src/domain/state-machine.ts";
import { storableText } from "../../src/lib/storable-text.ts";

/** One outbox row of a lead. */
export interface OutboxRow {
  id: string;
  seq: number;
  toPhone: string;
  status: string;
}

/** One lead as Postgres has it after the run. */
export interface LeadLedger {
  phone: string;
  status: string;
  /** `processed_events.event_id` of its WhatsApp messages (one per applied message). */
  processed: readonly string[];
  /** `processed_events.event_id` of its Stripe events (applied or deliberately ignored). */
  stripeProcessed: readonly string[];
  outbox: readonly OutboxRow[];
  /** Its `lead.transition` events, oldest first. */
  transitions: readonly { from: string; to: string }[];
}

/** A send the Graph emulator accepted, in the order it accepted them. */
export interface ObservedSend {
  /** `biz_opaque_callback_data`: the outbox row id (or `parked-…` for a parked-message alert). */
  ref: string | null;
  waId: string;
  /** Emulator clock, ms. */
  at: number;
  /** The text the recipient saw (a text's body, an interactive message's body), when it had one. */
  text?: string | null;
}

/** An artist's one-tap link (`/a/<256-bit token>`): never for a client's eyes (issue 19). */
const ACTION_LINK = /\/a[#/][A-Za-z0-9_-]{43}/;

/** A request the traffic sent and the answer it got. */
export interface ObservedAnswer {
  /** What was posted: "message", "batch", or a hostile kind such as "forged signature". */
  kind: string;
  /** Signed, valid JSON in Meta's shape: must be answered 200. */
  wellFormed: boolean;
  status: number;
  /** Statuses that are right for this request (well-formed ones: 200 only). */
  expected: readonly number[];
  at: number;
}

/** Everything the client side saw. */
export interface TrafficLedger {
  /** Per number (E.164): ids of the well-formed, signed messages it posted. */
  sent: ReadonlyMap<string, readonly string[]>;
  /** Per number: ids a 200 acknowledged as stored (or as already stored). */
  accepted: ReadonlyMap<string, ReadonlySet<string>>;
  /** Ids only ever posted with a forged signature: must never be processed. */
  forged: ReadonlySet<string>;
  answers: readonly ObservedAnswer[];
  /** Redeliveries the Worker reported as duplicates (answer field `duplicates`). */
  duplicatesReported: number;
  /** Per number: Stripe event ids delivered (each applied exactly once). */
  stripeEvents?: ReadonlyMap<string, readonly string[]>;
  /** Numbers whose deposit was paid: DEPOSIT_PAID entered exactly once. */
  paid?: ReadonlySet<string>;
}

/** A period when an object (a number, or `*` for all of them) was reset or the Worker was down. */
export interface ResetWindow {
  phone: string;
  from: number;
  to: number;
  /** The Worker was not serving at all (a restart): refused requests are the platform's, not Inkline's. */
  workerDown: boolean;
}

export interface ChaosCounts {
  numbers: number;
  messagesSent: number;
  deliveries: number;
  accepted: number;
  processed: number;
  replies: number;
  duplicatesSuppressed: number;
  hostileRequests: number;
  refusedWhileDown: number;
  /** Well-formed requests answered 503 "database unavailable, retry" (routes that need Postgres). */
  retryLater: number;
}

export interface ChaosVerdict {
  counts: ChaosCounts;
  /** Loss, duplication, disorder, skipped statuses, wrong answers: any one fails the run. */
  problems: string[];
}

export interface CheckOptions {
  /**
   * Longest a Graph call may have been in flight when a reset hit it (the emulator records on
   * answer): a reply sent twice is a failure either way, this only says which fault it followed.
   */
  graphInFlightMs: number;
}

const DELIVERED = new Set(["SENT", "DELIVERED", "READ"]);
const SLACK_MS = 250;

function processingProblems(leads: ReadonlyMap<string, LeadLedger>, traffic: TrafficLedger, problems: string[]): number {
  let processed = 0;
  const forgedIds = new Set([...traffic.forged].map(storableText));
  const phones = new Set([...traffic.sent.keys(), ...traffic.accepted.keys()]);
  for (const phone of phones) {
    const lead = leads.get(phone);
    // Inkline stores ids as it stores all client text (storable-text.ts): compare them that way.
    const accepted = new Set([...(traffic.accepted.get(phone) ?? [])].map(storableText));
    const sent = new Set((traffic.sent.get(phone) ?? []).map(storableText));
    const done = lead?.processed ?? [];
    processed += done.length;
    const doneSet = new Set(done);
    if (doneSet.size !== done.length) problems.push(`${phone}: ${done.length - doneSet.size} message(s) processed twice`);
    const lost = [...accepted].filter((id) => !doneSet.has(id));
    if (lost.length > 0) problems.push(`${phone}: ${lost.length} accepted message(s) never processed (${lost.slice(0, 2).join(", ")})`);
    const unknown = done.filter((id) => !sent.has(id));
    if (unknown.length > 0) problems.push(`${phone}: ${unknown.length} processed message(s) that were never sent well-formed`);
    const forged = done.filter((id) => forgedIds.has(id));
    if (forged.length > 0) problems.push(`${phone}: ${forged.length} message(s) with a forged signature processed`);
  }
  return processed;
}

interface RowRef {
  lead: LeadLedger;
  row: OutboxRow;
}

function inResetWindow(phone: string, at: number, resets: readonly ResetWindow[], inFlightMs: number): boolean {
  return resets.some((r) => (r.phone === phone || r.phone === "*") && at >= r.from - SLACK_MS && at <= r.to + inFlightMs + SLACK_MS);
}

function deliveryProblems(
  leads: ReadonlyMap<string, LeadLedger>,
  sends: readonly ObservedSend[],
  resets: readonly ResetWindow[],
  options: CheckOptions,
  verdict: { problems: string[] },
): number {
  const rows = new Map<string, RowRef>();
  for (const lead of leads.values()) for (const row of lead.outbox) rows.set(row.id, { lead, row });

  const copies = new Map<string, ObservedSend[]>();
  for (const send of sends) {
    const owner = send.ref === null ? undefined : rows.get(send.ref);
    if (owner && owner.row.toPhone === owner.lead.phone && send.text && ACTION_LINK.test(send.text)) {
      verdict.problems.push(`${owner.lead.phone}: reply #${owner.row.seq} gave the client one of the artist's action links`);
    }
    if (send.ref?.startsWith("parked-")) {
      verdict.problems.push(`a message was parked (${send.ref}): it failed every attempt with the database up`);
      continue;
    }
    if (send.ref === null || !rows.has(send.ref)) continue; // not one of this run's leads
    copies.set(send.ref, [...(copies.get(send.ref) ?? []), send]);
  }

  for (const [ref, list] of copies) {
    const found = rows.get(ref);
    const first = list[0];
    if (list.length < 2 || !found || !first) continue;
    const at = list.map((c) => new Date(c.at).toISOString().slice(11, 23)).join(", ");
    const label = `${found.lead.phone}: reply #${found.row.seq} (to ${found.row.toPhone === found.lead.phone ? "the client" : "the artist"}) sent ${list.length}× (${at})`;
    const afterReset = inResetWindow(found.lead.phone, first.at, resets, options.graphInFlightMs);
    verdict.problems.push(afterReset ? `${label}, its first send in flight when the object was reset` : label);
  }

  for (const lead of leads.values()) {
    const seqs: number[] = [];
    for (const send of sends) {
      const found = send.ref === null ? undefined : rows.get(send.ref);
      if (found?.lead === lead && copies.get(found.row.id)?.[0] === send) seqs.push(found.row.seq);
    }
    const disorder = seqs.findIndex((seq, i) => i > 0 && seq < (seqs[i - 1] ?? 0));
    if (disorder !== -1) verdict.problems.push(`${lead.phone}: replies out of order (seq ${seqs.slice(Math.max(0, disorder - 1), disorder + 1).join(" then ")})`);
    for (const row of lead.outbox) {
      const sent = copies.has(row.id);
      if (DELIVERED.has(row.status) && !sent) verdict.problems.push(`${lead.phone}: reply #${row.seq} marked ${row.status} but Graph never got it`);
      if (row.status === "PENDING") verdict.problems.push(`${lead.phone}: reply #${row.seq} still PENDING${sent ? " although Graph has it" : ""}`);
      if (row.status === "FAILED") verdict.problems.push(`${lead.phone}: reply #${row.seq} given up (FAILED)`);
      if (row.status === "SKIPPED" && sent) verdict.problems.push(`${lead.phone}: reply #${row.seq} SKIPPED but sent`);
    }
  }
  return copies.size;
}

function stripeProblems(leads: ReadonlyMap<string, LeadLedger>, traffic: TrafficLedger, problems: string[]): void {
  for (const [phone, events] of traffic.stripeEvents ?? []) {
    const done = leads.get(phone)?.stripeProcessed ?? [];
    for (const id of new Set(events)) {
      const n = done.filter((d) => d === id).length;
      if (n !== 1) problems.push(`${phone}: Stripe event ${id} processed ${n}×`);
    }
  }
  for (const phone of traffic.paid ?? []) {
    const entered = (leads.get(phone)?.transitions ?? []).filter((t) => t.to === "DEPOSIT_PAID").length;
    if (entered !== 1) problems.push(`${phone}: deposit paid once, but DEPOSIT_PAID entered ${entered}×`);
  }
}

function transitionProblems(leads: ReadonlyMap<string, LeadLedger>, problems: string[]): void {
  for (const lead of leads.values()) {
    let at = "NEW";
    for (const t of lead.transitions) {
      if (t.from !== at) problems.push(`${lead.phone}: status skipped: ${at} then a transition from ${t.from}`);
      const from = asLeadStatus(t.from);
      const to = asLeadStatus(t.to);
      if (!from || !to || !canTransition(from, to)) problems.push(`${lead.phone}: ${t.from} -> ${t.to} is not in the state machine`);
      at = t.to;
    }
    if (at !== lead.status) problems.push(`${lead.phone}: status ${lead.status}, but its transitions end at ${at}`);
  }
}

function answerProblems(traffic: TrafficLedger, resets: readonly ResetWindow[], problems: string[]): number {
  let refusedWhileDown = 0;
  const wrong = new Map<string, number>();
  for (const a of traffic.answers) {
    if (a.expected.includes(a.status)) continue;
    const down = resets.some((r) => r.workerDown && a.at >= r.from - SLACK_MS && a.at <= r.to + SLACK_MS);
    // While the Worker is restarting, the dev proxy refuses or fails requests: Meta retries those.
    if (down && (a.status === 0 || a.status >= 500)) {
      refusedWhileDown++;
      continue;
    }
    const key = `${a.kind} answered ${a.status === 0 ? "no response" : a.status} (expected ${a.expected.join("/")})`;
    wrong.set(key, (wrong.get(key) ?? 0) + 1);
  }
  for (const [key, n] of wrong) problems.push(`${n}× ${key}`);
  return refusedWhileDown;
}

/** Judges a run. `leads` by phone (E.164); `sends` in the emulator's order. */
export function checkChaosRun(
  leads: ReadonlyMap<string, LeadLedger>,
  traffic: TrafficLedger,
  sends: readonly ObservedSend[],
  resets: readonly ResetWindow[],
  options: CheckOptions,
): ChaosVerdict {
  const verdict: ChaosVerdict = {
    counts: {
      numbers: 0,
      messagesSent: 0,
      deliveries: 0,
      accepted: 0,
      processed: 0,
      replies: 0,
      duplicatesSuppressed: traffic.duplicatesReported,
      hostileRequests: 0,
      refusedWhileDown: 0,
      retryLater: 0,
    },
    problems: [],
  };
  const { counts, problems } = verdict;
  counts.numbers = new Set([...traffic.sent.keys(), ...traffic.accepted.keys()]).size;
  for (const ids of traffic.sent.values()) counts.messagesSent += new Set(ids).size;
  for (const ids of traffic.accepted.values()) counts.accepted += ids.size;
  const wellFormed = traffic.answers.filter((a) => a.wellFormed);
  counts.deliveries = wellFormed.length;
  counts.hostileRequests = traffic.answers.length - wellFormed.length;

  counts.processed = processingProblems(leads, traffic, problems);
  counts.replies = deliveryProblems(leads, sends, resets, options, verdict);
  transitionProblems(leads, problems);
  stripeProblems(leads, traffic, problems);
  counts.refusedWhileDown = answerProblems(traffic, resets, problems);
  counts.retryLater = wellFormed.filter((a) => a.status === 503 && a.expected.includes(503)).length;
  return verdict;
}
