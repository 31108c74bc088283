/**
 * Groups a parsed webhook into inbox items per client, in the order Meta listed them, so each
 * client's Durable Object gets one RPC per POST. A client is keyed by who they are to us: their
 * business-scoped user ID when Meta sends one (resolved to their object's name by the directory,
 * see routes.ts), else their phone number. Parts that could not be read go, numbered, to one
 * object that records them (UNREADABLE_OBJECT).
 */
import type { ParsedWebhook } from "../../adapters/whatsapp/webhook-schema.ts";
import type { InboxPayload } from "../../../durable-objects/inbox.ts";

/** The object that records unreadable webhook parts as system events (it serves no client). */
export const UNREADABLE_OBJECT = "webhook:unreadable";

/** Who an item is about, as the webhook named them. */
export interface ClientKey {
  phone: string | null;
  userId: string | null;
}

/** A client's items and the ids that name them in this webhook. */
export interface ClientGroup {
  key: ClientKey;
  items: InboxPayload[];
}

/** The grouping key: the BSUID when known (it never changes while the number does not), else the phone. */
function groupKey(key: ClientKey): string | null {
  return key.userId !== null ? `u:${key.userId}` : key.phone !== null ? `p:${key.phone}` : null;
}

export function groupByClient(parsed: ParsedWebhook, bodyHash: string): { clients: ClientGroup[]; unreadable: InboxPayload[] } {
  const groups = new Map<string, ClientGroup>();
  const push = (key: ClientKey, item: InboxPayload) => {
    const name = groupKey(key);
    if (name === null) return;
    const group = groups.get(name);
    if (group) {
      group.items.push(item);
      // A later item may name the phone the first did not (or the reverse).
      group.key = { phone: group.key.phone ?? key.phone, userId: group.key.userId ?? key.userId };
    } else groups.set(name, { key, items: [item] });
  };
  for (const message of parsed.messages) {
    push({ phone: message.from, userId: message.userId }, { type: "whatsapp.message", eventId: `wa:msg:${message.id}`, message });
  }
  for (const status of parsed.statuses) {
    push(
      { phone: status.recipient, userId: status.recipientUserId },
      { type: "whatsapp.status", eventId: `wa:status:${status.providerMessageId}:${status.status}`, status },
    );
  }
  const unreadable = parsed.skipped.map((part, n): InboxPayload => ({ type: "whatsapp.unreadable", eventId: `wa:unreadable:${bodyHash}:${n}`, part }));
  return { clients: [...groups.values()], unreadable };
}
