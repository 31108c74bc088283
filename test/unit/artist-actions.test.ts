/**
 * The artist's actions in the engine: where each may run, what it moves and says, and how a
 * one-tap token is judged; plus the links the artist's notices ask for. Pure (Node).
 */
import { describe, expect, it } from "vitest";
import {
  ACTION_ALLOWED_FROM,
  ACTION_TARGET,
  ARTIST_ACTIONS,
  checkActionToken,
  storedAppliedOutcome,
  type ArtistAction,
  type StoredActionToken,
} from "../../src/domain/artist-actions.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { NO_PAYMENT, type PaymentState } from "../../src/domain/deposit.ts";
import { defaultAvailability } from "../../src/domain/availability.ts";
import { decideArtistAction, type EngineConfig, type LeadState } from "../../src/domain/engine.ts";
import { LEAD_STATUSES, LeadStatus } from "../../src/domain/lead-status.ts";
import { canTransition } from "../../src/domain/state-machine.ts";
import { answersBefore, askedAbout, CONFIG, CONSENTED, expectLegalTransitions, HOUR, leadState, NOW, replies, run, says, toArtist } from "../support/engine.ts";

/** Online payments on: deposit links and refunds can be made. */
const PAYMENTS = { ...CONFIG, payments: true };
/** The calendar step on too (offer_slots needs it). */
const BOOKING = { ...PAYMENTS, booking: { timeZone: "Europe/London", offerCount: 5, holdLinkMs: HOUR, studioAddress: null, view: { rules: defaultAvailability("Europe/London"), busy: [] } } };
const act = (lead: LeadState, action: ArtistAction, reason: string | null = null, config: EngineConfig = PAYMENTS) =>
  decideArtistAction(lead, { type: "artist_action", action, reason, via: "link" }, NOW, config);
/** A deposit of £100 received at checkout (what a refund needs). */
const PAID = {
  ...NO_PAYMENT,
  attempt: 1,
  sessionId: "cs_test_1",
  paidAt: NOW,
  paymentIntentId: "pi_1",
  ledger: [{ kind: "payment", amountMinor: 10_000, currency: "GBP", at: NOW.toISOString(), reference: "pi_1", source: "checkout", reason: null, status: "succeeded" }],
} as const satisfies PaymentState;

/** A lead waiting for approval whose consent step is done (consent.test.ts covers the step itself). */
const pending = (overrides: Partial<LeadState> = {}) => leadState({ status: LeadStatus.PENDING_APPROVAL, displayName: "Ari Lane", consent: CONSENTED, ...overrides });
const copy = (key: Parameters<typeof renderCopy>[0], extra: Record<string, string> = {}) =>
  renderCopy(key, { artistName: "Mara", greetingName: " Ari", replyDays: 3, ...extra });

describe("where each action may run", () => {
  const cases = ARTIST_ACTIONS.flatMap((action) => LEAD_STATUSES.map((status) => [action, status] as const));

  it.each(cases)("%s from %s: runs exactly where the table allows, and only along state-machine edges", (action, status) => {
    // Everything an action could need: a quoted deposit (send_deposit), a received one (refund).
    const lead = leadState({
      status,
      resumeStatus: status === LeadStatus.NEEDS_ARTIST_REPLY ? LeadStatus.QUALIFYING : null,
      deposit: { amountMinor: 10_000, currency: "GBP" },
      payment: { ...PAID, ledger: [...PAID.ledger] },
      size: { category: "MEDIUM" },
      // A booked session (issue 18): to come for a cancel or a move, begun for a no-show.
      heldSlot: { bookingId: "booking-1", start: new Date(NOW.getTime() + (action === "mark_no_show" ? -2 : 100) * HOUR).toISOString(), end: new Date(NOW.getTime() + (action === "mark_no_show" ? 1 : 103) * HOUR).toISOString(), label: "Tue 7 July, 10:00–13:00" },
    });
    const config = action === "offer_slots" || action === "allow_move" ? BOOKING : PAYMENTS;
    const { decision, outcome } =
      action === "override_deposit" ? decideArtistAction(lead, { type: "artist_action", action, reason: "goodwill", via: "admin", fate: "credit" }, NOW, config) : act(lead, action, null, config);
    const allowed = (ACTION_ALLOWED_FROM[action] as readonly string[]).includes(status);
    expect(outcome.ok).toBe(allowed);
    if (!allowed) {
      expect(outcome).toMatchObject({ reason: "wrong_status", status });
      expect(decision.outbound).toEqual([]);
      expect(decision.transitions).toEqual([]);
      return;
    }
    expectLegalTransitions(lead, decision);
    const target = ACTION_TARGET[action];
    if (target !== null && target !== "resume_status") expect(canTransition(status, target)).toBe(true);
  });
});

