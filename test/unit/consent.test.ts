/**
 * Consent and age before the deposit (issue 18): the date-of-birth parser (messy input, UK
 * day-first, future dates refused), the age judgement (properties: any date of birth under the
 * minimum age is refused, any date in the future is repaired), and the engine step from the
 * artist's approval to the slot offer or deposit link, as transcripts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { judgeDateOfBirth, readConsent, type ConsentRecord } from "../../src/domain/consent.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { decide, decideArtistAction, type Decision, type EngineConfig, type LeadState } from "../../src/domain/engine.ts";
import { decideTimer, timerLead } from "../../src/domain/engine/timers.ts";
import { canTransition } from "../../src/domain/state-machine.ts";
import { nextTimer, TimerKind } from "../../src/domain/timers.ts";
import type { BookingConfig } from "../../src/domain/engine/types.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import { parseDateOfBirth } from "../../src/domain/parsing/date-of-birth.ts";
import { headerRow, leadRow, type SheetLead } from "../../src/domain/sheet-row.ts";
import { ageOn, defaultPolicy, type StudioPolicy } from "../../src/domain/studio-policy.ts";
import { CONFIG, copyKeys, eventTypes, expectLegalTransitions, HOUR, leadState, NOW, says, taps, toArtist } from "../support/engine.ts";

const TODAY = new Date("2026-03-02T00:00:00.000Z");

describe("parseDateOfBirth", () => {
  it.each([
    ["12/03/1999", "1999-03-12"],
    ["12-03-1999", "1999-03-12"],
    ["12.3.1999", "1999-03-12"],
    ["12 March 1999", "1999-03-12"],
    ["12th of March, 1999", "1999-03-12"],
    ["March 12th 1999", "1999-03-12"],
    ["1999-03-12", "1999-03-12"],
    ["my date of birth is 12/03/99", "1999-03-12"],
    ["DOB: 01/02/05", "2005-02-01"],
    ["03/04/2000", "2000-04-03"],
    ["04/25/2000", "2000-04-25"],
    ["29/02/2000", "2000-02-29"],
  ])("%s → %s (UK day-first)", (text, expected) => {
    expect(parseDateOfBirth(text, TODAY)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ["", "empty"],
    ["no idea", "not_a_date"],
    ["31/02/1999", "not_a_date"],
    ["29/02/2001", "not_a_date"],
    ["12 Smarch 1999", "not_a_date"],
    ["12/03/2030", "future"],
    ["2026-03-03", "future"],
    ["12/03/1850", "implausible"],
  ])("%j is repaired (%s)", (text, reason) => {
    expect(parseDateOfBirth(text, TODAY)).toEqual({ ok: false, reason });
  });

  it("month-first when asked: 03/04/2000 is 4 March", () => {
    expect(parseDateOfBirth("03/04/2000", TODAY, { monthFirst: true })).toEqual({ ok: true, value: "2000-03-04" });
  });
});

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const dayMonthYear = (d: Date) => `${d.getUTCDate()}/${d.getUTCMonth() + 1}/${d.getUTCFullYear()}`;

describe("judgeDateOfBirth (properties)", () => {
  const days = fc.integer({ min: 1, max: 40_000 });

  it("any date in the future is repaired, never judged", () => {
    fc.assert(
      fc.property(days, (ahead) => {
        const dob = new Date(TODAY.getTime() + ahead * 86_400_000);
        expect(judgeDateOfBirth(defaultPolicy(), dayMonthYear(dob), TODAY)).toEqual({ kind: "repair", reason: "future" });
      }),
    );
  });

  it("any date of birth under the minimum age is refused, and any at or over it is not", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 * 366 }), fc.integer({ min: 16, max: 99 }), (back, minimumAge) => {
        const dob = new Date(TODAY.getTime() - back * 86_400_000);
        const judged = judgeDateOfBirth({ minimumAge }, dayMonthYear(dob), TODAY);
        const age = ageOn(isoDay(dob), TODAY);
        expect(judged).toEqual({ kind: age < minimumAge ? "under_age" : "adult", dateOfBirth: isoDay(dob), age });
      }),
    );
  });

  it("the 18th birthday is the day they may book", () => {
    expect(judgeDateOfBirth(defaultPolicy(), "02/03/2008", TODAY)).toMatchObject({ kind: "adult", age: 18 });
    expect(judgeDateOfBirth(defaultPolicy(), "03/03/2008", TODAY)).toMatchObject({ kind: "under_age", age: 17 });
  });
});

const ZONE = "Europe/London";
const BOOKING: BookingConfig = { timeZone: ZONE, offerCount: 5, holdLinkMs: HOUR, studioAddress: null, view: { rules: defaultAvailability(ZONE), busy: [] } };
const POLICY: StudioPolicy = {
  ...defaultPolicy(),
  medicalQuestions: [
    { id: "blood_thinners", question: "Are you taking blood thinners?" },
    { id: "pregnant", question: "Are you pregnant or breastfeeding?" },
  ],
};
const WITH_CONSENT: EngineConfig = { ...CONFIG, payments: true, actionLinks: true, booking: BOOKING, policy: POLICY };
const DEPOSIT = { amountMinor: 10_000, currency: "GBP" };

const pending = (overrides: Partial<LeadState> = {}) =>
  leadState({
    status: LeadStatus.PENDING_APPROVAL,
    displayName: "Ari Lane",
    deposit: DEPOSIT,
    size: { category: "MEDIUM" },
    serviceWindowEndsAt: new Date(NOW.getTime() + 20 * HOUR),
    lastClientMessageAt: new Date(NOW.getTime() - 4 * HOUR),
    ...overrides,
  });

const act = (lead: LeadState, action: "approve" | "send_deposit", config: EngineConfig = WITH_CONSENT) =>
  decideArtistAction(lead, { type: "artist_action", action, reason: null, via: "link" }, NOW, config);

/** The lead once `decision` is stored (the fields this step reads). */
function after(lead: LeadState, decision: Decision): LeadState {
  const { patch } = decision;
  return {
    ...lead,
    status: decision.transitions.at(-1)?.to ?? lead.status,
    consent: patch.consent ?? lead.consent,
    failureCounts: patch.failureCounts ?? lead.failureCounts,
    lastClientMessageAt: patch.lastClientMessageAt ?? lead.lastClientMessageAt,
    resumeStatus: patch.resumeStatus === undefined ? lead.resumeStatus : patch.resumeStatus,
  };
}

