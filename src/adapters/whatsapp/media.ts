/**
 * WhatsApp Cloud API media: look up a received media id (`GET /{version}/{media-id}`) and download
 * its bytes from the short-lived URL that lookup returns (Bearer required, valid ~5 minutes, so a
 * retry always starts with a fresh lookup).
 *
 * Like `sendGraphMessage`, nothing here throws for HTTP or network trouble: every failure comes
 * back classified as retryable (429, 5xx, timeouts, an expired URL, a digest mismatch) or
 * permanent (unknown media id, a file over the size cap). Failure messages never carry the
 * download URL or the token.
 */
import { z } from "zod";
import { toHex } from "../../lib/crypto.ts";
import { classifyGraphError, type GraphConfig } from "./graph-client.ts";

/** Largest file Inkline stores (WhatsApp's own cap for images is 5 MB, documents 100 MB). */
export const MAX_MEDIA_BYTES = 16 * 1024 * 1024;

export interface MediaFailure {
  ok: false;
  retryable: boolean;
  code: string;
  message: string;
}

const MediaMetaSchema = z.looseObject({
  url: z.url({ protocol: /^https?$/ }),
  mime_type: z.string().min(1),
  sha256: z.string().optional(),
  // Documented as a string, sometimes sent as a number.
  file_size: z.union([z.int().min(0), z.string().regex(/^\d{1,15}$/).transform(Number)]).optional(),
  id: z.string().min(1),
});

/** What Graph says about a media id. */
export interface MediaMeta {
  id: string;
  /** Short-lived download URL; a secret while it lives (never log it). */
  url: string;
  mimeType: string;
  /** Digest as Graph reports it (hex), when it does. */
  sha256: string | null;
  fileSize: number | null;
}

export type MediaMetaResult = { ok: true; value: MediaMeta } | MediaFailure;

export interface DownloadedMedia {
  bytes: Uint8Array<ArrayBuffer>;
  /** The download's Content-Type, without parameters. */
  contentType: string | null;
  /** Lower-case hex SHA-256 of `bytes`. */
  sha256: string;
  sizeBytes: number;
}

export type DownloadResult = { ok: true; value: DownloadedMedia } | MediaFailure;

export interface DownloadOptions {
  /** Digest to verify against (hex, or base64 as webhooks report it); a mismatch is retryable. */
  sha256?: string | null;
  maxBytes?: number;
}

/** Download statuses worth another try with a fresh URL (expired or not yet propagated). */
const RETRYABLE_DOWNLOAD_STATUSES = new Set([401, 403, 404, 408, 425, 429]);

const fail = (retryable: boolean, code: string, message: string): MediaFailure => ({ ok: false, retryable, code, message });

/** Drops query strings from any URL inside a message: signed media URLs carry their credentials there. */
function withoutQueries(text: string): string {
  return text.replace(/(https?:\/\/[^\s?#"']+)[?#][^\s"']*/g, "$1").slice(0, 300);
}

function transportFailure(error: unknown): MediaFailure {
  const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
  return fail(true, timedOut ? "timeout" : "network", withoutQueries(String(error)));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function tooLarge(size: number, maxBytes: number): MediaFailure {
  return fail(false, "too_large", `media is ${size} bytes, over the ${maxBytes}-byte cap`);
}

/** Looks up a media id: its download URL, MIME type, digest and size. */
export async function fetchMediaMeta(
  config: GraphConfig,
  mediaId: string,
  maxBytes = MAX_MEDIA_BYTES,
): Promise<MediaMetaResult> {
  const url = new URL(`${config.graphUrl.replace(/\/$/, "")}/${config.apiVersion}/${encodeURIComponent(mediaId)}`);
  if (config.phoneNumberId) url.searchParams.set("phone_number_id", config.phoneNumberId);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      headers: { Authorization: `Bearer ${config.accessToken}` },
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    text = await res.text();
  } catch (error) {
    return transportFailure(error);
  }
  const json = parseJson(text);
  if (!res.ok) {
    const error = classifyGraphError(res.status, json);
    return fail(error.retryable, error.code, error.message);
  }
  const parsed = MediaMetaSchema.safeParse(json);
  if (!parsed.success) return fail(true, "bad_response", `unexpected media lookup body: ${parsed.error.issues[0]?.message ?? "?"}`);
  const meta = parsed.data;
  if (meta.file_size !== undefined && meta.file_size > maxBytes) return tooLarge(meta.file_size, maxBytes);
  return {
    ok: true,
    value: { id: meta.id, url: meta.url, mimeType: meta.mime_type, sha256: meta.sha256 ?? null, fileSize: meta.file_size ?? null },
  };
}

/** Hex form of a reported digest (hex or base64), or null when it is neither. */
export function digestAsHex(reported: string): string | null {
  const value = reported.trim();
  if (/^[0-9a-f]{64}$/i.test(value)) return value.toLowerCase();
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) {
    const binary = atob(value);
    return toHex(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  }
  return null;
}

/** Reads a body, giving up as soon as it passes `maxBytes`; null when it did. */
async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) throw new TypeError("media body yielded a non-byte chunk");
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Downloads media from a URL {@link fetchMediaMeta} returned, enforcing the size cap and digest. */
export async function downloadMedia(config: GraphConfig, url: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const maxBytes = options.maxBytes ?? MAX_MEDIA_BYTES;
  let res: Response;
  let bytes: Uint8Array<ArrayBuffer> | null;
  try {
    res = await fetch(url, {
      headers: { Authorization: `Bearer ${config.accessToken}` },
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    if (!res.ok) {
      const json = parseJson(await res.text());
      const error = classifyGraphError(res.status, json);
      return fail(error.retryable || RETRYABLE_DOWNLOAD_STATUSES.has(res.status), error.code, `download: ${error.message}`);
    }
    const declared = Number(res.headers.get("content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel();
      return tooLarge(declared, maxBytes);
    }
    bytes = await readCapped(res.body, maxBytes);
  } catch (error) {
    return transportFailure(error);
  }
  if (bytes === null) return fail(false, "too_large", `media is over the ${maxBytes}-byte cap`);
  const sha256 = toHex(await crypto.subtle.digest("SHA-256", bytes));
  const expected = options.sha256 ? digestAsHex(options.sha256) : null;
  if (expected !== null && expected !== sha256) {
    // Most likely a truncated transfer: a fresh lookup and download usually fixes it.
    return fail(true, "sha256_mismatch", `downloaded ${bytes.byteLength} bytes with sha256 ${sha256}, Graph reported ${expected}`);
  }
  const contentType = res.headers.get("content-type")?.split(";")[0]?.trim() || null;
  return { ok: true, value: { bytes, contentType, sha256, sizeBytes: bytes.byteLength } };
}
