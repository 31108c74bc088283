/**
 * ArtistDesk: one Durable Object for the artist's own WhatsApp number, where the artist runs the
 * studio from the chat. Every message from the artist's number comes here (never to a client's
 * object, so the artist never starts a consultation), and so does any tap on one of our action
 * ids from another number (refused and recorded). Items wait in the object's SQLite inbox (event
 * id UNIQUE: Meta's redeliveries are no-ops) and are handled one at a time by the alarm.
 *
 * It only orchestrates: what a message means is src/domain/artist-desk.ts, the action runs through
 * the lead's own object (src/routes/artist-action.ts, in turn with the client's messages, token
 * checked and consumed there), the digest's timing and text are src/domain/digest.ts. Its messages
 * to the artist go through desk-replies.ts, keyed by what caused them, so a redelivered webhook, a
 * retried item or a rerun digest job never sends one twice.
 */
import { DurableObject } from "cloudflare:workers";
import { requireConfig, type AppConfig } from "../src/config.ts";
import { findActionToken } from "../src/db/action-tokens.ts";
import { claimDigestSlot, digestFacts, digestState, mintDigestTokens, releaseDigestSlot } from "../src/db/artist-desk-store.ts";
import { defaultArtist } from "../src/db/artists-store.ts";
import type { Database } from "../src/db/client.ts";
import { recordSystemEvent } from "../src/db/lead-store.ts";
import { asArtistAction, checkActionToken, SUMMARY_LINK_ACTIONS, type ActionOutcome, type ArtistAction } from "../src/domain/artist-actions.ts";
import { actionButtonId, actionButtons, deskReplyRef, digestRef, readArtistCommand, reasonRowId, REJECT_REASONS, tapNeedsReason, tapOpensPage, type RejectReason } from "../src/domain/artist-desk.ts";
import { maskClientId } from "../src/domain/client-id.ts";
import { renderCopy } from "../src/domain/copy.ts";
import { DIGEST_BUTTON_LEADS, DIGEST_GRACE_MS, digestBody, dueDigestSlot, hasNews, localDay } from "../src/domain/digest.ts";
import type { InboundMessage, OutboundPayload } from "../src/domain/messages.ts";
import { asLeadStatus } from "../src/domain/state-machine.ts";
import { backoffMs } from "../src/lib/backoff.ts";
import { sha256Hex } from "../src/lib/crypto.ts";
import { createLogger, type Logger } from "../src/lib/log.ts";
import { actOnLead } from "../src/routes/artist-action.ts";
import { actionPath } from "./action-links.ts";
import { DeskReplies, ReplyInDoubt } from "./desk-replies.ts";
import { Inbox, type InboxPayload } from "./inbox.ts";
import { SendLedger } from "./send-ledger.ts";
import { SerialDatabase } from "./serial-database.ts";

/** The one desk object (one artist per deployment today; a studio's artists get one each later). */
export const DESK_OBJECT = "desk";
/** Attempts at one message before it is set aside (recorded). */
const MAX_ATTEMPTS = 8;

/** What the desk did with a digest request. */
export type DigestOutcome = { sent: true; slot: string | null; messages: number } | { sent: false; reason: "off" | "not_due" | "claimed" | "nothing_to_report" | "no_artist_number" };

