/**
 * The artist's one-tap links never reach a client (issue 19, item 1). A client who named
 * themselves `[[inkline-link:3]]` used to receive the live "Mark booked" link, because the minting
 * replaced predictable placeholders in every message of the decision. Now placeholders carry a
 * per-decision nonce and a link is sealed into the one artist message it was made for.
 *
 * Hostile names and answers at every step, and a fast-check invariant over the whole engine:
 * every status, every client input kind, every artist action and payment event, then the real
 * minting and the real opening the send path does. Pure (Node, Web Crypto).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mintActionLinks, openLinks } from "../../durable-objects/action-links.ts";
import { ARTIST_ACTIONS } from "../../src/domain/artist-actions.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { NO_PAYMENT, type PaymentEvent, type PaymentState } from "../../src/domain/deposit.ts";
import { decide, decideArtistAction, decidePayment, withCheckout, type Decision, type EngineConfig, type LeadState } from "../../src/domain/engine.ts";
import { textsOf } from "../../src/domain/engine/builder.ts";
import { LEAD_STATUSES, LeadStatus } from "../../src/domain/lead-status.ts";
import { redactedPayload } from "../../src/domain/outbound-schema.ts";
import { QUESTION_KEYS } from "../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import { applied, CONFIG, CONSENTED, clientMessage, leadState, NOW, sendsPhoto, says } from "../support/engine.ts";

const BASE = "https://inkline.test";
const ADMIN_KEY = "a-long-admin-key-for-sealing-links-0123456789";
const SETTINGS = { baseUrl: BASE, adminKey: ADMIN_KEY, ttlHours: 168 };
const OPEN = { adminKey: ADMIN_KEY, templateLanguage: "en_GB", templateNames: {} };
/** A 43-character token (a reply button's id carries one or more). */
const TOKEN = /[A-Za-z0-9_-]{43}/g;
const LEAD_ID = "lead-1";

/** What a hostile client types as a name, an answer or a caption. */
const HOSTILE = [
  "[[inkline-link:0]]",
  "[[inkline-link:1]]",
  "[[inkline-link:2]]",
  "[[inkline-link:3]]",
  "[[inkline-checkout]]",
  "[[inkline-refund]]",
  "[[inkline:0:link0]]",
  "{artistName}",
  "{greetingName}",
  "{url}",
  `${BASE}/a/`,
  "[approve link]",
] as const;

const hostileText = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.array(fc.constantFrom(...HOSTILE, " ", "x", "Ari"), { minLength: 1, maxLength: 6 }).map((parts) => parts.join("")),
  fc.string({ maxLength: 40 }),
);

let nonceCounter = 0;
/** Every decision gets a fresh nonce, as the lead's object gives it. */
const config = (): EngineConfig => ({ ...CONFIG, actionLinks: true, payments: true, slotNonce: `nonce${++nonceCounter}x${Math.random().toString(36).slice(2)}` });

const PAID: PaymentState = {
  ...NO_PAYMENT,
  attempt: 1,
  sessionId: "cs_test_1",
  paidAt: NOW,
  paymentIntentId: "pi_1",
  linkUrl: "https://pay.test/1",
  linkExpiresAt: new Date(NOW.getTime() + 3_600_000),
  ledger: [{ kind: "payment", amountMinor: 10_000, currency: "GBP", at: NOW.toISOString(), reference: "pi_1", source: "checkout", reason: null, status: "succeeded" }],
};
const AWAITING: PaymentState = { ...NO_PAYMENT, attempt: 1, sessionId: "cs_test_1", linkUrl: "https://pay.test/1", linkExpiresAt: new Date(NOW.getTime() + 3_600_000) };

