/**
 * zod at the admin API's door: every path parameter, query and body is parsed by its schema, and a
 * request that does not fit gets a 400 naming the field (`field`), with every problem listed.
 */
import type { Context, ValidationTargets } from "hono";
import { validator } from "hono/validator";
import type { z } from "zod";

type Target = "json" | "query" | "param" | "header";

const WHERE: Record<Target, string> = { json: "body", query: "query", param: "path", header: "header" };

/** The field an issue is about: its path, the unknown keys, or the part of the request. */
function fieldOf(issue: z.core.$ZodIssue, target: Target): string {
  if (issue.code === "unrecognized_keys") return issue.keys.join(", ");
  return issue.path.length > 0 ? issue.path.map(String).join(".") : WHERE[target];
}

/** The 400 for a request that does not fit its schema. */
export function invalidRequest(c: Context, target: Target, issues: readonly z.core.$ZodIssue[]): Response {
  const list = issues.map((issue) => ({ field: fieldOf(issue, target), message: issue.message }));
  const first = list[0] ?? { field: WHERE[target], message: "invalid" };
  return c.json({ error: "invalid_request", in: WHERE[target], field: first.field, message: first.message, issues: list }, 400);
}

/** Middleware: `target` parsed by `schema`, available as `c.req.valid(target)`, or a 400. */
export function valid<T extends Target & keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) {
  return validator(target, (value, c) => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) return invalidRequest(c, target, parsed.error.issues);
    return parsed.data;
  });
}
