/**
 * The WhatsApp message templates: every message that may reach someone outside their 24-hour
 * customer-service window names one of these. Meta must approve each (name, language, category,
 * body with numbered parameters) before it can be sent; the README lists them for submission
 * (a test keeps that list in step with this table). Inside the window the free-text version (the
 * `previewKey` copy, or the richer message the engine builds) is sent instead.
 *
 * A studio may have had a template approved under another name: WHATSAPP_TEMPLATE_NAMES maps a
 * key here to that name, and the configuration refuses keys this table does not have.
 */
import type { CopyKey } from "./copy.ts";

export type TemplateCategory = "UTILITY" | "MARKETING";

export interface TemplateSpec {
  /** The default name submitted to Meta (lower-case letters, digits and underscores). */
  name: string;
  category: TemplateCategory;
  /** What each numbered parameter ({{1}}, {{2}}…) holds, in order. */
  params: readonly string[];
  /** The body to submit, in the copy catalogue ({1}… stand for Meta's {{1}}…). */
  previewKey: CopyKey;
  /** Who it goes to. */
  audience: "client" | "artist";
  /**
   * URL buttons to submit with the template, in order: the label and the URL, whose `{{1}}` at
   * the end is filled per send (an action token: the artist acts in one tap outside the window).
   */
  urlButtons?: readonly { label: string; url: string }[];
  /**
   * Quick-reply buttons to submit with the template, in order: the label, and the payload each
   * send fills in (what the client's tap brings back as the reply's id).
   */
  quickReplies?: readonly { label: string; id: string }[];
  /** A URL button with a fixed URL (set when the template is submitted, e.g. the studio's review page). */
  staticUrlButton?: { label: string; url: string };
}

