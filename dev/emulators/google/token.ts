/**
 * The OAuth 2.0 token endpoint (`POST /token`) as Google runs it for service accounts: a
 * JWT-bearer grant whose assertion is checked as Google checks it — RS256 signature against the
 * account's public key, `aud` = this endpoint, `exp` in the future and at most an hour after
 * `iat`, a scope — with Google's `{"error": "invalid_grant", "error_description": …}` answers.
 */
import { verify } from "node:crypto";
import { oauthError, json, type Incoming, type Reply } from "./http.ts";
import type { GoogleState } from "./state.ts";

const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const SHORT_LIVED = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";

function decodePart(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Answers a token request; `audience` is this endpoint's URL (what `aud` must say). */
export function handleToken(state: GoogleState, req: Incoming, audience: string): Reply {
  if (req.method !== "POST") return oauthError(405, "invalid_request", "POST only");
  const form = new URLSearchParams(req.body);
  if (form.get("grant_type") !== GRANT_TYPE) return oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${form.get("grant_type") ?? ""}`);
  const assertion = form.get("assertion") ?? "";
  const parts = assertion.split(".");
  const [h = "", p = "", s = ""] = parts;
  const header = decodePart(h);
  const claims = decodePart(p);
  if (parts.length !== 3 || !header || !claims) return oauthError(400, "invalid_grant", "Invalid JWT: not a JWT");
  if (header.alg !== "RS256") return oauthError(400, "invalid_grant", "Invalid JWT: the algorithm must be RS256");
  const key = typeof claims.iss === "string" ? state.accounts.get(claims.iss) : undefined;
  if (!key) return oauthError(400, "invalid_grant", "Invalid grant: account not found");
  if (!verify("sha256", Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url"))) return oauthError(400, "invalid_grant", "Invalid JWT Signature.");
  if (claims.aud !== audience) return oauthError(400, "invalid_grant", `Invalid JWT: Failed audience check. The expected audience is ${audience}.`);
  const nowS = state.now() / 1000;
  const { iat, exp } = claims;
  if (typeof iat !== "number" || typeof exp !== "number" || exp <= nowS || iat > nowS + 300 || exp - iat > 3600) return oauthError(400, "invalid_grant", SHORT_LIVED);
  if (typeof claims.scope !== "string" || claims.scope.trim() === "") return oauthError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
  const { token, expiresIn } = state.issueToken(claims.iss as string, claims.scope);
  return json(200, { access_token: token, expires_in: expiresIn, token_type: "Bearer" });
}
