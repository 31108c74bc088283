/**
 * The emulator's HTTP server: the shared emulator server (../http-kit.ts) with Graph paths handed
 * to the Graph routes (after any injected latency) and everything else to the control routes.
 * Requests an injected timeout holds stay open until `close()` or a reset releases them; any
 * unexpected error becomes a JSON 500.
 */
import { serve, type EmulatorServer, type Hold, type Incoming } from "../http-kit.ts";
import type { EmulatorContext } from "./context.ts";
import { handleControl } from "./control-routes.ts";
import { callClient, handleGraph, isGraphPath } from "./graph-routes.ts";
import { controlError, MAX_BODY_BYTES, writeReply, type Reply } from "./http.ts";
import { digits } from "./state.ts";

async function route(ctx: EmulatorContext, incoming: Incoming): Promise<Reply> {
  if (!isGraphPath(incoming.url.pathname)) return handleControl(ctx, incoming);
  const client = callClient(ctx, incoming);
  const key = client === undefined ? "" : digits(client);
  ctx.state.inFlight.set(key, (ctx.state.inFlight.get(key) ?? 0) + 1);
  try {
    const latencyMs = ctx.state.latencyOf(client);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    return handleGraph(ctx, incoming);
  } finally {
    const left = (ctx.state.inFlight.get(key) ?? 1) - 1;
    if (left > 0) ctx.state.inFlight.set(key, left);
    else ctx.state.inFlight.delete(key);
  }
}

/**
 * Starts listening. `ctx.releaseHeld` is not used here; the caller wires it to the returned
 * `releaseHeld` so control routes can drop held requests on reset.
 */
export function listen(ctx: EmulatorContext, port: number): Promise<EmulatorServer> {
  return serve<Exclude<Reply, Hold>>(port, {
    name: "whatsapp emulator",
    maxBodyBytes: MAX_BODY_BYTES,
    tooLarge: controlError(413, "request body too large"),
    failed: { kind: "json", status: 500, body: { error: "emulator bug: see its log" } },
    route: (incoming) => route(ctx, incoming),
    write: writeReply,
  });
}
