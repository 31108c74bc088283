/**
 * The booking step in the engine: offering free slots from the artist's calendar, reading the
 * client's choice, holding it while the deposit is paid, and what the payment (or its expiry)
 * does to the held slot. Pure: the lead's object reads the calendar before deciding
 * (`config.booking.view`), holds the chosen slot in the artist's calendar object when a decision
 * asks for it (`decision.hold`), and makes the decision again with the refusal when the slot has
 * gone (`config.booking.holdRefused`).
 *
 * Off unless `config.booking` is given (the calendar is on), the deposit can be taken online and
 * the lead has a quoted deposit and a size: otherwise the artist books by hand, as before.
 */
import { ActionRefusal, ArtistAction } from "../artist-actions.ts";
import { addToCalendarUrl } from "../add-to-calendar.ts";
import type { CopyKey } from "../copy.ts";
import type { LedgerEntry } from "../deposit.ts";
import type { DepositFate } from "../studio-policy.ts";
import { formatMoney } from "../format.ts";
import { clientWindowsFrom, FLEXIBLE, findSlots, slotLabel, type ClientWindows, type Interval } from "../gap-search.ts";
import { LeadStatus } from "../lead-status.ts";
import type { InboundMessage } from "../messages.ts";
import { parseSlotChoice, parseTimeWindows } from "../parsing/index.ts";
import { noneRowId, readRowId, slotRowId, type HeldSlot, type OfferedSlot, type SlotOffer } from "../slot-offer.ts";
import { type DecisionBuilder } from "./builder.ts";
import { paymentOf, sendDepositLink } from "./deposit.ts";
import { handOver } from "./handover.ts";
import { moveFateSentence, rebookWithNewDeposit, settleMoveFate } from "./move-settlement.ts";
import { clientTemplate, firstName, windowOpen } from "./timers.ts";
import { HandoverReason } from "./triggers.ts";
import { ENGINE_DEFAULTS, type BookingConfig, type Decision } from "./types.ts";

const S = LeadStatus;
/** A WhatsApp list holds 10 rows; one is "none of these". */
export const MAX_OFFERED = 9;
/** Failure counters (leads.failure_counts) of the two booking questions. */
const CHOICE_KEY = "slot_choice";
const WINDOWS_KEY = "time_windows";
/** Stands for the booking's id until the artist's calendar object has held the slot (withHold). */
export const HOLD_PENDING = "hold-pending";
/** WhatsApp's limits on a list row. */
const ROW_TITLE = 24;
const ROW_DESCRIPTION = 72;

/** The booking settings when this lead books through the calendar; null when the artist books by hand. */
export function bookingOf(b: DecisionBuilder): BookingConfig | null {
  const booking = b.config.booking;
  if (!booking || !b.config.payments || !b.lead.deposit || !b.lead.size) return null;
  return booking;
}

/** The client's windows: the newest timing answer (this decision's first). */
function clientWindows(b: DecisionBuilder): ClientWindows {
  const fresh = b.decision.answers.findLast((a) => a.questionKey === "timing");
  if (fresh) return clientWindowsFrom(fresh.value);
  const stored = b.lead.recentAnswers.findLast((a) => a.questionKey === "timing");
  return stored ? clientWindowsFrom(stored.value) : FLEXIBLE;
}

const fmtLabel = (slot: Interval, zone: string) => {
  const label = slotLabel(slot, zone);
  return `${label.day}, ${label.time}`;
};

/** The offer's slots with their labels and row ids. */
function offered(offerId: string, slots: readonly Interval[], zone: string): OfferedSlot[] {
  return slots.map((s, i) => ({ id: slotRowId(offerId, i), start: s.start.toISOString(), end: s.end.toISOString(), label: fmtLabel(s, zone) }));
}

/**
 * Sends `slots` as a WhatsApp list (numbered in the body too, so "2" works without opening it),
 * with a "none of these" row; the lead chooses next (CHOOSING_SLOT).
 */
