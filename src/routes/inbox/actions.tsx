/**
 * POST /inbox/leads/:id/actions/:action: an action from the lead page, run through the lead's
 * Durable Object exactly like a one-tap link or the admin API (routes/artist-action.ts), then
 * back to the lead page with what happened (Post/Redirect/Get, so a reload never repeats it).
 * The session and CSRF checks run before this handler (index.ts).
 */
import { Hono } from "hono";
import { z } from "zod";
import { findLead } from "../../db/admin-store.ts";
import { ArtistAction } from "../../domain/artist-actions.ts";
import { LeadIdParams } from "../admin/schemas.ts";
import { actOnLead, FormReason } from "../artist-action.ts";
import { artistCopy as t } from "../lead-view.ts";
import { MessagePage } from "./layout.tsx";
import type { InboxEnv } from "./session.tsx";

const ActionParams = LeadIdParams.extend({ action: z.enum(ArtistAction) });

const ActionForm = z.object({
  /** Rendered into the form: a resubmitted form is the same request (refused as a duplicate). */
  request_id: z.uuid(),
  reason: FormReason,
  /** override_deposit only: the deposit's new outcome. */
  fate: z.enum(["credit", "forfeit", "refund"]).optional(),
});

export const inboxActions = new Hono<InboxEnv>().post("/:id/actions/:action", async (c) => {
  const csrf = c.get("csrf");
  const params = ActionParams.safeParse(c.req.param());
  const lead = params.success ? await findLead(c.get("db"), params.data.id) : undefined;
  if (!params.success || !lead) return c.html(<MessagePage title={t("inbox.not_found.title")} body={t("inbox.not_found.body")} csrf={csrf} />, 404);
  const form = ActionForm.safeParse(await c.req.parseBody());
  if (!form.success) {
    const issue = form.error.issues[0];
    const body = t("page.error.invalid_form.body", { field: issue?.path.join(".") || "form", message: issue?.message ?? "invalid" });
    return c.html(<MessagePage title={t("page.error.invalid_form.title")} body={body} csrf={csrf} />, 400);
  }
  const { action } = params.data;
  const outcome = await actOnLead(
    c.env.LEAD_CONVERSATION,
    lead,
    { action, reason: form.data.reason, fate: form.data.fate ?? null, via: "inbox", eventId: `inbox:${form.data.request_id}` },
    c.get("correlationId"),
  );
  c.get("log").info("inbox.action", { lead_id: lead.id, action, ok: outcome.ok, reason: outcome.ok ? null : outcome.reason });
  const flash: Record<string, string> = outcome.ok ? { done: action } : { refused: outcome.reason, action };
  return c.redirect(`/inbox/leads/${lead.id}?${new URLSearchParams(flash).toString()}`, 303);
});
