/**
 * The artist's morning digest: when it is due (the artist's chosen hour, on their own clock, DST
 * included) and what it says (leads waiting for approval, handovers waiting for a reply, deposits
 * paid since the last digest, today's sessions). Pure: "now" is an argument (the cron run's
 * scheduled time), and the ArtistDesk object gathers the rows and sends what this decides.
 */
import { TZDate } from "@date-fns/tz";
import { renderCopy } from "./copy.ts";

/**
 * The latest digest time at or before `now`: `hour`:00 on the artist's clock in `timeZone`, today
 * if that has passed, else yesterday. A day whose `hour` does not exist (the clocks jump over it)
 * has its digest at the first instant after the jump (TZDate resolves a skipped time forwards).
 */
export function digestSlot(now: Date, timeZone: string, hour: number): Date {
  const local = new TZDate(now.getTime(), timeZone);
  for (let back = 0; back <= 2; back++) {
    const slot = TZDate.tz(timeZone, local.getFullYear(), local.getMonth(), local.getDate() - back, hour, 0, 0);
    if (slot.getTime() <= now.getTime()) return new Date(slot.getTime());
  }
  throw new Error(`no digest slot found for ${now.toISOString()} in ${timeZone}`);
}

/**
 * The digest slot due at `now`, or null: due when the latest slot is later than the last one sent
 * and no older than `graceMs` (a cron away for a day does not send yesterday's digest at noon).
 */
export function dueDigestSlot(now: Date, timeZone: string, hour: number, lastSlot: Date | null, graceMs: number): Date | null {
  const slot = digestSlot(now, timeZone, hour);
  if (lastSlot !== null && lastSlot.getTime() >= slot.getTime()) return null;
  return now.getTime() - slot.getTime() <= graceMs ? slot : null;
}

/** The local day (start and end instants) that contains `now` in `timeZone`: "today" for sessions. */
export function localDay(now: Date, timeZone: string): { start: Date; end: Date } {
  const local = new TZDate(now.getTime(), timeZone);
  const start = TZDate.tz(timeZone, local.getFullYear(), local.getMonth(), local.getDate(), 0, 0, 0);
  const end = TZDate.tz(timeZone, local.getFullYear(), local.getMonth(), local.getDate() + 1, 0, 0, 0);
  return { start: new Date(start.getTime()), end: new Date(end.getTime()) };
}

/** A lead the digest names. */
export interface DigestLead {
  id: string;
  name: string;
}

/**
 * What the digest could report; each list may be empty. A list holds the first leads only (oldest
 * first); `totals` counts them all, so "Waiting for your approval (137)" is true however many are named.
 */
export interface DigestFacts {
  awaitingApproval: DigestLead[];
  handovers: DigestLead[];
  depositsPaid: DigestLead[];
  sessionsToday: { name: string; startsAt: Date }[];
  totals: { awaitingApproval: number; handovers: number; depositsPaid: number };
}

/** Whether there is anything to report (nothing: no message at all). */
export function hasNews(facts: DigestFacts): boolean {
  return facts.awaitingApproval.length + facts.handovers.length + facts.depositsPaid.length + facts.sessionsToday.length > 0;
}

/** A scheduled digest more than this late (the cron was away) is skipped, not sent at noon. */
export const DIGEST_GRACE_MS = 3 * 60 * 60 * 1000;

/** Leads waiting for approval that get their own buttons in one digest; the rest are counted. */
export const DIGEST_BUTTON_LEADS = 5;

/** "09:30" on the artist's clock. */
function localTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
}

/** The digest's text: one line per kind of news (none for an empty list), from copy. */
export function digestBody(facts: DigestFacts, timeZone: string): string {
  const names = (leads: readonly DigestLead[], total: number) => {
    const listed = leads.map((l) => l.name).join(", ");
    return total > leads.length ? renderCopy("digest.names_and_more", { names: listed, count: total - leads.length }) : listed;
  };
  const line = (key: "digest.awaiting" | "digest.handovers" | "digest.deposits", leads: readonly DigestLead[], total: number) => renderCopy(key, { count: Math.max(total, leads.length), names: names(leads, total) });
  const lines = [renderCopy("digest.heading")];
  if (facts.awaitingApproval.length > 0) lines.push(line("digest.awaiting", facts.awaitingApproval, facts.totals.awaitingApproval));
  if (facts.handovers.length > 0) lines.push(line("digest.handovers", facts.handovers, facts.totals.handovers));
  if (facts.depositsPaid.length > 0) lines.push(line("digest.deposits", facts.depositsPaid, facts.totals.depositsPaid));
  if (facts.sessionsToday.length > 0) {
    const sessions = facts.sessionsToday.map((s) => renderCopy("digest.session_line", { time: localTime(s.startsAt, timeZone), clientName: s.name }));
    lines.push(renderCopy("digest.sessions", { lines: sessions.join("\n") }));
  }
  return lines.join("\n\n");
}
