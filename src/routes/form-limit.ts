/**
 * The size limit on form POSTs to the artist's pages (`/inbox`, `/a/`): far above any form we
 * render (the longest field is a 500-character reason), far below what would cost the Worker
 * memory or time to parse. Checked before anything reads the body (Content-Length, or counted as
 * it streams in when there is none); an oversized body gets a 413 page saying so.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

/** The largest form body accepted, in bytes. */
export const MAX_FORM_BYTES = 8 * 1024;

/** Refuses a body over {@link MAX_FORM_BYTES} with `refuse`'s page (status 413). */
export function formBodyLimit(refuse: (c: Context, limitKb: number) => Response | Promise<Response>): MiddlewareHandler {
  return bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => refuse(c, MAX_FORM_BYTES / 1024) });
}
