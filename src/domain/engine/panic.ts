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

/** The client's words for the artist's notice: their text (shortened), else what kind of message it was. */
function quote(b: DecisionBuilder, message: InboundMessage): string {
  const text = (message.text ?? message.media?.caption ?? "").trim();
  if (text === "") return b.renderArtist("panic.artist_notice_no_text", { kind: message.media?.kind ?? message.kind });
  return text.length > PANIC_QUOTE_CHARS ? `${text.slice(0, PANIC_QUOTE_CHARS - 1)}…` : text;
}

/**
 * Holds a client message while the switch is on: `panic.message_held` in the lead's history, a
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
    text: quote(b, message),
  });
  b.event("panic.message_held", {
    message_id: message.id,
    kind: message.kind,
    text_length: message.text?.length ?? 0,
    status: b.currentStatus,
    holding_reply: notify,
  });
}
