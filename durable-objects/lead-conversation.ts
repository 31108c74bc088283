/**
 * LeadConversation: one Durable Object per WhatsApp number, the serial point for everything that
 * happens to that lead.
 *
 * `receive()` stores inbound items in the object's own SQLite inbox (event id UNIQUE, so a
 * redelivery is a no-op) and returns; a drain loop then processes them strictly one at a time in
 * arrival order: decide (pure engine) -> one Postgres transaction -> deliver the outbox in order.
 * A failure leaves the item in the inbox and an alarm retries with exponential backoff (full
 * jitter); after RETRY_MAX_ATTEMPTS the item is parked (kept, reported), never dropped.
 *
 * The object holds a database connection only while its drain loop runs: the pool is ended when
 * the loop goes idle or waits for a retry, so a burst of numbers costs Postgres the connections of
 * the objects working at that moment, not of every object that worked lately (src/db/client.ts
 * explains what bounds the rest). And only so many objects work at once: the loop takes a permit
 * from the DatabaseGate before it touches the database and gives it back with the connection
 * (database-permit.ts); an object the gate turns away keeps its items and comes back from its
 * alarm. When the client is owed
 * nothing, the loop uploads the lead's reference images one at a time (attachment-uploader.ts).
 *
 * Artist actions (`act()`), Stripe events and the deposit sweep join the same inbox, so an
 * approval, a payment and a client message for the same lead are applied one after the other,
 * each on top of the other, never racing.
 */
import { DurableObject } from "cloudflare:workers";
import type { AppConfig } from "../src/config.ts";
import { requireConfig } from "../src/config.ts";
import { cannotConnect, CONNECTION_RETRY_BASE_MS, CONNECTION_RETRY_MAX_MS, OBJECT_POOL, openDatabase, pingDatabase, type DatabaseHandle } from "../src/db/client.ts";
import { applyDeliveryStatus, recordSystemEvent, type ClientIdentity } from "../src/db/lead-store.ts";
import type { NumberChange } from "../src/domain/messages.ts";
import { backoffMs } from "../src/lib/backoff.ts";
import { createLogger, describeError, type Logger } from "../src/lib/log.ts";
import { AttachmentUploader } from "./attachment-uploader.ts";
import { DatabasePermit } from "./database-permit.ts";
import { applyTimer } from "./lead-timers.ts";
import { afterFreedAnswer, applyFreedOffer, applyFreedWithdraw, type FreedDeps } from "./lead-freed-offer.ts";
import type { ActionOutcome } from "../src/domain/artist-actions.ts";
import { ActionResults } from "./action-results.ts";
import { Inbox, phoneOf, type ArtistActionPayload, type InboxItem, type InboxPayload } from "./inbox.ts";
import { LeadSession } from "./lead-session.ts";
import { SendLedger } from "./send-ledger.ts";
import { SheetKick } from "./sheet-kick.ts";

export type { ArtistActionPayload, InboxPayload };
export { backoffMs };

/** The reason `evictForBench()` resets the object with (its caller sees it in the error). */
export const BENCH_EVICTION_REASON = "bench: simulated eviction";

export interface ReceiveResult {
  stored: number;
  duplicates: number;
}

export class LeadConversation extends DurableObject<Env> {
  private readonly inbox: Inbox;
  private readonly results: ActionResults;
  private readonly sends: SendLedger;
  private draining: Promise<void> | null = null;
  /** Set by every drain request; cleared by the loop each time it looks at the inbox. */
  private wakeRequested = false;
  private database: DatabaseHandle | null = null;
  /** The gate's permit to use Postgres, held while the drain loop runs. */
  private readonly permit: DatabasePermit;
  private session: LeadSession | null = null;
  private uploader: AttachmentUploader | null = null;
  /** Consecutive failures of steps not tied to an inbox item (outbox delivery, session reload). */
  private stepFailures = 0;
  /** "Sync lead X" to the Sheets mirror after a decision moved the lead (never awaited by the drain). */
  private readonly sheetKick: SheetKick;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.inbox = new Inbox(ctx.storage.sql);
    this.results = new ActionResults(ctx.storage.sql);
    this.sends = new SendLedger(ctx.storage.sql);
    this.permit = new DatabasePermit(env, ctx.id.toString());
    this.sheetKick = new SheetKick(env.JOBS, (promise) => ctx.waitUntil(promise));
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  /**
   * The object's name, which is the lead's conversation key: the client's E.164 number, or the
   * BSUID of a client first seen without one (recorded with its first item; stored under 'phone'
   * since objects named before BSUIDs existed recorded their number there).
   */
  private get phone(): string | null {
    const row = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'phone'").toArray()[0];
    return row?.value ?? null;
  }