describe("what each action does", () => {
  it("approve: COLLECTING_TIME_WINDOWS, approved_at, the client hears the good news", () => {
    const { decision, outcome } = act(pending(), "approve");
    expect(outcome).toEqual({ ok: true, action: "approve", leadId: "lead-1", from: "PENDING_APPROVAL", to: "COLLECTING_TIME_WINDOWS" });
    expect(decision.patch.approvedAt).toEqual(NOW);
    expect(replies(decision)).toEqual([copy("action.approve.client")]);
    expect(decision.events.map((e) => e.type)).toEqual(["artist.approved"]);
  });

  it("reject with a reason: REJECTED, the reason kept for the records, never told to the client", () => {
    const { decision } = act(pending(), "reject", "not my style");
    expect(decision.transitions.map((t) => t.to)).toEqual(["REJECTED"]);
    expect(decision.patch).toMatchObject({ rejectedAt: NOW, rejectionReason: "not my style" });
    expect(replies(decision)).toEqual([copy("action.reject.client")]);
    expect(replies(decision).join(" ")).not.toContain("not my style");
  });

  it.each(["not_my_style", "too_big", "fully_booked", "other"] as const)("reject from WhatsApp's reason list (%s): the client gets that reason's kind message", (rejectReason) => {
    const { decision, outcome } = decideArtistAction(pending(), { type: "artist_action", action: "reject", reason: rejectReason, via: "whatsapp", rejectReason }, NOW, PAYMENTS);
    expect(outcome.ok).toBe(true);
    expect(decision.patch).toMatchObject({ rejectionReason: rejectReason });
    expect(replies(decision)).toEqual([copy(`action.reject.client.${rejectReason}`)]);
    expect(decision.events).toContainEqual(expect.objectContaining({ type: "artist.rejected", payload: expect.objectContaining({ reject_reason: rejectReason, via: "whatsapp" }) as unknown }));
  });

  it('reject with "no message": REJECTED, and the client is sent nothing', () => {
    const { decision } = decideArtistAction(pending(), { type: "artist_action", action: "reject", reason: "No message", via: "whatsapp", rejectReason: "no_message" }, NOW, PAYMENTS);
    expect(decision.transitions.map((t) => t.to)).toEqual(["REJECTED"]);
    expect(decision.outbound).toEqual([]);
  });

  it("send deposit: the deposit is locked, a Checkout Session asked for, AWAITING_DEPOSIT, and the link goes in the client's message", () => {
    const { decision, outcome } = act(pending({ deposit: { amountMinor: 10_000, currency: "GBP" } }), "send_deposit");
    expect(outcome).toMatchObject({ ok: true, from: "PENDING_APPROVAL", to: "AWAITING_DEPOSIT" });
    expect(decision.patch).toMatchObject({ depositLockedAt: NOW, depositAttempt: 1, approvedAt: NOW });
    expect(decision.checkout).toMatchObject({ attempt: 1, amountMinor: 10_000, currency: "GBP", expiresAtMs: NOW.getTime() + 24 * HOUR - 60_000 });
    const placeholder = decision.checkout?.placeholder ?? "?";
    expect(replies(decision)).toEqual([copy("deposit.link.client", { deposit: "£100", url: placeholder, hours: "24" })]);
    expect(decision.events).toMatchObject([{ type: "deposit.link_sent", payload: { amount_minor: 10_000, currency: "GBP", attempt: 1 } }]);
  });

  it("send deposit without a quoted amount, or with payments off, is refused and decides nothing", () => {
    expect(act(pending(), "send_deposit")).toMatchObject({ outcome: { ok: false, reason: "no_deposit" }, decision: { outbound: [], transitions: [] } });
    const off = decideArtistAction(pending({ deposit: { amountMinor: 10_000, currency: "GBP" } }), { type: "artist_action", action: "send_deposit", reason: null, via: "link" }, NOW, CONFIG);
    expect(off).toMatchObject({ outcome: { ok: false, reason: "payments_off" }, decision: { outbound: [], transitions: [] } });
  });

  it("send booking link: BOOKING_PENDING and the client is told the artist will fix the date", () => {
    const { decision } = act(leadState({ status: LeadStatus.COLLECTING_TIME_WINDOWS, displayName: "Ari" }), "send_booking_link");
    expect(decision.transitions.map((t) => t.to)).toEqual(["BOOKING_PENDING"]);
    expect(decision.events.map((e) => e.type)).toEqual(["booking_link.requested"]);
  });

  it("mark booked straight from approval: BOOKED with booked_at", () => {
    const { decision } = act(pending(), "mark_booked");
    expect(decision.transitions.map((t) => t.to)).toEqual(["BOOKED"]);
    expect(decision.patch.bookedAt).toEqual(NOW);
    expect(replies(decision)).toEqual([copy("action.mark_booked.client")]);
  });

  it("resume: back to where the lead was, re-asking its question, like CONTINUE but in the artist's words", () => {
    const lead = askedAbout("budget", {
      status: LeadStatus.NEEDS_ARTIST_REPLY,
      resumeStatus: LeadStatus.QUALIFYING,
      displayName: "Ari",
      handoverReason: "price_question",
      recentAnswers: answersBefore("budget"),
    });
    const { decision, outcome } = act(lead, "resume");
    expect(outcome).toMatchObject({ ok: true, from: "NEEDS_ARTIST_REPLY", to: "QUALIFYING" });
    expect(replies(decision)).toEqual([copy("action.resume.client"), renderCopy("question.budget")]);
    expect(decision.patch).toMatchObject({ resumeStatus: null, holdingReplySentAt: null });
  });

  it("resume after a handover from PENDING_APPROVAL goes back there and asks nothing", () => {
    const lead = pending({ status: LeadStatus.NEEDS_ARTIST_REPLY, resumeStatus: LeadStatus.PENDING_APPROVAL });
    const { decision } = act(lead, "resume");
    expect(decision.transitions.map((t) => t.to)).toEqual(["PENDING_APPROVAL"]);
    expect(replies(decision)).toEqual([copy("action.resume.client")]);
  });
});

