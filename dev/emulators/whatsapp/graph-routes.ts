/**
 * The Graph API surface the Worker calls: `POST /{version}/{phone-number-id}/messages`,
 * `GET /{version}/{media-id}` and the media download URL. Order of checks follows Graph: an armed
 * fault first (it models the platform failing), then the Bearer token, then the path, then the
 * body, then the 24-hour window. Every error answer except injected faults is recorded.
 */
import { z } from "zod";
import type { EmulatorContext } from "./context.ts";
import { newWamid } from "./envelope.ts";
import { graphErrors, type GraphFailure } from "./graph-errors.ts";
import { json, parseJson, type Incoming, type Reply } from "./http.ts";
import { validateSend } from "./send-schema.ts";
import type { GraphCallKind, RecordedSend } from "./state.ts";

const VERSION = /^v\d+\.\d+$/;

const MarkRead = z.object({
  messaging_product: z.literal("whatsapp"),
  status: z.literal("read"),
  message_id: z.string().min(1),
  typing_indicator: z.object({ type: z.literal("text") }).optional(),
});

/** Whether a path belongs to the Graph surface (and so is subject to fault injection). */
export function isGraphPath(pathname: string): boolean {
  const first = pathname.split("/")[1] ?? "";
  return VERSION.test(first) || first === "_media";
}

function fail(ctx: EmulatorContext, req: Incoming, failure: GraphFailure): Reply {
  const parsed = parseJson(req.body);
  ctx.state.rejected.push({
    seq: ctx.state.nextSeq(),
    received_at: ctx.state.isoNow(),
    method: req.method,
    path: req.url.pathname,
    status: failure.status,
    error: failure.body.error,
    body: parsed.ok ? parsed.value : req.body,
  });
  return json(failure.status, failure.body);
}

function authFailure(ctx: EmulatorContext, req: Incoming): GraphFailure | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  if (!match) return graphErrors.missingToken();
  return match[1] === ctx.accessToken ? null : graphErrors.invalidToken();
}

/** Message sends (and read receipts) versus media lookups and downloads, for scoped fault injection. */
function callKind(req: Incoming): GraphCallKind {
  return req.method === "POST" && req.url.pathname.endsWith("/messages") ? "messages" : "media";
}

/**
 * The client a Graph call is for, when it can be told: the `to` (or BSUID `recipient`) of a message send, the sender of the
 * media looked up or downloaded. Scoped faults and latency apply only to that client's calls.
 */
export function callClient(ctx: EmulatorContext, req: Incoming): string | undefined {
  const parts = req.url.pathname.split("/").filter((p) => p !== "");
  if (callKind(req) === "messages") {
    const parsed = parseJson(req.body);
    const body = parsed.ok && typeof parsed.value === "object" && parsed.value !== null ? (parsed.value as { to?: unknown; recipient?: unknown }) : {};
    const to = body.to ?? body.recipient;
    return typeof to === "string" ? to : undefined;
  }
  const id = parts[0] === "_media" ? parts[1] : parts.length === 2 ? parts[1] : undefined;
  return id === undefined ? undefined : ctx.state.media.ownerOf(id);
}

/** A message send's `biz_opaque_callback_data` (our ref), for faults scoped to one test's sends. */
function callbackRef(req: Incoming): string | null {
  if (callKind(req) !== "messages") return null;
  const parsed = parseJson(req.body);
  const read = parsed.ok ? CallbackRef.safeParse(parsed.value) : null;
  return read?.success ? read.data.biz_opaque_callback_data : null;
}
const CallbackRef = z.object({ biz_opaque_callback_data: z.string() });

/** An armed fault's answer, or `lost_reply` when the call goes ahead and only its answer is lost. */
function injectedFault(ctx: EmulatorContext, req: Incoming): Reply | "lost_reply" | null {
  const mode = ctx.state.takeFailure(callKind(req), callClient(ctx, req), callbackRef(req));
  if (mode === null) return null;
  if (mode === "timeout") return { kind: "hold" };
  if (mode === "lost_reply") return mode;
  const failure = mode === "429" ? graphErrors.rateLimited() : mode === "bsuid_unsupported" ? graphErrors.bsuidUnsupported() : graphErrors.unknown();
  return json(failure.status, failure.body);
}

