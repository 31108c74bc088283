/**
 * Small HTTP plumbing shared by the route modules: the `Reply` value handlers return (so handlers
 * stay free of `res` and are easy to read), the body size cap, JSON parsing that reports instead
 * of throwing, the control API's error shape, and how replies are written. The server itself is
 * the shared emulator server (../http-kit.ts, wired in server.ts).
 */
import type { ServerResponse } from "node:http";
import type { z } from "zod";
import type { Hold } from "../http-kit.ts";

export type { Incoming } from "../http-kit.ts";

/** What a handler asks the server to do. `hold` = never answer (an injected timeout). */
export type Reply =
  | { kind: "json"; status: number; body: unknown }
  | { kind: "bytes"; status: number; contentType: string; data: Buffer | string }
  | Hold;

/** Control bodies carry base64 images, so allow more than Meta's 3 MB webhook limit. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** JSON reply. */
export function json(status: number, body: unknown): Reply {
  return { kind: "json", status, body };
}

/** Control API error: `{"error": "<what is wrong>", "issues"?: [...]}`. */
export function controlError(status: number, message: string, issues?: readonly z.core.$ZodIssue[]): Reply {
  const body: { error: string; issues?: { path: string; message: string }[] } = { error: message };
  if (issues) body.issues = issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
  return json(status, body);
}

/** HTML page reply. */
export function html(page: string): Reply {
  return { kind: "bytes", status: 200, contentType: "text/html; charset=utf-8", data: page };
}

/** Parses JSON text; an empty body parses as `{}` so bodiless control POSTs work. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: `body is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Parses a control body with a zod schema, or produces the 400 naming the problem. */
export function parseControlBody<T>(text: string, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; reply: Reply } {
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, reply: controlError(400, parsed.reason) };
  const result = schema.safeParse(parsed.value);
  if (!result.success) return { ok: false, reply: controlError(400, "invalid request body", result.error.issues) };
  return { ok: true, value: result.data };
}

/** Writes a non-hold reply. */
export function writeReply(res: ServerResponse, reply: Exclude<Reply, Hold>): void {
  if (reply.kind === "json") {
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(text);
    return;
  }
  res.writeHead(reply.status, { "content-type": reply.contentType, "cache-control": "no-store" });
  res.end(reply.data);
}
