/**
 * Holds and bookings as data (src/domain/booking.ts): every ordering of payment, Stripe's expiry
 * and the hold's alarm ends with the slot confirmed for the payer, released once, or the deposit
 * kept as credit when another client took the slot — never two confirmations for one payment and
 * never a paid hold released.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyStep,
  blockedTime,
  BookingStatus,
  holdExpiresAt,
  HOLD_GRACE_MS,
  onCheckoutExpired,
  onHoldDue,
  onPaid,
  STRIPE_MIN_LINK_MS,
  type BookingState,
  type CheckoutStanding,
} from "../../src/domain/booking.ts";

const T = new Date("2027-03-01T10:00:00Z");
const held = (expiresInMs = 60 * 60_000): BookingState => ({ status: BookingStatus.HELD, holdExpiresAt: new Date(T.getTime() + expiresInMs) });

describe("bookings: the time a session blocks, the hold's life", () => {
  it("blocks the session and the buffer after it; refuses a slot that ends before it starts or a bad buffer", () => {
    const slot = { start: new Date("2027-03-01T10:00:00Z"), end: new Date("2027-03-01T13:00:00Z") };
    expect(blockedTime(slot, 30)).toEqual({ startsAt: slot.start, endsAt: slot.end, blockedUntil: new Date("2027-03-01T13:30:00Z") });
    expect(() => blockedTime({ start: slot.end, end: slot.start }, 0)).toThrow(RangeError);
    expect(() => blockedTime(slot, -5)).toThrow(RangeError);
    expect(() => blockedTime(slot, 1.5)).toThrow(RangeError);
  });

  it("a hold lasts as long as the deposit link plus the grace, and the link never less than Stripe's 30 minutes", () => {
    const { linkExpiresAt, holdExpiresAt: until } = holdExpiresAt(T);
    expect(linkExpiresAt.getTime() - T.getTime()).toBe(60 * 60_000);
    expect(until.getTime() - linkExpiresAt.getTime()).toBe(HOLD_GRACE_MS);
    const short = holdExpiresAt(T, 5 * 60_000, 0);
    expect(short.linkExpiresAt.getTime() - T.getTime()).toBe(STRIPE_MIN_LINK_MS);
    expect(short.holdExpiresAt).toEqual(short.linkExpiresAt);
  });
});

describe("bookings: payment and hold orderings", () => {
  it("paid while held → confirmed; paid again → nothing more", () => {
    const step = onPaid(held());
    expect(step).toEqual({ kind: "confirm" });
    const after = applyStep(held(), step, true);
    expect(after.status).toBe(BookingStatus.CONFIRMED);
    expect(onPaid(after)).toEqual({ kind: "none", why: "already_confirmed" });
  });

  it("the hold's time up with Stripe complete → confirmed, not released (the payment's webhook is late)", () => {
    expect(onHoldDue(held(-1), T, "complete")).toEqual({ kind: "confirm" });
  });

  it("the hold's time up with the link still open → the link is expired first, then the hold released", () => {
    expect(onHoldDue(held(-1), T, "open")).toEqual({ kind: "release", expireCheckout: true });
    expect(onHoldDue(held(-1), T, "expired")).toEqual({ kind: "release", expireCheckout: false });
    // Not yet time, link open: nothing.
    expect(onHoldDue(held(10_000), T, "open")).toEqual({ kind: "none", why: "not_due" });
  });

  it("the expiry webhook and the alarm both arriving → released once", () => {
    const first = onCheckoutExpired(held());
    expect(first).toEqual({ kind: "release", expireCheckout: false });
    const released = applyStep(held(), first, true);
    expect(onHoldDue(released, T, "expired")).toEqual({ kind: "none", why: "already_released" });
    expect(onCheckoutExpired(released)).toEqual({ kind: "none", why: "already_released" });
  });

  it("paid after the hold was released → retake: confirmed when the slot is free, kept as credit when it is taken", () => {
    const released: BookingState = { status: BookingStatus.RELEASED, holdExpiresAt: T };
    expect(onPaid(released)).toEqual({ kind: "retake" });
    expect(applyStep(released, { kind: "retake" }, true).status).toBe(BookingStatus.CONFIRMED);
    expect(applyStep(released, { kind: "retake" }, false).status).toBe(BookingStatus.RELEASED);
    // The alarm meeting a released hold whose session turned out complete also retakes.
    expect(onHoldDue(released, T, "complete")).toEqual({ kind: "retake" });
  });

  it("a cancelled booking is never brought back by a late event", () => {
    const cancelled: BookingState = { status: BookingStatus.CANCELLED, holdExpiresAt: null };
    expect(onPaid(cancelled).kind).toBe("none");
    expect(onHoldDue(cancelled, T, "complete").kind).toBe("none");
    expect(onCheckoutExpired(cancelled).kind).toBe("none");
  });
});

type Event = { kind: "paid" } | { kind: "expired_webhook" } | { kind: "alarm"; stripe: CheckoutStanding; atMs: number };
const event: fc.Arbitrary<Event> = fc.oneof(
  fc.constant({ kind: "paid" as const }),
  fc.constant({ kind: "expired_webhook" as const }),
  fc.record({ kind: fc.constant("alarm" as const), stripe: fc.constantFrom<CheckoutStanding>("open", "complete", "expired"), atMs: fc.integer({ min: 0, max: 3 * 60 * 60_000 }) }),
);

describe("bookings: properties over every ordering", () => {
  it("a paid hold ends confirmed (or as credit when another took the slot); it is never released after the payment; each release happens once", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.boolean(), (events, slotStaysFree) => {
        let booking = held();
        let paid = false;
        let releases = 0;
        let confirmations = 0;
        for (const e of events) {
          // Stripe's view is consistent with what happened: once paid, the session is complete.
          const step =
            e.kind === "paid"
              ? onPaid(booking)
              : e.kind === "expired_webhook"
                ? paid
                  ? { kind: "none" as const, why: "already_confirmed" as const }
                  : onCheckoutExpired(booking)
                : onHoldDue(booking, new Date(T.getTime() + e.atMs), paid ? "complete" : e.stripe === "complete" ? "expired" : e.stripe);
          if (e.kind === "paid") paid = true;
          const before = booking.status;
          booking = applyStep(booking, step, slotStaysFree);
          if (before !== BookingStatus.RELEASED && booking.status === BookingStatus.RELEASED) releases++;
          if (before !== BookingStatus.CONFIRMED && booking.status === BookingStatus.CONFIRMED) confirmations++;
          if (paid && before === BookingStatus.CONFIRMED) expect(booking.status).toBe(BookingStatus.CONFIRMED);
        }
        expect(releases).toBeLessThanOrEqual(1);
        expect(confirmations).toBeLessThanOrEqual(1);
        if (paid) {
          // Paid: confirmed, unless the hold had been released and the slot was taken (credit).
          expect(booking.status === BookingStatus.CONFIRMED || (!slotStaysFree && booking.status === BookingStatus.RELEASED)).toBe(true);
        } else {
          expect(booking.status).not.toBe(BookingStatus.CONFIRMED);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
