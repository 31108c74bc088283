/**
 * An out-of-band alert to the artist's own WhatsApp number (not tied to a lead's conversation):
 * the text first, and when the artist's 24-hour window is closed (131047) the approved
 * `artist_alert` template (src/domain/templates.ts), which tells them to open the inbox. Used by
 * the Sheets writer's "told once" alert. Returns the Graph outcome; never throws for HTTP failures.
 */
import { graphConfigFrom, sendGraphMessage, WINDOW_CLOSED_CODE, type SendResult } from "../adapters/whatsapp/graph-client.ts";
import { artistNoticeNumber, type AppConfig } from "../config.ts";
import { renderCopy } from "../domain/copy.ts";

/** Sends `body` to the artist (or the alert template outside their window); null when artist notices are off. */
export async function alertArtist(config: AppConfig, body: string, ref: string): Promise<SendResult | null> {
  const artist = artistNoticeNumber(config);
  if (!artist) return null;
  const graph = graphConfigFrom(config);
  const result = await sendGraphMessage(graph, artist, { kind: "text", body }, ref);
  if (result.ok || result.code !== WINDOW_CLOSED_CODE) return result;
  return sendGraphMessage(
    graph,
    artist,
    {
      kind: "template",
      name: config.WHATSAPP_TEMPLATE_NAMES.artist_alert ?? config.WHATSAPP_FALLBACK_TEMPLATE,
      language: config.WHATSAPP_TEMPLATE_LANGUAGE,
      params: [config.ARTIST_NAME, renderCopy("artist.template_alert_subject")],
    },
    ref,
  );
}
