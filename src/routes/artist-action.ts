/**
 * The one way a route runs an artist action: queue it in the lead's Durable Object (in turn with
 * the client's messages) and wait for the object's answer. Shared by the one-tap links, the admin
 * API and the web inbox, so all three apply actions identically; the two form-based ones also
 * share how the reason field is read.
 */
import { z } from "zod";
import type { ActionOutcome, ActionVia, ArtistAction } from "../domain/artist-actions.ts";
import type { Lead } from "../db/schema.ts";
import type { RejectReason } from "../domain/artist-desk.ts";
import { retryObjectReset } from "../lib/object-retry.ts";
import { conversationKeyOf } from "../domain/client-id.ts";

/** The reason field of the action forms (one-tap page, inbox): trimmed, at most 500 characters, blank = none. */
export const FormReason = z
  .string()
  .trim()
  .max(500)
  .optional()
  .transform((v) => (v ? v : null));

export interface ActionRequest {
  action: ArtistAction;
  /** Only `reject` and `refund` keep one (for the artist's records; never sent to the client). */
  reason: string | null;
  /** Refund only: how much (minor units); omitted refunds all that is left. */
  amountMinor?: number | null;
  via: ActionVia;
  /** Unique per request ("link:<uuid>", "admin:<idempotency key>", "inbox:<form id>"): a replay is refused as a duplicate. */
  eventId: string;
  /** One-tap links and buttons only: the token's hash, checked and consumed inside the object. */
  tokenHash?: string | null;
  /** Reject from WhatsApp's reason list: the client's kind message for that reason (or none). */
  rejectReason?: RejectReason | null;
  /** override_deposit only: the deposit's new outcome. */
  fate?: "credit" | "forfeit" | "refund" | null;
}

/** Actions that keep their reason (for the artist's records, in the ledger or the event; never sent to the client). */
const KEEPS_REASON: readonly ArtistAction[] = ["reject", "refund", "cancel_booking", "cancel_refund", "mark_no_show", "override_deposit"];

/**
 * Runs `request` on `lead` through its object; resolves with what the object decided. The event id
 * makes `act()` idempotent, so a call cut short by an object reset is simply made again.
 */
export function actOnLead(
  namespace: Env["LEAD_CONVERSATION"],
  lead: Pick<Lead, "id" | "conversationKey" | "phoneE164" | "bsuid">,
  request: ActionRequest,
  correlationId: string,
): Promise<ActionOutcome> {
  const conversation = conversationKeyOf(lead);
  const item = {
    type: "artist.action",
    eventId: request.eventId,
    phone: conversation,
    leadId: lead.id,
    action: request.action,
    reason: KEEPS_REASON.includes(request.action) ? request.reason : null,
    amountMinor: request.action === "refund" ? (request.amountMinor ?? null) : null,
    via: request.via,
    tokenHash: request.tokenHash ?? null,
    rejectReason: request.action === "reject" ? (request.rejectReason ?? null) : null,
    fate: request.action === "override_deposit" ? (request.fate ?? null) : null,
  } as const;
  return retryObjectReset(async (): Promise<ActionOutcome> => await namespace.getByName(conversation).act(item, correlationId));
}
