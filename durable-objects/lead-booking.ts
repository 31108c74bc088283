/**
 * The booking step's calls from a lead's object to its artist's calendar object (ArtistCalendar),
 * made around the engine's pure decisions (src/domain/engine/booking.ts):
 *
 * - before deciding, the calendar view (rules and busy time) when the decision may offer slots;
 * - after deciding, the hold the decision asks for: held, the decision gets the booking's id and a
 *   deposit link that ends with the hold; refused, the decision is made again with the refusal
 *   (and the nearest alternatives), so the client hears "that one has just gone";
 * - before a payment event is decided, what the calendar makes of it: the held slot confirmed (or,
 *   paid after the hold lapsed and the time taken since, "slot taken": kept as credit), or released
 *   when Stripe expired the link.
 *
 * Every call here happens before the lead's decision commits. A retried step makes them again:
 * a hold replaces the lead's own earlier hold, confirming and releasing are idempotent.
 */
import type { DatabaseHandle } from "../src/db/client.ts";
import { calendarConfigured, type AppConfig } from "../src/config.ts";
import { currentPolicy, defaultArtist } from "../src/db/artists-store.ts";
import { readConsent } from "../src/domain/consent.ts";
import type { StudioPolicy } from "../src/domain/studio-policy.ts";
import type { PaymentEvent } from "../src/domain/deposit.ts";
import { HOLD_PENDING, withHold } from "../src/domain/engine/booking.ts";
import type { BookingConfig, CalendarView, Decision, HoldRefusal, LeadState } from "../src/domain/engine/types.ts";
import { LeadStatus } from "../src/domain/lead-status.ts";
import { getOffer } from "../src/db/slot-offer-store.ts";
import { offerLapsed } from "../src/domain/freed-slots.ts";
import { artistCalendar } from "./artist-calendar.ts";

/** Statuses whose client messages may be answered with an offer (the calendar is read first). */
const OFFERING: readonly LeadStatus[] = [LeadStatus.COLLECTING_TIME_WINDOWS, LeadStatus.DEPOSIT_EXPIRED, LeadStatus.CHOOSING_SLOT, LeadStatus.BOOKED];

export class LeadBooking {
  private artist: { id: string; timeZone: string } | null = null;
  private readonly env: Pick<Env, "ARTIST_CALENDAR">;
  private readonly config: AppConfig;
  private readonly handle: () => DatabaseHandle;

  constructor(env: Pick<Env, "ARTIST_CALENDAR">, config: AppConfig, handle: () => DatabaseHandle) {
    this.env = env;
    this.config = config;
    this.handle = handle;
  }

  /** Whether leads book through the calendar (FEATURE_CALENDAR on and Google configured). */
  get enabled(): boolean {
    return calendarConfigured(this.config);
  }

  private async artistOf(): Promise<{ id: string; timeZone: string }> {
    if (!this.artist) {
      const artist = await defaultArtist(this.handle().db, this.config);
      this.artist = { id: artist.id, timeZone: artist.availability.timeZone };
    }
    return this.artist;
  }

  /**
   * The artist's studio policy (issue 18) as it stands at `nowMs`: read again after a few seconds
   * (artists-store.ts), so a policy the artist saves applies to the next decision of a lead whose
   * object was already loaded, never only to objects loaded after the save.
   */
  async policy(nowMs: number): Promise<StudioPolicy> {
    return currentPolicy(this.handle().db, (await this.artistOf()).id, nowMs);
  }

  private calendar(artistId: string) {
    return artistCalendar(this.env, artistId);
  }

  /** The booking settings for a decision, with the calendar view when `withView`; undefined when booking is off. */
  async settings(now: Date, withView: boolean): Promise<BookingConfig | undefined> {
    if (!this.enabled) return undefined;
    const artist = await this.artistOf();
    const base: BookingConfig = {
      timeZone: artist.timeZone,
      offerCount: this.config.BOOKING_OFFER_COUNT,
      holdLinkMs: this.config.BOOKING_HOLD_MINUTES * 60_000,
      studioAddress: this.config.STUDIO_ADDRESS ?? null,
    };
    if (!withView) return base;
    return { ...base, view: await this.view(artist.id, now) };
  }

  private async view(artistId: string, now: Date): Promise<CalendarView | null> {
    const view = await this.calendar(artistId).view(now);
    return view === null ? null : { rules: view.rules, busy: view.busy };
  }

