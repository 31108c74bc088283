/**
 * The `/_emulator` control API for tests (inside workerd they reach the emulator only over HTTP,
 * and it cannot reach them: they read the signed events here and post them to the Worker) and a
 * small console page: sessions, requests, events; pay or expire a session as a customer or
 * Stripe's clock would; sign any payload; inject faults; reset.
 */
import { z } from "zod";
import { escapeHtml, html, json, stripeError, type Incoming, type Reply } from "./http.ts";
import { expireSession, paySession, type OperationsContext } from "./operations.ts";
import { OPERATIONS, type EventRecord } from "./state.ts";
import { signPayload, type WebhookSettings } from "./webhooks.ts";
import { parseJsonBody } from "../http-kit.ts";

export interface ControlContext extends OperationsContext {
  settings: WebhookSettings;
  releaseHeld(): void;
}

/** `key_prefix`: only requests whose Idempotency-Key starts with it (one lead's calls, whatever else runs). */
const FailRequest = z.strictObject({ count: z.int().min(0).max(1000), mode: z.enum(["500", "429", "timeout"]), only: z.enum(OPERATIONS).optional(), key_prefix: z.string().min(1).max(200).optional() });
const ConfigRequest = z.strictObject({ webhookUrl: z.url().nullable().optional() });
const PayRequest = z.strictObject({ method: z.enum(["card", "async_succeeded", "async_failed"]).default("card"), deliver: z.boolean().default(true) });
const ExpireRequest = z.strictObject({ deliver: z.boolean().default(true) });
const SignRequest = z.strictObject({ payload: z.string(), secret: z.string().optional(), timestamp: z.int().optional() });
const ClockRequest = z.strictObject({ advanceMs: z.int() });

function parse<T>(req: Incoming, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; reply: Reply } {
  const parsed = parseJsonBody(req.body, schema);
  return parsed.ok ? parsed : { ok: false, reply: json(parsed.status, parsed.body) };
}

/** An event as tests read it: its exact payload and a `Stripe-Signature` made now. */
function eventView(ctx: ControlContext, e: EventRecord) {
  return { ...e, signature: signPayload(e.payload, ctx.settings.webhookSecret) };
}

function consolePage(ctx: ControlContext): Reply {
  const sessions = [...ctx.state.sessions.values()]
    .map(({ session: s }) => `<tr><td><a href="/checkout/${escapeHtml(s.id)}">${escapeHtml(s.id.slice(0, 20))}…</a></td><td>${s.amount_total} ${escapeHtml(s.currency)}</td><td>${s.status}</td><td>${s.payment_status}</td><td>${escapeHtml(s.client_reference_id ?? "")}</td></tr>`)
    .join("");
  const events = ctx.state.events
    .map((e) => `<tr><td>${escapeHtml(e.id)}</td><td>${escapeHtml(e.type)}</td><td>${e.deliveries.map((d) => d.status ?? d.error ?? "?").join(", ")}</td></tr>`)
    .join("");
  return html(
    `<!doctype html><html><head><meta charset="utf-8"><title>Stripe emulator</title><style>body{font-family:system-ui;margin:20px}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}</style></head><body>
     <h1>Stripe emulator</h1><p>Webhook URL: ${escapeHtml(ctx.settings.webhookUrl ?? "(none: events are kept for pickup)")}. JSON: /_emulator/sessions, /_emulator/events, /_emulator/requests.</p>
     <h2>Checkout Sessions</h2><table><tr><th>id</th><th>amount</th><th>status</th><th>payment</th><th>lead</th></tr>${sessions}</table>
     <h2>Events</h2><table><tr><th>id</th><th>type</th><th>deliveries</th></tr>${events}</table></body></html>`,
  );
}

/** Answers `/_emulator…`; null for other paths. */
export function handleControl(ctx: ControlContext, req: Incoming): Reply | null {
  const path = req.url.pathname.replace(/\/+$/, "");
  if (!path.startsWith("/_emulator")) return null;
  const { state } = ctx;
  const session = /^\/_emulator\/sessions\/([^/]+)(?:\/(pay|expire))?$/.exec(path);
  const key = `${req.method} ${session ? `/_emulator/sessions/:id${session[2] ? `/${session[2]}` : ""}` : path}`;
  switch (key) {
    case "GET /_emulator":
      return consolePage(ctx);
    case "GET /_emulator/sessions":
      return json(200, { sessions: [...state.sessions.values()].map((s) => s.session) });
    case "GET /_emulator/sessions/:id": {
      const stored = state.sessions.get(session?.[1] ?? "");
      return stored ? json(200, stored.session) : json(404, { error: "no such session" });
    }
    case "POST /_emulator/sessions/:id/pay": {
      const body = parse(req, PayRequest);
      if (!body.ok) return body.reply;
      const paid = paySession(ctx, session?.[1] ?? "", body.value.method, body.value.deliver);
      return paid.ok ? json(200, { events: paid.value.map((e) => eventView(ctx, e)) }) : paid.reply;
    }
    case "POST /_emulator/sessions/:id/expire": {
      const body = parse(req, ExpireRequest);
      if (!body.ok) return body.reply;
      const expired = expireSession(ctx, session?.[1] ?? "", null, body.value.deliver);
      return expired.ok ? json(200, { session: expired.value, events: state.events.filter((e) => e.object_id === expired.value.id).map((e) => eventView(ctx, e)) }) : expired.reply;
    }
    case "GET /_emulator/events": {
      const type = req.url.searchParams.get("type");
      const object = req.url.searchParams.get("object");
      const events = state.events.filter((e) => (type === null || e.type === type) && (object === null || e.object_id === object));
      return json(200, { events: events.map((e) => eventView(ctx, e)) });
    }
    case "GET /_emulator/requests":
      return json(200, { requests: state.requests });
    case "GET /_emulator/refunds":
      return json(200, { refunds: [...state.refunds.values()] });
    case "POST /_emulator/sign": {
      const body = parse(req, SignRequest);
      if (!body.ok) return body.reply;
      return json(200, { signature: signPayload(body.value.payload, body.value.secret ?? ctx.settings.webhookSecret, body.value.timestamp) });
    }
    case "POST /_emulator/fail": {
      const body = parse(req, FailRequest);
      if (!body.ok) return body.reply;
      return json(200, state.armFailures(body.value.count, body.value.mode, body.value.only ?? null, body.value.key_prefix ?? null));
    }
    case "POST /_emulator/clock": {
      const body = parse(req, ClockRequest);
      if (!body.ok) return body.reply;
      state.clockOffsetMs += body.value.advanceMs;
      return json(200, { offsetMs: state.clockOffsetMs, now: new Date(state.now()).toISOString() });
    }
    case "POST /_emulator/config": {
      const body = parse(req, ConfigRequest);
      if (!body.ok) return body.reply;
      if (body.value.webhookUrl !== undefined) ctx.settings.webhookUrl = body.value.webhookUrl ?? undefined;
      return json(200, { webhookUrl: ctx.settings.webhookUrl ?? null });
    }
    case "POST /_emulator/reset":
      state.reset();
      ctx.releaseHeld();
      return json(200, { ok: true });
    default:
      return stripeError(404, "invalid_request_error", `no control route ${req.method} ${req.url.pathname}`);
  }
}
