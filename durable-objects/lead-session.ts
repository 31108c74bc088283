/**
 * A lead's working state inside its Durable Object: the cached lead row, decision application
 * (with the Stripe calls a decision needs, payment-steps.ts), payment events, and in-order outbox
 * delivery to the Graph API.
 *
 * The DO is the only writer of its lead, so the cached row is trusted until a write fails; the
 * optimistic version check catches anything else (e.g. an admin edit), and a failure forgets the
 * cache so the next attempt reloads.
 */
import { artistAlertTemplate, sendArtistAlert } from "../src/adapters/whatsapp/artist-alert.ts";
import type { StudioPolicy } from "../src/domain/studio-policy.ts";
import { BSUID_UNSUPPORTED_CODE, graphConfigFrom, sendGraphMessage, unanswered, WINDOW_CLOSED_CODE, type SendResult } from "../src/adapters/whatsapp/graph-client.ts";
import { artistNoticeNumber, type AppConfig } from "../src/config.ts";
import type { DatabaseHandle } from "../src/db/client.ts";
import {
  adoptIdentity,
  applyDecision,
  identityUpdate,
  loadLead,
  moveLeadNumber,
  type ClientIdentity,
  recordIgnoredEvent,
  loadOrCreateLead,
  markOutboxFailure,
  markOutboxSentMany,
  markOutboxSkipped,
  outboxDeliveryState,
  pendingOutbox,
  RECENT_ANSWERS,
  recentAnswers,
  recordSystemEvent,
  recordUnlessApplied,
  StaleLeadError,
  TokenUnavailableError,
  type ApplyInput,
  type SentMark,
} from "../src/db/lead-store.ts";
import { findActionToken } from "../src/db/action-tokens.ts";
import { panicSwitch } from "../src/db/settings-store.ts";
import { ActionRefusal, checkActionToken, storedAppliedOutcome, viaToken, type ActionOutcome } from "../src/domain/artist-actions.ts";
import type { Attachment, Lead, OutboxMessage } from "../src/db/schema.ts";
import { greetingName, renderCopy } from "../src/domain/copy.ts";
import { countAttachments } from "../src/db/attachment-store.ts";
import { PaymentIgnored, type PaymentEvent } from "../src/domain/deposit.ts";
import {
  decide,
  decideArtistAction,
  decidePayment,
  outsidePilot,
  retainAnswers,
  type Decision,
  type NotKeptReason,
  type PaymentDecision,
  type EngineConfig,
  type LeadState,
  type PanicState,
  type RecordedAnswer,
} from "../src/domain/engine.ts";
import type { BookingConfig } from "../src/domain/engine/types.ts";
import { timerLead } from "../src/domain/engine/timers.ts";
import { nextTimer, type TimerConfig } from "../src/domain/timers.ts";
import { asLeadStatus } from "../src/domain/state-machine.ts";
import type { InboundMessage, OutboundPayload } from "../src/domain/messages.ts";
import { parseOutboundPayload } from "../src/domain/outbound-schema.ts";
import { maskClientId } from "../src/domain/client-id.ts";
import { upcomingStops } from "../src/domain/tour-schedule.ts";
import { backoffMs } from "../src/lib/backoff.ts";
import type { Logger } from "../src/lib/log.ts";
import { randomToken } from "../src/lib/crypto.ts";
import { mintActionLinks, openLinks, openSettingsFrom } from "./action-links.ts";
import { phoneOf, type ArtistActionPayload, type DepositSweepPayload, type InboxItem, type StripeEventPayload } from "./inbox.ts";
import { afterDecision, toLeadState, withoutArtistNotices } from "./lead-state.ts";
import { LeadBooking } from "./lead-booking.ts";
import { PaymentSteps } from "./payment-steps.ts";
import type { SendLedger } from "./send-ledger.ts";

/** Where a committed decision came from: its processed-event marker and what it consumes. */
interface CommitEvent {
  provider: ApplyInput["provider"];
  eventId: string;
  correlationId: string;
  now: Date;
  consumeTokenId?: string | null;
  /** Stored with the marker (an artist action's outcome), so a replay can be answered as the first time. */
  result?: ActionOutcome;
}

export class LeadSession {
  private lead: Lead | null = null;
  /** The lead's latest answers, oldest first (kept in step with what this object commits). */
  private answers: RecordedAnswer[] | null = null;
  /** Attachments stored for the lead (the summary's image count). */
  private attachmentCount: number | null = null;
  private outbox: OutboxMessage[] | null = null;
  /** The studio's policy (issue 18), read again for each input (lead-booking.ts keeps it a few seconds). */
  private policy: StudioPolicy | undefined;
  /**
   * Rows Graph accepted whose SENT mark Postgres has not had yet: it rides on the next decision's
   * statement, or {@link flushSentMarks} writes it when the object has nothing else to do. Losing
   * them (a reset) loses nothing: the ledger still has each send, and the row, still PENDING in
   * Postgres, is marked from it on reload instead of being sent again.
   */
  private readonly marks: SentMark[] = [];
  private readonly config: AppConfig;
  /** Sends Graph accepted, and sends whose answer never came (send-ledger.ts). */
  private readonly sends: SendLedger;
  private readonly handle: () => DatabaseHandle;
  private readonly payments: PaymentSteps;
  private readonly booking: LeadBooking;

