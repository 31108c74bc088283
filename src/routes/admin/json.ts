/**
 * The admin API speaks snake_case JSON; drizzle rows are camelCase. Converts a row's own keys (not
 * the keys inside JSON columns such as an event's payload, which are stored as they are).
 */
const toSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function snake(row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [toSnake(key), value]));
}

export const snakeAll = (rows: readonly object[]) => rows.map(snake);
