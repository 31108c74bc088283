/**
 * The admin API's schemas: the single source for request validation (validate.ts) and for the
 * OpenAPI document (openapi.ts). Each route is listed once in {@link ADMIN_ROUTES} with the schemas
 * it parses, so the document cannot drift from what the handlers accept.
 */
import { z } from "zod";
import { ArtistAction } from "../../domain/artist-actions.ts";
import { AvailabilityRules } from "../../domain/availability.ts";
import { StudioPolicy } from "../../domain/studio-policy.ts";
import { BOOKING_STATUSES } from "../../domain/booking.ts";
import { LeadStatus } from "../../domain/lead-status.ts";
import { decodeCursor } from "../../db/admin-store.ts";
import { SLOT_OFFER_OUTCOMES } from "../../db/schema.ts";

export const LeadIdParams = z.object({ id: z.uuid().describe("The lead's id") });

export const ArtistIdParams = z.object({ id: z.uuid().describe("The artist's id") });

/**
 * The studio's whole policy (replaces the stored one); see src/domain/studio-policy.ts. A policy
 * that contradicts itself (a credit that expires before the cancellation notice) is a 400 naming
 * the field, like any other bad value.
 */
export const PolicyBody = StudioPolicy;

/** The whole rule set (replaces the stored one); see src/domain/availability.ts. */
export const AvailabilityBody = AvailabilityRules;

/** The hour of the artist's morning digest (their own zone), or null for ARTIST_DIGEST_HOUR. */
export const DigestHourBody = z.strictObject({
  digest_hour: z
    .number()
    .int("must be a whole hour")
    .min(0, "must be an hour from 0 to 23, or null to use ARTIST_DIGEST_HOUR")
    .max(23, "must be an hour from 0 to 23, or null to use ARTIST_DIGEST_HOUR")
    .nullable()
    .describe("The hour (0–23, in the artist's time zone) the morning digest is sent; null uses ARTIST_DIGEST_HOUR"),
});

export const BookingListQuery = z.object({
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("Only bookings not over by this moment (ISO 8601 with Z or an offset); omitted: now"),
  status: z
    .enum(BOOKING_STATUSES)
    .optional()
    .describe("Only bookings in this status; omitted: HELD and CONFIRMED (the ones that occupy the artist's time)"),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe("Rows at most"),
});

export const BookingResponse = z.object({
  id: z.uuid(),
  artist_id: z.uuid(),
  lead_id: z.uuid(),
  status: z.enum(BOOKING_STATUSES),
  starts_at: z.iso.datetime(),
  ends_at: z.iso.datetime(),
  blocked_until: z.iso.datetime().describe("The end of the buffer after the session: the slot is blocked until then"),
  hold_expires_at: z.iso.datetime().nullable().describe("While HELD: when the hold lapses unless the deposit is paid"),
  calendar_event_id: z.string().nullable(),
  client_name: z.string().nullable().describe("The client's display name"),
});

export const BookingListResponse = z.object({
  artist_id: z.uuid(),
  time_zone: z.string().describe("The artist's IANA zone, in which their sessions are shown"),
  from: z.iso.datetime(),
  bookings: z.array(BookingResponse),
});

/** The freed interval whose offers are listed: the time a cancel or a move freed (slot_offers.freed_start/end). */
export const FreedOffersQuery = z
  .object({
    freed_start: z.iso.datetime({ offset: true }).describe("Start of the freed time (ISO 8601 with Z or an offset)"),
    freed_end: z.iso.datetime({ offset: true }).describe("End of the freed time (its buffer included, as freed)"),
    limit: z.coerce.number().int().min(1).max(500).default(100).describe("Rows at most"),
  })
  .refine((q) => Date.parse(q.freed_end) > Date.parse(q.freed_start), { path: ["freed_end"], message: "must be after freed_start" });

export const FreedOfferResponse = z.object({
  id: z.uuid(),
  lead_id: z.uuid(),
  client_name: z.string().nullable().describe("The client's display name"),
  slot_start: z.iso.datetime().describe("The session offered (inside the freed time)"),
  slot_end: z.iso.datetime(),
  offered_at: z.iso.datetime(),
  deadline: z.iso.datetime().describe("The client's answer was due by then; after it the time goes to the next client"),
  outcome: z.enum(SLOT_OFFER_OUTCOMES).describe("OFFERED (open), ACCEPTED, DECLINED, LOST (someone else held it first), LAPSED (no answer by the deadline), SKIPPED"),
  answered_at: z.iso.datetime().nullable(),
});

export const FreedOffersResponse = z.object({
  artist_id: z.uuid(),
  time_zone: z.string(),
  freed_start: z.iso.datetime(),
  freed_end: z.iso.datetime(),
  offers: z.array(FreedOfferResponse).describe("One client at a time, oldest first"),
});