  /** Runs after each committed decision (freed-slot answers close their offer: lead-freed-offer.ts). */
  private readonly afterCommit: (decision: Decision, now: Date, correlationId: string) => Promise<void>;

  constructor(
    sql: SqlStorage,
    config: AppConfig,
    handle: () => DatabaseHandle,
    sends: SendLedger,
    env: Pick<Env, "ARTIST_CALENDAR">,
    afterCommit: (decision: Decision, now: Date, correlationId: string) => Promise<void> = () => Promise.resolve(),
  ) {
    this.afterCommit = afterCommit;
    this.config = config;
    this.handle = handle;
    this.sends = sends;
    this.payments = new PaymentSteps(sql, config);
    this.booking = new LeadBooking(env, config, handle);
  }

  /** The database, for inputs with their own modules that read something before deciding (lead-timers.ts). */
  get db(): DatabaseHandle["db"] {
    return this.handle().db;
  }

  get leadId(): string | null {
    return this.lead?.id ?? null;
  }

  /**
   * Why the lead's reference files may not be fetched or stored now (the client opted out, the
   * number is outside the pilot), or null when they may; null when the lead is not loaded.
   */
  get referencesRefused(): NotKeptReason | null {
    if (!this.lead) return null;
    if (this.lead.optedOut) return "opted_out";
    return outsidePilot(this.lead.phoneE164, this.pilot()) ? "not_in_pilot" : null;
  }

  /** Whether timers may fire (FEATURE_REMINDERS). */
  get remindersOn(): boolean {
    return this.config.FEATURE_REMINDERS;
  }

  /** Whether the lead and its outbox are in memory. */
  get loaded(): boolean {
    return this.lead !== null && this.answers !== null && this.attachmentCount !== null && this.outbox !== null;
  }

  get pendingOutboxCount(): number {
    return this.outbox?.length ?? 0;
  }

  get hasPendingOutbox(): boolean {
    return this.outbox !== null && this.outbox.length > 0;
  }

  /** Drops cached state after a failure; the next step reloads from Postgres. */
  forget(): void {
    this.lead = null;
    this.answers = null;
    this.attachmentCount = null;
    this.outbox = null;
  }

  /**
   * Loads (or creates) the lead served by this object (`conversation`: its name), and its
   * undelivered outbox. `identity` (a client message's sender) creates the lead with its ids and
   * adds to a known lead what it did not have (its BSUID the first time Meta sends one, a number
   * the client shared, a new username): one statement, only when something is new.
   */
  async load(conversation: string, log: Logger, identity: ClientIdentity | null = null): Promise<void> {
    const db = this.handle().db;
    if (!this.lead) {
      this.lead = await loadOrCreateLead(db, conversation, identity);
      log.debug("lead.loaded", { lead_id: this.lead.id, status: this.lead.status });
    }
    const adds = identity === null ? null : identityUpdate(this.lead, identity);
    if (adds !== null) {
      this.lead = await adoptIdentity(db, this.lead, adds);
      log.info("lead.identity_added", { lead_id: this.lead.id, bsuid: this.lead.bsuid, has_phone: this.lead.phoneE164 !== null });
    }
    this.answers ??= await recentAnswers(db, this.lead.id);
    this.attachmentCount ??= await countAttachments(db, this.lead.id);
    this.outbox ??= await pendingOutbox(db, this.lead.id);
    this.policy = await this.booking.policy(Date.now());
  }

  private pilot(): EngineConfig["pilot"] {
    return { enabled: this.config.PILOT_MODE, allowlist: this.config.PILOT_ALLOWLIST };
  }

  /**
   * The panic switch for a decision about to be made (settings-store.ts: Postgres behind a
   * per-isolate cache of a few seconds, so a flip reaches this object without a deploy).
   */
  private async panic(now: Date): Promise<PanicState> {
    const { on, since } = await panicSwitch(this.handle().db, now.getTime());
    return { on, since };
  }

