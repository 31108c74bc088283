/**
 * City table for the location parser: display name → ISO country code, plus alternative spellings.
 *
 * About a hundred cities clients of a UK-based artist name most. Left out on purpose: names that
 * are ordinary English words ("Reading", "Bath", "Nice") and names shared by far-apart cities
 * where a wrong guess changes the region ("Perth": Scotland or Australia).
 */
import type { CountryCode } from "./countries.ts";

/** City display name → ISO country code. */
export const CITIES = {
  London: "GB", Manchester: "GB", Birmingham: "GB", Leeds: "GB", Liverpool: "GB", Glasgow: "GB",
  Edinburgh: "GB", Bristol: "GB", Sheffield: "GB", Newcastle: "GB", Nottingham: "GB", Leicester: "GB",
  Cardiff: "GB", Belfast: "GB", Brighton: "GB", Southampton: "GB", Portsmouth: "GB", Oxford: "GB",
  Cambridge: "GB", Aberdeen: "GB", Dundee: "GB", Swansea: "GB", Coventry: "GB", Norwich: "GB",
  Exeter: "GB", Plymouth: "GB", Bournemouth: "GB", Derby: "GB", "Stoke-on-Trent": "GB", Hull: "GB",
  Bradford: "GB", Inverness: "GB", York: "GB", Derry: "GB",
  Dublin: "IE", Cork: "IE", Galway: "IE", Limerick: "IE",
  Paris: "FR", Lyon: "FR", Marseille: "FR", Berlin: "DE", Munich: "DE", Hamburg: "DE", Cologne: "DE",
  Frankfurt: "DE", Amsterdam: "NL", Rotterdam: "NL", Brussels: "BE", Antwerp: "BE", Madrid: "ES",
  Barcelona: "ES", Valencia: "ES", Seville: "ES", Lisbon: "PT", Porto: "PT", Rome: "IT", Milan: "IT",
  Florence: "IT", Naples: "IT", Vienna: "AT", Prague: "CZ", Budapest: "HU", Warsaw: "PL", Krakow: "PL",
  Copenhagen: "DK", Stockholm: "SE", Oslo: "NO", Helsinki: "FI", Zurich: "CH", Geneva: "CH",
  Athens: "GR", Reykjavik: "IS", Tallinn: "EE", Riga: "LV", Vilnius: "LT", Bucharest: "RO",
  "New York": "US", "Los Angeles": "US", "San Francisco": "US", Chicago: "US", Miami: "US",
  Austin: "US", Seattle: "US", Boston: "US", "Las Vegas": "US", Nashville: "US", Toronto: "CA",
  Vancouver: "CA", Montreal: "CA", Sydney: "AU", Melbourne: "AU", Brisbane: "AU", Auckland: "NZ",
  Tokyo: "JP", Seoul: "KR", Bangkok: "TH", Dubai: "AE", "Mexico City": "MX", "São Paulo": "BR",
  "Rio de Janeiro": "BR", "Buenos Aires": "AR", "Cape Town": "ZA", Johannesburg: "ZA",
} as const satisfies Record<string, CountryCode>;

/** A name of {@link CITIES}. */
export type CityName = keyof typeof CITIES;

/** Other spellings (lower-case, accent-free) → the table's name. */
export const CITY_ALIASES = {
  nyc: "New York",
  "new york city": "New York",
  "newcastle upon tyne": "Newcastle",
  "stoke on trent": "Stoke-on-Trent",
  londonderry: "Derry",
  munchen: "Munich",
  muenchen: "Munich",
  koln: "Cologne",
  bruxelles: "Brussels",
  lisboa: "Lisbon",
  roma: "Rome",
  milano: "Milan",
  firenze: "Florence",
  napoli: "Naples",
  wien: "Vienna",
  praha: "Prague",
  warszawa: "Warsaw",
  "san fran": "San Francisco",
  vegas: "Las Vegas",
  rio: "Rio de Janeiro",
  joburg: "Johannesburg",
} as const satisfies Record<string, CityName>;

/** City spellings that only count in capitals or on their own (see the country equivalent). */
export const CASE_SENSITIVE_CITY_ALIASES = { LA: "Los Angeles", NY: "New York", SF: "San Francisco" } as const satisfies Record<
  string,
  CityName
>;
