/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed keys
 * (`line_items[0][price_data][currency]=gbp`, `metadata[lead_id]=…`), decoded into nested objects
 * and arrays as the API sees them, plus a canonical form of the result for idempotency checks.
 */

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

function isObject(value: FormValue | undefined): value is FormObject {
  return typeof value === "object" && !Array.isArray(value);
}

/** `a[b][0][c]` → ["a", "b", "0", "c"]. */
function pathOf(key: string): string[] {
  const head = key.split("[", 1)[0] ?? key;
  const rest = [...key.slice(head.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] ?? "");
  return [head, ...rest];
}

/** Parses a Stripe form body (or query string) into nested objects; numeric segments become arrays. */
export function parseStripeForm(body: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = pathOf(key);
    let node: FormObject | FormValue[] = root;
    path.forEach((segment, i) => {
      const last = i === path.length - 1;
      const nextIsIndex = /^\d*$/.test(path[i + 1] ?? "x");
      const container: Record<string, FormValue> = node as Record<string, FormValue>;
      // "" (`expand[]=x`) appends to an array.
      const slot = Array.isArray(node) && segment === "" ? String(node.length) : segment;
      if (last) {
        container[slot] = value;
        return;
      }
      const existing = container[slot];
      if (existing === undefined || typeof existing === "string") container[slot] = nextIsIndex ? [] : {};
      node = container[slot] as FormObject | FormValue[];
    });
  }
  return root;
}

/** Sorted-key JSON: the same parameters always give the same text, whatever their order. */
export function canonical(value: FormValue | undefined): string {
  if (value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
    .join(",")}}`;
}

/** A string field (or undefined). */
export function str(object: FormObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === "string" ? value : undefined;
}

/** An object field, or {} (metadata and friends). */
export function obj(object: FormObject, key: string): FormObject {
  const value = object[key];
  return isObject(value) ? value : {};
}

/** A flat string map (metadata). */
export function stringMap(value: FormObject): Record<string, string> {
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}