export const LeadListQuery = z.object({
  status: z.enum(LeadStatus).optional().describe("Only leads in this status"),
  q: z.string().trim().min(1).max(100).optional().describe("Search: part of the number (3+ digits) or of the client's name"),
  cursor: z
    .string()
    .max(200)
    .refine((v) => decodeCursor(v) !== null, "not a cursor returned by this API")
    .optional()
    .describe("next_cursor of the previous page"),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe("Page size"),
});

/** Actions without parameters take an empty body (or none). */
export const EmptyBody = z.strictObject({});

export const RejectBody = z.strictObject({
  reason: z.string().trim().min(1).max(500).describe("Why (kept for the artist's records, never sent to the client)"),
});

export const RefundBody = z.strictObject({
  reason: z.string().trim().min(1).max(500).describe("Why (kept in the ledger for the artist's records, never sent to the client or Stripe)"),
  amount_minor: z.int().positive().optional().describe("How much, in minor units (pence); omitted: everything still refundable"),
});

export const CancelBody = z.strictObject({
  reason: z.string().trim().min(1).max(500).optional().describe("Why (kept in the ledger and the event for the artist's records)"),
});

export const NoShowBody = z.strictObject({
  reason: z.string().trim().min(1).max(500).optional().describe("A note for the artist's records"),
});

export const OverrideBody = z.strictObject({
  fate: z.enum(["credit", "forfeit", "refund"]).describe("The deposit's new outcome: kept as credit (expiring by the policy), kept by the studio, or refunded"),
  reason: z.string().trim().min(3).max(500).describe("Why the outcome changes (recorded in the ledger and the event)"),
});

export const NoteBody = z.strictObject({
  body: z.string().trim().min(1).max(5000),
  author: z.string().trim().min(1).max(80).default("admin"),
});

export const PanicBody = z.strictObject({
  on: z.boolean().describe("true: no automatic replies to clients (one holding reply a day), the artist told of every message"),
  reason: z.string().trim().min(1).max(500).optional().describe("Why (kept with the switch, for the studio's records)"),
});

export const FunnelQuery = z.object({
  days: z.coerce.number().int().min(1).max(365).default(30).describe("The period: the last N days"),
});

export const EventsQuery = z.object({
  type: z
    .string()
    .regex(/^[a-z0-9_.]{1,100}$/, "must be an event type like lead.transition")
    .optional(),
  lead_id: z.uuid().optional(),
  before: z.coerce.number().int().positive().optional().describe("Only events older than this id (the next page)"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Optional on action requests: a retry with the same key gets the first answer and changes nothing more. */
export const JobsQuery = z.object({
  hours: z.coerce.number().int().min(1).max(168).default(24).describe("How far ahead to list upcoming timers (hours)"),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe("Rows per list at most"),
});

export const SheetsResyncBody = z.strictObject({
  lead_id: z.uuid().optional().describe("The lead to write again; omitted: every lead"),
});

export const SheetsResyncResponse = z.object({
  marked: z.int().describe("Leads marked for a rewrite"),
  lead_id: z.uuid().nullable(),
});

export const DeadLetterParams = z.object({ id: z.coerce.number().int().positive().describe("The dead letter's id") });

export const ActionHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{8,128}$/, "must be 8-128 letters, digits or _.:-")
    .optional(),
});

export const ErrorResponse = z.object({
  error: z.string(),
  field: z.string().optional(),
  message: z.string().optional(),
});

export const ActionResponse = z.object({
  ok: z.boolean(),
  action: z.enum(ArtistAction),
  lead_id: z.uuid(),
  from: z.enum(LeadStatus).optional(),
  status: z.enum(LeadStatus).nullable(),
  reason: z.string().optional(),
});

/** Admin action endpoints: path segment → the artist action it runs (and its body). */
export const ACTION_ROUTES = [
  { segment: "approve", action: "approve", body: EmptyBody },
  { segment: "reject", action: "reject", body: RejectBody },
  { segment: "send-deposit", action: "send_deposit", body: EmptyBody },
  { segment: "send-booking-link", action: "send_booking_link", body: EmptyBody },
  { segment: "mark-booked", action: "mark_booked", body: EmptyBody },
  { segment: "resume", action: "resume", body: EmptyBody },
  { segment: "refund", action: "refund", body: RefundBody },
  { segment: "offer-slots", action: "offer_slots", body: EmptyBody },
  { segment: "cancel-booking", action: "cancel_booking", body: CancelBody },
  { segment: "cancel-refund", action: "cancel_refund", body: CancelBody },
  { segment: "allow-move", action: "allow_move", body: EmptyBody },
  { segment: "mark-no-show", action: "mark_no_show", body: NoShowBody },
  { segment: "override-deposit", action: "override_deposit", body: OverrideBody },
] as const satisfies readonly { segment: string; action: ArtistAction; body: z.ZodType }[];

