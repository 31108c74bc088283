/**
 * The copy catalogue: every locale's strings, keyed the same way. en_GB is the reference: other
 * locales must define exactly its keys (the type system checks it).
 */
import { en_GB, type CopyKey } from "./en_GB.ts";

export type { CopyKey };
export type CopyEntry = string | readonly string[];
export type Catalogue = Record<CopyKey, CopyEntry>;

export const CATALOGUES = { en_GB } as const satisfies Record<string, Catalogue>;
export type Locale = keyof typeof CATALOGUES;
export const DEFAULT_LOCALE: Locale = "en_GB";
