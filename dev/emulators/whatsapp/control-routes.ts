/**
 * The `/_emulator/*` control API that tests (running inside workerd, so HTTP only) and the
 * browser pages use: read what the Worker sent, play the client, inject faults, move the clock.
 * Every body is zod-validated; a bad one gets a 400 naming the problem, never a crash.
 */
import { z } from "zod";
import { deliverInbound, postRawWebhook, postStatus, prepareInbound, type EmulatorContext, type Outcome } from "./context.ts";
import { CHAT_PAGE } from "./chat-page.ts";
import { CONSOLE_PAGE } from "./console-page.ts";
import { controlError, html, json, parseControlBody, type Incoming, type Reply } from "./http.ts";
import { InboundSpec } from "./inbound.ts";
import { digits } from "./state.ts";

/** A client: an E.164 number, or a business-scoped user id ("GB.1234…"). */
const CLIENT = /^(\+?[1-9][0-9]{6,14}|[A-Z]{2}\.[A-Za-z0-9][A-Za-z0-9.]{0,140})$/;
const FailRequest = z.strictObject({
  count: z.int().min(0).max(10_000),
  mode: z.enum(["500", "429", "timeout", "lost_reply", "bsuid_unsupported"]),
  /** Fail only message sends or only media calls (lookups and downloads); default: any Graph call. */
  only: z.enum(["messages", "media"]).optional(),
  /** Fail only message sends whose `biz_opaque_callback_data` starts with this (our ref). */
  ref: z.string().min(1).max(200).optional(),
  /** Fail only calls for this client (sends to it, its media); default: any client. */
  phone: z.string().regex(CLIENT, "must be an E.164 number or a BSUID").optional(),
});
const LatencyRequest = z.strictObject({
  ms: z.int().min(0).max(10_000),
  /** Slow only calls for this client; default: every call. */
  phone: z.string().regex(CLIENT, "must be an E.164 number or a BSUID").optional(),
});
const ClockRequest = z.union([
  z.strictObject({ offsetMs: z.int() }),
  z.strictObject({ advanceMs: z.int() }),
]);
const ConfigRequest = z.strictObject({
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  sendStatusWebhooks: z.boolean().optional(),
});
/** Opens a number's 24-hour window as if it had just written, without a message (the artist's phone in the demo). */
const WindowRequest = z.strictObject({
  phone: z.string().regex(/^\+?[1-9][0-9]{6,14}$/, "must be an E.164 number"),
  name: z.string().trim().min(1).max(100).optional(),
});
const RawRequest = z.strictObject({ body: z.string(), signature: z.string().nullable().optional() });
const StatusRequest = z.strictObject({
  message_id: z.string().min(1),
  status: z.enum(["sent", "delivered", "read", "failed"]),
  errors: z.array(z.object({ code: z.int(), title: z.string(), message: z.string().optional() })).optional(),
});

type Handler = (ctx: EmulatorContext, req: Incoming) => Reply | Promise<Reply>;

/** Digits only: `?to=+44…` arrives as " 44…" because "+" decodes to a space in query strings. */
/** A client named in a query: a BSUID as it is, a number as its digits. */
function digitsParam(req: Incoming, name: string): string | null {
  const value = req.url.searchParams.get(name);
  if (value === null) return null;
  return /^[A-Z]{2}\./.test(value) ? value : value.replace(/\D/g, "");
}

function fromOutcome<T>(outcome: Outcome<T>): Reply {
  return outcome.ok ? json(200, outcome.value) : controlError(outcome.status, outcome.reason);
}

function clockView(ctx: EmulatorContext): { offsetMs: number; now: string } {
  return { offsetMs: ctx.state.clockOffsetMs, now: ctx.state.isoNow() };
}

function configView(ctx: EmulatorContext): Record<string, unknown> {
  return {
    webhookUrl: ctx.config.webhookUrl ?? null,
    sendStatusWebhooks: ctx.config.sendStatusWebhooks,
    phoneNumberId: ctx.business.phoneNumberId,
    displayPhoneNumber: ctx.business.displayPhoneNumber,
    wabaId: ctx.business.wabaId,
    graphUrl: ctx.baseUrl(),
  };
}

