/**
 * The funnel as a chart: one CSS bar per stage (width relative to the largest stage), its count
 * and its conversion from the stage before; then, per consultation question, how many leads went
 * quiet, needed a repair or were handed over there; then where leads left. Plain HTML, readable without
 * styles and by screen readers (the numbers are text, the bars decoration).
 */
import type { FC } from "hono/jsx";
import { DROP_OFF_KINDS, type DropOff, type Funnel } from "../../domain/funnel.ts";
import { artistCopy as t, statusLabel } from "../lead-view.ts";

/** The periods offered above the chart (days). */
export const FUNNEL_PERIODS = [7, 30, 90] as const;

function percent(ratio: number): string {
  return String(Math.round(ratio * 1000) / 10);
}

/** Per question: how many leads went quiet, needed a repair or were handed over there (questions with none left out). */
const DropOffTable: FC<{ dropOff: DropOff }> = ({ dropOff }) => {
  const rows = dropOff.filter((row) => DROP_OFF_KINDS.some((kind) => row[kind] > 0));
  if (rows.length === 0) return <p class="muted">{t("inbox.dropoff.none")}</p>;
  return (
    <table class="dropoff">
      <thead>
        <tr>
          <th scope="col">{t("inbox.dropoff.question")}</th>
          {DROP_OFF_KINDS.map((kind) => (
            <th scope="col">{t(`inbox.dropoff.${kind}`)}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr data-question={row.question}>
            <th scope="row">{t(`label.${row.question}`)}</th>
            {DROP_OFF_KINDS.map((kind) => (
              <td data-kind={kind}>{String(row[kind])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
};

export const FunnelChart: FC<{ funnel: Funnel; days: number; dropOff: DropOff }> = ({ funnel, days, dropOff }) => {
  const largest = Math.max(1, ...funnel.stages.map((s) => s.leads));
  const exits = Object.entries(funnel.exits).filter(([, n]) => n > 0);
  return (
    <section class="card funnel" aria-labelledby="funnel-title">
      <h2 id="funnel-title">{t("inbox.funnel.title", { days })}</h2>
      <p class="period">
        <span class="muted">{`${t("inbox.funnel.period")}: `}</span>
        {FUNNEL_PERIODS.map((d) => (
          <a href={`/inbox?days=${d}`} aria-current={d === days ? "true" : undefined}>
            {t("inbox.funnel.days", { days: d })}
          </a>
        ))}
      </p>
      {funnel.stages.map((s) => (
        <div class="row" data-stage={s.stage}>
          <span>{t(`inbox.funnel.stage.${s.stage}`)}</span>
          <div class="track" aria-hidden="true">
            <div class="fill" style={`width: ${((s.leads / largest) * 100).toFixed(1)}%`} />
          </div>
          <span class="value">
            {s.leads === 1 ? t("inbox.funnel.leads_one") : t("inbox.funnel.leads", { count: s.leads })}
            {s.conversion_from_previous === null ? "" : ` · ${t("inbox.funnel.conversion", { percent: percent(s.conversion_from_previous) })}`}
          </span>
        </div>
      ))}
      <p class="no-shows" data-no-show-rate={funnel.no_shows.rate ?? ""}>
        {funnel.no_shows.rate === null
          ? t("inbox.funnel.no_show_none")
          : t("inbox.funnel.no_show_rate", { percent: percent(funnel.no_shows.rate), no_shows: funnel.no_shows.no_shows, booked: funnel.no_shows.booked })}
      </p>
      <h2>{t("inbox.dropoff.title")}</h2>
      <DropOffTable dropOff={dropOff} />
      <h2>{t("inbox.funnel.exits")}</h2>
      {exits.length === 0 ? (
        <p class="muted">{t("inbox.funnel.no_exits")}</p>
      ) : (
        <dl>
          {exits.map(([status, n]) => (
            <>
              <dt>{statusLabel(status)}</dt>
              <dd>{n}</dd>
            </>
          ))}
        </dl>
      )}
    </section>
  );
};
