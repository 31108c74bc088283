/**
 * The web inbox's session: a signed, expiring value in a cookie, and the CSRF token tied to it.
 *
 * The cookie is `v1.<expires ms>.<nonce>.<HMAC-SHA256>`, signed with a key derived from
 * ADMIN_API_KEY under its own label, so the admin key itself never signs anything a browser holds
 * and rotating the admin key signs every browser out. The signature lets a forged or altered value
 * be refused without a database read; a valid one must also have its row in `inbox_sessions`
 * (keyed by {@link sessionId}, the SHA-256 of the nonce), not revoked and issued under the current
 * key ({@link keyFingerprint}): that row is what sign-out revokes ({@link judgeStoredSession}).
 * The CSRF token is an HMAC of the session's nonce (a synchronizer token that needs no storage): a
 * form from another session or another site carries none that fits.
 *
 * Pure apart from Web Crypto: the clock is an argument. Works in workerd and in Node.
 */
import { constantTimeEqual, hmacSha256Hex, randomToken, sha256Hex } from "./crypto.ts";

/** How long a login lasts. Long enough for a working day on a phone, short enough to lose little. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const VERSION = "v1";
const KEY_LABEL = "inkline.inbox.session.v1";
const FINGERPRINT_LABEL = "inkline.inbox.session.fingerprint";
const SESSION_PATTERN = /^v1\.(\d{13})\.([A-Za-z0-9_-]{22})\.([0-9a-f]{64})$/;
const CSRF_PATTERN = /^[0-9a-f]{64}$/;

/** What a valid cookie proves: someone typed the admin key, and until when that holds. */
export interface Session {
  nonce: string;
  expiresAt: number;
}

export type SessionCheck = { ok: true; session: Session } | { ok: false; reason: "missing" | "malformed" | "bad_signature" | "expired" };

/** The signing key (hex) for sessions and CSRF tokens, derived from the admin key. */
export function deriveSessionKey(adminKey: string): Promise<string> {
  return hmacSha256Hex(adminKey, KEY_LABEL);
}

function mac(key: string, expiresAt: number, nonce: string): Promise<string> {
  return hmacSha256Hex(key, `${VERSION}.${expiresAt}.${nonce}`);
}

/** A new session starting `now`, as its cookie value. `nonce` is random unless given (tests). */
export async function issueSession(key: string, now: number, nonce: string = randomToken(16)): Promise<{ value: string; session: Session }> {
  const expiresAt = now + SESSION_TTL_MS;
  return { value: `${VERSION}.${expiresAt}.${nonce}.${await mac(key, expiresAt, nonce)}`, session: { nonce, expiresAt } };
}

/**
 * Judges a cookie value at `now`. The signature is checked (in constant time) before the expiry,
 * so an altered value always reads "bad_signature"; a lifetime longer than {@link SESSION_TTL_MS}
 * is refused too (only a key holder could have made one, but it is not one we issue).
 */
export async function verifySession(key: string, value: string | undefined, now: number): Promise<SessionCheck> {
  if (value === undefined || value === "") return { ok: false, reason: "missing" };
  const match = SESSION_PATTERN.exec(value);
  if (!match?.[1] || !match[2] || !match[3]) return { ok: false, reason: "malformed" };
  const expiresAt = Number(match[1]);
  const nonce = match[2];
  if (!constantTimeEqual(match[3], await mac(key, expiresAt, nonce))) return { ok: false, reason: "bad_signature" };
  if (expiresAt <= now || expiresAt > now + SESSION_TTL_MS) return { ok: false, reason: "expired" };
  return { ok: true, session: { nonce, expiresAt } };
}

/** The CSRF token for forms of this session. */
export function csrfToken(key: string, session: Session): Promise<string> {
  return hmacSha256Hex(key, `csrf.${session.nonce}`);
}

/** Whether a submitted CSRF token belongs to this session (constant time). */
export async function csrfMatches(key: string, session: Session, given: string | undefined): Promise<boolean> {
  if (given === undefined || !CSRF_PATTERN.test(given)) return false;
  return constantTimeEqual(given, await csrfToken(key, session));
}

/** The session's id in `inbox_sessions`: the SHA-256 (hex) of its nonce, so a row read from the database signs no one in. */
export function sessionId(session: Session): Promise<string> {
  return sha256Hex(session.nonce);
}

/** Names the signing key a session was issued under (16 hex), without revealing anything of it. */
export async function keyFingerprint(key: string): Promise<string> {
  return (await hmacSha256Hex(key, FINGERPRINT_LABEL)).slice(0, 16);
}

/** What the database holds about a session (its row in `inbox_sessions`). */
export interface StoredSession {
  keyFingerprint: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

export type StoredSessionCheck = { ok: true } | { ok: false; reason: "unknown" | "revoked" | "rotated" | "expired" };

/**
 * Judges a signed session's row at `now`: none (never issued here, or swept after a key rotation),
 * revoked (signed out), issued under another signing key, or past its expiry.
 */
export function judgeStoredSession(row: StoredSession | undefined, fingerprint: string, now: number): StoredSessionCheck {
  if (!row) return { ok: false, reason: "unknown" };
  if (row.revokedAt !== null) return { ok: false, reason: "revoked" };
  if (!constantTimeEqual(row.keyFingerprint, fingerprint)) return { ok: false, reason: "rotated" };
  if (row.expiresAt.getTime() <= now) return { ok: false, reason: "expired" };
  return { ok: true };
}
