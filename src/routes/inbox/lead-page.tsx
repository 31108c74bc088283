/**
 * GET /inbox/leads/:id: one lead for the artist. Status, what happened after the last action (a
 * flash from the redirect), the actions its status allows (each a CSRF-protected form), answers
 * (latest wins), the estimate, reference images (served by attachments.ts) and the timeline.
 */
import { Hono } from "hono";
import type { FC } from "hono/jsx";
import { z } from "zod";
import { artistPolicy, DEFAULT_ARTIST_HANDLE, getArtist } from "../../db/artists-store.ts";
import { blockingBookingOf } from "../../db/booking-store.ts";
import { offersToLead } from "../../db/slot-offer-store.ts";
import { allAnswers, findLead, leadAttachments, leadNotesOf, listEvents, recentOutbox } from "../../db/admin-store.ts";
import type { Lead } from "../../db/schema.ts";
import { ActionRefusal, ARTIST_ACTIONS, ArtistAction, isActionAllowed } from "../../domain/artist-actions.ts";
import { formatDateTime } from "../../domain/format.ts";
import { LeadStatus } from "../../domain/lead-status.ts";
import { asLeadStatus } from "../../domain/state-machine.ts";
import { LeadIdParams } from "../admin/schemas.ts";
import { answerRows, artistCopy as t, briefLine, clientContact, clientName, depositLine, estimateLine, handoverReasonLabel, hasRefundable, money, refundLine, statusLabel } from "../lead-view.ts";
import { paidMinor, readLedger } from "../../domain/deposit.ts";
import { readPolicy } from "../../domain/studio-policy.ts";
import { BookingCard } from "./booking-view.tsx";
import { ConsentCard } from "./consent-view.tsx";
import { FreedOffersCard } from "./freed-offers-view.tsx";
import { Layout, MessagePage } from "./layout.tsx";
import type { InboxEnv } from "./session.tsx";
import { buildTimeline, type TimelineEntry } from "./timeline.ts";
import { firedTimers, type FiredTimer } from "../../db/timer-store.ts";
import { isTimerKind } from "../../domain/timers.ts";

/** What the redirect after an action says: `?done=approve`, or `?refused=wrong_status&action=approve`. */
const Flash = z.union([
  z.object({ done: z.enum(ArtistAction) }),
  z.object({ refused: z.enum([...Object.values(ActionRefusal), "queued"]), action: z.enum(ArtistAction) }),
]);
type Flash = z.infer<typeof Flash>;

const FlashBanner: FC<{ flash: Flash; lead: Lead }> = ({ flash, lead }) => {
  const name = clientName(lead);
  if ("done" in flash) {
    return (
      <p class="flash ok" role="status">
        {t(`action.done.${flash.done}`, { clientName: name })}
      </p>
    );
  }
  const action = t(`action.label.${flash.action}`);
  const text =
    flash.refused === "queued"
      ? t("page.queued.body")
      : t(`page.error.${flash.refused}.body`, { clientName: name, status: statusLabel(lead.status), action, usedAt: "", ttlHours: "" });
  return (
    <p class="flash bad" role="status">
      {text}
    </p>
  );
};

/** Actions whose form asks for a reason (kept for the artist's records). */
const WITH_REASON: readonly ArtistAction[] = ["reject", "refund", "cancel_booking", "cancel_refund", "mark_no_show", "override_deposit"];
const DANGER: readonly ArtistAction[] = ["reject", "refund", "cancel_booking", "cancel_refund"];

