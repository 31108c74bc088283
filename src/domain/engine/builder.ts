/**
 * DecisionBuilder: accumulates one decision. The only way the engine moves a status (through the
 * state machine), speaks (through copy) and records events, so every rule reads as "say this,
 * move there" without assembling outbound shapes by hand.
 */
import { DEFAULT_LOCALE } from "../../../copy/index.ts";
import type { ArtistAction } from "../artist-actions.ts";
import { greetingName, renderCopy, type CopyKey, type CopyParams } from "../copy.ts";
import type { LeadStatus } from "../lead-status.ts";
import type { Outbound } from "../messages.ts";
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
   * A one-tap link for the artist: returns the placeholder to render where the URL goes; the
   * lead's session mints the token and puts the URL in its place. Null when links are off.
   */
  actionLink(action: ArtistAction): string | null {
    if (!this.config.actionLinks) return null;
    const placeholder = `[[inkline-link:${this.decision.actionLinks.length}]]`;
    this.decision.actionLinks.push({ action, placeholder });
    return placeholder;
  }

  /** A message with reply buttons that answer no question (an offer); typed replies still count. */
  offer(copyKey: CopyKey, buttons: readonly QuestionButton[], extra: CopyParams = {}): void {
    const body = this.render(copyKey, extra);
    this.push({ to: "client", kind: "buttons", body, buttons: buttons.map((b) => ({ id: b.id, title: this.render(b.titleKey) })), copyKey });
  }

  answer(answer: NewAnswer): void {
    this.decision.answers.push(answer);
  }

  event(type: string, payload: Record<string, unknown> = {}, level: EventRecord["level"] = "info"): void {
    this.decision.events.push({ type, level, payload });
  }

  private push(message: Outbound): void {
    this.decision.outbound.push(message);
  }
}
