/**
 * Which webhook messages go to the artist's desk (durable-objects/artist-desk.ts) instead of a
 * client's object: everything the artist's own number sends (so the artist never starts a
 * consultation), and any tap on one of our action ids from another number (the desk records it
 * and runs nothing). Statuses stay with the clients' objects as before; a status about one of the
 * desk's own sends (its ref in the callback data) also goes to the desk, which settles a send whose
 * answer never came.
 */
import type { ParsedWebhook } from "../../adapters/whatsapp/webhook-schema.ts";
import { isActionReplyId, isDeskRef } from "../../domain/artist-desk.ts";
import type { InboxPayload } from "../../../durable-objects/inbox.ts";

/** The webhook without the desk's messages, and those messages as inbox items. */
export function splitForDesk(parsed: ParsedWebhook, artistNumber: string | undefined): { clients: ParsedWebhook; desk: InboxPayload[] } {
  const desk: InboxPayload[] = [];
  const messages = parsed.messages.filter((message) => {
    const forDesk = (artistNumber !== undefined && message.from === artistNumber) || isActionReplyId(message.replyId);
    if (forDesk) desk.push({ type: "whatsapp.message", eventId: `wa:msg:${message.id}`, message });
    return !forDesk;
  });
  for (const status of parsed.statuses) {
    if (isDeskRef(status.callbackRef)) desk.push({ type: "whatsapp.status", eventId: `wa:status:${status.providerMessageId}:${status.status}`, status });
  }
  return { clients: { ...parsed, messages }, desk };
}
