/**
 * ArtistDesk: one Durable Object for the artist's own WhatsApp number, where the artist runs the
 * studio from the chat. Every message from the artist's number comes here (never to a client's
 * object, so the artist never starts a consultation), and so does any tap on one of our action
 * ids from another number (refused and recorded). Items wait in the object's SQLite inbox (event
 * id UNIQUE: Meta's redeliveries are no-ops) and are handled one at a time by the alarm.
 *
 * It only orchestrates: what a message means is src/domain/artist-desk.ts, the action runs through
 * the lead's own object (src/routes/artist-action.ts, in turn with the client's messages, token
 * checked and consumed there), the digest's timing and text are src/domain/digest.ts.
 */
import { DurableObject } from "cloudflare:workers";
import { graphConfigFrom, sendGraphMessage, WINDOW_CLOSED_CODE } from "../src/adapters/whatsapp/graph-client.ts";
import { requireConfig, type AppConfig } from "../src/config.ts";
import { findActionToken } from "../src/db/action-tokens.ts";
import { claimDigestSlot, digestFacts, digestState, mintDigestTokens, releaseDigestSlot } from "../src/db/artist-desk-store.ts";
import { defaultArtist } from "../src/db/artists-store.ts";
import { connectPatiently, openDatabase, type Database, type DatabaseHandle } from "../src/db/client.ts";
import { recordSystemEvent } from "../src/db/lead-store.ts";
import { checkActionToken, SUMMARY_LINK_ACTIONS, type ActionOutcome, type ArtistAction } from "../src/domain/artist-actions.ts";
import { actionButtonId, BUTTON_LIMIT, moreButtonId, readArtistCommand, reasonRowId, REJECT_REASONS, tapNeedsReason, type RejectReason } from "../src/domain/artist-desk.ts";
import { maskClientId } from "../src/domain/client-id.ts";
import { renderCopy } from "../src/domain/copy.ts";
import { DIGEST_BUTTON_LEADS, DIGEST_GRACE_MS, digestBody, dueDigestSlot, hasNews, localDay } from "../src/domain/digest.ts";
import type { InboundMessage, OutboundPayload } from "../src/domain/messages.ts";
import { asLeadStatus } from "../src/domain/state-machine.ts";
import { templateName } from "../src/domain/templates.ts";
import { backoffMs } from "../src/lib/backoff.ts";
import { sha256Hex } from "../src/lib/crypto.ts";
import { createLogger, type Logger } from "../src/lib/log.ts";
import { actOnLead } from "../src/routes/artist-action.ts";
import { Inbox, type InboxPayload } from "./inbox.ts";

/** The one desk object (one artist per deployment today; a studio's artists get one each later). */
export const DESK_OBJECT = "desk";
/** Attempts at one message before it is set aside (recorded). */
const MAX_ATTEMPTS = 8;

/** What the desk did with a digest request. */
export type DigestOutcome = { sent: true; slot: string | null; messages: number } | { sent: false; reason: "off" | "not_due" | "claimed" | "nothing_to_report" | "no_artist_number" };

