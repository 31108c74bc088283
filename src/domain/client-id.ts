/**
 * Business-scoped user IDs (BSUIDs): how WhatsApp names a client to our business, with or without
 * a phone number. A BSUID is a two-letter country code, a period and up to 128 letters and digits
 * ("US.13491208655302741918"); a parent BSUID of a managed business has "ENT." after the country
 * ("US.ENT.11815799212886844830"). Meta says to store and send them back exactly as received.
 */
import { maskPhone } from "./phone.ts";

/** The shape we accept (a little wider than documented, so a format tweak does not lose clients). */
export const USER_ID_PATTERN = /^[A-Z]{2}\.[A-Za-z0-9][A-Za-z0-9.]{0,140}$/;

/** SQL form of {@link USER_ID_PATTERN}, for CHECK constraints. */
export const USER_ID_SQL_PATTERN = "^[A-Z]{2}\\.[A-Za-z0-9][A-Za-z0-9.]{0,140}$";

/** A BSUID as Meta sent it, or null when it is absent or not one. */
export function toUserId(raw: string | null): string | null {
  if (raw === null) return null;
  const id = raw.trim();
  return USER_ID_PATTERN.test(id) ? id : null;
}

/** Masks a BSUID for logs: the country and the last two characters ("US.****************18"). */
export function maskUserId(id: string): string {
  const dot = id.indexOf(".");
  const country = dot > 0 ? id.slice(0, dot) : "";
  const rest = dot > 0 ? id.slice(dot + 1) : id;
  if (rest.length < 5) return `${country}.***`;
  return `${country}.${"*".repeat(rest.length - 2)}${rest.slice(-2)}`;
}

/** Masks a client id for logs and notices: a BSUID like {@link maskUserId}, anything else as a phone number. */
export function maskClientId(id: string): string {
  return USER_ID_PATTERN.test(id) ? maskUserId(id) : maskPhone(id);
}

/** The ids a lead is known by. */
export interface LeadIdentity {
  id: string;
  conversationKey: string | null;
  phoneE164: string | null;
  bsuid: string | null;
}

/**
 * The name of the lead's LeadConversation object: its conversation key, or for a row written
 * before keys existed (or outside the app) its number, else its BSUID.
 */
export function conversationKeyOf(lead: LeadIdentity): string {
  return lead.conversationKey ?? lead.phoneE164 ?? lead.bsuid ?? lead.id;
}