const ActionForms: FC<{ lead: Lead; csrf: string }> = ({ lead, csrf }) => {
  const status = asLeadStatus(lead.status);
  // A refund is offered only while something is left to give back; a deposit outcome to override
  // only where a deposit was paid.
  const paid = paidMinor(readLedger(lead.depositLedger)) > 0;
  const available = (a: ArtistAction) => (a !== ArtistAction.REFUND || hasRefundable(lead)) && (a !== ArtistAction.OVERRIDE_DEPOSIT || paid);
  const actions = status ? ARTIST_ACTIONS.filter((a) => isActionAllowed(a, status) && available(a)) : [];
  if (actions.length === 0) return <p class="muted">{t("inbox.lead.no_actions")}</p>;
  const effect = { clientName: clientName(lead), deposit: depositLine(lead), refund: refundLine(lead) };
  return (
    <div class="actions">
      {actions.map((action) => (
        <form method="post" action={`/inbox/leads/${lead.id}/actions/${action}`} data-action={action}>
          <input type="hidden" name="csrf" value={csrf} />
          {/* One id per rendered form: submitting the same form twice runs the action once. */}
          <input type="hidden" name="request_id" value={crypto.randomUUID()} />
          <span class="muted">{t(`action.effect.${action}`, effect)}</span>
          {action === "override_deposit" ? (
            <>
              <label for={`fate-${lead.id}`}>{t("inbox.lead.fate_label")}</label>
              <select id={`fate-${lead.id}`} name="fate">
                {(["credit", "forfeit", "refund"] as const).map((fate) => (
                  <option value={fate}>{t(`booking.fate_name.${fate}`)}</option>
                ))}
              </select>
            </>
          ) : null}
          {WITH_REASON.includes(action) ? (
            <>
              <label for={`reason-${action}-${lead.id}`}>{t("page.reason_label")}</label>
              <textarea id={`reason-${action}-${lead.id}`} name="reason" maxlength={500} />
            </>
          ) : null}
          <button type="submit" class={DANGER.includes(action) ? "danger" : undefined}>
            {t(`action.label.${action}`)}
          </button>
        </form>
      ))}
    </div>
  );
};

