/**
 * Location parser: "Manchester", "I'm in Berlin", "Bruges, Belgium", "the states", "anywhere"
 * → city, country and pricing region.
 *
 * Places come from two tables (countries.ts, cities.ts), matched on word boundaries, longest
 * spelling first ("New York" before "York", "Northern Ireland" before "Ireland"). A country the
 * client names outranks the country of a city we know ("Birmingham, USA"). Unknown towns are only
 * accepted in a "Town, Country" shape, where the country tells us the region.
 */
import type { Region } from "../lead-status.ts";
import { CASE_SENSITIVE_CITY_ALIASES, CITIES, CITY_ALIASES, type CityName } from "./cities.ts";
import { CASE_SENSITIVE_COUNTRY_ALIASES, COUNTRIES, NOT_A_PLACE, type CountryCode } from "./countries.ts";
import { fail, ok, type ParseResult } from "./result.ts";
import { containsAnyPhrase, findPhrase, foldDiacritics, normalizeText } from "./text.ts";

/** Where the client is (or can be); `region` decides pricing. */
export interface Location {
  city?: string;
  country?: string;
  countryCode?: string;
  region: Region;
  flexible: boolean;
}

/** Why a message could not be read as a location. */
export type LocationFailure = "empty" | "unknown_place" | "ambiguous";

/** Options for {@link parseLocation}. */
export interface LocationOptions {
  /** Region assumed when the client is only "flexible" and names no place; "UK" unless given. */
  homeRegion?: Region;
}

/** The client will travel, so region is not fixed by where they live. */
const FLEXIBLE_PHRASES = [
  "flexible", "anywhere", "can travel", "happy to travel", "willing to travel", "able to travel",
  "will travel", "don't mind", "dont mind", "do not mind", "wherever", "no preference", "not fussed",
  "any city", "any location", "either",
  // Indifference is an answer: the client will come wherever the session is.
  "not bothered", "doesn't matter", "doesnt matter", "does not matter", "up to you", "whatever works",
  "whatever's easiest", "whatevers easiest", "don't care", "dont care", "wherever works", "no preference",
  "easy either way", "happy to come to you", "i'll come to you", "ill come to you", "where you are", "your studio",
];

/** Lead-ins stripped from "Town, Country" before the town is read. */
const LEAD_INS = [
  "i'm based in", "im based in", "i am based in", "we're based in", "based in", "based out of",
  "i live in", "we live in", "live in", "living in", "located in", "i'm in", "im in", "i am in",
  "we're in", "we are in", "i'm from", "im from", "i am from", "from", "in", "near", "just outside",
  "outside", "around", "close to", "the city of",
];

type Place = { kind: "city"; city: CityName } | { kind: "country"; code: CountryCode } | { kind: "ignore" };
type PlaceMatch = Place & { start: number; end: number };

interface Phrase {
  text: string;
  place: Place;
}

/** Every lower-case spelling, longest first, so longer names claim their span before parts of it. */
const PHRASES: readonly Phrase[] = buildPhrases();

function buildPhrases(): Phrase[] {
  const list: Phrase[] = [];
  for (const code of Object.keys(COUNTRIES) as CountryCode[]) {
    for (const alias of COUNTRIES[code].aliases) list.push({ text: alias, place: { kind: "country", code } });
  }
  for (const city of Object.keys(CITIES) as CityName[]) {
    list.push({ text: foldDiacritics(city.toLowerCase()), place: { kind: "city", city } });
  }
  for (const [alias, city] of Object.entries(CITY_ALIASES)) list.push({ text: alias, place: { kind: "city", city } });
  for (const text of NOT_A_PLACE) list.push({ text, place: { kind: "ignore" } });
  return list.sort((a, b) => b.text.length - a.text.length);
}

const CASE_SENSITIVE: readonly Phrase[] = [
  ...Object.entries(CASE_SENSITIVE_COUNTRY_ALIASES).map(([text, code]) => ({ text, place: { kind: "country", code } }) as const),
  ...Object.entries(CASE_SENSITIVE_CITY_ALIASES).map(([text, city]) => ({ text, place: { kind: "city", city } }) as const),
];

/** A full UK postcode ("SW1A 1AA", "M1 1AE") places the client in the UK. */
const UK_POSTCODE = /(?<![a-z0-9])[a-z]{1,2}[0-9][a-z0-9]? ?[0-9][a-z]{2}(?![a-z0-9])/;

