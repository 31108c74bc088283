/**
 * Groups a parsed webhook into inbox items per WhatsApp number, in the order Meta listed them, so
 * each number's Durable Object gets one RPC per POST.
 */
import type { ParsedWebhook } from "../../adapters/whatsapp/webhook-schema.ts";
import type { InboxPayload } from "../../../durable-objects/inbox.ts";

export function groupByNumber(parsed: ParsedWebhook): Map<string, InboxPayload[]> {
  const groups = new Map<string, InboxPayload[]>();
  const push = (phone: string, item: InboxPayload) => {
    const list = groups.get(phone);
    if (list) list.push(item);
    else groups.set(phone, [item]);
  };
  for (const message of parsed.messages) {
    push(message.from, { type: "whatsapp.message", eventId: `wa:msg:${message.id}`, message });
  }
  for (const status of parsed.statuses) {
    if (!status.recipient) continue;
    push(status.recipient, {
      type: "whatsapp.status",
      eventId: `wa:status:${status.providerMessageId}:${status.status}`,
      status,
    });
  }
  return groups;
}
