import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyMetaSignature } from "../../src/adapters/whatsapp/signature.ts";
import { constantTimeEqual, hmacSha256Hex, sha256Base64 } from "../../src/lib/crypto.ts";

describe("HMAC and constant-time comparison", () => {
  it("matches Node's HMAC-SHA256", async () => {
    const expected = createHmac("sha256", "s3cret").update("héllo").digest("hex");
    expect(await hmacSha256Hex("s3cret", "héllo")).toBe(expected);
  });

  it("compares equal and unequal strings of any length", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });
});

describe("sha256Base64 (CSP script hashes)", () => {
  it("is the standard base64 of the SHA-256 of the UTF-8 text, as browsers compute it", async () => {
    expect(await sha256Base64("abc")).toBe("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    const script = 'var f=document.getElementById("open");f.submit(); // “quoted” …';
    expect(await sha256Base64(script)).toBe(createHash("sha256").update(script, "utf8").digest("base64"));
  });
});

describe("verifyMetaSignature", () => {
  const body = '{"object":"whatsapp_business_account","entry":[]}';
  const good = `sha256=${createHmac("sha256", "app-secret").update(body).digest("hex")}`;

  it("accepts Meta's signature of the raw body", async () => {
    expect(await verifyMetaSignature(body, good, "app-secret")).toEqual({ ok: true });
  });

  it.each([
    [undefined, "missing"],
    ["", "missing"],
    ["sha1=abc", "malformed"],
    [`sha256=${"0".repeat(64)}`, "mismatch"],
  ])("rejects %s as %s", async (header, reason) => {
    expect(await verifyMetaSignature(body, header, "app-secret")).toEqual({ ok: false, reason });
  });

  it("rejects a body changed by one byte", async () => {
    expect(await verifyMetaSignature(`${body} `, good, "app-secret")).toEqual({ ok: false, reason: "mismatch" });
  });
});
