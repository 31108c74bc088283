/**
 * Freed slots go to people waiting (issue 18, item 7): when a booking's time is freed, who is
 * offered it, in what order, which session of it, and until when. Pure: the job (src/jobs/
 * slot-freed.ts) reads the candidates, the artist's rules and busy time, and "now" (the time of
 * the event, or the cron run's scheduled time), and asks here.
 *
 * Who waits:
 * - leads choosing a time (COLLECTING_TIME_WINDOWS) whose stated windows fit a session in the
 *   freed time (no windows stated: any time fits);
 * - WAITLISTED leads whose city is the city of the freed slot: the tour stop whose dates cover the
 *   slot's local day, else the studio's home city (STUDIO_CITY). A waitlisted lead is waiting for
 *   the artist to be in their city (tour.ts waitlists for the client's own city), so the slot is
 *   theirs to take only when the artist works in that city that day. Names are compared folded
 *   (case, accents, spaces).
 * Both need what the usual hold → deposit path needs: a session size and a quoted deposit.
 *
 * Fair order: who has waited longest first (the time they entered that status), then the lead's
 * id, so two runs over the same data always pick the same client.
 */
import { clientWindowsFrom, findSlots, FLEXIBLE, type ClientWindows, type Interval, type SessionSize, type Slot } from "./gap-search.ts";
import type { AvailabilityRules } from "./availability.ts";
import type { BookingStep } from "./booking.ts";
import { LeadStatus } from "./lead-status.ts";
import { foldDiacritics, normalizeText } from "./parsing/text.ts";
import type { TourStop } from "./tour-schedule.ts";

/** The statuses a freed slot is offered to. */
export const WAITING_STATUSES = [LeadStatus.COLLECTING_TIME_WINDOWS, LeadStatus.WAITLISTED] as const;
export type WaitingStatus = (typeof WAITING_STATUSES)[number];

/** How long a client has to answer an offer, unless configured (FREED_OFFER_HOURS). */
export const DEFAULT_OFFER_HOURS = 2;

/** A lead that may be waiting, as the job read it. */
export interface WaitingLead {
  id: string;
  status: string;
  /** When the lead entered its status (what "waited longest" counts from). */
  waitingSince: Date;
  /** The stored timing answer (parsing/time-windows.ts shape), or null. */
  timing: unknown;
  size: SessionSize | null;
  hasDeposit: boolean;
  /** The city a waitlisted lead waits for (leads.waitlist_city). */
  waitlistCity: string | null;
  optedOut: boolean;
}

export interface MatchInput {
  freed: Interval;
  rules: AvailabilityRules;
  /** What is busy now (our holds and bookings, Google's busy time), read just before matching. */
  busy: readonly Interval[];
  now: Date;
  /** The city the freed time is in (see {@link cityOfSlot}); null: no waitlisted lead matches. */
  city: string | null;
  leads: readonly WaitingLead[];
  /** Leads this freed time was offered to already (whatever they answered). */
  tried: ReadonlySet<string>;
}

/** One client to offer to, and the session of the freed time that fits them. */
export interface Match {
  leadId: string;
  status: WaitingStatus;
  slot: Slot;
}

const fold = (city: string) => foldDiacritics(normalizeText(city)).replace(/\s+/g, " ").trim();

/** Whether two city names name the same city (case, accents and spacing aside). */
export function sameCity(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && fold(a) !== "" && fold(a) === fold(b);
}

/** The local date ("2027-02-01") of an instant in `zone`. */
function localIsoDate(at: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
  return parts;
}

/** The city the artist works in at `at`: a tour stop covering that local day, else the home city. */
export function cityOfSlot(at: Date, zone: string, stops: readonly TourStop[], homeCity: string | null): string | null {
  const day = localIsoDate(at, zone);
  const stop = stops.find((s) => s.from <= day && day <= s.to);
  return stop?.city ?? homeCity;
}

const isWaiting = (status: string): status is WaitingStatus => (WAITING_STATUSES as readonly string[]).includes(status);

