/**
 * How a hold or booking reads in the inbox: its day and time range in the artist's zone (Intl over
 * the runtime's IANA database, through gap-search's `slotLabel`; no offset arithmetic here), its
 * status, and when a hold lapses. Used by the agenda (agenda.tsx) and the lead page's card.
 */
import type { FC } from "hono/jsx";
import type { AgendaEntry } from "../../db/booking-store.ts";
import { BookingStatus } from "../../domain/booking.ts";
import { slotLabel } from "../../domain/gap-search.ts";
import { artistCopy as t } from "../lead-view.ts";

/** A hold or booking as the inbox shows it (the agenda's rows, without the client's name). */
export type BookingView = Omit<AgendaEntry, "clientName">;

/** "Tue 30 Mar, 14:05": a moment on the artist's clock. */
export function localMoment(at: Date, zone: string): string {
  const options = { timeZone: zone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" } as const;
  return new Intl.DateTimeFormat("en-GB", options).format(at);
}

/** The calendar date of `at` in `zone` ("2027-06-15"): the agenda's day key. */
export function localDateKey(at: Date, zone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

/** "Tuesday 15 June 2027": the agenda's day heading. */
export function localDayHeading(at: Date, zone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(at);
}

/** "Booked", or "Held until Tue 30 Mar, 14:05 (Europe/London); …". */
export function bookingStatusLine(booking: BookingView, zone: string): string {
  if (booking.status === BookingStatus.CONFIRMED) return t("inbox.booking.confirmed");
  if (booking.holdExpiresAt === null) return t("inbox.booking.held");
  return t("inbox.booking.held_until", { expires: localMoment(booking.holdExpiresAt, zone), zone });
}

/** The lead page's card: the lead's hold or booking in the artist's zone. */
export const BookingCard: FC<{ booking: BookingView; zone: string }> = ({ booking, zone }) => {
  const label = slotLabel({ start: booking.startsAt, end: booking.endsAt }, zone);
  return (
    <section class="card" aria-labelledby="booking-title" id="booking" data-booking={booking.id} data-status={booking.status}>
      <h2 id="booking-title">{t("inbox.lead.booking")}</h2>
      <p class="when">{t("inbox.lead.booking_when", { day: label.day, time: label.time, zone })}</p>
      <p class="booking-status">{bookingStatusLine(booking, zone)}</p>
      <p>
        <a href="/inbox/agenda">{t("inbox.lead.booking_agenda")}</a>
      </p>
    </section>
  );
};
