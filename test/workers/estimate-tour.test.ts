/**
 * The estimate, the budget minimum and the tour as transcripts through the whole Worker: a
 * finished consultation stores its estimate on the lead and sends the artist a summary; a budget
 * below the region's minimum is offered the tour (configured in TOUR_SCHEDULE: London a month
 * ahead, then Berlin), and the client accepts (finishing for London) or declines (waitlisted).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client.ts";
import { recentAnswers } from "../../src/db/lead-store.ts";
import { renderCopy, type CopyKey, type CopyParams } from "../../src/domain/copy.ts";
import { formatDateRange } from "../../src/domain/format.ts";
import { PRICING_RULES } from "../../src/domain/pricing-rules.ts";
import type { QuestionKey } from "../../src/domain/questions.ts";
import { TourScheduleSchema, type TourStop } from "../../src/domain/tour-schedule.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import { artistHeardSince, artistWindowOpen, Client, NAME } from "../support/workers/client.ts";
import { sql } from "../support/workers/db.ts";
import { buttonIdsTo } from "../support/workers/whatsapp.ts";

const copy = (key: CopyKey, extra: CopyParams = {}) => renderCopy(key, { artistName: "Mara", greetingName: " Ari", replyDays: 3, ...extra });
const question = (key: QuestionKey) => copy(`question.${key}`);

const [LONDON, BERLIN] = TourScheduleSchema.parse(JSON.parse(env.TOUR_SCHEDULE));
const stopOf = (stop: TourStop | undefined): TourStop => {
  if (!stop) throw new Error("the test tour needs London and Berlin (vitest.config.ts)");
  return stop;
};
const london = stopOf(LONDON);
const berlin = stopOf(BERLIN);
const dates = (stop: TourStop) => formatDateRange(stop.from, stop.to);
const TOUR_OFFER = copy("tour.offer", {
  stops: [london, berlin].map((s) => copy("tour.stop_line", { city: s.city, country: s.country, dates: dates(s) })).join("\n"),
  city: london.city,
  dates: dates(london),
});

/** A Manchester client with a £100 budget (below the UK's £150), answering up to the country. */
async function lowBudgetClient(): Promise<Client> {
  const client = new Client();
  await client.reaches("location_country", { budget: "£100" });
  await client.says(GOOD_ANSWERS.location_country.text);
  return client;
}

describe("a finished consultation", () => {
  it("stores the estimate on the lead (quoted, not locked) and the artist's summary has the answers, the estimate and the images", async () => {
    const before = await artistWindowOpen();
    const client = new Client();
    await client.reaches("reference_images");
    await client.says({ image: { mime_type: "image/jpeg", caption: "like this" } });
    for (const key of ["budget", "location_city", "location_country", "instagram", "travel_city", "timing"] as const) {
      await client.says(GOOD_ANSWERS[key].text);
    }
    expect((await client.hears()).at(-1)).toBe(copy("consultation.complete"));

    const lead = await client.lead();
    expect(lead).toMatchObject({
      status: "PENDING_APPROVAL",
      region: "UK",
      size_category: "MEDIUM",
      estimated_days: null,
      price_min_minor: 26_000,
      price_max_minor: 38_000,
      price_currency: "GBP",
      deposit_amount_minor: 10_000,
      deposit_currency: "GBP",
      deposit_rule_version: PRICING_RULES.version,
      deposit_locked_at: null,
      tour_offer: null,
    });
    expect(lead?.estimate_trace).toMatchObject({ inputs: { widthCm: 10, heightCm: 15, complexity: 2, region: "UK" }, hours: 2.5 });
    expect(lead?.artist_notified_at).not.toBeNull();

    // The summary, then its action buttons.
    const [summary, buttons, ...more] = await artistHeardSince(before);
    expect(buttons).toBe(renderCopy("summary.buttons", { clientName: NAME }));
    expect(more).toEqual([]);
    expect(summary).toContain(`Client: ${NAME}, ${client.phone}`);
    expect(summary).toContain(`• Idea: ${GOOD_ANSWERS.idea.text}\n• Placement: ${GOOD_ANSWERS.placement.text}\n• Size: ${GOOD_ANSWERS.dimensions.text}`);
    expect(summary).toContain("• Reference images: like this\n• Budget: £400");
    expect(summary).toContain(`Estimate: Medium, about 2.5 h\nPrice range (internal): £260–£380\nDeposit: £100 (rules ${PRICING_RULES.version})`);
    expect(summary).toContain("Reference images: 1\nFlags: none");
  });
});