  private get config(): AppConfig {
    return requireConfig(this.env);
  }

  private logger(correlationId: string): Logger {
    return createLogger(correlationId, this.config.LOG_LEVEL);
  }

  /**
   * Stores inbound items durably and schedules processing. Resolves only once they are in the
   * inbox (the runtime's output gate holds the reply until the write is durable).
   */
  async receive(items: InboxPayload[], correlationId: string, conversation?: string): Promise<ReceiveResult> {
    let stored = 0;
    // The WhatsApp route names the object it resolved (a BSUID's object may be named after a phone);
    // other callers name the lead's object by its key, which their items carry.
    const phone = conversation ?? items.map(phoneOf).find(Boolean);
    if (phone) this.rememberPhone(phone);
    for (const item of items) {
      if (this.inbox.add(item, correlationId, Date.now())) stored++;
      // Meta's word that a send in doubt here went out: noted at once, so the drain waiting on it
      // moves on now instead of when its wait runs out.
      if (item.type === "whatsapp.status" && item.status.outboxId) this.sends.confirm(item.status.outboxId, item.status.providerMessageId, Date.now());
    }
    if (stored > 0 || this.idleWithWorkDue()) {
      await this.watchdog();
      this.ctx.waitUntil(this.drain(false));
    }
    return { stored, duplicates: items.length - stored };
  }

  /**
   * An artist action: queued in the same inbox as the client's messages (so the two never race),
   * then this call waits for the drain loop to reach it and returns its outcome. When the loop
   * cannot get there now (an earlier item or reply is waiting for a retry), the action stays
   * queued, is applied in turn, and the answer is "queued". A replayed event id gets the first
   * answer.
   */
  async act(item: ArtistActionPayload, correlationId: string): Promise<ActionOutcome> {
    const known = this.results.get(item.eventId);
    if (known) return known;
    this.rememberPhone(item.phone);
    if (this.inbox.add(item, correlationId, Date.now())) await this.watchdog();
    // A drain already running may have passed its last look at the inbox before this item landed:
    // a second pass picks it up. More than that means the loop is waiting on a retry.
    for (let pass = 0; pass < 2; pass++) {
      await this.drain(false);
      const outcome = this.results.get(item.eventId);
      if (outcome) return outcome;
      if (this.inbox.state(item.eventId) !== "pending") break;
    }
    return this.results.get(item.eventId) ?? { ok: false, action: item.action, reason: "queued", status: null };
  }

  /**
   * Items due in the inbox but no drain running: a redelivery after a reset can find its items
   * stored while the reset cut off the drain (and maybe the watchdog) that should have followed.
   */
  private idleWithWorkDue(): boolean {
    if (this.draining !== null) return false;
    const head = this.inbox.head();
    return head !== null && (head.nextAttemptAt === null || head.nextAttemptAt <= Date.now());
  }