/** Runs the client's messages in turn from `lead`; every transition legal. */
function chat(lead: LeadState, messages: ReturnType<typeof says>[], config: EngineConfig = WITH_CONSENT) {
  const decisions: Decision[] = [];
  let current = lead;
  for (const message of messages) {
    const decision = decide(current, { type: "client_message", message }, NOW, config);
    expectLegalTransitions(current, decision);
    decisions.push(decision);
    current = after(current, decision);
  }
  return { decisions, lead: current };
}

const record = (lead: LeadState): ConsentRecord => {
  const r = readConsent(lead.consent);
  if (!r) throw new Error("no consent record");
  return r;
};

describe("the consent step in the engine", () => {
  it("on by default: with no policy written, approval asks the date of birth under the default policy (18+, its medical questions)", () => {
    const { policy: _written, ...unwritten } = WITH_CONSENT;
    const approved = act(pending(), "approve", unwritten);
    expect(approved.outcome).toMatchObject({ ok: true, to: LeadStatus.CHECKING_CONSENT });
    expect(copyKeys(approved.decision)).toEqual(["consent.dob.client"]);
    expect(approved.decision.patch.consent).toMatchObject({ step: "dob", next: "slots", policy: defaultPolicy() });
    const deposit = act(pending(), "send_deposit", unwritten);
    expect(deposit.outcome).toMatchObject({ ok: true, to: LeadStatus.CHECKING_CONSENT });
    expect(deposit.decision.checkout).toBeUndefined();
    // Under the default policy, a 17-year-old is refused.
    const { lead: refused } = chat(after(pending(), approved.decision), [says("03/03/2009")], unwritten);
    expect(refused.status).toBe(LeadStatus.REJECTED);
  });

  it("a lead that has already given consent is not asked again: approval offers slots at once", () => {
    const lead = after(pending(), act(pending(), "approve").decision);
    const { lead: done } = chat(lead, [says("12/03/1999"), says("no"), says("no"), says("I agree")]);
    expect(record(done).step).toBe("done");
    const again = act({ ...done, status: LeadStatus.PENDING_APPROVAL }, "approve");
    expect(copyKeys(again.decision)).toEqual(["action.approve_booking.client", "booking.offer.client"]);
  });

  it("a policy with no medical questions still asks the date of birth and the acknowledgement", () => {
    const config = { ...WITH_CONSENT, policy: { ...POLICY, medicalQuestions: [] } };
    const lead = after(pending(), act(pending(), "approve", config).decision);
    const { decisions, lead: done } = chat(lead, [says("12/03/1999"), says("I agree")], config);
    expect(copyKeys(decisions[0] as Decision)).toEqual(["consent.policy.client"]);
    expect(record(done)).toMatchObject({ step: "done", answers: [] });
    expect(copyKeys(decisions[1] as Decision)).toContain("booking.offer.client");
  });

  it("approve → DOB → two medical answers → I agree → the slot offer; everything kept with the lead", () => {
    const approved = act(pending(), "approve");
    expect(approved.outcome).toMatchObject({ ok: true, to: LeadStatus.CHECKING_CONSENT });
    expect(copyKeys(approved.decision)).toEqual(["consent.dob.client"]);
    expect(approved.decision.patch.approvedAt).toEqual(NOW);
    const lead = after(pending(), approved.decision);
    const agreeAt = NOW.getTime() - 30_000;
    const { decisions, lead: done } = chat(lead, [
      says("12 March 1999"),
      taps("consent_no", "No"),
      says("no"),
      taps("consent_agree", "I agree"),
    ].map((m, i) => (i === 3 ? { ...m, timestampMs: agreeAt } : m)));
    expect(decisions.map(copyKeys)).toEqual([["consent.medical.client"], ["consent.medical.client"], ["consent.policy.client"], ["booking.offer.client"]]);
    expect(decisions[0]?.outbound[0]).toMatchObject({ kind: "buttons", body: "Question 1 of 2: Are you taking blood thinners?", buttons: [{ id: "consent_yes" }, { id: "consent_no" }] });
    expect(done.status).toBe(LeadStatus.CHOOSING_SLOT);
    expect(record(done)).toMatchObject({
      step: "done",
      dateOfBirth: "1999-03-12",
      age: 26,
      flags: [],
      answers: [
        { id: "blood_thinners", yes: false },
        { id: "pregnant", yes: false },
      ],
      // The time of the client's message, not the clock.
      policyAcknowledgedAt: new Date(agreeAt).toISOString(),
      policy: POLICY,
    });
    expect(toArtist(decisions[1] as Decision)).toEqual([]);
  });

  it("the policy is shown in plain words from the policy: notice hours, free moves, the deposit's fate", () => {
    const lead = after(pending(), act(pending(), "approve").decision);
    const { decisions } = chat(lead, [says("1999-03-12"), says("no"), says("no")]);
    const policy = decisions[2]?.outbound[0];
    expect(policy).toMatchObject({ kind: "buttons", buttons: [{ id: "consent_agree", title: "I agree" }] });
    const body = policy && "body" in policy ? policy.body : "";
    expect(body).toContain("at least 48 hours' notice");
    expect(body).toContain("kept for you as credit for 180 days");
    expect(body).toContain("move your appointment 1 time(s)");
    expect(body).toContain("If you don't come, it's kept by the studio");
    expect(body).toContain(renderCopy("consent.policy.off_price"));
  });

  it("a medical yes flags the lead and tells the artist; the consultation goes on", () => {
    const lead = after(pending(), act(pending(), "approve").decision);
    const { decisions, lead: next } = chat(lead, [says("12/03/1999"), taps("consent_yes", "Yes")]);
    const flagged = decisions[1] as Decision;
    expect(copyKeys(flagged)).toEqual(["consent.medical.client"]);
    const notices = toArtist(flagged);
    expect(notices).toMatchObject([{ copyKey: "consent.medical_flag.artist" }]);
    expect(JSON.stringify(notices)).toContain("Are you taking blood thinners?");
    expect(record(next).flags).toEqual(["blood_thinners"]);
    expect(next.status).toBe(LeadStatus.CHECKING_CONSENT);
  });

  it("under the minimum age: refused kindly, no deposit, the lead closed, the artist told", () => {
    const lead = after(pending(), act(pending(), "send_deposit").decision);
    const { decisions, lead: closed } = chat(lead, [says("01/01/2010")]);
    const refused = decisions[0] as Decision;
    expect(copyKeys(refused)).toEqual(["consent.under_age.client"]);
    expect(refused.checkout).toBeUndefined();
    expect(closed.status).toBe(LeadStatus.REJECTED);
    expect(toArtist(refused)).toMatchObject([{ copyKey: "consent.under_age.artist" }]);
    expect(record(closed)).toMatchObject({ step: "refused", dateOfBirth: "2010-01-01", age: 16 });
  });

  it("a bad DOB is repaired, then on the third failure handed over", () => {
    const lead = after(pending(), act(pending(), "approve").decision);
    const { decisions, lead: handed } = chat(lead, [says("yesterday-ish"), says("12/03/2031"), says("no")]);
    expect(decisions.slice(0, 2).map(copyKeys)).toEqual([["consent.dob_repair.not_a_date"], ["consent.dob_repair.future"]]);
    expect(handed.status).toBe(LeadStatus.NEEDS_ARTIST_REPLY);
    expect(handed.resumeStatus).toBe(LeadStatus.CHECKING_CONSENT);
    expect(eventTypes(decisions[2] as Decision)).toContain("lead.handed_over");
  });

  it("send deposit: after consent, the deposit link (not a slot offer); refused as before without a deposit", () => {
    const lead = after(pending(), act(pending(), "send_deposit").decision);
    const { decisions, lead: paying } = chat(lead, [says("12/03/1999"), says("no"), says("no"), says("I agree")]);
    expect(copyKeys(decisions[3] as Decision)).toEqual(["deposit.link.client"]);
    expect(decisions[3]?.checkout).toMatchObject({ amountMinor: 10_000 });
    expect(paying.status).toBe(LeadStatus.AWAITING_DEPOSIT);
    expect(act(pending({ deposit: null }), "send_deposit").outcome).toMatchObject({ ok: false, reason: "no_deposit" });
  });

  it("once given, never asked again: a later deposit link goes straight out", () => {
    const lead = after(pending(), act(pending(), "approve").decision);
    const { lead: done } = chat(lead, [says("12/03/1999"), says("no"), says("no"), says("agree")]);
    const later = act({ ...done, status: LeadStatus.COLLECTING_TIME_WINDOWS }, "send_deposit");
    expect(copyKeys(later.decision)).toEqual(["deposit.link.client"]);
  });

  it("handed over mid-step and handed back: the client is asked the step's question again", () => {
    const lead = after(pending(), act(pending(), "approve").decision);
    const { lead: handed } = chat(lead, [says("??"), says("???"), says("????")]);
    expect(handed.status).toBe(LeadStatus.NEEDS_ARTIST_REPLY);
    const resumed = decideArtistAction(handed, { type: "artist_action", action: "resume", reason: null, via: "link" }, NOW, WITH_CONSENT);
    expect(resumed.outcome).toMatchObject({ ok: true, to: LeadStatus.CHECKING_CONSENT });
    expect(copyKeys(resumed.decision)).toEqual(["action.resume.client", "consent.dob_again.client"]);
    const next = after(handed, resumed.decision);
    const { lead: asked } = chat(next, [says("12/03/1999")]);
    expect(record(asked)).toMatchObject({ step: "medical", dateOfBirth: "1999-03-12" });
  });

  it("approved after the client's window closed: the consent_request template asks for the DOB", () => {
    const { decision } = act(pending({ serviceWindowEndsAt: new Date(NOW.getTime() - HOUR) }), "approve");
    expect(decision.outbound).toMatchObject([{ to: "client", kind: "template", name: "inkline_consent_request", params: ["Ari", "Mara"] }]);
  });

  it("the answers never reach the spreadsheet row", () => {
    const lead = after(pending(), act(pending(), "approve").decision);
    const { lead: done, decisions } = chat(lead, [says("12/03/1999"), taps("consent_yes", "Yes"), says("no"), says("I agree")]);
    const stored = JSON.stringify(record(done));
    expect(stored).toContain("1999-03-12");
    // What the step's decisions would store as answers (lead_answers: what the writer reads for
    // the Answers column) goes into the row as the writer would put it: none of it is consent.
    const answers = decisions.flatMap((d) => d.answers).flatMap((a) => (a.rawText === null ? [] : [{ questionKey: a.questionKey, rawText: a.rawText }]));
    expect(buildSheetRowFor(done, answers)).not.toMatch(/1999|12\/03|blood|consent|pregnan|I agree/i);
  });
});

