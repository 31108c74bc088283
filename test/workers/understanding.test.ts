/**
 * Understanding clients the first time, as transcripts through the whole Worker (signed webhooks
 * in, the WhatsApp emulator capturing replies, the lead in Postgres): a question is never an
 * answer, an implausible value is confirmed, the first message after a handover is answered,
 * a cover-up finishes before it goes to the artist, several answers are kept, half a size is
 * repaired and indifference is an answer. Then what the artist sees: the drop-off per question and
 * the brief's completeness in the admin API and the inbox.
 */
import { describe, expect, it } from "vitest";
import { renderCopy, type CopyKey } from "../../src/domain/copy.ts";
import type { HandoverPacket } from "../../src/domain/engine.ts";
import { QUESTION_KEYS, type QuestionKey } from "../../src/domain/questions.ts";
import { adminFetch } from "../support/workers/artist.ts";
import { artistHeardSince, artistNoticesSince, artistWindowOpen, Client } from "../support/workers/client.ts";
import { sql } from "../support/workers/db.ts";
import { inboxFetch, signIn } from "../support/workers/inbox.ts";
import { buttonIdsTo } from "../support/workers/whatsapp.ts";

const copy = (key: CopyKey, extra: Record<string, string | number> = {}) => renderCopy(key, { artistName: "Mara", greetingName: " Ari", replyDays: 3, ...extra });
const question = (key: QuestionKey) => copy(`question.${key}`);

async function answersOf(client: Client): Promise<{ question_key: string; raw_text: string | null; value: unknown }[]> {
  const lead = await client.lead();
  return sql("SELECT question_key, raw_text, value FROM lead_answers WHERE lead_id = $1 ORDER BY seq", [lead?.id]);
}

describe("a question is never an answer", () => {
  it("asking whether the price could be lower at the placement question hands over; nothing is stored as the placement", async () => {
    const client = new Client();
    await client.reaches("placement");
    await client.says("any chance the price could be a bit lower? money's tight atm");
    expect(await client.hears()).toEqual([copy("handover.client.price_question")]);
    // The inbox shows how little of the brief there is.
    expect(await client.lead()).toMatchObject({
      status: "NEEDS_ARTIST_REPLY",
      handover_reason: "price_question",
      current_question: "placement",
      brief: { score: 0, total: 5, missing: ["placement", "size", "references", "budget", "timing"] },
    });
    expect((await answersOf(client)).map((a) => a.question_key)).toEqual(["idea"]);
  });

  it("asking whether an amount will do, at the placement question, hands over; neither a placement nor a budget is stored", async () => {
    const client = new Client();
    await client.reaches("placement");
    await client.says("is £200 enough?");
    expect(await client.hears()).toEqual([copy("handover.client.price_question")]);
    expect(await client.lead()).toMatchObject({ status: "NEEDS_ARTIST_REPLY", handover_reason: "price_question" });
    expect((await answersOf(client)).map((a) => a.question_key)).toEqual(["idea"]);
  });

  it("a question about the work gets a holding reply and the same question again", async () => {
    const client = new Client();
    await client.reaches("style");
    await client.says("do you do watercolour?");
    expect(await client.hears()).toEqual([copy("consultation.question_noted", { question: question("style") })]);
    // A question with no "you" in it is still one.
    await client.says("how many sessions would it take");
    expect(await client.hears()).toEqual([copy("consultation.question_noted", { question: question("style") })]);
    await client.says("watercolour, soft edges");
    expect(await client.hears()).toEqual([question("complexity")]);
    expect((await answersOf(client)).filter((a) => a.question_key === "style").map((a) => a.raw_text)).toEqual(["watercolour, soft edges"]);
  });
});

