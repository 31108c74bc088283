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
