/**
 * The Stripe emulator's HTTP plumbing: the `Reply` handlers return (so they stay free of `res`),
 * Stripe's error body, and the server on 127.0.0.1 that reads each request, routes it, writes the
 * reply and holds requests an injected timeout never answers (released on reset and close).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export type Reply =
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: "html"; status: number; page: string }
  | { kind: "redirect"; location: string }
  | { kind: "hold" };

export interface Incoming {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: string;
}

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
/** How long an injected timeout holds a request before dropping it unanswered. */
const HOLD_MS = 30_000;

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function write(res: ServerResponse, reply: Exclude<Reply, { kind: "hold" }>): void {
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

export interface Server {
  port: number;
  releaseHeld(): void;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (0 = any) and answers every request with `route`. */
export function listen(port: number, route: (req: Incoming) => Promise<Reply>): Promise<Server> {
  const held = new Map<ServerResponse, NodeJS.Timeout>();
  const release = (res: ServerResponse) => {
    clearTimeout(held.get(res));
    held.delete(res);
    res.socket?.destroy();
  };
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        if (body === null) return stripeError(413, "invalid_request_error", "request body too large");
        return route({ method: req.method ?? "GET", url: new URL(req.url ?? "/", "http://127.0.0.1"), headers: req.headers, body });
      })
      .then((reply) => {
        if (reply.kind !== "hold") return write(res, reply);
        held.set(res, setTimeout(() => release(res), HOLD_MS));
        res.on("close", () => {
          clearTimeout(held.get(res));
          held.delete(res);
        });
      })
      .catch((error: unknown) => {
        console.error("stripe emulator: request failed", error);
        if (!res.headersSent) write(res, { kind: "json", status: 500, body: { error: { type: "api_error", message: "emulator bug: see its log" } } });
        else res.end();
      });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : port,
        releaseHeld: () => {
          for (const res of [...held.keys()]) release(res);
        },
        close: () =>
          new Promise<void>((done, fail) => {
            for (const res of [...held.keys()]) release(res);
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
