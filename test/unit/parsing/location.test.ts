import { describe, expect, it } from "vitest";
import { parseLocation, type Location } from "../../../src/domain/parsing/index.ts";

const uk = { country: "United Kingdom", countryCode: "GB", region: "UK", flexible: false } as const;
const us = { country: "United States", countryCode: "US", region: "ROW", flexible: false } as const;

describe("parseLocation", () => {
  it.each<[string, Location]>([
    ["London", { city: "London", ...uk }],
    ["london", { city: "London", ...uk }],
    ["I'm in Manchester", { city: "Manchester", ...uk }],
    ["Glasgow", { city: "Glasgow", ...uk }],
    ["based in Edinburgh", { city: "Edinburgh", ...uk }],
    ["Belfast", { city: "Belfast", ...uk }],
    ["Manchester, UK", { city: "Manchester", ...uk }],
    ["UK", uk],
    ["U.K.", uk],
    ["the UK", uk],
    ["England", uk],
    ["Scotland", uk],
    ["Wales", uk],
    ["Northern Ireland", uk],
    ["GB", uk],
    ["Great Britain", uk],
    ["Britain", uk],
    ["SW1A 1AA", uk],
    ["Cheltenham, England", { city: "Cheltenham", ...uk }],
    ["Newcastle upon Tyne", { city: "Newcastle", ...uk }],
    ["New York", { city: "New York", ...us }],
    ["NYC", { city: "New York", ...us }],
    ["York", { city: "York", ...uk }],
    ["in LA", { city: "Los Angeles", ...us }],
    ["la", { city: "Los Angeles", ...us }],
    ["the states", us],
    ["USA", us],
    ["US", us],
    ["us", us],
    ["America", us],
    ["Springfield, USA", { city: "Springfield", ...us }],
    ["Birmingham, USA", { city: "Birmingham", ...us }],
    ["Dublin", { city: "Dublin", country: "Ireland", countryCode: "IE", region: "EUROPE", flexible: false }],
    ["Ireland", { country: "Ireland", countryCode: "IE", region: "EUROPE", flexible: false }],
    ["Paris", { city: "Paris", country: "France", countryCode: "FR", region: "EUROPE", flexible: false }],
    ["Berlin", { city: "Berlin", country: "Germany", countryCode: "DE", region: "EUROPE", flexible: false }],
    ["München", { city: "Munich", country: "Germany", countryCode: "DE", region: "EUROPE", flexible: false }],
    ["Deutschland", { country: "Germany", countryCode: "DE", region: "EUROPE", flexible: false }],
    ["Holland", { country: "Netherlands", countryCode: "NL", region: "EUROPE", flexible: false }],
    ["Amsterdam", { city: "Amsterdam", country: "Netherlands", countryCode: "NL", region: "EUROPE", flexible: false }],
    ["Zürich", { city: "Zurich", country: "Switzerland", countryCode: "CH", region: "EUROPE", flexible: false }],
    ["somewhere in Spain", { country: "Spain", countryCode: "ES", region: "EUROPE", flexible: false }],
    ["I live in Málaga, Spain", { city: "Málaga", country: "Spain", countryCode: "ES", region: "EUROPE", flexible: false }],
    ["Bruges, Belgium", { city: "Bruges", country: "Belgium", countryCode: "BE", region: "EUROPE", flexible: false }],
    ["Reykjavik", { city: "Reykjavik", country: "Iceland", countryCode: "IS", region: "EUROPE", flexible: false }],
    ["Sydney", { city: "Sydney", country: "Australia", countryCode: "AU", region: "ROW", flexible: false }],
    ["Toronto", { city: "Toronto", country: "Canada", countryCode: "CA", region: "ROW", flexible: false }],
    ["New South Wales", { country: "Australia", countryCode: "AU", region: "ROW", flexible: false }],
    ["Tokyo, Japan", { city: "Tokyo", country: "Japan", countryCode: "JP", region: "ROW", flexible: false }],
    ["São Paulo", { city: "São Paulo", country: "Brazil", countryCode: "BR", region: "ROW", flexible: false }],
    ["London or Manchester", { city: "London", ...uk }],
    ["Leeds but happy to travel", { city: "Leeds", ...uk, flexible: true }],
    ["London, but I can travel to Paris", { city: "London", ...uk, flexible: true }],
    ["flexible", { region: "UK", flexible: true }],
    ["anywhere", { region: "UK", flexible: true }],
    ["I can travel", { region: "UK", flexible: true }],
    ["don't mind", { region: "UK", flexible: true }],
  ])("reads %j", (text, expected) => {
    expect(parseLocation(text)).toEqual({ ok: true, value: expected });
  });

  it("takes the region of a flexible client without a place from homeRegion", () => {
    expect(parseLocation("anywhere", { homeRegion: "EUROPE" })).toEqual({ ok: true, value: { region: "EUROPE", flexible: true } });
  });

  it.each([
    ["", "empty"],
    ["Cheltenham", "unknown_place"],
    ["Smalltown", "unknown_place"],
    ["a small village", "unknown_place"],
    ["come and see us", "unknown_place"],
    ["South America", "unknown_place"],
    ["Perth", "unknown_place"],
    ["Springfield, Narnia", "unknown_place"],
    ["London or Paris", "ambiguous"],
    ["UK or Spain", "ambiguous"],
  ])("rejects %j with %s", (text, reason) => {
    expect(parseLocation(text)).toEqual({ ok: false, reason });
  });
});
