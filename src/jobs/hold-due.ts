/**
 * The `booking.hold_due` job: a hold whose time is up (its deposit link's time plus the grace)
 * and still HELD — the Stripe expiry webhook never came, or the lead moved elsewhere (handed over,
 * opted out) so the deposit sweep does not look at it. Stripe is asked where the hold's Checkout
 * Session stands, at the job's `now` (the cron run's time): still open → it is expired at Stripe
 * first (no money can arrive for a released slot), then the hold released; complete → the hold is
 * confirmed (the payment's webhook is late, it will find the booking confirmed); expired or no
 * session → released. The pure decision is `onHoldDue` (src/domain/booking.ts), applied in the
 * artist's calendar object, once; the lead hears of it through Stripe's expiry event.
 */
import { eq } from "drizzle-orm";
import { artistCalendar } from "../../durable-objects/artist-calendar.ts";
import { expireCheckoutSession, retrieveCheckoutSession, stripeClient, stripeSettingsFrom } from "../adapters/stripe/client.ts";
import { requireConfig } from "../config.ts";
import { getBooking } from "../db/booking-store.ts";
import { connectPatiently, openDatabase } from "../db/client.ts";
import { leads } from "../db/schema.ts";
import type { CheckoutStanding } from "../domain/booking.ts";
import type { Logger } from "../lib/log.ts";

/** Where a Checkout Session stands, from Stripe's `status` (null: unknown to Stripe or unreadable). */
export function standingOf(status: string | null | undefined): CheckoutStanding | null {
  return status === "open" || status === "complete" || status === "expired" ? status : null;
}

export async function holdDue(bookingId: string, now: Date, env: Env, log: Logger): Promise<string> {
  const config = requireConfig(env);
  const handle = openDatabase(config, { max: 1 });
  let sessionId: string | null = null;
  let artistId: string;
  try {
    await connectPatiently(handle);
    const booking = await getBooking(handle.db, bookingId);
    if (!booking || booking.status !== "HELD") return `skipped:${booking?.status ?? "unknown"}`;
    artistId = booking.artistId;
    const [lead] = await handle.db.select({ sessionId: leads.stripeCheckoutSessionId }).from(leads).where(eq(leads.id, booking.leadId)).limit(1);
    sessionId = lead?.sessionId ?? null;
  } finally {
    await handle.close();
  }
  let standing: CheckoutStanding = "expired";
  const settings = stripeSettingsFrom(config);
  if (settings && sessionId !== null) {
    const stripe = stripeClient(settings);
    const found = await retrieveCheckoutSession(stripe, sessionId);
    // Stripe unreachable: thrown, so the queue tries again (a hold is never released on a guess).
    if (!found.ok && found.status !== 404) throw new Error(`Stripe: ${found.code} ${found.message}`);
    standing = found.ok ? (standingOf(found.value.status) ?? "expired") : "expired";
    if (standing === "open") {
      const expired = await expireCheckoutSession(stripe, sessionId);
      if (expired.ok) standing = standingOf(expired.value.status) ?? "expired";
      else {
        // Completed meanwhile (Stripe refuses to expire a paid session): ask once more.
        const again = await retrieveCheckoutSession(stripe, sessionId);
        if (!again.ok) throw new Error(`Stripe: ${again.code} ${again.message}`);
        standing = standingOf(again.value.status) ?? "expired";
      }
    }
  }
  const step = await artistCalendar(env, artistId).holdDue(bookingId, now, standing);
  log.info("booking.hold_due", { booking_id: bookingId, standing, outcome: step.outcome });
  return step.outcome;
}
