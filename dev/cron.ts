/**
 * A minimal five-field cron matcher (minute hour day-of-month month day-of-week) for the dev
 * runner, which fires the Worker's scheduled handler on the cadence wrangler.toml declares.
 * Supports `*`, numbers, `a-b`, lists and `/step`; enough for Cloudflare's cron syntax as we use it.
 */

const FIELD_RANGES = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
] as const;

function expandField(field: string, min: number, max: number): Set<number> | null {
  const values = new Set<number>();
  for (const part of field.split(",")) {
    const [rangePart, stepPart] = part.split("/");
    const step = stepPart === undefined ? 1 : Number(stepPart);
    if (!Number.isInteger(step) || step < 1 || rangePart === undefined) return null;
    let from = min;
    let to = max;
    if (rangePart !== "*") {
      const [a, b] = rangePart.split("-");
      from = Number(a);
      to = b === undefined ? (stepPart === undefined ? from : max) : Number(b);
    }
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < min || to > max || from > to) return null;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export interface CronSchedule {
  expression: string;
  matches(date: Date): boolean;
}

/** Parses a cron expression; returns null when it is not one this matcher understands. */
export function parseCron(expression: string): CronSchedule | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const range = FIELD_RANGES[i];
    const field = fields[i];
    if (!range || field === undefined) return null;
    const set = expandField(field, range[0], range[1]);
    if (!set) return null;
    sets.push(set);
  }
  const [minutes, hours, days, months, weekdays] = sets;
  if (!minutes || !hours || !days || !months || !weekdays) return null;
  return {
    expression,
    matches: (date) =>
      minutes.has(date.getUTCMinutes()) &&
      hours.has(date.getUTCHours()) &&
      days.has(date.getUTCDate()) &&
      months.has(date.getUTCMonth() + 1) &&
      weekdays.has(date.getUTCDay()),
  };
}

/** Reads the `crons = [...]` list out of wrangler.toml text. */
export function cronsFromWranglerToml(toml: string): string[] {
  const match = /^\s*crons\s*=\s*\[([^\]]*)\]/m.exec(toml);
  if (!match?.[1]) return [];
  return [...match[1].matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? "").filter((s) => s.length > 0);
}