describe("a budget below the region's minimum", () => {
  it("is offered the tour with its dates; accepting continues for London (no travel question) to PENDING_APPROVAL with the estimate", async () => {
    const before = await artistWindowOpen();
    const client = await lowBudgetClient();
    expect(await client.hears()).toEqual([TOUR_OFFER]);
    expect((await buttonIdsTo(client.phone)).at(-1)).toEqual(["tour_accept", "tour_decline"]);
    expect(await client.lead()).toMatchObject({ status: "TOUR_CONVERSION_OFFERED", current_question: "instagram", tour_offer: { outcome: "offered" } });

    await client.taps("tour_accept", "Yes, book on tour");
    expect(await client.hears()).toEqual([copy("tour.accepted", { city: "London", dates: dates(london) }), question("instagram")]);
    await client.says(GOOD_ANSWERS.instagram.text);
    expect(await client.hears()).toEqual([question("timing")]);
    await client.says(GOOD_ANSWERS.timing.text);
    expect(await client.hears()).toEqual([copy("consultation.complete_tour", { city: "London", dates: dates(london) })]);

    expect(await client.lead()).toMatchObject({
      status: "PENDING_APPROVAL",
      tour_city: "London",
      waitlist_city: null,
      tour_offer: { outcome: "accepted", accepted: { city: "London" } },
      region: "UK",
      size_category: "MEDIUM",
      deposit_amount_minor: 10_000,
      deposit_rule_version: PRICING_RULES.version,
    });
    const summary = (await artistHeardSince(before)).find((n) => n.startsWith("New consultation"));
    expect(summary).toContain(`• Session city: London (tour stop, ${dates(london)})`);
    expect(summary).toContain(`Flags: budget £100 is below the UK minimum of £150; accepted the London tour stop (${dates(london)})`);
  });

  it("declining the tour: WAITLISTED for the client's own city, told so, no more questions", async () => {
    const client = await lowBudgetClient();
    await client.hears();
    await client.taps("tour_decline", "No thanks");
    expect(await client.hears()).toEqual([copy("tour.declined", { city: "Manchester" })]);
    expect(await client.lead()).toMatchObject({ status: "WAITLISTED", waitlist_city: "Manchester", tour_city: null, tour_offer: { outcome: "declined" } });
  });
});

describe("the answers the lead's object loads", () => {
  it("the newest answers and, before them, the latest answer to every other question (so the latest always wins)", async () => {
    const client = new Client();
    await client.reaches("placement");
    const lead = await client.lead();
    // 25 more size answers after the idea, then the budget: the idea is far older than the newest 20.
    const extra = Array.from({ length: 25 }, (_, i) => ["dimensions", `${i + 1} x 10 cm`] as const);
    for (const [i, [key, raw]] of [...extra, ["budget", "£400"] as const].entries()) {
      await sql("INSERT INTO lead_answers (lead_id, seq, question_key, raw_text, value) VALUES ($1, $2, $3, $4, $5)", [lead?.id, 2 + i, key, raw, "{}"]);
    }
    await sql("UPDATE leads SET answer_count = 27 WHERE id = $1", [lead?.id]);
    const handle = openDatabase({ DATABASE_URL: env.DATABASE_URL, DATABASE_WS_PROXY: env.DATABASE_WS_PROXY });
    try {
      const answers = await recentAnswers(handle.db, String(lead?.id), 20);
      expect(answers.map((a) => a.rawText)).toEqual([GOOD_ANSWERS.idea.text, ...extra.slice(6).map(([, raw]) => raw), "£400"]);
    } finally {
      await handle.close();
    }
  });
});
