/**
 * The consent step on the lead's page (issue 18): the date of birth and age, each medical answer
 * (a "yes" marked as a flag), and when the client agreed to the policy. Personal data for the
 * artist only: the inbox shows it, the spreadsheet never has it.
 */
import type { FC } from "hono/jsx";
import { readConsent } from "../../domain/consent.ts";
import { formatDateTime } from "../../domain/format.ts";
import { artistCopy as t } from "../lead-view.ts";

export const ConsentCard: FC<{ stored: unknown }> = ({ stored }) => {
  const consent = readConsent(stored);
  return (
    <section class="card" aria-labelledby="consent-title" id="consent">
      <h2 id="consent-title">{t("inbox.consent.title")}</h2>
      {consent === null ? (
        <p class="muted">{t("inbox.consent.none")}</p>
      ) : (
        <ul>
          <li data-step={consent.step}>{t("inbox.consent.step", { step: consent.step })}</li>
          {consent.dateOfBirth === null ? null : <li id="consent-dob">{t("inbox.consent.dob", { dob: consent.dateOfBirth, age: consent.age ?? "" })}</li>}
          {consent.flags.length > 0 ? (
            <li class="flag" id="consent-flagged">
              <strong>{t("inbox.consent.flagged", { count: consent.flags.length })}</strong>
            </li>
          ) : null}
          {consent.answers.map((a) => (
            <li data-question={a.id} data-yes={String(a.yes)}>
              {t("inbox.consent.answer", { question: a.question, answer: t(a.yes ? "button.yes" : "button.no") })}
            </li>
          ))}
          <li id="consent-ack">
            {consent.policyAcknowledgedAt === null ? t("inbox.consent.not_acknowledged") : t("inbox.consent.acknowledged", { at: formatDateTime(new Date(consent.policyAcknowledgedAt)) })}
          </li>
        </ul>
      )}
    </section>
  );
};
