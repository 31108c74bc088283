/**
 * The panic switch's rule (the studio turned the assistant's replies off, settings table): a
 * client message is recorded and the artist told about it, but nothing automatic goes to the
 * client except one fixed holding reply a day. Nothing is queued for later: once the switch is
 * off, the lead's next message is handled as if the switch had never been on (no backlog).
 */
import type { InboundMessage } from "../messages.ts";
import type { DecisionBuilder } from "./builder.ts";
import type { EngineConfig } from "./types.ts";

/** Least time between two holding replies to one lead while the switch is on. */
export const PANIC_NOTICE_EVERY_MS = 24 * 60 * 60 * 1000;
/** How much of the client's message the artist's notice quotes. */
export const PANIC_QUOTE_CHARS = 300;

/** Whether the panic switch is on in this decision's config. */
export function panicOn(config: EngineConfig): boolean {
  return config.panic?.on === true;
}

/** The client's words, shortened to {@link PANIC_QUOTE_CHARS}; null when the message had none. */
function words(message: InboundMessage): string | null {
  const text = (message.text ?? message.media?.caption ?? "").trim();
  if (text === "") return null;
  return text.length > PANIC_QUOTE_CHARS ? `${text.slice(0, PANIC_QUOTE_CHARS - 1)}…` : text;
}

/**
 * Holds a client message while the switch is on: `panic.message_held` (with the client's words)
 * in the lead's history, a
 * notice to the artist, and the holding reply when the lead has not had one in the last day.
 */
export function holdForPanic(b: DecisionBuilder, message: InboundMessage): void {
  const last = b.lead.panicNoticeAt ?? null;
  const notify = last === null || b.now.getTime() - last.getTime() >= PANIC_NOTICE_EVERY_MS;
  if (notify) {
    b.say("panic.holding");
    b.decision.patch.panicNoticeAt = b.now;
  }
  b.tellArtist("panic.artist_notice", {
    clientName: b.decision.patch.displayName ?? b.lead.displayName ?? b.renderArtist("handover.unknown_name"),
    phone: b.clientContact(),
    text: words(message) ?? b.renderArtist("panic.artist_notice_no_text", { kind: message.media?.kind ?? message.kind }),
  });
  b.event("panic.message_held", {
    message_id: message.id,
    kind: message.kind,
    text_length: message.text?.length ?? 0,
    // The client's words (shortened) for the lead's timeline in the inbox: they are not an answer.
    text: words(message),
    status: b.currentStatus,
    holding_reply: notify,
  });
}
