/**
 * The Google emulator's HTTP side: the `Reply` handlers return, Google's two error bodies (the
 * OAuth endpoint's `{"error", "error_description"}` and the APIs' `{"error": {code, message,
 * errors: [{domain, reason, message}], status}}`), and how replies are written on the shared
 * emulator server (../http-kit.ts), including "answer lost": the connection is cut after the
 * write was applied.
 */
import type { ServerResponse } from "node:http";
import { serve, type EmulatorServer, type Hold, type Incoming } from "../http-kit.ts";

export type { Incoming } from "../http-kit.ts";

export type Reply =
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: "empty"; status: number }
  | { kind: "html"; status: number; page: string }
  /** Closes the connection without an answer (the change, if any, was applied). */
  | { kind: "drop" }
  | Hold;

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ kind: "json", status, body, headers });
export const html = (page: string, status = 200): Reply => ({ kind: "html", status, page });

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  410: "FAILED_PRECONDITION",
  412: "FAILED_PRECONDITION",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** A Calendar API error in Google's shape. */
export function apiError(status: number, reason: string, message: string, domain = "global", headers?: Record<string, string>): Reply {
  return json(status, { error: { code: status, message, errors: [{ domain, reason, message }], status: STATUS_NAMES[status] ?? "UNKNOWN" } }, headers);
}

/** The OAuth token endpoint's error (RFC 6749 §5.2, as Google sends it). */
export const oauthError = (status: number, error: string, description: string): Reply => json(status, { error, error_description: description });

/** HTML-escapes text for the emulator's pages. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const MAX_BODY_BYTES = 1024 * 1024;

function write(res: ServerResponse, reply: Exclude<Reply, Hold>): void {
  const common = { "cache-control": "no-store" };
  if (reply.kind === "drop") {
    res.socket?.destroy();
  } else if (reply.kind === "json") {
    res.writeHead(reply.status, { "content-type": "application/json; charset=UTF-8", ...common, ...reply.headers });
    res.end(JSON.stringify(reply.body));
  } else if (reply.kind === "empty") {
    res.writeHead(reply.status, common);
    res.end();
  } else {
    res.writeHead(reply.status, { "content-type": "text/html; charset=utf-8", ...common });
    res.end(reply.page);
  }
}

/** Listens on 127.0.0.1:`port` (0 = any) and answers every request with `route`. */
export function listen(port: number, route: (req: Incoming) => Promise<Reply>): Promise<EmulatorServer> {
  return serve<Exclude<Reply, Hold>>(port, {
    name: "google emulator",
    maxBodyBytes: MAX_BODY_BYTES,
    tooLarge: apiError(413, "uploadTooLarge", "Request body too large"),
    failed: { kind: "json", status: 500, body: { error: { code: 500, message: "emulator bug: see its log", errors: [{ domain: "global", reason: "backendError" }], status: "INTERNAL" } } },
    route,
    write,
  });
}
