/**
 * The booking funnel: how many leads entered each stage in a period, and the conversion from one
 * stage to the next. Built from `lead.transition` events (every status change is one), so it reads
 * history, not today's statuses: a lead booked this week counts as booked even if it has since
 * opted out.
 *
 * A stage counts distinct leads that entered any of its statuses in the period. Leads can skip a
 * stage (the artist may mark a lead booked without a deposit), so a later stage may hold leads the
 * one before it does not; conversion is simply the ratio of the two counts.
 */
import { LeadStatus } from "./lead-status.ts";

const S = LeadStatus;

export const FUNNEL_STAGES = [
  { stage: "started", statuses: [S.QUALIFYING] },
  { stage: "consultation_complete", statuses: [S.PENDING_APPROVAL] },
  { stage: "approved", statuses: [S.COLLECTING_TIME_WINDOWS, S.CHOOSING_SLOT] },
  { stage: "deposit_requested", statuses: [S.AWAITING_DEPOSIT] },
  { stage: "deposit_paid", statuses: [S.DEPOSIT_PAID] },
  { stage: "booked", statuses: [S.BOOKED] },
] as const satisfies readonly { stage: string; statuses: readonly LeadStatus[] }[];

/** Where leads leave the funnel (or pause), counted the same way. */
export const FUNNEL_EXITS = [S.NEEDS_ARTIST_REPLY, S.TOUR_CONVERSION_OFFERED, S.WAITLISTED, S.REJECTED, S.ABANDONED, S.STALE, S.OPTOUT] as const;

export type FunnelStage = (typeof FUNNEL_STAGES)[number]["stage"];

export interface Funnel {
  stages: { stage: FunnelStage; leads: number; conversion_from_previous: number | null }[];
  exits: Record<(typeof FUNNEL_EXITS)[number], number>;
}

/** One status a lead entered in the period (distinct pairs). */
export interface EnteredStatus {
  leadId: string;
  status: string;
}

/** Conversion as a fraction rounded to 4 places; null when the previous stage is empty. */
function ratio(count: number, previous: number | null): number | null {
  if (previous === null || previous === 0) return null;
  return Math.round((count / previous) * 10_000) / 10_000;
}

export function buildFunnel(entered: readonly EnteredStatus[]): Funnel {
  const leadsIn = (statuses: readonly string[]) => new Set(entered.filter((e) => statuses.includes(e.status)).map((e) => e.leadId)).size;
  let previous: number | null = null;
  const stages = FUNNEL_STAGES.map(({ stage, statuses }) => {
    const leads = leadsIn(statuses);
    const row = { stage, leads, conversion_from_previous: ratio(leads, previous) };
    previous = leads;
    return row;
  });
  const exits = Object.fromEntries(FUNNEL_EXITS.map((status) => [status, leadsIn([status])])) as Funnel["exits"];
  return { stages, exits };
}