export interface RouteSpec {
  method: "get" | "post" | "put";
  /** Hono syntax (`:id`); openapi.ts turns it into `{id}`. */
  path: string;
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** Status → what it means (and its schema, when the body has a fixed shape). */
  responses: Record<number, { doc: string; schema?: z.ZodType }>;
}

const errors = {
  400: { doc: "A path parameter, query or body field is invalid (`field` names it)", schema: ErrorResponse },
  401: { doc: "X-Admin-API-Key is missing or wrong", schema: ErrorResponse },
  429: { doc: "Too many requests from this address; see Retry-After", schema: ErrorResponse },
};

export const ADMIN_ROUTES: readonly RouteSpec[] = [
  {
    method: "get",
    path: "/admin/leads",
    summary: "Leads, newest first: filter by status, search by number or name, cursor pagination",
    query: LeadListQuery,
    responses: { 200: { doc: "A page of leads and next_cursor (null on the last page)" }, ...errors },
  },
  {
    method: "get",
    path: "/admin/leads/:id",
    summary: "A lead: answers (latest wins), estimate, deposit (link, payment, ledger of payments and refunds), attachments, events, notes",
    params: LeadIdParams,
    responses: { 200: { doc: "The lead" }, 404: { doc: "No such lead", schema: ErrorResponse }, ...errors },
  },
  {
    method: "get",
    path: "/admin/leads/:id/debug",
    summary: "A lead's raw state: row, every answer, handover packet, outbox, and its Durable Object's inbox",
    params: LeadIdParams,
    responses: { 200: { doc: "The lead's state" }, 404: { doc: "No such lead", schema: ErrorResponse }, ...errors },
  },
  {
    method: "post",
    path: "/admin/leads/:id/notes",
    summary: "Adds a note to a lead",
    params: LeadIdParams,
    body: NoteBody,
    responses: { 201: { doc: "The note" }, 404: { doc: "No such lead", schema: ErrorResponse }, ...errors },
  },
  ...ACTION_ROUTES.map(
    ({ segment, action, body }): RouteSpec => ({
      method: "post",
      path: `/admin/leads/:id/${segment}`,
      summary: `Runs "${action}" on the lead, in turn with its messages (through the lead's Durable Object)`,
      params: LeadIdParams,
      headers: ActionHeaders,
      body,
      responses: {
        200: { doc: "Applied", schema: ActionResponse },
        202: { doc: "Queued behind a retry; applied in turn", schema: ActionResponse },
        404: { doc: "No such lead", schema: ErrorResponse },
        409: { doc: "Refused, nothing changed: the status does not allow it, no deposit quoted, nothing left to refund (`reason`)", schema: ActionResponse },
        502: { doc: "Stripe refused the request (nothing changed; the reason is in the lead's events)", schema: ActionResponse },
        503: { doc: "Online payments are not configured (Stripe keys or PUBLIC_BASE_URL)", schema: ActionResponse },
        ...errors,
      },
    }),
  ),
  {
    method: "get",
    path: "/admin/panic",
    summary: "The panic switch (on, since, reason, who flipped it) and the leads that wrote since it was turned on",
    responses: { 200: { doc: "The switch and the held leads" }, ...errors },
  },
  {
    method: "post",
    path: "/admin/panic",
    summary: "Turns the panic switch on or off (every lead sees it within a few seconds; nothing is replayed when it goes off)",
    body: PanicBody,
    responses: { 200: { doc: "The switch as stored, and the held leads" }, ...errors },
  },
  {
    method: "get",
    path: "/admin/funnel",
    summary: "Leads entering each stage in the last N days, and the conversion between stages",
    query: FunnelQuery,
    responses: { 200: { doc: "The funnel" }, ...errors },
  },
  {
    method: "get",
    path: "/admin/events",
    summary: "System events, newest first, by type and lead",
    query: EventsQuery,
    responses: { 200: { doc: "Events" }, ...errors },
  },
  {
    method: "get",
    path: "/admin/jobs",
    summary: "Timers due now and in the next hours, fired lately, and the jobs queue's dead letters (replayable)",
    query: JobsQuery,
    responses: { 200: { doc: "Due, upcoming, fired and dead-lettered jobs" }, ...errors },
  },
  {
    method: "post",
    path: "/admin/jobs/dead-letters/:id/replay",
    summary: "Sends a dead-lettered job to the jobs queue again (once: a replayed letter is not replayed twice)",
    params: DeadLetterParams,
    body: EmptyBody,
    responses: {
      202: { doc: "Sent to the jobs queue again" },
      404: { doc: "No such dead letter", schema: ErrorResponse },
      409: { doc: "Already replayed, or it fails the job schema (replaying cannot help)", schema: ErrorResponse },
      ...errors,
    },
  },
  {
    method: "get",
    path: "/admin/sheets",
    summary: "The Google Sheets mirror: on or off, rows waiting for a write, the writer's back-off or permanent failure",
    responses: { 200: { doc: "The mirror's state" }, ...errors },
  },
  {
    method: "post",
    path: "/admin/sheets/resync",
    summary: "Writes one lead's row again, or every lead's (each on the row it already has; a permanent failure's pause ends)",
    body: SheetsResyncBody,
    responses: {
      202: { doc: "Marked, and a forced flush is on the jobs queue", schema: SheetsResyncResponse },
      404: { doc: "No such lead", schema: ErrorResponse },
      409: { doc: "The Sheets mirror is off (FEATURE_SHEETS, GOOGLE_SHEETS_SPREADSHEET_ID or the service account)", schema: ErrorResponse },
      ...errors,
    },
  },
  {
    method: "get",
    path: "/admin/artists",
    summary: "Artists (the default one, made from the config on first use) with their availability rules",
    responses: { 200: { doc: "Every artist" }, ...errors },
  },
  {
    method: "get",
    path: "/admin/artists/:id",
    summary: "An artist and their availability rules",
    params: ArtistIdParams,
    responses: { 200: { doc: "The artist" }, 404: { doc: "No such artist", schema: ErrorResponse }, ...errors },
  },
  {
    method: "put",
    path: "/admin/artists/:id/availability",
    summary: "Replaces an artist's availability rules: zone, weekly hours, breaks, days off, holidays, buffer, notice, horizon, day cap, session lengths",
    params: ArtistIdParams,
    body: AvailabilityBody,
    responses: { 200: { doc: "The artist with the new rules" }, 404: { doc: "No such artist", schema: ErrorResponse }, ...errors },
  },
  {
    method: "put",
    path: "/admin/artists/:id/digest-hour",
    summary: "Sets the hour of the artist's morning WhatsApp digest (0–23 in their zone), or null for ARTIST_DIGEST_HOUR",
    params: ArtistIdParams,
    body: DigestHourBody,
    responses: { 200: { doc: "The artist with the new digest hour" }, 404: { doc: "No such artist", schema: ErrorResponse }, ...errors },
  },
  {
    method: "get",
    path: "/admin/artists/:id/policy",
    summary: "The artist's studio policy as it applies (the default until they write one; `written` says which)",
    params: ArtistIdParams,
    responses: { 200: { doc: "The policy" }, 404: { doc: "No such artist", schema: ErrorResponse }, ...errors },
  },
  {
    method: "put",
    path: "/admin/artists/:id/policy",
    summary:
      "Replaces the artist's studio policy: cancellation notice, free reschedules, the deposit's fate in each case, credit expiry, minimum age, medical questions, touch-up window. Writing one turns on the consent step before the deposit",
    params: ArtistIdParams,
    body: PolicyBody,
    responses: { 200: { doc: "The policy as stored" }, 404: { doc: "No such artist", schema: ErrorResponse }, ...errors },
  },
  {
    method: "get",
    path: "/admin/artists/:id/bookings",
    summary: "An artist's bookings and holds not over by `from` (default now), soonest first, by status (default HELD and CONFIRMED)",
    params: ArtistIdParams,
    query: BookingListQuery,
    responses: {
      200: { doc: "The bookings, with the artist's zone", schema: BookingListResponse },
      404: { doc: "No such artist", schema: ErrorResponse },
      ...errors,
    },
  },
  {
    method: "get",
    path: "/admin/artists/:id/freed-offers",
    summary: "The offers of one freed time (a cancelled or moved booking's), one waiting client at a time: who, which session, the deadline and the outcome",
    params: ArtistIdParams,
    query: FreedOffersQuery,
    responses: {
      200: { doc: "The offers, oldest first, with the artist's zone", schema: FreedOffersResponse },
      404: { doc: "No such artist, or no offer of this freed time (`error`: not_found or no_offers)", schema: ErrorResponse },
      ...errors,
    },
  },
  {
    method: "get",
    path: "/admin/leads/:id/booking",
    summary: "The lead's hold or booking (HELD or CONFIRMED), with the client's name",
    params: LeadIdParams,
    responses: {
      200: { doc: "The hold or booking", schema: BookingResponse },
      404: { doc: "No such lead, or the lead holds no slot and has no booking (`error` says which)", schema: ErrorResponse },
      ...errors,
    },
  },
  {
    method: "get",
    path: "/admin/openapi.json",
    summary: "This document",
    responses: { 200: { doc: "OpenAPI 3.1" }, 401: errors[401] },
  },
];
