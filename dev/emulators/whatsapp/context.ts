/**
 * The running emulator's shared pieces (state, identity, config, webhook sender) and the
 * operations both the HTTP control API and the Node-side accessors perform, so the two surfaces
 * cannot drift apart: deliver an inbound client message, post a raw body, post a status.
 */
import { messageEnvelope, signBody, type BusinessIdentity, type StatusUpdate } from "./envelope.ts";
import { buildInbound, type InboundSpec } from "./inbound.ts";
import type { EmulatorState, InboundRecord, WebhookOutcome } from "./state.ts";
import type { WebhookConfig, WebhookSender } from "./webhook.ts";

/** Everything a route handler may use. */
export interface EmulatorContext {
  state: EmulatorState;
  business: BusinessIdentity;
  config: WebhookConfig;
  accessToken: string;
  webhooks: WebhookSender;
  /** `http://127.0.0.1:<port>`, known once listening. */
  baseUrl: () => string;
  /** Drops requests held open by an injected timeout (on reset and close). */
  releaseHeld: () => void;
}

/** What `POST /_emulator/inbound` answers: the Worker's reply to the webhook and the wamid. */
export interface InboundResult {
  /** The Worker's HTTP status, or `null` when it could not be reached. */
  status: number | null;
  body: string;
  message_id: string;
  error?: string;
}

/** What `POST /_emulator/webhook-raw` answers. */
export interface RawWebhookResult {
  status: number | null;
  body: string;
  error?: string;
}

/** An operation outcome: a value, or an HTTP status plus the reason for the caller. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; status: number; reason: string };

function noWebhook(): Outcome<never> {
  return { ok: false, status: 409, reason: "no webhook URL configured: POST /_emulator/config {\"webhookUrl\": ...} first" };
}

function toResult(outcome: WebhookOutcome): RawWebhookResult {
  return outcome.error === undefined ? { status: outcome.status, body: outcome.body } : { ...outcome };
}

/**
 * Generates a client message, opens the client's 24-hour window, records it and POSTs the signed
 * envelope to the Worker. The window opens and the record exists *before* the POST because the
 * Worker may reply while still handling the webhook.
 */
/** A signed inbound webhook the caller delivers itself (tests inside workerd post it to the Worker). */
export interface PreparedInbound {
  body: string;
  signature: string;
  message_id: string;
}

/** Builds and records a client message (opening its 24-hour window) without posting it. */
function recordInbound(ctx: EmulatorContext, spec: InboundSpec): Outcome<{ record: InboundRecord; body: string }> {
  const built = buildInbound(spec, ctx.state, ctx.business.displayPhoneNumber);
  if (!built.ok) return { ok: false, status: 400, reason: built.reason };
  const { waId, name, message, contact } = built.value;
  ctx.state.touchContact(waId, name);
  const record: InboundRecord = {
    seq: ctx.state.nextSeq(),
    id: String(message.id),
    from: waId,
    name,
    type: String(message.type),
    message,
    received_at: ctx.state.isoNow(),
    webhook: null,
  };
  ctx.state.inbound.push(record);
  return { ok: true, value: { record, body: messageEnvelope(ctx.business, contact, message) } };
}

/** Builds the client's message as Meta would, signs it, and POSTs it to the Worker. */
export async function deliverInbound(ctx: EmulatorContext, spec: InboundSpec): Promise<Outcome<InboundResult>> {
  if (ctx.config.webhookUrl === undefined) return noWebhook();
  const recorded = recordInbound(ctx, spec);
  if (!recorded.ok) return recorded;
  const { record, body } = recorded.value;
  const outcome = await ctx.webhooks.post("message", body);
  record.webhook = outcome;
  return { ok: true, value: { ...toResult(outcome), message_id: record.id } };
}

/** Like {@link deliverInbound}, but hands back the signed envelope instead of posting it. */
export function prepareInbound(ctx: EmulatorContext, spec: InboundSpec): Outcome<PreparedInbound> {
  const recorded = recordInbound(ctx, spec);
  if (!recorded.ok) return recorded;
  const { record, body } = recorded.value;
  return { ok: true, value: { body, signature: signBody(body, ctx.config.appSecret), message_id: record.id } };
}

/** POSTs an arbitrary body; signs it unless `signature` is given (`null`: no header at all). */
export async function postRawWebhook(ctx: EmulatorContext, body: string, signature?: string | null): Promise<Outcome<RawWebhookResult>> {
  if (ctx.config.webhookUrl === undefined) return noWebhook();
  return { ok: true, value: toResult(await ctx.webhooks.post("raw", body, signature)) };
}

/** Posts a status update ("read", "failed", …) for a recorded send. */
export async function postStatus(
  ctx: EmulatorContext,
  messageId: string,
  status: StatusUpdate["status"],
  errors?: StatusUpdate["errors"],
): Promise<Outcome<RawWebhookResult>> {
  if (ctx.config.webhookUrl === undefined) return noWebhook();
  const send = ctx.state.sends.find((s) => s.id === messageId);
  if (!send) return { ok: false, status: 404, reason: `no recorded send with id ${messageId}` };
  return { ok: true, value: toResult(await ctx.webhooks.postStatus(send, status, errors)) };
}
