/**
 * The artist's side in Workers tests: leads put straight into Postgres at any status (so an action
 * test does not need a whole consultation first), one-tap tokens minted the way the session mints
 * them, the links the artist was sent, and requests to /a and /admin from a test's own address
 * (so rate limits never leak between tests).
 */
import { env, SELF } from "cloudflare:test";
import { consentGiven } from "./consent.ts";
import { sql } from "./db.ts";
import { postWebhook, prepareInbound, sentTo, uniquePhone } from "./whatsapp.ts";

const encoder = new TextEncoder();

export async function sha256Hex(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A fresh client address (random IPv6 in the documentation range), so each test has its own rate-limit buckets. */
export function uniqueIp(): string {
  const words = Array.from(crypto.getRandomValues(new Uint16Array(4)), (w) => w.toString(16));
  return `2001:db8:${words.join(":")}::1`;
}

export interface TestLead {
  id: string;
  phone: string;
}

/**
 * A lead as if its consultation had run: a status, a name, an open 24-hour window (so replies
 * go out as text), a quoted deposit and the consent step done (so an approval goes on to the slots
 * or the deposit link; `consent: null` for a lead that has not given it), plus any column
 * overrides (snake_case).
 */
export async function insertLead(status: string, columns: Record<string, unknown> = {}): Promise<TestLead> {
  const phone = uniquePhone();
  const values: Record<string, unknown> = {
    phone_e164: phone,
    status,
    display_name: "Ari Lane",
    service_window_ends_at: new Date(Date.now() + 20 * 60 * 60 * 1000).toISOString(),
    last_client_message_at: new Date(Date.now() - 60_000).toISOString(),
    price_min_minor: 26_000,
    price_max_minor: 38_000,
    price_currency: "GBP",
    deposit_amount_minor: 10_000,
    deposit_currency: "GBP",
    size_category: "MEDIUM",
    region: "UK",
    consent: JSON.stringify(consentGiven()),
    ...columns,
  };
  const names = Object.keys(values);
  const [row] = await sql<{ id: string }>(
    `INSERT INTO leads (${names.join(", ")}) VALUES (${names.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`,
    Object.values(values),
  );
  if (!row) throw new Error("lead insert returned nothing");
  // The emulator holds WhatsApp's side of the 24-hour window: the client wrote a minute ago.
  await prepareInbound({ from: phone, text: "hi" });
  return { id: row.id, phone };
}

/** Mints a one-tap token for a lead (stored as its SHA-256, like the session does); returns the token. */
export async function mintToken(
  leadId: string,
  action: string,
  options: { allowedStatuses?: string[]; expiresAt?: Date; usedAt?: Date | null } = {},
): Promise<string> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  await sql("INSERT INTO action_tokens (token_hash, lead_id, action, allowed_statuses, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6)", [
    await sha256Hex(token),
    leadId,
    action,
    JSON.stringify(options.allowedStatuses ?? ["PENDING_APPROVAL"]),
    (options.expiresAt ?? new Date(Date.now() + 60 * 60 * 1000)).toISOString(),
    options.usedAt ? options.usedAt.toISOString() : null,
  ]);
  return token;
}

/** The URL after `label: ` in an artist notice ("Approve: https://…"). */
export function linkAfter(text: string, label: string): string {
  const match = new RegExp(`${label}: (https://\\S+)`).exec(text);
  if (!match?.[1]) throw new Error(`no "${label}" link in: ${text}`);
  return match[1];
}

/** A link's path and fragment ("/a#<token>"; "/a/<token>" for links sent before), for the helpers below. */
export const pathOf = (url: string) => {
  const parsed = new URL(url, "https://inkline.test");
  return `${parsed.pathname}${parsed.hash}`;
};

/** The token of a link that carries it in its fragment (`/a#<token>`), or null. */
export function fragmentToken(link: string): string | null {
  const hash = link.indexOf("#");
  return hash === -1 ? null : link.slice(hash + 1);
}

