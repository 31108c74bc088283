/**
 * The web inbox's page frame: one stylesheet (phone first: one column, large tap targets, wider
 * screens get more room), the top bar with sign-out, and a page for messages. Server-rendered
 * with Hono's JSX, which escapes every interpolated value; no script at all.
 */
import type { FC, PropsWithChildren } from "hono/jsx";
import { raw } from "hono/html";
import type { PanicState } from "../../domain/engine.ts";
import { formatDateTime } from "../../domain/format.ts";
import { artistCopy as t } from "../lead-view.ts";

const STYLE = `
  :root { color-scheme: light dark; --line: #8884; --muted: #888; --accent: #1f6feb; --ok: #1a7f37; --warn: #b35900; --bad: #c62828;
    font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  * { box-sizing: border-box; }
  body { margin: 0; line-height: 1.45; }
  a { color: var(--accent); }
  .bar { display: flex; align-items: center; gap: 12px; padding: 10px 16px; border-bottom: 1px solid var(--line); }
  .bar .home { font-weight: 700; text-decoration: none; color: inherit; flex: 1; }
  .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; }
  main { max-width: 880px; margin: 0 auto; padding: 12px 16px 40px; }
  h1 { font-size: 1.35rem; margin: 0.3em 0 0.5em; } h2 { font-size: 1.1rem; margin: 1.2em 0 0.4em; }
  .card { border: 1px solid var(--line); border-radius: 12px; padding: 12px 14px; margin: 12px 0; }
  .muted { color: var(--muted); font-size: 0.9rem; }
  .flash { border-radius: 10px; padding: 10px 14px; margin: 12px 0; border: 1px solid; }
  .flash.ok { border-color: var(--ok); } .flash.bad { border-color: var(--bad); }
  .panic { background: var(--bad); color: #fff; padding: 10px 16px; } .panic a { color: #fff; font-weight: 700; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0; }
  dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
  ul.leads { list-style: none; margin: 0; padding: 0; }
  ul.leads li { border-top: 1px solid var(--line); }
  ul.leads a { display: flex; flex-wrap: wrap; gap: 2px 12px; padding: 10px 2px; text-decoration: none; color: inherit; }
  ul.leads .name { font-weight: 600; flex: 1 1 160px; } ul.leads .when { color: var(--muted); font-size: 0.9rem; }
  .group h2 { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
  .count { font-size: 0.9rem; border-radius: 999px; padding: 1px 10px; border: 1px solid var(--line); }
  form.inline { display: inline; margin: 0; }
  form.search { display: flex; gap: 8px; margin: 8px 0 16px; }
  input, textarea, button, select { font: inherit; }
  input[type=search], input[type=password], textarea { width: 100%; padding: 10px 12px; border-radius: 8px; border: 1px solid var(--line); }
  textarea { min-height: 70px; }
  label { display: block; margin: 10px 0 4px; font-weight: 600; }
  button { padding: 10px 16px; border-radius: 10px; border: 0; background: var(--accent); color: #fff; cursor: pointer; min-height: 44px; }
  button.quiet { background: transparent; color: inherit; border: 1px solid var(--line); }
  button.danger { background: var(--bad); }
  .actions { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); }
  .actions form { border: 1px solid var(--line); border-radius: 10px; padding: 10px; margin: 0; display: flex; flex-direction: column; gap: 6px; }
  .actions button { width: 100%; }
  .thumbs { display: flex; flex-wrap: wrap; gap: 8px; }
  .thumbs img { width: 120px; height: 120px; object-fit: cover; border-radius: 8px; border: 1px solid var(--line); }
  ol.timeline { list-style: none; margin: 0; padding: 0; }
  ol.timeline li { border-left: 3px solid var(--line); padding: 4px 0 10px 12px; }
  ol.timeline li.client { border-left-color: var(--ok); } ol.timeline li.to_client, ol.timeline li.to_artist { border-left-color: var(--accent); }
  ol.timeline .text { white-space: pre-wrap; overflow-wrap: anywhere; }
  .funnel .row { display: grid; grid-template-columns: minmax(110px, 38%) 1fr; gap: 4px 10px; align-items: center; margin: 6px 0; }
  .funnel .track { background: #8882; border-radius: 6px; height: 22px; position: relative; }
  .funnel .fill { background: var(--accent); border-radius: 6px; height: 100%; min-width: 2px; }
  .funnel .value { font-size: 0.85rem; color: var(--muted); grid-column: 2; }
  .dropoff { width: 100%; border-collapse: collapse; font-size: 0.85rem; }
  .dropoff th, .dropoff td { text-align: left; padding: 2px 6px; }
  .brief { font-size: 0.85rem; }
  .brief.incomplete { color: #b45309; font-weight: 600; }
  .period a { margin-right: 10px; } .period a[aria-current] { font-weight: 700; text-decoration: none; color: inherit; }
  @media (min-width: 720px) { .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 0 24px; } }
`;

export interface LayoutProps {
  title: string;
  /** The session's CSRF token: present on signed-in pages, which get the sign-out button. */
  csrf?: string;
  /** The panic switch (signed-in pages): a banner on every page while it is on. */
  panic?: PanicState;
}

/** While the panic switch is on: says so, with a link to turn it off. */
const PanicBanner: FC<{ panic: PanicState | undefined }> = ({ panic }) =>
  panic?.on ? (
    <p class="panic" role="alert" id="panic-banner">
      {`${t("inbox.panic.banner", { since: panic.since ? formatDateTime(panic.since) : "" })} `}
      <a href="/inbox/panic">{t("inbox.panic.manage")}</a>
    </p>
  ) : null;

/** A whole page: doctype, head, top bar, content. */
export const Layout: FC<PropsWithChildren<LayoutProps>> = ({ title, csrf, panic, children }) => (
  <>
    {raw("<!doctype html>")}
    <html lang="en-GB">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} · ${t("page.title")}`}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <a class="skip" href="#content">
          {t("inbox.skip_to_content")}
        </a>
        <header class="bar">
          <a class="home" href="/inbox">
            {`${t("page.title")} · ${t("inbox.title")}`}
          </a>
          {csrf === undefined ? null : <a href="/inbox/panic">{t("inbox.panic.manage")}</a>}
          {csrf === undefined ? null : <a href="/inbox/availability">{t("inbox.availability.title")}</a>}
          {csrf === undefined ? null : <a href="/inbox/agenda">{t("inbox.agenda.title")}</a>}
          {csrf === undefined ? null : (
            <form class="inline" method="post" action="/inbox/logout">
              <input type="hidden" name="csrf" value={csrf} />
              <button class="quiet" type="submit">
                {t("inbox.logout")}
              </button>
            </form>
          )}
        </header>
        <PanicBanner panic={panic} />
        <main id="content">{children}</main>
      </body>
    </html>
  </>
);

/** A page that only says something (an error, "nothing was changed"), with a way back. */
export const MessagePage: FC<{ title: string; body: string; csrf?: string; panic?: PanicState }> = ({ title, body, csrf, panic }) => (
  <Layout title={title} csrf={csrf} panic={panic}>
    <h1>{title}</h1>
    <p>{body}</p>
    <p>
      <a href="/inbox">{t("inbox.back")}</a>
    </p>
  </Layout>
);