describe("one-tap links in the artist's notices", () => {
  const LINKS = { ...CONFIG, actionLinks: true };

  it("the completion summary (with its inbox-page button) is followed by buttons for approve, reject, send deposit and mark booked, one placeholder each", () => {
    const lead = askedAbout("timing", { displayName: "Ari Lane", recentAnswers: answersBefore("timing") });
    const decision = run(lead, says("weekday evenings"), LINKS);
    expect(decision.actionLinks.map((l) => l.action)).toEqual(["approve", "reject", "send_deposit", "mark_booked"]);
    const [summary, buttons] = toArtist(decision);
    expect(summary?.kind).toBe("cta");
    expect(summary?.kind === "cta" ? summary.body : "").toContain("Ari Lane");
    if (buttons?.kind !== "actions") throw new Error("no action buttons after the summary");
    expect(buttons.subject).toBe("Ari Lane");
    expect(buttons.actions).toEqual(decision.actionLinks.map((l) => ({ action: l.action, placeholder: l.placeholder })));
    for (const link of decision.actionLinks) expect(link.messageIndex).toBe(decision.outbound.indexOf(buttons));
  });

  it("without links configured the summary goes as plain text with nothing to tap", () => {
    const lead = askedAbout("timing", { displayName: "Ari Lane", recentAnswers: answersBefore("timing") });
    const decision = run(lead, says("weekday evenings"), CONFIG);
    expect(toArtist(decision).map((m) => m.kind)).toEqual(["text"]);
    expect(decision.actionLinks).toEqual([]);
  });

  it("a handover asks for one resume button (no raw link); without links configured the notice has none", () => {
    const lead = askedAbout("style", { recentAnswers: answersBefore("style") });
    const withLinks = run(lead, says("HUMAN"), LINKS);
    expect(withLinks.actionLinks.map((l) => l.action)).toEqual(["resume"]);
    const [notice, buttons] = toArtist(withLinks);
    expect(notice?.kind).toBe("cta");
    expect(notice?.kind === "cta" && notice.body).toMatch(/^Inkline handed a client over to you/);
    expect(buttons?.kind === "actions" && buttons.actions).toEqual([{ action: "resume", placeholder: withLinks.actionLinks[0]?.placeholder }]);
    expect(withLinks.actionLinks[0]?.messageIndex).toBe(withLinks.outbound.indexOf(buttons as never));

    const without = run(lead, says("HUMAN"));
    expect(without.actionLinks).toEqual([]);
    const [plain] = toArtist(without);
    expect(plain?.kind === "text" && plain.body).toMatch(/^Inkline handed a client over to you/);
    expect(plain?.kind === "text" && plain.body).not.toContain("[[inkline");
  });

  it("an ordinary answer asks for no links", () => {
    expect(run(askedAbout("style", { recentAnswers: answersBefore("style") }), says("blackwork"), LINKS).actionLinks).toEqual([]);
  });
});