/** The deposit's link and every movement of money, once a link has been sent. */
const Deposit: FC<{ lead: Lead }> = ({ lead }) => {
  if (lead.depositAttempt === 0 && lead.depositPaidAt === null) return null;
  const ledger = readLedger(lead.depositLedger);
  const open = lead.status === "AWAITING_DEPOSIT" && lead.depositLinkUrl !== null && lead.depositLinkExpiresAt !== null;
  return (
    <section class="card" aria-labelledby="deposit-title">
      <h2 id="deposit-title">{t("inbox.lead.deposit")}</h2>
      {open ? (
        <p>
          {t("inbox.lead.deposit_link", { deposit: depositLine(lead), expires: formatDateTime(lead.depositLinkExpiresAt ?? new Date(0)) })}{" "}
          <a href={lead.depositLinkUrl ?? "#"}>{t("inbox.lead.deposit_link_open")}</a>
        </p>
      ) : null}
      {ledger.length === 0 ? (
        <p class="muted">{t("inbox.lead.deposit_none")}</p>
      ) : (
        <ul>
          {ledger.map((e) => (
            <li>
              {t(`inbox.lead.ledger_${e.kind}`, {
                amount: money(e.amountMinor, e.currency) ?? "",
                when: formatDateTime(new Date(e.at)),
                reason: e.reason ?? "",
              })}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
};

type AttachmentRow = Awaited<ReturnType<typeof leadAttachments>>[number];

/** Image types shown inline (the attachment route serves anything else as a download). */
export const INLINE_IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"] as const;

const Images: FC<{ attachments: readonly AttachmentRow[]; name: string }> = ({ attachments, name }) => {
  if (attachments.length === 0) return <p class="muted">{t("inbox.lead.no_images")}</p>;
  const inline = (mime: string | null) => (INLINE_IMAGE_TYPES as readonly string[]).includes(mime ?? "");
  return (
    <div class="thumbs">
      {attachments.map((a, i) => {
        const url = `/inbox/attachments/${a.id}`;
        if (a.status === "PENDING") return <p class="muted">{t("inbox.lead.image_pending")}</p>;
        if (a.status !== "UPLOADED") return <p class="muted">{t("inbox.lead.image_failed")}</p>;
        if (!inline(a.mimeType)) return <a href={url}>{t("inbox.lead.file", { type: a.mimeType ?? "?" })}</a>;
        return (
          <a href={url}>
            <img src={url} alt={t("inbox.lead.image_alt", { number: i + 1, clientName: name })} loading="lazy" />
          </a>
        );
      })}
    </div>
  );
};

const Timeline: FC<{ entries: readonly TimelineEntry[] }> = ({ entries }) =>
  entries.length === 0 ? (
    <p class="muted">{t("inbox.lead.no_timeline")}</p>
  ) : (
    <ol class="timeline">
      {entries.map((e) => (
        <li class={e.kind}>
          <strong>{e.title}</strong>
          <span class="muted">{` · ${formatDateTime(e.at)}${e.detail ? ` · ${e.detail}` : ""}`}</span>
          <div class="text">{e.text}</div>
        </li>
      ))}
    </ol>
  );

/** Why the lead was handed over: every reason raised while the handover is open, else the last one. */
function handoverReasons(lead: Lead): string {
  const open = lead.status === LeadStatus.NEEDS_ARTIST_REPLY && lead.handoverReasons.length > 0;
  return (open ? lead.handoverReasons : [lead.handoverReason ?? ""]).map(handoverReasonLabel).join("; ");
}

/** The label of a timer kind ("Nudge: asks the current question again"); the kind itself when unknown. */
function timerLabel(kind: string): string {
  return isTimerKind(kind) ? t(`timer.label.${kind}`) : kind;
}

/** What the timers will do next for this lead, and what they did. */
const Timers: FC<{ lead: Lead; fired: FiredTimer[] }> = ({ lead, fired }) => (
  <section class="card" aria-labelledby="timers-title" id="timers">
    <h2 id="timers-title">{t("inbox.lead.timers")}</h2>
    <p data-next-timer={lead.nextTimerKind ?? ""}>
      {lead.nextTimerAt && lead.nextTimerKind
        ? t("inbox.lead.next_timer", { what: timerLabel(lead.nextTimerKind), when: formatDateTime(lead.nextTimerAt) })
        : t("inbox.lead.no_timer")}
    </p>
    {fired.length > 0 ? (
      <ul class="timers-fired">
        {fired.map((f) => {
          const kind = typeof (f.payload as { kind?: unknown }).kind === "string" ? String((f.payload as { kind: string }).kind) : "";
          return <li data-timer={kind}>{t("inbox.lead.timer_fired", { what: timerLabel(kind), when: formatDateTime(f.at) })}</li>;
        })}
      </ul>
    ) : null}
  </section>
);

export const inboxLeadPage = new Hono<InboxEnv>().get("/:id", async (c) => {
  const db = c.get("db");
  const csrf = c.get("csrf");
  const params = LeadIdParams.safeParse(c.req.param());
  const lead = params.success ? await findLead(db, params.data.id) : undefined;
  if (!lead) return c.html(<MessagePage title={t("inbox.not_found.title")} body={t("inbox.not_found.body")} csrf={csrf} />, 404);
  const flash = Flash.safeParse(c.req.query());
  const [answers, attachments, history, outbox, events, notes, fired, booking, freedOffers] = await Promise.all([
    answerRows(db, lead.id),
    leadAttachments(db, lead.id),
    allAnswers(db, lead.id),
    recentOutbox(db, lead.id),
    listEvents(db, { leadId: lead.id, limit: 100 }),
    leadNotesOf(db, lead.id),
    firedTimers(db, 20, lead.id),
    blockingBookingOf(db, lead.id),
    offersToLead(db, lead.id),
  ]);
  // The hold or booking, and freed times offered, read on their artist's clock.
  const bookingArtist = booking ? await getArtist(db, booking.artistId) : null;
  const offersArtist = freedOffers[0] ? (freedOffers[0].artistId === bookingArtist?.id ? bookingArtist : await getArtist(db, freedOffers[0].artistId)) : null;
  const timeline = buildTimeline({ clientPhone: lead.phoneE164 ?? "", answers: history, outbox, events, notes });
  const name = clientName(lead);
  const brief = briefLine(lead.brief);
  // A client with earlier no-shows is asked the policy's larger deposit (the lead's deposit already is it): say why.
  const noShowMultiplier = lead.noShowCount > 0 ? readPolicy(await artistPolicy(db, DEFAULT_ARTIST_HANDLE)).noShowDepositMultiplier : 1;
  return c.html(
    <Layout title={name} csrf={csrf} panic={c.get("panic")}>
      <p>
        <a href="/inbox">{t("inbox.back")}</a>
      </p>
      <h1>{name}</h1>
      <p id="status" data-status={lead.status}>
        {t("inbox.lead.status_since", { status: statusLabel(lead.status), when: formatDateTime(lead.statusChangedAt) })}
      </p>
      {flash.success ? <FlashBanner flash={flash.data} lead={lead} /> : null}
      <section class="card" aria-labelledby="actions-title">
        <h2 id="actions-title">{t("inbox.lead.actions")}</h2>
        <ActionForms lead={lead} csrf={csrf} />
      </section>
      {booking && bookingArtist ? <BookingCard booking={booking} zone={bookingArtist.timeZone} /> : null}
      {offersArtist ? <FreedOffersCard offers={freedOffers} zone={offersArtist.timeZone} /> : null}
      <Deposit lead={lead} />
      <div class="columns">
        <section class="card">
          <dl>
            <dt>{t("inbox.lead.phone")}</dt>
            <dd>{clientContact(lead)}</dd>
            <dt>{t("page.estimate")}</dt>
            <dd>{estimateLine(lead)}</dd>
            {lead.noShowCount > 0 && lead.depositAmountMinor !== null ? (
              <dd class="muted" id="deposit-no-show">
                {t("inbox.lead.deposit_no_show", { deposit: depositLine(lead), count: lead.noShowCount, multiplier: noShowMultiplier })}
              </dd>
            ) : null}
            {brief ? (
              <>
                <dt>{t("inbox.lead.brief")}</dt>
                <dd class={brief.complete ? "brief" : "brief incomplete"}>{brief.text}</dd>
              </>
            ) : null}
            {lead.sizeCategory ? (
              <>
                <dt>{t("inbox.lead.size")}</dt>
                <dd>{lead.sizeCategory}</dd>
              </>
            ) : null}
            {lead.estimatedDays ? (
              <>
                <dt>{t("inbox.lead.days")}</dt>
                <dd>{lead.estimatedDays}</dd>
              </>
            ) : null}
          </dl>
          {lead.handoverReason ? <p>{t("inbox.lead.handover", { reason: handoverReasons(lead) })}</p> : null}
          {lead.rejectionReason ? <p>{t("inbox.lead.rejection", { reason: lead.rejectionReason })}</p> : null}
          <h2>{t("inbox.lead.images")}</h2>
          <Images attachments={attachments} name={name} />
        </section>
        <section class="card" aria-labelledby="answers-title">
          <h2 id="answers-title">{t("inbox.lead.answers")}</h2>
          {answers.length === 0 ? (
            <p class="muted">{t("inbox.lead.no_answers")}</p>
          ) : (
            <dl>
              {answers.map((a) => (
                <>
                  <dt>{a.label}</dt>
                  <dd>{a.text}</dd>
                </>
              ))}
            </dl>
          )}
        </section>
      </div>
      <ConsentCard stored={lead.consent} />
      <Timers lead={lead} fired={fired} />
      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t("inbox.lead.timeline")}</h2>
        <Timeline entries={timeline} />
      </section>
    </Layout>,
  );
});
