/**
 * Validation of `POST /{version}/{phone-number-id}/messages` bodies with Meta's documented limits
 * (≤3 reply buttons with titles ≤20 chars, ≤10 list rows with titles ≤24 and descriptions ≤72, …),
 * so a payload the Worker builds wrongly fails here in the same way it would fail against Meta.
 */
import { z } from "zod";
import { graphErrors, type GraphFailure } from "./graph-errors.ts";

const text = z.object({ body: z.string().min(1).max(4096), preview_url: z.boolean().optional() });

const interactiveBody = z.object({ text: z.string().min(1).max(1024) });
const footer = z.object({ text: z.string().min(1).max(60) });
const header = z.looseObject({ type: z.enum(["text", "image", "document", "video"]), text: z.string().max(60).optional() });

const replyButton = z.object({
  type: z.literal("reply"),
  reply: z.object({ id: z.string().min(1).max(256), title: z.string().min(1).max(20) }),
});

const listRow = z.object({
  id: z.string().min(1).max(200),
  title: z.string().min(1).max(24),
  description: z.string().max(72).optional(),
});

const interactive = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("cta_url"),
    header: header.optional(),
    body: interactiveBody,
    footer: footer.optional(),
    action: z.object({
      name: z.literal("cta_url"),
      parameters: z.object({ display_text: z.string().min(1).max(20), url: z.url() }),
    }),
  }),
  z.object({
    type: z.literal("button"),
    header: header.optional(),
    body: interactiveBody,
    footer: footer.optional(),
    action: z.object({ buttons: z.array(replyButton).min(1).max(3) }),
  }),
  z.object({
    type: z.literal("list"),
    header: z.object({ type: z.literal("text"), text: z.string().min(1).max(60) }).optional(),
    body: interactiveBody,
    footer: footer.optional(),
    action: z.object({
      button: z.string().min(1).max(20),
      sections: z.array(z.object({ title: z.string().max(24).optional(), rows: z.array(listRow).min(1).max(10) })).min(1).max(10),
    }),
  }),
]);

const templateParameter = z.looseObject({
  type: z.enum(["text", "currency", "date_time", "image", "document", "video", "payload", "coupon_code", "action"]),
  text: z.string().optional(),
  payload: z.string().optional(),
  parameter_name: z.string().optional(),
});

const template = z.object({
  name: z.string().min(1).max(512),
  language: z.object({ code: z.string().min(2).max(15), policy: z.literal("deterministic").optional() }),
  components: z
    .array(
      z.object({
        type: z.enum(["header", "body", "footer", "button"]),
        sub_type: z.string().optional(),
        index: z.union([z.string(), z.number()]).optional(),
        parameters: z.array(templateParameter).optional(),
      }),
    )
    .optional(),
});

const media = z
  .object({
    id: z.string().min(1).optional(),
    link: z.url().optional(),
    caption: z.string().max(1024).optional(),
    filename: z.string().max(240).optional(),
  })
  .refine((m) => (m.id === undefined) !== (m.link === undefined), { message: "exactly one of id or link is required" });

const reaction = z.object({ message_id: z.string().min(1), emoji: z.string() });

/** One payload schema per message `type`; the key of the payload in the body equals the type. */
const payloadSchemas = {
  text,
  interactive,
  template,
  image: media,
  document: media,
  audio: media,
  video: media,
  sticker: media,
  reaction,
} satisfies Record<string, z.ZodType>;

/** Message types the emulator accepts. */
export type SendType = keyof typeof payloadSchemas;

const envelope = z.object({
  messaging_product: z.literal("whatsapp"),
  recipient_type: z.literal("individual").optional(),
  to: z.string().regex(/^\+?\d{6,15}$/, "must be a phone number: digits with an optional leading +").optional(),
  /** A business-scoped user ID (or parent BSUID): Meta's field for clients known without a number. */
  recipient: z.string().regex(/^[A-Z]{2}\.[A-Za-z0-9][A-Za-z0-9.]{0,140}$/, "must be a BSUID").optional(),
  type: z.string().optional(),
  context: z.object({ message_id: z.string().min(1) }).optional(),
  biz_opaque_callback_data: z.string().max(512).optional(),
});

