/**
 * Which parts of a client message are reference material to keep (images and documents), and
 * whether to keep them: never for a client who opted out or a number outside the pilot, and at
 * most {@link REFERENCE_FILES_PER_LEAD} per lead. A file not kept is not downloaded or stored at
 * all: only an `attachment.not_kept` event says it came.
 */
import type { InboundMessage, MediaKind } from "../messages.ts";
import type { DecisionBuilder } from "./builder.ts";
import { STORED_MEDIA_KINDS, type NewAttachment, type StoredMediaKind } from "./types.ts";

/** Reference images and documents kept per lead (whatever their upload's outcome); later ones are refused. */
export const REFERENCE_FILES_PER_LEAD = 10;
/** A client past the limit is told so at most once in this long (files keep coming in albums). */
const LIMIT_NOTE_EVERY_MS = 24 * 60 * 60 * 1000;

/** Why a message's file is not kept. */
export type NotKeptReason = "opted_out" | "not_in_pilot" | "limit";

function isStoredKind(kind: MediaKind): kind is StoredMediaKind {
  return (STORED_MEDIA_KINDS as readonly MediaKind[]).includes(kind);
}

/** The message's image or document, if it carries one. */
export function storedMediaOf(message: InboundMessage): (NonNullable<InboundMessage["media"]> & { kind: StoredMediaKind }) | null {
  const media = message.media;
  if (message.kind !== "media" || !media || !isStoredKind(media.kind)) return null;
  return { ...media, kind: media.kind };
}

/** The attachments a message carries: its image or document, if any. */
export function attachmentsOf(message: InboundMessage): NewAttachment[] {
  const media = storedMediaOf(message);
  if (!media) return [];
  return [{ providerMediaId: media.id, sourceMessageId: message.id, mimeType: media.mimeType, caption: media.caption, kind: media.kind }];
}

/**
 * Keeps the message's file for the lead, unless the client has opted out (after this message),
 * the number is outside the pilot, or the lead has {@link REFERENCE_FILES_PER_LEAD} already: then
 * it is recorded as not kept, and a client past the limit is told (once a day at most).
 */
export function keepReferences(b: DecisionBuilder, message: InboundMessage, lead: { optedOut: boolean; outsidePilot: boolean }): void {
  const found = attachmentsOf(message);
  if (found.length === 0) return;
  const full = b.lead.attachmentCount + found.length > REFERENCE_FILES_PER_LEAD;
  const reason: NotKeptReason | null = lead.optedOut ? "opted_out" : lead.outsidePilot ? "not_in_pilot" : full ? "limit" : null;
  if (reason === null) {
    b.decision.attachments.push(...found);
    return;
  }
  const noted = b.lead.referenceLimitNotedAt ?? null;
  const tell = reason === "limit" && (noted === null || b.now.getTime() - noted.getTime() >= LIMIT_NOTE_EVERY_MS);
  b.event("attachment.not_kept", {
    reason,
    message_id: message.id,
    kinds: found.map((a) => a.kind),
    kept: b.lead.attachmentCount,
    limit: REFERENCE_FILES_PER_LEAD,
    client_told: tell,
  });
  if (!tell) return;
  b.decision.patch.referenceLimitNotedAt = b.now;
  b.say("attachment.limit", { limit: REFERENCE_FILES_PER_LEAD });
}
