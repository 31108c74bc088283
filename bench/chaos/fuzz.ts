/**
 * Client messages with random Unicode in every text field Meta's envelope carries: the profile
 * name, the message id, text bodies, button and list ids and titles, captions, file names, MIME
 * types, location names, reactions, reply context, even the message type. The structure stays
 * valid (a real number in `from`, unix seconds in `timestamp`), so every one of them must be
 * stored, processed once and answered without a 5xx. Pure and seeded (fast-check), so it runs the
 * same in Node (`npm run chaos`) and in the Workers runtime (the slim chaos test).
 */
import fc from "fast-check";

/** Characters that break careless code: NUL and controls, lone surrogates, bidi and zero-width
 * marks, combining stacks, ZWJ emoji, noncharacters, escapes, markup and format strings. */
const NASTY = [
  "\u0000",
  "\u0007",
  "\u001b[31m",
  "\u0085",
  "\u2028",
  "\u2029",
  "\u200b",
  "\u200d",
  "\u202e",
  "\ufeff",
  "\ufffe",
  "\uffff",
  "\ud800",
  "\udfff",
  "e\u0301\u0301\u0301\u0301",
  "👩🏽‍❤️‍💋‍👩🏻",
  "🏳️‍⚧️",
  "𝕴𝖓𝖐",
  "﷽",
  "Ω≈ç√∫",
  "田中さんにあげて下さい",
  "مرحبا",
  "\\",
  '"',
  "'; DROP TABLE leads; --",
  "<script>alert(1)</script>",
  "%s%n",
  "${process.env}",
  "{{copy}}",
  "null",
  "STOP",
];

/** A random string of up to `maxLength` units: any code point, graphemes, or a mix of the nasty ones. */
export function fuzzText(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: "binary", maxLength }),
    fc.string({ unit: "grapheme", maxLength }),
    fc.array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: "binary", maxLength: 3 })), { maxLength: Math.max(1, Math.floor(maxLength / 4)) }).map((parts) => parts.join("")),
  );
}

/** A message object for `value.messages[]`, minus `from`, `id` and `timestamp` (the caller's). */
export type FuzzBody = Record<string, unknown> & { type: string };

const text = (max = 200) => fuzzText(max);
/** Media ids must not be empty (Meta never sends one, and the schema rightly refuses it). */
const mediaId = text(40).map((s) => `m${s}`);
/** Keys a message type must not take over: the known types and the envelope's own fields. */
const RESERVED = new Set(["text", "interactive", "button", "image", "document", "audio", "video", "sticker", "location", "contacts", "reaction", "context", "from", "id", "timestamp", "type"]);

/** One random client message of any kind Meta sends (and one it does not). */
export const fuzzMessageBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  text(1000).map((body) => ({ type: "text", text: { body } })),
  fc.record({ id: text(40), title: text(40) }).map((button_reply) => ({ type: "interactive", interactive: { type: "button_reply", button_reply } })),
  fc
    .record({ id: text(40), title: text(40), description: text(80) })
    .map((list_reply) => ({ type: "interactive", interactive: { type: "list_reply", list_reply } })),
  fc.record({ payload: text(40), text: text(40) }).map((button) => ({ type: "button", button })),
  fc
    .record({ id: mediaId, mime_type: text(30), caption: text(200), sha256: text(64) })
    .map((image) => ({ type: "image", image })),
  fc
    .record({ id: mediaId, mime_type: text(30), caption: text(200), filename: text(100) })
    .map((document) => ({ type: "document", document })),
  fc
    .record({
      latitude: fc.double({ min: -90, max: 90, noNaN: true }),
      longitude: fc.double({ min: -180, max: 180, noNaN: true }),
      name: text(100),
      address: text(200),
    })
    .map((location) => ({ type: "location", location })),
  fc.record({ message_id: text(60), emoji: text(8) }).map((reaction) => ({ type: "reaction", reaction })),
  fc.record({ formatted_name: text(60) }).map((name) => ({ type: "contacts", contacts: [{ name }] })),
  // A type Inkline has never heard of, named anything at all.
  text(30)
    .filter((type) => !RESERVED.has(type))
    .map((type) => ({ type, [type]: { note: "future message type" } })),
);

/** A fuzzed client message: its body, the sender's profile name, and (sometimes) a Unicode id. */
export interface FuzzMessage {
  body: FuzzBody;
  profileName: string;
  /** Random text for the message id (the caller makes it unique), or null for a normal wamid. */
  idText: string | null;
  /** Reply context pointing at a random message id, or null. */
  contextId: string | null;
}

export const fuzzMessage: fc.Arbitrary<FuzzMessage> = fc.record({
  body: fuzzMessageBody,
  profileName: text(80),
  idText: fc.option(text(60), { freq: 3 }),
  contextId: fc.option(text(60), { freq: 4 }),
});

/**
 * The worst of {@link NASTY}, one text message each with the same string as its profile name, id
 * and reply context: what a deterministic test sends first (random sampling may miss a NUL).
 */
export function nastyMessages(): FuzzMessage[] {
  return NASTY.map((s) => ({ body: { type: "text", text: { body: `nasty ${s} text` } }, profileName: s, idText: s, contextId: s }));
}

/** `count` fuzzed messages, the same for the same seed. */
export function sampleFuzzMessages(seed: number, count: number): FuzzMessage[] {
  return fc.sample(fuzzMessage, { seed, numRuns: count });
}

/**
 * The full message object for `value.messages[]`. The id is unique whatever the fuzzed text is
 * (prefixed with `fuzz.<n>.`); an empty id would make the message unreadable by design.
 */
export function fuzzedMessageObject(m: FuzzMessage, from: string, n: number, normalId: string, timestamp: string): Record<string, unknown> {
  const id = m.idText === null ? normalId : `fuzz.${n}.${m.idText}`;
  return {
    ...m.body,
    from,
    id,
    timestamp,
    ...(m.contextId === null ? {} : { context: { from, id: m.contextId } }),
  };
}