  /**
   * Settings for a client message: the view only where the answer may be an offer (the consent
   * step's last answer may carry on into one, engine/consent.ts; a booked client may ask to move,
   * booking-change.ts); for the answer to a freed-slot offer, whether its `slot_offers` row is
   * still open (checked at accept).
   */
  async forMessage(lead: LeadState, now: Date): Promise<BookingConfig | undefined> {
    const agreeing = lead.status === LeadStatus.CHECKING_CONSENT && readConsent(lead.consent)?.step === "policy";
    const choosing = (lead.status === LeadStatus.CHOOSING_SLOT || lead.status === LeadStatus.BOOKED) && lead.slotOffer;
    const offering = agreeing || (OFFERING.includes(lead.status) && !choosing);
    const settings = await this.settings(now, offering);
    const freed = lead.status === LeadStatus.CHOOSING_SLOT ? lead.slotOffer?.freed : undefined;
    if (!settings || !freed) return settings;
    const row = await getOffer(this.handle().db, freed.rowId);
    return { ...settings, freedOpen: row !== null && row.outcome === "OFFERED" && row.leadId === lead.id && !offerLapsed(row.deadline, now) };
  }

  /**
   * Holds what `decision` asks for (nothing to do without `decision.hold`). Held: the decision
   * completed with the booking. Refused: `redo` makes the decision again with the refusal.
   */
  async hold(decision: Decision, lead: LeadState, now: Date, redo: (refused: HoldRefusal) => Decision): Promise<Decision> {
    const intent = decision.hold;
    if (!intent || !lead.size) return decision;
    const artist = await this.artistOf();
    const stub = this.calendar(artist.id);
    if (intent.moveBookingId !== undefined) {
      // A reschedule (booking-change.ts): the confirmed booking moves; its deposit and event go with it.
      const moved = await stub.move({ bookingId: intent.moveBookingId, start: intent.start, end: intent.end, now });
      if (moved.ok) return decision;
      const reason = moved.reason === "calendar_unavailable" || moved.reason === "calendar_busy" ? moved.reason : "slot_taken";
      return redo({ reason, alternatives: [] });
    }
    // A move needing a new deposit gives up the confirmed booking in the hold's own transaction.
    const cancels = decision.cancelBooking?.bookingId;
    const answer = await stub.hold({ leadId: lead.id, start: intent.start, end: intent.end, size: lead.size, now, linkMs: this.config.BOOKING_HOLD_MINUTES * 60_000, ...(cancels ? { cancels } : {}) });
    if (!answer.ok) return redo({ reason: answer.reason, alternatives: answer.alternatives });
    if (intent.confirm) {
      // Paid before (kept as credit): the hold is confirmed at once, and the event written.
      const step = await stub.paid(answer.bookingId, now);
      if (step.outcome !== "confirmed") return redo({ reason: "slot_taken", alternatives: [] });
    }
    return withHold(decision, { bookingId: answer.bookingId, linkExpiresAt: answer.linkExpiresAt });
  }

  /**
   * Cancels the booking a decision cancels (booking-change.ts), before it commits: CANCELLED in the
   * artist's calendar, its event deleted through the queue, its time freed. Idempotent, so a
   * retried step cancels nothing twice. With the calendar off there is no booking row to cancel.
   */
  async cancel(decision: Decision, now: Date): Promise<void> {
    const cancel = decision.cancelBooking;
    if (!cancel || !this.enabled) return;
    const answer = await this.calendar((await this.artistOf()).id).cancel(cancel.bookingId, now, cancel.reason);
    if (!answer.ok && answer.reason !== "unknown_booking") throw new Error(`calendar refused to cancel booking ${cancel.bookingId}: ${answer.reason}`);
  }

  /**
   * What the calendar makes of a payment event for the lead's held slot, before it is decided:
   * paid → the slot confirmed, or taken (with the view, for fresh slots); expired → released.
   * Undefined when the event is not about the held slot (or booking is off).
   */
  async forPayment(event: PaymentEvent, lead: LeadState, now: Date): Promise<BookingConfig | undefined> {
    const settings = await this.settings(now, false);
    const held = lead.heldSlot ?? null;
    const payment = lead.payment;
    if (!settings || held === null || held.bookingId === HOLD_PENDING || !payment || !("sessionId" in event)) return settings;
    if (event.sessionId !== payment.sessionId || payment.paidAt !== null) return settings;
    const stub = this.calendar((await this.artistOf()).id);
    if (event.type === "checkout_expired") {
      await stub.checkoutExpired(held.bookingId, now);
      return settings;
    }
    const paid = (event.type === "checkout_completed" || event.type === "async_payment_succeeded") && event.paymentStatus === "paid";
    if (!paid) return settings;
    const step = await stub.paid(held.bookingId, now);
    if (step.outcome === "confirmed") return { ...settings, paidOutcome: "confirmed" };
    if (step.outcome === "slot_taken") return { ...settings, paidOutcome: "slot_taken", view: await this.view((await this.artistOf()).id, now) };
    return settings;
  }
}