  private engineConfig(now: Date, panic?: PanicState, booking?: BookingConfig): EngineConfig {
    return {
      panic,
      booking,
      policy: this.policy,
      artistName: this.config.ARTIST_NAME,
      replyDays: this.config.REPLY_DAYS,
      pilot: this.pilot(),
      maxFieldFailures: this.config.HANDOVER_AFTER_FAILURES,
      holdingReplyEveryMs: this.config.HOLDING_REPLY_EVERY_HOURS * 60 * 60 * 1000,
      tourStops: upcomingStops(this.config.TOUR_SCHEDULE, now),
      // Links live only in the artist's notices: none is minted while those are switched off.
      actionLinks: this.config.PUBLIC_BASE_URL !== undefined && this.config.ADMIN_API_KEY !== undefined && this.config.FEATURE_ARTIST_NOTIFICATIONS,
      // Fresh for every decision: what the engine leaves for this object to fill carries it.
      slotNonce: randomToken(16),
      payments: this.payments.enabled,
      depositLinkTtlMs: this.config.DEPOSIT_LINK_TTL_HOURS * 60 * 60 * 1000,
      timers: this.timerConfig(),
      aftercare: { reviewUrl: this.config.STUDIO_REVIEW_URL ?? null, copyByStyle: this.config.AFTERCARE_COPY_BY_STYLE },
      templates: {
        language: this.config.WHATSAPP_TEMPLATE_LANGUAGE,
        names: { update: this.config.WHATSAPP_FALLBACK_TEMPLATE, artist_alert: this.config.WHATSAPP_FALLBACK_TEMPLATE, ...this.config.WHATSAPP_TEMPLATE_NAMES },
      },
    };
  }

  private timerConfig(): TimerConfig {
    return { studioTimeZone: this.config.STUDIO_TIME_ZONE, hours: this.config.TIMER_HOURS, quietHours: this.config.QUIET_HOURS };
  }

  /**
   * The decision with the lead's next timer (as the lead will be once it is applied) in its
   * patch: `next_timer_at` moves with every decision, in the same statement.
   */
  private withNextTimer(decision: Decision, lead: Lead, answers: readonly RecordedAnswer[], attachmentCount: number, now: Date): Decision {
    const added = decision.answers.map(({ questionKey, rawText, value }) => ({ questionKey, rawText, value }));
    const after = toLeadState(afterDecision(lead, decision, now), [...answers, ...added], attachmentCount);
    const next = nextTimer(timerLead(after), this.timerConfig());
    return { ...decision, patch: { ...decision.patch, nextTimerAt: next?.dueAt ?? null, nextTimerKind: next?.kind ?? null } };
  }

  /**
   * Decides with `decideFn` against the cached lead and commits what it decided under the
   * processed-event marker it names (nothing when it names none), retrying once against a reloaded lead when another writer moved
   * it. For inputs with their own modules (timers); the session stays the cache and the commit.
   */
  async decideAndCommit<T>(
    decideFn: (state: LeadState, config: EngineConfig) => { decision: Decision; eventId: string | null; outcome: T },
    event: Omit<CommitEvent, "result" | "eventId">,
  ): Promise<{ outcome: T; committed: boolean; duplicate: boolean }> {
    const panic = await this.panic(event.now);
    for (let attempt = 0; ; attempt++) {
      const { lead, answers, attachmentCount } = this.cached();
      const decided = decideFn(toLeadState(lead, answers, attachmentCount), this.engineConfig(event.now, panic));
      if (decided.eventId === null) return { outcome: decided.outcome, committed: false, duplicate: false };
      try {
        const result = await this.commit(decided.decision, { ...event, eventId: decided.eventId });
        return { outcome: decided.outcome, committed: result !== null, duplicate: result === null };
      } catch (error) {
        if (!(error instanceof StaleLeadError) || attempt >= 1) throw error;
        await this.reload(lead.id);
      }
    }
  }

  /** The cached lead row (for the input modules' guards); throws when not loaded. */
  get current(): Lead {
    return this.cached().lead;
  }

  /** The cached lead, answers, attachment count and outbox; throws when not loaded (a bug). */
  private cached(): { lead: Lead; answers: RecordedAnswer[]; attachmentCount: number; outbox: OutboxMessage[] } {
    const { lead, answers, attachmentCount, outbox } = this;
    if (!lead || !answers || attachmentCount === null || !outbox) throw new Error("session not loaded");
    return { lead, answers, attachmentCount, outbox };
  }

