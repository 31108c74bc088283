/**
 * Freed slots (src/domain/freed-slots.ts): who waits for a freed time, in what order, which
 * session of it each is offered, the city a slot is in, and the offer's deadline. Pure (Node),
 * with fast-check properties for the order and the slot's bounds.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { blockedTime, BOOKING_STATUSES, onCheckoutExpired, onHoldDue, onPaid, type BookingStep, type CheckoutStanding } from "../../src/domain/booking.ts";
import { cityOfSlot, matchWaiting, nextWaiting, offerDeadline, offerLapsed, sameCity, timeFreedByStep, type MatchInput, type WaitingLead } from "../../src/domain/freed-slots.ts";
import { clientWindowsFrom, findSlots, FLEXIBLE } from "../../src/domain/gap-search.ts";
import type { TourStop } from "../../src/domain/tour-schedule.ts";
import { JOB_KINDS, JobSchema } from "../../src/jobs/messages.ts";

const ZONE = "Europe/London";
const RULES = defaultAvailability(ZONE);
const NOW = new Date("2026-03-02T10:00:00Z");
const HOUR = 3_600_000;
/** Thursday 5 March 2026, 10:00–14:00 London (GMT): room for one MEDIUM or one SMALL session (plus buffer). */
const FREED = { start: new Date("2026-03-05T10:00:00Z"), end: new Date("2026-03-05T14:00:00Z") };

function waiting(id: string, overrides: Partial<WaitingLead> = {}): WaitingLead {
  return {
    id,
    status: "COLLECTING_TIME_WINDOWS",
    waitingSince: new Date("2026-02-01T00:00:00Z"),
    timing: null,
    size: { category: "SMALL" },
    hasDeposit: true,
    waitlistCity: null,
    optedOut: false,
    ...overrides,
  };
}

const input = (leads: WaitingLead[], overrides: Partial<MatchInput> = {}): MatchInput => ({ freed: FREED, rules: RULES, busy: [], now: NOW, city: "London", leads, tried: new Set(), ...overrides });

