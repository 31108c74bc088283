/**
 * GET /inbox/attachments/:id: a client's reference image (or file) from R2, for a signed-in
 * browser only (the session check runs before this route). Common image types are shown inline;
 * anything else is a download. The bytes are the client's, so the browser is told not to sniff
 * or run them, and not to keep them in shared caches.
 */
import { Hono } from "hono";
import { findAttachment } from "../../db/admin-store.ts";
import { LeadIdParams } from "../admin/schemas.ts";
import { INLINE_IMAGE_TYPES } from "./lead-page.tsx";
import type { InboxEnv } from "./session.tsx";

export const inboxAttachments = new Hono<InboxEnv>().get("/:id", async (c) => {
  const params = LeadIdParams.safeParse(c.req.param());
  const row = params.success ? await findAttachment(c.get("db"), params.data.id) : undefined;
  if (!row || row.status !== "UPLOADED" || !row.r2Key) return c.body(null, 404);
  const object = await c.env.ATTACHMENTS.get(row.r2Key);
  if (!object) {
    c.get("log").warn("inbox.attachment_missing", { lead_id: row.leadId, attachment_id: row.id });
    return c.body(null, 404);
  }
  const type = object.httpMetadata?.contentType ?? row.mimeType ?? "application/octet-stream";
  const inline = (INLINE_IMAGE_TYPES as readonly string[]).includes(type);
  return new Response(object.body, {
    headers: {
      "Content-Type": inline ? type : "application/octet-stream",
      "Content-Length": String(object.size),
      "Content-Disposition": inline ? "inline" : `attachment; filename="attachment-${row.id}"`,
      "Cache-Control": "private, max-age=3600",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
      ETag: object.httpEtag,
    },
  });
});
