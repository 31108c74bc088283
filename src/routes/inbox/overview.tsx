/**
 * GET /inbox: the leads grouped by status (the ones waiting for the artist first), each group with
 * its count and newest leads; or, filtered by status or searched, one list with "older" pages.
 * Below, the funnel chart. Same queries as the admin API (db/admin-store.ts, domain/funnel.ts).
 */
import { Hono } from "hono";
import type { FC } from "hono/jsx";
import type { z } from "zod";
import { countLeadsByStatus, decodeCursor, enteredStatuses, listLeads, newestLeadsPerStatus, questionDropOff } from "../../db/admin-store.ts";
import { buildDropOff, buildFunnel, STALLED_AFTER_MS } from "../../domain/funnel.ts";
import { listDeadLetters } from "../../db/timer-store.ts";
import { formatDateTime } from "../../domain/format.ts";
import { LeadStatus } from "../../domain/lead-status.ts";
import { FunnelQuery, LeadListQuery } from "../admin/schemas.ts";
import { artistCopy as t, briefLine, clientContact, clientName, statusLabel } from "../lead-view.ts";
import { FunnelChart } from "./funnel-chart.tsx";
import { Layout } from "./layout.tsx";
import type { InboxEnv } from "./session.tsx";

type InboxDb = InboxEnv["Variables"]["db"];

const S = LeadStatus;

/** Group order: what waits for the artist, then what is moving, then what is closed. */
export const GROUP_ORDER = [
  S.PENDING_APPROVAL,
  S.NEEDS_ARTIST_REPLY,
  S.DEPOSIT_PAID,
  S.BOOKING_PENDING,
  S.CHECKING_CONSENT,
  S.COLLECTING_TIME_WINDOWS,
  S.CHOOSING_SLOT,
  S.AWAITING_DEPOSIT,
  S.DEPOSIT_EXPIRED,
  S.QUALIFYING,
  S.NEW,
  S.NEEDS_FOLLOW_UP,
  S.TOUR_CONVERSION_OFFERED,
  S.WAITLISTED,
  S.BOOKED,
  S.COMPLETED,
  S.NO_SHOW,
  S.CANCELLED,
  S.REJECTED,
  S.ABANDONED,
  S.STALE,
  S.OPTOUT,
] as const satisfies readonly LeadStatus[];

// Every status has its place: adding a status without a group fails to compile.
const _everyStatusGrouped: [Exclude<LeadStatus, (typeof GROUP_ORDER)[number]>] extends [never] ? true : never = true;

/** Leads shown per group on the grouped page. */
const PER_GROUP = 5;
const PAGE_SIZE = 25;

const InboxQuery = LeadListQuery.omit({ limit: true }).extend({ days: FunnelQuery.shape.days });
type InboxQuery = z.infer<typeof InboxQuery>;

interface LeadItem {
  id: string;
  name: string | null;
  phone: string | null;
  username: string | null;
  status: string;
  createdAt: Date;
  brief: unknown;
}

/** How complete the client's brief is, marked when something is missing (nothing while the consultation is under way). */
const BriefBadge: FC<{ brief: unknown }> = ({ brief }) => {
  const line = briefLine(brief);
  if (line === null) return null;
  return <span class={line.complete ? "brief" : "brief incomplete"}>{line.text}</span>;
};

const LeadList: FC<{ leads: readonly LeadItem[]; showStatus: boolean }> = ({ leads, showStatus }) => (
  <ul class="leads">
    {leads.map((lead) => (
      <li>
        <a href={`/inbox/leads/${lead.id}`}>
          <span class="name">{clientName({ displayName: lead.name, username: lead.username })}</span>
          <span>{clientContact({ phoneE164: lead.phone, username: lead.username })}</span>
          {showStatus ? <span>{statusLabel(lead.status)}</span> : null}
          <BriefBadge brief={lead.brief} />
          <span class="when">{t("inbox.came_in", { when: formatDateTime(lead.createdAt) })}</span>
        </a>
      </li>
    ))}
  </ul>
);