  /**
   * Mints the decision's action links and commits it with them in one statement; the replies
   * join the outbox queue and the cache moves on. Null when the event was applied before (and
   * `onDuplicate` then hears what was stored with it).
   */
  private async commit(
    decision: Decision,
    event: CommitEvent,
    onDuplicate?: (stored: unknown) => void,
  ): Promise<{ lead: Lead; outbox: OutboxMessage[]; attachments: Attachment[] } | null> {
    const { lead, answers, attachmentCount, outbox } = this.cached();
    const links = { baseUrl: this.config.PUBLIC_BASE_URL, adminKey: this.config.ADMIN_API_KEY, ttlHours: this.config.ACTION_TOKEN_TTL_HOURS };
    const minted = await mintActionLinks(this.withNextTimer(withoutArtistNotices(decision, this.config.FEATURE_ARTIST_NOTIFICATIONS), lead, answers, attachmentCount, event.now), lead.id, links, event.now);
    const marks = [...this.marks];
    const result = await applyDecision(this.handle().db, {
      lead,
      provider: event.provider,
      eventId: event.eventId,
      decision: minted.decision,
      correlationId: event.correlationId,
      artistPhone: artistNoticeNumber(this.config) ?? null,
      now: event.now,
      newTokens: minted.tokens,
      consumeTokenId: event.consumeTokenId ?? null,
      result: event.result ?? null,
      sentMarks: marks,
    });
    // Committed with the decision (a duplicate too): those rows are SENT in Postgres now.
    this.marks.splice(0, marks.length);
    if (result.outcome === "duplicate") {
      onDuplicate?.(result.result);
      await this.reload(lead.id);
      return null;
    }
    this.lead = result.lead;
    const added = decision.answers.map(({ questionKey, rawText, value }) => ({ questionKey, rawText, value }));
    this.answers = retainAnswers([...answers, ...added], RECENT_ANSWERS);
    this.attachmentCount = attachmentCount + result.attachments.length;
    outbox.push(...result.outbox);
    await this.afterCommit(decision, event.now, event.correlationId);
    return result;
  }

  /**
   * Decides and commits one client message; the replies join the outbox queue. Returns the
   * attachments the message created (PENDING rows, for the uploader).
   */
  async handleClientMessage(message: InboundMessage, correlationId: string, log: Logger): Promise<Attachment[]> {
    if (message.numberChange) await this.moveNumber(message.numberChange, log);
    for (let attempt = 0; ; attempt++) {
      const { lead, answers, attachmentCount } = this.cached();
      const now = new Date();
      // Read once per attempt: the whole message is decided under one value of the switch.
      const panic = await this.panic(now);
      const state = toLeadState(lead, answers, attachmentCount);
      const input = { type: "client_message", message } as const;
      const booking = await this.booking.forMessage(state, now);
      const config = this.engineConfig(now, panic, booking);
      // A chosen slot is held in the artist's calendar first; gone, the message is decided again.
      const decided = await this.booking.hold(decide(state, input, now, config), state, now, (holdRefused) => decide(state, input, now, { ...config, booking: booking && { ...booking, holdRefused } }));
      try {
        // A fresh deposit link (the reply after an expiry) is created before anything is committed.
        const fulfilled = await this.payments.fulfil(decided, lead, message.id, now);
        if (!fulfilled.ok) throw new Error(`Stripe refused the deposit link: ${fulfilled.code} ${fulfilled.message}`);
        const decision = fulfilled.decision;
        await this.booking.cancel(decision, now);
        const result = await this.commit(decision, { provider: "whatsapp", eventId: message.id, correlationId, now });
        if (!result) {
          log.info("whatsapp.duplicate", { lead_id: lead.id, message_id: message.id });
          return [];
        }
        log.info("lead.step", {
          lead_id: lead.id,
          status: result.lead.status,
          question: result.lead.currentQuestion,
          replies: result.outbox.length,
          attachments: result.attachments.length,
        });
        return result.attachments;
      } catch (error) {
        if (!(error instanceof StaleLeadError) || attempt >= 1) throw error;
        await this.reload(lead.id);
      }
    }
  }

  /**
   * A "changed number" notice: the lead moves to the new number (and new BSUID) in place. The
   * engine then records the notice and greets no one; the caller links the new ids to this object.
   */
  private async moveNumber(change: NonNullable<InboundMessage["numberChange"]>, log: Logger): Promise<void> {
    const { lead } = this.cached();
    const moved = await moveLeadNumber(this.handle().db, lead, change);
    this.lead = moved;
    log.info("lead.number_changed", { lead_id: lead.id, from: lead.phoneE164, to: moved.phoneE164, moved: moved.phoneE164 !== lead.phoneE164 });
  }