function sendOffer(b: DecisionBuilder, booking: BookingConfig, slots: readonly Interval[], copyKey: CopyKey, why: string, fate?: DepositFate): void {
  const nonce = b.config.slotNonce;
  if (!nonce) throw new Error("engine bug: an offer was made without config.slotNonce");
  const offerId = nonce.slice(0, 12);
  const zone = booking.timeZone;
  const list = offered(offerId, slots.slice(0, Math.min(booking.offerCount, MAX_OFFERED)), zone);
  // A booked client moving their session stays BOOKED while choosing (engine/booking-change.ts).
  const moving = b.currentStatus === S.BOOKED;
  // What the policy does to the deposit on this move: given when the move is offered, kept on later offers of it.
  const moveFate = moving ? (fate ?? b.lead.slotOffer?.moveFate) : undefined;
  const offer: SlotOffer = { id: offerId, offeredAt: b.now.toISOString(), slots: list, timeZone: zone, ...(moving ? { moving } : {}), ...(moveFate && moveFate !== "move" ? { moveFate } : {}) };
  const lines = list.map((s, i) => `${i + 1}. ${s.label}`).join("\n");
  const rows = list.map((s, i) => {
    const label = slotLabel({ start: new Date(s.start), end: new Date(s.end) }, zone);
    const title = `${label.day}, ${label.time.split("–")[0] ?? ""}`;
    return {
      id: s.id,
      title: (title.length <= ROW_TITLE ? title : label.day).slice(0, ROW_TITLE),
      description: b.render("booking.offer.row_description", { number: i + 1, time: label.time, zone }).slice(0, ROW_DESCRIPTION),
    };
  });
  rows.push({ id: noneRowId(offerId), title: b.render("booking.offer.none_row").slice(0, ROW_TITLE), description: b.render("booking.offer.none_description").slice(0, ROW_DESCRIPTION) });
  const withFate = moving && moveFate !== undefined && moveFate !== "move";
  const key: CopyKey = moving ? (withFate ? "booking.move_offer_fate.client" : "booking.move_offer.client") : copyKey;
  const body = b.render(key, { zone, slots: lines, count: list.length, fate: moveFateSentence(b, moveFate) });
  b.pushMessage({ to: "client", kind: "list", body, buttonLabel: b.render("booking.offer.button"), rows, copyKey: key });
  if (!moving && b.currentStatus !== S.CHOOSING_SLOT) b.moveTo(S.CHOOSING_SLOT, `slots offered (${why})`);
  b.decision.patch.slotOffer = offer;
  b.decision.patch.failureCounts = { ...b.failureCounts, [CHOICE_KEY]: 0 };
  b.event("booking.slots_offered", { why, count: list.length, offer_id: offerId, first: list[0]?.start ?? null, time_zone: zone });
}

/** Nothing free fits: the client is asked which times suit them, the artist told (with a link to offer times later). */
function noSlots(b: DecisionBuilder, clientKey: CopyKey, artistKey: CopyKey, why: string, extra: Record<string, string> = {}): void {
  const booked = b.lead.heldSlot ?? null;
  if (b.currentStatus === S.BOOKED && booked !== null) {
    // A move with nothing free: the booking stands, the artist gets in touch.
    b.decision.patch.slotOffer = null;
    b.say("booking.move_none.client", { slot: booked.label });
    b.tellArtist("booking.move_none.artist", { clientName: b.lead.displayName ?? b.renderArtist("handover.unknown_name"), phone: b.clientContact(), slot: booked.label });
    b.event("booking.no_slots", { why, moving: true });
    return;
  }
  if (b.currentStatus !== S.COLLECTING_TIME_WINDOWS) b.moveTo(S.COLLECTING_TIME_WINDOWS, `no slot offered (${why})`);
  b.decision.patch.slotOffer = null;
  b.decision.patch.failureCounts = { ...b.failureCounts, [WINDOWS_KEY]: 0 };
  b.say(clientKey);
  tellArtistWithOfferLink(b, artistKey, extra);
  b.event("booking.no_slots", { why });
}

function tellArtistWithOfferLink(b: DecisionBuilder, artistKey: CopyKey, extra: Record<string, string> = {}): void {
  const clientName = b.lead.displayName ?? b.renderArtist("handover.unknown_name");
  const notice = b.renderArtist(artistKey, { clientName, phone: b.clientContact(), ...extra });
  b.artistNotice(artistKey, notice, clientName, [ArtistAction.OFFER_SLOTS]);
}

/**
 * Offers free slots from the calendar view: in the client's windows, else (`fallBack`) the nearest
 * at any time, said so. Nothing at all (or no view) → the client's windows are collected instead.
 */
export function offerSlots(b: DecisionBuilder, booking: BookingConfig, why: string, moveFate?: DepositFate): void {
  const view = booking.view ?? null;
  const size = b.lead.size;
  if (view === null || !size) {
    noSlots(b, view === null ? "booking.calendar_unavailable_later.client" : "booking.no_slots.client", "booking.no_slots.artist", why);
    return;
  }
  const search = (windows: ClientWindows) => findSlots({ rules: view.rules, busy: view.busy, windows, size, now: b.now, count: Math.min(booking.offerCount, MAX_OFFERED) });
  const windows = clientWindows(b);
  const inWindows = search(windows);
  if (inWindows.length > 0) {
    sendOffer(b, booking, inWindows, "booking.offer.client", why, moveFate);
    return;
  }
  const anyTime = windows.flexible ? [] : search(FLEXIBLE);
  if (anyTime.length > 0) {
    sendOffer(b, booking, anyTime, "booking.offer_outside_windows.client", why, moveFate);
    return;
  }
  noSlots(b, "booking.no_slots.client", "booking.no_slots.artist", why);
}

