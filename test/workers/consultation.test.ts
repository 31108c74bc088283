/**
 * The consultation as transcripts through the whole Worker: a signed webhook in for every client
 * message, the WhatsApp emulator capturing every reply out (to the client and to the artist), and
 * the lead row in Postgres afterwards.
 */
import { afterEach, describe, expect, it } from "vitest";
import { renderCopy, type CopyKey } from "../../src/domain/copy.ts";
import type { HandoverPacket } from "../../src/domain/engine.ts";
import { HANDOVER_NOTICES_PER_DAY } from "../../src/domain/engine/handover.ts";
import { QUESTIONS, type QuestionKey } from "../../src/domain/questions.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import { ARTIST, artistHeardSince, artistNoticesSince, artistWindowOpen, Client, NAME } from "../support/workers/client.ts";
import { noticeTokens } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { inboxFetch, signIn } from "../support/workers/inbox.ts";
import { buttonIdsTo, sentTo, setEmulatorClockOffset } from "../support/workers/whatsapp.ts";

const copy = (key: CopyKey, extra: Record<string, string | number> = {}) => renderCopy(key, { artistName: "Mara", greetingName: " Ari", replyDays: 3, ...extra });
const question = (key: QuestionKey) => copy(`question.${key}`);

afterEach(async () => {
  await setEmulatorClockOffset(0);
});

describe("the happy path", () => {
  it("hi and 13 good answers (closed questions tapped): every question in order, PENDING_APPROVAL, the values stored", async () => {
    const client = new Client();
    await client.says("hi");
    const taps: Partial<Record<QuestionKey, { id: string; title: string }>> = {
      complexity: { id: "complexity_2", title: "2 · Some detail" },
      coverup: { id: "no", title: "No" },
      reference_images: { id: "no", title: "No" },
    };
    for (const q of QUESTIONS) {
      const tap = taps[q.key];
      if (tap) await client.taps(tap.id, tap.title);
      else await client.says(GOOD_ANSWERS[q.key].text);
    }

    const texts = await client.hears();
    expect(texts[0]).toMatch(/^(Hi|Hello) Ari! /);
    expect(texts.slice(1, 14)).toEqual(QUESTIONS.map((q) => question(q.key)));
    expect(texts.slice(14)).toEqual([copy("consultation.complete")]);
    const buttons = (await buttonIdsTo(client.phone)).slice(1, 14);
    expect(buttons[QUESTIONS.findIndex((q) => q.key === "complexity")]).toEqual(["complexity_1", "complexity_2", "complexity_3"]);
    expect(buttons[QUESTIONS.findIndex((q) => q.key === "coverup")]).toEqual(["yes", "no"]);

    const lead = await client.lead();
    expect(lead).toMatchObject({ status: "PENDING_APPROVAL", current_question: null, answer_count: 13, failure_counts: {} });
    expect(lead?.consultation_completed_at).not.toBeNull();
    const answers = await sql<{ question_key: string; value: unknown }>("SELECT question_key, value FROM lead_answers WHERE lead_id = $1 ORDER BY seq", [lead?.id]);
    expect(answers).toEqual(QUESTIONS.map((q) => ({ question_key: q.key, value: GOOD_ANSWERS[q.key].value })));
  });
});

describe("repair", () => {
  it("a size it cannot read is asked again with a hint; a good size then moves on", async () => {
    const client = new Client();
    await client.reaches("dimensions");
    await client.says("quite big");
    expect(await client.hears()).toEqual([copy("repair.dimensions")]);
    expect(await client.lead()).toMatchObject({ current_question: "dimensions", failure_counts: { dimensions: 1 } });

    await client.says("10 x 15 cm");
    expect(await client.hears()).toEqual([question("style")]);
    expect(await client.lead()).toMatchObject({ current_question: "style", answer_count: 3 });
  });

  it("a budget given at the placement question is not taken for a placement", async () => {
    const client = new Client();
    await client.reaches("placement");
    await client.says("£400");
    expect(await client.hears()).toEqual([`Thanks, I'll ask about that in a moment. First: ${question("placement")}`]);
    expect(await client.lead()).toMatchObject({ current_question: "placement", answer_count: 1 });
  });
});

