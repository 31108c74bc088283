/**
 * The deposit sweep (cron): a lead still waiting on a link whose time is up, with no word from
 * Stripe (a lost webhook), is checked with Stripe through its Durable Object and moved on. The
 * cron enqueues the check on the jobs queue (its consumer hands it to the object). Runs are
 * idempotent, and the webhook arriving late changes nothing more.
 */
import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { CRON_EVERY_5_MIN, runScheduled } from "../../src/scheduled.ts";
import { leadRow, settleLead } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { awaitingDeposit, copy, entered, eventsOf, paidCopy } from "../support/workers/deposit.ts";
import { deliver, expire, pay, requests, type EmulatedEvent } from "../support/workers/stripe.ts";
import { textsTo } from "../support/workers/whatsapp.ts";

/** The link's time ran out an hour ago (as far as our database knows). */
async function lapse(leadId: string): Promise<void> {
  await sql("UPDATE leads SET deposit_link_expires_at = now() - interval '1 hour' WHERE id = $1", [leadId]);
}

/**
 * One cron run, then (the queue delivers within its 2 s batch timeout) until the lead's object has
 * had the job: `until` passes, or for a run expected to change nothing, long enough for delivery.
 */
async function sweep(phone: string, until?: () => Promise<unknown>): Promise<void> {
  await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: Date.now() }), env);
  if (until === undefined) {
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await settleLead(phone);
    return;
  }
  await vi.waitFor(
    async () => {
      await settleLead(phone);
      await until();
    },
    { timeout: 20_000, interval: 250 },
  );
}

const inStatus = (id: string, status: string) => async () => expect(await leadRow(id)).toMatchObject({ status });

describe("the deposit sweep", () => {
  it("a missed expiry: Stripe is asked, the lead moves to DEPOSIT_EXPIRED once; a second run and the late webhook change nothing", async () => {
    const { lead, session } = await awaitingDeposit();
    const late = await expire(session.id); // Stripe expired it; the webhook never arrived.
    await lapse(lead.id);
    await sweep(lead.phone, inStatus(lead.id, "DEPOSIT_EXPIRED"));

    expect(await eventsOf(lead.id, "deposit.link_expired")).toMatchObject([{ payload: { session_id: session.id, source: "sweep" } }]);
    expect((await requests()).filter((r) => r.operation === "retrieve_session" && r.path.endsWith(session.id))).toHaveLength(1);
    const told = (await textsTo(lead.phone)).filter((t) => t === copy("deposit.expired.client"));
    expect(told).toHaveLength(1);

    await sweep(lead.phone);
    expect((await requests()).filter((r) => r.operation === "retrieve_session" && r.path.endsWith(session.id))).toHaveLength(1);
    expect((await deliver(late)).status).toBe(200);
    await settleLead(lead.phone);
    expect(await entered(lead.id, "DEPOSIT_EXPIRED")).toBe(1);
    expect((await textsTo(lead.phone)).filter((t) => t === copy("deposit.expired.client"))).toHaveLength(1);
  });

  it("a missed payment: the sweep finds the session paid and applies it; the late webhook is a no-op", async () => {
    const { lead, session } = await awaitingDeposit();
    const [completed] = await pay(session.id);
    await lapse(lead.id);
    await sweep(lead.phone, inStatus(lead.id, "BOOKING_PENDING"));
    await deliver(completed as EmulatedEvent);
    await settleLead(lead.phone);
    expect(await entered(lead.id, "DEPOSIT_PAID")).toBe(1);
    expect((await textsTo(lead.phone)).filter((t) => t === paidCopy())).toHaveLength(1);
  });

  it("a link still open at Stripe after its time is up here: the sweep expires it there, then here", async () => {
    const { lead, session } = await awaitingDeposit();
    await lapse(lead.id);
    await sweep(lead.phone, inStatus(lead.id, "DEPOSIT_EXPIRED"));
    expect((await requests()).filter((r) => r.operation === "expire_session" && r.path.includes(session.id)).map((r) => r.status)).toEqual([200]);
    expect((await textsTo(lead.phone)).at(-1)).toBe(copy("deposit.expired.client"));
  });

  it("a link whose time is not up is left alone", async () => {
    const { lead, session } = await awaitingDeposit();
    await sweep(lead.phone);
    expect(await leadRow(lead.id)).toMatchObject({ status: "AWAITING_DEPOSIT" });
    expect((await requests()).filter((r) => r.path.includes(session.id))).toEqual([]);
  });
});
