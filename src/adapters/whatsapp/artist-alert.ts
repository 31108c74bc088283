/**
 * An alert to the artist's own WhatsApp number from code that is not a lead's conversation (the
 * calendar sync, the calendar write job): the free text when the artist's 24-hour window is open,
 * else the approved `artist_alert` template (src/domain/templates.ts), which names what needs
 * their attention and sends them to the inbox. Nothing here is stored: the caller records the
 * alert (and its failure) where it belongs.
 *
 * Also used for the parked-message alert (durable-objects/lead-session.ts `reportParked`) and the
 * Sheets writer's "told once" alert; {@link artistAlertTemplate} is the template every artist
 * message falls back to when it has no template of its own.
 */
import type { AppConfig } from "../../config.ts";
import type { OutboundPayload } from "../../domain/messages.ts";
import { templateName } from "../../domain/templates.ts";
import { graphConfigFrom, sendGraphMessage, WINDOW_CLOSED_CODE, type SendResult } from "./graph-client.ts";

export interface ArtistAlert {
  /** The artist's number (E.164). */
  to: string;
  /** The artist's name, the template's first parameter. */
  artistName: string;
  /** The whole alert, sent while the artist's window is open. */
  body: string;
  /** What needs attention, in a few words: the template's second parameter. */
  subject: string;
  /** Echoed in Meta's status webhooks (biz_opaque_callback_data). */
  ref: string;
}

/** How the alert went: sent as text or as the template, or the Graph API's refusal. */
export type ArtistAlertResult = (SendResult & { ok: true; template: boolean }) | (SendResult & { ok: false });

/** Sends `alert` to the artist, falling back to the approved template when their window is closed. */
export async function sendArtistAlert(config: AppConfig, alert: ArtistAlert): Promise<ArtistAlertResult> {
  const graph = graphConfigFrom(config);
  const text = await sendGraphMessage(graph, alert.to, { kind: "text", body: alert.body }, alert.ref);
  if (text.ok) return { ...text, template: false };
  if (text.code !== WINDOW_CLOSED_CODE) return text;
  const template = await sendGraphMessage(graph, alert.to, artistAlertTemplate(config, alert.artistName, alert.subject), alert.ref);
  return template.ok ? { ...template, template: true } : template;
}

/** The approved `artist_alert` template: `subject` needs the artist's attention, in the inbox. */
export function artistAlertTemplate(
  config: Pick<AppConfig, "WHATSAPP_FALLBACK_TEMPLATE" | "WHATSAPP_TEMPLATE_NAMES" | "WHATSAPP_TEMPLATE_LANGUAGE">,
  artistName: string,
  subject: string,
): Extract<OutboundPayload, { kind: "template" }> {
  return {
    kind: "template",
    name: templateName("artist_alert", { artist_alert: config.WHATSAPP_FALLBACK_TEMPLATE, ...config.WHATSAPP_TEMPLATE_NAMES }),
    language: config.WHATSAPP_TEMPLATE_LANGUAGE,
    params: [artistName, subject],
  };
}
