/**
 * The ArtistDesk's messages to the artist (tap replies, help, the digest), sent once however often
 * the webhook is redelivered, the desk's inbox item is retried or the digest's queue job runs
 * again. Each message has a ref of its own, derived from what caused it (the artist's message id,
 * or the digest slot) and its place among that cause's replies, and the object's send ledger
 * (send-ledger.ts, in its own SQLite, written before anything else is awaited) remembers it:
 *
 * - a ref Graph accepted is not sent again (the retry carries on with the next reply);
 * - a ref whose send got no answer (a timeout, a dropped connection) is in doubt: Graph may have
 *   taken it. Meta's status webhook for it (the ref comes back as `biz_opaque_callback_data`;
 *   src/routes/webhooks/artist-routing.ts brings it here) settles it as sent
 *   ({@link DeskReplies.confirm}); when none comes within SEND_CONFIRM_WAIT_MS it is sent again,
 *   as the lead's outbox does.
 * - a refusal leaves nothing behind: the retry sends it.
 *
 * A closed 24-hour window gets the message's own template (`fallback`) or the artist alert template.
 */
import { artistAlertTemplate } from "../src/adapters/whatsapp/artist-alert.ts";
import { graphConfigFrom, sendGraphMessage, unanswered, WINDOW_CLOSED_CODE, type GraphConfig, type SendResult } from "../src/adapters/whatsapp/graph-client.ts";
import type { AppConfig } from "../src/config.ts";
import { renderCopy } from "../src/domain/copy.ts";
import type { OutboundPayload } from "../src/domain/messages.ts";
import type { SendLedger } from "./send-ledger.ts";

/** A reply whose earlier send is in doubt: try again at `retryAt` (ms), when Meta has had time to confirm it. */
export class ReplyInDoubt extends Error {
  readonly retryAt: number;
  constructor(ref: string, retryAt: number) {
    super(`the artist's message ${ref} may have gone out; waiting for Meta's status`);
    this.name = "ReplyInDoubt";
    this.retryAt = retryAt;
  }
}

export class DeskReplies {
  private readonly ledger: SendLedger;
  private readonly config: () => AppConfig;

  constructor(ledger: SendLedger, config: () => AppConfig) {
    this.ledger = ledger;
    this.config = config;
  }

  /**
   * Sends `payload` to `to` as `ref`, unless a send of `ref` already went out. Throws on a failure
   * worth retrying ({@link ReplyInDoubt} when the earlier send may have gone out); a permanent
   * refusal is returned, not thrown.
   */
  async send(to: string, payload: OutboundPayload, ref: string, fallback?: OutboundPayload): Promise<SendResult | "already_sent"> {
    if (this.ledger.sentId(ref) !== null) return "already_sent";
    const config = this.config();
    const since = this.ledger.inDoubtSince(ref);
    if (since !== null && Date.now() < since + config.SEND_CONFIRM_WAIT_MS) throw new ReplyInDoubt(ref, this.lookAgainAt(since, config));
    const graph = graphConfigFrom(config);
    let result = await this.attempt(graph, to, payload, ref);
    if (!result.ok && result.code === WINDOW_CLOSED_CODE && payload.kind !== "template") {
      result = await this.attempt(graph, to, fallback ?? artistAlertTemplate(config, config.ARTIST_NAME, renderCopy("artist.template_alert_subject")), ref);
    }
    if (!result.ok && unanswered(result)) throw new ReplyInDoubt(ref, this.lookAgainAt(Date.now(), config));
    if (!result.ok && result.retryable) throw new Error(`Graph refused the artist's message: ${result.code} ${result.message}`);
    return result;
  }

  /** Meta's status webhook names `ref`: a send of it in doubt went out (true when that settled a doubt). */
  confirm(ref: string, providerMessageId: string, now: number): boolean {
    const settled = this.ledger.confirm(ref, providerMessageId, now);
    // The lead's outbox records such a settlement in Postgres; the desk has no row to mark.
    if (settled) this.ledger.forgetSettled(ref);
    return settled;
  }

  /** When to look again at a send in doubt since `since`: soon (Meta's status may land), never past the wait. */
  private lookAgainAt(since: number, config: AppConfig): number {
    return Math.min(since + config.SEND_CONFIRM_WAIT_MS, Date.now() + Math.max(config.RETRY_BASE_MS, 250));
  }

  /** One Graph call, noted in the ledger before and (before anything else is awaited) after. */
  private async attempt(graph: GraphConfig, to: string, payload: OutboundPayload, ref: string): Promise<SendResult> {
    this.ledger.started(ref, Date.now());
    const result = await sendGraphMessage(graph, to, payload, ref);
    if (result.ok) this.ledger.accepted(ref, result.providerMessageId, Date.now());
    else if (unanswered(result)) {
      const confirmed = this.ledger.sentId(ref);
      if (confirmed !== null) return { ok: true, providerMessageId: confirmed };
      this.ledger.unanswered(ref, Date.now());
    } else this.ledger.refused(ref);
    return result;
  }
}
