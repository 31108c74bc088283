/**
 * Everything the emulator remembers between requests: accepted and rejected sends, generated
 * inbound messages, webhook deliveries, armed failures, the shiftable clock and, per client, the
 * last inbound time that opens Meta's 24-hour customer-service window. Plain data and small
 * methods; HTTP lives elsewhere.
 */
import type { GraphError } from "./graph-errors.ts";
import { MediaStore } from "./media.ts";

/** How a failing Graph call fails: an HTTP 500, an HTTP 429, or no answer at all. */
/**
 * How an armed Graph call fails: an error answer (500, 429), no answer at all (`timeout`: the
 * request is dropped unprocessed), or `lost_reply`: a message send is accepted (recorded, status
 * webhooks follow) but its answer never reaches the caller, Graph's worst case for a sender.
 */
export type FailureMode = "500" | "429" | "timeout" | "lost_reply" | "bsuid_unsupported";
/** Which Graph calls an armed failure may hit: message sends, or media lookups and downloads. */
export type GraphCallKind = "messages" | "media";

/** Meta's customer-service window: non-template sends need an inbound message this recent. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** What the Worker's webhook endpoint answered (status `null` when it could not be reached). */
export interface WebhookOutcome {
  status: number | null;
  body: string;
  error?: string;
}

/** A send the emulator accepted. */
export interface RecordedSend {
  seq: number;
  id: string;
  /** `to` exactly as the Worker sent it. */
  to: string;
  wa_id: string;
  type: string;
  body: unknown;
  received_at: string;
  /** Statuses reported for it by status webhooks, in order. */
  statuses: string[];
  /** Button / list-row ids offered, so a later reply can carry Meta's `context`. */
  reply_ids: string[];
}

/** A Graph call the emulator answered with an error (validation, auth, window; not injected faults). */
export interface RejectedSend {
  seq: number;
  received_at: string;
  method: string;
  path: string;
  status: number;
  error: GraphError;
  body: unknown;
}

/** An inbound message the emulator generated and posted to the webhook. */
export interface InboundRecord {
  seq: number;
  id: string;
  from: string;
  name: string;
  type: string;
  message: Record<string, unknown>;
  received_at: string;
  /** `null` until the Worker has answered. */
  webhook: WebhookOutcome | null;
}

/** A "mark as read" (optionally with typing indicator) call the Worker made. */
export interface ReadReceipt {
  message_id: string;
  typing_indicator: boolean;
  at: string;
}

/** One POST the emulator made to the webhook URL. */
export interface WebhookDelivery {
  seq: number;
  kind: "message" | "status" | "raw";
  at: string;
  payload: string;
  outcome: WebhookOutcome;
}

interface Contact {
  name: string;
  lastInboundMs: number;
}

/** Mutable emulator state; one instance per running emulator. */
export class EmulatorState {
  sends: RecordedSend[] = [];
  rejected: RejectedSend[] = [];
  inbound: InboundRecord[] = [];
  deliveries: WebhookDelivery[] = [];
  reads: ReadReceipt[] = [];
  readonly media = new MediaStore();
  /** Graph calls that failed by injection, per mode. */
  injected: Record<FailureMode, number> = { "500": 0, "429": 0, timeout: 0, lost_reply: 0, bsuid_unsupported: 0 };
  /** Added before every Graph answer, to make the Worker's sends slow on purpose (0 = none). */
  latencyMs = 0;
  #clockOffsetMs = 0;
  #seq = 0;
  #armed: { remaining: number; mode: FailureMode; only?: GraphCallKind } = { remaining: 0, mode: "500" };
  /** Failures armed for message sends whose callback data (our ref) starts with the key; apart from {@link #armed}. */
  #scoped = new Map<string, { remaining: number; mode: FailureMode }>();
  #contacts = new Map<string, Contact>();

  /** The emulator's clock: wall time plus the offset set through the control API. */
  now(): number {
    return Date.now() + this.#clockOffsetMs;
  }

  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  set clockOffsetMs(offsetMs: number) {
    this.#clockOffsetMs = offsetMs;
  }