/** The artist approved: with the calendar on, the client is offered free slots straight away. */
export function approveWithSlots(b: DecisionBuilder, booking: BookingConfig, via: string): void {
  b.decision.patch.approvedAt = b.now;
  b.say("action.approve_booking.client");
  b.event("artist.approved", { via, booking: "calendar" });
  offerSlots(b, booking, "approval");
}

/** The artist's "offer slots" (after "none of these", or when they know time has opened up). */
export function offerSlotsAction(b: DecisionBuilder): ActionRefusal | null {
  const booking = bookingOf(b);
  if (!booking) return ActionRefusal.CALENDAR_OFF;
  offerSlots(b, booking, "artist");
  return null;
}

/** The choice failed to read: a polite repair with the numbers, then the artist after too many. */
function repairChoice(b: DecisionBuilder, offer: SlotOffer, reason: string, message: InboundMessage): void {
  const failures = (b.failureCounts[CHOICE_KEY] ?? 0) + 1;
  b.decision.patch.failureCounts = { ...b.failureCounts, [CHOICE_KEY]: failures };
  b.event("booking.choice_unclear", { reason, failures, offer_id: offer.id });
  if (failures >= (b.config.maxFieldFailures ?? ENGINE_DEFAULTS.maxFieldFailures)) {
    handOver(b, HandoverReason.REPEATED_FAILURES, message);
    return;
  }
  b.say("booking.choice_repair.client", { count: offer.slots.length, slots: offer.slots.map((s, i) => `${i + 1}. ${s.label}`).join("\n") });
}

/** "None of these": their windows are collected, the artist told. */
function noneSuit(b: DecisionBuilder): void {
  b.event("booking.none_suit", { offer_id: b.lead.slotOffer?.id ?? null });
  noSlots(b, "booking.none.client", "booking.none.artist", "none_suit");
}

/** A reply while choosing: a tapped row of this offer, or text read against it. */
export function answerSlotChoice(b: DecisionBuilder, message: InboundMessage): void {
  const booking = bookingOf(b);
  const offer = b.lead.slotOffer ?? null;
  if (!booking) {
    b.event("message.no_step", { status: b.currentStatus, message_id: message.id, booking: "off" });
    return;
  }
  if (offer === null) {
    offerSlots(b, booking, "offer_missing");
    return;
  }
  const refused = booking.holdRefused;
  if (refused) {
    slotRefused(b, booking, refused);
    return;
  }
  const row = readRowId(offer, message.replyId);
  if (message.replyId !== null && row === null) b.event("booking.unknown_row", { reply_id: message.replyId.slice(0, 80), offer_id: offer.id });
  if (row?.kind === "none") return noneSuit(b);
  if (row?.kind === "slot") return choose(b, booking, offer, row.index);
  const text = message.text ?? "";
  const picked = parseSlotChoice(text, offer.slots, offer.timeZone);
  if (picked.ok) return choose(b, booking, offer, picked.value.index);
  if (picked.reason === "none_suit") return noneSuit(b);
  repairChoice(b, offer, picked.reason, message);
}

/** The client chose slot `index`: hold it (the object does), with the deposit link for it or, paid already, booked. */
export function choose(b: DecisionBuilder, booking: BookingConfig, offer: SlotOffer, index: number): void {
  const slot = offer.slots[index];
  if (!slot) throw new Error(`engine bug: slot ${index} of offer ${offer.id} does not exist`);
  const booked = b.lead.heldSlot ?? null;
  if (offer.moving === true && booked !== null && booked.bookingId !== HOLD_PENDING) {
    const fate = offer.moveFate ?? "move";
    const settlement = settleMoveFate(b, booked, fate);
    if (settlement.newDeposit) rebookWithNewDeposit(b, booking, booked, slot, fate, settlement);
    else moveChosen(b, booking, booked, slot);
    return;
  }
  const start = new Date(slot.start);
  const end = new Date(slot.end);
  const paid = paymentOf(b.lead).paidAt !== null;
  b.decision.hold = { start, end, label: slot.label, confirm: paid };
  b.decision.patch.heldSlot = { bookingId: HOLD_PENDING, start: slot.start, end: slot.end, label: slot.label };
  b.decision.patch.slotOffer = null;
  b.event("booking.slot_chosen", { offer_id: offer.id, index, start: slot.start, paid_before: paid });
  if (paid) {
    b.moveTo(S.BOOKED, "client chose a slot; deposit paid before");
    b.decision.patch.bookedAt = b.now;
    confirmBooking(b, booking, { start: slot.start, end: slot.end, label: slot.label, bookingId: HOLD_PENDING });
    return;
  }
  const refused = sendDepositLink(b, "slot", { slot: slot.label, ttlMs: booking.holdLinkMs, timeZone: booking.timeZone });
  if (refused !== null) throw new Error(`engine bug: booking on but the deposit link was refused (${refused})`);
}

