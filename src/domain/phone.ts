/**
 * Phone numbers: E.164 normalisation and masking for logs.
 *
 * WhatsApp gives us `wa_id` digits without a plus; everything we store is E.164 (`+` and 7–15 digits).
 */

/** The E.164 shape we accept and store (also enforced by a CHECK constraint in Postgres). */
export const E164_PATTERN = /^\+[1-9][0-9]{6,14}$/;

/** SQL form of {@link E164_PATTERN}, for CHECK constraints. */
export const E164_SQL_PATTERN = "^\\+[1-9][0-9]{6,14}$";

/** Turns a WhatsApp `wa_id` ("447700900123") or an E.164 string into E.164, or null if it is not a number. */
export function toE164(raw: string): string | null {
  const digits = raw.trim().replace(/^\+/, "");
  if (!/^[0-9]+$/.test(digits)) return null;
  const e164 = `+${digits}`;
  return E164_PATTERN.test(e164) ? e164 : null;
}

/**
 * Reads a number as an operator pastes it into configuration, into E.164, or null when it is not
 * one: spaces, dashes, dots, slashes and parentheses are dropped ("+44 (0)7700-900 999"; the UK's
 * "(0)" trunk marker with them), an international "00" prefix becomes "+", and bare digits are
 * taken as already international ("447700900999", as WhatsApp shows a number). A national number
 * ("07700 900999") has no country and stays refused.
 */
export function pastedToE164(raw: string): string | null {
  const compact = raw.replace(/\(0\)/g, "").replace(/[\s\-\u2010-\u2015.()/]/g, "");
  const international = compact.startsWith("00") ? `+${compact.slice(2)}` : compact.startsWith("+") ? compact : `+${compact}`;
  return E164_PATTERN.test(international) ? international : null;
}

/** Masks a phone number for logs: keeps the country prefix and the last two digits ("+44*******23"). */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/[^0-9]/g, "");
  if (digits.length < 5) return "***";
  return `+${digits.slice(0, 2)}${"*".repeat(digits.length - 4)}${digits.slice(-2)}`;
}
