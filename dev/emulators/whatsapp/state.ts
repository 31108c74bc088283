/**
 * Everything the emulator remembers between requests: accepted and rejected sends, generated
 * inbound messages, webhook deliveries, armed failures, the shiftable clock and, per client, the
 * last inbound time that opens Meta's 24-hour customer-service window. Plain data and small
 * methods; HTTP lives elsewhere.
 */
import type { GraphError } from "./graph-errors.ts";
import { MediaStore } from "./media.ts";

/** Failures armed for one scope: `remaining` calls of kind `only` (any if absent) for client `phone` (digits; any if absent). */
export interface ArmedFailure {
  remaining: number;
  mode: FailureMode;
  only?: GraphCallKind | undefined;
  phone?: string | undefined;
  /** Only message sends whose `biz_opaque_callback_data` (our ref) starts with this. */
  ref?: string | undefined;
}

/** A client's key for scoping: a number as digits only ("+44 7700…" and "447700…" are one client), a BSUID as it is. */
export const digits = (client: string): string => (/^\+?[0-9 ]+$/.test(client) ? client.replace(/\D/g, "") : client);

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
  /** Latency for one client's calls only (digits → ms): parallel tests slow their own client, not everyone's. */
  readonly latencyFor = new Map<string, number>();
  /** Graph calls being answered right now, per client (digits): a test can act while its send is in flight. */
  readonly inFlight = new Map<string, number>();
  #clockOffsetMs = 0;
  #seq = 0;
  /** Armed failures, each for any client or for one (`phone`, digits): parallel tests arm their own. */
  #armed: ArmedFailure[] = [];
  /** Injected failures per client scope (digits), per mode. */
  #injectedFor = new Map<string, Record<FailureMode, number>>();
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
   * Arms the next `count` Graph calls to fail in `mode`, replacing any arming of the same scope.
   * With `only`, calls of the other kind pass untouched and do not use up the count; with `phone`,
   * only calls for that client (a send to it, its media) do. Count 0 disarms the scope; count 0
   * without `only` disarms every kind for that client (without `phone` either: everything).
   */
  armFailures(count: number, mode: FailureMode, only?: GraphCallKind, phone?: string, ref?: string): void {
    const scope = phone === undefined ? undefined : digits(phone);
    if (ref !== undefined) {
      // Scoped to sends carrying our ref (the artist's number is shared, its refs are not).
      this.#armed = this.#armed.filter((a) => a.remaining > 0 && a.ref !== ref);
      if (count > 0) this.#armed.push({ remaining: count, mode, only: "messages", phone: scope, ref });
      return;
    }
    if (count === 0 && only === undefined) {
      this.#armed = scope === undefined ? [] : this.#armed.filter((a) => a.phone !== scope);
      return;
    }
    this.#armed = this.#armed.filter((a) => a.remaining > 0 && !(a.only === only && a.phone === scope && a.ref === undefined));
    if (count > 0) this.#armed.push({ remaining: count, mode, only, phone: scope });
  }

  /** Consumes one armed failure for a call of `kind` (for client `phone`, if known), if any, and counts it. */
  takeFailure(kind: GraphCallKind, phone?: string, ref?: string | null): FailureMode | null {
    const scope = phone === undefined ? undefined : digits(phone);
    // A send's own ref first, then a client's own arming, then one for any client.
    const fits = (a: ArmedFailure) => a.remaining > 0 && (a.only === undefined || a.only === kind) && (a.phone === undefined || a.phone === scope);
    const armed =
      this.#armed.find((a) => fits(a) && a.ref !== undefined && typeof ref === "string" && ref.startsWith(a.ref)) ??
      this.#armed.find((a) => fits(a) && a.ref === undefined && a.phone !== undefined) ??
      this.#armed.find((a) => fits(a) && a.ref === undefined && a.phone === undefined);
    if (armed === undefined) return null;
    armed.remaining -= 1;
    this.injected[armed.mode] += 1;
    if (armed.phone !== undefined) {
      const counts = this.#injectedFor.get(armed.phone) ?? { "500": 0, "429": 0, timeout: 0, lost_reply: 0, bsuid_unsupported: 0 };
      counts[armed.mode] += 1;
      this.#injectedFor.set(armed.phone, counts);
    }
    return armed.mode;
  }

  /** Armed failures still to come and how many were injected: for one client's scope, or in all. */
  failureStatus(phone?: string): { remaining: number; armed: ArmedFailure[]; injected: Record<FailureMode, number> } {
    const scope = phone === undefined ? undefined : digits(phone);
    const armed = this.#armed.filter((a) => a.remaining > 0 && (scope === undefined || a.phone === scope));
    const injected = scope === undefined ? this.injected : (this.#injectedFor.get(scope) ?? { "500": 0, "429": 0, timeout: 0, lost_reply: 0, bsuid_unsupported: 0 });
    return { remaining: armed.reduce((n, a) => n + a.remaining, 0), armed: armed.map((a) => ({ ...a })), injected: { ...injected } };
  }

  /** The latency for a call for client `phone` (its own, else the global one). */
  latencyOf(phone?: string): number {
    return (phone === undefined ? undefined : this.latencyFor.get(digits(phone))) ?? this.latencyMs;
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
    this.latencyFor.clear();
    this.#armed = [];
    this.#injectedFor.clear();
    this.sends = [];
    this.rejected = [];
    this.inbound = [];
    this.deliveries = [];
    this.reads = [];
    this.injected = { "500": 0, "429": 0, timeout: 0, lost_reply: 0, bsuid_unsupported: 0 };
    this.#clockOffsetMs = 0;
    this.#contacts.clear();
    this.media.clear();
  }
}