  /**
   * Runs one artist action on the lead, in turn with its messages: checks that it is meant for
   * this lead and (for a link) that its token is usable now, decides, and commits the decision with
   * the token marked used. Refusals change nothing and are recorded as `artist.action_refused`.
   *
   * The outcome is stored with the action's processed marker. An object reset after the commit
   * but before the answer was noted in its SQLite replays the action: the replay gets that stored
   * answer (and "duplicate" only when none is stored), never a refusal caused by the action itself.
   */
  async handleArtistAction(item: ArtistActionPayload, correlationId: string, log: Logger): Promise<ActionOutcome> {
    const db = this.handle().db;
    const marker = { provider: viaToken(item.via) ? "artist" : "admin", eventId: item.eventId } as const;
    const replayed = (stored: unknown): ActionOutcome => {
      log.info("artist.action_replayed", { lead_id: this.lead?.id ?? null, event_id: item.eventId });
      return storedAppliedOutcome(stored) ?? { ok: false, action: item.action, reason: ActionRefusal.DUPLICATE, status: asLeadStatus(this.lead?.status ?? "") };
    };
    for (let attempt = 0; ; attempt++) {
      const { lead, answers, attachmentCount } = this.cached();
      const now = new Date();
      const state = toLeadState(lead, answers, attachmentCount);
      const refuse = async (reason: ActionRefusal, usedAt: Date | null = null, detail: Record<string, unknown> = {}): Promise<ActionOutcome> => {
        const payload = { action: item.action, via: item.via, reason, status: state.status, event_id: item.eventId, ...detail };
        // A replay usually meets a refusal first (the action itself moved the lead or used its
        // token): the statement that would record the refusal finds the marker instead.
        const prior = await recordUnlessApplied(db, marker, { type: "artist.action_refused", level: "warn", leadId: lead.id, payload, correlationId });
        if (prior.applied) return replayed(prior.result);
        log.warn("artist.action_refused", { lead_id: lead.id, ...payload });
        return { ok: false, action: item.action, reason, status: state.status, usedAt: usedAt?.toISOString() ?? null };
      };
      if (item.leadId !== lead.id) return refuse(ActionRefusal.WRONG_LEAD);
      let tokenId: string | null = null;
      if (viaToken(item.via)) {
        const found = item.tokenHash === null ? null : await findActionToken(db, item.tokenHash);
        const check = checkActionToken(found?.token ?? null, { id: lead.id, status: state.status }, now);
        if (!check.ok) return refuse(check.reason, found?.token.usedAt ?? null);
        if (check.action !== item.action || !found) return refuse(ActionRefusal.UNKNOWN_TOKEN);
        tokenId = found.token.id;
      }
      const input = { type: "artist_action", action: item.action, reason: item.reason, via: item.via, amountMinor: item.amountMinor ?? null, rejectReason: item.rejectReason ?? null, fate: item.fate ?? null } as const;
      // Approving (or offering times) offers free slots: the calendar is read first.
      const offers = item.action === "approve" || item.action === "offer_slots" || item.action === "allow_move";
      const decided = decideArtistAction(state, input, now, this.engineConfig(now, undefined, await this.booking.settings(now, offers)));
      const outcome = decided.outcome;
      if (!outcome.ok) return refuse(outcome.reason === "queued" ? ActionRefusal.WRONG_STATUS : outcome.reason);
      try {
        // Stripe first (the checkout link, the refund): a refusal there changes nothing here.
        const fulfilled = await this.payments.fulfil(decided.decision, lead, item.eventId, now);
        if (!fulfilled.ok) return refuse(ActionRefusal.PAYMENT_PROVIDER, null, { stripe_status: fulfilled.status, stripe_code: fulfilled.code, stripe_message: fulfilled.message });
        const decision = fulfilled.decision;
        await this.booking.cancel(decision, now);
        let stored: unknown = null;
        const event = { ...marker, correlationId, now, consumeTokenId: tokenId, result: outcome };
        const result = await this.commit(decision, event, (s) => (stored = s));
        if (!result) return replayed(stored);
        log.info("artist.action", { lead_id: lead.id, action: item.action, via: item.via, from: state.status, status: result.lead.status });
        return outcome;
      } catch (error) {
        const retry = error instanceof StaleLeadError || error instanceof TokenUnavailableError;
        if (!retry || attempt >= 1) throw error;
        await this.reload(lead.id);
      }
    }
  }

  /** A verified Stripe event about this lead: applied once, in turn with everything else. */
  async handleStripeEvent(item: StripeEventPayload, correlationId: string, log: Logger): Promise<void> {
    await this.applyPayment(item.payment, { provider: "stripe", eventId: item.stripeEventId, leadId: item.leadId, stripeType: item.stripeType }, correlationId, log);
  }

  /**
   * The sweep: the lead still waits on a link whose time is up, and no webhook said so. Stripe is
   * asked where the session stands; an expiry (or a payment) it reports is applied once, under a
   * marker per session and state, so a webhook arriving later is a no-op.
   */
  async handleSweep(item: DepositSweepPayload, correlationId: string, log: Logger): Promise<void> {
    const { lead } = this.cached();
    const stillWaiting = lead.id === item.leadId && lead.status === "AWAITING_DEPOSIT" && lead.stripeCheckoutSessionId === item.sessionId;
    // Payments switched off (FEATURE_PAYMENTS) since the cron queued it: Stripe is not asked.
    if (!this.payments.enabled) {
      log.info("deposit.sweep_skipped", { lead_id: lead.id, status: lead.status, reason: "payments_off" });
      return;
    }
    if (!stillWaiting) {
      log.info("deposit.sweep_skipped", { lead_id: lead.id, status: lead.status });
      return;
    }
    const found = await this.payments.check(item.sessionId, item.linkExpiresAtMs, new Date());
    if (!found) {
      log.info("deposit.sweep_open", { lead_id: lead.id, session_id: item.sessionId });
      return;
    }
    await this.applyPayment(found.event, { provider: "cron", eventId: `sweep:${found.marker}`, leadId: item.leadId, stripeType: "sweep" }, correlationId, log);
  }

