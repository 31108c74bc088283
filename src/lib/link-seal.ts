/**
 * Sealing the artist's one-tap links while they wait in the outbox.
 *
 * A link's token is a credential (it approves, books, refunds), so Postgres never holds it in
 * clear: the outbox row keeps the message with a placeholder where the URL goes, and beside it the
 * URL sealed with AES-256-GCM. Only the send path opens it, just before the Graph call, and the
 * opened text is never written back. The key is derived from ADMIN_API_KEY under its own label
 * (the admin key itself encrypts nothing), so a database dump, the admin API's debug view and the
 * inbox show no usable link. The sealed value is bound (as GCM's associated data) to its lead and
 * placeholder, so it cannot be moved to another row. Rotating ADMIN_API_KEY leaves unsent links
 * unopenable; the send path then points the artist to the inbox instead.
 *
 * Web Crypto only: works in workerd and in Node.
 */
import { hmacSha256Hex } from "./crypto.ts";

const KEY_LABEL = "inkline.outbox.links.v1";
const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(value: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return null;
  const binary = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The AES-GCM key for outbox links, derived from the admin key. */
export async function deriveLinkKey(adminKey: string): Promise<CryptoKey> {
  const raw = hexToBytes(await hmacSha256Hex(adminKey, KEY_LABEL));
  return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

/** `plaintext` sealed under `key`, bound to `context`: base64url of IV ‖ ciphertext ‖ tag. */
export async function sealText(key: CryptoKey, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, key, encoder.encode(plaintext));
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv, 0);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return toBase64Url(out);
}

/** The text sealed in `value`, or null when it was sealed under another key or context, or altered. */
export async function openText(key: CryptoKey, value: string, context: string): Promise<string | null> {
  const bytes = fromBase64Url(value);
  if (!bytes || bytes.length <= IV_BYTES) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES), additionalData: encoder.encode(context) },
      key,
      bytes.slice(IV_BYTES),
    );
    return decoder.decode(plain);
  } catch {
    return null;
  }
}
