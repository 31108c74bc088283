/**
 * The booked session's timers (src/domain/session-timers.ts, src/domain/engine/after-session.ts,
 * src/domain/engine/booked.ts): reminders 48 h and 2 h before (never two at one moment, none once
 * the session began, none for a cancelled booking, a moved booking's follow it), quiet hours and the
 * 2 h reminder, aftercare per style, the touch-up offer inside the policy's window, the review
 * request, the artist's day-after question, the settlement (applied once, held back to 0), STOP,
 * and the reminder's buttons.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ledgerBalance, NO_PAYMENT, type LedgerEntry } from "../../src/domain/deposit.ts";
import type { LeadState } from "../../src/domain/engine.ts";
import { aftercareCopyKey, BookedReply, type AftercareConfig, type SessionFacts } from "../../src/domain/engine/after-session.ts";
import { decideTimer, timerLead } from "../../src/domain/engine/timers.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import { outsideQuietHours } from "../../src/domain/local-time.ts";
import { sessionDueAt, settlementEntry } from "../../src/domain/session-timers.ts";
import { defaultPolicy } from "../../src/domain/studio-policy.ts";
import { dueTimer, timerKey, timerSchedule, TimerKind, type TimerConfig, type TimerLead } from "../../src/domain/timers.ts";
import { canTransition } from "../../src/domain/state-machine.ts";
import { graphBody } from "../../src/adapters/whatsapp/graph-client.ts";
import { CONFIG, HOUR, leadState, run, taps } from "../support/engine.ts";

const LONDON: TimerConfig = { studioTimeZone: "Europe/London" };
const DAY = 24 * HOUR;
const REMINDERS: readonly string[] = [TimerKind.APPOINTMENT_REMINDER, TimerKind.APPOINTMENT_REMINDER_SOON];

/** A session on Friday 12 June 2026, 14:00–17:00 London (13:00Z–16:00Z), booked on 1 June. */
const START = new Date("2026-06-12T13:00:00Z");
const END = new Date("2026-06-12T16:00:00Z");
const BOOKED_AT = new Date("2026-06-01T10:00:00Z");
const held = (start = START, end = END, bookingId = "booking-1") => ({ bookingId, start: start.toISOString(), end: end.toISOString(), label: "Fri 12 Jun, 14:00" });

const payment: LedgerEntry = { kind: "payment", amountMinor: 10_000, currency: "GBP", at: BOOKED_AT.toISOString(), reference: "pi_1", source: "checkout", reason: null, status: "succeeded" };

function bookedLead(overrides: Partial<LeadState> = {}): LeadState {
  return leadState({
    status: LeadStatus.BOOKED,
    displayName: "Robin Vale",
    statusChangedAt: BOOKED_AT,
    lastClientMessageAt: BOOKED_AT,
    heldSlot: held(),
    payment: { ...NO_PAYMENT, paidAt: BOOKED_AT, ledger: [payment] },
    version: 3,
    ...overrides,
  });
}

const facts = (overrides: Partial<SessionFacts> = {}): SessionFacts => ({ confirmed: { id: "booking-1", startsAt: START, endsAt: END }, policy: defaultPolicy(), ...overrides });
const AFTERCARE: AftercareConfig = { reviewUrl: "https://reviews.example/mara", copyByStyle: {} };
const ENGINE = { ...CONFIG, actionLinks: true, timers: LONDON, aftercare: AFTERCARE };

/**
 * Fires what is due at `now` for `lead`, the way the cron's message would; with `only`, every other
 * timer due by then counts as fired already (earlier cron runs fired them).
 */
function fire(lead: LeadState, now: Date, session: SessionFacts | undefined = facts(), config = ENGINE, only?: TimerKind) {
  if (only !== undefined) {
    const others = timerSchedule(timerLead(lead), LONDON).filter((t) => t.kind !== only && t.dueAt.getTime() <= now.getTime());
    lead = { ...lead, timersFired: others.map(timerKey) };
  }
  const input = { type: "timer", kind: TimerKind.APPOINTMENT_REMINDER, dueAt: now, seen: { status: lead.status, version: lead.version ?? 0, lastClientMessageAt: lead.lastClientMessageAt?.toISOString() ?? null }, session } as const;
  return decideTimer(lead, input, now, config);
}

const sessionTimers = (lead: TimerLead, config: TimerConfig = LONDON) => timerSchedule(lead, config).filter((t) => t.kind.startsWith("appointment.") || t.kind.startsWith("aftercare.") || t.kind === TimerKind.ARTIST_DAY_AFTER || t.kind === TimerKind.SESSION_SETTLE);