export class ArtistDesk extends DurableObject<Env> {
  private readonly inbox: Inbox;
  private readonly store = new SerialDatabase(() => this.config);
  /** Messages to the artist, each sent once (desk-replies.ts). */
  private readonly replies: DeskReplies;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.inbox = new Inbox(ctx.storage.sql);
    this.replies = new DeskReplies(new SendLedger(ctx.storage.sql), () => this.config);
  }

  private get config(): AppConfig {
    return requireConfig(this.env);
  }

  /** Stores the artist's messages (and foreign taps) and schedules their handling. */
  async receive(items: InboxPayload[], correlationId: string): Promise<{ stored: number; duplicates: number }> {
    let stored = 0;
    let statuses = 0;
    for (const item of items) {
      // Meta's word that one of the desk's sends went out: noted at once (a reply in doubt is then not sent again).
      if (item.type === "whatsapp.status") {
        if (item.status.callbackRef !== undefined && item.status.status !== "failed") this.replies.confirm(item.status.callbackRef, item.status.providerMessageId, Date.now());
        statuses++;
        continue;
      }
      if (this.inbox.add(item, correlationId, Date.now())) stored++;
    }
    if (stored > 0) await this.ctx.storage.setAlarm(Date.now());
    return { stored, duplicates: items.length - statuses - stored };
  }

  override async alarm(): Promise<void> {
    await this.store.serial(() => this.drain());
  }

  /** Handles everything waiting now (tests and the demo wait on it); returns what is left. */
  async settled(): Promise<number> {
    await this.store.serial(() => this.drain());
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
          await this.store.close();
          if (error instanceof ReplyInDoubt) {
            // Not a failure: a reply may have gone out; looked at again when Meta has had time to say.
            log.warn("artist_desk.reply_in_doubt", { event_id: item.eventId });
            this.inbox.retryLater(item.seq, item.attempts, error.message, error.retryAt);
            continue;
          }
          const attempts = item.attempts + 1;
          log.error("artist_desk.failed", { event_id: item.eventId, attempts, error });
          if (attempts >= MAX_ATTEMPTS) this.inbox.park(item.seq, attempts, String(error).slice(0, 500), Date.now());
          else this.inbox.retryLater(item.seq, attempts, String(error).slice(0, 500), Date.now() + backoffMs(this.config.RETRY_BASE_MS, attempts, Math.random()));
        }
      }
    } finally {
      await this.store.close();
    }
  }

  /** One message from the artist (or a foreign tap): what it asks for, done, and answered. */
  private async handleMessage(message: InboundMessage, correlationId: string, log: Logger): Promise<void> {
    const config = this.config;
    const artist = config.ARTIST_WHATSAPP_NUMBER;
    const command = readArtistCommand(message);
    const db = await this.store.db();
    if (!artist || message.from !== artist) {
      // A tap on one of our ids from any other number: nothing runs, nothing is said.
      await this.refused(db, "other_number", message, correlationId, { from: maskClientId(message.from ?? message.userId ?? "unknown") });
      log.warn("artist.tap_refused", { reason: "other_number", message_id: message.id });
      return;
    }
    // Each reply to this message has its own ref: a retried item sends only what did not go out.
    const reply = async (payload: OutboundPayload, n = 0) => {
      await this.replies.send(artist, payload, deskReplyRef(message.id, n));
    };
    switch (command.kind) {
      case "ignore":
        return;
      case "help":
        await reply({ kind: "cta", body: renderCopy("artist.help"), label: renderCopy("artist.page_button"), url: this.url("/inbox") });
        return;
      case "digest": {
        // As of when the artist asked (a retry sends the same digest under the same refs).
        const outcome = await this.digestNow(db, new Date(message.timestampMs), { mode: "asked", messageId: message.id }, correlationId);
        if (!outcome.sent) await reply({ kind: "text", body: renderCopy("digest.nothing") });
        return;
      }
      case "forged":
        await reply({ kind: "text", body: renderCopy("artist.tap.refused.unknown_token") });
        await this.refused(db, "unknown_token", message, correlationId);
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
    // A used token may have been used by this very message (a retry after its reply failed): the
    // lead's object knows, and answers a replay with the first outcome; anyone else's tap it refuses.
    const action = check.ok ? check.action : check.reason === "used" ? asArtistAction(found?.token.action ?? "") : null;
    if (!found || action === null) {
      const refusal = check.ok ? "unknown_token" : check.reason;
      await reply({ kind: "text", body: this.refusalText(refusal, found?.token.action ?? null, clientName, found?.lead.status ?? "") });
      await this.refused(db, refusal, message, correlationId, { lead_id: found?.lead.id ?? null });
      return;
    }
    // A refund is confirmed on its page (reason, amount); the token is used there.
    if (check.ok && tapOpensPage(action)) {
      await reply({ kind: "cta", body: renderCopy("artist.refund_page.body", { clientName }), label: renderCopy("artist.refund_page.button"), url: this.url(actionPath(token)) });
      return;
    }
    // Reject asks why first (the token is not used until a reason is picked).
    if (check.ok && tapNeedsReason(action) && reason === null) {
      const rows = REJECT_REASONS.map((r) => ({ id: reasonRowId(token, r), title: renderCopy(`artist.reason.${r}`) }));
      await reply({ kind: "list", body: renderCopy("artist.reasons.body", { clientName }), buttonLabel: renderCopy("artist.reasons.list_button"), rows });
      return;
    }
    const outcome = await actOnLead(
      this.env.LEAD_CONVERSATION,
      found.lead,
      { action, reason: reason === null ? null : renderCopy(`artist.reason.${reason}`), rejectReason: reason, via: "whatsapp", eventId: `wa:${message.id}`, tokenHash },
      correlationId,
    );
    log.info("artist.tap", { lead_id: found.lead.id, action, ok: outcome.ok, reason: outcome.ok ? null : outcome.reason });
    await reply({ kind: "text", body: this.outcomeText(outcome, clientName, reason) });
    if (!outcome.ok && outcome.reason !== "queued") await this.refused(db, outcome.reason, message, correlationId, { lead_id: found.lead.id });
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
      await reply({ kind: "text", body: renderCopy("artist.tap.refused.used") });
      await this.refused(db, "unknown_token", message, correlationId, { more: true });
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

  /** Records a refused tap; after its reply, so a retry (the reply sent once, see desk-replies.ts) cannot record it twice. */
  private async refused(db: Database, reason: string, message: InboundMessage, correlationId: string, detail: Record<string, unknown> = {}): Promise<void> {
    await recordSystemEvent(db, { type: "artist.tap_refused", level: "warn", payload: { reason, message_id: message.id, ...detail }, correlationId });
  }

  private url(path: string): string {
    return `${(this.config.PUBLIC_BASE_URL ?? "").replace(/\/+$/, "")}${path}`;
  }

  /**
   * The morning digest, asked for by the cron (the queue's job, `now` = the cron run's scheduled
   * time) or by the artist writing "today". Scheduled: sent once per slot, only when there is news.
   */
  digest(nowIso: string, correlationId: string): Promise<DigestOutcome> {
    return this.store.serial(async () => {
      try {
        return await this.digestNow(await this.store.db(), new Date(nowIso), { mode: "scheduled" }, correlationId);
      } finally {
        await this.store.close();
      }
    });
  }

  /** The digest at `now`: scheduled (once per slot, its refs named by the slot) or asked for (its refs named by the artist's message). */
  private async digestNow(db: Database, now: Date, request: { mode: "scheduled" } | { mode: "asked"; messageId: string }, correlationId: string): Promise<DigestOutcome> {
    const mode = request.mode;
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
      // Refs named by what asked: a rerun of the same slot's job, or a retry of the same "today", sends nothing twice.
      const ref = (n: number) => (request.mode === "asked" ? deskReplyRef(request.messageId, `digest-${n}`) : digestRef(slot ?? now, n));
      await this.replies.send(to, { kind: "text", body: digestBody(facts, artist.timeZone) }, ref(0));
      let messages = 1;
      const expiresAt = new Date(now.getTime() + config.ACTION_TOKEN_TTL_HOURS * 60 * 60 * 1000);
      for (const lead of facts.awaitingApproval.slice(0, DIGEST_BUTTON_LEADS)) {
        const tokens = await mintDigestTokens(db, lead.id, SUMMARY_LINK_ACTIONS, expiresAt);
        const templates = { language: config.WHATSAPP_TEMPLATE_LANGUAGE, names: config.WHATSAPP_TEMPLATE_NAMES };
        const built = actionButtons(renderCopy("digest.lead_buttons", { clientName: lead.name }), lead.name, tokens, templates);
        await this.replies.send(to, built.message, ref(messages), built.fallback);
        messages++;
      }
      const unlisted = facts.totals.awaitingApproval - Math.min(facts.awaitingApproval.length, DIGEST_BUTTON_LEADS);
      if (unlisted > 0) {
        await this.replies.send(to, { kind: "text", body: renderCopy("digest.more_in_inbox", { count: unlisted }) }, ref(messages));
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
