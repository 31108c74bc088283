/**
 * The artist's one-tap links. A link is `/a#<token>`: the token sits in the fragment, which
 * browsers never send, so it reaches no request log. GET /a is the same page for every link (and
 * all a link preview sees); its one script posts the token in the body (step "review"), which
 * shows what the action will do and changes nothing; Confirm posts it again (step "confirm") and
 * runs the action through the lead's Durable Object, in turn with the client's messages.
 *
 * Links sent before that (`/a/<token>`, valid for up to 7 days) still work: GET shows the same
 * confirmation (its form posts the token in the body to /a), and a POST to them still runs.
 *
 * A token that is unknown (or altered), already used, expired, meant for another lead, or whose
 * lead has moved to a status the action does not apply to gets a page saying which, and nothing
 * changes. The object checks the token again when the action runs: this route's check only
 * chooses the page.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { findActionToken } from "../../db/action-tokens.ts";
import { findLead } from "../../db/admin-store.ts";
import { ACTION_TOKEN_PATTERN, checkActionToken, type ActionRefusal, type ArtistAction } from "../../domain/artist-actions.ts";
import { formatDateTime } from "../../domain/format.ts";
import { asLeadStatus } from "../../domain/state-machine.ts";
import type { Lead } from "../../db/schema.ts";
import type { Database } from "../../db/client.ts";
import { sha256Base64, sha256Hex } from "../../lib/crypto.ts";
import { actOnLead, FormReason } from "../artist-action.ts";
import { withDatabase, type DbEnv } from "../database.ts";
import { answerRows, clientContact, clientName, depositLine, estimateLine, refundLine, statusLabel } from "../lead-view.ts";
import { rateLimit } from "../rate-limit.ts";
import {
  cancelledPage,
  confirmPage,
  donePage,
  OPENER_SCRIPT,
  openerPage,
  pageCopy as t,
  queuedPage,
  refusalPage,
  type LeadCard,
  type RefusalPage,
} from "./pages.ts";
import { formBodyLimit } from "../form-limit.ts";
import { privatePageHeaders } from "../private-page.ts";

/** Requests per minute per client IP to /a/: far more than a person taps, far too few to guess. */
export const ACTION_RATE_LIMIT = { limit: 30, windowMs: 60_000 } as const;

const ANSWER_CHARS = 160;

const ConfirmForm = z.object({
  lead_id: z.uuid(),
  reason: FormReason,
});

/** A POST to /a: which step, and the token the opener moved out of the fragment. */
const TokenForm = z.object({
  step: z.enum(["review", "confirm"]),
  token: z.string().max(100),
});

/** The string fields of a posted form (a file field is not one of ours). */
async function formFields(c: Context<DbEnv>): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await c.req.parseBody()).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

const BASE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
let openerCsp: Promise<string> | undefined;

/** The opener page's policy: the base one plus its single inline script, by hash. */
function openerPolicy(): Promise<string> {
  openerCsp ??= sha256Base64(OPENER_SCRIPT).then((hash) => `${BASE_CSP}; script-src 'sha256-${hash}'`);
  return openerCsp;
}

async function leadCard(db: Database, lead: Lead): Promise<LeadCard & { id: string }> {
  return {
    id: lead.id,
    clientName: clientName(lead),
    phone: clientContact(lead),
    status: statusLabel(lead.status),
    estimate: estimateLine(lead),
    answers: await answerRows(db, lead.id, ANSWER_CHARS),
  };
}

const REFUSAL_STATUS = {
  unknown_token: 404,
  wrong_lead: 409,
  used: 410,
  expired: 410,
  wrong_status: 409,
  duplicate: 409,
  no_deposit: 409,
  payments_off: 503,
  calendar_off: 409,
  wrong_time: 409,
  no_booking: 409,
  nothing_to_change: 409,
  not_refundable: 409,
  payment_provider: 502,
  rate_limited: 429,
  invalid_form: 400,
  too_large: 413,
} as const satisfies Record<RefusalPage, number>;

function refuse(c: Context<DbEnv>, reason: RefusalPage, params: Record<string, string | number> = {}): Response | Promise<Response> {
  return c.html(refusalPage(reason, params), REFUSAL_STATUS[reason]);
}

type Inspected =
  | { ok: true; tokenHash: string; action: ArtistAction; lead: Lead }
  | { ok: false; page: Response | Promise<Response> };

