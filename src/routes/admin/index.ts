/**
 * The admin API under /admin: rate limited per client IP, then X-Admin-API-Key, then a database
 * handle for the request; one file per resource. The OpenAPI document is at /admin/openapi.json.
 * Every answer, refusals included, is `Cache-Control: no-store`: leads' personal data must not be
 * kept by a browser or a proxy.
 */
import { Hono } from "hono";
import { rateLimit } from "../rate-limit.ts";
import { requireAdminKey } from "./auth.ts";
import { withDatabase, type AdminEnv } from "./context.ts";
import { adminArtists } from "./artists.ts";
import { adminArtistBookings, adminLeadBooking } from "./bookings.ts";
import { adminEvents } from "./events.ts";
import { adminFunnel } from "./funnel.ts";
import { adminJobs } from "./jobs.ts";
import { adminLeadActions } from "./lead-actions.ts";
import { adminLeads } from "./leads.ts";
import { openapi } from "./openapi.ts";
import { adminPanic } from "./panic.ts";
import { adminSheets } from "./sheets.ts";

/** Requests per minute per client IP: plenty for a person or a script, a wall for a flood. */
export const ADMIN_RATE_LIMIT = { limit: 120, windowMs: 60_000 } as const;

export const admin = new Hono<AdminEnv>()
  .use("*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  })
  .use(
    "*",
    rateLimit({
      scope: "admin",
      ...ADMIN_RATE_LIMIT,
      refuse: (c, retryAfter) => c.json({ error: "rate_limited", message: `retry after ${retryAfter} s` }, 429),
    }),
  )
  .use("*", requireAdminKey)
  .route("/", openapi)
  .use("*", withDatabase)
  .route("/leads", adminLeads)
  .route("/leads", adminLeadActions)
  .route("/leads", adminLeadBooking)
  .route("/panic", adminPanic)
  .route("/funnel", adminFunnel)
  .route("/events", adminEvents)
  .route("/jobs", adminJobs)
  .route("/sheets", adminSheets)
  .route("/artists", adminArtists)
  .route("/artists", adminArtistBookings);
