/**
 * Instagram handle parser: "@ink.lover_1", "instagram.com/ink.lover", "ig: ink.lover" → "ink.lover".
 *
 * Handles follow Instagram's rules: 1–30 characters of a–z, 0–9, "." and "_", not starting or
 * ending with "." and without "..". A trailing "." after a handle is sentence punctuation (a handle
 * cannot end with one). "none" / "don't have one" is its own reason, so the engine can skip on.
 */
import { fail, ok, type ParseResult } from "./result.ts";
import { containsAnyPhrase, normalizeText } from "./text.ts";

/** Why a message could not be read as an Instagram handle. */
export type InstagramFailure = "empty" | "none" | "invalid" | "ambiguous" | "no_handle";

/** Instagram's own rule for a username. */
const HANDLE = /^(?!\.)(?!.*\.\.)[a-z0-9._]{1,30}(?<!\.)$/;

/** Paths on instagram.com that are not profiles. */
const NOT_PROFILES = new Set(["p", "reel", "reels", "tv", "explore", "stories", "accounts", "direct", "about"]);

/** The client has no account (or will not share it). */
const NONE_PHRASES = [
  "none", "no", "nope", "nah", "n/a", "na", "no ig", "no insta", "no instagram", "not on instagram",
  "not on insta", "not on ig", "don't have", "dont have", "do not have", "don't use", "dont use",
  "do not use", "haven't got", "havent got", "i don't", "skip", "rather not", "private",
];

/** Lead-ins before a bare handle: "ig: x", "my insta is x", "it's x". */
const LEAD_INS = [
  "my instagram handle is", "my instagram is", "my insta is", "my ig is", "my handle is", "instagram handle",
  "instagram", "insta", "ig", "handle", "username", "user", "it's", "its", "it is", "i'm", "im", "i am", "is",
];

/** Answers that are valid usernames in form but never meant as one. */
const NOT_HANDLES = new Set(["yes", "yeah", "yep", "sure", "ok", "okay", "hi", "hello", "thanks", "idk", "dunno"]);

const AT_HANDLE = /(?<![\p{L}\p{N}._])@([\p{L}\p{N}._]+)/gu;
const PROFILE_URL = /(?:instagram\.com|instagr\.am)\/([^\s/?#]+)(?:\/([^\s/?#]+))?/g;

type Extracted = { ok: true; handle: string } | { ok: false; reason: InstagramFailure };

/** Lower-cases, drops sentence-final dots and checks Instagram's rule. */
function validate(candidate: string): Extracted {
  const handle = candidate.replace(/\.+$/u, "");
  return HANDLE.test(handle) ? { ok: true, handle } : { ok: false, reason: "invalid" };
}

function fromUrls(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(PROFILE_URL)) {
    const first = match[1] ?? "";
    // instagram.com/stories/ink.lover/123 names the profile in the second segment.
    const profile = first === "stories" ? (match[2] ?? "") : NOT_PROFILES.has(first) ? "" : first;
    found.push(profile);
  }
  return found;
}

function stripLeadIns(text: string): string {
  let rest = text.replace(/^[\s:\-–—>]+/u, "");
  for (let pass = 0; pass < 3; pass++) {
    const lead = LEAD_INS.find(
      (prefix) => rest.startsWith(prefix) && (rest === prefix || /^[\s:\-=]/u.test(rest.slice(prefix.length))),
    );
    if (lead === undefined) break;
    rest = rest.slice(lead.length).replace(/^[\s:\-=]+/u, "");
  }
  return rest;
}

/** Reads an Instagram username from "@handle", a profile link or a bare handle. */
export function parseInstagramHandle(text: string): ParseResult<string, InstagramFailure> {
  const normalized = normalizeText(text);
  if (normalized === "") return fail("empty");
  const candidates = [...fromUrls(normalized), ...[...normalized.matchAll(AT_HANDLE)].map((m) => m[1] ?? "")];
  if (candidates.length > 0) {
    const handles = new Set<string>();
    for (const candidate of candidates) {
      const checked = validate(candidate);
      if (!checked.ok) return fail(checked.reason);
      handles.add(checked.handle);
    }
    const [handle, ...others] = handles;
    if (handle === undefined) return fail("invalid");
    return others.length > 0 ? fail("ambiguous") : ok(handle);
  }
  const bare = stripLeadIns(normalized).replace(/[!?,;]+$/u, "").trim();
  const single = bare !== "" && !bare.includes(" ");
  if (single && !NOT_HANDLES.has(bare) && !NONE_PHRASES.includes(bare)) {
    const checked = validate(bare);
    if (checked.ok) return ok(checked.handle);
  }
  if (containsAnyPhrase(normalized, NONE_PHRASES)) return fail("none");
  return fail(single && !NOT_HANDLES.has(bare) ? "invalid" : "no_handle");
}
