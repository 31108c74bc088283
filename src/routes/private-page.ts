/**
 * What the small standalone pages (one-tap action pages, deposit return pages) share: the HTML
 * shell and the headers of a page that must never be cached, indexed, framed or leak its URL.
 */
import type { MiddlewareHandler } from "hono";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/**
 * A phone-readable page: `title` and `body` are escaped by `html`; `style` is our own CSS, put in
 * as it is (escaped, its quotes and `>` would break the rules that hold them).
 */
export function pageShell(title: string, style: string, body: unknown): HtmlEscapedString | Promise<HtmlEscapedString> {
  return html`<!doctype html>
<html lang="en-GB">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>${title}</title>
    <style>${raw(style)}</style>
  </head>
  <body>
    <main>${body}</main>
  </body>
</html>`;
}

/**
 * Response headers for a private page: no cache, no referrer, no indexing, no framing, and the
 * given Content-Security-Policy (unless the handler set a stricter one of its own, e.g. allowing
 * one script by hash). `denyFrames` adds the legacy X-Frame-Options for older browsers.
 */
export function privatePageHeaders(csp: string, options: { denyFrames?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Robots-Tag", "noindex");
    if (options.denyFrames) c.header("X-Frame-Options", "DENY");
    if (!c.res.headers.has("Content-Security-Policy")) c.header("Content-Security-Policy", csp);
  };
}
