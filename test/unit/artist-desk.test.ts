/**
 * What the artist's own WhatsApp messages mean (issue 17): button and row ids carry action tokens,
 * anything altered reads as forged, "today" asks for the digest, everything else gets help.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actionButtonId, actionButtons, deskReplyRef, digestRef, isActionReplyId, isDeskRef, moreButtonId, readArtistCommand, reasonRowId, REJECT_REASONS } from "../../src/domain/artist-desk.ts";
import { SUMMARY_LINK_ACTIONS } from "../../src/domain/artist-actions.ts";
import { TEMPLATES } from "../../src/domain/templates.ts";
import { QUESTIONS } from "../../src/domain/questions.ts";

const token = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
const text = (t: string) => ({ kind: "text" as const, text: t, replyId: null });
const reply = (id: string) => ({ kind: "reply" as const, text: "Approve", replyId: id });

describe("the artist's commands", () => {
  it("property: a button, a More button and a reason row read back as the tokens they carry", () => {
    fc.assert(
      fc.property(token, token, fc.constantFrom(...REJECT_REASONS), (a, b, reason) => {
        expect(readArtistCommand(reply(actionButtonId(a)))).toEqual({ kind: "tap", token: a });
        expect(readArtistCommand(reply(moreButtonId([a, b])))).toEqual({ kind: "more", tokens: [a, b] });
        expect(readArtistCommand(reply(reasonRowId(a, reason)))).toEqual({ kind: "reason", token: a, reason });
        // Every id fits WhatsApp's limits (button id 256, list row id 200).
        expect(moreButtonId([a, b]).length).toBeLessThanOrEqual(256);
        expect(reasonRowId(a, reason).length).toBeLessThanOrEqual(200);
      }),
    );
  });

  it("an altered id is forged, never a tap", () => {
    for (const id of ["act:short", "act:", "more:abc.def", "rej:x:not_my_style", `rej:${"a".repeat(43)}:rude`]) {
      expect(readArtistCommand(reply(id))).toEqual({ kind: "forged", replyId: id });
    }
  });

  it('"today" asks for the digest; any other words get help; a reaction gets nothing', () => {
    expect(readArtistCommand(text("Today"))).toEqual({ kind: "digest" });
    expect(readArtistCommand(text("  today "))).toEqual({ kind: "digest" });
    expect(readArtistCommand(text("Hi, I'd like a tattoo"))).toEqual({ kind: "help" });
    expect(readArtistCommand({ kind: "media", text: null, replyId: null })).toEqual({ kind: "help" });
    expect(readArtistCommand({ kind: "reaction", text: null, replyId: null })).toEqual({ kind: "ignore" });
  });

  it("no client question button id looks like an action id (a client's answer is never routed to the desk)", () => {
    const ids = QUESTIONS.flatMap((q) => q.buttons.map((b) => b.id));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(isActionReplyId(id)).toBe(false);
    expect(isActionReplyId(actionButtonId("x"))).toBe(true);
  });
});

describe("a notice's buttons (the summary's and the digest's, one builder)", () => {
  const templates = { language: "en_GB", names: {} };

  it("property: up to three actions are reply buttons; more leave two and a More carrying the rest; the template carries the first tokens", () => {
    fc.assert(
      fc.property(fc.uniqueArray(token, { minLength: 1, maxLength: SUMMARY_LINK_ACTIONS.length }), (tokens) => {
        const buttons = tokens.map((t, i) => ({ action: SUMMARY_LINK_ACTIONS[i] ?? "approve", token: t }));
        const built = actionButtons("New consultation", "Ari", buttons, templates);
        const ids = built.message.buttons.map((b) => b.id);
        expect(ids.length).toBeLessThanOrEqual(3);
        if (tokens.length <= 3) expect(ids).toEqual(tokens.map(actionButtonId));
        else expect(ids).toEqual([actionButtonId(tokens[0] ?? ""), actionButtonId(tokens[1] ?? ""), moreButtonId(tokens.slice(2))]);
        // Every token is reachable from the message: directly, or behind More.
        for (const t of tokens) expect(ids.some((id) => id.includes(t))).toBe(true);
        // Approve and Reject first: their template; otherwise the one-button template for the first action.
        const key = tokens.length >= 2 ? "artist_actions" : "artist_action";
        expect(built.fallback).toMatchObject({ kind: "template", name: TEMPLATES[key].name, params: ["Ari"], urlButtons: tokens.slice(0, TEMPLATES[key].urlButtons.length) });
      }),
    );
  });
});

describe("the desk's refs", () => {
  it("a reply's and a digest's refs are the desk's; an outbox row id or an alert's is not", () => {
    expect(isDeskRef(deskReplyRef("wamid.X", 0))).toBe(true);
    expect(isDeskRef(deskReplyRef("wamid.X", "digest-1"))).toBe(true);
    expect(isDeskRef(digestRef(new Date("2026-07-01T07:00:00Z"), 2))).toBe(true);
    expect(digestRef(new Date("2026-07-01T07:00:00Z"), 2)).toBe("digest-2026-07-01T07:00:00.000Z-2");
    for (const other of [undefined, "", "parked-wa:msg:1", "sheets-failed-x", "0b0f5b0e-0d1c-4c7a-9b55-7d4b0b1c2d3e"]) expect(isDeskRef(other)).toBe(false);
  });
});

describe("the template for a notice's buttons outside the window", () => {
  it("Approve / Reject first: artist_actions; anything else: artist_action with the first action's token", () => {
    const templates = { language: "en_GB", names: { artist_action: "studio_action" } };
    const a = "A".repeat(43);
    const b = "B".repeat(43);
    expect(actionButtons("x", "Ari", [{ action: "approve", token: a }, { action: "reject", token: b }], templates).fallback).toMatchObject({ name: "inkline_artist_actions", urlButtons: [a, b] });
    expect(actionButtons("x", "Ari", [{ action: "resume", token: a }], templates).fallback).toMatchObject({ name: "studio_action", urlButtons: [a] });
    expect(actionButtons("x", "Ari", [{ action: "mark_booked", token: a }, { action: "refund", token: b }], templates).fallback).toMatchObject({ name: "studio_action", urlButtons: [a] });
  });
});