/**
 * A booked client chose the new time for their session: the calendar object moves the booking
 * (same row, same event, patched) before this commits; the deposit moves with it (no new payment).
 */
function moveChosen(b: DecisionBuilder, booking: BookingConfig, booked: HeldSlot, slot: OfferedSlot): void {
  const start = new Date(slot.start);
  const end = new Date(slot.end);
  b.decision.hold = { start, end, label: slot.label, confirm: true, moveBookingId: booked.bookingId };
  b.decision.patch.heldSlot = { bookingId: booked.bookingId, start: slot.start, end: slot.end, label: slot.label, moves: (booked.moves ?? 0) + 1 };
  b.decision.patch.slotOffer = null;
  const when = fmtLabel({ start, end }, booking.timeZone);
  b.say("booking.moved.client", { when, zone: booking.timeZone });
  b.tellArtist("booking.moved.artist", { clientName: b.lead.displayName ?? b.renderArtist("handover.unknown_name"), phone: b.clientContact(), from: booked.label, when, zone: booking.timeZone });
  b.event("booking.moved", { booking_id: booked.bookingId, from: booked.start, to: slot.start, moves: (booked.moves ?? 0) + 1 });
}

/** The hold was refused: the nearest free slots instead, or "try again shortly" when the calendar could not answer. */
function slotRefused(b: DecisionBuilder, booking: BookingConfig, refused: NonNullable<BookingConfig["holdRefused"]>): void {
  b.event("booking.hold_refused", { reason: refused.reason }, refused.reason === "calendar_unavailable" ? "warn" : "info");
  if (refused.reason === "calendar_unavailable" || refused.reason === "unknown_artist") {
    b.say("booking.calendar_unavailable.client");
    return;
  }
  if (refused.alternatives.length === 0) {
    noSlots(b, "booking.slot_gone_none.client", "booking.no_slots.artist", "slot_gone");
    return;
  }
  sendOffer(b, booking, refused.alternatives, "booking.slot_gone.client", "slot_gone");
}

/** The client tells us which times suit (after "none of these", or when nothing was free). */
export function answerTimeWindows(b: DecisionBuilder, message: InboundMessage): void {
  const booking = bookingOf(b);
  if (!booking) {
    b.event("message.no_step", { status: b.currentStatus, message_id: message.id });
    return;
  }
  const text = message.text ?? "";
  const parsed = parseTimeWindows(text, b.now, { timeZone: booking.timeZone });
  if (!parsed.ok) {
    const failures = (b.failureCounts[WINDOWS_KEY] ?? 0) + 1;
    b.decision.patch.failureCounts = { ...b.failureCounts, [WINDOWS_KEY]: failures };
    b.event("booking.windows_unclear", { reason: parsed.reason, failures });
    if (failures >= (b.config.maxFieldFailures ?? ENGINE_DEFAULTS.maxFieldFailures)) handOver(b, HandoverReason.REPEATED_FAILURES, message);
    else b.say("booking.windows_repair.client");
    return;
  }
  b.answer({ questionKey: "timing", rawText: text, value: parsed.value, sourceMessageId: message.id });
  b.event("booking.windows_given", { windows: parsed.value.windows.length, flexible: parsed.value.flexible });
  if (booking.view === null || booking.view === undefined) {
    b.say("booking.calendar_unavailable.client");
    return;
  }
  const size = b.lead.size;
  const slots = size ? findSlots({ rules: booking.view.rules, busy: booking.view.busy, windows: parsed.value, size, now: b.now, count: Math.min(booking.offerCount, MAX_OFFERED) }) : [];
  if (slots.length > 0) {
    sendOffer(b, booking, slots, "booking.offer_windows.client", "windows");
    return;
  }
  b.say("booking.windows_noted.client");
  tellArtistWithOfferLink(b, "booking.windows.artist", { windows: text.slice(0, 200) });
}

