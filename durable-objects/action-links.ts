/**
 * Minting the one-tap links a decision asked for: a 256-bit random token per link, its SHA-256
 * (the only thing stored in clear), and the URL sealed beside the placeholder in the one artist
 * message it was made for (src/lib/link-seal.ts). The decision and its tokens are then committed
 * together, so a link exists exactly when its message does; the send path opens the seal just
 * before the Graph call ({@link openLinks}).
 */
import { ACTION_ALLOWED_FROM, asArtistAction, type ArtistAction } from "../src/domain/artist-actions.ts";
import { actionButtons } from "../src/domain/artist-desk.ts";
import type { AppConfig } from "../src/config.ts";
import type { TemplateKey } from "../src/domain/templates.ts";
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
  // A decision with only a page button (no links: the artist's day-after question) still gets its page.
  if (decision.actionLinks.length === 0) return { decision: settings.baseUrl ? withPageUrl(decision, `${settings.baseUrl.replace(/\/+$/, "")}/inbox/leads/${leadId}`) : decision, tokens: [] };
  if (!settings.baseUrl || !settings.adminKey) throw new Error("engine asked for action links but PUBLIC_BASE_URL or ADMIN_API_KEY is not set");
  const key = await linkKey(settings.adminKey);
  const base = settings.baseUrl.replace(/\/+$/, "");
  const expiresAt = new Date(now.getTime() + settings.ttlHours * 60 * 60 * 1000);
  const sealed = new Map<number, SealedLink[]>();
  const tokens: NewActionToken[] = [];
  for (const request of decision.actionLinks) {
    const index = request.messageIndex;
    const target = index === null ? undefined : decision.outbound[index];
    if (index === null || target?.to !== "artist" || (target.kind !== "text" && target.kind !== "actions")) throw new Error(`engine bug: the ${request.action} link belongs to no artist message`);
    const token = randomToken(32);
    tokens.push({ tokenHash: await sha256Hex(token), action: request.action, allowedStatuses: [...ACTION_ALLOWED_FROM[request.action]], expiresAt });
    // A link seals its URL; a button seals the bare token (its id, see src/domain/artist-desk.ts).
    const value = target.kind === "actions" ? token : `${base}${actionPath(token)}`;
    const link = { placeholder: request.placeholder, action: request.action, sealed: await sealText(key, value, sealContext(leadId, request.placeholder)) };
    sealed.set(index, [...(sealed.get(index) ?? []), link]);
  }
  const page = `${base}/inbox/leads/${leadId}`;
  const outbound = decision.outbound.map((m, i) => {
    const links = sealed.get(i);
    if (m.kind === "cta" && m.to === "artist" && isPlaceholder(m.url)) return { ...m, url: page };
    if (links && m.kind === "text") return { ...m, links };
    if (links && m.kind === "actions") return { ...m, actions: m.actions.map((a) => ({ ...a, sealed: links.find((l) => l.placeholder === a.placeholder)?.sealed })) };
    return m;
  });
  return { decision: { ...decision, outbound }, tokens };
}

/** The decision with every artist button to the lead's page (an unfilled slot) pointing at `page`. */
function withPageUrl(decision: Decision, page: string): Decision {
  if (!decision.outbound.some((m) => m.kind === "cta" && m.to === "artist" && isPlaceholder(m.url))) return decision;
  return { ...decision, outbound: decision.outbound.map((m) => (m.kind === "cta" && m.to === "artist" && isPlaceholder(m.url) ? { ...m, url: page } : m)) };
}

/** The settings {@link openLinks} needs, from the app config. */
export function openSettingsFrom(config: Pick<AppConfig, "ADMIN_API_KEY" | "WHATSAPP_TEMPLATE_LANGUAGE" | "WHATSAPP_TEMPLATE_NAMES">): OpenSettings {
  return { adminKey: config.ADMIN_API_KEY, templateLanguage: config.WHATSAPP_TEMPLATE_LANGUAGE, templateNames: config.WHATSAPP_TEMPLATE_NAMES };
}

/** An unfilled slot of the engine's (builder.ts slotPlaceholder). */
const isPlaceholder = (value: string) => value.startsWith("[[inkline:");

/** How an artist's buttons go out: the sealing key, and the template for a closed window. */
export interface OpenSettings {
  adminKey: string | undefined;
  templateLanguage: string;
  templateNames: Readonly<Partial<Record<TemplateKey, string>>>;
}

/** What {@link openLinks} made of a stored message: the payload to send, and links it could not open. */
export interface OpenedLinks {
  message: OutboundPayload;
  unopened: string[];
  /** The template to send instead when the artist's 24-hour window is closed (buttons only). */
  fallback?: OutboundPayload;
}

/**
 * The stored message as it goes to Graph: each sealed link opened into its placeholder's place. A
 * link that no longer opens (ADMIN_API_KEY rotated since) becomes `fallbackUrl` (the lead's page in
 * the inbox) so the artist can still act, and is reported.
 */
export async function openLinks(message: OutboundPayload, leadId: string, settings: OpenSettings, fallbackUrl: string): Promise<OpenedLinks> {
  if (message.kind === "actions") return openButtons(message, leadId, settings, fallbackUrl);
  if (message.kind !== "text" || !message.links || message.links.length === 0) return { message, unopened: [] };
  const key = settings.adminKey ? await linkKey(settings.adminKey) : null;
  let body = message.body;
  const unopened: string[] = [];
  for (const link of message.links) {
    const url = key ? await openText(key, link.sealed, sealContext(leadId, link.placeholder)) : null;
    if (url === null) unopened.push(link.action);
    body = body.split(link.placeholder).join(url ?? fallbackUrl);
  }
  return { message: { kind: "text", body }, unopened };
}

/**
 * An artist's action buttons as they go to Graph: each sealed token opened into a reply button's
 * id (beyond three, the rest behind "More"), and the template with the tokens as its URL buttons'
 * suffixes for a closed window. A token that no longer opens (ADMIN_API_KEY rotated) turns the
 * message into text pointing at the lead's inbox page, and is reported.
 */
async function openButtons(message: Extract<OutboundPayload, { kind: "actions" }>, leadId: string, settings: OpenSettings, pageUrl: string): Promise<OpenedLinks> {
  const key = settings.adminKey ? await linkKey(settings.adminKey) : null;
  const opened: { action: ArtistAction; token: string }[] = [];
  const unopened: string[] = [];
  for (const button of message.actions) {
    const token = key && button.sealed ? await openText(key, button.sealed, sealContext(leadId, button.placeholder)) : null;
    const action = asArtistAction(button.action);
    if (token === null || action === null) unopened.push(button.action);
    else opened.push({ action, token });
  }
  // The body is the engine's rendered copy; the page URL stands in for the buttons that no longer open.
  const pointer = [message.body, pageUrl].join("\n");
  if (unopened.length > 0 || opened.length === 0) return { message: { kind: "text", body: pointer }, unopened };
  const built = actionButtons(message.body, message.subject, opened, { language: settings.templateLanguage, names: settings.templateNames });
  return { ...built, unopened };
}