describe("judging a one-tap token", () => {
  const token = (overrides: Partial<StoredActionToken> = {}): StoredActionToken => ({
    leadId: "lead-1",
    action: "approve",
    allowedStatuses: ["PENDING_APPROVAL"],
    expiresAt: new Date(NOW.getTime() + HOUR),
    usedAt: null,
    ...overrides,
  });
  const lead = { id: "lead-1", status: LeadStatus.PENDING_APPROVAL };

  it.each([
    ["a good token", token(), lead, { ok: true, action: "approve" }],
    ["no token", null, lead, { ok: false, reason: "unknown_token" }],
    ["an action we do not know", token({ action: "teleport" }), lead, { ok: false, reason: "unknown_token" }],
    ["another lead's token", token({ leadId: "lead-2" }), lead, { ok: false, reason: "wrong_lead" }],
    ["a used token (even once expired)", token({ usedAt: NOW, expiresAt: new Date(NOW.getTime() - 1) }), lead, { ok: false, reason: "used" }],
    ["an expired token", token({ expiresAt: NOW }), lead, { ok: false, reason: "expired" }],
    ["a lead that moved on", token(), { ...lead, status: LeadStatus.REJECTED }, { ok: false, reason: "wrong_status" }],
    [
      "a status the token allows but the action no longer does",
      token({ allowedStatuses: ["PENDING_APPROVAL", "BOOKED"] }),
      { ...lead, status: LeadStatus.BOOKED },
      { ok: false, reason: "wrong_status" },
    ],
  ] as const)("%s", (_name, stored, target, expected) => {
    expect(checkActionToken(stored, target, NOW)).toEqual(expected);
  });
});

describe("reading back the outcome stored with an applied action (a replay's answer)", () => {
  const applied = { ok: true, action: "approve", leadId: "lead-1", from: "PENDING_APPROVAL", to: "COLLECTING_TIME_WINDOWS" } as const;

  it("an applied outcome comes back as it was", () => {
    expect(storedAppliedOutcome(applied)).toEqual(applied);
    expect(storedAppliedOutcome(JSON.parse(JSON.stringify(applied)))).toEqual(applied);
  });

  it.each([
    ["nothing stored", null],
    ["a refusal", { ok: false, action: "approve", reason: "wrong_status", status: "REJECTED" }],
    ["an action we do not know", { ...applied, action: "teleport" }],
    ["a status we do not know", { ...applied, to: "MAYBE" }],
    ["not an object", "approve"],
  ])("%s: null (the replay answers duplicate)", (_name, stored) => {
    expect(storedAppliedOutcome(stored)).toBeNull();
  });
});

describe("the action_tokens table", () => {
  it("accepts every action there is (its CHECK lists them): a new action without a migration fails here, not in production", async () => {
    const { ACTION_KINDS } = await import("../../src/db/schema.ts");
    expect([...ACTION_KINDS].sort()).toEqual([...ARTIST_ACTIONS].sort());
  });
});