/** Finds the token and its lead and judges it now; a refusal comes back as its page. */
async function inspect(c: Context<DbEnv>, token: string): Promise<Inspected> {
  const db = c.get("db");
  if (!ACTION_TOKEN_PATTERN.test(token)) return { ok: false, page: refuse(c, "unknown_token") };
  const tokenHash = await sha256Hex(token);
  const found = await findActionToken(db, tokenHash);
  const lead = found ? await findLead(db, found.token.leadId) : undefined;
  if (!found || !lead) return { ok: false, page: refuse(c, "unknown_token") };
  const status = asLeadStatus(lead.status);
  const check = status ? checkActionToken(found.token, { id: lead.id, status }, new Date()) : ({ ok: false, reason: "wrong_status" } as const);
  if (!check.ok) return { ok: false, page: refusalFor(c, check.reason, found.token.action, lead, found.token.usedAt) };
  return { ok: true, tokenHash, action: check.action, lead };
}

function refusalFor(c: Context<DbEnv>, reason: ActionRefusal | "queued", action: string, lead: Lead, usedAt: Date | string | null | undefined) {
  if (reason === "queued") return c.html(queuedPage(), 202);
  const params: Record<string, string | number> = {
    clientName: clientName(lead),
    status: statusLabel(lead.status),
    action: t(`action.label.${action as ArtistAction}`),
    ttlHours: c.get("config").ACTION_TOKEN_TTL_HOURS,
    usedAt: usedAt ? formatDateTime(new Date(usedAt)) : "",
  };
  return refuse(c, reason, params);
}

/** The confirmation page for a token (GET of an old link, or the review step). */
async function review(c: Context<DbEnv>, token: string): Promise<Response> {
  const inspected = await inspect(c, token);
  if (!inspected.ok) return inspected.page;
  const { action, lead } = inspected;
  return c.html(confirmPage(action, await leadCard(c.get("db"), lead), { deposit: depositLine(lead), refund: refundLine(lead) }, token));
}

/** Runs the action of a token with the confirmation form's fields, and says what happened. */
async function confirm(c: Context<DbEnv>, token: string, fields: Record<string, string>): Promise<Response> {
  const inspected = await inspect(c, token);
  if (!inspected.ok) return inspected.page;
  const { action, lead, tokenHash } = inspected;
  const form = ConfirmForm.safeParse(fields);
  if (!form.success) return invalidForm(c, form.error);
  // The page was shown for one lead; a token that is not that lead's runs nothing.
  if (form.data.lead_id !== lead.id) return refuse(c, "wrong_lead");
  const outcome = await actOnLead(
    c.env.LEAD_CONVERSATION,
    lead,
    { action, reason: form.data.reason, via: "link", eventId: `link:${crypto.randomUUID()}`, tokenHash },
    c.get("correlationId"),
  );
  c.get("log").info("action_link.used", { lead_id: lead.id, action, ok: outcome.ok, reason: outcome.ok ? null : outcome.reason });
  if (outcome.ok) return c.html(donePage(action, clientName(lead)));
  // Refused inside the object (a double tap, the lead moved on meanwhile): say why, with the lead as it is now.
  const now = (await findLead(c.get("db"), lead.id)) ?? lead;
  return refusalFor(c, outcome.reason, action, now, "usedAt" in outcome ? outcome.usedAt : null);
}

function invalidForm(c: Context<DbEnv>, error: z.ZodError): Response | Promise<Response> {
  const issue = error.issues[0];
  return refuse(c, "invalid_form", { field: issue?.path.join(".") || "form", message: issue?.message ?? "invalid" });
}

export const actionLinks = new Hono<DbEnv>()
  .use(
    "*",
    rateLimit({ scope: "actions", ...ACTION_RATE_LIMIT, refuse: (c, _retryAfter) => c.html(refusalPage("rate_limited"), 429) }),
  )
  // The token is a capability: never cached, never sent on as a referrer, never framed or indexed.
  .use("*", privatePageHeaders(BASE_CSP, { denyFrames: true }))
  .use("*", formBodyLimit((c, limitKb) => c.html(refusalPage("too_large", { limitKb }), 413)))
  .get("/cancelled", (c) => c.html(cancelledPage()))
  // No token and no database: the page is the same for every link, and a preview learns nothing.
  .get("/", async (c) => {
    c.header("Content-Security-Policy", await openerPolicy());
    return c.html(openerPage());
  })
  .post("/", withDatabase, async (c) => {
    const fields = await formFields(c);
    const posted = TokenForm.safeParse(fields);
    if (!posted.success) return invalidForm(c, posted.error);
    return posted.data.step === "review" ? review(c, posted.data.token) : confirm(c, posted.data.token, fields);
  })
  // Links sent before the token moved into the fragment.
  .use("/:token", withDatabase)
  .get("/:token", (c) => review(c, c.req.param("token")))
  .post("/:token", async (c) => confirm(c, c.req.param("token"), await formFields(c)));