function sendMessage(ctx: EmulatorContext, req: Incoming): Reply {
  const parsed = parseJson(req.body);
  if (!parsed.ok) return fail(ctx, req, graphErrors.invalidParameter(parsed.reason));

  const read = MarkRead.safeParse(parsed.value);
  if (read.success) {
    const receipt = { message_id: read.data.message_id, typing_indicator: read.data.typing_indicator !== undefined, at: ctx.state.isoNow() };
    ctx.state.reads.push(receipt);
    return json(200, { success: true });
  }

  const validation = validateSend(parsed.value);
  if (!validation.ok) return fail(ctx, req, validation.failure);
  const { to, waId, type, replyIds } = validation.value;
  // Only templates may open a conversation; everything else needs the client's recent message.
  if (type !== "template" && !ctx.state.inServiceWindow(waId)) return fail(ctx, req, graphErrors.reEngagement());

  const send: RecordedSend = {
    seq: ctx.state.nextSeq(),
    id: newWamid(waId),
    to,
    wa_id: waId,
    type,
    body: parsed.value,
    received_at: ctx.state.isoNow(),
    statuses: [],
    reply_ids: replyIds,
  };
  ctx.state.sends.push(send);
  ctx.webhooks.afterSend(send);
  // Meta answers a send to a BSUID with the contact's `user_id` instead of its `wa_id`.
  const contact = to === waId && !/^\d+$/.test(to) ? { input: to, user_id: waId } : { input: to, wa_id: waId };
  return json(200, { messaging_product: "whatsapp", contacts: [contact], messages: [{ id: send.id }] });
}

function getObject(ctx: EmulatorContext, req: Incoming, id: string): Reply {
  if (id === ctx.business.phoneNumberId) {
    return json(200, {
      verified_name: "Inkline Emulator",
      display_phone_number: ctx.business.displayPhoneNumber,
      id,
      quality_rating: "GREEN",
    });
  }
  const media = ctx.state.media.get(id, ctx.state.now());
  const scope = req.url.searchParams.get("phone_number_id");
  if (!media || (scope !== null && scope !== ctx.business.phoneNumberId)) return fail(ctx, req, graphErrors.unknownObject(id, "get"));
  const token = ctx.state.media.issueToken(id, ctx.state.now());
  return json(200, {
    messaging_product: "whatsapp",
    url: `${ctx.baseUrl()}/_media/${id}?token=${token}`,
    mime_type: media.mimeType,
    sha256: media.sha256Hex,
    file_size: String(media.bytes.length),
    id,
  });
}

function download(ctx: EmulatorContext, req: Incoming, id: string): Reply {
  const redemption = ctx.state.media.redeem(req.url.searchParams.get("token") ?? "", id, ctx.state.now());
  if (!redemption.ok) {
    // Meta's CDN answers an expired or forged URL with a bare 403/404, not a Graph error.
    const status = redemption.reason === "expired" ? 403 : 404;
    return { kind: "bytes", status, contentType: "text/plain; charset=utf-8", data: redemption.reason === "expired" ? "URL signature expired" : "Not Found" };
  }
  return { kind: "bytes", status: 200, contentType: redemption.media.mimeType, data: redemption.media.bytes };
}

/** Answers a request on the Graph surface (see {@link isGraphPath}). */
export function handleGraph(ctx: EmulatorContext, req: Incoming): Reply {
  const fault = injectedFault(ctx, req);
  if (fault === "lost_reply") {
    const reply = answerGraph(ctx, req);
    // Processed as usual (a send is recorded and its statuses follow); only the answer is lost.
    return reply.kind === "json" && reply.status === 200 ? { kind: "hold" } : reply;
  }
  return fault ?? answerGraph(ctx, req);
}

function answerGraph(ctx: EmulatorContext, req: Incoming): Reply {
  const unauthorized = authFailure(ctx, req);
  if (unauthorized) return fail(ctx, req, unauthorized);

  const parts = req.url.pathname.split("/").filter((p) => p !== "");
  if (parts[0] === "_media" && parts.length === 2 && parts[1] && req.method === "GET") return download(ctx, req, parts[1]);
  if (parts.length === 3 && parts[2] === "messages" && req.method === "POST") {
    const phoneNumberId = parts[1] ?? "";
    if (phoneNumberId !== ctx.business.phoneNumberId) return fail(ctx, req, graphErrors.unknownObject(phoneNumberId, "post"));
    return sendMessage(ctx, req);
  }
  if (parts.length === 2 && parts[1] && req.method === "GET") return getObject(ctx, req, parts[1]);
  return fail(ctx, req, graphErrors.unknownPath(req.url.pathname));
}
