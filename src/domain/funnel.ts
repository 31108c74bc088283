/**
 * The booking funnel: how many leads entered each stage in a period, and the conversion from one
 * stage to the next. Built from `lead.transition` events (every status change is one), so it reads
 * history, not today's statuses: a lead booked this week counts as booked even if it has since
 * opted out.
 *
 * A stage counts distinct leads that entered any of its statuses in the period. Leads can skip a
 * stage (the artist may mark a lead booked without a deposit), so a later stage may hold leads the
 * one before it does not; conversion is simply the ratio of the two counts.
 *
 * Within the consultation, the drop-off per question says where clients are lost: leads that went
 * quiet at a question, needed a repair there, or were handed over from it.
 */
import { LeadStatus } from "./lead-status.ts";
import { QUESTION_KEYS, type QuestionKey } from "./questions.ts";

const S = LeadStatus;

export const FUNNEL_STAGES = [
  { stage: "started", statuses: [S.QUALIFYING] },
  { stage: "consultation_complete", statuses: [S.PENDING_APPROVAL] },
  { stage: "approved", statuses: [S.CHECKING_CONSENT, S.COLLECTING_TIME_WINDOWS, S.CHOOSING_SLOT] },
  { stage: "deposit_requested", statuses: [S.AWAITING_DEPOSIT] },
  { stage: "deposit_paid", statuses: [S.DEPOSIT_PAID] },
  { stage: "booked", statuses: [S.BOOKED] },
  { stage: "completed", statuses: [S.COMPLETED] },
] as const satisfies readonly { stage: string; statuses: readonly LeadStatus[] }[];

/** Where leads leave the funnel (or pause), counted the same way. */
export const FUNNEL_EXITS = [S.NEEDS_ARTIST_REPLY, S.TOUR_CONVERSION_OFFERED, S.WAITLISTED, S.REJECTED, S.ABANDONED, S.STALE, S.OPTOUT, S.CANCELLED, S.NO_SHOW] as const;

export type FunnelStage = (typeof FUNNEL_STAGES)[number]["stage"];

export interface Funnel {
  stages: { stage: FunnelStage; leads: number; conversion_from_previous: number | null }[];
  exits: Record<(typeof FUNNEL_EXITS)[number], number>;
  /** Booked leads in the period the artist marked as no-shows, and their share (null: nobody booked). */
  no_shows: { booked: number; no_shows: number; rate: number | null };
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
  const booked = leadsIn([S.BOOKED]);
  const noShows = leadsIn([S.NO_SHOW]);
  return { stages, exits, no_shows: { booked, no_shows: noShows, rate: ratio(noShows, booked) } };
}

/** How a lead was lost or slowed at a question: went quiet there, needed a repair, or was handed over. */
export const DROP_OFF_KINDS = ["stalled", "repaired", "handed_over"] as const;
export type DropOffKind = (typeof DROP_OFF_KINDS)[number];

/** One count from the store: distinct leads of one kind at one question. */
export interface DropOffCount {
  question: string;
  kind: DropOffKind;
  leads: number;
}

/** Per question, in the order asked: how many leads stalled, needed a repair or were handed over there. */
export type DropOff = ({ question: QuestionKey } & Record<DropOffKind, number>)[];

/** A client silent this long at a question counts as stalled there. */
export const STALLED_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * The drop-off per question, so the artist sees which question loses clients. Every question is
 * listed (zeros included), unknown question keys are left out.
 */
export function buildDropOff(counts: readonly DropOffCount[]): DropOff {
  return QUESTION_KEYS.map((question) => {
    const row = { question, stalled: 0, repaired: 0, handed_over: 0 };
    for (const c of counts) if (c.question === question) row[c.kind] += c.leads;
    return row;
  });
}