function postForm(path: string, form: Record<string, string>, ip: string): Promise<Response> {
  return SELF.fetch(`https://inkline.test${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": ip },
    body: new URLSearchParams(form).toString(),
  });
}

/**
 * Opens an action link from `ip` as a phone's browser does: for `/a#<token>`, GET /a (the same
 * page for every link; the fragment is never sent) and then the page script's POST of the token
 * (step "review"), whose response is returned; for any other path, a GET of it.
 */
export async function openLink(path: string, ip = uniqueIp()): Promise<Response> {
  const token = fragmentToken(path);
  if (token === null) return SELF.fetch(`https://inkline.test${path}`, { headers: { "cf-connecting-ip": ip } });
  const opener = await SELF.fetch(`https://inkline.test${path.slice(0, path.indexOf("#"))}`, { headers: { "cf-connecting-ip": ip } });
  if (opener.status !== 200) throw new Error(`the link's page answered ${opener.status}`);
  await opener.text();
  return postForm("/a", { step: "review", token }, ip);
}

/** Confirms on an action page (the form's POST) from `ip`: to /a with the token in the body, or to an old link's own path. */
export function confirmLink(path: string, form: Record<string, string>, ip = uniqueIp()): Promise<Response> {
  const token = fragmentToken(path);
  return token === null ? postForm(path, form, ip) : postForm("/a", { step: "confirm", token, ...form }, ip);
}

export const ADMIN_KEY = "test-admin-key-0123456789";

/** A request to the admin API (with the key unless `key` says otherwise). */
export function adminFetch(
  path: string,
  init: { method?: string; body?: unknown; key?: string | null; ip?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": init.ip ?? uniqueIp(), ...init.headers };
  const key = init.key === undefined ? ADMIN_KEY : init.key;
  if (key !== null) headers["x-admin-api-key"] = key;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return SELF.fetch(`https://inkline.test${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
}

/** The lead row as Postgres has it. */
export async function leadRow(id: string): Promise<Record<string, unknown>> {
  const [row] = await sql("SELECT * FROM leads WHERE id = $1", [id]);
  if (!row) throw new Error(`no lead ${id}`);
  return row;
}

/** Waits for the lead's object to finish what it is doing. */
export function settleLead(phone: string): Promise<number> {
  return env.LEAD_CONVERSATION.getByName(phone).settled();
}

/** The artist's number in tests (vitest.config.ts's ARTIST_WHATSAPP_NUMBER). */
export const ARTIST_NUMBER = "+447700900001";

/** The summary's four actions and the tokens their buttons carry. */
export type SummaryTokens = Record<"approve" | "reject" | "send_deposit" | "mark_booked", string>;

/**
 * The tokens of the latest action buttons sent to the artist: Approve and Reject as buttons, Send
 * deposit and Mark booked behind "More" (its id carries both, in that order).
 */
export async function summaryTokens(bodyIncludes = ""): Promise<SummaryTokens> {
  const withButtons = (await sentTo(ARTIST_NUMBER)).filter(
    (s) => (s.body.interactive?.action?.buttons ?? []).some((b) => b.reply.id.startsWith("act:")) && (s.body.interactive?.body?.text ?? "").includes(bodyIncludes),
  );
  const ids = (withButtons.at(-1)?.body.interactive?.action?.buttons ?? []).map((b) => b.reply.id);
  const [approve, reject, more] = ids;
  const [sendDeposit, markBooked] = (more ?? "").replace(/^more:/, "").split(".");
  if (!approve?.startsWith("act:") || !reject?.startsWith("act:") || !sendDeposit || !markBooked) throw new Error(`no summary buttons in ${JSON.stringify(ids)}`);
  return { approve: approve.slice(4), reject: reject.slice(4), send_deposit: sendDeposit, mark_booked: markBooked };
}

/**
 * The tokens of the latest notice buttons sent to the artist (a handover's, a payment's…), by the
 * button's title ("Hand back", "Mark booked", "Refund"…).
 */
export async function noticeTokens(): Promise<Record<string, string>> {
  const withButtons = (await sentTo(ARTIST_NUMBER)).filter((s) => (s.body.interactive?.action?.buttons ?? []).some((b) => b.reply.id.startsWith("act:")));
  const buttons = withButtons.at(-1)?.body.interactive?.action?.buttons ?? [];
  return Object.fromEntries(buttons.filter((b) => b.reply.id.startsWith("act:")).map((b) => [b.reply.title, b.reply.id.slice(4)]));
}

/**
 * Someone taps a reply button (or list row, `list: true`) on WhatsApp: Meta's signed webhook, from
 * the artist's number unless `from` says otherwise. Waits for the desk to handle it.
 */
export async function tapOnWhatsApp(id: string, options: { from?: string; list?: boolean; title?: string } = {}): Promise<{ response: Response; messageId: string }> {
  const reply = { id, title: options.title ?? "Approve" };
  const prepared = await prepareInbound(options.list ? { from: options.from ?? ARTIST_NUMBER, list: reply } : { from: options.from ?? ARTIST_NUMBER, button: reply });
  const response = await postWebhook(prepared.body, prepared.signature);
  await settleDesk();
  return { response, messageId: prepared.message_id };
}

/** Waits until the artist's desk has handled everything it can right now; returns what is left. */
export function settleDesk(): Promise<number> {
  return env.ARTIST_DESK.getByName("desk").settled();
}

/** The list rows of the last list message sent to the artist. */
export async function lastListRows(): Promise<{ id: string; title: string }[]> {
  const lists = (await sentTo(ARTIST_NUMBER)).filter((s) => s.body.interactive?.type === "list");
  const raw = lists.at(-1)?.body.interactive as { action?: { sections?: { rows: { id: string; title: string }[] }[] } } | undefined;
  return raw?.action?.sections?.flatMap((s) => s.rows) ?? [];
}
