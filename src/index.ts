/**
 * Inkline's Worker entry: composes the routes and exports the runtime handlers and Durable Objects.
 */
import { Hono } from "hono";
import { actionLinks } from "./routes/actions/index.ts";
import { admin } from "./routes/admin/index.ts";
import { bench } from "./routes/bench.ts";
import { requestContext, type AppEnv } from "./routes/context.ts";
import { demo } from "./routes/demo.tsx";
import { depositPages } from "./routes/deposit-pages.ts";
import { health } from "./routes/health.ts";
import { inbox } from "./routes/inbox/index.tsx";
import { stripeWebhook } from "./routes/webhooks/stripe.ts";
import { whatsappWebhook } from "./routes/webhooks/whatsapp.ts";
import { unhandledResponse } from "./routes/unhandled.ts";
import { runQueue } from "./jobs/consumer.ts";
import { runScheduled } from "./scheduled.ts";

const app = new Hono<AppEnv>();
app.use("*", requestContext);
app.route("/", health);
app.route("/webhooks/whatsapp", whatsappWebhook);
app.route("/webhooks/stripe", stripeWebhook);
app.route("/deposit", depositPages);
app.route("/_bench", bench);
app.route("/a", actionLinks);
app.route("/admin", admin);
app.route("/inbox", inbox);
app.route("/demo", demo);

app.notFound((c) => c.json({ error: "not_found", path: new URL(c.req.url).pathname }, 404));
app.onError(unhandledResponse);

export { ArtistCalendar } from "../durable-objects/artist-calendar.ts";
export { ArtistDesk } from "../durable-objects/artist-desk.ts";
export { BenchProbe } from "../durable-objects/bench-probe.ts";
export { ClientDirectory } from "../durable-objects/client-directory.ts";
export { DatabaseGate } from "../durable-objects/database-gate.ts";
export { LeadConversation } from "../durable-objects/lead-conversation.ts";
export { EventSampler } from "../durable-objects/event-sampler.ts";
export { RateLimiter } from "../durable-objects/rate-limiter.ts";
export { app };

export default {
  fetch: app.fetch,
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(runScheduled(controller, env));
  },
  queue: (batch, env) => runQueue(batch, env),
} satisfies ExportedHandler<Env>;
