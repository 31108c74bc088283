/**
 * What an EventSampler object counts (durable-objects/event-sampler.ts), as pure data: the event
 * kinds sampled this way, the tally of occurrences not yet written, and the payload of the row.
 */

/** The least time between two rows of one kind. */
export const SAMPLE_WINDOW_MS = 60_000;
/** Distinct reasons kept per row; the rest are counted under {@link OTHER_REASONS}. */
export const MAX_REASONS = 20;
export const OTHER_REASONS = "(other)";
const MAX_REASON_LENGTH = 64;

/** The event kinds counted this way (the `system_events.type` each row gets). */
export const SAMPLED_EVENTS = {
  whatsappSignature: "whatsapp.signature_rejected",
  stripeSignature: "stripe.signature_rejected",
  whatsappForeignNumber: "whatsapp.foreign_phone_number",
  /** Objects that waited long for a database permit (durable-objects/database-gate.ts). */
  databaseGateWait: "database.gate_wait",
} as const;
export type SampledEvent = (typeof SAMPLED_EVENTS)[keyof typeof SAMPLED_EVENTS];

/** Occurrences not yet written: how many, per reason, and when the first and last happened (epoch ms). */
export interface Tally {
  count: number;
  reasons: Record<string, number>;
  firstAt: number;
  lastAt: number;
}

/** Adds `n` occurrences for `reason` to a reasons map, keeping at most {@link MAX_REASONS} keys. */
function addReason(reasons: Record<string, number>, reason: string, n: number): Record<string, number> {
  const short = reason.slice(0, MAX_REASON_LENGTH);
  const key = short in reasons || Object.keys(reasons).length < MAX_REASONS ? short : OTHER_REASONS;
  return { ...reasons, [key]: (reasons[key] ?? 0) + n };
}

/** Adds `n` occurrences (one unless said) to a tally (pure; `now` is the caller's clock). */
export function addToTally(tally: Tally | undefined, reason: string, now: number, n = 1): Tally {
  const base = tally ?? { count: 0, reasons: {}, firstAt: now, lastAt: now };
  return {
    count: base.count + n,
    reasons: addReason(base.reasons, reason, n),
    firstAt: Math.min(base.firstAt, now),
    lastAt: Math.max(base.lastAt, now),
  };
}

/** Two tallies as one (a failed write's tally goes back in front of what came since). */
export function mergeTallies(a: Tally | undefined, b: Tally | undefined): Tally | undefined {
  if (!a || !b) return a ?? b;
  let reasons = a.reasons;
  for (const [reason, n] of Object.entries(b.reasons)) reasons = addReason(reasons, reason, n);
  return { count: a.count + b.count, reasons, firstAt: Math.min(a.firstAt, b.firstAt), lastAt: Math.max(a.lastAt, b.lastAt) };
}

/** The row's payload: snake_case like every system event. */
export function tallyPayload(tally: Tally): Record<string, unknown> {
  return {
    count: tally.count,
    reasons: tally.reasons,
    first_at: new Date(tally.firstAt).toISOString(),
    last_at: new Date(tally.lastAt).toISOString(),
    window_s: SAMPLE_WINDOW_MS / 1000,
  };
}
