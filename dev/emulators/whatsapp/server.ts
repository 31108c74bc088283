/**
 * The emulator's HTTP server on 127.0.0.1: reads each request, hands it to the Graph or control
 * routes, writes the reply, and keeps requests an injected timeout holds open so that `close()`
 * and reset can release them. Any unexpected error becomes a JSON 500; the process never dies
 * because of a request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { EmulatorContext } from "./context.ts";
import { handleControl } from "./control-routes.ts";
import { handleGraph, isGraphPath } from "./graph-routes.ts";
import { controlError, readBody, writeReply, type Incoming, type Reply } from "./http.ts";

/** How long an injected timeout holds a request before dropping the connection unanswered. */
export const HOLD_MS = 30_000;

/** A listening emulator server. */
export interface EmulatorServer {
  port: number;
  /** Drops every held request (their clients see the connection close, never an answer). */
  releaseHeld(): void;
  close(): Promise<void>;
}

async function route(ctx: EmulatorContext, req: IncomingMessage): Promise<Reply> {
  const body = await readBody(req);
  if (body === null) return controlError(413, "request body too large");
  const incoming: Incoming = {
    method: req.method ?? "GET",
    url: new URL(req.url ?? "/", "http://127.0.0.1"),
    headers: req.headers,
    body,
  };
  if (!isGraphPath(incoming.url.pathname)) return handleControl(ctx, incoming);
  if (ctx.state.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, ctx.state.latencyMs));
  return handleGraph(ctx, incoming);
}

/**
 * Starts listening. `ctx.releaseHeld` is not used here; the caller wires it to the returned
 * `releaseHeld` so control routes can drop held requests on reset.
 */
export function listen(ctx: EmulatorContext, port: number): Promise<EmulatorServer> {
  const held = new Map<ServerResponse, NodeJS.Timeout>();

  const release = (res: ServerResponse): void => {
    const timer = held.get(res);
    if (timer !== undefined) clearTimeout(timer);
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

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    route(ctx, req)
      .then((reply) => (reply.kind === "hold" ? hold(res) : writeReply(res, reply)))
      .catch((error: unknown) => {
        console.error("whatsapp emulator: request failed", error);
        if (!res.headersSent) writeReply(res, { kind: "json", status: 500, body: { error: "emulator bug: see its log" } });
        else res.end();
      });
  };

  const server: Server = createServer(onRequest);
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