describe("an implausible value is confirmed, not accepted", () => {
  it("a bare 5 at the budget: \"did you mean £500?\" with buttons; Yes stores £500 and moves on", async () => {
    const client = new Client();
    await client.reaches("budget");
    await client.says("5");
    expect(await client.hears()).toEqual([copy("check.did_you_mean", { suggestion: "£500" })]);
    expect((await buttonIdsTo(client.phone)).at(-1)).toEqual(["check_yes", "check_no"]);
    expect((await answersOf(client)).some((a) => a.question_key === "budget")).toBe(false);
    expect((await client.lead())?.pending_check).toMatchObject({ question: "budget", suggestion: { amountMinor: 50_000 } });

    await client.taps("check_yes", "Yes");
    expect(await client.hears()).toEqual([question("location_city")]);
    expect((await answersOf(client)).at(-1)).toEqual({ question_key: "budget", raw_text: "£500", value: { amountMinor: 50_000, currency: "GBP" } });
    expect((await client.lead())?.pending_check).toBeNull();
  });

  it("3 mm at the size: \"did you mean 3 x 3 cm?\"; Yes stores 3 x 3 cm", async () => {
    const client = new Client();
    await client.reaches("dimensions");
    await client.says("3mm");
    expect(await client.hears()).toEqual([copy("check.did_you_mean", { suggestion: "3 x 3 cm" })]);
    expect((await answersOf(client)).some((a) => a.question_key === "dimensions")).toBe(false);
    await client.taps("check_yes", "Yes");
    expect(await client.hears()).toEqual([question("style")]);
    expect((await answersOf(client)).at(-1)).toMatchObject({ question_key: "dimensions", value: { widthCm: 3, heightCm: 3 } });
  });

  it("a back-sized piece on a finger is checked; No asks for the size again", async () => {
    const client = new Client();
    await client.reaches("dimensions", { placement: "my ring finger" });
    await client.says("30 x 40 cm");
    expect(await client.hears()).toEqual([copy("check.size_placement", { value: "30 x 40 cm", part: "finger" })]);
    await client.says("no");
    expect(await client.hears()).toEqual([copy("check.declined", { question: question("dimensions") })]);
    await client.says("2 x 3 cm");
    expect(await client.hears()).toEqual([question("style")]);
  });
});

describe("after a handover", () => {
  it("the first message gets a holding reply at once; the next within the cooldown does not", async () => {
    const client = new Client();
    await client.reaches("budget");
    await client.says("how much would a piece like this cost?");
    expect(await client.hears()).toEqual([copy("handover.client.price_question")]);
    await client.says("are you there?");
    expect(await client.hears()).toEqual([copy("handover.holding")]);
    await client.says("hello??");
    expect(await client.hears()).toEqual([]);
  });
});

describe("a cover-up", () => {
  it("asks for a photo of the existing tattoo, finishes the consultation, then hands over with the whole packet and the reason", async () => {
    const before = await artistWindowOpen();
    const client = new Client();
    await client.reaches("coverup");
    await client.taps("yes", "Yes");
    expect(await client.hears()).toEqual([copy("question.reference_images_coverup")]);
    await client.says({ image: { caption: "this is the old one" } });
    await client.says("£400");
    for (const text of ["Manchester", "United Kingdom", "@ink.lover", "same", "weekday evenings"]) await client.says(text);
    const heard = await client.hears();
    expect(heard.at(-1)).toBe(copy("handover.client.coverup"));
    expect(heard).not.toContain(copy("consultation.complete"));

    const lead = await client.lead();
    expect(lead).toMatchObject({ status: "NEEDS_ARTIST_REPLY", handover_reason: "coverup", resume_status: "PENDING_APPROVAL", brief: { score: 6, total: 6, missing: [] } });
    const packet = lead?.handover_packet as HandoverPacket;
    expect(packet.answers.map((a) => a.questionKey)).toEqual([...QUESTION_KEYS]);
    // The summary (with its action buttons after it), then one handover notice with the whole packet.
    const notices = await artistHeardSince(before);
    expect(notices.filter((n) => n.includes("Brief: 6/6 complete"))).toHaveLength(1);
    const handovers = notices.filter((n) => n.includes("Why:"));
    expect(handovers).toHaveLength(1);
    expect((await artistNoticesSince(before)).at(-1)).toBe(handovers[0]);
    expect(handovers[0]).toContain(`Why: ${copy("handover.reason.coverup")}`);
    expect(handovers[0]).toContain("• Timing: weekday evenings");
    // The first message after it is answered, with no questions left to offer.
    await client.says("are you there?");
    expect(await client.hears()).toEqual([copy("handover.holding_no_questions")]);
  });
});

describe("several answers in one message", () => {
  it("size and budget at once: both kept, confirmed in one line, and the budget is not asked later", async () => {
    const client = new Client();
    await client.reaches("dimensions");
    await client.says("about 12 by 8 cm, thinking around 300 quid");
    expect(await client.hears()).toEqual([copy("consultation.kept_answers", { answers: "a budget of 300 quid" }), question("style")]);
    for (const text of ["fine line", "2", "no", "no"]) await client.says(text);
    expect(await client.hears()).toEqual([question("complexity"), question("coverup"), question("reference_images"), question("location_city")]);
    const answers = await answersOf(client);
    expect(answers.filter((a) => a.question_key === "budget")).toEqual([{ question_key: "budget", raw_text: "300 quid", value: { amountMinor: 30_000, currency: "GBP" } }]);
    expect(answers.filter((a) => a.question_key === "dimensions").map((a) => a.value)).toEqual([{ widthCm: 12, heightCm: 8 }]);
  });
});