  private async applyPayment(
    event: PaymentEvent,
    meta: { provider: "stripe" | "cron"; eventId: string; leadId: string; stripeType: string },
    correlationId: string,
    log: Logger,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const { lead, answers, attachmentCount } = this.cached();
      const now = new Date();
      // An event naming another lead than this object's (a stale route) is refused like a foreign session.
      const state = toLeadState(lead, answers, attachmentCount);
      // The held slot is confirmed (or released) in the artist's calendar before the lead hears of it.
      const booking = meta.leadId === lead.id ? await this.booking.forPayment(event, state, now) : undefined;
      const decided: PaymentDecision | null = meta.leadId === lead.id ? decidePayment(state, event, now, this.engineConfig(now, undefined, booking)) : null;
      const about = { lead_id: lead.id, event_id: meta.eventId, type: meta.stripeType, source: event.source };
      if (!decided?.outcome.applied) {
        const reason = decided && !decided.outcome.applied ? decided.outcome.reason : PaymentIgnored.SESSION_MISMATCH;
        const payload = { ...about, reason, session_id: "sessionId" in event ? event.sessionId : null, lead_session_id: lead.stripeCheckoutSessionId, status: lead.status };
        const type = reason === PaymentIgnored.SESSION_MISMATCH || reason === PaymentIgnored.PAYMENT_MISMATCH ? "stripe.session_mismatch" : "stripe.event_ignored";
        const recorded = await recordIgnoredEvent(this.handle().db, { provider: meta.provider, eventId: meta.eventId, leadId: lead.id, type, payload, correlationId });
        log.warn(type, { ...payload, duplicate: !recorded });
        return;
      }
      try {
        const result = await this.commit(decided.decision, { provider: meta.provider, eventId: meta.eventId, correlationId, now });
        if (!result) log.info("stripe.duplicate", about);
        else log.info("stripe.event_applied", { ...about, status: result.lead.status, replies: result.outbox.length });
        return;
      } catch (error) {
        if (!(error instanceof StaleLeadError) || attempt >= 1) throw error;
        await this.reload(lead.id);
      }
    }
  }

  /** Reads the lead, its answers and its attachment count again (another writer moved them). */
  private async reload(leadId: string): Promise<void> {
    const db = this.handle().db;
    this.lead = await loadLead(db, leadId);
    this.answers = await recentAnswers(db, leadId);
    this.attachmentCount = await countAttachments(db, leadId);
  }

  /**
   * Sends pending outbox rows in order. Returns null when the queue is empty, or the time the
   * head row may be retried (later rows wait behind it, so order holds).
   */
  async deliver(nowMs: number, force: boolean): Promise<number | null> {
    const lead = this.lead;
    const queue = this.outbox;
    if (!lead || !queue) return null;
    const db = this.handle().db;
    const graph = graphConfigFrom(this.config);
    let forced = force;
    for (let row = queue[0]; row; row = queue[0]) {
      const now = new Date();
      const sentId = this.sends.sentId(row.id);
      if (sentId !== null) {
        if (this.sends.settledByStatus(row.id)) {
          await this.recordSettled(row, "status webhook to this number");
          this.sends.forgetSettled(row.id);
        }
        this.markSent(row.id, sentId, now);
        queue.shift();
        continue;
      }
      // Client rows name the client (by number or BSUID); the artist's name only the artist's number.
      const toClient = this.isClientRow(row);
      if (toClient && lead.optedOut && row.copyKey !== "optout.confirmed") {
        await markOutboxSkipped(db, row.id, "client opted out", now);
        queue.shift();
        continue;
      }
      const doubt = await this.settleDoubt(row, now);
      if (doubt === "settled") {
        queue.shift();
        continue;
      }
      if (doubt !== "clear") return doubt;
      if (!forced && row.nextAttemptAt && row.nextAttemptAt.getTime() > nowMs) return row.nextAttemptAt.getTime();
      forced = false;
      // An artist's links are opened here, just for the Graph call; the row keeps them sealed.
      const opened = await openLinks(parseOutboundPayload(row.payload), lead.id, openSettingsFrom(this.config), this.inboxPageUrl(lead.id));
      let message = opened.message;
      if (opened.unopened.length > 0) {
        await recordSystemEvent(db, { type: "outbox.links_unopened", level: "warn", leadId: lead.id, payload: { outbox_id: row.id, actions: opened.unopened } });
      }
      const windowClosed = toClient && (!lead.serviceWindowEndsAt || lead.serviceWindowEndsAt.getTime() <= now.getTime());
      if (windowClosed && message.kind !== "template") {
        message = {
          kind: "template",
          name: this.config.WHATSAPP_FALLBACK_TEMPLATE,
          language: this.config.WHATSAPP_TEMPLATE_LANGUAGE,
          params: [greetingName(lead.displayName).trim() || renderCopy("outbox.template_default_name"), this.config.ARTIST_NAME],
        };
        await recordSystemEvent(db, {
          type: "whatsapp.template_fallback",
          leadId: lead.id,
          payload: { outbox_id: row.id, copy_key: row.copyKey, template: message.name },
        });
      }
      let result = await this.send(graph, row, message);
      // The artist's own 24-hour window may be closed (they have not written to the business
      // number today): the approved template still reaches them and points them to the inbox.
      const artistFallback = !result.ok && !toClient && result.code === WINDOW_CLOSED_CODE && message.kind !== "template";
      if (artistFallback) {
        const fallback = opened.fallback ?? artistAlertTemplate(this.config, this.config.ARTIST_NAME, renderCopy("artist.template_alert_subject"));
        result = await this.send(graph, row, fallback);
        await recordSystemEvent(db, {
          type: "whatsapp.template_fallback",
          leadId: lead.id,
          payload: { outbox_id: row.id, copy_key: row.copyKey, template: fallback.kind === "template" ? fallback.name : null, to: "artist" },
        });
      }
      if (result.ok) {
        this.markSent(row.id, result.providerMessageId, now);
        queue.shift();
        continue;
      }
      const attempts = row.attempts + 1;
      const permanent = !result.retryable || attempts >= this.config.RETRY_MAX_ATTEMPTS;
      const next = permanent ? null : new Date(now.getTime() + backoffMs(this.config.RETRY_BASE_MS, attempts, Math.random()));
      await markOutboxFailure(db, row, { code: result.code, message: result.message, permanent, nextAttemptAt: next }, now);
      if (permanent) {
        await recordSystemEvent(db, {
          // 131062: Meta does not take this message for a BSUID; not retried (it never will).
          type: result.code === BSUID_UNSUPPORTED_CODE ? "whatsapp.bsuid_unsupported" : "whatsapp.send_failed",
          level: "error",
          leadId: lead.id,
          payload: { outbox_id: row.id, code: result.code, message: result.message, attempts },
        });
        queue.shift();
        continue;
      }
      queue[0] = { ...row, attempts, nextAttemptAt: next };
      // A send in doubt is looked at again soon: Meta's status webhook may settle it.
      const since = this.sends.inDoubtSince(row.id);
      return since !== null ? this.doubtCheckAt(since, now.getTime()) : (next?.getTime() ?? null);
    }
    return null;
  }

  /** The lead's page in the inbox: where a link that can no longer be opened points the artist. */
  private inboxPageUrl(leadId: string): string {
    return `${(this.config.PUBLIC_BASE_URL ?? "").replace(/\/+$/, "")}/inbox/leads/${leadId}`;
  }

  /**
   * Where a row goes: the client's number when we have one (Meta recommends it), else their BSUID
   * (sent as Graph's `recipient`); the client's current ids, so a number that changed or appeared
   * since the row was written is used. The artist's rows go to the artist's number.
   */
  private destination(row: OutboxMessage): string {
    const lead = this.lead;
    if (lead && this.isClientRow(row)) return lead.phoneE164 ?? lead.bsuid ?? row.toPhone ?? row.toUserId ?? "";
    return row.toPhone ?? row.toUserId ?? "";
  }

  /** Client rows name the client (by number or BSUID, maybe an old number); the artist's only the artist's number. */
  private isClientRow(row: OutboxMessage): boolean {
    return row.toUserId !== null || row.toPhone === this.lead?.phoneE164 || row.toPhone !== (this.config.ARTIST_WHATSAPP_NUMBER ?? null);
  }

  /** Queues the row's SENT mark for the next statement (one round trip less per reply). */
  private markSent(id: string, providerMessageId: string, sentAt: Date): void {
    if (!this.marks.some((m) => m.id === id)) this.marks.push({ id, providerMessageId, sentAt });
  }

  /** Whether SENT marks wait for a statement to carry them. */
  get hasSentMarks(): boolean {
    return this.marks.length > 0;
  }

  /** Writes the waiting SENT marks now (the object is about to go idle): one statement. */
  async flushSentMarks(): Promise<void> {
    if (this.marks.length === 0) return;
    const marks = [...this.marks];
    await markOutboxSentMany(this.handle().db, marks);
    this.marks.splice(0, marks.length);
  }

  /**
   * One Graph call for the row, noted in the ledger around it: the attempt before the call, then
   * the answer. Without an answer (a timeout, a dropped connection) the attempt stays: Graph may
   * have taken the send, and {@link settleDoubt} decides before the row is sent again.
   */
  private async send(graph: ReturnType<typeof graphConfigFrom>, row: OutboxMessage, message: OutboundPayload): Promise<SendResult> {
    this.sends.started(row.id, Date.now());
    const result = await sendGraphMessage(graph, this.destination(row), message, row.id);
    // Noted before anything else is awaited: if a later step fails (the database, a reset), the
    // retry finds the send here and marks the row sent instead of sending it again.
    if (result.ok) this.sends.accepted(row.id, result.providerMessageId, Date.now());
    else if (unanswered(result)) {
      // Meta's status may have beaten the lost answer here (receive() noted it): the send is out.
      const confirmed = this.sends.sentId(row.id);
      if (confirmed !== null) return { ok: true, providerMessageId: confirmed };
      this.sends.unanswered(row.id, Date.now());
    } else this.sends.refused(row.id);
    return result;
  }

  /**
   * A row whose last send got no answer: "settled" when Meta's status webhook has since told us
   * it went out (noted by the object, or by another number's object in Postgres), so it is not
   * sent again; "clear" when nothing is in doubt, or the wait for Meta is over and the row may be
   * sent again; otherwise the time to look again.
   */
  private async settleDoubt(row: OutboxMessage, now: Date): Promise<"settled" | "clear" | number> {
    const since = this.sends.inDoubtSince(row.id);
    if (since === null) return "clear";
    const db = this.handle().db;
    const known = await outboxDeliveryState(db, row.id);
    if (known?.providerMessageId) {
      await this.recordSettled(row, "status webhook to another number");
      this.sends.accepted(row.id, known.providerMessageId, now.getTime());
      this.markSent(row.id, known.providerMessageId, now);
      return "settled";
    }
    if (known && known.status !== "PENDING") {
      // Settled elsewhere (skipped, given up): nothing to send.
      this.sends.refused(row.id);
      return "settled";
    }
    if (now.getTime() < since + this.config.SEND_CONFIRM_WAIT_MS) return this.doubtCheckAt(since, now.getTime());
    // Meta never reported the send: it did not go out. Send it again.
    this.sends.refused(row.id);
    await recordSystemEvent(db, {
      type: "whatsapp.send_unconfirmed",
      level: "warn",
      leadId: row.leadId,
      payload: { outbox_id: row.id, started_at: new Date(since).toISOString(), waited_ms: now.getTime() - since },
    });
    return "clear";
  }

  /** A send in doubt turned out to have gone out: not sent again, and said so for ops. */
  private async recordSettled(row: OutboxMessage, by: string): Promise<void> {
    await recordSystemEvent(this.handle().db, { type: "whatsapp.send_settled", leadId: row.leadId, payload: { outbox_id: row.id, by } });
  }

  /** When to look again at a send in doubt: soon (a status may land in another object), never past the wait. */
  private doubtCheckAt(since: number, nowMs: number): number {
    const deadline = since + this.config.SEND_CONFIRM_WAIT_MS;
    return Math.min(deadline, nowMs + Math.max(this.config.RETRY_BASE_MS, 250));
  }

  /** Records a parked inbox item and alerts the artist (best effort: the DB may be the cause). */
  async reportParked(item: InboxItem, attempts: number, reason: string): Promise<void> {
    const db = this.handle().db;
    const phone = this.lead?.phoneE164 ?? phoneOf(item.payload) ?? "unknown";
    await recordSystemEvent(db, {
      type: "inbox.parked",
      level: "error",
      leadId: this.lead?.id ?? null,
      payload: { event_id: item.eventId, attempts, reason },
      correlationId: item.correlationId,
    });
    const artist = artistNoticeNumber(this.config);
    if (!artist) return;
    const body = renderCopy("artist.parked_message", { maskedPhone: maskClientId(phone), attempts, reason: reason.slice(0, 120) });
    // Text while the artist's window is open, else the approved template pointing to the inbox.
    const result = await sendArtistAlert(this.config, { to: artist, artistName: this.config.ARTIST_NAME, body, subject: renderCopy("artist.template_alert_subject"), ref: `parked-${item.eventId}` });
    if (!result.ok) {
      await recordSystemEvent(db, {
        type: "artist.alert_failed",
        level: "error",
        leadId: this.lead?.id ?? null,
        payload: { alert: "inbox.parked", code: result.code, message: result.message },
        correlationId: item.correlationId,
      });
    }
  }
}