const SearchForm: FC<{ query: InboxQuery }> = ({ query }) => (
  <form class="search" method="get" action="/inbox" role="search">
    <input type="search" name="q" value={query.q ?? ""} aria-label={t("inbox.search_label")} placeholder={t("inbox.search_label")} />
    <button type="submit">{t("inbox.search_submit")}</button>
  </form>
);

function href(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, String(v));
  const text = search.toString();
  return text ? `/inbox?${text}` : "/inbox";
}

/** One list: a status, or a search, with "older" pages. */
async function filteredLeads(db: InboxDb, query: InboxQuery) {
  const cursor = query.cursor === undefined ? undefined : (decodeCursor(query.cursor) ?? undefined);
  const page = await listLeads(db, { status: query.status, q: query.q, cursor, limit: PAGE_SIZE });
  const heading = query.q !== undefined ? t("inbox.search_heading", { q: query.q }) : t("inbox.filtered_heading", { status: statusLabel(query.status ?? "") });
  return (
    <section>
      <h1>{heading}</h1>
      <p>
        <a href="/inbox">{t("inbox.all_leads")}</a>
      </p>
      {page.leads.length === 0 ? <p class="muted">{t("inbox.no_results")}</p> : <LeadList leads={page.leads} showStatus={query.status === undefined} />}
      {page.nextCursor ? (
        <p>
          <a href={href({ status: query.status, q: query.q, cursor: page.nextCursor })}>{t("inbox.next_page")}</a>
        </p>
      ) : null}
    </section>
  );
}

/** Every status with leads, in {@link GROUP_ORDER}: its count and newest leads. */
async function groupedLeads(db: InboxDb) {
  const [counts, newest] = await Promise.all([countLeadsByStatus(db), newestLeadsPerStatus(db, PER_GROUP)]);
  const groups = GROUP_ORDER.filter((status) => (counts.get(status) ?? 0) > 0);
  return (
    <section>
      <h1>{t("inbox.leads_heading")}</h1>
      {groups.length === 0 ? <p class="muted">{t("inbox.empty")}</p> : null}
      {groups.map((status) => {
        const count = counts.get(status) ?? 0;
        return (
          <section class="group card" data-status={status}>
            <h2>
              <a href={href({ status })}>{statusLabel(status)}</a>
              <span class="count">{count}</span>
            </h2>
            <LeadList leads={newest.filter((lead) => lead.status === status)} showStatus={false} />
            {count > PER_GROUP ? (
              <p>
                <a href={href({ status })}>{t("inbox.group_more", { count })}</a>
              </p>
            ) : null}
          </section>
        );
      })}
    </section>
  );
}

export const inboxOverview = new Hono<InboxEnv>().get("/", async (c) => {
  const db = c.get("db");
  // A hand-edited address falls back to the plain inbox rather than an error page.
  const parsed = InboxQuery.safeParse(c.req.query());
  const query = parsed.success ? parsed.data : InboxQuery.parse({});
  const since = new Date(Date.now() - query.days * 24 * 60 * 60 * 1000);
  const filtered = query.status !== undefined || query.q !== undefined;
  const [funnel, dropOff, leads, failed] = await Promise.all([
    enteredStatuses(db, since).then(buildFunnel),
    questionDropOff(db, since, new Date(Date.now() - STALLED_AFTER_MS)).then(buildDropOff),
    filtered ? filteredLeads(db, query) : groupedLeads(db),
    listDeadLetters(db, 100),
  ]);
  return c.html(
    <Layout title={t("inbox.title")} csrf={c.get("csrf")} panic={c.get("panic")}>
      {failed.length > 0 ? (
        <p class="flash" role="status" id="failed-jobs">
          <a href="/inbox/jobs">{t("inbox.jobs.banner", { count: failed.length })}</a>
        </p>
      ) : null}
      <SearchForm query={query} />
      <div class="columns">
        <div>{leads}</div>
        <div>
          <FunnelChart funnel={funnel} days={query.days} dropOff={dropOff} />
        </div>
      </div>
    </Layout>,
  );
});
