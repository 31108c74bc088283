/**
 * Minting the one-tap links a decision asked for: a 256-bit random token per link, its SHA-256
 * (the only thing stored), and the URL put where the engine left its placeholder. The decision and
 * its tokens are then committed together, so a link exists exactly when its message does.
 */
import { ACTION_ALLOWED_FROM } from "../src/domain/artist-actions.ts";
import type { Decision } from "../src/domain/engine.ts";
import type { Outbound } from "../src/domain/messages.ts";
import type { NewActionToken } from "../src/db/action-tokens.ts";
import { randomToken, sha256Hex } from "../src/lib/crypto.ts";

export interface LinkSettings {
  /** PUBLIC_BASE_URL; without it the engine asks for no links. */
  baseUrl: string | undefined;
  ttlHours: number;
}

/**
 * The path of an action link (the route lives in src/routes/actions/index.ts). The token goes in
 * the fragment, which browsers never send: request logs see `/a` only, and the page moves the
 * token into its form.
 */
export const actionPath = (token: string) => `/a#${token}`;

function withUrls(message: Outbound, urls: ReadonlyMap<string, string>): Outbound {
  if (message.kind !== "text" || urls.size === 0) return message;
  let body = message.body;
  for (const [placeholder, url] of urls) body = body.split(placeholder).join(url);
  return { ...message, body };
}

/**
 * Returns the decision with real URLs in its artist notices and the tokens to store with it. A
 * decision that asked for none comes back as it is.
 */
export async function mintActionLinks(decision: Decision, settings: LinkSettings, now: Date): Promise<{ decision: Decision; tokens: NewActionToken[] }> {
  if (decision.actionLinks.length === 0) return { decision, tokens: [] };
  if (!settings.baseUrl) throw new Error("engine asked for action links but PUBLIC_BASE_URL is not set");
  const base = settings.baseUrl.replace(/\/+$/, "");
  const expiresAt = new Date(now.getTime() + settings.ttlHours * 60 * 60 * 1000);
  const urls = new Map<string, string>();
  const tokens: NewActionToken[] = [];
  for (const request of decision.actionLinks) {
    const token = randomToken(32);
    tokens.push({ tokenHash: await sha256Hex(token), action: request.action, allowedStatuses: [...ACTION_ALLOWED_FROM[request.action]], expiresAt });
    urls.set(request.placeholder, `${base}${actionPath(token)}`);
  }
  return { decision: { ...decision, outbound: decision.outbound.map((m) => withUrls(m, urls)) }, tokens };
}