describe("who is offered a freed time", () => {
  it("the client who has waited longest first, then the next; each with a session inside the freed time", () => {
    const matches = matchWaiting(
      input([
        waiting("b", { waitingSince: new Date("2026-02-10T00:00:00Z") }),
        waiting("a", { waitingSince: new Date("2026-01-05T00:00:00Z") }),
        waiting("c", { waitingSince: new Date("2026-02-20T00:00:00Z"), status: "WAITLISTED", waitlistCity: "london" }),
      ]),
    );
    expect(matches.map((m) => m.leadId)).toEqual(["a", "b", "c"]);
    for (const m of matches) {
      expect(m.slot.start.getTime()).toBeGreaterThanOrEqual(FREED.start.getTime());
      expect(m.slot.end.getTime()).toBeLessThanOrEqual(FREED.end.getTime());
    }
    expect(matches[0]?.slot.start.toISOString()).toBe("2026-03-05T10:00:00.000Z");
  });

  it("stated windows must fit: a Saturdays-only client is not offered a Thursday, an afternoons-only client not a morning", () => {
    const saturdays = waiting("sat", { timing: { windows: [{ days: ["sat"] }], flexible: false } });
    const thursdays = waiting("thu", { timing: { windows: [{ days: ["thu"] }], flexible: false } });
    const evenings = waiting("eve", { timing: { windows: [{ partOfDay: "evening" }], flexible: false } });
    expect(matchWaiting(input([saturdays, thursdays, evenings])).map((m) => m.leadId)).toEqual(["thu"]);
  });

  it("the session must fit: a MEDIUM client fits 10:00–14:00, a LARGE one does not", () => {
    const matches = matchWaiting(input([waiting("m", { size: { category: "MEDIUM" } }), waiting("l", { size: { category: "LARGE" } })]));
    expect(matches.map((m) => m.leadId)).toEqual(["m"]);
  });

  it("waitlisted clients only for the city the slot is in (case and accents aside)", () => {
    const leads = [waiting("ldn", { status: "WAITLISTED", waitlistCity: " London " }), waiting("mcr", { status: "WAITLISTED", waitlistCity: "Manchester" }), waiting("none", { status: "WAITLISTED" })];
    expect(matchWaiting(input(leads)).map((m) => m.leadId)).toEqual(["ldn"]);
    expect(matchWaiting(input(leads, { city: null }))).toEqual([]);
    expect(sameCity("Zürich", "zurich")).toBe(true);
    expect(sameCity("", "")).toBe(false);
  });

  it("never: someone tried already, opted out, without a deposit or size, or not waiting", () => {
    const leads = [
      waiting("tried"),
      waiting("out", { optedOut: true }),
      waiting("nodeposit", { hasDeposit: false }),
      waiting("nosize", { size: null }),
      waiting("booked", { status: "BOOKED" }),
      waiting("ok"),
    ];
    expect(matchWaiting(input(leads, { tried: new Set(["tried"]) })).map((m) => m.leadId)).toEqual(["ok"]);
  });

  it("time busy meanwhile (held or booked) is never offered", () => {
    const busy = [{ start: new Date("2026-03-05T09:00:00Z"), end: new Date("2026-03-05T15:00:00Z") }];
    expect(matchWaiting(input([waiting("a")], { busy }))).toEqual([]);
  });

  it("nothing inside the notice period or past the horizon", () => {
    expect(matchWaiting(input([waiting("a")], { now: new Date("2026-03-04T12:00:00Z") }))).toEqual([]);
    expect(matchWaiting(input([waiting("a")], { now: new Date("2025-12-01T10:00:00Z") }))).toEqual([]);
  });

  const lead = fc.record({
    id: fc.uuid(),
    status: fc.constantFrom("COLLECTING_TIME_WINDOWS", "WAITLISTED", "BOOKED", "CHOOSING_SLOT"),
    waitingSince: fc.date({ min: new Date("2025-01-01T00:00:00Z"), max: new Date("2026-03-01T00:00:00Z"), noInvalidDate: true }),
    timing: fc.constantFrom(null, { windows: [{ days: ["thu"] }], flexible: false }, { windows: [{ days: ["mon"] }], flexible: false }, { windows: [], flexible: true }),
    size: fc.constantFrom({ category: "SMALL" } as const, { category: "MEDIUM" } as const, { category: "LARGE" } as const, null),
    hasDeposit: fc.boolean(),
    waitlistCity: fc.constantFrom(null, "London", "Leeds"),
    optedOut: fc.boolean(),
  });
  const busy = fc.array(
    fc.record({ startMin: fc.integer({ min: 0, max: 600 }), len: fc.integer({ min: 15, max: 240 }) }).map(({ startMin, len }) => ({
      start: new Date(FREED.start.getTime() - 2 * HOUR + startMin * 60_000),
      end: new Date(FREED.start.getTime() - 2 * HOUR + (startMin + len) * 60_000),
    })),
    { maxLength: 3 },
  );

  it("property: matches come in waiting order, each once, each eligible, each slot inside the freed time and clear of busy time (with the buffer)", () => {
    fc.assert(
      fc.property(fc.array(lead, { maxLength: 12 }), busy, (leads, busyTimes) => {
        const matches = matchWaiting(input(leads, { busy: busyTimes }));
        const byId = new Map(leads.map((l) => [l.id, l]));
        const ids = matches.map((m) => m.leadId);
        expect(new Set(ids).size).toBe(ids.length);
        for (let i = 1; i < matches.length; i++) {
          const [a, b] = [byId.get(matches[i - 1]?.leadId ?? ""), byId.get(matches[i]?.leadId ?? "")];
          if (!a || !b) throw new Error("a match names no lead");
          expect(a.waitingSince.getTime() <= b.waitingSince.getTime()).toBe(true);
        }
        for (const m of matches) {
          const l = byId.get(m.leadId);
          expect(l && !l.optedOut && l.hasDeposit && l.size !== null).toBe(true);
          expect(["COLLECTING_TIME_WINDOWS", "WAITLISTED"]).toContain(l?.status);
          if (l?.status === "WAITLISTED") expect(l.waitlistCity).toBe("London");
          expect(m.slot.start >= FREED.start && m.slot.end <= FREED.end).toBe(true);
          const buffer = RULES.bufferMinutes * 60_000;
          for (const b of busyTimes) expect(m.slot.end.getTime() <= b.start.getTime() - buffer || m.slot.start.getTime() >= b.end.getTime() + buffer).toBe(true);
        }
      }),
    );
  });

  it("property: the next client is the first of the full order, and looking only near the freed time changes nothing", () => {
    const farBusy = fc.array(
      fc.record({ day: fc.integer({ min: -20, max: 40 }), hour: fc.integer({ min: 8, max: 18 }), len: fc.integer({ min: 30, max: 600 }) }).map(({ day, hour, len }) => {
        const start = new Date(Date.UTC(2026, 2, 5 + day, hour));
        return { start, end: new Date(start.getTime() + len * 60_000) };
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(fc.array(lead, { maxLength: 10 }), farBusy, (leads, busyTimes) => {
        const all = matchWaiting(input(leads, { busy: busyTimes }));
        expect(nextWaiting(input(leads, { busy: busyTimes }))).toEqual(all[0] ?? null);
        for (const m of all) {
          const l = leads.find((x) => x.id === m.leadId);
          if (!l?.size) throw new Error("a match names no lead");
          // The same search over every busy event (not only those near the freed time) finds the same session.
          const [full] = findSlots({ rules: RULES, busy: busyTimes, windows: l.timing === null ? FLEXIBLE : clientWindowsFrom(l.timing), size: l.size, now: NOW, count: 1, within: FREED });
          expect(full?.start).toEqual(m.slot.start);
        }
      }),
    );
  });

  it("property: the order does not depend on the order the leads were read in", () => {
    fc.assert(
      fc.property(fc.array(lead, { maxLength: 10 }), fc.integer(), (leads, seed) => {
        const shuffled = [...leads].sort((a, b) => ((a.id.charCodeAt(0) * seed) % 7) - ((b.id.charCodeAt(0) * seed) % 7));
        expect(matchWaiting(input(shuffled)).map((m) => m.leadId)).toEqual(matchWaiting(input(leads)).map((m) => m.leadId));
      }),
    );
  });
});

describe("the gap search inside a freed interval", () => {
  it("property: every slot found `within` lies inside it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 * 24 }), fc.integer({ min: 1, max: 30 }), fc.constantFrom("SMALL", "MEDIUM", "LARGE"), (startHours, lengthHours, category) => {
        const within = { start: new Date(NOW.getTime() + startHours * HOUR), end: new Date(NOW.getTime() + (startHours + lengthHours) * HOUR) };
        for (const slot of findSlots({ rules: RULES, busy: [], windows: FLEXIBLE, size: { category }, now: NOW, count: 10, within })) {
          expect(slot.start >= within.start && slot.end <= within.end).toBe(true);
        }
      }),
    );
  });
});

