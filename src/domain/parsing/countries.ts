/**
 * Country table for the location parser: ISO 3166-1 alpha-2 code → display name, pricing region
 * and the lower-case, accent-free spellings clients use.
 *
 * Every European country prices as EUROPE, the United Kingdom as UK, the rest of the world as
 * ROW. Transcontinental calls: Russia is EUROPE; Turkey, Georgia, Armenia and Azerbaijan are ROW
 * (Georgia is left out entirely: "Georgia" is as likely the US state).
 */
import type { Region } from "../lead-status.ts";

/** One row of {@link COUNTRIES}. */
export interface CountryEntry {
  readonly name: string;
  readonly region: Region;
  readonly aliases: readonly string[];
}

/** Countries by ISO 3166-1 alpha-2 code (GB for the United Kingdom). */
export const COUNTRIES = {
  GB: {
    name: "United Kingdom",
    region: "UK",
    aliases: [
      "united kingdom", "uk", "u.k.", "u.k", "the uk", "england", "scotland", "wales", "northern ireland",
      "great britain", "britain", "gb", "g.b.",
    ],
  },
  IE: { name: "Ireland", region: "EUROPE", aliases: ["ireland", "republic of ireland", "eire"] },
  AL: { name: "Albania", region: "EUROPE", aliases: ["albania"] },
  AD: { name: "Andorra", region: "EUROPE", aliases: ["andorra"] },
  AT: { name: "Austria", region: "EUROPE", aliases: ["austria", "osterreich"] },
  BY: { name: "Belarus", region: "EUROPE", aliases: ["belarus"] },
  BE: { name: "Belgium", region: "EUROPE", aliases: ["belgium", "belgique", "belgie"] },
  BA: { name: "Bosnia and Herzegovina", region: "EUROPE", aliases: ["bosnia and herzegovina", "bosnia"] },
  BG: { name: "Bulgaria", region: "EUROPE", aliases: ["bulgaria"] },
  HR: { name: "Croatia", region: "EUROPE", aliases: ["croatia", "hrvatska"] },
  CY: { name: "Cyprus", region: "EUROPE", aliases: ["cyprus"] },
  CZ: { name: "Czechia", region: "EUROPE", aliases: ["czechia", "czech republic", "cesko"] },
  DK: { name: "Denmark", region: "EUROPE", aliases: ["denmark", "danmark"] },
  EE: { name: "Estonia", region: "EUROPE", aliases: ["estonia"] },
  FI: { name: "Finland", region: "EUROPE", aliases: ["finland", "suomi"] },
  FR: { name: "France", region: "EUROPE", aliases: ["france"] },
  DE: { name: "Germany", region: "EUROPE", aliases: ["germany", "deutschland"] },
  GR: { name: "Greece", region: "EUROPE", aliases: ["greece", "hellas"] },
  HU: { name: "Hungary", region: "EUROPE", aliases: ["hungary", "magyarorszag"] },
  IS: { name: "Iceland", region: "EUROPE", aliases: ["iceland"] },
  IT: { name: "Italy", region: "EUROPE", aliases: ["italy", "italia"] },
  XK: { name: "Kosovo", region: "EUROPE", aliases: ["kosovo"] },
  LV: { name: "Latvia", region: "EUROPE", aliases: ["latvia"] },
  LI: { name: "Liechtenstein", region: "EUROPE", aliases: ["liechtenstein"] },
  LT: { name: "Lithuania", region: "EUROPE", aliases: ["lithuania"] },
  LU: { name: "Luxembourg", region: "EUROPE", aliases: ["luxembourg", "luxemburg"] },
  MT: { name: "Malta", region: "EUROPE", aliases: ["malta"] },
  MD: { name: "Moldova", region: "EUROPE", aliases: ["moldova"] },
  MC: { name: "Monaco", region: "EUROPE", aliases: ["monaco"] },
  ME: { name: "Montenegro", region: "EUROPE", aliases: ["montenegro"] },
  NL: { name: "Netherlands", region: "EUROPE", aliases: ["netherlands", "the netherlands", "holland", "nederland"] },
  MK: { name: "North Macedonia", region: "EUROPE", aliases: ["north macedonia", "macedonia"] },
  NO: { name: "Norway", region: "EUROPE", aliases: ["norway", "norge"] },
  PL: { name: "Poland", region: "EUROPE", aliases: ["poland", "polska"] },
  PT: { name: "Portugal", region: "EUROPE", aliases: ["portugal"] },
  RO: { name: "Romania", region: "EUROPE", aliases: ["romania"] },
  RU: { name: "Russia", region: "EUROPE", aliases: ["russia"] },
  SM: { name: "San Marino", region: "EUROPE", aliases: ["san marino"] },
  RS: { name: "Serbia", region: "EUROPE", aliases: ["serbia"] },
  SK: { name: "Slovakia", region: "EUROPE", aliases: ["slovakia"] },
  SI: { name: "Slovenia", region: "EUROPE", aliases: ["slovenia"] },
  ES: { name: "Spain", region: "EUROPE", aliases: ["spain", "espana"] },
  SE: { name: "Sweden", region: "EUROPE", aliases: ["sweden", "sverige"] },
  CH: { name: "Switzerland", region: "EUROPE", aliases: ["switzerland", "schweiz", "suisse", "svizzera"] },
  UA: { name: "Ukraine", region: "EUROPE", aliases: ["ukraine"] },
  VA: { name: "Vatican City", region: "EUROPE", aliases: ["vatican city", "vatican"] },
  US: {
    name: "United States",
    region: "ROW",
    aliases: [
      "united states", "united states of america", "usa", "u.s.a.", "u.s.a", "u.s.", "the us", "america",
      "the states", "new jersey", "new mexico", "new england", "california", "texas", "florida",
    ],
  },
  CA: { name: "Canada", region: "ROW", aliases: ["canada", "british columbia", "ontario", "quebec"] },
  AU: { name: "Australia", region: "ROW", aliases: ["australia", "new south wales", "queensland"] },
  NZ: { name: "New Zealand", region: "ROW", aliases: ["new zealand", "aotearoa"] },
  JP: { name: "Japan", region: "ROW", aliases: ["japan"] },
  CN: { name: "China", region: "ROW", aliases: ["china"] },
  IN: { name: "India", region: "ROW", aliases: ["india"] },
  BR: { name: "Brazil", region: "ROW", aliases: ["brazil", "brasil"] },
  MX: { name: "Mexico", region: "ROW", aliases: ["mexico"] },
  AR: { name: "Argentina", region: "ROW", aliases: ["argentina"] },
  CL: { name: "Chile", region: "ROW", aliases: ["chile"] },
  CO: { name: "Colombia", region: "ROW", aliases: ["colombia"] },
  PE: { name: "Peru", region: "ROW", aliases: ["peru"] },
  ZA: { name: "South Africa", region: "ROW", aliases: ["south africa"] },
  AE: { name: "United Arab Emirates", region: "ROW", aliases: ["united arab emirates", "uae", "u.a.e."] },
  SG: { name: "Singapore", region: "ROW", aliases: ["singapore"] },
  TH: { name: "Thailand", region: "ROW", aliases: ["thailand"] },
  KR: { name: "South Korea", region: "ROW", aliases: ["south korea", "korea"] },
  TR: { name: "Turkey", region: "ROW", aliases: ["turkey", "turkiye"] },
  IL: { name: "Israel", region: "ROW", aliases: ["israel"] },
  ID: { name: "Indonesia", region: "ROW", aliases: ["indonesia", "bali"] },
  PH: { name: "Philippines", region: "ROW", aliases: ["philippines"] },
  VN: { name: "Vietnam", region: "ROW", aliases: ["vietnam", "viet nam"] },
  MY: { name: "Malaysia", region: "ROW", aliases: ["malaysia"] },
  HK: { name: "Hong Kong", region: "ROW", aliases: ["hong kong"] },
  TW: { name: "Taiwan", region: "ROW", aliases: ["taiwan"] },
  SA: { name: "Saudi Arabia", region: "ROW", aliases: ["saudi arabia", "saudi"] },
  QA: { name: "Qatar", region: "ROW", aliases: ["qatar"] },
  EG: { name: "Egypt", region: "ROW", aliases: ["egypt"] },
  MA: { name: "Morocco", region: "ROW", aliases: ["morocco"] },
  NG: { name: "Nigeria", region: "ROW", aliases: ["nigeria"] },
  KE: { name: "Kenya", region: "ROW", aliases: ["kenya"] },
} as const satisfies Record<string, CountryEntry>;

/** A code of {@link COUNTRIES}. */
export type CountryCode = keyof typeof COUNTRIES;

/**
 * Spellings that are only a place when written in capitals ("US", "LA") or sent on their own:
 * lower-case "us" and "la" are an English pronoun and a French/Spanish article.
 */
export const CASE_SENSITIVE_COUNTRY_ALIASES = { US: "US", "U.S": "US" } as const satisfies Record<string, CountryCode>;

/** Phrases that contain a country alias but name no country ("South America" is not the US). */
export const NOT_A_PLACE = ["south america", "latin america", "central america", "north america"] as const;
