/**
 * Text that Postgres can store. A client can send any Unicode, but `text` columns refuse NUL and
 * `jsonb` refuses both NUL (`\u0000`) and unpaired UTF-16 surrogates, so one such character in a
 * WhatsApp message would fail its transaction on every retry until the message was parked (found
 * by `npm run chaos`). Inbound strings pass through here at the webhook boundary: both become
 * U+FFFD, the replacement character, and everything else is kept exactly.
 */

/** NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what has to go
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with NUL and lone surrogates replaced by U+FFFD (unchanged when it has none). */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, "\uFFFD");
}

/** {@link storableText} for an optional value. */
export function storableOrNull(text: string | null): string | null {
  return text === null ? null : storableText(text);
}
