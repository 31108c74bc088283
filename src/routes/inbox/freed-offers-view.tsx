/**
 * The lead page's card of freed times offered to this client (issue 18): each offer's session in
 * the artist's zone, when it was offered, its deadline and how it ended (open, accepted, declined,
 * taken by someone else first, lapsed, skipped). Nothing here changes an offer.
 */
import type { FC } from "hono/jsx";
import type { SlotOfferRow } from "../../db/schema.ts";
import { SLOT_OFFER_OUTCOMES } from "../../db/schema.ts";
import { slotLabel } from "../../domain/gap-search.ts";
import { artistCopy as t } from "../lead-view.ts";
import { localMoment } from "./booking-view.tsx";

type Outcome = (typeof SLOT_OFFER_OUTCOMES)[number];
const isOutcome = (value: string): value is Outcome => (SLOT_OFFER_OUTCOMES as readonly string[]).includes(value);

/** "Waiting for their answer", "Accepted", …; an unknown code as stored. */
export function offerOutcomeLabel(outcome: string): string {
  return isOutcome(outcome) ? t(`inbox.freed.outcome.${outcome}`) : outcome;
}

/** The card; nothing when the client was never offered a freed time. */
export const FreedOffersCard: FC<{ offers: readonly SlotOfferRow[]; zone: string }> = ({ offers, zone }) => {
  if (offers.length === 0) return null;
  return (
    <section class="card" aria-labelledby="freed-offers-title" id="freed-offers">
      <h2 id="freed-offers-title">{t("inbox.lead.freed_offers")}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("inbox.freed.slot")}</th>
            <th scope="col">{t("inbox.freed.offered")}</th>
            <th scope="col">{t("inbox.freed.deadline")}</th>
            <th scope="col">{t("inbox.freed.outcome")}</th>
          </tr>
        </thead>
        <tbody>
          {offers.map((offer) => {
            const label = slotLabel({ start: offer.slotStart, end: offer.slotEnd }, zone);
            return (
              <tr data-offer={offer.id} data-outcome={offer.outcome}>
                <td>{t("inbox.lead.booking_when", { day: label.day, time: label.time, zone })}</td>
                <td>{localMoment(offer.offeredAt, zone)}</td>
                <td>{localMoment(offer.deadline, zone)}</td>
                <td>{offerOutcomeLabel(offer.outcome)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
};