describe("the time a released hold gives to the people waiting", () => {
  const HELD_SLOT = { start: new Date("2026-03-05T10:00:00Z"), end: new Date("2026-03-05T12:00:00Z") };
  const hold = { startsAt: HELD_SLOT.start, blockedUntil: new Date(HELD_SLOT.end.getTime() + 30 * 60_000) };
  const accepted = { freedStart: new Date("2026-03-05T09:00:00Z"), freedEnd: new Date("2026-03-05T15:00:00Z") };
  const release: BookingStep = { kind: "release", expireCheckout: false };

  it("an ordinary hold lapsing unpaid frees the time it blocked (session and buffer); one taken on a freed offer gives back that offer's freed interval", () => {
    expect(timeFreedByStep(release, hold, null)).toEqual({ start: hold.startsAt, end: hold.blockedUntil });
    expect(timeFreedByStep({ kind: "release", expireCheckout: true }, hold, accepted)).toEqual({ start: accepted.freedStart, end: accepted.freedEnd });
  });

  it("a payment, or nothing to do, frees nothing", () => {
    for (const step of [{ kind: "confirm" }, { kind: "retake" }, { kind: "none", why: "already_released" }, { kind: "none", why: "not_due" }] satisfies BookingStep[]) {
      expect(timeFreedByStep(step, hold, null)).toBeNull();
      expect(timeFreedByStep(step, hold, accepted)).toBeNull();
    }
  });

  it("property: only a release decided for a HELD booking frees time, and never when Stripe says the session is complete or on a payment", () => {
    const standing = fc.constantFrom<CheckoutStanding>("open", "complete", "expired");
    const state = fc.record({ status: fc.constantFrom(...BOOKING_STATUSES), holdExpiresAt: fc.option(fc.date({ min: new Date("2026-01-01"), max: new Date("2026-12-31"), noInvalidDate: true }), { nil: null }) });
    fc.assert(
      fc.property(state, standing, fc.date({ min: new Date("2026-01-01"), max: new Date("2026-12-31"), noInvalidDate: true }), fc.boolean(), (booking, stripe, now, onOffer) => {
        const offer = onOffer ? accepted : null;
        const due = timeFreedByStep(onHoldDue(booking, now, stripe), hold, offer);
        const expired = timeFreedByStep(onCheckoutExpired(booking), hold, offer);
        expect(timeFreedByStep(onPaid(booking), hold, offer)).toBeNull();
        if (booking.status !== "HELD") {
          expect(due).toBeNull();
          expect(expired).toBeNull();
        } else {
          expect(expired).not.toBeNull();
          if (stripe === "complete") expect(due).toBeNull();
          if (stripe === "expired") expect(due).not.toBeNull();
        }
        for (const freed of [due, expired]) {
          if (freed) expect(freed).toEqual(onOffer ? { start: accepted.freedStart, end: accepted.freedEnd } : { start: hold.startsAt, end: hold.blockedUntil });
        }
      }),
    );
  });

  it("the time a lapsed ordinary hold frees fits the session it held: a waiting client of that size is offered exactly that session", () => {
    for (const category of ["SMALL", "MEDIUM"] as const) {
      for (const slot of findSlots({ rules: RULES, busy: [], windows: FLEXIBLE, size: { category }, now: NOW, count: 5 })) {
        const time = blockedTime(slot, RULES.bufferMinutes);
        const freed = timeFreedByStep(release, time, null);
        if (!freed) throw new Error("a release freed nothing");
        const [match] = matchWaiting(input([waiting("w", { size: { category } })], { freed }));
        expect(match?.slot.start).toEqual(slot.start);
        expect(match?.slot.end).toEqual(slot.end);
      }
    }
  });
});

