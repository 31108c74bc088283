/**
 * The engine and clients known without a number: notices that are not the client talking never
 * get the welcome, and the artist's notices name a username client by their username.
 */
import { describe, expect, it } from "vitest";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import { askedAbout, clientMessage, copyKeys, eventTypes, leadState, run, says, toArtist } from "../support/engine.ts";

describe("notices that are not the client talking", () => {
  it.each([
    ["a reaction", clientMessage({ kind: "reaction", text: "👍", rawType: "reaction" })],
    ["an edit, a deletion or an order (unsupported types)", clientMessage({ kind: "unsupported", text: null, rawType: "unsupported" })],
  ])("%s from a new lead starts nothing", (_label, message) => {
    const decision = run(leadState(), message);
    expect(decision.outbound).toEqual([]);
    expect(decision.transitions).toEqual([]);
    expect(eventTypes(decision)).toEqual(["message.not_conversational"]);
  });

  it("a changed-number notice is recorded and answered by no one, in any status", () => {
    const notice = clientMessage({ kind: "system", text: null, rawType: "system:user_changed_number", numberChange: { newPhone: "+447700900999", newUserId: "GB.42424242" } });
    for (const lead of [leadState(), askedAbout("dimensions")]) {
      const decision = run(lead, notice);
      expect(decision.outbound).toEqual([]);
      expect(decision.transitions).toEqual([]);
      expect(decision.events).toEqual([
        { type: "lead.number_changed", level: "info", payload: { message_id: notice.id, raw_type: "system:user_changed_number", from: notice.from, to: "+447700900999", new_user_id: "GB.42424242" } },
      ]);
    }
  });

  it("the client's first words still get the welcome", () => {
    expect(copyKeys(run(leadState(), says("hi")))[0]).toBe("consultation.welcome");
  });
});

describe("a username client, seen by the artist", () => {
  it("a handover notice names their username, never a raw id", () => {
    const lead = askedAbout("dimensions", { phoneE164: null, username: "@ari.ink", status: LeadStatus.QUALIFYING });
    const decision = run(lead, says("can I talk to a human please"));
    const notice = toArtist(decision)[0];
    expect(notice && "body" in notice ? notice.body : "").toContain("@ari.ink");
  });
});
