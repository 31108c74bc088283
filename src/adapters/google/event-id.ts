/**
 * Our own Google Calendar event ids, derived from the booking so that a retried insert is the
 * same event (Google answers 409 to a second insert with the id, research/scheduling.md §1.4).
 *
 * An id may use only base32hex characters (`0-9a-v`, RFC 2938) and be 5–1024 characters long.
 * The id is "ink" followed by the base32hex encoding of `<bookingId>:<revision>` (UTF-8): unlike a
 * hash it cannot collide (two bookings or revisions never share an id) and it can be read back
 * ({@link parseEventId}). Pure and synchronous.
 */

const ALPHABET = "0123456789abcdefghijklmnopqrstuv";
const PREFIX = "ink";
/** Keeps every id under Google's 1024 characters (8 bits → 1.6 characters, plus the prefix and revision). */
export const MAX_BOOKING_ID_LENGTH = 400;
export const EVENT_ID_PATTERN = /^[0-9a-v]{5,1024}$/;

function encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

function decode(text: string): Uint8Array | null {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text) {
    const value = ALPHABET.indexOf(ch);
    if (value < 0) return null;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 255);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return buffer === 0 ? Uint8Array.from(bytes) : null;
}

/**
 * The event id for revision `revision` of booking `bookingId`. Bump the revision for every
 * re-creation (a rebooking, or after our event was deleted: deleted ids stay taken). Throws on an
 * empty or over-long booking id or a revision that is not a whole number ≥ 0 (a caller's bug).
 */
export function eventIdFor(bookingId: string, revision: number): string {
  if (bookingId.length === 0 || bookingId.length > MAX_BOOKING_ID_LENGTH) throw new RangeError(`eventIdFor: booking id must be 1–${MAX_BOOKING_ID_LENGTH} characters`);
  if (!Number.isSafeInteger(revision) || revision < 0) throw new RangeError("eventIdFor: revision must be a whole number ≥ 0");
  return PREFIX + encode(new TextEncoder().encode(`${bookingId}:${revision}`));
}

/** The booking and revision an id of ours was made from; null for an id we did not make. */
export function parseEventId(id: string): { bookingId: string; revision: number } | null {
  if (!id.startsWith(PREFIX) || !EVENT_ID_PATTERN.test(id)) return null;
  const bytes = decode(id.slice(PREFIX.length));
  if (!bytes) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
  const m = /^([\s\S]+):(\d+)$/.exec(text);
  if (!m?.[1] || !m[2]) return null;
  const revision = Number(m[2]);
  return Number.isSafeInteger(revision) && eventIdFor(m[1], revision) === id ? { bookingId: m[1], revision } : null;
}
