/**
 * The answer of `POST /_bench/holds` (src/routes/bench.ts), shared with the bench that reads it
 * (bench/holds.ts, which runs in Node and must not import the Worker's route).
 */

/** What one `/_bench/holds` call measured. */
export interface HoldsResult {
  ok: true;
  mode: "distinct" | "race" | "probe";
  count: number;
  concurrent: boolean;
  /** First call made → last answer, ms. */
  totalMs: number;
  /** Each call's own time, ms, in call order. */
  callMs: number[];
  held: number;
  /** Refusals by reason (slot_taken, calendar_busy, calendar_unavailable, unknown_artist). */
  refused: Record<string, number>;
  /** Calls that threw. */
  errors: string[];
}
