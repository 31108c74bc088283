/**
 * Which parts of a client message are reference material to keep: images and documents. Stored
 * whatever the lead's state, before any rule looks at the message.
 */
import type { InboundMessage, MediaKind } from "../messages.ts";
import { STORED_MEDIA_KINDS, type NewAttachment, type StoredMediaKind } from "./types.ts";

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
