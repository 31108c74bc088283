/**
 * Graph API error bodies, shaped the way Meta answers them, so the Worker's WhatsApp adapter is
 * exercised against the same `{"error":{message,type,code,error_subcode?,error_data?,fbtrace_id}}`
 * it will meet in production. One constructor per failure the emulator can produce keeps codes
 * and wording in a single place.
 */
import { randomBytes } from "node:crypto";

/** The `error` object inside a Graph error response. */
export interface GraphError {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  error_data?: { messaging_product: "whatsapp"; details: string };
  fbtrace_id: string;
}

/** A Graph error response: the HTTP status and the JSON body. */
export interface GraphFailure {
  status: number;
  body: { error: GraphError };
}

interface ErrorExtras {
  type?: string;
  subcode?: number;
  details?: string;
}

/** Meta's trace ids are short opaque base64 strings; tests only need them present and unique. */
function fbtraceId(): string {
  return randomBytes(9).toString("base64").replace(/[+/=]/g, "A");
}

/** Builds any Graph error; prefer the named constructors in {@link graphErrors}. */
export function graphError(status: number, code: number, message: string, extras: ErrorExtras = {}): GraphFailure {
  const error: GraphError = { message, type: extras.type ?? "OAuthException", code, fbtrace_id: fbtraceId() };
  if (extras.subcode !== undefined) error.error_subcode = extras.subcode;
  if (extras.details !== undefined) error.error_data = { messaging_product: "whatsapp", details: extras.details };
  return { status, body: { error } };
}

/** The errors the emulator produces, named by situation. */
export const graphErrors = {
  /** Authorization header absent or not a Bearer token. */
  missingToken: (): GraphFailure =>
    graphError(401, 190, "An active access token must be used to query information about the current user."),
  /** A Bearer token that is not the configured access token. */
  invalidToken: (): GraphFailure => graphError(401, 190, "Invalid OAuth access token - Cannot parse access token"),
  /** A request field failed validation; `details` names the field and the rule. */
  invalidParameter: (details: string): GraphFailure =>
    graphError(400, 100, "(#100) Invalid parameter", { details }),
  /** A required top-level field is absent (Meta words these differently from other checks). */
  requiredParameter: (name: string): GraphFailure => graphError(400, 100, `(#100) The parameter ${name} is required.`),
  /** Path names an object this token cannot see: a wrong phone-number id or unknown media id. */
  unknownObject: (id: string, method: "get" | "post"): GraphFailure =>
    graphError(
      400,
      100,
      `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
      { subcode: 33 },
    ),
  /** Neither a known edge nor a known object: Graph's answer to a malformed path. */
  unknownPath: (path: string): GraphFailure => graphError(400, 2500, `Unknown path components: ${path}`),
  /** Non-template send outside the 24-hour customer-service window. */
  reEngagement: (): GraphFailure =>
    graphError(400, 131047, "(#131047) Re-engagement message", {
      details:
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    }),
  /** A message Meta does not deliver to a BSUID (authentication templates, for one). */
  bsuidUnsupported: (): GraphFailure =>
    graphError(400, 131062, "(#131062) Business-scoped User ID (BSUID) recipients are not supported for this message."),
  /** Injected fault: Meta's generic transient server error. */
  unknown: (): GraphFailure => graphError(500, 1, "An unknown error occurred"),
  /** Injected fault: the per-number throughput limit. */
  rateLimited: (): GraphFailure =>
    graphError(429, 130429, "(#130429) Rate limit hit", {
      details: "Message failed to send because there were too many messages sent from this phone number in a short period of time.",
    }),
} as const;