/** The hold lapsed with its link: after the client's next reply, fresh slots. */
export function reofferAfterExpiry(b: DecisionBuilder, booking: BookingConfig): void {
  offerSlots(b, booking, "expired");
}

/** The confirmation: date, time, where, what to bring, an add-to-calendar link; the artist told. */
function confirmBooking(b: DecisionBuilder, booking: BookingConfig, held: HeldSlot): void {
  const start = new Date(held.start);
  const end = new Date(held.end);
  const when = fmtLabel({ start, end }, booking.timeZone);
  const title = b.render("booking.calendar_title");
  const calendarUrl = addToCalendarUrl({ title, start, end, location: booking.studioAddress });
  const address = booking.studioAddress === null ? "" : b.render("booking.address_line", { address: booking.studioAddress });
  if (windowOpen(b) || b.lead.serviceWindowEndsAt === undefined) {
    b.say("booking.confirmed.client", { when, zone: booking.timeZone, address, bring: b.render("booking.bring"), calendarUrl, policy: b.render("deposit.policy") });
  } else {
    b.pushMessage(clientTemplate(b, "booking_confirmed", [firstName(b), b.config.artistName, `${when} (${booking.timeZone})`]));
  }
  const clientName = b.lead.displayName ?? b.renderArtist("handover.unknown_name");
  const deposit = b.lead.deposit;
  b.tellArtist("booking.confirmed.artist", {
    clientName,
    phone: b.clientContact(),
    when,
    zone: booking.timeZone,
    deposit: deposit ? formatMoney(deposit.amountMinor, deposit.currency, b.lead.locale) : "",
  });
  b.event("booking.confirmed", { start: held.start, end: held.end, booking_id: held.bookingId });
}

/**
 * The deposit for the held slot arrived and the artist's calendar said what became of the slot:
 * booked, or (paid after the hold lapsed, someone else holds it now) kept as credit with fresh
 * slots offered. Returns false when the payment is not about a held slot (the deposit step decides).
 */
export function paidForHeldSlot(b: DecisionBuilder, entry: LedgerEntry, amount: string): boolean {
  const booking = bookingOf(b);
  const held = b.lead.heldSlot ?? null;
  const outcome = booking?.paidOutcome;
  if (!booking || held === null || outcome === undefined) return false;
  if (outcome === "confirmed") {
    if (b.currentStatus !== S.DEPOSIT_PAID) b.moveTo(S.DEPOSIT_PAID, "deposit paid for the held slot");
    b.moveTo(S.BOOKED, "deposit paid: the held slot is booked");
    b.decision.patch.bookedAt = b.now;
    confirmBooking(b, booking, held);
    return true;
  }
  // Slot taken: the money is kept as credit (the ledger says so) and the client picks again.
  const credit: LedgerEntry = { kind: "credit", amountMinor: entry.amountMinor, currency: entry.currency, at: b.now.toISOString(), reference: held.bookingId, source: "checkout", reason: "slot_taken_after_hold_lapsed", status: "held" };
  b.decision.patch.depositLedger = [...(b.decision.patch.depositLedger ?? paymentOf(b.lead).ledger), credit];
  b.decision.patch.heldSlot = null;
  if (b.currentStatus !== S.DEPOSIT_PAID) b.moveTo(S.DEPOSIT_PAID, "deposit paid after the hold lapsed");
  const clientName = b.lead.displayName ?? b.renderArtist("handover.unknown_name");
  b.tellArtist("booking.slot_taken.artist", { clientName, phone: b.clientContact(), deposit: amount, slot: held.label });
  b.event("booking.paid_slot_taken", { booking_id: held.bookingId, amount_minor: entry.amountMinor }, "warn");
  b.say("booking.paid_slot_taken.client", { deposit: amount, slot: held.label });
  offerSlots(b, booking, "credit");
  return true;
}

/**
 * The decision with the calendar object's hold in it: the booking's id on the lead, and the
 * deposit link made to stop working when the hold's link time ends.
 */
export function withHold(decision: Decision, held: { bookingId: string; linkExpiresAt: Date }): Decision {
  const slot = decision.patch.heldSlot;
  if (!decision.hold || !slot) return decision;
  const checkout = decision.checkout ? { ...decision.checkout, expiresAtMs: held.linkExpiresAt.getTime() } : undefined;
  const events = decision.events.map((e) => (e.type === "booking.confirmed" || e.type === "booking.slot_chosen" ? { ...e, payload: { ...e.payload, booking_id: held.bookingId } } : e));
  return { ...decision, ...(checkout ? { checkout } : {}), events, patch: { ...decision.patch, heldSlot: { ...slot, bookingId: held.bookingId } } };
}
