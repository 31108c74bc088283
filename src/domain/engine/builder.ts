/**
 * DecisionBuilder: accumulates one decision. The only way the engine moves a status (through the
 * state machine), speaks (through copy) and records events, so every rule reads as "say this,
 * move there" without assembling outbound shapes by hand.
 */
import { DEFAULT_LOCALE } from "../../../copy/index.ts";
import type { ArtistAction } from "../artist-actions.ts";
import { greetingName, renderCopy, type CopyKey, type CopyParams } from "../copy.ts";
import type { LeadStatus } from "../lead-status.ts";
import { WHATSAPP_LIMITS, type Outbound } from "../messages.ts";
import type { Question, QuestionButton } from "../questions.ts";
import { transition } from "../state-machine.ts";
import type { Decision, EngineConfig, EventRecord, LeadState, NewAnswer } from "./types.ts";

export class DecisionBuilder {
  readonly decision: Decision = { transitions: [], patch: {}, answers: [], attachments: [], outbound: [], events: [], actionLinks: [] };
  readonly lead: LeadState;
  readonly config: EngineConfig;
  readonly now: Date;
  private status: LeadStatus;

  constructor(lead: LeadState, config: EngineConfig, now: Date) {
    this.lead = lead;
    this.config = config;
    this.now = now;
    this.status = lead.status;
  }

  get currentStatus(): LeadStatus {
    return this.status;
  }

  /** The question the lead is on after this decision's patch so far. */
  get currentQuestion(): string | null {
    const patched = this.decision.patch.currentQuestion;
    return patched === undefined ? this.lead.currentQuestion : patched;
  }

  /** Failure counts after this decision's patch so far. */
  get failureCounts(): Readonly<Record<string, number>> {
    return this.decision.patch.failureCounts ?? this.lead.failureCounts;
  }

  moveTo(to: LeadStatus, reason: string): void {
    const result = transition(this.status, to, reason);
    if (!result.ok) throw new Error(`engine bug: ${result.reason}`);
    this.decision.transitions.push(result.value);
    this.status = to;
  }

  /** Copy parameters every message may use, plus `extra`. */
  params(extra: CopyParams = {}): CopyParams {
    return {
      artistName: this.config.artistName,
      greetingName: greetingName(this.decision.patch.displayName ?? this.lead.displayName),
      replyDays: this.config.replyDays,
      ...extra,
    };
  }

  /** Renders copy in the client's locale (variant picked by the lead id). */
  render(copyKey: CopyKey, extra: CopyParams = {}): string {
    return renderCopy(copyKey, this.params(extra), this.lead.locale, this.lead.id);
  }

  say(copyKey: CopyKey, extra: CopyParams = {}): void {
    this.push({ to: "client", kind: "text", body: this.render(copyKey, extra), copyKey });
  }

  /** Asks `question` (as reply buttons when it has them) and makes it the current question. */
  ask(question: Question): void {
    this.askWith(question, question.copyKey);
  }

  /** Asks `question` with another body (a repair hint), keeping its buttons. */
  askWith(question: Question, copyKey: CopyKey, extra: CopyParams = {}): void {
    this.decision.patch.currentQuestion = question.key;
    const body = this.render(copyKey, extra);
    if (question.buttons.length === 0) {
      this.push({ to: "client", kind: "text", body, copyKey });
      return;
    }
    const buttons = question.buttons.map((b) => ({ id: b.id, title: this.render(b.titleKey) }));
    this.push({ to: "client", kind: "buttons", body, buttons, copyKey });
  }

  /** Renders copy for the artist: the default locale (the artist's, not the client's). */
  /** How the artist reaches the client: their number, else their username (never a raw BSUID). */
  clientContact(): string {
    const { phoneE164, username } = this.lead;
    if (phoneE164 !== null) return phoneE164;
    return username !== null ? this.renderArtist("client.contact_username", { username }) : this.renderArtist("client.contact_unknown");
  }

  renderArtist(copyKey: CopyKey, extra: CopyParams = {}): string {
    return renderCopy(copyKey, this.params(extra), DEFAULT_LOCALE, this.lead.id);
  }

  /** A message to the artist, in the default locale. */
  tellArtist(copyKey: CopyKey, extra: CopyParams = {}): void {
    this.push({ to: "artist", kind: "text", body: this.renderArtist(copyKey, extra), copyKey });
  }

  /** A message to the artist whose body is already rendered (a notice built from several copy keys). */
  tellArtistText(copyKey: CopyKey, body: string): void {
    this.push({ to: "artist", kind: "text", body, copyKey });
  }

  /**
   * A placeholder for something only the caller can fill (a minted link, Stripe's URL): it carries
   * the decision's nonce, so no text a client wrote can imitate one, and it is filled only in the
   * one message it is bound to (see {@link push}).
   */
  slot(name: string): string {
    const nonce = this.config.slotNonce;
    if (!nonce) throw new Error("engine bug: a slot was asked for without config.slotNonce");
    return slotPlaceholder(nonce, name);
  }

  /**
   * A one-tap link for the artist: returns the placeholder to render where the URL goes; the
   * lead's session mints the token and puts the URL in its place, in the artist message that
   * carries the placeholder and nowhere else. Null when links are off.
   */
  actionLink(action: ArtistAction): string | null {
    if (!this.config.actionLinks) return null;
    const placeholder = this.slot(`link${this.decision.actionLinks.length}`);
    this.decision.actionLinks.push({ action, placeholder, messageIndex: null });
    return placeholder;
  }

