/**
 * What the artist's own WhatsApp messages mean (issue 17): button and row ids carry action tokens,
 * anything altered reads as forged, "today" asks for the digest, everything else gets help.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actionButtonId, isActionReplyId, moreButtonId, readArtistCommand, reasonRowId, REJECT_REASONS } from "../../src/domain/artist-desk.ts";
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
