/**
 * Verifies Meta's `X-Hub-Signature-256` header: `sha256=` + hex HMAC-SHA256 of the raw request
 * body keyed with the app secret, compared in constant time.
 */
import { constantTimeEqual, hmacSha256Hex } from "../../lib/crypto.ts";

export type SignatureCheck = { ok: true } | { ok: false; reason: "missing" | "malformed" | "mismatch" };

export async function verifyMetaSignature(
  rawBody: string,
  header: string | null | undefined,
  appSecret: string,
): Promise<SignatureCheck> {
  if (!header) return { ok: false, reason: "missing" };
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match?.[1]) return { ok: false, reason: "malformed" };
  const expected = await hmacSha256Hex(appSecret, rawBody);
  return constantTimeEqual(expected, match[1].toLowerCase()) ? { ok: true } : { ok: false, reason: "mismatch" };
}
