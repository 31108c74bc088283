/**
 * The pages behind the artist's one-tap links: server-rendered HTML, readable on a phone, every
 * word from copy/ (en_GB.artist.ts). `html` escapes every interpolated value.
 */
import { html, raw } from "hono/html";
import { pageShell } from "../private-page.ts";
import { DEFAULT_LOCALE } from "../../../copy/index.ts";
import type { ActionRefusal, ArtistAction } from "../../domain/artist-actions.ts";
import { renderCopy, type CopyKey, type CopyParams } from "../../domain/copy.ts";

const t = (key: CopyKey, params: CopyParams = {}) => renderCopy(key, params, DEFAULT_LOCALE);

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; padding: 16px; line-height: 1.45; }
  main { max-width: 560px; margin: 0 auto; }
  h1 { font-size: 1.4rem; margin: 0.2em 0 0.6em; }
  .card { border: 1px solid #8884; border-radius: 12px; padding: 12px 14px; margin: 12px 0; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0; }
  dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
  label { display: block; margin: 12px 0 4px; font-weight: 600; }
  textarea { width: 100%; box-sizing: border-box; min-height: 80px; font: inherit; padding: 8px; border-radius: 8px; }
  .actions { display: flex; gap: 12px; margin-top: 16px; }
  .actions > * { flex: 1; text-align: center; font: inherit; font-size: 1.1rem; padding: 14px; border-radius: 10px; border: 0; text-decoration: none; }
  button { background: #1f6feb; color: #fff; }
  a.cancel { background: #8883; color: inherit; }
`;

function layout(title: string, body: unknown) {
  return pageShell(`${title} · ${t("page.title")}`, STYLE, body);
}

/** What the page shows about the lead. */
export interface LeadCard {
  clientName: string;
  phone: string;
  status: string;
  estimate: string;
  answers: { label: string; text: string }[];
}

function card(lead: LeadCard) {
  return html`<section class="card">
    <dl>
      <dt>${t("page.client")}</dt>
      <dd>${lead.clientName}, ${lead.phone}</dd>
      <dt>${t("page.status")}</dt>
      <dd>${lead.status}</dd>
      <dt>${t("page.estimate")}</dt>
      <dd>${lead.estimate}</dd>
    </dl>
  </section>
  ${lead.answers.length > 0
    ? html`<section class="card">
        <dl>
          ${lead.answers.map((a) => html`<dt>${a.label}</dt><dd>${a.text}</dd>`)}
        </dl>
      </section>`
    : ""}`;
}

/**
 * The opener's whole script: moves the token from the link's fragment (which browsers never send)
 * into the form, takes it out of the address bar and history, and posts the form to see the
 * confirmation. The only script on these pages, allowed by its hash (see {@link OPENER_SCRIPT_CSP}).
 */
export const OPENER_SCRIPT =
  'var f=document.getElementById("open");f.elements.namedItem("token").value=location.hash.slice(1);history.replaceState(null,"",location.pathname);f.submit();';

/**
 * GET /a, what a tapped link (`/a#<token>`) and a link preview load: the same page for every
 * link, with no token and nothing about any lead. The script posts the token (step "review").
 */
export function openerPage() {
  return layout(
    t("page.opening.title"),
    html`<h1>${t("page.opening.title")}</h1>
      <p>${t("page.opening.body")}</p>
      <noscript><p>${t("page.opening.noscript")}</p></noscript>
      <form id="open" method="post" action="/a">
        <input type="hidden" name="step" value="review" />
        <input type="hidden" name="token" value="" />
      </form>
      <script>${raw(OPENER_SCRIPT)}</script>`,
  );
}

/**
 * What the link does, for the token the page was opened with: Confirm (POST to /a, the token in
 * the body, never in a URL) or Cancel.
 */
export function confirmPage(action: ArtistAction, lead: LeadCard & { id: string }, effectParams: CopyParams, token: string) {
  const label = t(`action.label.${action}`);
  return layout(
    label,
    html`<h1>${t("page.confirm_heading", { action: label })}</h1>
      ${card(lead)}
      <section class="card">
        <strong>${t("page.what_happens")}</strong>
        <p>${t(`action.effect.${action}`, { clientName: lead.clientName, ...effectParams })}</p>
      </section>
      <form method="post" action="/a">
        <input type="hidden" name="step" value="confirm" />
        <input type="hidden" name="token" value="${token}" />
        <input type="hidden" name="lead_id" value="${lead.id}" />
        ${action === "reject" || action === "refund"
          ? html`<label for="reason">${t("page.reason_label")}</label><textarea id="reason" name="reason" maxlength="500"></textarea>`
          : ""}
        <div class="actions">
          <a class="cancel" href="/a/cancelled">${t("page.cancel")}</a>
          <button type="submit">${t("page.confirm")}</button>
        </div>
      </form>`,
  );
}

/** A page that says what happened (or why nothing did). */
export function messagePage(title: string, body: string) {
  return layout(title, html`<h1>${title}</h1><p>${body}</p><p>${t("page.close_hint")}</p>`);
}

export function cancelledPage() {
  return messagePage(t("page.cancelled.title"), t("page.cancelled.body"));
}

export function donePage(action: ArtistAction, clientName: string) {
  return messagePage(t("page.done.title"), t(`action.done.${action}`, { clientName }));
}

export function queuedPage() {
  return messagePage(t("page.queued.title"), t("page.queued.body"));
}

/** Why a link did nothing; the key picks the page's words. */
export type RefusalPage = ActionRefusal | "rate_limited" | "invalid_form" | "too_large";

export function refusalPage(reason: RefusalPage, params: CopyParams = {}) {
  return messagePage(t(`page.error.${reason}.title`), t(`page.error.${reason}.body`, params));
}

export { t as pageCopy };