  /** ISO timestamp on the emulator's clock, for records. */
  isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  /** A global sequence number, so sends and inbound messages interleave in true order. */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /**
   * Arms the next `count` Graph calls to fail in `mode` (replaces any previous arming). With
   * `only`, calls of the other kind pass untouched and do not use up the count.
   */
  armFailures(count: number, mode: FailureMode, only?: GraphCallKind): void {
    this.#armed = only === undefined ? { remaining: count, mode } : { remaining: count, mode, only };
  }

  /**
   * Arms the next `count` message sends whose `biz_opaque_callback_data` starts with `refPrefix`
   * to fail in `mode`, leaving every other call (and the global arming) alone: one test's faults
   * never hit another's sends.
   */
  armScopedFailures(refPrefix: string, count: number, mode: FailureMode): void {
    if (count <= 0) this.#scoped.delete(refPrefix);
    else this.#scoped.set(refPrefix, { remaining: count, mode });
  }

  /** Consumes one armed failure for a call of `kind`, if any, and counts it. */
  takeFailure(kind: GraphCallKind, ref: string | null = null): FailureMode | null {
    if (kind === "messages" && ref !== null) {
      for (const [prefix, armed] of this.#scoped) {
        if (!ref.startsWith(prefix)) continue;
        armed.remaining -= 1;
        if (armed.remaining <= 0) this.#scoped.delete(prefix);
        this.injected[armed.mode] += 1;
        return armed.mode;
      }
    }
    if (this.#armed.remaining <= 0) return null;
    if (this.#armed.only !== undefined && this.#armed.only !== kind) return null;
    this.#armed.remaining -= 1;
    this.injected[this.#armed.mode] += 1;
    return this.#armed.mode;
  }

  /** Armed failures still to come, and how many were injected so far. */
  failureStatus(): { remaining: number; mode: FailureMode; only?: GraphCallKind; injected: Record<FailureMode, number> } {
    return { ...this.#armed, injected: { ...this.injected } };
  }

  /** Notes an inbound message from `waId`; opens (or extends) the 24-hour window. */
  touchContact(waId: string, name: string): void {
    this.#contacts.set(waId, { name, lastInboundMs: this.now() });
  }

  /** The profile name last used by this client, if any. */
  contactName(waId: string): string | undefined {
    return this.#contacts.get(waId)?.name;
  }

  /** Whether a non-template message to `waId` is allowed right now. */
  inServiceWindow(waId: string): boolean {
    const contact = this.#contacts.get(waId);
    return contact !== undefined && this.now() - contact.lastInboundMs <= SERVICE_WINDOW_MS;
  }

  /** The latest send to `waId` offering `replyId` as a button or list row (for reply context). */
  sendOffering(waId: string, replyId: string): RecordedSend | undefined {
    return this.sends.findLast((s) => s.wa_id === waId && s.reply_ids.includes(replyId));
  }

  /** Both directions of one client's conversation, in true order. */
  conversation(waId: string): ({ direction: "in"; record: InboundRecord } | { direction: "out"; record: RecordedSend })[] {
    const inbound = this.inbound.filter((m) => m.from === waId).map((record) => ({ direction: "in" as const, record }));
    const outbound = this.sends.filter((s) => s.wa_id === waId).map((record) => ({ direction: "out" as const, record }));
    return [...inbound, ...outbound].sort((a, b) => a.record.seq - b.record.seq);
  }

  /** Forgets everything: records, failures, clock offset, conversations and media. */
  reset(): void {
    this.latencyMs = 0;
    this.sends = [];
    this.rejected = [];
    this.inbound = [];
    this.deliveries = [];
    this.reads = [];
    this.injected = { "500": 0, "429": 0, timeout: 0, lost_reply: 0, bsuid_unsupported: 0 };
    this.#clockOffsetMs = 0;
    this.#armed = { remaining: 0, mode: "500" };
    this.#scoped.clear();
    this.#contacts.clear();
    this.media.clear();
  }
}