export const TEMPLATES = {
  /** Any reply the client is owed after their window closed (the generic fallback). */
  update: {
    name: "inkline_update",
    category: "UTILITY",
    params: ["client first name", "artist name"],
    previewKey: "template.update",
    audience: "client",
  },
  /** The artist is told something waits for them in the inbox (their own window closed). */
  artist_alert: {
    name: "inkline_update",
    category: "UTILITY",
    params: ["artist name", "what needs attention"],
    previewKey: "template.artist_alert",
    audience: "artist",
  },
  /** A consultation gone quiet: the client is invited to carry on where they were. */
  consultation_nudge: {
    name: "inkline_consultation_nudge",
    category: "UTILITY",
    params: ["client first name", "artist name"],
    previewKey: "template.consultation_nudge",
    audience: "client",
  },
  /** The artist has not answered in days: the client is told their enquiry is still with them. */
  holding_update: {
    name: "inkline_holding_update",
    category: "UTILITY",
    params: ["client first name", "artist name"],
    previewKey: "template.holding_update",
    audience: "client",
  },
  /** The deposit link lapses soon. */
  deposit_reminder: {
    name: "inkline_deposit_reminder",
    category: "UTILITY",
    params: ["client first name", "artist name", "hours left"],
    previewKey: "template.deposit_reminder",
    audience: "client",
  },
  /** The deposit for a held slot arrived after the client's window closed: the booking is confirmed. */
  booking_confirmed: {
    name: "inkline_booking_confirmed",
    category: "UTILITY",
    params: ["client first name", "artist name", "date and time"],
    previewKey: "template.booking_confirmed",
    audience: "client",
  },
  /** 48 h / 2 h before the session, the client's window closed: with the reminder's two reply buttons. */
  appointment_reminder: {
    name: "inkline_appointment_reminder",
    category: "UTILITY",
    params: ["client first name", "artist name", "date and time"],
    previewKey: "template.appointment_reminder",
    audience: "client",
    quickReplies: [
      { label: "See you then", id: "booked:confirm" },
      { label: "I need to change it", id: "booked:change" },
    ],
  },
  /** Aftercare after the session, the client's window closed: they reply to get the instructions. */
  aftercare: {
    name: "inkline_aftercare",
    category: "UTILITY",
    params: ["client first name", "artist name"],
    previewKey: "template.aftercare",
    audience: "client",
  },
  /** The day-3 check-in, the client's window closed. */
  aftercare_check_in: {
    name: "inkline_aftercare_check_in",
    category: "UTILITY",
    params: ["client first name", "artist name"],
    previewKey: "template.aftercare_check_in",
    audience: "client",
  },
  /** The healed-photo request (and touch-up offer), the client's window closed. */
  healed_photo: {
    name: "inkline_healed_photo",
    category: "UTILITY",
    params: ["client first name", "artist name"],
    previewKey: "template.healed_photo",
    audience: "client",
  },
  /** The review request, the client's window closed: a URL button to the studio's review page. */
  review_request: {
    name: "inkline_review_request",
    category: "MARKETING",
    params: ["client first name", "artist name"],
    previewKey: "template.review_request",
    audience: "client",
    staticUrlButton: { label: "Leave a review", url: "{STUDIO_REVIEW_URL}" },
  },
  /** A freed slot offered to a waiting client after their window closed (freed-slots.ts); they reply YES or NO. */
  freed_slot_offer: {
    name: "inkline_freed_slot_offer",
    category: "UTILITY",
    params: ["client first name", "artist name", "date and time", "offer ends"],
    previewKey: "template.freed_slot_offer",
    audience: "client",
  },
  /** The artist approved after the client's window closed: the consent step begins with their date of birth. */
  consent_request: {
    name: "inkline_consent_request",
    category: "UTILITY",
    params: ["client first name", "artist name"],
    previewKey: "template.consent_request",
    audience: "client",
  },
  /** A client stopped part-way through the consent step and their window has closed: a nudge to carry on. */
  consent_nudge: {
    name: "inkline_consent_nudge",
    category: "UTILITY",
    params: ["client first name", "artist name"],
    previewKey: "template.consent_nudge",
    audience: "client",
  },
  /** The booked session was cancelled or moved by the artist, or marked a no-show, after the client's window closed. */
  booking_changed: {
    name: "inkline_booking_changed",
    category: "UTILITY",
    params: ["client first name", "artist name", "what changed"],
    previewKey: "template.booking_changed",
    audience: "client",
  },
  /**
   * The artist's notice with action buttons, when their own 24-hour window is closed: each URL
   * button carries a one-tap token as its dynamic suffix (the same token as a reply button's).
   */
  artist_actions: {
    name: "inkline_artist_actions",
    category: "UTILITY",
    params: ["client name"],
    previewKey: "template.artist_actions",
    audience: "artist",
    urlButtons: [
      { label: "Approve", url: "{PUBLIC_BASE_URL}/a#{{1}}" },
      { label: "Reject", url: "{PUBLIC_BASE_URL}/a#{{1}}" },
    ],
  },
  /**
   * Any other artist notice with action buttons (a handover, a payment, a reminder), when their
   * window is closed: one URL button carrying the notice's first action's token (its page says
   * what the action is); the rest wait in the inbox.
   */
  artist_action: {
    name: "inkline_artist_action",
    category: "UTILITY",
    params: ["client name"],
    previewKey: "template.artist_action",
    audience: "artist",
    urlButtons: [{ label: "Open", url: "{PUBLIC_BASE_URL}/a#{{1}}" }],
  },
} as const satisfies Record<string, TemplateSpec>;

export type TemplateKey = keyof typeof TEMPLATES;
export const TEMPLATE_KEYS = Object.keys(TEMPLATES) as TemplateKey[];

/** Meta's rule for template names. */
export const TEMPLATE_NAME_PATTERN = /^[a-z0-9_]{1,512}$/;

/** The name to send for `key`: the studio's own approved name when configured, else the default. */
export function templateName(key: TemplateKey, overrides: Readonly<Partial<Record<TemplateKey, string>>> = {}): string {
  return overrides[key] ?? TEMPLATES[key].name;
}

export function isTemplateKey(value: string): value is TemplateKey {
  return Object.hasOwn(TEMPLATES, value);
}
