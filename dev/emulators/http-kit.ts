/**
 * HTTP plumbing shared by the emulators (stripe/, whatsapp/, google/): the parsed request handlers see,
 * body reading with a size cap, and the server on 127.0.0.1 that reads each request, routes it,
 * writes the reply with the emulator's own writer, and holds requests an injected timeout never
 * answers (dropped after {@link HOLD_MS}, on `releaseHeld()` and on `close()`). Any unexpected
 * error becomes the emulator's 500; the process never dies because of a request. Control
 * endpoints read their JSON bodies with {@link parseJsonBody}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { z } from "zod";

/** A parsed request as handlers see it. */
export interface Incoming {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  /** The raw body text (empty for GET). */
  body: string;
}

/** The reply that means "never answer" (an injected timeout). */
export interface Hold {
  kind: "hold";
}

/** How long an injected timeout holds a request before dropping the connection unanswered. */
export const HOLD_MS = 30_000;

/** Reads the whole body, or `null` when it exceeds `maxBytes`. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBytes) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A listening emulator server. */
export interface EmulatorServer {
  port: number;
  /** Drops every held request (their clients see the connection close, never an answer). */
  releaseHeld(): void;
  close(): Promise<void>;
}

/** How one emulator reads, routes and writes; `R` is its own set of (non-hold) replies. */
export interface ServeOptions<R> {
  /** Names the emulator in the log line of a failed request ("stripe emulator"). */
  name: string;
  maxBodyBytes: number;
  /** The answer to a body over `maxBodyBytes` (what `route` would return for it). */
  tooLarge: R | Hold;
  /** The answer when routing throws (an emulator bug). */
  failed: R;
  route(req: Incoming): Promise<R | Hold>;
  write(res: ServerResponse, reply: R): void;
}

const isHold = (reply: { kind: string }): reply is Hold => reply.kind === "hold";

/** Listens on 127.0.0.1:`port` (0 = any) and answers every request through `options`. */
export function serve<R extends { kind: string }>(port: number, options: ServeOptions<R>): Promise<EmulatorServer> {
  const held = new Map<ServerResponse, NodeJS.Timeout>();

  const release = (res: ServerResponse): void => {
    clearTimeout(held.get(res));
    held.delete(res);
    res.socket?.destroy();
  };

  const hold = (res: ServerResponse): void => {
    held.set(res, setTimeout(() => release(res), HOLD_MS));
    res.on("close", () => {
      clearTimeout(held.get(res));
      held.delete(res);
    });
  };

  const server = createServer((req, res) => {
    readBody(req, options.maxBodyBytes)
      .then((body) => {
        if (body === null) return options.tooLarge;
        return options.route({ method: req.method ?? "GET", url: new URL(req.url ?? "/", "http://127.0.0.1"), headers: req.headers, body });
      })
      .then((reply) => (isHold(reply) ? hold(res) : options.write(res, reply)))
      .catch((error: unknown) => {
        console.error(`${options.name}: request failed`, error);
        if (!res.headersSent) options.write(res, options.failed);
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
            // Keep-alive sockets from fetch would otherwise keep close() waiting.
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** A control request's JSON body read against `schema`, or the 400 body that says why not. */
export type ParsedBody<T> = { ok: true; value: T } | { ok: false; status: 400; body: { error: string; issues?: unknown } };

/** Reads a control endpoint's JSON body (an empty body is `{}`) and validates it with `schema`. */
export function parseJsonBody<T>(raw: string, schema: z.ZodType<T>): ParsedBody<T> {
  let body: unknown = {};
  try {
    body = raw.trim() === "" ? {} : JSON.parse(raw);
  } catch {
    return { ok: false, status: 400, body: { error: "body is not valid JSON" } };
  }
  const result = schema.safeParse(body);
  return result.success ? { ok: true, value: result.data } : { ok: false, status: 400, body: { error: "invalid request body", issues: result.error.issues } };
}