describe("the city a slot is in", () => {
  const stops: TourStop[] = [{ city: "Berlin", country: "Germany", region: "EUROPE", from: "2026-03-05", to: "2026-03-07" }];
  it("a tour stop covering the slot's local day, else the home city", () => {
    expect(cityOfSlot(FREED.start, ZONE, stops, "London")).toBe("Berlin");
    expect(cityOfSlot(new Date("2026-03-08T10:00:00Z"), ZONE, stops, "London")).toBe("London");
    expect(cityOfSlot(new Date("2026-03-08T10:00:00Z"), ZONE, stops, null)).toBeNull();
    // 23:30 UTC on the 4th is already the 5th in Tokyo: the artist's local day counts.
    expect(cityOfSlot(new Date("2026-03-04T23:30:00Z"), "Asia/Tokyo", stops, "Tokyo")).toBe("Berlin");
  });
});

describe("the deadline", () => {
  it("two hours by default, lapsed from the deadline itself on", () => {
    const deadline = offerDeadline(NOW, 2);
    expect(deadline.toISOString()).toBe("2026-03-02T12:00:00.000Z");
    expect(offerLapsed(deadline, new Date(deadline.getTime() - 1))).toBe(false);
    expect(offerLapsed(deadline, deadline)).toBe(true);
  });

  it("property: an offer is open exactly before its deadline", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.25, max: 48, noNaN: true }), fc.integer({ min: -10 * HOUR, max: 60 * HOUR }), (hours, offsetMs) => {
        const at = new Date(NOW.getTime() + offsetMs);
        expect(offerLapsed(offerDeadline(NOW, hours), at)).toBe(offsetMs >= hours * HOUR);
      }),
    );
  });
});

describe("the booking.slot_freed job message", () => {
  const valid = { kind: "booking.slot_freed", artistId: "5f1c2d3e-4a5b-4c6d-8e7f-901234567890", startsAt: FREED.start.toISOString(), endsAt: FREED.end.toISOString(), now: NOW.toISOString() };
  it("is one of the queue's validated kinds, `now` required (never the consumer's clock)", () => {
    expect(JOB_KINDS).toContain("booking.slot_freed");
    expect(JobSchema.safeParse(valid).success).toBe(true);
    const { now: _now, ...withoutNow } = valid;
    expect(JobSchema.safeParse(withoutNow).success).toBe(false);
    expect(JobSchema.safeParse({ ...valid, artistId: "default" }).success).toBe(false);
    expect(JobSchema.safeParse({ ...valid, startsAt: "tomorrow" }).success).toBe(false);
  });
});