/** A send that passed validation. */
export interface ValidSend {
  to: string;
  waId: string;
  type: SendType;
  /** Reply ids (button ids / list row ids) the client can answer with; used for reply `context`. */
  replyIds: string[];
}

/** `{ ok: true, value }` for a valid send, otherwise the Graph error Meta would answer. */
export type SendValidation = { ok: true; value: ValidSend } | { ok: false; failure: GraphFailure };

function describe(issues: readonly z.core.$ZodIssue[], prefix: string): string {
  return issues
    .map((issue) => `${[prefix, ...issue.path.map(String)].filter((p) => p !== "").join(".")}: ${issue.message}`)
    .join("; ");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSendType(type: string): type is SendType {
  return Object.hasOwn(payloadSchemas, type);
}

/** Rules zod's per-field limits cannot express: uniqueness and totals across a message. */
function crossFieldProblem(payload: z.infer<typeof interactive>): string | null {
  if (payload.type === "cta_url") return null;
  if (payload.type === "button") {
    const ids = payload.action.buttons.map((b) => b.reply.id);
    const titles = payload.action.buttons.map((b) => b.reply.title);
    if (new Set(ids).size !== ids.length) return "interactive.action.buttons: button ids must be unique";
    if (new Set(titles).size !== titles.length) return "interactive.action.buttons: button titles must be unique";
    return null;
  }
  const rows = payload.action.sections.flatMap((s) => s.rows);
  if (rows.length > 10) return `interactive.action.sections: at most 10 rows in total, got ${rows.length}`;
  if (new Set(rows.map((r) => r.id)).size !== rows.length) return "interactive.action.sections: row ids must be unique";
  if (payload.action.sections.length > 1 && payload.action.sections.some((s) => !s.title)) {
    return "interactive.action.sections: every section needs a title when there is more than one";
  }
  return null;
}

function replyIdsOf(payload: z.infer<typeof interactive>): string[] {
  if (payload.type === "cta_url") return [];
  return payload.type === "button"
    ? payload.action.buttons.map((b) => b.reply.id)
    : payload.action.sections.flatMap((s) => s.rows.map((r) => r.id));
}

/** Validates a parsed send body like Meta does, returning the Graph error for the first problem. */
export function validateSend(body: unknown): SendValidation {
  if (!isObject(body)) return { ok: false, failure: graphErrors.invalidParameter("body: must be a JSON object") };
  if (body.messaging_product === undefined) return { ok: false, failure: graphErrors.requiredParameter("messaging_product") };
  if (body.to === undefined && body.recipient === undefined) return { ok: false, failure: graphErrors.requiredParameter("to") };
  const head = envelope.safeParse(body);
  if (!head.success) return { ok: false, failure: graphErrors.invalidParameter(describe(head.error.issues, "")) };

  // Meta treats a missing type as text.
  const type = head.data.type ?? "text";
  if (!isSendType(type)) {
    const allowed = Object.keys(payloadSchemas).map((t) => t.toUpperCase()).join(", ");
    return { ok: false, failure: graphErrors.invalidParameter(`type: must be one of {${allowed}}, got "${type}"`) };
  }
  if (body[type] === undefined) return { ok: false, failure: graphErrors.requiredParameter(type) };
  const payload = payloadSchemas[type].safeParse(body[type]);
  if (!payload.success) return { ok: false, failure: graphErrors.invalidParameter(describe(payload.error.issues, type)) };

  let replyIds: string[] = [];
  if (type === "interactive") {
    const parsed = interactive.parse(body[type]);
    const problem = crossFieldProblem(parsed);
    if (problem) return { ok: false, failure: graphErrors.invalidParameter(problem) };
    replyIds = replyIdsOf(parsed);
  }
  // Meta: when both are given, `to` (the number) wins.
  const to = head.data.to ?? head.data.recipient ?? "";
  const waId = head.data.to !== undefined ? head.data.to.replace(/^\+/, "") : to;
  return { ok: true, value: { to, waId, type, replyIds } };
}
