/**
 * The inbox session and its CSRF token (src/lib/session.ts): signed, expiring, bound to the key;
 * every alteration refused; the clock is an argument.
 */
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto.ts";
import {
  csrfMatches,
  csrfToken,
  deriveSessionKey,
  issueSession,
  judgeStoredSession,
  keyFingerprint,
  sessionId,
  SESSION_TTL_MS,
  verifySession,
} from "../../src/lib/session.ts";

const NOW = Date.UTC(2026, 10, 21, 10, 0, 0);

describe("inbox sessions", () => {
  it("a fresh session verifies until just before its expiry, then reads expired", async () => {
    const key = await deriveSessionKey("admin-key-0123456789");
    const { value, session } = await issueSession(key, NOW);
    expect(session.expiresAt).toBe(NOW + SESSION_TTL_MS);
    expect(await verifySession(key, value, NOW)).toEqual({ ok: true, session });
    expect((await verifySession(key, value, NOW + SESSION_TTL_MS - 1)).ok).toBe(true);
    expect(await verifySession(key, value, NOW + SESSION_TTL_MS)).toEqual({ ok: false, reason: "expired" });
  });

  it("the signing key is derived, not the admin key itself, and differs per admin key", async () => {
    const a = await deriveSessionKey("admin-key-0123456789");
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(await deriveSessionKey("admin-key-0123456780"));
    const { value } = await issueSession(a, NOW);
    expect(await verifySession(await deriveSessionKey("admin-key-0123456780"), value, NOW)).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verifySession("admin-key-0123456789", value, NOW)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("any altered part is a bad signature; junk is malformed; nothing is missing", async () => {
    const key = await deriveSessionKey("k".repeat(20));
    const { value } = await issueSession(key, NOW, "AAAAAAAAAAAAAAAAAAAAAA");
    const [v, expires, nonce, mac] = value.split(".") as [string, string, string, string];
    const longer = String(Number(expires) + 1000);
    expect((await verifySession(key, `${v}.${longer}.${nonce}.${mac}`, NOW)).ok).toBe(false);
    expect(await verifySession(key, `${v}.${longer}.${nonce}.${mac}`, NOW)).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verifySession(key, `${v}.${expires}.BAAAAAAAAAAAAAAAAAAAAA.${mac}`, NOW)).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verifySession(key, `${v}.${expires}.${nonce}.${"0".repeat(64)}`, NOW)).toEqual({ ok: false, reason: "bad_signature" });
    for (const junk of ["v2.1.2.3", `${value}x`, "v1..." , value.toUpperCase()]) {
      expect(await verifySession(key, junk, NOW)).toMatchObject({ ok: false });
    }
    expect(await verifySession(key, undefined, NOW)).toEqual({ ok: false, reason: "missing" });
  });

  it("a validly signed lifetime longer than we issue is refused", async () => {
    const key = await deriveSessionKey("k".repeat(20));
    const { value } = await issueSession(key, NOW + SESSION_TTL_MS);
    expect(await verifySession(key, value, NOW - 1)).toEqual({ ok: false, reason: "expired" });
  });

  it("the CSRF token belongs to one session", async () => {
    const key = await deriveSessionKey("k".repeat(20));
    const one = (await issueSession(key, NOW)).session;
    const two = (await issueSession(key, NOW)).session;
    const token = await csrfToken(key, one);
    expect(await csrfMatches(key, one, token)).toBe(true);
    expect(await csrfMatches(key, two, token)).toBe(false);
    expect(await csrfMatches(key, one, undefined)).toBe(false);
    expect(await csrfMatches(key, one, token.toUpperCase())).toBe(false);
    expect(await csrfMatches(key, one, "")).toBe(false);
  });

  it("a session's stored id is the SHA-256 of its nonce, never the nonce or the cookie", async () => {
    const key = await deriveSessionKey("k".repeat(20));
    const { value, session } = await issueSession(key, NOW, "AAAAAAAAAAAAAAAAAAAAAA");
    const id = await sessionId(session);
    expect(id).toBe(await sha256Hex("AAAAAAAAAAAAAAAAAAAAAA"));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(value).not.toContain(id);
  });

  it("the key fingerprint names the signing key without being it, and differs per admin key", async () => {
    const a = await deriveSessionKey("admin-key-0123456789");
    const b = await deriveSessionKey("admin-key-0123456780");
    expect(await keyFingerprint(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(await keyFingerprint(a)).toBe(await keyFingerprint(a));
    expect(await keyFingerprint(a)).not.toBe(await keyFingerprint(b));
    expect(a).not.toContain(await keyFingerprint(a));
  });
});

describe("a session's row", () => {
  const row = { keyFingerprint: "0123456789abcdef", expiresAt: new Date(NOW + SESSION_TTL_MS), revokedAt: null };

  it("a live row under the current key holds", () => {
    expect(judgeStoredSession(row, "0123456789abcdef", NOW)).toEqual({ ok: true });
  });

  it("no row (never issued, or swept) is unknown", () => {
    expect(judgeStoredSession(undefined, "0123456789abcdef", NOW)).toEqual({ ok: false, reason: "unknown" });
  });

  it("a signed-out row is revoked, whatever else holds", () => {
    expect(judgeStoredSession({ ...row, revokedAt: new Date(NOW - 1) }, "0123456789abcdef", NOW)).toEqual({ ok: false, reason: "revoked" });
  });

  it("a row issued under another signing key is refused as rotated", () => {
    expect(judgeStoredSession(row, "fedcba9876543210", NOW)).toEqual({ ok: false, reason: "rotated" });
  });

  it("a row at or past its expiry is expired", () => {
    expect(judgeStoredSession(row, "0123456789abcdef", NOW + SESSION_TTL_MS)).toEqual({ ok: false, reason: "expired" });
    expect(judgeStoredSession(row, "0123456789abcdef", NOW + SESSION_TTL_MS - 1)).toEqual({ ok: true });
  });
});
