/**
 * A booked client's reply to their appointment reminder (after-session.ts sends its buttons):
 * "See you then" gets a short warm reply and is recorded. For a BOOKED lead "I need to change it"
 * is answered first by booking-change.ts (move, cancel or keep, by the studio's rules); it reaches
 * here only from a later status (an old reminder tapped after the session): the client is told the
 * artist will be in touch and the artist is told. Pure.
 */
import type { InboundMessage } from "../messages.ts";
import { BookedReply } from "./after-session.ts";
import type { DecisionBuilder } from "./builder.ts";

/** Whether the message is one of the reminder's buttons (a tap on the free text or on the template). */
export function isBookedReply(message: InboundMessage): boolean {
  return message.replyId === BookedReply.CONFIRM || message.replyId === BookedReply.CHANGE;
}

/** Answers a reminder's button; false when the message is not one (the caller decides). */
export function answerBookedReply(b: DecisionBuilder, message: InboundMessage): boolean {
  const when = b.lead.heldSlot?.label ?? "";
  if (message.replyId === BookedReply.CONFIRM) {
    b.say("booked.confirm_reply");
    b.event("booking.client_confirmed", { message_id: message.id, booking_id: b.lead.heldSlot?.bookingId ?? null });
    return true;
  }
  if (message.replyId === BookedReply.CHANGE) {
    // Holding reply until reschedule/cancel by chat lands (the lead engineer swaps it at merge).
    b.say("booked.change_holding");
    const clientName = b.lead.displayName ?? b.renderArtist("handover.unknown_name");
    b.tellArtist("booked.change_requested.artist", { clientName, phone: b.clientContact(), when });
    b.event("booking.change_requested", { message_id: message.id, booking_id: b.lead.heldSlot?.bookingId ?? null });
    return true;
  }
  return false;
}
