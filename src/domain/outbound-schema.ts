/**
 * zod schema of an outbound payload as stored in outbox_messages.payload, so a row read back from
 * the database is validated before it is sent.
 */
import { z } from "zod";
import type { OutboundPayload } from "./messages.ts";
import { WHATSAPP_LIMITS } from "./messages.ts";

const ButtonSchema = z.object({ id: z.string().min(1).max(256), title: z.string().min(1).max(WHATSAPP_LIMITS.buttonTitle) });
const RowSchema = z.object({
  id: z.string().min(1).max(200),
  title: z.string().min(1).max(WHATSAPP_LIMITS.rowTitle),
  description: z.string().max(WHATSAPP_LIMITS.rowDescription).optional(),
});

export const OutboundPayloadSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("text"),
    body: z.string().min(1).max(4096),
    links: z.array(z.object({ placeholder: z.string().min(1).max(200), action: z.string().min(1).max(40), sealed: z.string().min(1).max(4096) })).max(10).optional(),
  }),
  z.object({ kind: z.literal("buttons"), body: z.string().min(1).max(1024), buttons: z.array(ButtonSchema).min(1).max(WHATSAPP_LIMITS.buttons) }),
  z.object({
    kind: z.literal("list"),
    body: z.string().min(1).max(4096),
    buttonLabel: z.string().min(1).max(20),
    rows: z.array(RowSchema).min(1).max(WHATSAPP_LIMITS.listRows),
  }),
  z.object({
    kind: z.literal("actions"),
    body: z.string().min(1).max(1024),
    subject: z.string().min(1).max(200),
    actions: z.array(z.object({ action: z.string().min(1).max(40), placeholder: z.string().min(1).max(200), sealed: z.string().min(1).max(4096).optional() })).min(1).max(10),
  }),
  z.object({ kind: z.literal("cta"), body: z.string().min(1).max(1024), label: z.string().min(1).max(20), url: z.url() }),
  z.object({ kind: z.literal("template"), name: z.string().min(1), language: z.string().min(2), params: z.array(z.string()), urlButtons: z.array(z.string().min(1).max(200)).max(2).optional(), quickReplies: z.array(z.string().min(1).max(256)).max(3).optional() }),
  z.object({ kind: z.literal("media"), mediaKind: z.enum(["image", "document"]), link: z.url(), caption: z.string().optional() }),
]);

/** Validates a stored payload; throws (a bug or corruption, retried then parked) when it is not one. */
export function parseOutboundPayload(value: unknown): OutboundPayload {
  return OutboundPayloadSchema.parse(value);
}

/**
 * A stored payload as people may see it (admin API, inbox): each sealed artist link shown by its
 * action ("[approve link]"), never its URL or its sealed value. Anything else comes back as it is.
 */
export function redactedPayload(value: unknown): unknown {
  const parsed = OutboundPayloadSchema.safeParse(value);
  if (parsed.success && parsed.data.kind === "actions") {
    return { kind: "actions", body: parsed.data.body, buttons: parsed.data.actions.map((a) => `[${a.action} button]`) };
  }
  if (!parsed.success || parsed.data.kind !== "text" || !parsed.data.links) return value;
  let body = parsed.data.body;
  for (const link of parsed.data.links) body = body.split(link.placeholder).join(`[${link.action} link]`);
  return { kind: "text", body };
}
