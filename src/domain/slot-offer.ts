/**
 * The booking step's data on the lead: the slots last offered to the client (`leads.slot_offer`)
 * and the slot they hold or booked (`leads.held_slot`), as jsonb read back through zod. Pure.
 *
 * An offer has its own id (random, from the decision's nonce): a list reply is a choice only when
 * its row id names this offer, so a tap on an old list, or an id nobody sent, is read as text.
 */
import { z } from "zod";

/** One offered slot: instants as ISO strings, the label the client saw. */
export const OfferedSlot = z.object({
  id: z.string().min(1),
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  label: z.string(),
});
export type OfferedSlot = z.infer<typeof OfferedSlot>;

/**
 * A freed slot offered to one waiting client (freed-slots.ts): the `slot_offers` row it answers,
 * the status the client goes back to when they pass (or lose the race), and the offer's deadline.
 */
export const FreedOffer = z.object({
  rowId: z.uuid(),
  returnTo: z.enum(["COLLECTING_TIME_WINDOWS", "WAITLISTED"]),
  deadline: z.iso.datetime(),
});
export type FreedOffer = z.infer<typeof FreedOffer>;

export const SlotOffer = z.object({
  /** The offer's own id: every row id of its list starts with it. */
  id: z.string().min(1),
  offeredAt: z.iso.datetime(),
  slots: z.array(OfferedSlot).min(1).max(10),
  /** The zone the labels are written in (the artist's). */
  timeZone: z.string().min(1),
  /** Present when this is a freed slot offered with "Yes, book it" / "No thanks" (one slot). */
  freed: FreedOffer.optional(),
  /** A reschedule of the lead's confirmed booking (the lead stays BOOKED while choosing). */
  moving: z.boolean().optional(),
  /**
   * What the studio's policy does with the deposit when this move goes through (absent: it moves
   * with the booking). Credit is used on the new time at once; forfeit and refund mean the new time
   * needs a new deposit (engine/move-settlement.ts).
   */
  moveFate: z.enum(["move", "credit", "forfeit", "refund"]).optional(),
});
export type SlotOffer = z.infer<typeof SlotOffer>;

/** The slot the lead holds (while paying) or booked: the booking row's id and its time. */
export const HeldSlot = z.object({
  bookingId: z.string().min(1),
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  label: z.string(),
  /** How often this booking has been moved (the studio's free reschedules count these). */
  moves: z.number().int().min(0).optional(),
});
export type HeldSlot = z.infer<typeof HeldSlot>;

/** leads.slot_offer, or null when there is none (or it does not read: a fresh offer is better than a wrong one). */
export function readSlotOffer(value: unknown): SlotOffer | null {
  const parsed = SlotOffer.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** leads.held_slot, or null. */
export function readHeldSlot(value: unknown): HeldSlot | null {
  const parsed = HeldSlot.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The list row id of slot `index` (0-based) of offer `offerId`, and of its "none of these" row. */
export const slotRowId = (offerId: string, index: number) => `slot:${offerId}:${index + 1}`;
export const noneRowId = (offerId: string) => `slot:${offerId}:none`;

/** What a list reply id names in `offer`: a slot's index, "none", or nothing (an id we never sent now). */
export function readRowId(offer: SlotOffer | null, replyId: string | null): { kind: "slot"; index: number } | { kind: "none" } | null {
  if (offer === null || replyId === null) return null;
  if (replyId === noneRowId(offer.id)) return { kind: "none" };
  const index = offer.slots.findIndex((_, i) => slotRowId(offer.id, i) === replyId);
  return index === -1 ? null : { kind: "slot", index };
}