  /**
   * The artist's action buttons for this lead (the summary's Approve / Reject / More): one token
   * per action, minted by the session like a link's. False when links are off (nothing pushed).
   */
  artistButtons(copyKey: CopyKey, body: string, subject: string, actions: readonly ArtistAction[]): boolean {
    const placeholders = actions.map((action) => ({ action, placeholder: this.actionLink(action) }));
    const ready = placeholders.filter((p): p is { action: ArtistAction; placeholder: string } => p.placeholder !== null);
    if (ready.length === 0) return false;
    this.push({ to: "artist", kind: "actions", body, subject, actions: ready, copyKey });
    return true;
  }

  /**
   * A notice to the artist with a button that opens the lead's page in the inbox (the session
   * fills in the URL: the engine knows no base URL). A body too long for WhatsApp's button message
   * goes as text, followed by a short one with the button.
   */
  artistPage(copyKey: CopyKey, body: string, clientName: string): void {
    const url = this.slot(PAGE_SLOT);
    const label = this.renderArtist("artist.page_button");
    if (body.length <= WHATSAPP_LIMITS.interactiveBody) {
      this.push({ to: "artist", kind: "cta", body, label, url, copyKey });
      return;
    }
    this.push({ to: "artist", kind: "text", body, copyKey });
    this.push({ to: "artist", kind: "cta", body: this.renderArtist("artist.page_body", { clientName }), label, url, copyKey });
  }

  /**
   * A notice to the artist about this lead that they can act on: with links on, the notice with the
   * button to the lead's inbox page, then `actions` as reply buttons (tokens minted like the
   * summary's; outside the artist's window the template fitting them, src/domain/artist-desk.ts).
   * With links off, the notice as text. Never a raw URL in the text.
   */
  artistNotice(copyKey: CopyKey, body: string, clientName: string, actions: readonly ArtistAction[]): void {
    if (!this.config.actionLinks || actions.length === 0) {
      this.tellArtistText(copyKey, body);
      return;
    }
    this.artistPage(copyKey, body, clientName);
    this.artistButtons("artist.notice_buttons", this.renderArtist("artist.notice_buttons", { clientName }), clientName, actions);
  }

  /** A message with reply buttons that answer no question (an offer); typed replies still count. */
  offer(copyKey: CopyKey, buttons: readonly QuestionButton[], extra: CopyParams = {}): void {
    const body = this.render(copyKey, extra);
    this.push({ to: "client", kind: "buttons", body, buttons: buttons.map((b) => ({ id: b.id, title: this.render(b.titleKey) })), copyKey });
  }

  /** A message built elsewhere (a template from the registry): bound like any other (see {@link push}). */
  pushMessage(message: Outbound): void {
    this.push(message);
  }

  answer(answer: NewAnswer): void {
    this.decision.answers.push(answer);
  }

  event(type: string, payload: Record<string, unknown> = {}, level: EventRecord["level"] = "info"): void {
    this.decision.events.push({ type, level, payload });
  }

  /**
   * Adds a message, binding the open slots its text carries to it: an action link only to an
   * artist message, a deposit link only to a client message. A slot in any other message is an
   * engine bug (it would put the artist's link in the client's hands), so it throws.
   */
  private push(message: Outbound): void {
    const index = this.decision.outbound.length;
    const texts = textsOf(message);
    const carries = (placeholder: string) => texts.some((t) => t.includes(placeholder));
    for (const link of this.decision.actionLinks) {
      if (link.messageIndex !== null || !carries(link.placeholder)) continue;
      if (message.to !== "artist" || (message.kind !== "text" && message.kind !== "actions")) throw new Error(`engine bug: the ${link.action} link was put in a ${message.to} ${message.kind} message`);
      link.messageIndex = index;
    }
    const checkout = this.decision.checkout;
    if (checkout && checkout.messageIndex === null && carries(checkout.placeholder)) {
      if (message.to !== "client" || message.kind !== "text") throw new Error(`engine bug: the deposit link was put in a ${message.to} ${message.kind} message`);
      checkout.messageIndex = index;
    }
    this.decision.outbound.push(message);
  }
}

/** The slot the session fills with the lead's inbox page URL (see {@link DecisionBuilder.artistPage}). */
export const PAGE_SLOT = "page";

/** The placeholder for slot `name` under `nonce`. */
export function slotPlaceholder(nonce: string, name: string): string {
  return `[[inkline:${nonce}:${name}]]`;
}

/** Every piece of text a message shows (body, titles, captions, template parameters). */
export function textsOf(message: Outbound): string[] {
  switch (message.kind) {
    case "text":
      return [message.body];
    case "buttons":
      return [message.body, ...message.buttons.map((b) => b.title)];
    case "list":
      return [message.body, message.buttonLabel, ...message.rows.flatMap((r) => [r.title, r.description ?? ""])];
    case "template":
      return message.params;
    case "media":
      return [message.link, message.caption ?? ""];
    case "actions":
      return [message.body, message.subject, ...message.actions.map((a) => a.placeholder)];
    case "cta":
      return [message.body, message.label, message.url];
  }
}
