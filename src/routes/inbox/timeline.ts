/**
 * A lead's timeline for the inbox: what the client answered (lead_answers), what the assistant
 * sent to the client or the artist (outbox_messages, with delivery status), what happened
 * (system_events) and notes, merged into one list, newest first. Pure: rows in, entries out.
 */
import type { LeadAnswer, OutboxMessage, SystemEvent } from "../../db/schema.ts";
import { OutboundPayloadSchema } from "../../domain/outbound-schema.ts";
import { asQuestionKey } from "../../domain/questions.ts";
import { HANDOVER_NOTICES_PER_DAY } from "../../domain/engine/handover.ts";
import { artistCopy as t, handoverReasonLabel, statusLabel } from "../lead-view.ts";

export type TimelineKind = "client" | "to_client" | "to_artist" | "event" | "note";

export interface TimelineEntry {
  at: Date;
  kind: TimelineKind;
  title: string;
  text: string;
  /** Delivery status of a message; null for the rest. */
  detail: string | null;
}

export interface TimelineSource {
  clientPhone: string;
  answers: readonly Pick<LeadAnswer, "questionKey" | "rawText" | "createdAt" | "seq">[];
  outbox: readonly Pick<OutboxMessage, "toPhone" | "toUserId" | "payload" | "status" | "createdAt" | "seq">[];
  events: readonly Pick<SystemEvent, "type" | "payload" | "createdAt" | "id">[];
  notes: readonly { author: string; body: string; createdAt: Date }[];
}

/** Within the same instant (one transaction), the client's words come first, then what followed. */
const ORDER: Record<TimelineKind, number> = { client: 0, event: 1, to_client: 2, to_artist: 3, note: 4 };

/**
 * Events already shown in their own words elsewhere on the timeline (a capped notice is part of its
 * `lead.handed_over` entry).
 */
const SHOWN_ELSEWHERE = new Set(["lead.note_added", "handover.notice_capped"]);

function messageText(payload: unknown): string {
  const parsed = OutboundPayloadSchema.safeParse(payload);
  if (!parsed.success) return t("inbox.timeline.media");
  const message = parsed.data;
  switch (message.kind) {
    case "text":
    case "buttons":
    case "list":
    case "actions":
    case "cta":
      return message.body;
    case "template":
      return t("inbox.timeline.template", { name: message.name });
    case "media":
      return message.caption ?? t("inbox.timeline.media");
  }
}

function deliveryLabel(status: string): string {
  switch (status) {
    case "PENDING":
    case "SENT":
    case "DELIVERED":
    case "READ":
    case "FAILED":
    case "SKIPPED":
      return t(`inbox.delivery.${status}`);
    default:
      return status;
  }
}

/** A handover's later request: its reason in words and the client's words (a file when it had none). */
function handoverRequestText(payload: Record<string, unknown>): string | null {
  if (typeof payload.reason !== "string") return null;
  const text = typeof payload.text === "string" ? payload.text : t("handover.answer_media");
  return t("inbox.timeline.handover_request", { reason: handoverReasonLabel(payload.reason), text });
}

function eventText(event: TimelineSource["events"][number]): string {
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  if (event.type === "lead.transition" && typeof payload.from === "string" && typeof payload.to === "string") {
    return t("inbox.timeline.transition", { from: statusLabel(payload.from), to: statusLabel(payload.to) });
  }
  if (event.type === "lead.handed_over" && typeof payload.reason === "string") {
    const reason = handoverReasonLabel(payload.reason);
    return payload.artist_notified === false
      ? t("inbox.timeline.handed_over_quiet", { reason, limit: HANDOVER_NOTICES_PER_DAY })
      : t("inbox.timeline.handed_over", { reason });
  }
  if (event.type === "handover.request_added") return handoverRequestText(payload) ?? event.type;
  if (event.type === "consultation.client_question" && typeof payload.text === "string") {
    const key = asQuestionKey(typeof payload.question === "string" ? payload.question : null);
    return t("inbox.timeline.client_question", { text: payload.text, question: key ? t(`label.${key}`) : t("handover.no_question") });
  }
  if (event.type === "lead.number_changed") {
    return t("inbox.timeline.number_changed", { to: typeof payload.to === "string" ? payload.to : t("client.contact_unknown") });
  }
  return event.type;
}

/** The merged timeline, newest first, at most `limit` entries. */
export function buildTimeline(source: TimelineSource, limit = 200): TimelineEntry[] {
  const entries: (TimelineEntry & { tie: number })[] = [
    ...source.answers.map((a) => {
      const key = asQuestionKey(a.questionKey);
      const question = key ? t(`label.${key}`) : a.questionKey;
      const text = t("inbox.timeline.answer", { question, text: a.rawText ?? t("handover.answer_media") });
      return { at: a.createdAt, kind: "client" as const, title: t("inbox.timeline.client"), text, detail: null, tie: a.seq };
    }),
    ...source.outbox.map((m) => {
      const kind = m.toPhone === source.clientPhone || m.toUserId !== null ? ("to_client" as const) : ("to_artist" as const);
      return { at: m.createdAt, kind, title: t(`inbox.timeline.${kind}`), text: messageText(m.payload), detail: deliveryLabel(m.status), tie: m.seq };
    }),
    // A message held by the panic switch is the client talking (no answer was stored for it).
    ...source.events
      .filter((e) => e.type === "panic.message_held")
      .map((e) => {
        const payload = (e.payload ?? {}) as Record<string, unknown>;
        const text = typeof payload.text === "string" ? payload.text : t("handover.answer_media");
        return { at: e.createdAt, kind: "client" as const, title: t("inbox.timeline.client"), text: t("inbox.timeline.held", { text }), detail: null, tie: e.id };
      }),
    ...source.events
      .filter((e) => !SHOWN_ELSEWHERE.has(e.type) && e.type !== "panic.message_held")
      .map((e) => ({ at: e.createdAt, kind: "event" as const, title: t("inbox.timeline.event"), text: eventText(e), detail: null, tie: e.id })),
    ...source.notes.map((n) => ({
      at: n.createdAt,
      kind: "note" as const,
      title: t("inbox.timeline.note", { author: n.author }),
      text: n.body,
      detail: null,
      tie: 0,
    })),
  ];
  entries.sort((a, b) => b.at.getTime() - a.at.getTime() || ORDER[b.kind] - ORDER[a.kind] || b.tie - a.tie);
  return entries.slice(0, limit).map(({ tie: _tie, ...entry }) => entry);
}
