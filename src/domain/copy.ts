/**
 * Renders copy: the one way client-facing text is produced. Picks the locale (falling back to
 * en_GB), picks a variant deterministically from `variantSeed`, and fills `{placeholders}`.
 * A missing placeholder value is a bug and throws, so it is caught by tests, not by clients.
 */
import { CATALOGUES, DEFAULT_LOCALE, type CopyKey, type Locale } from "../../copy/index.ts";

export type { CopyKey, Locale };
export type CopyParams = Record<string, string | number>;

function isLocale(value: string): value is Locale {
  return Object.hasOwn(CATALOGUES, value);
}

/** A small stable hash so the same seed always picks the same variant. */
function hashSeed(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** Renders `key` in `locale` with `params`; `variantSeed` (e.g. the lead id) picks among variants. */
export function renderCopy(key: CopyKey, params: CopyParams = {}, locale: string = DEFAULT_LOCALE, variantSeed = ""): string {
  const catalogue = CATALOGUES[isLocale(locale) ? locale : DEFAULT_LOCALE];
  const entry = catalogue[key];
  const template = typeof entry === "string" ? entry : (entry[hashSeed(`${key}:${variantSeed}`) % entry.length] ?? "");
  return template.replace(/\{([a-zA-Z0-9_]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`copy ${key}: missing placeholder {${name}}`);
    return String(value);
  });
}

/** Placeholder helper: " Sam" or "" so "Hi{greetingName}!" reads "Hi Sam!" or "Hi!". */
export function greetingName(name: string | null | undefined): string {
  const first = name?.trim().split(/\s+/)[0];
  return first ? ` ${first}` : "";
}
