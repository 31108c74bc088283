/**
 * The Stripe emulator's HTTP side: the `Reply` handlers return (so they stay free of `res`),
 * Stripe's error body, and how replies are written (a request id on each, as Stripe sends) on the
 * shared emulator server (../http-kit.ts).
 */
import type { ServerResponse } from "node:http";
import { serve, type EmulatorServer, type Hold, type Incoming } from "../http-kit.ts";

export type { Incoming } from "../http-kit.ts";

export type Reply =
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: "html"; status: number; page: string }
  | { kind: "redirect"; location: string }
  | Hold;

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ kind: "json", status, body, headers });
export const html = (page: string, status = 200): Reply => ({ kind: "html", status, page });
export const redirect = (location: string): Reply => ({ kind: "redirect", location });

/** Stripe's error body: `{"error": {"type", "code"?, "message", "param"?}}`. */
export function stripeError(status: number, type: string, message: string, extra: { code?: string; param?: string } = {}, headers?: Record<string, string>): Reply {
  return json(status, { error: { type, message, ...extra, doc_url: extra.code ? `https://stripe.com/docs/error-codes/${extra.code}` : undefined } }, headers);
}

/** HTML-escapes text for the emulator's pages. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const MAX_BODY_BYTES = 1024 * 1024;

function write(res: ServerResponse, reply: Exclude<Reply, Hold>): void {
  const common = { "cache-control": "no-store", "request-id": `req_${Math.random().toString(36).slice(2, 16)}` };
  if (reply.kind === "json") {
    res.writeHead(reply.status, { "content-type": "application/json", ...common, ...reply.headers });
    res.end(JSON.stringify(reply.body));
  } else if (reply.kind === "html") {
    res.writeHead(reply.status, { "content-type": "text/html; charset=utf-8", ...common });
    res.end(reply.page);
  } else {
    res.writeHead(303, { location: reply.location, ...common });
    res.end();
  }
}

/** Listens on 127.0.0.1:`port` (0 = any) and answers every request with `route`. */
export function listen(port: number, route: (req: Incoming) => Promise<Reply>): Promise<EmulatorServer> {
  return serve<Exclude<Reply, Hold>>(port, {
    name: "stripe emulator",
    maxBodyBytes: MAX_BODY_BYTES,
    tooLarge: stripeError(413, "invalid_request_error", "request body too large"),
    failed: { kind: "json", status: 500, body: { error: { type: "api_error", message: "emulator bug: see its log" } } },
    route,
    write,
  });
}
