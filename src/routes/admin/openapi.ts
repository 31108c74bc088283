/**
 * The admin API's OpenAPI 3.1 document, generated from the same zod schemas the handlers parse
 * with (schemas.ts) through zod 4's `z.toJSONSchema()`. Built once per isolate.
 */
import { Hono } from "hono";
import { z } from "zod";
import { ADMIN_ROUTES, type RouteSpec } from "./schemas.ts";
import type { AdminEnv } from "./context.ts";

type JsonSchema = Record<string, unknown>;

/** The document's title and summary (developer documentation, not client copy). */
const API_TITLE = "Inkline admin API";
const API_SUMMARY = "Every request needs the X-Admin-API-Key header.";

/** The request-side JSON Schema of a zod schema (defaults optional, coercions as their target type). */
function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function parameters(where: "path" | "query" | "header", schema: z.ZodObject | undefined): JsonSchema[] {
  if (!schema) return [];
  const json = jsonSchema(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === "path" || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

function operation(route: RouteSpec): JsonSchema {
  const responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, { doc, schema }]) => [
      status,
      schema ? { description: doc, content: { "application/json": { schema: jsonSchema(schema) } } } : { description: doc },
    ]),
  );
  return {
    summary: route.summary,
    parameters: [...parameters("path", route.params), ...parameters("query", route.query), ...parameters("header", route.headers)],
    ...(route.body ? { requestBody: { required: route.method !== "get", content: { "application/json": { schema: jsonSchema(route.body) } } } } : {}),
    responses,
  };
}

/** Builds the document (exported for tests). */
export function buildOpenApi(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of ADMIN_ROUTES) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, "{$1}");
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  return {
    openapi: "3.1.0",
    info: { title: API_TITLE, version, description: API_SUMMARY },
    components: { securitySchemes: { adminKey: { type: "apiKey", in: "header", name: "X-Admin-API-Key" } } },
    security: [{ adminKey: [] }],
    paths,
  };
}

let cached: { version: string; document: JsonSchema } | null = null;

export const openapi = new Hono<AdminEnv>().get("/openapi.json", (c) => {
  const version = c.get("config").APP_VERSION;
  if (cached?.version !== version) cached = { version, document: buildOpenApi(version) };
  return c.json(cached.document);
});