describe("half a size and indifference", () => {
  it("\"15 x\" and \"by 20\" are repaired, not read as squares; \"anywhere's fine\" and \"whatever works\" finish the consultation", async () => {
    const client = new Client();
    await client.reaches("dimensions");
    await client.says("15 x");
    expect(await client.hears()).toEqual([copy("repair.dimensions_half")]);
    await client.says("by 20");
    expect(await client.hears()).toEqual([copy("repair.dimensions_half")]);
    await client.says("15 x 20");
    expect(await client.hears()).toEqual([question("style")]);

    const rest = new Client();
    await rest.reaches("travel_city");
    await rest.says("anywhere's fine");
    expect(await rest.hears()).toEqual([question("timing")]);
    await rest.says("whatever works");
    expect(await rest.hears()).toEqual([copy("consultation.complete")]);
    const answers = await answersOf(rest);
    expect(answers.at(-2)?.value).toMatchObject({ flexible: true });
    expect(answers.at(-1)?.value).toMatchObject({ flexible: true });
  });
});

describe("what the artist sees", () => {
  // Three clients through the consultation, then the API, the inbox and a search: longer than most.
  it("the funnel's drop-off per question (admin API and inbox) and the brief's completeness in the inbox", { timeout: 60_000 }, async () => {
    const repaired = new Client();
    await repaired.reaches("budget");
    await repaired.says("no idea");
    const handed = new Client();
    await handed.reaches("budget");
    await handed.says("do you do student discounts?");
    const done = new Client();
    await done.reaches("timing");
    await done.says("weekday evenings");

    const body = await (await adminFetch("/admin/funnel?days=30")).json<{ questions: { question: string; stalled: number; repaired: number; handed_over: number }[] }>();
    expect(body.questions.map((q) => q.question)).toEqual([...QUESTION_KEYS]);
    const budget = body.questions.find((q) => q.question === "budget");
    expect(budget?.repaired).toBeGreaterThanOrEqual(1);
    expect(budget?.handed_over).toBeGreaterThanOrEqual(1);

    const cookie = await signIn();
    const overview = (await (await inboxFetch("/inbox", { cookie })).text()).replace(/&#39;/g, "'");
    expect(overview).toContain(copy("inbox.dropoff.title"));
    expect(overview).toMatch(/<tr data-question="budget"><th scope="row">Budget<\/th><td data-kind="stalled">\d+<\/td><td data-kind="repaired">[1-9]\d*<\/td><td data-kind="handed_over">[1-9]\d*<\/td>/);

    const lead = await done.lead();
    expect(lead?.brief).toEqual({ score: 4, total: 5, missing: ["references"] });
    const page = (await (await inboxFetch(`/inbox/leads/${String(lead?.id)}`, { cookie })).text()).replace(/&#39;/g, "'");
    expect(page).toContain(copy("inbox.brief_missing", { score: 4, total: 5, missing: "references" }));
    // On the lead list too, marked as incomplete.
    const list = (await (await inboxFetch(`/inbox?q=${done.phone.replace(/\D/g, "")}`, { cookie })).text()).replace(/&#39;/g, "'");
    expect(list).toContain(`<span class="brief incomplete">${copy("inbox.brief_missing", { score: 4, total: 5, missing: "references" })}</span>`);
    // A client handed over part-way shows the brief so far.
    const handedList = (await (await inboxFetch(`/inbox?q=${handed.phone.replace(/\D/g, "")}`, { cookie })).text()).replace(/&#39;/g, "'");
    expect(handedList).toContain(`<span class="brief incomplete">${copy("inbox.brief_missing", { score: 2, total: 5, missing: "references, budget, timing" })}</span>`);
  });

  it("a client who went quiet at a question counts as stalled there (admin API and inbox), only within the period", async () => {
    // Quiet for 299.5 days: inside a 300-day funnel, outside a 299-day one. No other lead is that old
    // at this question, so the difference between the two periods is this client alone.
    const quiet = new Client();
    await quiet.reaches("location_country");
    const lead = await quiet.lead();
    await sql("UPDATE leads SET last_client_message_at = now() - interval '299 days 12 hours' WHERE id = $1", [lead?.id]);

    const stalledAt = async (days: number) => {
      const body = await (await adminFetch(`/admin/funnel?days=${days}`)).json<{ questions: { question: string; stalled: number }[] }>();
      return body.questions.find((q) => q.question === "location_country")?.stalled ?? -1;
    };
    expect((await stalledAt(300)) - (await stalledAt(299))).toBe(1);

    const cookie = await signIn();
    const inboxStalled = async (days: number) => {
      const html = await (await inboxFetch(`/inbox?days=${days}`, { cookie })).text();
      expect(html).toContain(copy("inbox.dropoff.title"));
      // A question with nothing to show has no row.
      const cell = /<tr data-question="location_country"><th scope="row">[^<]*<\/th><td data-kind="stalled">(\d+)<\/td>/.exec(html);
      return Number(cell?.[1] ?? 0);
    };
    expect((await inboxStalled(300)) - (await inboxStalled(299))).toBe(1);
  });
});