describe("handover", () => {
  it("three answers it cannot read: handed over; the artist gets the client's name, number and the packet", async () => {
    const before = await artistWindowOpen();
    const client = new Client();
    await client.reaches("dimensions");
    for (const text of ["big", "quite big", "massive"]) await client.says(text);

    expect(await client.hears()).toEqual([copy("repair.dimensions"), copy("repair.dimensions"), copy("handover.client.repeated_failures")]);
    const lead = await client.lead();
    expect(lead).toMatchObject({ status: "NEEDS_ARTIST_REPLY", resume_status: "QUALIFYING", handover_reason: "repeated_failures" });
    const packet = lead?.handover_packet as HandoverPacket;
    expect(packet).toMatchObject({ reason: "repeated_failures", currentQuestion: "dimensions", failureCounts: { dimensions: 3 } });
    expect(packet.answers.map((a) => [a.questionKey, a.rawText])).toEqual([
      ["idea", GOOD_ANSWERS.idea.text],
      ["placement", GOOD_ANSWERS.placement.text],
    ]);

    // The notice (with the inbox button), then its "Hand back" button: no raw link.
    const [notice, ...more] = await artistNoticesSince(before);
    expect(more).toEqual([]);
    expect(notice).not.toMatch(/\/a[#/]/);
    expect(Object.keys(await noticeTokens())).toEqual([renderCopy("artist.button.resume")]);
    expect(notice).toContain(`Client: ${NAME}, ${client.phone}`);
    expect(notice).toContain("Why: I couldn't understand their answers after several tries");
    expect(notice).toContain(`• Idea: ${GOOD_ANSWERS.idea.text}`);
    expect(notice).toContain("Failed answers: Size ×3");
  });

  it("handed over, the first message gets a holding reply, the next none within 6 hours, CONTINUE resumes at the same question", async () => {
    const client = new Client();
    await client.reaches("budget");
    await client.says("how much would a piece like this cost?");
    expect(await client.hears()).toEqual([copy("handover.client.price_question")]);

    await client.says("hello?");
    expect(await client.hears()).toEqual([copy("handover.holding")]);
    await client.says("still there?");
    expect(await client.hears()).toEqual([]);

    await client.says("CONTINUE");
    expect(await client.hears()).toEqual([copy("handover.resumed"), question("budget")]);
    await client.says("£400");
    expect(await client.hears()).toEqual([question("location_city")]);
    expect(await client.lead()).toMatchObject({ status: "QUALIFYING", resume_status: null });
  });

  it("6 hours after the last holding reply, the next message gets one more", async () => {
    const client = new Client();
    await client.reaches("style");
    await client.says("HUMAN");
    await client.hears();
    // Six hours pass (the version bump makes the object reload the row rather than trust its copy).
    await sql("UPDATE leads SET holding_reply_sent_at = now() - interval '7 hours', version = version + 1 WHERE phone_e164 = $1", [client.phone]);
    await client.says("any news?");
    await client.says("hello??");
    expect(await client.hears()).toEqual([copy("handover.holding")]);
  });

  it.each([
    ["HUMAN", "client_asked"],
    ["REFUND", "refund"],
    ["DELETE MY DATA", "delete_data"],
  ] as const)("%s: handed over with its own reply; the artist is told why", async (text, reason) => {
    const before = await artistWindowOpen();
    const client = new Client();
    await client.reaches("style");
    await client.says(text);
    expect(await client.hears()).toEqual([copy(`handover.client.${reason}`)]);
    expect(await client.lead()).toMatchObject({ status: "NEEDS_ARTIST_REPLY", handover_reason: reason, current_question: "style" });
    const notices = await artistNoticesSince(before);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`Why: ${copy(`handover.reason.${reason}`)}`);
    expect(notices[0]).toContain(`Their message: "${text}"`);
  });

  it("complexity 3 (tapped) is recorded and handed over; the artist is notified on every new handover", async () => {
    const before = await artistWindowOpen();
    const client = new Client();
    await client.reaches("complexity");
    await client.taps("complexity_3", "3 · Very detailed");
    expect(await client.hears()).toEqual([copy("handover.client.high_complexity")]);
    const lead = await client.lead();
    expect(lead).toMatchObject({ status: "NEEDS_ARTIST_REPLY", handover_reason: "high_complexity", current_question: "coverup" });
    const [answer] = await sql<{ question_key: string; value: unknown }>(
      "SELECT question_key, value FROM lead_answers WHERE lead_id = $1 ORDER BY seq DESC LIMIT 1",
      [lead?.id],
    );
    expect(answer).toEqual({ question_key: "complexity", value: 3 });

    await client.says("continue");
    expect(await client.hears()).toEqual([copy("handover.resumed"), question("coverup")]);
    await client.says("talk to someone please");
    expect(await client.hears()).toEqual([copy("handover.client.client_asked")]);
    expect(await artistNoticesSince(before)).toHaveLength(2);
  });

  it("a client alternating HUMAN and REFUND: one artist notice per open handover, at most 3 a day; the inbox shows every request", async () => {
    const before = await artistWindowOpen();
    const client = new Client();
    await client.reaches("style");
    for (let i = 0; i < 6; i++) await client.says(i % 2 === 0 ? "human" : "refund please");
    expect(await client.hears()).toEqual([copy("handover.client.client_asked"), copy("handover.client.refund")]);
    expect(await artistNoticesSince(before)).toHaveLength(1);
    const lead = await client.lead();
    expect(lead).toMatchObject({ status: "NEEDS_ARTIST_REPLY", handover_reason: "client_asked", handover_reasons: ["client_asked", "refund"] });
    expect(lead?.handover_notices_at).toHaveLength(1);

    // Out and back in, three more times: the third of these is past the day's cap.
    for (let i = 0; i < 3; i++) {
      await client.says("continue");
      await client.says("HUMAN");
    }
    expect(await artistNoticesSince(before)).toHaveLength(HANDOVER_NOTICES_PER_DAY);
    const after = await client.lead();
    expect(after).toMatchObject({ status: "NEEDS_ARTIST_REPLY" });
    expect(after?.handover_notices_at).toHaveLength(HANDOVER_NOTICES_PER_DAY);
    const links = await sql<{ n: number }>("SELECT count(*)::int AS n FROM action_tokens WHERE lead_id = $1 AND action = 'resume'", [after?.id]);
    expect(links).toEqual([{ n: HANDOVER_NOTICES_PER_DAY }]);

    const page = await inboxFetch(`/inbox/leads/${String(after?.id)}`, { cookie: await signIn() });
    const html = (await page.text()).replace(/&#39;/g, "'").replace(/&quot;/g, '"');
    expect(html).toContain(renderCopy("inbox.timeline.handover_request", { reason: copy("handover.reason.refund"), text: "refund please" }));
    expect(html).toContain(renderCopy("inbox.timeline.handed_over_quiet", { reason: copy("handover.reason.client_asked"), limit: HANDOVER_NOTICES_PER_DAY }));
  });

  it("an artist who has not written today still hears of a handover, through the approved template", async () => {
    // A day passes in WhatsApp's eyes: the artist's last message to the business number is old.
    await artistWindowOpen();
    await setEmulatorClockOffset(25 * 60 * 60 * 1000);
    const before = (await sentTo(ARTIST)).length;
    const client = new Client();
    await client.reaches("idea");
    await client.says("HUMAN");
    // The notice as the alert template, its button as the one-button action template.
    expect(await artistHeardSince(before)).toEqual(["template:inkline_update", "template:inkline_artist_action"]);
    const rows = await sql<{ status: string; copy_key: string }>(
      "SELECT o.status, o.copy_key FROM outbox_messages o JOIN leads l ON l.id = o.lead_id WHERE l.phone_e164 = $1 AND o.to_phone = $2 ORDER BY o.seq",
      [client.phone, ARTIST],
    );
    expect(rows).toEqual([
      { status: "SENT", copy_key: "handover.artist" },
      { status: "SENT", copy_key: "artist.notice_buttons" },
    ]);
  });
});

describe("several answers in one message", () => {
  it("placement, size, style and budget at once: every one kept, confirmed in one line, and not asked again", async () => {
    const client = new Client();
    await client.reaches("placement");
    await client.says("left forearm, about 10x15cm, blackwork, budget £400");
    expect(await client.hears()).toEqual([
      copy("consultation.kept_answers", { answers: "the size (10x15cm), the style (blackwork) and a budget of £400" }),
      question("complexity"),
    ]);
    const lead = await client.lead();
    const answers = await sql<{ question_key: string }>("SELECT question_key FROM lead_answers WHERE lead_id = $1 ORDER BY seq", [lead?.id]);
    expect(answers.map((a) => a.question_key)).toEqual(["idea", "placement", "dimensions", "style", "budget"]);
    expect(lead?.multi_answer_noted_at).not.toBeNull();
  });
});
