/**
 * A lead as the artist reads it on a page (the one-tap link pages and the web inbox): name,
 * status in words, money, the estimate line and the answers (latest wins), every word from copy/.
 */
import { DEFAULT_LOCALE } from "../../copy/index.ts";
import { latestAnswers } from "../db/admin-store.ts";
import type { Database } from "../db/client.ts";
import type { Lead } from "../db/schema.ts";
import { renderCopy, type CopyKey, type CopyParams } from "../domain/copy.ts";
import { paidMinor, readLedger } from "../domain/deposit.ts";
import { readBrief } from "../domain/engine/completeness.ts";
import { HandoverReason } from "../domain/engine/triggers.ts";
import { formatMoney } from "../domain/format.ts";
import { asQuestionKey } from "../domain/questions.ts";
import { asLeadStatus } from "../domain/state-machine.ts";

/** The artist's copy, in the default locale (the artist's pages have one locale for now). */
export const artistCopy = (key: CopyKey, params: CopyParams = {}) => renderCopy(key, params, DEFAULT_LOCALE);
const t = artistCopy;

/** The client's name: their profile name, else their WhatsApp username (never a raw id). */
export function clientName(lead: Pick<Lead, "displayName"> & { username?: string | null }): string {
  return lead.displayName ?? lead.username ?? t("handover.unknown_name");
}

/** How to reach the client: their number, else their WhatsApp username (a BSUID is never shown). */
export function clientContact(lead: { phoneE164: string | null; username?: string | null }): string {
  if (lead.phoneE164 !== null) return lead.phoneE164;
  return lead.username ? t("client.contact_username", { username: lead.username }) : t("client.contact_unknown");
}

/** "waiting for your approval" for PENDING_APPROVAL; an unknown status as it is stored. */
export function statusLabel(status: string): string {
  const known = asLeadStatus(status);
  return known ? t(`status.${known}`) : status;
}

/** Why a conversation was handed over, in words ("they asked about price"); an unknown code as stored. */
export function handoverReasonLabel(reason: string): string {
  const known = (Object.values(HandoverReason) as readonly string[]).includes(reason) ? (reason as HandoverReason) : null;
  return known ? t(`handover.reason.${known}`) : reason;
}

export function money(amountMinor: number | null, currency: string | null): string | null {
  return amountMinor === null || currency === null ? null : formatMoney(amountMinor, currency);
}

/** "£260–£380, deposit £100", or "none yet". */
export function estimateLine(lead: Lead): string {
  const priceMin = money(lead.priceMinMinor, lead.priceCurrency);
  const priceMax = money(lead.priceMaxMinor, lead.priceCurrency);
  const deposit = money(lead.depositAmountMinor, lead.depositCurrency);
  return priceMin && priceMax && deposit ? t("page.estimate_value", { priceMin, priceMax, deposit }) : t("page.no_estimate");
}

/** The deposit as a sum of money, or the words for "whatever was quoted". */
export function depositLine(lead: Lead): string {
  return money(lead.depositAmountMinor, lead.depositCurrency) ?? t("page.no_deposit");
}

const refundableOf = (lead: Lead) => Math.max(0, paidMinor(readLedger(lead.depositLedger)) - lead.refundedAmountMinor);

/** Whether any of the deposit received is left to refund. */
export const hasRefundable = (lead: Lead) => refundableOf(lead) > 0;

/** What a refund would give back now (received less refunded), as money. */
export function refundLine(lead: Lead): string {
  const currency = lead.depositCurrency ?? readLedger(lead.depositLedger)[0]?.currency ?? null;
  return money(refundableOf(lead), currency) ?? t("page.no_deposit");
}

export interface AnswerRow {
  label: string;
  text: string;
}

/** The latest answer to each question, labelled; texts cut at `maxChars` when given. */
export async function answerRows(db: Database, leadId: string, maxChars?: number): Promise<AnswerRow[]> {
  const answers = await latestAnswers(db, leadId);
  return answers.map((a) => {
    const key = asQuestionKey(a.questionKey);
    const text = a.rawText ?? t("handover.answer_media");
    const cut = maxChars !== undefined && text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
    return { label: key ? t(`label.${key}`) : a.questionKey, text: cut };
  });
}

/**
 * "Brief 4/6: no references, photo of the tattoo to cover" (or "Brief 6/6") from `leads.brief`,
 * or null before the consultation finished.
 */
export function briefLine(brief: unknown): { text: string; complete: boolean } | null {
  const read = readBrief(brief);
  if (read === null) return null;
  if (read.missing.length === 0) return { text: t("inbox.brief", { score: read.score, total: read.total }), complete: true };
  const missing = read.missing.map((item) => t(`brief.item.${item}`)).join(", ");
  return { text: t("inbox.brief_missing", { score: read.score, total: read.total, missing }), complete: false };
}