/**
 * The lead's spreadsheet row, as text: built as the writer builds it (sheet-store.ts selects named
 * columns and the stored answers), here even handed the consent record, which no column reads.
 */
function buildSheetRowFor(lead: LeadState, answers: SheetLead["answers"]): string {
  const row: SheetLead & { consent: unknown } = {
    id: lead.id,
    createdAt: NOW,
    status: lead.status,
    displayName: lead.displayName,
    contact: lead.phoneE164,
    answers,
    priceMinMinor: null,
    priceMaxMinor: null,
    priceCurrency: null,
    depositAmountMinor: 10_000,
    depositCurrency: "GBP",
    ledger: [],
    bookingStartsAt: null,
    updatedAt: NOW,
    version: 1,
    consent: lead.consent,
  };
  return JSON.stringify([headerRow(), leadRow(row)]);
}

describe("a client who stops part-way through consent", () => {
  const ZONE_TIMERS = { studioTimeZone: ZONE, quietHours: null };
  const config: EngineConfig = { ...WITH_CONSENT, timers: ZONE_TIMERS };
  const APPROVED_AT = new Date("2026-06-10T09:00:00Z");
  /** Approved at 09:00, answered the date of birth at 09:30, then nothing: at the first medical question. */
  const stopped = (overrides: Partial<LeadState> = {}): LeadState => {
    const approved = after(pending(), act(pending(), "approve").decision);
    const { lead } = chat(approved, [says("12/03/1999")]);
    return { ...lead, statusChangedAt: APPROVED_AT, lastClientMessageAt: new Date(APPROVED_AT.getTime() + 30 * 60_000), version: 4, serviceWindowEndsAt: new Date("2026-06-11T09:30:00Z"), ...overrides };
  };
  const seen = (lead: LeadState) => ({ status: lead.status, version: lead.version ?? 0, lastClientMessageAt: lead.lastClientMessageAt?.toISOString() ?? null });
  const fire = (lead: LeadState, kind: TimerKind, at: Date) => decideTimer(lead, { type: "timer", kind, dueAt: at, seen: seen(lead) }, at, config);

  it("is nudged 12 h after their last answer with the question they stopped at; again at 36 h by template once the window has closed", () => {
    const lead = stopped();
    expect(nextTimer(timerLead(lead), ZONE_TIMERS)).toMatchObject({ kind: TimerKind.CONSENT_NUDGE, dueAt: new Date("2026-06-10T21:30:00Z") });
    const first = fire(lead, TimerKind.CONSENT_NUDGE, new Date("2026-06-10T21:30:00Z"));
    expect(first.outcome).toMatchObject({ fired: true, kind: TimerKind.CONSENT_NUDGE, template: false });
    expect(copyKeys(first.decision)).toEqual(["timer.consent_nudge", "consent.medical.client"]);
    expect(first.decision.outbound[1]).toMatchObject({ kind: "buttons", buttons: [{ id: "consent_yes" }, { id: "consent_no" }] });
    const nudged = { ...lead, timersFired: first.decision.patch.timersFired ?? [] };
    expect(nextTimer(timerLead(nudged), ZONE_TIMERS)).toMatchObject({ kind: TimerKind.CONSENT_NUDGE_AGAIN, dueAt: new Date("2026-06-11T21:30:00Z") });
    const second = fire(nudged, TimerKind.CONSENT_NUDGE_AGAIN, new Date("2026-06-11T21:30:00Z"));
    expect(second.outcome).toMatchObject({ fired: true, kind: TimerKind.CONSENT_NUDGE_AGAIN, template: true });
    expect(second.decision.outbound).toMatchObject([{ to: "client", kind: "template", name: "inkline_consent_nudge", params: ["Ari", "Mara"] }]);
    expect(second.decision.transitions).toEqual([]);
  });

  it("a client who never answered after the approval: the clock counts from the approval, not their older last message", () => {
    const lead = stopped({ lastClientMessageAt: new Date(APPROVED_AT.getTime() - 20 * HOUR) });
    expect(nextTimer(timerLead(lead), ZONE_TIMERS)).toMatchObject({ kind: TimerKind.CONSENT_NUDGE, dueAt: new Date("2026-06-10T21:00:00Z") });
  });

  it("after 72 h with no answer: STALE (a legal edge), the artist told; nothing more is scheduled for the step", () => {
    const lead = stopped();
    const at = new Date("2026-06-13T09:30:00Z");
    const decided = fire(lead, TimerKind.CONSENT_STALE, at);
    // The nudges it outlived are marked skipped, never sent late.
    expect(decided.outcome).toMatchObject({ fired: true, kind: TimerKind.CONSENT_STALE, skipped: [TimerKind.CONSENT_NUDGE, TimerKind.CONSENT_NUDGE_AGAIN] });
    expect(decided.decision.transitions.map((t) => t.to)).toEqual([LeadStatus.STALE]);
    expect(canTransition(LeadStatus.CHECKING_CONSENT, LeadStatus.STALE)).toBe(true);
    expect(copyKeys(decided.decision)).toEqual([]);
    expect(toArtist(decided.decision).map((o) => o.copyKey)).toEqual(["timer.consent_stale.artist"]);
    expect(eventTypes(decided.decision)).toContain("consent.stale");
  });

  it("an answer moves the clock: a nudge computed before it is not sent", () => {
    const lead = stopped();
    const answered = { ...lead, version: 5, lastClientMessageAt: new Date("2026-06-10T21:00:00Z") };
    const decided = decideTimer(answered, { type: "timer", kind: TimerKind.CONSENT_NUDGE, dueAt: new Date("2026-06-10T21:30:00Z"), seen: seen(lead) }, new Date("2026-06-10T21:30:00Z"), config);
    expect(decided.outcome).toEqual({ fired: false, reason: "moved_on" });
  });

  it("approving the stale lead again starts the step again", () => {
    const stale = { ...stopped(), status: LeadStatus.STALE };
    const again = act(stale, "approve");
    expect(again.outcome).toMatchObject({ ok: true, to: LeadStatus.CHECKING_CONSENT });
    expect(again.decision.patch.consent).toMatchObject({ step: "dob" });
  });
});
