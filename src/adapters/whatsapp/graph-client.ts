/**
 * WhatsApp Cloud API (Graph) client: sends one message and classifies the outcome.
 *
 * The base URL comes from config (WHATSAPP_GRAPH_URL) so dev and tests use the emulator. Every
 * failure is classified: retryable (429, 5xx, rate limits, timeouts, network) or permanent (the
 * number is invalid, the 24-hour window is closed, the request is malformed).
 */
import { z } from "zod";
import type { AppConfig } from "../../config.ts";
import { USER_ID_PATTERN } from "../../domain/client-id.ts";
import type { OutboundPayload } from "../../domain/messages.ts";

export interface GraphConfig {
  graphUrl: string;
  apiVersion: string;
  phoneNumberId: string;
  accessToken: string;
  timeoutMs: number;
}

export type GraphMessage = OutboundPayload;

export type SendResult =
  | { ok: true; providerMessageId: string }
  | { ok: false; retryable: boolean; code: string; message: string };

const SendResponseSchema = z.object({
  messages: z.array(z.object({ id: z.string().min(1) })).min(1),
});

const GraphErrorSchema = z.object({
  error: z.looseObject({
    message: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
  }),
});

/** Graph settings from the app config. */
export function graphConfigFrom(config: AppConfig): GraphConfig {
  return {
    graphUrl: config.WHATSAPP_GRAPH_URL,
    apiVersion: config.WHATSAPP_API_VERSION,
    phoneNumberId: config.WHATSAPP_PHONE_NUMBER_ID ?? "",
    accessToken: config.WHATSAPP_ACCESS_TOKEN ?? "",
    timeoutMs: config.WHATSAPP_TIMEOUT_MS,
  };
}

/** Graph error codes that mean "slow down and try again". */
const RETRYABLE_CODES = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131056, 133004]);
/** Business-scoped user ID recipients are not supported for this message (e.g. authentication templates). */
export const BSUID_UNSUPPORTED_CODE = "131062";

/** The customer-service window is closed: only a template may be sent. */
export const WINDOW_CLOSED_CODE = "131047";

/**
 * Builds the Graph API request body for a message. `to` is an E.164 number (sent as `to`) or a
 * business-scoped user ID (sent as `recipient`: Meta's field for BSUIDs and parent BSUIDs).
 */
export function graphBody(to: string, message: GraphMessage, outboxId: string): Record<string, unknown> {
  const address = USER_ID_PATTERN.test(to) ? { recipient: to } : { to: to.replace(/^\+/, "") };
  const base = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    ...address,
    // Echoed back in status webhooks: ties a delivery status to our outbox row.
    biz_opaque_callback_data: outboxId,
  };
  switch (message.kind) {
    case "text":
      return { ...base, type: "text", text: { body: message.body, preview_url: false } };
    case "buttons":
      return {
        ...base,
        type: "interactive",
        interactive: {
          type: "button",
          body: { text: message.body },
          action: { buttons: message.buttons.map((b) => ({ type: "reply", reply: { id: b.id, title: b.title } })) },
        },
      };
    case "list":
      return {
        ...base,
        type: "interactive",
        interactive: {
          type: "list",
          body: { text: message.body },
          action: { button: message.buttonLabel, sections: [{ title: message.buttonLabel, rows: message.rows }] },
        },
      };
    case "cta":
      return {
        ...base,
        type: "interactive",
        interactive: {
          type: "cta_url",
          body: { text: message.body },
          action: { name: "cta_url", parameters: { display_text: message.label, url: message.url } },
        },
      };
    case "actions":
      // Sealed tokens never go out as they are: the send path opens them into buttons first.
      throw new Error("an actions message must be opened (durable-objects/action-links.ts) before it is sent");
    case "template": {
      const body = message.params.length > 0 ? [{ type: "body", parameters: message.params.map((text) => ({ type: "text", text })) }] : [];
      // A URL button's dynamic part: the suffix appended to the URL registered with the template.
      const buttons = (message.urlButtons ?? []).map((text, index) => ({ type: "button", sub_type: "url", index: String(index), parameters: [{ type: "text", text }] }));
      // A quick-reply button's payload: what the client's tap brings back (the reply's id).
      const replies = (message.quickReplies ?? []).map((payload, i) => ({ type: "button", sub_type: "quick_reply", index: String(buttons.length + i), parameters: [{ type: "payload", payload }] }));
      return { ...base, type: "template", template: { name: message.name, language: { code: message.language }, components: [...body, ...buttons, ...replies] } };
    }
    case "media":
      return {
        ...base,
        type: message.mediaKind,
        [message.mediaKind]: { link: message.link, ...(message.caption ? { caption: message.caption } : {}) },
      };
  }
}

/** Sends one message; never throws for HTTP or network failures (they come back classified). */
export async function sendGraphMessage(
  config: GraphConfig,
  to: string,
  message: GraphMessage,
  outboxId: string,
): Promise<SendResult> {
  const url = `${config.graphUrl.replace(/\/$/, "")}/${config.apiVersion}/${config.phoneNumberId}/messages`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${config.accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify(graphBody(to, message, outboxId)),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { ok: false, retryable: true, code: timedOut ? "timeout" : "network", message: String(error) };
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: classified by status below.
  }
  if (res.ok) {
    const parsed = SendResponseSchema.safeParse(json);
    if (parsed.success && parsed.data.messages[0]) return { ok: true, providerMessageId: parsed.data.messages[0].id };
    return { ok: false, retryable: true, code: "bad_response", message: `unexpected 2xx body: ${text.slice(0, 200)}` };
  }
  return { ok: false, ...classifyGraphError(res.status, json) };
}

/**
 * A failed call that got no answer from Graph (a timeout, a dropped connection, a 2xx we could
 * not read): Graph may have taken the send all the same, so it must not simply be made again.
 */
export function unanswered(result: SendResult): boolean {
  return !result.ok && (result.code === "timeout" || result.code === "network" || result.code === "bad_response");
}

/** A failed Graph call, classified: retryable (429, 5xx, 401, throttling codes) or permanent. */
export interface GraphErrorClass {
  retryable: boolean;
  /** The Graph error code, or `http_<status>` when the body carries none. */
  code: string;
  message: string;
}

/** Classifies a non-2xx Graph answer from its status and (parsed) body. */
export function classifyGraphError(status: number, json: unknown): GraphErrorClass {
  const error = GraphErrorSchema.safeParse(json);
  const code = error.success && error.data.error.code !== undefined ? error.data.error.code : null;
  const detail = error.success ? (error.data.error.message ?? `HTTP ${status}`) : `HTTP ${status}`;
  const retryable = status === 429 || status >= 500 || status === 401 || (code !== null && RETRYABLE_CODES.has(code));
  return { retryable, code: code !== null ? String(code) : `http_${status}`, message: detail };
}