/** The lead's windows for the search: a waitlisted lead without stated windows takes any time. */
function windowsOf(lead: WaitingLead): ClientWindows {
  return lead.timing === null || lead.timing === undefined ? FLEXIBLE : clientWindowsFrom(lead.timing);
}

/** Fair order: longest waiting first, then by id (deterministic). */
export function byLongestWaiting(a: WaitingLead, b: WaitingLead): number {
  return a.waitingSince.getTime() - b.waitingSince.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const DAY_MS = 86_400_000;

/** Busy time that can matter inside the freed time: what overlaps it or the days around it. */
function busyNear(freed: Interval, busy: readonly Interval[]): Interval[] {
  const lo = freed.start.getTime() - 2 * DAY_MS;
  const hi = freed.end.getTime() + 2 * DAY_MS;
  return busy.filter((b) => b.end.getTime() > lo && b.start.getTime() < hi);
}

/** Matches in waiting order, computed only as far as they are asked for. */
function* matches(input: MatchInput): Generator<Match> {
  const busy = busyNear(input.freed, input.busy);
  for (const lead of [...input.leads].sort(byLongestWaiting)) {
    if (input.tried.has(lead.id) || lead.optedOut || !lead.hasDeposit || lead.size === null || !isWaiting(lead.status)) continue;
    if (lead.status === LeadStatus.WAITLISTED && !sameCity(lead.waitlistCity, input.city)) continue;
    const [slot] = findSlots({ rules: input.rules, busy, windows: windowsOf(lead), size: lead.size, now: input.now, count: 1, within: input.freed });
    if (slot) yield { leadId: lead.id, status: lead.status, slot };
  }
}

/**
 * Everyone the freed time may go to, in the order they are offered it, each with the session of
 * it that fits them (the gap search over the freed time only, with their windows and size).
 */
export function matchWaiting(input: MatchInput): Match[] {
  return [...matches(input)];
}

/** The next client to offer the freed time to (the first of {@link matchWaiting}), or null; stops at the first. */
export function nextWaiting(input: MatchInput): Match | null {
  for (const match of matches(input)) return match;
  return null;
}

/** When an offer made at `now` lapses. */
export function offerDeadline(now: Date, hours: number): Date {
  return new Date(now.getTime() + hours * 3_600_000);
}

/** Whether an open offer has lapsed at `now` (the deadline itself counts as lapsed). */
export function offerLapsed(deadline: Date, now: Date): boolean {
  return deadline.getTime() <= now.getTime();
}

/** A hold as its release needs it: the time it blocked (its session, then the artist's buffer). */
export interface ReleasedHold {
  startsAt: Date;
  blockedUntil: Date;
}

/** The freed-slot offer a hold was taken on (the client said yes to it): the freed interval it was cut from. */
export interface AcceptedOffer {
  freedStart: Date;
  freedEnd: Date;
}

/**
 * The time a booking step gives to the people waiting, or null. Only a step that releases a hold
 * unpaid frees time here: Stripe's expiry, or the hold sweep finding it lapsed (`onCheckoutExpired`,
 * `onHoldDue` in booking.ts decide "release" for nothing else). A payment (confirm, retake) or
 * nothing to do frees nothing, and a hold given up because the client chose again, or replaced by a
 * move, is released in the same transaction as the new hold (booking-store.ts), never by a step.
 *
 * Which time: a hold taken on a freed offer the client accepted gives back the whole freed interval
 * the offer was cut from, so that interval's offers stay one history (the job skips everyone
 * offered it before); any other hold gives the time it blocked, its session and the buffer after it
 * (what a cancel of that booking would free).
 */
export function timeFreedByStep(step: BookingStep, hold: ReleasedHold, accepted: AcceptedOffer | null): Interval | null {
  if (step.kind !== "release") return null;
  if (accepted) return { start: accepted.freedStart, end: accepted.freedEnd };
  return { start: hold.startsAt, end: hold.blockedUntil };
}
