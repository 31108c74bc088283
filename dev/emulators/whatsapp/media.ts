/**
 * Media the emulated clients "send": stored bytes addressed by Meta-style numeric media ids, and the
 * short-lived download URLs Graph hands out for them. Meta's rules modelled here: a download URL
 * lives 5 minutes, a media id 7 days; both are judged by the emulator's (shiftable) clock.
 */
import { createHash, randomBytes, randomInt } from "node:crypto";

/** How long a download URL from `GET /{version}/{media-id}` stays valid. */
export const MEDIA_URL_TTL_MS = 5 * 60 * 1000;
/** How long Meta keeps an uploaded or received media id. */
export const MEDIA_ID_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** One stored media object. */
export interface StoredMedia {
  id: string;
  bytes: Buffer;
  mimeType: string;
  filename?: string;
  /** Hex digest, as `GET /{media-id}` reports it. */
  sha256Hex: string;
  /** Base64 digest, as inbound webhook messages report it. */
  sha256Base64: string;
  createdAtMs: number;
  /** The number that sent it (digits), so faults can be scoped to one client's media calls. */
  owner?: string;
}

/** A 1×1 PNG, used when an inbound image spec carries no bytes of its own. */
export const SAMPLE_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** A minimal PDF, used when an inbound document spec carries no bytes of its own. */
export const SAMPLE_PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
  "latin1",
);

function newMediaId(): string {
  return `${randomInt(1, 10)}${String(randomInt(0, 1e9)).padStart(9, "0")}${String(randomInt(0, 1e6)).padStart(6, "0")}`;
}

/** Outcome of redeeming a download URL token. */
export type Redemption = { ok: true; media: StoredMedia } | { ok: false; reason: "unknown" | "expired" };

/** In-memory media store with expiring download tokens. */
export class MediaStore {
  #media = new Map<string, StoredMedia>();
  #tokens = new Map<string, { mediaId: string; expiresAtMs: number }>();

  /** Stores bytes and returns the new media object (ids look like Meta's 15–16 digit ids). */
  put(bytes: Buffer, mimeType: string, nowMs: number, filename?: string, owner?: string): StoredMedia {
    let id = newMediaId();
    while (this.#media.has(id)) id = newMediaId();
    const digest = createHash("sha256").update(bytes).digest();
    const media: StoredMedia = {
      id,
      bytes,
      mimeType,
      sha256Hex: digest.toString("hex"),
      sha256Base64: digest.toString("base64"),
      createdAtMs: nowMs,
    };
    if (filename !== undefined) media.filename = filename;
    if (owner !== undefined) media.owner = owner;
    this.#media.set(id, media);
    return media;
  }

  /** Who sent the media with this id (digits), whatever its age; undefined when unknown. */
  ownerOf(id: string): string | undefined {
    return this.#media.get(id)?.owner;
  }

  /** The media with this id, unless unknown or older than Meta's 7-day retention. */
  get(id: string, nowMs: number): StoredMedia | undefined {
    const media = this.#media.get(id);
    if (!media || nowMs - media.createdAtMs > MEDIA_ID_TTL_MS) return undefined;
    return media;
  }

  /** Issues a fresh download token for `id`, valid for {@link MEDIA_URL_TTL_MS}. */
  issueToken(id: string, nowMs: number): string {
    const token = randomBytes(18).toString("base64url");
    this.#tokens.set(token, { mediaId: id, expiresAtMs: nowMs + MEDIA_URL_TTL_MS });
    return token;
  }

  /** Checks a download token against the media id in the URL and the clock. */
  redeem(token: string, mediaId: string, nowMs: number): Redemption {
    const entry = this.#tokens.get(token);
    const media = this.#media.get(mediaId);
    if (!entry || entry.mediaId !== mediaId || !media) return { ok: false, reason: "unknown" };
    if (nowMs > entry.expiresAtMs) return { ok: false, reason: "expired" };
    return { ok: true, media };
  }

  /** Drops every media object and token. */
  clear(): void {
    this.#media.clear();
    this.#tokens.clear();
  }
}