function overlaps(claimed: readonly PlaceMatch[], start: number, end: number): boolean {
  return claimed.some((m) => start < m.end && m.start < end);
}

function findPlaces(folded: string, cased: string): PlaceMatch[] {
  const claimed: PlaceMatch[] = [];
  const claimAll = (text: string, phrase: Phrase): void => {
    for (let at = findPhrase(text, phrase.text); at !== -1; at = findPhrase(text, phrase.text, at + 1)) {
      const end = at + phrase.text.length;
      if (!overlaps(claimed, at, end)) claimed.push({ ...phrase.place, start: at, end });
    }
  };
  for (const phrase of PHRASES) claimAll(folded, phrase);
  const bare = folded.replace(/[^\p{L}.]+$/u, "");
  for (const phrase of CASE_SENSITIVE) {
    if (bare === phrase.text.toLowerCase()) claimed.push({ ...phrase.place, start: 0, end: bare.length });
    else claimAll(cased, phrase);
  }
  const postcode = UK_POSTCODE.exec(folded);
  if (postcode !== null) {
    claimed.push({ kind: "country", code: "GB", start: postcode.index, end: postcode.index + postcode[0].length });
  }
  return claimed.sort((a, b) => a.start - b.start);
}

/** True when `text` names a city or country we know (for multi-answer detection). */
export function mentionsKnownPlace(text: string): boolean {
  const lower = normalizeText(text);
  return lower !== "" && findPlaces(foldDiacritics(lower), foldDiacritics(normalizeText(text, true))).some((m) => m.kind !== "ignore");
}

/** The town in a "Town, Country" answer, title-cased, when the part before the comma looks like one. */
function townBeforeComma(lower: string): string | undefined {
  const [head, ...rest] = lower.split(",");
  if (head === undefined || rest.length === 0) return undefined;
  let town = head.trim();
  for (let pass = 0; pass < 3; pass++) {
    const lead = LEAD_INS.find((prefix) => town.startsWith(`${prefix} `));
    if (lead !== undefined) town = town.slice(lead.length + 1).trim();
  }
  if (!/^\p{L}[\p{L}' .-]{0,39}$/u.test(town) || town.split(" ").length > 4) return undefined;
  return town.replace(/(^|[\s-])(\p{L})/gu, (_match, sep: string, ch: string) => sep + ch.toUpperCase());
}

function located(code: CountryCode, city: string | undefined, flexible: boolean): Location {
  const country = COUNTRIES[code];
  return {
    ...(city === undefined ? {} : { city }),
    country: country.name,
    countryCode: code,
    region: country.region,
    flexible,
  };
}

/**
 * Reads where the client is. Several places in different countries are ambiguous unless the
 * client says they are flexible, in which case the first place named sets the region.
 */
export function parseLocation(text: string, options: LocationOptions = {}): ParseResult<Location, LocationFailure> {
  const lower = normalizeText(text);
  if (lower === "") return fail("empty");
  const folded = foldDiacritics(lower);
  const cased = foldDiacritics(normalizeText(text, true));
  const flexible = containsAnyPhrase(folded, FLEXIBLE_PHRASES);
  const matches = findPlaces(folded, cased);
  const countries = matches.flatMap((m) => (m.kind === "country" ? [m] : []));
  const cities = matches.flatMap((m) => (m.kind === "city" ? [m] : []));
  const countryCodes = new Set(countries.map((m) => m.code));
  if (countryCodes.size > 1 && !flexible) return fail("ambiguous");

  const [named] = countries;
  if (named !== undefined) {
    const inCountry = cities.find((m) => CITIES[m.city] === named.code);
    const afterComma = lower.includes(",") && folded.indexOf(",") < named.start;
    return ok(located(named.code, inCountry?.city ?? (afterComma ? townBeforeComma(lower) : undefined), flexible));
  }
  const [firstCity] = cities;
  if (firstCity !== undefined) {
    if (new Set(cities.map((m) => CITIES[m.city])).size > 1 && !flexible) return fail("ambiguous");
    return ok(located(CITIES[firstCity.city], firstCity.city, flexible));
  }
  if (flexible) return ok({ region: options.homeRegion ?? "UK", flexible });
  return fail("unknown_place");
}
