/**
 * The budget minimum per region and the artist's tour: a budget below the minimum, once the
 * country completes the region, offers the next tour stops (or waitlists when there are none);
 * accept continues the questions for the tour city, decline waitlists for the client's city.
 */
import { describe, expect, it } from "vitest";
import type { EngineConfig, LeadState } from "../../src/domain/engine.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import type { TourOffer, TourStop } from "../../src/domain/tour-schedule.ts";
import { GOOD_ANSWERS } from "../support/consultation.ts";
import {
  answersBefore,
  applied,
  askedAbout,
  CONFIG,
  conversation,
  copyKeys,
  eventTypes,
  leadState,
  NOW,
  replies,
  run,
  says,
  taps,
  toArtist,
  transitions,
} from "../support/engine.ts";

const BERLIN: TourStop = { city: "Berlin", country: "Germany", region: "EUROPE", from: "2026-03-20", to: "2026-03-22" };
const LONDON: TourStop = { city: "London", country: "United Kingdom", region: "UK", from: "2026-04-01", to: "2026-04-07" };
const TOUR: EngineConfig = { ...CONFIG, tourStops: [BERLIN, LONDON] };
const LOW_BUDGET = { budget: { text: "£100", value: { amountMinor: 10_000, currency: "GBP" } } };
const DATES = /1\s?–\s?7 Apr 2026/u;

/** A Manchester client with a £100 budget, about to name their country. */
const lowBudgetAtCountry = (overrides: Partial<LeadState> = {}) =>
  askedAbout("location_country", { recentAnswers: answersBefore("location_country", LOW_BUDGET), ...overrides });

/** The same client, offered the tour (London first: their own region). */
function offered(config: EngineConfig = TOUR): LeadState {
  const lead = lowBudgetAtCountry();
  return applied(lead, run(lead, says("United Kingdom"), config));
}

const buttonsOf = (decision: ReturnType<typeof run>) =>
  decision.outbound.flatMap((o) => (o.to === "client" && o.kind === "buttons" ? o.buttons.map((b) => [b.id, b.title]) : []));

