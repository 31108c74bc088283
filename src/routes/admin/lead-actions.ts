/**
 * POST /admin/leads/:id/{approve,reject,send-deposit,send-booking-link,mark-booked,resume,refund,offer-slots,
 * cancel-booking,cancel-refund,allow-move,mark-no-show,override-deposit}: the
 * artist's actions from the API, queued in the lead's Durable Object like any client message and
 * answered once the object has applied (or refused) them.
 */
import { Hono } from "hono";
import { findLead } from "../../db/admin-store.ts";
import type { ActionOutcome, ArtistAction } from "../../domain/artist-actions.ts";
import { actOnLead } from "../artist-action.ts";
import type { AdminEnv } from "./context.ts";
import { ACTION_ROUTES, ActionHeaders, LeadIdParams } from "./schemas.ts";
import { valid } from "./validate.ts";

/** HTTP status for an outcome: applied 200, queued 202, Stripe refused 502, payments off 503, refused 409. */
function statusFor(outcome: ActionOutcome): 200 | 202 | 409 | 502 | 503 {
  if (outcome.ok) return 200;
  if (outcome.reason === "queued") return 202;
  if (outcome.reason === "payment_provider") return 502;
  return outcome.reason === "payments_off" ? 503 : 409;
}

function bodyFor(outcome: ActionOutcome, leadId: string) {
  if (outcome.ok) return { ok: true, action: outcome.action, lead_id: leadId, from: outcome.from, status: outcome.to };
  return { ok: false, action: outcome.action, lead_id: leadId, reason: outcome.reason, status: outcome.status };
}

export const adminLeadActions = new Hono<AdminEnv>();

for (const route of ACTION_ROUTES) {
  adminLeadActions.post(
    `/:id/${route.segment}`,
    valid("param", LeadIdParams),
    valid("header", ActionHeaders),
    valid("json", route.body),
    async (c) => {
      const { id } = c.req.valid("param");
      const body: Record<string, unknown> = c.req.valid("json");
      const lead = await findLead(c.get("db"), id);
      if (!lead) return c.json({ error: "not_found", message: "no lead with this id" }, 404);
      const key = c.req.valid("header")["idempotency-key"] ?? crypto.randomUUID();
      const action: ArtistAction = route.action;
      const outcome = await actOnLead(
        c.env.LEAD_CONVERSATION,
        lead,
        {
          action,
          reason: typeof body.reason === "string" ? body.reason : null,
          amountMinor: typeof body.amount_minor === "number" ? body.amount_minor : null,
          fate: body.fate === "credit" || body.fate === "forfeit" || body.fate === "refund" ? body.fate : null,
          via: "admin",
          eventId: `admin:${key}`,
        },
        c.get("correlationId"),
      );
      c.get("log").info("admin.action", { lead_id: lead.id, action, ok: outcome.ok, reason: outcome.ok ? null : outcome.reason });
      return c.json(bodyFor(outcome, lead.id), statusFor(outcome));
    },
  );
}