  /** Whether this object has ever loaded its lead (a number that only receives statuses has none). */
  private hasLead(): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM meta WHERE key = 'lead'").toArray().length > 0;
  }

  private rememberPhone(phone: string): void {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('phone', ?)", phone);
  }

  /** If this object is evicted mid-drain, the alarm resumes the work. */
  private async watchdog(): Promise<void> {
    await this.ensureAlarm(Date.now() + this.config.RETRY_BASE_MS * 5);
  }

  /** Alarm: retry whatever is due (the alarm fires at the earliest retry time). */
  override async alarm(): Promise<void> {
    await this.drain(true);
  }

  /** Inbox and outbox state for the admin debug view and tests. */
  async debugState(): Promise<{ inbox: InboxItem[]; leadId: string | null; pendingOutbox: number; sendsInDoubt: { outboxId: string; startedAt: number }[]; alarm: number | null }> {
    await this.draining;
    return {
      inbox: this.inbox.all(),
      leadId: this.session?.leadId ?? null,
      pendingOutbox: this.session?.pendingOutboxCount ?? 0,
      sendsInDoubt: this.sends.inDoubt(),
      alarm: await this.ctx.storage.getAlarm(),
    };
  }

  /**
   * `npm run chaos` only (reached through `/_bench/evict`, BENCH_MODE): resets this object the way
   * an eviction or a crash does. Memory and in-flight work are gone; storage and the alarm stay.
   */
  evictForBench(): void {
    this.ctx.abort(BENCH_EVICTION_REASON);
  }

  /** Resolves when the current drain (if any) has finished; for tests and the debug view. */
  async settled(): Promise<number> {
    await this.draining;
    return this.inbox.count();
  }

  private async ensureAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private drain(force: boolean): Promise<void> {
    // A running loop may have looked at the inbox before this work arrived (it reads the head,
    // then awaits I/O): the flag makes it look again before it goes to sleep.
    this.wakeRequested = true;
    this.draining ??= this.drainLoop(force).finally(() => {
      this.draining = null;
      this.releaseDatabase();
    });
    return this.draining;
  }

  private db(): DatabaseHandle {
    this.database ??= openDatabase(this.config, OBJECT_POOL);
    return this.database;
  }

  /**
   * The loop has nothing to do right now (idle, or waiting for a retry or for Meta): the
   * connection goes back to Postgres instead of idling here, and the gate's permit with it; the
   * next drain takes both afresh. A pool whose connection already failed was dropped by
   * {@link guard}, so this ends only a healthy one (ending a dead socket makes the driver throw
   * from a timer).
   */
  private releaseDatabase(): void {
    const handle = this.database;
    this.database = null;
    handle?.close().catch(() => undefined);
    this.ctx.waitUntil(this.permit.release());
  }

  /**
   * The permit to use Postgres, taken (or renewed) before the loop's next step. When the gate
   * turns the object away, nothing fails: the items stay in the inbox and the alarm, set for a
   * jittered time, brings the loop back.
   */
  private async takePermit(): Promise<boolean> {
    const taken = await this.permit.keep(Date.now());
    if (taken.ok) return true;
    await this.ctx.storage.setAlarm(taken.retryAt);
    return false;
  }

  private async drainLoop(force: boolean): Promise<void> {
    if (!(await this.takePermit())) return;
    // After an eviction the session is gone: reload it so undelivered replies are found. (With an
    // inbox item waiting, processing it loads the session and any failure counts against it.)
    if (!this.session?.loaded && this.phone && !this.inbox.head()) {
      if ((await this.guard(() => this.ensureSession("drain"), null)) === "failed") return;
    }
    for (;;) {
      // A long drain renews its lease as it goes (no call to the gate while the lease is young).
      if (!(await this.takePermit())) return;
      this.wakeRequested = false;
      const session = this.session;
      // Earlier decisions' replies leave before later messages are processed.
      if (session?.hasPendingOutbox) {
        const blockedUntil = await this.guard(() => session.deliver(Date.now(), force), null);
        if (blockedUntil === "failed") return;
        if (blockedUntil !== null) {
          // The replies that did go out are marked now rather than after the wait.
          await this.guard(() => session.flushSentMarks(), null);
          await this.ctx.storage.setAlarm(blockedUntil);
          return;
        }
      }
      // Read the head only after delivery: a message may have arrived meanwhile.
      const now = Date.now();
      const head = this.inbox.head();
      if (head && (force || head.nextAttemptAt === null || head.nextAttemptAt <= now)) {
        const ok = await this.guard(() => this.process(head), head);
        if (ok === "failed") return;
        this.inbox.remove(head.seq);
        this.sheetKick.after(this.session?.loaded ? this.session.current : null, this.config, this.logger(head.correlationId), Date.now());
        force = false;
        continue;
      }
      // Items that do not need the lead (delivery statuses) can empty the inbox of an object reset
      // with replies still owed: load the lead before going idle so they go out, instead of
      // sleeping with no alarm. (Only for a number that has a lead: a status alone creates none.
      // An item waiting for its retry loads it when its turn comes.)
      if (!head && !this.session?.loaded && this.hasLead()) {
        if ((await this.guard(() => this.ensureSession("drain"), null)) === "failed") return;
        if (this.session?.hasPendingOutbox) continue;
      }
      // Nothing to decide right now: the replies sent since the last statement are marked in one.
      if (this.session?.hasSentMarks) {
        const flushing = this.session;
        if ((await this.guard(() => flushing.flushSentMarks(), null)) === "failed") return;
        if (this.wakeRequested) continue;
      }
      // The client is owed nothing right now: one reference image gets its turn, then we look again.
      const upload = await this.guard(() => this.uploadDueAttachment(now, force), null);
      if (upload === "failed") return;
      if (upload === "uploaded") {
        force = false;
        continue;
      }
      if (this.wakeRequested) continue;
      await this.sleepUntil(head?.nextAttemptAt ?? null, upload);
      // New work may have arrived while the alarm was being set: never sleep past it.
      if (this.wakeRequested) continue;
      return;
    }
  }

  /** Sets the alarm for the earliest waiting work (an inbox retry, an attachment retry), or clears it. */
  private async sleepUntil(inboxRetryAt: number | null, attachmentDueAt: number | null): Promise<void> {
    const wake = [inboxRetryAt, attachmentDueAt].filter((t) => t !== null);
    if (wake.length === 0) await this.ctx.storage.deleteAlarm();
    else if (inboxRetryAt !== null) await this.ensureAlarm(Math.min(...wake));
    else await this.ctx.storage.setAlarm(Math.min(...wake));
  }

  /**
   * Uploads the lead's soonest attachment if it is due (or `force`d by the alarm). Returns
   * "uploaded" after an attempt (whatever its outcome), else when the next one is due (or null).
   */
  private async uploadDueAttachment(now: number, force: boolean): Promise<"uploaded" | number | null> {
    const leadId = this.session?.leadId;
    if (!leadId) return null;
    this.uploader ??= new AttachmentUploader(this.env.ATTACHMENTS, this.config, () => this.db());
    const due = await this.uploader.nextDueAt(leadId);
    if (due === null) return null;
    // Sent before a STOP (or before the number left the pilot): never fetched after it.
    const refused = this.session?.referencesRefused ?? null;
    if (refused !== null) {
      await this.uploader.dropPending(leadId, refused, this.logger(`attachments:${leadId}`));
      return null;
    }
    if (!force && due > now) return due;
    await this.uploader.uploadNext(this.logger(`attachments:${leadId}`));
    return "uploaded";
  }

  /**
   * Runs one step; on failure records the attempt, schedules the retry alarm and reports
   * "failed". Parks the inbox item once it has used all its attempts.
   */
  private async guard<T>(step: () => Promise<T>, item: InboxItem | null): Promise<T | "failed"> {
    try {
      const result = await step();
      this.stepFailures = 0;
      return result;
    } catch (error) {
      const config = this.config;
      // No connection to be had (too many clients, refused, lost): the database is not there for
      // us, and pinging it would take one more connection from a database that has none to spare.
      // The item waits for its jittered retry and is never parked for it.
      const refused = cannotConnect(error);
      const databaseUp = refused ? false : (await pingDatabase(config)).ok;
      const retryBase = refused ? Math.max(config.RETRY_BASE_MS, CONNECTION_RETRY_BASE_MS) : config.RETRY_BASE_MS;
      // While the database is away the wait is capped: the message goes soon after it is back.
      const retryMax = databaseUp ? undefined : CONNECTION_RETRY_MAX_MS;
      // Ending a pool whose socket already died makes the driver write to a closed WebSocket
      // from a timer (an uncaught error): only end it gracefully while the database answers.
      if (databaseUp) this.database?.close().catch(() => undefined);
      this.database = null;
      this.session?.forget();
      this.uploader?.forget();
      const log = this.logger(item?.correlationId ?? "drain");
      const reason = describeError(error);
      if (!item) {
        this.stepFailures++;
        log.warn("outbox.step_failed", { error: reason, failures: this.stepFailures });
        await this.ctx.storage.setAlarm(Date.now() + backoffMs(retryBase, this.stepFailures, Math.random(), retryMax));
        return "failed";
      }
      const attempts = item.attempts + 1;
      // An outage is not the message's fault: park only when the database answers and the message
      // still fails; while the database is away, keep retrying at the capped backoff.
      if (attempts >= config.RETRY_MAX_ATTEMPTS && databaseUp) {
        this.inbox.park(item.seq, attempts, reason, Date.now());
        log.error("inbox.parked", { event_id: item.eventId, attempts, error: reason });
        await this.reportParked(item, attempts, reason, log);
        await this.ctx.storage.setAlarm(Date.now());
        return "failed";
      }
      const next = Date.now() + backoffMs(retryBase, attempts, Math.random(), retryMax);
      this.inbox.retryLater(item.seq, attempts, reason, next);
      log.warn("inbox.retry_scheduled", { event_id: item.eventId, attempts, next_attempt_at: new Date(next).toISOString(), error: reason });
      await this.ctx.storage.setAlarm(next);
      return "failed";
    }
  }

  private async reportParked(item: InboxItem, attempts: number, reason: string, log: Logger): Promise<void> {
    try {
      const session = await this.ensureSession(item.correlationId);
      await session.reportParked(item, attempts, reason);
    } catch (error) {
      // The database may be what failed; the parked item stays visible in debugState().
      log.error("inbox.park_report_failed", { event_id: item.eventId, error });
    }
  }

  /**
   * A client changed number: their new number and new BSUID now lead here too, so their next
   * message (from the new identity) reaches this object and its lead. Idempotent.
   */
  private async linkNewIdentity(change: NumberChange): Promise<void> {
    const name = this.phone;
    if (!name) return;
    const links: Promise<string>[] = [];
    if (change.newPhone) links.push(this.env.CLIENT_DIRECTORY.getByName(`p:${change.newPhone}`).link(name));
    if (change.newUserId) links.push(this.env.CLIENT_DIRECTORY.getByName(`u:${change.newUserId}`).link(name));
    await Promise.all(links);
  }

  private async ensureSession(correlationId: string, identity: ClientIdentity | null = null): Promise<LeadSession> {
    const phone = this.phone;
    if (!phone) throw new Error("this object has no phone number yet");
    this.session ??= new LeadSession(this.ctx.storage.sql, this.config, () => this.db(), this.sends, this.env, (decision, now, correlationId) =>
      afterFreedAnswer(this.freedDeps(), decision, now, correlationId, this.logger(correlationId)),
    );
    await this.session.load(phone, this.logger(correlationId), identity);
    if (this.session.leadId) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('lead', ?)", this.session.leadId);
    return this.session;
  }

  private freedDeps(): FreedDeps {
    return { db: () => this.db().db, jobs: this.env.JOBS };
  }

  private async process(item: InboxItem): Promise<void> {
    const log = this.logger(item.correlationId);
    const payload = item.payload;
    switch (payload.type) {
      case "whatsapp.message": {
        const { message } = payload;
        const identity = { phone: message.from, userId: message.userId, parentUserId: message.parentUserId, username: message.username };
        const session = await this.ensureSession(item.correlationId, identity);
        const attachments = await session.handleClientMessage(message, item.correlationId, log);
        this.uploader?.add(attachments);
        if (message.numberChange) await this.linkNewIdentity(message.numberChange);
        return;
      }
      case "artist.action": {
        const session = await this.ensureSession(item.correlationId);
        const outcome = await session.handleArtistAction(payload, item.correlationId, log);
        this.results.record(payload.eventId, outcome, Date.now());
        return;
      }
      case "stripe.event": {
        const session = await this.ensureSession(item.correlationId);
        await session.handleStripeEvent(payload, item.correlationId, log);
        return;
      }
      case "deposit.sweep": {
        const session = await this.ensureSession(item.correlationId);
        await session.handleSweep(payload, item.correlationId, log);
        return;
      }
      case "lead.timer": {
        const session = await this.ensureSession(item.correlationId);
        await applyTimer(session, payload, item.correlationId, log);
        return;
      }
      case "freed.offer": {
        const session = await this.ensureSession(item.correlationId);
        await applyFreedOffer(session, this.freedDeps(), payload, item.correlationId, log);
        return;
      }
      case "freed.withdraw": {
        const session = await this.ensureSession(item.correlationId);
        await applyFreedWithdraw(session, payload, item.correlationId, log);
        return;
      }
      case "whatsapp.unreadable": {
        const { part } = payload;
        await recordSystemEvent(this.db().db, {
          type: "whatsapp.unreadable",
          level: part.part === "change" && part.reason.startsWith("field ") ? "info" : "warn",
          payload: { part: part.part, reason: part.reason, id: part.id, detail: part.detail },
          correlationId: item.correlationId,
        });
        log.warn("whatsapp.unreadable", { part: part.part, reason: part.reason });
        return;
      }
      case "whatsapp.status": {
        const outcome = await applyDeliveryStatus(this.db().db, payload.status);
        if (payload.status.status === "failed") {
          await recordSystemEvent(this.db().db, {
            type: "whatsapp.delivery_failed",
            level: "warn",
            payload: { provider_message_id: payload.status.providerMessageId, outbox_id: payload.status.outboxId ?? null, errors: payload.status.errors, outcome },
            correlationId: item.correlationId,
          });
        }
        log.info("whatsapp.status", { status: payload.status.status, outcome });
        return;
      }
    }
  }
}
