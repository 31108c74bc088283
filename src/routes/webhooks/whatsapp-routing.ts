/**
 * Which LeadConversation object a webhook item goes to. One person, one lead, one object:
 *
 * - named by a BSUID (every messages webhook since April 2026): the ClientDirectory object for it
 *   says (durable-objects/client-directory.ts); first sight names it after the phone when there is
 *   one, else the BSUID. A phone that appears or disappears later never moves the client.
 * - named by a phone only (payloads without BSUIDs): the phone, as always.
 *
 * A directory entry never changes once written, so each isolate caches it: the steady-state ack
 * path is one RPC to the lead's object, as before; a client's first webhook in an isolate adds one
 * small DO call. No Postgres either way.
 */
import type { ClientKey } from "./whatsapp-dispatch.ts";

const CACHE_LIMIT = 10_000;
const cache = new Map<string, string>();

/** The object name for a client (E.164 or BSUID). Throws only on infrastructure faults. */
export async function conversationFor(env: Pick<Env, "CLIENT_DIRECTORY">, key: ClientKey): Promise<string> {
  const { userId, phone } = key;
  if (userId === null) {
    if (phone === null) throw new Error("a client key names neither a phone nor a user id");
    return phone;
  }
  const cached = cache.get(userId);
  if (cached !== undefined) return cached;
  const name = await env.CLIENT_DIRECTORY.getByName(`u:${userId}`).resolve(phone, userId);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(userId, name);
  return name;
}
