/**
 * Reference files a client sends: kept up to a limit per lead (later ones are not stored, and the
 * client is told once a day), never for a client who opted out, never for a number outside the
 * pilot. The engine only decides; a file not in `decision.attachments` is never downloaded.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REFERENCE_FILES_PER_LEAD } from "../../src/domain/engine/attachments.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import {
  askedAbout,
  conversation,
  copyKeys,
  eventTypes,
  HOUR,
  leadState,
  NOW,
  OTHER_CLIENT,
  PILOT,
  replies,
  run,
  says,
  sendsPhoto,
} from "../support/engine.ts";

const full = (overrides = {}) => askedAbout("style", { attachmentCount: REFERENCE_FILES_PER_LEAD, ...overrides });
let photos = 0;
const photo = (caption: string | null = null) => sendsPhoto(`media-ref-${++photos}`, caption);

describe(`at most ${REFERENCE_FILES_PER_LEAD} reference files per lead`, () => {
  it(`the first ${REFERENCE_FILES_PER_LEAD} are kept, the next is not, and the client is told why`, () => {
    const sent = Array.from({ length: REFERENCE_FILES_PER_LEAD + 1 }, () => photo());
    const { decisions, lead } = conversation(askedAbout("style"), sent);
    expect(decisions.map((d) => d.attachments.length)).toEqual([...Array.from({ length: REFERENCE_FILES_PER_LEAD }, () => 1), 0]);
    expect(lead.attachmentCount).toBe(REFERENCE_FILES_PER_LEAD);
    const last = decisions.at(-1);
    expect(last ? copyKeys(last) : []).toEqual(["attachment.limit"]);
    expect(last ? replies(last) : []).toEqual([
      `Thanks! I can only keep ${REFERENCE_FILES_PER_LEAD} reference files per client, so I haven't saved that one. Mara will ask if they need more.`,
    ]);
    expect(last?.events[0]).toMatchObject({
      type: "attachment.not_kept",
      payload: { reason: "limit", kept: REFERENCE_FILES_PER_LEAD, limit: REFERENCE_FILES_PER_LEAD, client_told: true },
    });
  });

  it("the client is told once a day, however many more files come", () => {
    const { decisions, lead } = conversation(full(), [photo(), photo(), photo()]);
    expect(decisions.map(copyKeys)).toEqual([["attachment.limit"], [], []]);
    expect(decisions.flatMap((d) => d.attachments)).toEqual([]);
    expect(lead.referenceLimitNotedAt).toEqual(NOW);
    const nextDay = new Date(NOW.getTime() + 24 * HOUR);
    const later = run(lead, sendsPhoto("media-late", null), undefined, nextDay);
    expect(copyKeys(later)).toEqual(["attachment.limit"]);
  });

  it("a file past the limit still answers the question that asked for one (the answer is not the file)", () => {
    const decision = run(askedAbout("reference_images", { attachmentCount: REFERENCE_FILES_PER_LEAD }), photo("like this"));
    expect(decision.attachments).toEqual([]);
    expect(decision.answers).toMatchObject([{ questionKey: "reference_images" }]);
    expect(copyKeys(decision)[0]).toBe("attachment.limit");
  });
});

describe("no files for a client who opted out", () => {
  it("a photo while opted out is not kept, and nothing is sent", () => {
    const decision = run(leadState({ status: LeadStatus.OPTOUT, optedOut: true }), photo());
    expect(decision.attachments).toEqual([]);
    expect(decision.outbound).toEqual([]);
    expect(eventTypes(decision)).toEqual(["attachment.not_kept", "message.while_opted_out"]);
    expect(decision.events[0]?.payload).toMatchObject({ reason: "opted_out", client_told: false });
  });

  it("a photo captioned STOP opts out and is not kept; one captioned START opts back in and is", () => {
    expect(run(askedAbout("style"), photo("STOP")).attachments).toEqual([]);
    expect(run(leadState({ status: LeadStatus.OPTOUT, optedOut: true }), photo("START")).attachments).toHaveLength(1);
  });

  it("a late START (older than the newest message) does not opt back in, so its photo is not kept", () => {
    const lead = leadState({ status: LeadStatus.OPTOUT, optedOut: true, lastClientMessageAt: NOW });
    const late = sendsPhoto("media-late-start", "START");
    expect(run(lead, { ...late, timestampMs: NOW.getTime() - 5_000 }).attachments).toEqual([]);
  });

  it("a late photo from a client still in the conversation is kept (as before)", () => {
    const lead = askedAbout("style", { lastClientMessageAt: NOW });
    const late = photo();
    expect(run(lead, { ...late, timestampMs: NOW.getTime() - 5_000 }).attachments).toHaveLength(1);
  });
});

describe("no files for a number outside the pilot", () => {
  it("outside the allowlist: not kept (the pilot notice is all they get); inside it: kept", () => {
    const outside = run(leadState(), photo(), PILOT);
    expect(outside.attachments).toEqual([]);
    expect(copyKeys(outside)).toEqual(["pilot.not_enrolled"]);
    expect(outside.events[0]?.payload).toMatchObject({ reason: "not_in_pilot" });
    const inside = run(leadState({ phoneE164: OTHER_CLIENT }), { ...photo(), from: OTHER_CLIENT }, PILOT);
    expect(inside.attachments).toHaveLength(1);
  });
});

describe("whatever the client sends (property)", () => {
  const step = fc.constantFrom("photo", "STOP", "START", "text");
  it(`never more than ${REFERENCE_FILES_PER_LEAD} files kept, and none while opted out`, () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const messages = steps.map((s) => (s === "photo" ? photo() : s === "text" ? says("a koi fish") : says(s)));
        const { decisions } = conversation(askedAbout("idea"), messages);
        let optedOut = false;
        let kept = 0;
        decisions.forEach((d) => {
          optedOut = d.patch.optedOut ?? optedOut;
          kept += d.attachments.length;
          if (optedOut) expect(d.attachments).toEqual([]);
        });
        expect(kept).toBeLessThanOrEqual(REFERENCE_FILES_PER_LEAD);
      }),
    );
  });
});
