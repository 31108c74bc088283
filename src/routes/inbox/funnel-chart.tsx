/**
 * The funnel as a chart: one CSS bar per stage (width relative to the largest stage), its count
 * and its conversion from the stage before; then where leads left. Plain HTML, readable without
 * styles and by screen readers (the numbers are text, the bars decoration).
 */
import type { FC } from "hono/jsx";
import type { Funnel } from "../../domain/funnel.ts";
import { artistCopy as t, statusLabel } from "../lead-view.ts";

/** The periods offered above the chart (days). */
export const FUNNEL_PERIODS = [7, 30, 90] as const;

function percent(ratio: number): string {
  return String(Math.round(ratio * 1000) / 10);
}

export const FunnelChart: FC<{ funnel: Funnel; days: number }> = ({ funnel, days }) => {
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
