/**
 * A client whose booking ended early (CANCELLED, or a NO_SHOW the artist marked) writes again
 * (issue 18). Silence would read as being ignored, and what comes next is the artist's call (a new
 * date, the credit they hold, a larger deposit after a no-show, a new design), so the conversation
 * is handed to the artist: the client is told politely that the artist will reply personally, and
 * reminded of any deposit credit still standing; the artist gets the usual handover notice with
 * the client's words and a one-tap hand-back. CONTINUE (or the artist's resume) returns the lead to
 * where it was. Pure, like the rest of the engine.
 */
import { ledgerBalance } from "../deposit.ts";
import { formatMoney } from "../format.ts";
import { isConversational, type InboundMessage } from "../messages.ts";
import type { DecisionBuilder } from "./builder.ts";
import { paymentOf } from "./deposit.ts";
import { handOver } from "./handover.ts";
import { HandoverReason } from "./triggers.ts";

/** The client's standing deposit credit, if any is left and not yet expired at `now`. */
function standingCredit(b: DecisionBuilder): { amount: string; expires: string } | null {
  const ledger = paymentOf(b.lead).ledger;
  const credit = ledgerBalance(ledger).credit;
  const newest = ledger.findLast((e) => e.kind === "credit");
  if (credit <= 0 || !newest) return null;
  const expires = newest.expiresAt ?? null;
  if (expires !== null && Date.parse(expires) <= b.now.getTime()) return null;
  return { amount: formatMoney(credit, newest.currency, b.lead.locale), expires: expires === null ? "" : expires.slice(0, 10) };
}

/** A message from a client whose booking was cancelled or missed: handed to the artist, credit mentioned. */
export function answerAfterBookingEnded(b: DecisionBuilder, message: InboundMessage): void {
  const from = b.currentStatus;
  // A reaction or an edit is not the client asking for anything.
  if (!isConversational(message)) {
    b.event("message.no_step", { status: from, message_id: message.id, kind: message.kind });
    return;
  }
  handOver(b, HandoverReason.BOOKING_ENDED, message);
  const credit = standingCredit(b);
  if (credit !== null) b.say("booking.ended_credit.client", credit);
  b.event("booking.ended_client_wrote", { from_status: from, message_id: message.id, credit: credit !== null });
}
