/**
 * Minting the one-tap links a decision asked for: a 256-bit random token per link, its SHA-256
 * (the only thing stored in clear), and the URL sealed beside the placeholder in the one artist
 * message it was made for (src/lib/link-seal.ts). The decision and its tokens are then committed
 * together, so a link exists exactly when its message does; the send path opens the seal just
 * before the Graph call ({@link openLinks}).
 */
import { ACTION_ALLOWED_FROM } from "../src/domain/artist-actions.ts";
import type { Decision } from "../src/domain/engine.ts";
import type { OutboundPayload, SealedLink } from "../src/domain/messages.ts";
import type { NewActionToken } from "../src/db/action-tokens.ts";
import { randomToken, sha256Hex } from "../src/lib/crypto.ts";
import { deriveLinkKey, openText, sealText } from "../src/lib/link-seal.ts";

export interface LinkSettings {
  /** PUBLIC_BASE_URL; without it the engine asks for no links. */
  baseUrl: string | undefined;
  /** ADMIN_API_KEY, from which the sealing key is derived; without it the engine asks for no links. */
  adminKey: string | undefined;
  ttlHours: number;
}

/**
 * The path of an action link (the route lives in src/routes/actions/index.ts). The token goes in
 * the fragment, which browsers never send: request logs see `/a` only, and the page moves the
 * token into its form.
 */
export const actionPath = (token: string) => `/a#${token}`;

/** What ties a sealed link to its lead and place: GCM's associated data. */
const sealContext = (leadId: string, placeholder: string) => `${leadId}|${placeholder}`;

const keys = new Map<string, Promise<CryptoKey>>();
/** The sealing key for `adminKey`, derived once per isolate. */
function linkKey(adminKey: string): Promise<CryptoKey> {
  let key = keys.get(adminKey);
  if (!key) {
    key = deriveLinkKey(adminKey);
    keys.clear(); // one key in use at a time; a rotation replaces it
    keys.set(adminKey, key);
  }
  return key;
}

/**
 * Returns the decision with each link sealed into the artist message it belongs to, and the tokens
 * to store with it. A decision that asked for none comes back as it is.
 */
export async function mintActionLinks(decision: Decision, leadId: string, settings: LinkSettings, now: Date): Promise<{ decision: Decision; tokens: NewActionToken[] }> {
  if (decision.actionLinks.length === 0) return { decision, tokens: [] };
  if (!settings.baseUrl || !settings.adminKey) throw new Error("engine asked for action links but PUBLIC_BASE_URL or ADMIN_API_KEY is not set");
  const key = await linkKey(settings.adminKey);
  const base = settings.baseUrl.replace(/\/+$/, "");
  const expiresAt = new Date(now.getTime() + settings.ttlHours * 60 * 60 * 1000);
  const sealed = new Map<number, SealedLink[]>();
  const tokens: NewActionToken[] = [];
  for (const request of decision.actionLinks) {
    const index = request.messageIndex;
    const target = index === null ? undefined : decision.outbound[index];
    if (index === null || target?.to !== "artist" || target.kind !== "text") throw new Error(`engine bug: the ${request.action} link belongs to no artist text message`);
    const token = randomToken(32);
    tokens.push({ tokenHash: await sha256Hex(token), action: request.action, allowedStatuses: [...ACTION_ALLOWED_FROM[request.action]], expiresAt });
    const link = { placeholder: request.placeholder, action: request.action, sealed: await sealText(key, `${base}${actionPath(token)}`, sealContext(leadId, request.placeholder)) };
    sealed.set(index, [...(sealed.get(index) ?? []), link]);
  }
  const outbound = decision.outbound.map((m, i) => {
    const links = sealed.get(i);
    return links && m.kind === "text" ? { ...m, links } : m;
  });
  return { decision: { ...decision, outbound }, tokens };
}

/** What {@link openLinks} made of a stored message: the payload to send, and links it could not open. */
export interface OpenedLinks {
  message: OutboundPayload;
  unopened: string[];
}

/**
 * The stored message as it goes to Graph: each sealed link opened into its placeholder's place. A
 * link that no longer opens (ADMIN_API_KEY rotated since) becomes `fallbackUrl` (the lead's page in
 * the inbox) so the artist can still act, and is reported.
 */
export async function openLinks(message: OutboundPayload, leadId: string, adminKey: string | undefined, fallbackUrl: string): Promise<OpenedLinks> {
  if (message.kind !== "text" || !message.links || message.links.length === 0) return { message, unopened: [] };
  const key = adminKey ? await linkKey(adminKey) : null;
  let body = message.body;
  const unopened: string[] = [];
  for (const link of message.links) {
    const url = key ? await openText(key, link.sealed, sealContext(leadId, link.placeholder)) : null;
    if (url === null) unopened.push(link.action);
    body = body.split(link.placeholder).join(url ?? fallbackUrl);
  }
  return { message: { kind: "text", body }, unopened };
}
