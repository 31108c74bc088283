/**
 * What a booked lead's session timers read just before they are decided (after-session.ts): the
 * lead's CONFIRMED booking as the bookings table has it now (a cancelled or moved booking's timer
 * is dropped, not sent) and its artist's policy (the touch-up window, how a deposit is settled).
 */
import { and, eq } from "drizzle-orm";
import { BookingStatus } from "../domain/booking.ts";
import type { SessionFacts } from "../domain/engine/after-session.ts";
import { readPolicy } from "../domain/studio-policy.ts";
import type { Database } from "./client.ts";
import { artists, bookings } from "./schema.ts";

/**
 * The lead's confirmed booking and its artist's policy (the default artist's, or the default
 * policy, when the lead has no confirmed booking).
 */
export async function sessionFacts(db: Database, leadId: string): Promise<SessionFacts> {
  const [row] = await db
    .select({ id: bookings.id, startsAt: bookings.startsAt, endsAt: bookings.endsAt, policy: artists.policy })
    .from(bookings)
    .innerJoin(artists, eq(artists.id, bookings.artistId))
    .where(and(eq(bookings.leadId, leadId), eq(bookings.status, BookingStatus.CONFIRMED)))
    .limit(1);
  if (!row) return { confirmed: null, policy: readPolicy(null) };
  return { confirmed: { id: row.id, startsAt: row.startsAt, endsAt: row.endsAt }, policy: readPolicy(row.policy) };
}