const routes: Record<string, Handler> = {
  "GET /": () => html(CHAT_PAGE),
  "GET /_emulator": () => html(CONSOLE_PAGE),
  "GET /_emulator/sends": (ctx, req) => {
    const to = digitsParam(req, "to");
    return json(200, { sends: to === null ? ctx.state.sends : ctx.state.sends.filter((s) => s.wa_id === to) });
  },
  "GET /_emulator/rejected": (ctx) => json(200, { rejected: ctx.state.rejected }),
  "GET /_emulator/inbound": (ctx, req) => {
    const from = digitsParam(req, "from");
    return json(200, { inbound: from === null ? ctx.state.inbound : ctx.state.inbound.filter((m) => m.from === from) });
  },
  "GET /_emulator/conversation": (ctx, req) => {
    const waId = digitsParam(req, "with");
    if (!waId) return controlError(400, "query parameter `with` (the client's number) is required");
    return json(200, { with: waId, entries: ctx.state.conversation(waId) });
  },
  "GET /_emulator/webhooks": (ctx) => json(200, { deliveries: ctx.state.deliveries }),
  "GET /_emulator/reads": (ctx) => json(200, { reads: ctx.state.reads }),
  "GET /_emulator/in-flight": (ctx, req) => json(200, { calls: ctx.state.inFlight.get(digits(req.url.searchParams.get("phone") ?? "")) ?? 0 }),
  "GET /_emulator/fail": (ctx, req) => json(200, ctx.state.failureStatus(req.url.searchParams.get("phone") ?? undefined)),
  "GET /_emulator/clock": (ctx) => json(200, clockView(ctx)),
  "GET /_emulator/config": (ctx) => json(200, configView(ctx)),
  "POST /_emulator/reset": (ctx) => {
    ctx.state.reset();
    ctx.releaseHeld();
    return json(200, { ok: true });
  },
  "POST /_emulator/fail": (ctx, req) => {
    const parsed = parseControlBody(req.body, FailRequest);
    if (!parsed.ok) return parsed.reply;
    ctx.state.armFailures(parsed.value.count, parsed.value.mode, parsed.value.only, parsed.value.phone, parsed.value.ref);
    return json(200, ctx.state.failureStatus(parsed.value.phone));
  },
  "POST /_emulator/latency": (ctx, req) => {
    const parsed = parseControlBody(req.body, LatencyRequest);
    if (!parsed.ok) return parsed.reply;
    const { ms, phone } = parsed.value;
    if (phone === undefined) ctx.state.latencyMs = ms;
    else if (ms === 0) ctx.state.latencyFor.delete(digits(phone));
    else ctx.state.latencyFor.set(digits(phone), ms);
    return json(200, { latencyMs: ctx.state.latencyOf(phone) });
  },
  "POST /_emulator/clock": (ctx, req) => {
    const parsed = parseControlBody(req.body, ClockRequest);
    if (!parsed.ok) return parsed.reply;
    const request = parsed.value;
    ctx.state.clockOffsetMs = "offsetMs" in request ? request.offsetMs : ctx.state.clockOffsetMs + request.advanceMs;
    return json(200, clockView(ctx));
  },
  "POST /_emulator/config": (ctx, req) => {
    const parsed = parseControlBody(req.body, ConfigRequest);
    if (!parsed.ok) return parsed.reply;
    if (parsed.value.webhookUrl !== undefined) ctx.config.webhookUrl = parsed.value.webhookUrl;
    if (parsed.value.sendStatusWebhooks !== undefined) ctx.config.sendStatusWebhooks = parsed.value.sendStatusWebhooks;
    return json(200, configView(ctx));
  },
  "POST /_emulator/window": (ctx, req) => {
    const parsed = parseControlBody(req.body, WindowRequest);
    if (!parsed.ok) return parsed.reply;
    const waId = parsed.value.phone.replace(/\D/g, "");
    ctx.state.touchContact(waId, parsed.value.name ?? ctx.state.contactName(waId) ?? waId);
    return json(200, { wa_id: waId, in_service_window: ctx.state.inServiceWindow(waId) });
  },
  "POST /_emulator/inbound": async (ctx, req) => {
    const parsed = parseControlBody(req.body, InboundSpec);
    return parsed.ok ? fromOutcome(await deliverInbound(ctx, parsed.value)) : parsed.reply;
  },
  // Tests inside workerd cannot be reached by the emulator: they take the signed envelope and post it.
  "POST /_emulator/inbound/prepare": (ctx, req) => {
    const parsed = parseControlBody(req.body, InboundSpec);
    return parsed.ok ? fromOutcome(prepareInbound(ctx, parsed.value)) : parsed.reply;
  },
  "POST /_emulator/webhook-raw": async (ctx, req) => {
    const parsed = parseControlBody(req.body, RawRequest);
    return parsed.ok ? fromOutcome(await postRawWebhook(ctx, parsed.value.body, parsed.value.signature)) : parsed.reply;
  },
  "POST /_emulator/status": async (ctx, req) => {
    const parsed = parseControlBody(req.body, StatusRequest);
    if (!parsed.ok) return parsed.reply;
    return fromOutcome(await postStatus(ctx, parsed.value.message_id, parsed.value.status, parsed.value.errors));
  },
};

/** Serves the stored bytes of a media id without auth, for the chat page and console only. */
function mediaPreview(ctx: EmulatorContext, id: string): Reply {
  const media = ctx.state.media.get(id, ctx.state.now());
  if (!media) return controlError(404, `no media with id ${id}`);
  return { kind: "bytes", status: 200, contentType: media.mimeType, data: media.bytes };
}

/** Answers a control or page request; unknown ones get a JSON 404 listing what exists. */
export async function handleControl(ctx: EmulatorContext, req: Incoming): Promise<Reply> {
  const path = req.url.pathname.replace(/\/+$/, "") || "/";
  const preview = /^\/_emulator\/media\/([^/]+)$/.exec(path);
  if (preview?.[1] && req.method === "GET") return mediaPreview(ctx, preview[1]);
  const handler = routes[`${req.method} ${path}`];
  if (handler) return handler(ctx, req);
  return controlError(404, `no route ${req.method} ${req.url.pathname}; control routes: ${Object.keys(routes).join(", ")}`);
}
