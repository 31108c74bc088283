/**
 * The tour schedule as configured (validated, upcoming stops only), how its dates and money read
 * in en_GB, and which answers the engine keeps in memory for "latest wins".
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { retainAnswers } from "../../src/domain/engine.ts";
import { stopsToOffer } from "../../src/domain/engine/tour.ts";
import { formatDateRange, formatMoney } from "../../src/domain/format.ts";
import { readTourOffer, TourScheduleSchema, upcomingStops, type TourStop } from "../../src/domain/tour-schedule.ts";

const stop = (city: string, region: TourStop["region"], from: string, to: string): TourStop => ({ city, country: "X", region, from, to });
const LONDON = stop("London", "UK", "2027-02-01", "2027-02-07");
const BERLIN = stop("Berlin", "EUROPE", "2027-01-10", "2027-01-12");
const PARIS = stop("Paris", "EUROPE", "2026-12-01", "2026-12-03");

describe("TOUR_SCHEDULE", () => {
  it("parses a JSON array of stops; empty or unset is no tour", () => {
    const result = parseConfig({ TOUR_SCHEDULE: JSON.stringify([{ city: "London", country: "United Kingdom", region: "UK", from: "2027-02-01", to: "2027-02-07" }]) });
    expect(result.ok && result.config.TOUR_SCHEDULE).toEqual([{ city: "London", country: "United Kingdom", region: "UK", from: "2027-02-01", to: "2027-02-07" }]);
    const unset = parseConfig({});
    expect(unset.ok && unset.config.TOUR_SCHEDULE).toEqual([]);
    const blank = parseConfig({ TOUR_SCHEDULE: "" });
    expect(blank.ok && blank.config.TOUR_SCHEDULE).toEqual([]);
  });

  it.each([
    ["not json", /TOUR_SCHEDULE: must be a JSON array of tour stops/],
    ['{"city":"London"}', /TOUR_SCHEDULE: schedule: /],
    ['[{"city":"London","country":"UK","region":"MARS","from":"2027-02-01","to":"2027-02-07"}]', /TOUR_SCHEDULE: 0\.region/],
    ['[{"city":"London","country":"UK","region":"UK","from":"2027-02-30","to":"2027-03-07"}]', /TOUR_SCHEDULE: 0\.from: is not a real date/],
    ['[{"city":"London","country":"UK","region":"UK","from":"2027-02-08","to":"2027-02-07"}]', /TOUR_SCHEDULE: 0\.to: from must not be after to/],
  ])("refuses %s, naming the variable and the problem", (value, problem) => {
    const result = parseConfig({ TOUR_SCHEDULE: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join("\n")).toMatch(problem);
  });

  it("upcoming stops are those that start after now, soonest first", () => {
    expect(upcomingStops([LONDON, PARIS, BERLIN], new Date("2026-12-02T12:00:00Z"))).toEqual([BERLIN, LONDON]);
    expect(upcomingStops([LONDON], new Date("2027-02-01T00:00:00Z"))).toEqual([]);
    expect(TourScheduleSchema.parse([LONDON])).toEqual([LONDON]);
  });

  it("offers at most three stops, the client's region first", () => {
    const more = [BERLIN, LONDON, stop("Madrid", "EUROPE", "2027-03-01", "2027-03-02"), stop("Rome", "EUROPE", "2027-04-01", "2027-04-02")];
    expect(stopsToOffer(more, "UK").map((s) => s.city)).toEqual(["London", "Berlin", "Madrid"]);
    expect(stopsToOffer(more, "ROW").map((s) => s.city)).toEqual(["Berlin", "London", "Madrid"]);
  });

  it("a stored offer that is not one reads as none", () => {
    expect(readTourOffer(null)).toBeNull();
    expect(readTourOffer({ outcome: "accepted" })).toBeNull();
  });
});

describe("en_GB formatting", () => {
  it.each([
    ["2027-02-01", "2027-02-07", /^1\s?–\s?7 Feb 2027$/u],
    ["2027-02-28", "2027-03-03", /^28 Feb\s?–\s?3 Mar 2027$/u],
    ["2027-12-30", "2028-01-02", /^30 Dec 2027\s?–\s?2 Jan 2028$/u],
    ["2027-02-01", "2027-02-01", /^1 Feb 2027$/u],
  ])("%s to %s reads %s", (from, to, expected) => {
    expect(formatDateRange(from, to)).toMatch(expected);
  });

  it.each([
    [40_000, "GBP", "£400"],
    [41_250, "GBP", "£412.50"],
    [120_000, "EUR", "€1,200"],
    [15_000, "USD", "US$150"],
  ])("%i %s reads %s", (minor, currency, expected) => {
    expect(formatMoney(minor, currency)).toBe(expected);
  });
});

describe("answers kept for the engine", () => {
  const a = (questionKey: string, n: number) => ({ questionKey, n });

  it("keeps the last N and, before them, the latest answer to every other question, in order", () => {
    const answers = [a("idea", 1), a("placement", 2), a("idea", 3), a("budget", 4), a("budget", 5), a("timing", 6)];
    expect(retainAnswers(answers, 2).map((x) => x.n)).toEqual([2, 3, 5, 6]);
    expect(retainAnswers(answers, 10)).toEqual(answers);
  });
});
