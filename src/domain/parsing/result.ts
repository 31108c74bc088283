/**
 * The result type every consultation parser returns.
 *
 * Parsers never throw on client text: a failure is a short machine-readable reason that the copy
 * layer maps to a polite hint ("could you give it in cm, like 10x15?").
 */

/** A parsed value, or the reason the text could not be read as one. */
export type ParseResult<T, Reason extends string = string> =
  | { ok: true; value: T }
  | { ok: false; reason: Reason };

/** Wraps a successful parse. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Wraps a failed parse with its reason code. */
export function fail<Reason extends string>(reason: Reason): { ok: false; reason: Reason } {
  return { ok: false, reason };
}