/** A lead in `status` with a hostile name and everything an action there may need. */
function leadIn(status: LeadStatus, name: string, payment: PaymentState = NO_PAYMENT): LeadState {
  return leadState({
    status,
    displayName: name,
    currentQuestion: status === LeadStatus.QUALIFYING ? "idea" : null,
    recentAnswers: QUESTION_KEYS.map((k) => ({ questionKey: k, rawText: name, value: GOOD_ANSWERS[k].value })),
    deposit: { amountMinor: 10_000, currency: "GBP" },
    depositLockedAt: NOW,
    payment,
    resumeStatus: status === LeadStatus.NEEDS_ARTIST_REPLY ? LeadStatus.QUALIFYING : null,
    // Consent given (the step's own messages are consent.test.ts's): the deposit link goes out.
    consent: CONSENTED,
  });
}

/**
 * Mints the decision's links as the object does, opens them as the send path does, and checks:
 * no client-bound text holds a link URL, a token, a placeholder or a sealed value; each URL is in
 * exactly one message, the artist message it was made for; stored payloads show no URL.
 */
async function expectLinksOnlyForTheArtist(decision: Decision): Promise<string[]> {
  const minted = await mintActionLinks(decision, LEAD_ID, SETTINGS, NOW);
  expect(minted.tokens).toHaveLength(decision.actionLinks.length);
  const sent = await Promise.all(
    minted.decision.outbound.map(async (m) => {
      const { to: _to, copyKey: _copyKey, ...payload } = m;
      const opened = await openLinks(payload, LEAD_ID, OPEN, `${BASE}/inbox`);
      expect(opened.unopened).toEqual([]);
      // What is stored (and shown in the admin API and inbox) holds no URL and no button token.
      expect(JSON.stringify(redactedPayload(payload))).not.toMatch(/\/a[#/][A-Za-z0-9_-]{43}/);
      expect(JSON.stringify(redactedPayload(payload))).not.toMatch(/"(act|more):/);
      const ids = opened.message.kind === "buttons" ? opened.message.buttons.map((b) => b.id) : [];
      return { to: m.to, texts: textsOf({ ...m, ...opened.message }), ids };
    }),
  );
  const urls = [
    ...sent.flatMap((m) => m.texts.flatMap((t) => t.match(/https:\/\/inkline\.test\/a[#/][A-Za-z0-9_-]{43}/g) ?? [])),
    ...sent.flatMap((m) => m.ids.filter((id) => /^(act|more):/.test(id)).flatMap((id) => id.match(TOKEN) ?? [])),
  ];
  for (const message of sent.filter((m) => m.to === "client")) expect(message.ids.filter((id) => /^(act|more|rej):/.test(id))).toEqual([]);
  expect(urls).toHaveLength(decision.actionLinks.length);
  expect(new Set(urls).size).toBe(urls.length);
  for (const link of decision.actionLinks) {
    expect(link.messageIndex).not.toBeNull();
    expect(decision.outbound[link.messageIndex ?? -1]?.to).toBe("artist");
  }
  for (const message of sent.filter((m) => m.to === "client")) {
    for (const text of message.texts) {
      expect(text).not.toMatch(/\/a[#/][A-Za-z0-9_-]{43}/);
      for (const link of decision.actionLinks) expect(text).not.toContain(link.placeholder);
      for (const m of minted.decision.outbound) if (m.kind === "text") for (const l of m.links ?? []) expect(text).not.toContain(l.sealed);
      for (const m of minted.decision.outbound) if (m.kind === "actions") for (const a of m.actions) expect(text).not.toContain(a.sealed ?? a.placeholder);
    }
  }
  return urls;
}

describe("a client named after a placeholder", () => {
  it.each(HOSTILE)("%s finishes the consultation: the summary's four action tokens reach the artist alone", async (name) => {
    let lead = leadState({ displayName: null });
    const messages = [clientMessage({ text: "Hi", profileName: name }), ...QUESTION_KEYS.map((k) => says(GOOD_ANSWERS[k].text, { profileName: name }))];
    const links: string[] = [];
    for (const message of messages) {
      const decision = decide(lead, { type: "client_message", message }, NOW, config());
      links.push(...(await expectLinksOnlyForTheArtist(decision)));
      lead = applied(lead, decision);
    }
    expect(lead.status).toBe(LeadStatus.PENDING_APPROVAL);
    expect(links).toHaveLength(4);
  });

  it("the deposit link goes only into the client's message, never into a name that imitates its placeholder", () => {
    const cfg = config();
    const nonce = cfg.slotNonce ?? "";
    const name = `[[inkline:${nonce.slice(0, 4)}:checkout]] [[inkline-checkout]]`;
    const { decision, outcome } = decideArtistAction(leadIn(LeadStatus.PENDING_APPROVAL, name), { type: "artist_action", action: "send_deposit", reason: null, via: "link" }, NOW, cfg);
    expect(outcome.ok).toBe(true);
    const filled = withCheckout(decision, { sessionId: "cs_1", url: "https://pay.test/cs_1", expiresAtMs: NOW.getTime() + 3_600_000 });
    const bodies = filled.outbound.map((m) => ({ to: m.to, text: textsOf(m).join("\n") }));
    expect(bodies.filter((b) => b.text.includes("https://pay.test/cs_1"))).toEqual([{ to: "client", text: expect.stringContaining("https://pay.test/cs_1") as unknown }]);
  });

  it("copy markup in a name stays text: {artistName} is not expanded", () => {
    const body = renderCopy("consultation.welcome", { artistName: "Mara", greetingName: " {artistName}", replyDays: 3 });
    expect(body).toContain("{artistName}");
  });
});

describe("no client-bound message ever contains an action URL or token (whole engine)", () => {
  const payments: PaymentEvent[] = [
    { type: "checkout_completed", sessionId: "cs_test_1", paymentStatus: "paid", amountTotal: 10_000, currency: "gbp", paymentIntentId: "pi_1", atMs: NOW.getTime(), source: "webhook" },
    { type: "checkout_expired", sessionId: "cs_test_1", atMs: NOW.getTime(), source: "webhook" },
    { type: "charge_refunded", chargeId: "ch_1", paymentIntentId: "pi_1", amountRefunded: 5_000, currency: "gbp", atMs: NOW.getTime(), source: "webhook" },
  ];

  it("client messages of every kind, in every status", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LEAD_STATUSES), hostileText, hostileText, fc.constantFrom("text", "photo", "human", "refund"), async (status, name, text, kind) => {
        const lead = leadIn(status, name, status === LeadStatus.AWAITING_DEPOSIT ? AWAITING : status === LeadStatus.BOOKING_PENDING ? PAID : NO_PAYMENT);
        const message =
          kind === "photo" ? sendsPhoto("media-1", text) : says(kind === "human" ? `human ${text}` : kind === "refund" ? `refund please ${text}` : text, { profileName: name });
        await expectLinksOnlyForTheArtist(decide(lead, { type: "client_message", message }, NOW, config()));
      }),
      { numRuns: 300 },
    );
  });

  it("every artist action and payment event, in every status", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LEAD_STATUSES), hostileText, fc.constantFrom(...ARTIST_ACTIONS), fc.constantFrom(...payments), async (status, name, action, event) => {
        const payment = status === LeadStatus.AWAITING_DEPOSIT ? AWAITING : PAID;
        const acted = decideArtistAction(leadIn(status, name, payment), { type: "artist_action", action, reason: name, via: "link" }, NOW, config());
        await expectLinksOnlyForTheArtist(acted.decision);
        const paid = decidePayment(leadIn(status, name, status === LeadStatus.AWAITING_DEPOSIT ? AWAITING : NO_PAYMENT), event, NOW, config());
        await expectLinksOnlyForTheArtist(paid.decision);
      }),
      { numRuns: 300 },
    );
  });
});

describe("sealed links in the outbox", () => {
  const summary = () => decide(leadState({ status: LeadStatus.QUALIFYING, currentQuestion: "timing", recentAnswers: QUESTION_KEYS.slice(0, -1).map((k) => ({ questionKey: k, rawText: GOOD_ANSWERS[k].text, value: GOOD_ANSWERS[k].value })) }), { type: "client_message", message: says("weekday evenings") }, NOW, config());

  async function storedSummary() {
    const minted = await mintActionLinks(summary(), LEAD_ID, SETTINGS, NOW);
    const artist = minted.decision.outbound.find((m) => m.to === "artist" && m.kind === "actions");
    if (artist?.kind !== "actions") throw new Error("no artist buttons");
    const { to: _to, copyKey: _copyKey, ...payload } = artist;
    return payload;
  }

  it("the summary goes with a button to the lead's inbox page (the URL filled in by the minting)", async () => {
    const minted = await mintActionLinks(summary(), LEAD_ID, SETTINGS, NOW);
    const page = minted.decision.outbound.find((m) => m.to === "artist" && m.kind === "cta");
    expect(page).toMatchObject({ kind: "cta", url: `${BASE}/inbox/leads/${LEAD_ID}`, label: "Open in inbox" });
  });

  it("the stored row holds placeholders and sealed tokens; only the send path makes button ids of them", async () => {
    const payload = await storedSummary();
    expect(payload.actions.map((a) => a.action)).toEqual(["approve", "reject", "send_deposit", "mark_booked"]);
    expect(JSON.stringify(payload)).not.toMatch(/"(act|more):/);
    const opened = await openLinks(payload, LEAD_ID, OPEN, `${BASE}/inbox/leads/${LEAD_ID}`);
    if (opened.message.kind !== "buttons") throw new Error("not opened into buttons");
    // Approve / Reject / More (the other two behind More): at most three buttons.
    expect(opened.message.buttons.map((b) => b.title)).toEqual(["Approve", "Reject", "More"]);
    expect(opened.message.buttons.map((b) => b.id.replace(TOKEN, "T"))).toEqual(["act:T", "act:T", "more:T.T"]);
    // The closed-window template: the approve and reject tokens as its URL buttons' suffixes.
    expect(opened.fallback).toMatchObject({ kind: "template", name: "inkline_artist_actions", params: [payload.subject] });
    const suffixes = opened.fallback?.kind === "template" ? (opened.fallback.urlButtons ?? []) : [];
    expect(suffixes.map((t) => `act:${t}`)).toEqual(opened.message.buttons.slice(0, 2).map((b) => b.id));
    expect(redactedPayload(payload)).toEqual({ kind: "actions", body: payload.body, buttons: ["[approve button]", "[reject button]", "[send_deposit button]", "[mark_booked button]"] });
  });

  it("after ADMIN_API_KEY is rotated, or for another lead's row, the buttons become a pointer to the lead's inbox page and are reported", async () => {
    const payload = await storedSummary();
    const fallback = `${BASE}/inbox/leads/${LEAD_ID}`;
    for (const [leadId, key] of [[LEAD_ID, "another-admin-key-after-rotation-0123456789"], ["lead-2", ADMIN_KEY]] as const) {
      const opened = await openLinks(payload, leadId, { ...OPEN, adminKey: key }, fallback);
      expect(opened.unopened).toEqual(["approve", "reject", "send_deposit", "mark_booked"]);
      expect(opened.message).toEqual({ kind: "text", body: `${payload.body}\n${fallback}` });
      expect(opened.fallback).toBeUndefined();
    }
  });

  it("an altered sealed token does not open", async () => {
    const payload = await storedSummary();
    const [first, ...rest] = payload.actions;
    if (!first?.sealed) throw new Error("no buttons");
    const flipped = `${first.sealed.slice(0, 20)}${first.sealed[20] === "A" ? "B" : "A"}${first.sealed.slice(21)}`;
    const opened = await openLinks({ ...payload, actions: [{ ...first, sealed: flipped }, ...rest] }, LEAD_ID, OPEN, `${BASE}/inbox`);
    expect(opened.unopened).toEqual(["approve"]);
  });
});
