/**
 * Timers (src/domain/timers.ts, src/domain/local-time.ts, src/domain/engine/timers.ts): when each
 * is due, quiet hours in the client's zone across DST changes, at most one firing per timer, and
 * what a fired timer decides.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideTimer, timerLead } from "../../src/domain/engine/timers.ts";
import { LeadStatus, LEAD_STATUSES } from "../../src/domain/lead-status.ts";
import { clientTimeZone, localHour, outsideQuietHours, QUIET_HOURS } from "../../src/domain/local-time.ts";
import { TEMPLATES } from "../../src/domain/templates.ts";
import { dueTimer, nextTimer, timerKey, timerSchedule, TimerKind, type TimerConfig, type TimerLead } from "../../src/domain/timers.ts";
import type { LeadState } from "../../src/domain/engine.ts";
import { askedAbout, CONFIG, HOUR, leadState } from "../support/engine.ts";

const LONDON: TimerConfig = { studioTimeZone: "Europe/London" };

function timerLeadOf(overrides: Partial<TimerLead> = {}): TimerLead {
  return {
    status: LeadStatus.QUALIFYING,
    optedOut: false,
    phoneE164: "+447700900123",
    recentAnswers: [],
    lastClientMessageAt: new Date("2026-06-10T09:00:00Z"),
    statusChangedAt: new Date("2026-06-10T08:00:00Z"),
    depositLinkExpiresAt: null,
    timersFired: [],
    ...overrides,
  };
}

describe("quiet hours in the client's zone", () => {
  it("moves a time between 21:00 and 09:00 local to 09:00, the same morning or the next", () => {
    // 22:00 BST on 10 June → 09:00 BST on 11 June (08:00Z).
    expect(outsideQuietHours(new Date("2026-06-10T21:00:00Z"), "Europe/London").toISOString()).toBe("2026-06-11T08:00:00.000Z");
    // 03:00 BST → 09:00 BST the same day.
    expect(outsideQuietHours(new Date("2026-06-10T02:00:00Z"), "Europe/London").toISOString()).toBe("2026-06-10T08:00:00.000Z");
    // 14:00 local stays.
    expect(outsideQuietHours(new Date("2026-06-10T13:00:00Z"), "Europe/London").toISOString()).toBe("2026-06-10T13:00:00.000Z");
    // Another zone: 23:30 in Tokyo → 09:00 Tokyo the next day.
    expect(outsideQuietHours(new Date("2026-06-10T14:30:00Z"), "Asia/Tokyo").toISOString()).toBe("2026-06-11T00:00:00.000Z");
    // Off: no change.
    expect(outsideQuietHours(new Date("2026-06-10T21:00:00Z"), "Europe/London", null).toISOString()).toBe("2026-06-10T21:00:00.000Z");
  });

  it("is right on the days the clocks change (London, spring and autumn; New York)", () => {
    // 29 March 2026: clocks go forward at 01:00Z. 00:30Z is 00:30 GMT → 09:00 BST = 08:00Z.
    expect(outsideQuietHours(new Date("2026-03-29T00:30:00Z"), "Europe/London").toISOString()).toBe("2026-03-29T08:00:00.000Z");
    // 25 October 2026: clocks go back at 01:00Z. 00:30Z is 01:30 BST → 09:00 GMT = 09:00Z.
    expect(outsideQuietHours(new Date("2026-10-25T00:30:00Z"), "Europe/London").toISOString()).toBe("2026-10-25T09:00:00.000Z");
    // 8 March 2026 in New York (clocks forward at 07:00Z): 06:00Z is 01:00 EST → 09:00 EDT = 13:00Z.
    expect(outsideQuietHours(new Date("2026-03-08T06:00:00Z"), "America/New_York").toISOString()).toBe("2026-03-08T13:00:00.000Z");
    // The evening before a change: 22:00 GMT on 28 March → 09:00 BST on the 29th.
    expect(outsideQuietHours(new Date("2026-03-28T22:00:00Z"), "Europe/London").toISOString()).toBe("2026-03-29T08:00:00.000Z");
  });

  it("never leaves a time inside the quiet hours, and never moves one earlier or more than 12 hours on (property)", () => {
    const zones = ["Europe/London", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Auckland"];
    fc.assert(
      fc.property(fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2028-12-31T00:00:00Z"), noInvalidDate: true }), fc.constantFrom(...zones), (instant, zone) => {
        const out = outsideQuietHours(instant, zone);
        const hour = localHour(out, zone);
        expect(hour >= QUIET_HOURS.untilHour && hour < QUIET_HOURS.fromHour).toBe(true);
        expect(out.getTime()).toBeGreaterThanOrEqual(instant.getTime());
        expect(out.getTime() - instant.getTime()).toBeLessThanOrEqual(13 * HOUR);
        if (out.getTime() !== instant.getTime()) expect(new Date(out).getUTCMinutes() % 15).toBe(0);
      }),
    );
  });

  it("reads the zone from the client's country answer, else their number, else the studio's", () => {
    const berlin = { questionKey: "location_city", rawText: "Berlin", value: { city: "Berlin", country: "Germany", countryCode: "DE", region: "EUROPE", flexible: false } };
    expect(clientTimeZone({ phoneE164: "+447700900123", recentAnswers: [berlin] }, "Europe/London")).toEqual({ zone: "Europe/Berlin", source: "answers" });
    expect(clientTimeZone({ phoneE164: "+33612345678", recentAnswers: [] }, "Europe/London")).toEqual({ zone: "Europe/Paris", source: "number" });
    expect(clientTimeZone({ phoneE164: "+353871234567", recentAnswers: [] }, "Europe/London")).toEqual({ zone: "Europe/Dublin", source: "number" });
    // +1 spans many zones: the studio's is the better guess.
    expect(clientTimeZone({ phoneE164: "+12025550123", recentAnswers: [] }, "America/Chicago")).toEqual({ zone: "America/Chicago", source: "studio" });
    expect(clientTimeZone({ phoneE164: null, recentAnswers: [] }, "Europe/Madrid")).toEqual({ zone: "Europe/Madrid", source: "studio" });
  });
});

describe("the timer table over a lead", () => {
  it("a quiet consultation: nudge at 12 h, template nudge at 36 h, abandoned at 48 h (none in quiet hours)", () => {
    const lead = timerLeadOf({ lastClientMessageAt: new Date("2026-06-10T09:00:00Z") }); // 10:00 BST
    const schedule = timerSchedule(lead, LONDON).map((t) => [t.kind, t.dueAt.toISOString(), t.deferred]);
    // 12 h is 22:00 BST, 36 h is 22:00 BST the next day: both wait for 09:00. Abandon waits 12 h
    // after the template nudge rather than coming an hour after it.
    expect(schedule).toEqual([
      [TimerKind.CONSULTATION_NUDGE, "2026-06-11T08:00:00.000Z", true],
      [TimerKind.CONSULTATION_TEMPLATE_NUDGE, "2026-06-12T08:00:00.000Z", true],
      [TimerKind.CONSULTATION_ABANDON, "2026-06-12T20:00:00.000Z", true],
    ]);
    expect(nextTimer(lead, LONDON)?.kind).toBe(TimerKind.CONSULTATION_NUDGE);
  });

  it("several due at once: only the last of the track fires, the others are skipped", () => {
    const lead = timerLeadOf();
    const due = dueTimer(lead, new Date("2026-06-12T20:00:00Z"), LONDON);
    expect(due?.fire.kind).toBe(TimerKind.CONSULTATION_ABANDON);
    expect(due?.skipped.map((t) => t.kind)).toEqual([TimerKind.CONSULTATION_NUDGE, TimerKind.CONSULTATION_TEMPLATE_NUDGE]);
  });

  it("an opted-out client gets no client timers; the studio can turn one off or move it", () => {
    expect(timerSchedule(timerLeadOf({ optedOut: true }), LONDON).map((t) => t.kind)).toEqual([TimerKind.CONSULTATION_ABANDON]);
    const config: TimerConfig = { ...LONDON, quietHours: null, hours: { [TimerKind.CONSULTATION_NUDGE]: 6, [TimerKind.CONSULTATION_TEMPLATE_NUDGE]: null } };
    expect(timerSchedule(timerLeadOf(), config).map((t) => [t.kind, t.dueAt.toISOString()])).toEqual([
      [TimerKind.CONSULTATION_NUDGE, "2026-06-10T15:00:00.000Z"],
      [TimerKind.CONSULTATION_ABANDON, "2026-06-12T09:00:00.000Z"],
    ]);
  });

  it("a deposit reminder 2 h before the link lapses, dropped when quiet hours would push it past the lapse", () => {
    const awaiting = { status: LeadStatus.AWAITING_DEPOSIT, statusChangedAt: new Date("2026-06-10T08:00:00Z") };
    const daytime = timerLeadOf({ ...awaiting, depositLinkExpiresAt: new Date("2026-06-10T16:00:00Z") });
    expect(nextTimer(daytime, LONDON)).toMatchObject({ kind: TimerKind.DEPOSIT_REMINDER, dueAt: new Date("2026-06-10T14:00:00Z") });
    // Lapses at 02:00 BST: the reminder would be at midnight, quiet until 09:00, after the lapse.
    const night = timerLeadOf({ ...awaiting, depositLinkExpiresAt: new Date("2026-06-11T01:00:00Z") });
    expect(nextTimer(night, LONDON)).toBeNull();
  });

  it("waiting for the artist: reminders at 24 h and 48 h, stale at 72 h; a handover is never made stale", () => {
    const pending = timerLeadOf({ status: LeadStatus.PENDING_APPROVAL, statusChangedAt: new Date("2026-06-10T12:00:00Z") });
    expect(timerSchedule(pending, LONDON).map((t) => t.kind)).toEqual([TimerKind.ARTIST_REMINDER, TimerKind.ARTIST_REMINDER_AGAIN, TimerKind.APPROVAL_STALE]);
    const handover = timerLeadOf({ status: LeadStatus.NEEDS_ARTIST_REPLY, statusChangedAt: new Date("2026-06-10T12:00:00Z") });
    expect(timerSchedule(handover, LONDON).map((t) => t.kind)).toEqual([TimerKind.ARTIST_REMINDER, TimerKind.ARTIST_REMINDER_AGAIN]);
    const booking = timerLeadOf({ status: LeadStatus.BOOKING_PENDING, statusChangedAt: new Date("2026-06-10T12:00:00Z") });
    expect(nextTimer(booking, LONDON)).toMatchObject({ kind: TimerKind.BOOKING_FOLLOW_UP, dueAt: new Date("2026-06-13T12:00:00Z") });
  });

  it("fires each timer at most once, and never before it is due (property over statuses, times and runs)", () => {
    const arbLead = fc.record({
      status: fc.constantFrom(...LEAD_STATUSES),
      optedOut: fc.boolean(),
      phoneE164: fc.constantFrom("+447700900123", "+4915112345678", "+12025550123", null),
      recentAnswers: fc.constant([]),
      lastClientMessageAt: fc.option(fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2027-01-01T00:00:00Z"), noInvalidDate: true }), { nil: null }),
      statusChangedAt: fc.option(fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2027-01-01T00:00:00Z"), noInvalidDate: true }), { nil: null }),
      depositLinkExpiresAt: fc.option(fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2027-01-01T00:00:00Z"), noInvalidDate: true }), { nil: null }),
      timersFired: fc.constant([] as string[]),
    });
    const runs = fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(arbLead, runs, (lead, hoursAfter) => {
        let state: TimerLead = lead;
        const fired: string[] = [];
        let now = new Date("2026-01-01T00:00:00Z");
        for (const h of hoursAfter) {
          now = new Date(now.getTime() + h * HOUR);
          // The same run twice: the second finds nothing new.
          for (let repeat = 0; repeat < 2; repeat++) {
            const due = dueTimer(state, now, LONDON);
            if (!due) continue;
            expect(repeat).toBe(0);
            expect(due.fire.dueAt.getTime()).toBeLessThanOrEqual(now.getTime());
            const key = timerKey(due.fire);
            expect(fired).not.toContain(key);
            fired.push(key);
            state = { ...state, timersFired: [...state.timersFired, ...due.skipped.map(timerKey), key] };
          }
        }
        const next = nextTimer(state, LONDON);
        if (next) expect(fired).not.toContain(timerKey(next));
      }),
    );
  });
});

describe("the engine's timer step", () => {
  const quiet = (overrides: Partial<LeadState> = {}) =>
    askedAbout("coverup", { lastClientMessageAt: new Date("2026-06-10T09:00:00Z"), statusChangedAt: new Date("2026-06-10T08:00:00Z"), version: 7, displayName: "Robin Hood", ...overrides });
  const seen = (lead: LeadState) => ({ status: lead.status, version: lead.version ?? 0, lastClientMessageAt: lead.lastClientMessageAt?.toISOString() ?? null });
  const input = (lead: LeadState, kind: TimerKind = TimerKind.CONSULTATION_NUDGE) => ({ type: "timer", kind, dueAt: new Date("2026-06-11T08:00:00Z"), seen: seen(lead) }) as const;
  const config = { ...CONFIG, timers: LONDON };

  it("inside the window: re-asks the current question with its buttons, once", () => {
    const lead = quiet({ serviceWindowEndsAt: new Date("2026-06-11T09:00:00Z") });
    const at = new Date("2026-06-11T08:05:00Z");
    const first = decideTimer(lead, input(lead), at, config);
    expect(first.outcome).toMatchObject({ fired: true, kind: TimerKind.CONSULTATION_NUDGE, template: false });
    expect(first.decision.outbound).toMatchObject([{ to: "client", kind: "buttons", copyKey: "timer.consultation_nudge" }]);
    expect(first.decision.events.map((e) => e.type)).toEqual(["timer.fired"]);
    const after = { ...lead, timersFired: first.decision.patch.timersFired ?? [] };
    expect(decideTimer(after, input(after), at, config).outcome).toEqual({ fired: false, reason: "not_due" });
  });

  it("outside the window: the registry's template, with the studio's name for it", () => {
    const lead = quiet({ serviceWindowEndsAt: new Date("2026-06-11T09:00:00Z") });
    const at = new Date("2026-06-12T08:30:00Z");
    const named = { ...config, templates: { language: "en_GB", names: { consultation_nudge: "studio_nudge" } } };
    const decided = decideTimer(lead, input(lead, TimerKind.CONSULTATION_TEMPLATE_NUDGE), at, named);
    expect(decided.outcome).toMatchObject({ fired: true, kind: TimerKind.CONSULTATION_TEMPLATE_NUDGE, template: true, skipped: [TimerKind.CONSULTATION_NUDGE] });
    expect(decided.decision.outbound).toEqual([{ to: "client", kind: "template", name: "studio_nudge", language: "en_GB", params: ["Robin", "Mara"], copyKey: TEMPLATES.consultation_nudge.previewKey }]);
  });

  it("panic switch on: a client nudge is used up without a word (recorded as held); an artist reminder still goes", () => {
    const panic = { ...config, panic: { on: true, since: new Date("2026-06-11T00:00:00Z") } };
    const lead = quiet({ serviceWindowEndsAt: new Date("2026-06-11T09:00:00Z") });
    const at = new Date("2026-06-11T08:05:00Z");
    const held = decideTimer(lead, input(lead), at, panic);
    expect(held.outcome).toMatchObject({ fired: true, kind: TimerKind.CONSULTATION_NUDGE, held: true });
    expect(held.decision.outbound).toEqual([]);
    expect(held.decision.transitions).toEqual([]);
    expect(held.decision.events.map((e) => e.type)).toEqual(["timer.held"]);
    // Used up: it does not come back once the switch is off (no backlog).
    const after = { ...lead, timersFired: held.decision.patch.timersFired ?? [] };
    expect(decideTimer(after, input(after), at, config).outcome).toEqual({ fired: false, reason: "not_due" });
    const waiting = leadState({ status: LeadStatus.PENDING_APPROVAL, statusChangedAt: new Date("2026-06-10T12:00:00Z"), lastClientMessageAt: new Date("2026-06-10T11:00:00Z"), version: 3 });
    const reminder = decideTimer(waiting, { type: "timer", kind: TimerKind.ARTIST_REMINDER, dueAt: new Date("2026-06-11T12:00:00Z"), seen: seen(waiting) }, new Date("2026-06-11T12:00:00Z"), panic);
    expect(reminder.decision.outbound.map((o) => o.to)).toEqual(["artist"]);
  });

  it("48 h of silence: ABANDONED, nothing sent", () => {
    const lead = quiet();
    const decided = decideTimer(lead, input(lead), new Date("2026-06-12T20:00:00Z"), config);
    expect(decided.decision.transitions.map((t) => [t.from, t.to])).toEqual([[LeadStatus.QUALIFYING, LeadStatus.ABANDONED]]);
    expect(decided.decision.outbound).toEqual([]);
  });

  it("the lead moved on since the cron saw it (the client answered, the status or version changed): nothing", () => {
    const lead = quiet();
    const sawOlder = { ...input(lead), seen: { ...seen(lead), lastClientMessageAt: "2026-06-09T09:00:00.000Z" } };
    expect(decideTimer(lead, sawOlder, new Date("2026-06-12T09:00:00Z"), config)).toMatchObject({ outcome: { fired: false, reason: "moved_on" }, decision: { outbound: [], transitions: [] } });
    const otherVersion = { ...input(lead), seen: { ...seen(lead), version: 6 } };
    expect(decideTimer(lead, otherVersion, new Date("2026-06-12T09:00:00Z"), config).outcome).toEqual({ fired: false, reason: "moved_on" });
    const otherStatus = { ...input(lead), seen: { ...seen(lead), status: LeadStatus.NEW } };
    expect(decideTimer(lead, otherStatus, new Date("2026-06-12T09:00:00Z"), config).outcome).toEqual({ fired: false, reason: "moved_on" });
  });

  it("waiting for approval 72 h: STALE, the client told courteously (template outside the window), the artist told", () => {
    const lead = leadState({ status: LeadStatus.PENDING_APPROVAL, statusChangedAt: new Date("2026-06-10T12:00:00Z"), lastClientMessageAt: new Date("2026-06-10T11:00:00Z"), version: 3, displayName: "Sam" });
    const decided = decideTimer(lead, { type: "timer", kind: TimerKind.APPROVAL_STALE, dueAt: new Date("2026-06-13T12:00:00Z"), seen: seen(lead) }, new Date("2026-06-13T12:01:00Z"), config);
    expect(decided.decision.transitions.map((t) => t.to)).toEqual([LeadStatus.STALE]);
    expect(decided.decision.outbound.map((o) => [o.to, o.kind])).toEqual([
      ["artist", "text"],
      ["client", "template"],
    ]);
  });

  it("an artist reminder carries the one-tap buttons (no raw links), bound to the artist's buttons message only", () => {
    const lead = leadState({ status: LeadStatus.PENDING_APPROVAL, statusChangedAt: new Date("2026-06-10T12:00:00Z"), lastClientMessageAt: new Date("2026-06-10T11:00:00Z"), version: 3 });
    const decided = decideTimer(lead, { type: "timer", kind: TimerKind.ARTIST_REMINDER, dueAt: new Date("2026-06-11T12:00:00Z"), seen: seen(lead) }, new Date("2026-06-11T12:00:00Z"), { ...config, actionLinks: true });
    expect(decided.decision.outbound).toMatchObject([
      { to: "artist", kind: "cta", copyKey: "timer.artist_reminder.approval" },
      { to: "artist", kind: "actions", copyKey: "artist.notice_buttons" },
    ]);
    expect(decided.decision.actionLinks.map((l) => [l.action, l.messageIndex])).toEqual([
      ["approve", 1],
      ["reject", 1],
      ["send_deposit", 1],
      ["mark_booked", 1],
    ]);
  });

  it("a handover reminder carries the resume button; without links, the notice as text", () => {
    const lead = leadState({ status: LeadStatus.NEEDS_ARTIST_REPLY, statusChangedAt: new Date("2026-06-10T12:00:00Z"), lastClientMessageAt: new Date("2026-06-10T11:00:00Z"), version: 3 });
    const input = { type: "timer", kind: TimerKind.ARTIST_REMINDER, dueAt: new Date("2026-06-11T12:00:00Z"), seen: seen(lead) } as const;
    const decided = decideTimer(lead, input, new Date("2026-06-11T12:00:00Z"), { ...config, actionLinks: true });
    expect(decided.decision.outbound.map((m) => [m.kind, m.copyKey])).toEqual([
      ["cta", "timer.artist_reminder.handover"],
      ["actions", "artist.notice_buttons"],
    ]);
    expect(decided.decision.actionLinks.map((l) => [l.action, l.messageIndex])).toEqual([["resume", 1]]);
    const plain = decideTimer(lead, input, new Date("2026-06-11T12:00:00Z"), config);
    expect(plain.decision.outbound.map((m) => [m.kind, m.copyKey])).toEqual([["text", "timer.artist_reminder.handover"]]);
  });

  it("a deposit link about to lapse: the link again inside the window, the template (hours left) outside", () => {
    const expires = new Date("2026-06-10T16:00:00Z");
    const payment = { attempt: 1, ruleVersion: "v1", sessionId: "cs_1", linkUrl: "https://checkout.stripe.test/c/cs_1", linkExpiresAt: expires, paidAt: null, paymentIntentId: null, refundedMinor: 0, ledger: [] };
    const lead = leadState({ status: LeadStatus.AWAITING_DEPOSIT, statusChangedAt: new Date("2026-06-10T08:00:00Z"), lastClientMessageAt: new Date("2026-06-10T07:00:00Z"), version: 2, displayName: "Kim", payment });
    const input = { type: "timer", kind: TimerKind.DEPOSIT_REMINDER, dueAt: new Date("2026-06-10T14:00:00Z"), seen: seen(lead) } as const;
    const open = decideTimer({ ...lead, serviceWindowEndsAt: new Date("2026-06-11T07:00:00Z") }, input, new Date("2026-06-10T14:01:00Z"), config);
    expect(open.decision.outbound).toMatchObject([{ to: "client", kind: "text", copyKey: "timer.deposit_reminder" }]);
    expect(open.decision.outbound[0]?.kind === "text" && open.decision.outbound[0].body).toContain(payment.linkUrl);
    const closed = decideTimer({ ...lead, serviceWindowEndsAt: new Date("2026-06-10T12:00:00Z") }, input, new Date("2026-06-10T14:01:00Z"), config);
    expect(closed.decision.outbound).toMatchObject([{ to: "client", kind: "template", name: "inkline_deposit_reminder", params: ["Kim", "Mara", "2"] }]);
  });

  it("paid but not booked for 72 h: NEEDS_FOLLOW_UP, the artist told with a mark-booked button", () => {
    const lead = leadState({ status: LeadStatus.BOOKING_PENDING, statusChangedAt: new Date("2026-06-10T12:00:00Z"), lastClientMessageAt: new Date("2026-06-10T11:00:00Z"), version: 4 });
    const decided = decideTimer(lead, { type: "timer", kind: TimerKind.BOOKING_FOLLOW_UP, dueAt: new Date("2026-06-13T12:00:00Z"), seen: seen(lead) }, new Date("2026-06-13T12:00:00Z"), { ...config, actionLinks: true });
    expect(decided.decision.transitions.map((t) => t.to)).toEqual([LeadStatus.NEEDS_FOLLOW_UP]);
    expect(decided.decision.outbound).toMatchObject([
      { to: "artist", kind: "cta", copyKey: "timer.booking_follow_up" },
      { to: "artist", kind: "actions", copyKey: "artist.notice_buttons" },
    ]);
    expect(decided.decision.actionLinks.map((l) => [l.action, l.messageIndex])).toEqual([["mark_booked", 1]]);
  });

  it("timerLead reads what the cron's index is kept from", () => {
    const lead = quiet({ timersFired: ["x@y"], payment: undefined });
    expect(timerLead(lead)).toMatchObject({ status: LeadStatus.QUALIFYING, timersFired: ["x@y"], depositLinkExpiresAt: null });
  });
});

describe("the template registry and the README", () => {
  it("the README lists every template with its default name, parameters and the body submitted to Meta", async () => {
    const { readFileSync } = await import("node:fs");
    const { renderCopy } = await import("../../src/domain/copy.ts");
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const [key, spec] of Object.entries(TEMPLATES)) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
      expect(row, `README row for template ${key}`).toBeDefined();
      expect(row).toContain(`\`${spec.name}\``);
      expect(row).toContain(spec.params.join(", "));
      // The body is the copy catalogue's, with Meta's {{n}} for our {n}.
      if (spec.audience === "client") expect(row).toContain(renderCopy(spec.previewKey, { 1: "{{1}}", 2: "{{2}}", 3: "{{3}}", 4: "{{4}}" }));
    }
  });
});
