/**
 * The two small pages Stripe's checkout sends the client back to: `/deposit/paid` (success_url)
 * and `/deposit/cancelled` (cancel_url). They only say what happens next: the payment itself is
 * confirmed by the signed webhook, never by someone opening a URL, so these pages read and change
 * nothing. Every word from copy/.
 */
import { Hono } from "hono";
import { html } from "hono/html";
import { renderCopy, type CopyKey } from "../domain/copy.ts";
import type { AppEnv } from "./context.ts";
import { pageShell, privatePageHeaders } from "./private-page.ts";

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; padding: 24px 16px; line-height: 1.5; }
  main { max-width: 480px; margin: 0 auto; text-align: center; }
  h1 { font-size: 1.5rem; margin: 0.4em 0; }
  .muted { opacity: 0.75; }
`;

function page(artistName: string, heading: CopyKey, body: CopyKey) {
  const t = (key: CopyKey) => renderCopy(key, { artistName });
  return pageShell(
    t("deposit.page.title"),
    STYLE,
    html`<h1>${t(heading)}</h1>
      <p>${t(body)}</p>
      <p class="muted">${t("deposit.page.close_hint")}</p>`,
  );
}

export const depositPages = new Hono<AppEnv>()
  .use("*", privatePageHeaders("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"))
  .get("/paid", (c) => c.html(page(c.get("config").ARTIST_NAME, "deposit.page.paid.heading", "deposit.page.paid.body")))
  .get("/cancelled", (c) => c.html(page(c.get("config").ARTIST_NAME, "deposit.page.cancelled.heading", "deposit.page.cancelled.body")));