export class ArtistDesk extends DurableObject<Env> {
  private readonly inbox: Inbox;
  private tail: Promise<unknown> = Promise.resolve();
  private handle: DatabaseHandle | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.inbox = new Inbox(ctx.storage.sql);
  }

  private get config(): AppConfig {
    return requireConfig(this.env);
  }

  /** Runs `work` after every earlier call's work has finished (the object's own queue). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async db(): Promise<Database> {
    if (!this.handle) {
      const handle = openDatabase(this.config, { max: 1 });
      await connectPatiently(handle);
      this.handle = handle;
    }
    return this.handle.db;
  }

  private async closeDb(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close().catch(() => undefined);
  }

  /** Stores the artist's messages (and foreign taps) and schedules their handling. */
  async receive(items: InboxPayload[], correlationId: string): Promise<{ stored: number; duplicates: number }> {
    let stored = 0;
    for (const item of items) if (this.inbox.add(item, correlationId, Date.now())) stored++;
    if (stored > 0) await this.ctx.storage.setAlarm(Date.now());
    return { stored, duplicates: items.length - stored };
  }

  override async alarm(): Promise<void> {
    await this.serial(() => this.drain());
  }

  /** Handles everything waiting now (tests and the demo wait on it); returns what is left. */
  async settled(): Promise<number> {
    await this.serial(() => this.drain());
    return this.inbox.count();
  }

  private async drain(): Promise<void> {
    try {
      for (let item = this.inbox.head(); item; item = this.inbox.head()) {
        if (item.nextAttemptAt !== null && item.nextAttemptAt > Date.now()) {
          await this.ctx.storage.setAlarm(item.nextAttemptAt);
          return;
        }
        const log = createLogger(item.correlationId, this.config.LOG_LEVEL, { object: "artist_desk" });
        try {
          if (item.payload.type === "whatsapp.message") await this.handleMessage(item.payload.message, item.correlationId, log);
          this.inbox.remove(item.seq);
        } catch (error) {
          await this.closeDb();
          const attempts = item.attempts + 1;
          log.error("artist_desk.failed", { event_id: item.eventId, attempts, error });
          if (attempts >= MAX_ATTEMPTS) this.inbox.park(item.seq, attempts, String(error).slice(0, 500), Date.now());
          else this.inbox.retryLater(item.seq, attempts, String(error).slice(0, 500), Date.now() + backoffMs(this.config.RETRY_BASE_MS, attempts, Math.random()));
        }
      }
    } finally {
      await this.closeDb();
    }
  }

  /** One message from the artist (or a foreign tap): what it asks for, done, and answered. */
  private async handleMessage(message: InboundMessage, correlationId: string, log: Logger): Promise<void> {
    const config = this.config;
    const artist = config.ARTIST_WHATSAPP_NUMBER;
    const command = readArtistCommand(message);
    const db = await this.db();
    if (!artist || message.from !== artist) {
      // A tap on one of our ids from any other number: nothing runs, nothing is said.
      await this.refused(db, "other_number", message, correlationId, { from: maskClientId(message.from ?? message.userId ?? "unknown") });
      log.warn("artist.tap_refused", { reason: "other_number", message_id: message.id });
      return;
    }
    const reply = (payload: OutboundPayload, n = 0) => this.send(artist, payload, `desk-${message.id}-${n}`);
    switch (command.kind) {
      case "ignore":
        return;
      case "help":
        await reply({ kind: "cta", body: renderCopy("artist.help"), label: renderCopy("artist.page_button"), url: this.url("/inbox") });
        return;
      case "digest": {
        const outcome = await this.digestNow(db, new Date(), "asked", correlationId);
        if (!outcome.sent) await reply({ kind: "text", body: renderCopy("digest.nothing") });
        return;
      }
      case "forged":
        await this.refused(db, "unknown_token", message, correlationId);
        await reply({ kind: "text", body: renderCopy("artist.tap.refused.unknown_token") });
        return;
      case "more":
        await this.more(db, command.tokens, message, correlationId, reply);
        return;
      case "tap":
      case "reason":
        await this.tap(db, command.token, command.kind === "reason" ? command.reason : null, message, correlationId, reply, log);
        return;
    }
  }

  /** A tap on an action button (or a reason row): checked, then run through the lead's object, and answered. */
  private async tap(
    db: Database,
    token: string,
    reason: RejectReason | null,
    message: InboundMessage,
    correlationId: string,
    reply: (payload: OutboundPayload, n?: number) => Promise<void>,
    log: Logger,
  ): Promise<void> {
    const tokenHash = await sha256Hex(token);
    const found = await findActionToken(db, tokenHash);
    const status = found ? asLeadStatus(found.lead.status) : null;
    const clientName = found?.lead.displayName ?? renderCopy("handover.unknown_name");
    const check = found && status ? checkActionToken(found.token, { id: found.lead.id, status }, new Date()) : ({ ok: false, reason: "unknown_token" } as const);
    if (!check.ok || !found) {
      await this.refused(db, check.ok ? "unknown_token" : check.reason, message, correlationId, { lead_id: found?.lead.id ?? null });
      await reply({ kind: "text", body: this.refusalText(check.ok ? "unknown_token" : check.reason, found?.token.action ?? null, clientName, found?.lead.status ?? "") });
      return;
    }
    // Reject asks why first (the token is not used until a reason is picked).
    if (tapNeedsReason(check.action) && reason === null) {
      const rows = REJECT_REASONS.map((r) => ({ id: reasonRowId(token, r), title: renderCopy(`artist.reason.${r}`) }));
      await reply({ kind: "list", body: renderCopy("artist.reasons.body", { clientName }), buttonLabel: renderCopy("artist.reasons.list_button"), rows });
      return;
    }
    const outcome = await actOnLead(
      this.env.LEAD_CONVERSATION,
      found.lead,
      { action: check.action, reason: reason === null ? null : renderCopy(`artist.reason.${reason}`), rejectReason: reason, via: "whatsapp", eventId: `wa:${message.id}`, tokenHash },
      correlationId,
    );
    log.info("artist.tap", { lead_id: found.lead.id, action: check.action, ok: outcome.ok, reason: outcome.ok ? null : outcome.reason });
    await reply({ kind: "text", body: this.outcomeText(outcome, clientName, reason) });
  }

  /** "More": the rest of a notice's actions as a list, and the lead's page in the inbox. */
  private async more(db: Database, tokens: readonly string[], message: InboundMessage, correlationId: string, reply: (payload: OutboundPayload, n?: number) => Promise<void>): Promise<void> {
    const rows: { id: string; title: string }[] = [];
    let lead: { id: string; displayName: string | null } | null = null;
    for (const token of tokens) {
      const found = await findActionToken(db, await sha256Hex(token));
      const status = found ? asLeadStatus(found.lead.status) : null;
      const check = found && status ? checkActionToken(found.token, { id: found.lead.id, status }, new Date()) : null;
      if (found && check?.ok) {
        lead = found.lead;
        rows.push({ id: actionButtonId(token), title: renderCopy(`artist.button.${check.action}`) });
      }
    }
    if (rows.length === 0 || lead === null) {
      await this.refused(db, "unknown_token", message, correlationId, { more: true });
      await reply({ kind: "text", body: renderCopy("artist.tap.refused.used") });
      return;
    }
    const clientName = lead.displayName ?? renderCopy("handover.unknown_name");
    await reply({ kind: "list", body: renderCopy("artist.more.body", { clientName }), buttonLabel: renderCopy("artist.more.list_button"), rows });
    await reply({ kind: "cta", body: renderCopy("artist.page_body", { clientName }), label: renderCopy("artist.page_button"), url: this.url(`/inbox/leads/${lead.id}`) }, 1);
  }

  private refusalText(reason: string, action: string | null, clientName: string, status: string): string {
    const label = action ? renderCopy(`action.label.${action as ArtistAction}`) : "";
    switch (reason) {
      case "unknown_token":
      case "used":
      case "expired":
        return renderCopy(`artist.tap.refused.${reason}`, { clientName });
      case "wrong_status":
        return renderCopy("artist.tap.refused.wrong_status", { clientName, status: status.toLowerCase().replace(/_/g, " "), action: label });
      default:
        return renderCopy("artist.tap.refused.other", { clientName, action: label, reason: reason.replace(/_/g, " ") });
    }
  }

  private outcomeText(outcome: ActionOutcome, clientName: string, reason: RejectReason | null): string {
    if (outcome.ok) return outcome.action === "reject" && reason === "no_message" ? renderCopy("artist.tap.done_silent", { clientName }) : renderCopy(`action.done.${outcome.action}`, { clientName });
    if (outcome.reason === "queued") return renderCopy("artist.tap.queued", { clientName, action: renderCopy(`action.label.${outcome.action}`) });
    return this.refusalText(outcome.reason, outcome.action, clientName, outcome.status ?? "");
  }

  private async refused(db: Database, reason: string, message: InboundMessage, correlationId: string, detail: Record<string, unknown> = {}): Promise<void> {
    await recordSystemEvent(db, { type: "artist.tap_refused", level: "warn", payload: { reason, message_id: message.id, ...detail }, correlationId });
  }

  private url(path: string): string {
    return `${(this.config.PUBLIC_BASE_URL ?? "").replace(/\/+$/, "")}${path}`;
  }

  /**
   * Sends to the artist; a closed 24-hour window gets `fallback` (a template) or the generic
   * artist alert template instead. Throws on a failure worth retrying (the item is retried).
   */
  private async send(to: string, payload: OutboundPayload, ref: string, fallback?: OutboundPayload): Promise<void> {
    const graph = graphConfigFrom(this.config);
    let result = await sendGraphMessage(graph, to, payload, ref);
    if (!result.ok && result.code === WINDOW_CLOSED_CODE) result = await sendGraphMessage(graph, to, fallback ?? this.alertTemplate(), ref);
    if (!result.ok && result.retryable) throw new Error(`Graph refused the artist's message: ${result.code} ${result.message}`);
  }

  private alertTemplate(): OutboundPayload {
    const c = this.config;
    return { kind: "template", name: c.WHATSAPP_FALLBACK_TEMPLATE, language: c.WHATSAPP_TEMPLATE_LANGUAGE, params: [c.ARTIST_NAME, renderCopy("artist.template_alert_subject")] };
  }

  /**
   * The morning digest, asked for by the cron (the queue's job, `now` = the cron run's scheduled
   * time) or by the artist writing "today". Scheduled: sent once per slot, only when there is news.
   */
  digest(nowIso: string, correlationId: string): Promise<DigestOutcome> {
    return this.serial(async () => {
      try {
        return await this.digestNow(await this.db(), new Date(nowIso), "scheduled", correlationId);
      } finally {
        await this.closeDb();
      }
    });
  }

  private async digestNow(db: Database, now: Date, mode: "scheduled" | "asked", correlationId: string): Promise<DigestOutcome> {
    const config = this.config;
    const to = config.ARTIST_WHATSAPP_NUMBER;
    if (!to || !config.FEATURE_ARTIST_NOTIFICATIONS) return { sent: false, reason: "no_artist_number" };
    const artist = await defaultArtist(db, config);
    const state = await digestState(db, artist.id);
    const last = state?.digestSentSlot ?? null;
    let slot: Date | null = null;
    if (mode === "scheduled") {
      const hour = state?.digestHour ?? config.ARTIST_DIGEST_HOUR;
      if (hour === null) return { sent: false, reason: "off" };
      slot = dueDigestSlot(now, artist.timeZone, hour, last, DIGEST_GRACE_MS);
      if (slot === null) return { sent: false, reason: "not_due" };
      if (!(await claimDigestSlot(db, artist.id, slot))) return { sent: false, reason: "claimed" };
    }
    try {
      const facts = await digestFacts(db, artist.id, now, last, localDay(now, artist.timeZone), renderCopy("handover.unknown_name"));
      if (!hasNews(facts)) return { sent: false, reason: "nothing_to_report" };
      const ref = `digest-${slot?.toISOString() ?? `asked-${now.getTime()}`}`;
      await this.send(to, { kind: "text", body: digestBody(facts, artist.timeZone) }, `${ref}-0`);
      let messages = 1;
      const expiresAt = new Date(now.getTime() + config.ACTION_TOKEN_TTL_HOURS * 60 * 60 * 1000);
      for (const lead of facts.awaitingApproval.slice(0, DIGEST_BUTTON_LEADS)) {
        const tokens = await mintDigestTokens(db, lead.id, SUMMARY_LINK_ACTIONS, expiresAt);
        const direct = tokens.length <= BUTTON_LIMIT ? tokens : tokens.slice(0, BUTTON_LIMIT - 1);
        const rest = tokens.slice(direct.length);
        const buttons = direct.map((t) => ({ id: actionButtonId(t.token), title: renderCopy(`artist.button.${t.action}`) }));
        if (rest.length > 0) buttons.push({ id: moreButtonId(rest.map((t) => t.token)), title: renderCopy("artist.button.more") });
        const fallback: OutboundPayload = {
          kind: "template",
          name: templateName("artist_actions", config.WHATSAPP_TEMPLATE_NAMES),
          language: config.WHATSAPP_TEMPLATE_LANGUAGE,
          params: [lead.name],
          urlButtons: direct.slice(0, 2).map((t) => t.token),
        };
        await this.send(to, { kind: "buttons", body: renderCopy("digest.lead_buttons", { clientName: lead.name }), buttons }, `${ref}-${messages}`, fallback);
        messages++;
      }
      const unlisted = facts.totals.awaitingApproval - Math.min(facts.awaitingApproval.length, DIGEST_BUTTON_LEADS);
      if (unlisted > 0) {
        await this.send(to, { kind: "text", body: renderCopy("digest.more_in_inbox", { count: unlisted }) }, `${ref}-${messages}`);
        messages++;
      }
      await recordSystemEvent(db, { type: "artist.digest_sent", payload: { mode, slot: slot?.toISOString() ?? null, messages, awaiting: facts.totals.awaitingApproval }, correlationId });
      return { sent: true, slot: slot?.toISOString() ?? null, messages };
    } catch (error) {
      // Not sent: the slot goes back, so the queue's retry sends it.
      if (slot !== null) await releaseDigestSlot(db, artist.id, slot, last);
      throw error;
    }
  }
}