describe("the budget is checked against the region's minimum when the country completes the region", () => {
  it("£100 in the UK, tour stops ahead: TOUR_CONVERSION_OFFERED, the stops listed (own region first) with dates, Yes / No thanks", () => {
    const decision = run(lowBudgetAtCountry(), says("United Kingdom"), TOUR);
    expect(transitions(decision)).toEqual([[LeadStatus.QUALIFYING, LeadStatus.TOUR_CONVERSION_OFFERED]]);
    expect(copyKeys(decision)).toEqual(["tour.offer"]);
    const [body] = replies(decision);
    expect(body).toMatch(/^Thanks! That budget is a little under Mara's minimum/);
    expect(body).toMatch(/• London, United Kingdom: 1\s?–\s?7 Apr 2026\n• Berlin, Germany: 20\s?–\s?22 Mar 2026\n/u);
    expect(body).toMatch(/Would you like to book for London \(1\s?–\s?7 Apr 2026\)\?/u);
    expect(buttonsOf(decision)).toEqual([
      ["tour_accept", "Yes, book on tour"],
      ["tour_decline", "No thanks"],
    ]);
    expect(decision.patch.tourOffer).toMatchObject({ outcome: "offered", region: "UK", stops: [LONDON, BERLIN], accepted: null });
    expect(decision.patch.tourOffer?.minimum).toEqual({ amountMinor: 15_000, currency: "GBP" });
    // The questions resume after the country.
    expect(decision.patch.currentQuestion).toBe("instagram");
    expect(eventTypes(decision)).toContain("budget.below_minimum");
  });

  it("a budget at the minimum goes straight on to the next question", () => {
    const lead = lowBudgetAtCountry({ recentAnswers: answersBefore("location_country", { budget: { text: "£150", value: { amountMinor: 15_000, currency: "GBP" } } }) });
    const decision = run(lead, says("United Kingdom"), TOUR);
    expect(copyKeys(decision)).toEqual(["question.instagram"]);
    expect(decision.patch.tourOffer).toBeUndefined();
  });

  it("a budget in another currency is compared after conversion ($150 is below £150)", () => {
    const lead = lowBudgetAtCountry({ recentAnswers: answersBefore("location_country", { budget: { text: "$150", value: { amountMinor: 15_000, currency: "USD" } } }) });
    expect(copyKeys(run(lead, says("United Kingdom"), TOUR))).toEqual(["tour.offer"]);
  });

  it("the city answer alone does not trigger it: the country is asked first", () => {
    const lead = askedAbout("location_city", { recentAnswers: answersBefore("location_city", LOW_BUDGET) });
    const decision = run(lead, says("Manchester"), TOUR);
    expect(copyKeys(decision)).toEqual(["question.location_country"]);
    expect(decision.transitions).toEqual([]);
  });

  it("no tour stops ahead: WAITLISTED at once for the client's city, told there are no tour dates", () => {
    const decision = run(lowBudgetAtCountry(), says("United Kingdom"), CONFIG);
    expect(transitions(decision)).toEqual([[LeadStatus.QUALIFYING, LeadStatus.WAITLISTED]]);
    expect(copyKeys(decision)).toEqual(["tour.none"]);
    expect(replies(decision)[0]).toContain("no tour dates coming up at the moment. I've added you to the waitlist for Manchester");
    expect(decision.patch).toMatchObject({ waitlistCity: "Manchester", tourOffer: { outcome: "no_tour", stops: [] } });
  });

  it("checked once: a lead whose offer is already decided is not offered again", () => {
    const tourOffer: TourOffer = { at: NOW.toISOString(), region: "UK", budget: { amountMinor: 10_000, currency: "GBP" }, minimum: { amountMinor: 15_000, currency: "GBP" }, stops: [LONDON], outcome: "declined", accepted: null };
    expect(copyKeys(run(lowBudgetAtCountry({ tourOffer }), says("United Kingdom"), TOUR))).toEqual(["question.instagram"]);
  });
});

describe("the client answers the tour offer", () => {
  it("taps Yes: back to QUALIFYING for London, priced there, the next question asked", () => {
    const decision = run(offered(), taps("tour_accept", "Yes, book on tour"), TOUR);
    expect(transitions(decision)).toEqual([[LeadStatus.TOUR_CONVERSION_OFFERED, LeadStatus.QUALIFYING]]);
    expect(copyKeys(decision)).toEqual(["tour.accepted", "question.instagram"]);
    expect(replies(decision)[0]).toMatch(/^Brilliant, London it is \(1\s?–\s?7 Apr 2026\)!/u);
    expect(decision.patch).toMatchObject({ tourCity: "London", tourOffer: { outcome: "accepted", accepted: LONDON }, region: "UK" });
  });

  it("a client in Germany who types London is priced in the UK, where the session will be", () => {
    const lead = askedAbout("location_country", {
      recentAnswers: answersBefore("location_country", {
        location_city: { text: "Berlin", value: { city: "Berlin", country: "Germany", countryCode: "DE", region: "EUROPE", flexible: false } },
        budget: { text: "€100", value: { amountMinor: 10_000, currency: "EUR" } },
      }),
    });
    const offer = run(lead, says("Germany"), TOUR);
    expect(offer.patch.tourOffer?.stops.map((s) => s.city)).toEqual(["Berlin", "London"]);
    expect(offer.patch).toMatchObject({ region: "EUROPE", priceCurrency: "EUR" });
    const decision = run(applied(lead, offer), says("London please"), TOUR);
    expect(decision.patch).toMatchObject({ tourCity: "London", region: "UK", priceCurrency: "GBP", depositCurrency: "GBP" });
    expect(decision.patch.estimateTrace?.inputs.regionFrom).toBe("tour");
  });

  it.each([
    ["yes please", "London"],
    ["Berlin", "Berlin"],
    ["yes, berlin would be great", "Berlin"],
  ])("typed %j accepts %s", (text, city) => {
    expect(run(offered(), says(text), TOUR).patch.tourCity).toBe(city);
  });

  it.each(["No thanks", "no, not London", "nope"])("typed %j declines", (text) => {
    expect(transitions(run(offered(), says(text), TOUR))).toEqual([[LeadStatus.TOUR_CONVERSION_OFFERED, LeadStatus.WAITLISTED]]);
  });

  it("taps No thanks: WAITLISTED with the client's own city kept, told so", () => {
    const decision = run(offered(), taps("tour_decline", "No thanks"), TOUR);
    expect(transitions(decision)).toEqual([[LeadStatus.TOUR_CONVERSION_OFFERED, LeadStatus.WAITLISTED]]);
    expect(copyKeys(decision)).toEqual(["tour.declined"]);
    expect(replies(decision)[0]).toContain("I've added you to Mara's waitlist for Manchester");
    expect(decision.patch).toMatchObject({ waitlistCity: "Manchester", tourOffer: { outcome: "declined" } });
    expect(decision.patch.tourCity).toBeUndefined();
  });

  it("an unclear reply is asked again (a failure); the third hands over to the artist", () => {
    let lead = offered();
    const first = run(lead, says("hmm"), TOUR);
    expect(copyKeys(first)).toEqual(["tour.repair"]);
    expect(buttonsOf(first).map(([id]) => id)).toEqual(["tour_accept", "tour_decline"]);
    expect(first.patch.failureCounts).toEqual({ tour_offer: 1 });
    lead = applied(lead, first);
    lead = applied(lead, run(lead, says("what"), TOUR));
    const third = run(lead, says("purple"), TOUR);
    expect(transitions(third)).toEqual([[LeadStatus.TOUR_CONVERSION_OFFERED, LeadStatus.NEEDS_ARTIST_REPLY]]);
    expect(copyKeys(third)).toEqual(["handover.client.repeated_failures"]);
  });

  it("an old question's button re-sends the offer without counting a failure", () => {
    const decision = run(offered(), taps("complexity_2", "2 · Some detail"), TOUR);
    expect(copyKeys(decision)).toEqual(["tour.offer"]);
    expect(decision.patch.failureCounts).toBeUndefined();
  });

  it("a price question goes to the artist; CONTINUE comes back to the offer, made again", () => {
    const asked = run(offered(), says("how much would it cost in London?"), TOUR);
    expect(transitions(asked)).toEqual([[LeadStatus.TOUR_CONVERSION_OFFERED, LeadStatus.NEEDS_ARTIST_REPLY]]);
    const back = run(applied(offered(), asked), says("CONTINUE"), TOUR);
    expect(transitions(back)).toEqual([[LeadStatus.NEEDS_ARTIST_REPLY, LeadStatus.TOUR_CONVERSION_OFFERED]]);
    expect(copyKeys(back)).toEqual(["handover.resumed", "tour.offer"]);
  });

  it("STOP then START returns to the offer and makes it again", () => {
    let lead = offered();
    lead = applied(lead, run(lead, says("STOP"), TOUR));
    const start = run(lead, says("START"), TOUR);
    expect(transitions(start)).toEqual([[LeadStatus.OPTOUT, LeadStatus.TOUR_CONVERSION_OFFERED]]);
    expect(copyKeys(start)).toEqual(["optin.confirmed", "tour.offer"]);
  });
});

describe("after accepting, the consultation continues in the tour city", () => {
  it("the travel-city question is skipped; completion tells the client about the tour stop and the artist gets the summary", () => {
    const messages = [says("hi"), ...Object.entries(GOOD_ANSWERS).map(([key, a]) => says(key === "budget" ? "£100" : a.text))];
    // The good answers run to the country; the tour offer interrupts there.
    const upToCountry = messages.slice(0, 1 + Object.keys(GOOD_ANSWERS).indexOf("location_country") + 1);
    const { lead } = conversation(leadState(), [...upToCountry, taps("tour_accept", "Yes, book on tour"), says("@ink.lover"), says("weekday evenings")], TOUR);
    expect(lead.status).toBe(LeadStatus.PENDING_APPROVAL);
    expect(lead.recentAnswers.map((a) => a.questionKey)).not.toContain("travel_city");
    expect(lead.tourOffer).toMatchObject({ outcome: "accepted", accepted: LONDON });
  });

  it("the instagram answer leads straight to timing, and the last answer completes for London", () => {
    const accepted = applied(offered(), run(offered(), taps("tour_accept", "Yes"), TOUR));
    const instagram = run(accepted, says("@ink.lover"), TOUR);
    expect(copyKeys(instagram)).toEqual(["question.timing"]);
    const done = run(applied(accepted, instagram), says("weekday evenings"), TOUR);
    expect(copyKeys(done)).toEqual(["consultation.complete_tour"]);
    expect(replies(done)[0]).toMatch(DATES);
    expect(replies(done)[0]).toContain("for the London guest spot");
    expect(toArtist(done).map((o) => o.copyKey)).toEqual(["summary.artist"]);
  });
});