describe("appointment reminders (pure schedule)", () => {
  it("48 h and 2 h before the session, then aftercare, day after, settlement, from the session's end", () => {
    const due = Object.fromEntries(sessionTimers(timerLead(bookedLead())).map((t) => [t.kind, t.dueAt.toISOString()]));
    expect(due).toEqual({
      [TimerKind.APPOINTMENT_REMINDER]: "2026-06-10T13:00:00.000Z",
      [TimerKind.APPOINTMENT_REMINDER_SOON]: "2026-06-12T11:00:00.000Z",
      [TimerKind.AFTERCARE]: "2026-06-12T18:00:00.000Z",
      [TimerKind.AFTERCARE_CHECK_IN]: "2026-06-15T16:00:00.000Z",
      [TimerKind.HEALED_PHOTO]: "2026-07-10T16:00:00.000Z",
      [TimerKind.REVIEW_REQUEST]: "2026-06-17T16:00:00.000Z",
      [TimerKind.ARTIST_DAY_AFTER]: "2026-06-13T16:00:00.000Z",
      [TimerKind.SESSION_SETTLE]: "2026-06-14T16:00:00.000Z",
    });
  });

  const sessions = fc.record({
    startMs: fc.integer({ min: Date.parse("2026-01-01T00:00:00Z"), max: Date.parse("2027-12-31T00:00:00Z") }).map((ms) => Math.floor(ms / 900_000) * 900_000),
    lengthH: fc.integer({ min: 1, max: 10 }),
    bookedBeforeH: fc.integer({ min: 1, max: 24 * 60 }),
    zone: fc.constantFrom("Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney"),
    quiet: fc.boolean(),
  });
  const leadFor = (s: { startMs: number; lengthH: number; bookedBeforeH: number }, bookingId = "b1") =>
    timerLead(bookedLead({ heldSlot: held(new Date(s.startMs), new Date(s.startMs + s.lengthH * HOUR), bookingId), statusChangedAt: new Date(s.startMs - s.bookedBeforeH * HOUR) }));

  it("never two reminders at one moment, none once the session has begun, none before the booking was made (property)", () => {
    fc.assert(
      fc.property(sessions, (s) => {
        const config: TimerConfig = { studioTimeZone: s.zone, quietHours: s.quiet ? undefined : null };
        const lead = leadFor(s);
        const reminders = timerSchedule(lead, config).filter((t) => REMINDERS.includes(t.kind));
        const moments = reminders.map((t) => t.dueAt.getTime());
        expect(new Set(moments).size).toBe(moments.length);
        for (const t of reminders) {
          expect(t.dueAt.getTime()).toBeLessThan(s.startMs);
          expect(t.dueAt.getTime()).toBeGreaterThan(s.startMs - s.bookedBeforeH * HOUR);
        }
        // However often the cron runs, each fires at most once: after firing, the key is used up.
        const fired = reminders.map((t) => timerKey(t));
        expect(timerSchedule({ ...lead, timersFired: fired }, config).filter((t) => REMINDERS.includes(t.kind))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("nothing for a cancelled booking (no session, or not BOOKED) (property)", () => {
    fc.assert(
      fc.property(sessions, fc.constantFrom(LeadStatus.REJECTED, LeadStatus.NEEDS_FOLLOW_UP, LeadStatus.DEPOSIT_PAID, LeadStatus.CHOOSING_SLOT), (s, status) => {
        expect(sessionTimers({ ...leadFor(s), session: null })).toEqual([]);
        expect(sessionTimers({ ...leadFor(s), status })).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("a moved booking's reminders follow the new time, whatever fired for the old one (property)", () => {
    fc.assert(
      fc.property(sessions, fc.integer({ min: 3, max: 24 * 30 }), (s, movedH) => {
        const before = leadFor(s);
        const old = timerSchedule(before, LONDON).map(timerKey);
        const moved = { ...before, session: before.session ? { ...before.session, start: new Date(s.startMs + movedH * HOUR), end: new Date(s.startMs + (movedH + s.lengthH) * HOUR) } : null, timersFired: old };
        const reminders = timerSchedule(moved, LONDON).filter((t) => REMINDERS.includes(t.kind));
        expect(reminders.length).toBeGreaterThan(0);
        for (const t of reminders) {
          expect(t.basisAt.getTime()).toBe(s.startMs + movedH * HOUR);
          expect(t.dueAt.getTime()).toBeLessThan(s.startMs + movedH * HOUR);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("quiet hours: the 2 h reminder waits for 09:00 while it keeps half its notice, else goes at its time", () => {
    // 10:00 BST session: due 08:00 BST, in quiet hours → 09:00 BST (an hour before).
    const at10 = timerLead(bookedLead({ heldSlot: held(new Date("2026-06-12T09:00:00Z"), new Date("2026-06-12T12:00:00Z")) }));
    expect(dueTimer(at10, new Date("2026-06-12T07:00:00Z"), LONDON)?.fire.kind).toBe(TimerKind.APPOINTMENT_REMINDER);
    const soon10 = timerSchedule(at10, LONDON).find((t) => t.kind === TimerKind.APPOINTMENT_REMINDER_SOON);
    expect(soon10?.dueAt.toISOString()).toBe("2026-06-12T08:00:00.000Z");
    expect(soon10?.deferred).toBe(true);
    // 09:30 BST session: due 07:30 BST; 09:00 would leave 30 minutes, so it goes at 07:30.
    const at0930 = timerLead(bookedLead({ heldSlot: held(new Date("2026-06-12T08:30:00Z"), new Date("2026-06-12T11:30:00Z")) }));
    const soon0930 = timerSchedule(at0930, LONDON).find((t) => t.kind === TimerKind.APPOINTMENT_REMINDER_SOON);
    expect(soon0930?.dueAt.toISOString()).toBe("2026-06-12T06:30:00.000Z");
    expect(soon0930?.deferred).toBe(false);
    // The rule itself: half the notice.
    const start = new Date("2026-06-12T09:00:00Z");
    expect(sessionDueAt(new Date("2026-06-12T07:00:00Z"), outsideQuietHours(new Date("2026-06-12T07:00:00Z"), "Europe/London"), start).toISOString()).toBe("2026-06-12T08:00:00.000Z");
  });

  it("STOP: no client timer, but the artist's day-after question and the settlement still come", () => {
    const out = timerLead(bookedLead({ status: LeadStatus.OPTOUT, optedOut: true, resumeStatus: LeadStatus.BOOKED }));
    expect(sessionTimers(out).map((t) => t.kind)).toEqual([TimerKind.ARTIST_DAY_AFTER, TimerKind.SESSION_SETTLE]);
  });
});

describe("a reminder firing", () => {
  const at48 = new Date("2026-06-10T13:05:00Z");

  it("inside the window: free text with the two reply buttons", () => {
    const { outcome, decision } = fire(bookedLead({ serviceWindowEndsAt: new Date("2026-06-11T00:00:00Z") }), at48);
    expect(outcome).toMatchObject({ fired: true, kind: TimerKind.APPOINTMENT_REMINDER, template: false });
    const [message] = decision.outbound;
    expect(message).toMatchObject({ to: "client", kind: "buttons", copyKey: "timer.appointment_reminder" });
    if (message?.kind !== "buttons") throw new Error("not buttons");
    expect(message.body).toContain("Fri 12 Jun, 14:00");
    expect(message.buttons).toEqual([
      { id: BookedReply.CONFIRM, title: "See you then" },
      { id: BookedReply.CHANGE, title: "I need to change it" },
    ]);
  });

  it("outside the window: the registry's template with the two quick-reply payloads", () => {
    const { outcome, decision } = fire(bookedLead(), at48);
    expect(outcome).toMatchObject({ fired: true, template: true });
    expect(decision.outbound).toEqual([
      { to: "client", kind: "template", name: "inkline_appointment_reminder", language: "en_GB", params: ["Robin", "Mara", "Fri 12 Jun, 14:00"], quickReplies: [BookedReply.CONFIRM, BookedReply.CHANGE], copyKey: "template.appointment_reminder" },
    ]);
  });

  it("the template goes to Graph with each quick reply's payload as a button component", () => {
    const body = graphBody("447700900123", { kind: "template", name: "inkline_appointment_reminder", language: "en_GB", params: ["Robin", "Mara", "Fri 12 Jun, 14:00"], quickReplies: [BookedReply.CONFIRM, BookedReply.CHANGE] }, "outbox-1");
    expect((body.template as { components: unknown[] }).components.slice(1)).toEqual([
      { type: "button", sub_type: "quick_reply", index: "0", parameters: [{ type: "payload", payload: BookedReply.CONFIRM }] },
      { type: "button", sub_type: "quick_reply", index: "1", parameters: [{ type: "payload", payload: BookedReply.CHANGE }] },
    ]);
  });

  it("a booking cancelled or moved since (the bookings table disagrees): marked, nothing sent", () => {
    for (const session of [facts({ confirmed: null }), facts({ confirmed: { id: "booking-1", startsAt: new Date(START.getTime() + DAY), endsAt: new Date(END.getTime() + DAY) } })]) {
      const { outcome, decision } = fire(bookedLead(), at48, session);
      expect(outcome).toMatchObject({ fired: true, dropped: true });
      expect(decision.outbound).toEqual([]);
      expect(decision.patch.timersFired?.length).toBe(1);
    }
  });

  it("'See you then': a short warm reply, recorded; 'I need to change it': asked whether to move or cancel (booking-change.ts)", () => {
    const lead = bookedLead({ lastClientMessageAt: null });
    const yes = run(lead, taps(BookedReply.CONFIRM, "See you then"));
    expect(yes.outbound.map((o) => o.copyKey)).toEqual(["booked.confirm_reply"]);
    expect(yes.events.map((e) => e.type)).toContain("booking.client_confirmed");
    expect(yes.transitions).toEqual([]);
    const change = run(lead, taps(BookedReply.CHANGE, "I need to change it"));
    expect(change.outbound.map((o) => [o.to, o.copyKey])).toEqual([["client", "booking.change_ask.client"]]);
    expect(change.transitions).toEqual([]);
  });

  it("'I need to change it' tapped on an old reminder after the session: a holding reply, the artist told", () => {
    const change = run(bookedLead({ lastClientMessageAt: null, status: LeadStatus.COMPLETED }), taps(BookedReply.CHANGE, "I need to change it"));
    expect(change.outbound.map((o) => [o.to, o.copyKey])).toEqual([
      ["client", "booked.change_holding"],
      ["artist", "booked.change_requested.artist"],
    ]);
    expect(change.events.map((e) => e.type)).toContain("booking.change_requested");
  });
});

describe("after the session", () => {
  const open = { serviceWindowEndsAt: new Date("2026-08-01T00:00:00Z") };

  it("aftercare: per style when the studio maps it, the generic copy otherwise", () => {
    expect(aftercareCopyKey("Fine Line botanical", { "fine line": "aftercare.fine_line" })).toBe("aftercare.fine_line");
    expect(aftercareCopyKey("blackwork", { "fine line": "aftercare.fine_line" })).toBe("aftercare.generic");
    const style = [{ questionKey: "style", rawText: "fine line roses", value: "fine line roses" }];
    const config = { ...ENGINE, aftercare: { reviewUrl: null, copyByStyle: { "fine line": "aftercare.fine_line" as const } } };
    const { decision } = fire(bookedLead({ ...open, recentAnswers: style }), new Date("2026-06-12T18:00:00Z"), facts(), config, TimerKind.AFTERCARE);
    expect(decision.outbound.map((o) => o.copyKey)).toEqual(["aftercare.fine_line"]);
    const closed = fire(bookedLead(), new Date("2026-06-12T18:00:00Z"), facts(), ENGINE, TimerKind.AFTERCARE);
    expect(closed.decision.outbound).toMatchObject([{ kind: "template", name: "inkline_aftercare" }]);
  });

  it("healed photo: the touch-up offered inside the policy's window, not at 0 days", () => {
    const at = new Date("2026-07-10T16:00:00Z");
    const lead = bookedLead({ ...open, status: LeadStatus.COMPLETED });
    const offered = fire(lead, at, facts({ policy: { ...defaultPolicy(), touchUpWindowDays: 90 } }), ENGINE, TimerKind.HEALED_PHOTO);
    expect(offered.decision.outbound).toMatchObject([{ copyKey: "timer.healed_photo.touch_up" }]);
    expect((offered.decision.outbound[0] as { body: string }).body).toContain("free for the next 62 days");
    const none = fire(lead, at, facts({ policy: { ...defaultPolicy(), touchUpWindowDays: 0 } }), ENGINE, TimerKind.HEALED_PHOTO);
    expect(none.decision.outbound).toMatchObject([{ copyKey: "timer.healed_photo" }]);
    const lapsed = fire(lead, at, facts({ policy: { ...defaultPolicy(), touchUpWindowDays: 14 } }), ENGINE, TimerKind.HEALED_PHOTO);
    expect(lapsed.decision.outbound).toMatchObject([{ copyKey: "timer.healed_photo" }]);
  });

  it("the review request: every client, a button to the studio's review page; skipped without one", () => {
    const at = new Date("2026-06-17T16:00:00Z");
    const lead = bookedLead({ ...open, status: LeadStatus.COMPLETED, timersFired: [] });
    const { decision } = fire(lead, at, facts(), ENGINE, TimerKind.REVIEW_REQUEST);
    expect(decision.outbound).toEqual([
      { to: "client", kind: "cta", body: renderCopy("timer.review_request", { greetingName: " Robin", artistName: "Mara", replyDays: 3 }, "en_GB", lead.id), label: "Leave a review", url: "https://reviews.example/mara", copyKey: "timer.review_request" },
    ]);
    const without = fire(lead, at, facts(), { ...ENGINE, aftercare: { reviewUrl: null, copyByStyle: {} } }, TimerKind.REVIEW_REQUEST);
    expect(without.decision.outbound).toEqual([]);
    expect(without.decision.events.map((e) => e.type)).toContain("aftercare.review_skipped");
  });

  it("the day after: the artist is asked whether the client came, with a button to the lead's page", () => {
    const { decision } = fire(bookedLead(), new Date("2026-06-13T16:00:00Z"), facts(), ENGINE, TimerKind.ARTIST_DAY_AFTER);
    expect(decision.outbound).toMatchObject([{ to: "artist", kind: "cta", copyKey: "timer.day_after.artist", label: "Open in inbox" }]);
    expect((decision.outbound[0] as { body: string }).body).toContain("Did Robin Vale come");
  });

  it("settlement: what is held becomes applied once, BOOKED → COMPLETED, held back to 0", () => {
    const { outcome, decision } = fire(bookedLead(), new Date("2026-06-14T16:00:00Z"), facts(), ENGINE, TimerKind.SESSION_SETTLE);
    expect(outcome).toMatchObject({ fired: true, kind: TimerKind.SESSION_SETTLE });
    expect(decision.transitions.map((t) => [t.from, t.to])).toEqual([[LeadStatus.BOOKED, LeadStatus.COMPLETED]]);
    const ledger = decision.patch.depositLedger ?? [];
    expect(ledger.at(-1)).toMatchObject({ kind: "applied", amountMinor: 10_000, reference: "booking-1", reason: "off_final_price" });
    expect(ledgerBalance(ledger)).toMatchObject({ paid: 10_000, applied: 10_000, held: 0 });
    expect(decision.outbound).toEqual([]);
    // As a booking fee under another policy; and never twice for one booking.
    expect(settlementEntry([payment], "booking-1", false, new Date())?.reason).toBe("booking_fee");
    expect(settlementEntry(ledger, "booking-1", true, new Date())).toBeNull();
  });

  it("settlement: whatever the ledger held before (refunds, credit), held ends at 0 and never below (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (paid, refunded) => {
        const ledger: LedgerEntry[] = [{ ...payment, amountMinor: paid }];
        if (refunded > 0 && refunded <= paid) ledger.push({ ...payment, kind: "refund", amountMinor: refunded, reference: "re_1" });
        const entry = settlementEntry(ledger, "b", true, new Date());
        const after = entry ? [...ledger, entry] : ledger;
        expect(ledgerBalance(after).held).toBe(0);
      }),
    );
  });

  it("settlement for a client who sent STOP: the ledger settles, they stay opted out and come back to COMPLETED", () => {
    const lead = bookedLead({ status: LeadStatus.OPTOUT, optedOut: true, resumeStatus: LeadStatus.BOOKED });
    const { decision } = fire(lead, new Date("2026-06-14T16:00:00Z"));
    expect(decision.transitions).toEqual([]);
    expect(decision.patch.resumeStatus).toBe(LeadStatus.COMPLETED);
    expect(decision.patch.depositLedger?.at(-1)).toMatchObject({ kind: "applied" });
    expect(canTransition(LeadStatus.OPTOUT, LeadStatus.COMPLETED)).toBe(true);
  });

  it("several tracks due at once (the cron was away): one fires per run, none is lost to another track", () => {
    const lead = bookedLead();
    const due = dueTimer(timerLead(lead), new Date("2026-06-20T00:00:00Z"), LONDON);
    expect(due?.fire.kind).toBe(TimerKind.SESSION_SETTLE);
    expect(due?.skipped).toEqual([]);
    const after = timerLead({ ...lead, timersFired: due ? [timerKey(due.fire)] : [] });
    expect(dueTimer(after, new Date("2026-06-20T00:00:00Z"), LONDON)?.fire.kind).toBe(TimerKind.ARTIST_DAY_AFTER);
  });
});
