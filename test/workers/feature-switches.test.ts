/**
 * Feature switches through the Worker with an env that turns one off (the object-side gates are
 * unit-tested in test/unit/feature-switches.test.ts): /health reports them; reminders off, the cron
 * enqueues no timer and the client hears nothing; payments off, the deposit sweep never asks Stripe.
 * Each then runs again with the switch on, so the test fails if the gate is not what held it.
 */
import { createExecutionContext, createScheduledController, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { app } from "../../src/index.ts";
import { CRON_EVERY_5_MIN, runScheduled } from "../../src/scheduled.ts";
import { ADMIN_KEY, leadRow, settleLead } from "../support/workers/artist.ts";
import { Client } from "../support/workers/client.ts";
import { sql } from "../support/workers/db.ts";
import { awaitingDeposit } from "../support/workers/deposit.ts";
import { requests } from "../support/workers/stripe.ts";
import { settle } from "../support/workers/whatsapp.ts";

const QUEUE_QUIET_MS = 3_500;
const pause = (wait: number) => new Promise((resolve) => setTimeout(resolve, wait));

/** The cron at `at` for `phones` only (other files' leads keep no timers), with `overrides` on the env. */
async function cronAt(at: number, phones: string[], overrides: Record<string, string> = {}): Promise<void> {
  await sql("UPDATE leads SET next_timer_at = NULL, next_timer_kind = NULL WHERE next_timer_at IS NOT NULL AND NOT (conversation_key = ANY($1))", [phones]);
  await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: at }), { ...env, ...overrides });
}

describe("feature switches", () => {
  it("/health lists them to the admin; a switch that is off shows off, with the feature it stops", async () => {
    const headers = { "X-Admin-API-Key": ADMIN_KEY };
    const on = await app.request("https://inkline.test/health", { headers }, env, createExecutionContext());
    expect(await on.json()).toMatchObject({
      features: { stripe: true, artistNotifications: true, reminders: true },
      switches: { payments: true, calendar: true, reminders: true, sheets: true, artistNotifications: true },
    });
    const offEnv = { ...env, FEATURE_PAYMENTS: "false", FEATURE_REMINDERS: "false", FEATURE_ARTIST_NOTIFICATIONS: "false", FEATURE_SHEETS: "false" };
    const off = await app.request("https://inkline.test/health", { headers }, offEnv, createExecutionContext());
    expect(await off.json()).toMatchObject({
      features: { stripe: false, artistNotifications: false, reminders: false },
      switches: { payments: false, calendar: true, reminders: false, sheets: false, artistNotifications: false },
    });
  });

  it("reminders off: a due nudge is not enqueued, so the client hears nothing; on again, it goes", async () => {
    const client = new Client();
    await client.reaches("coverup");
    const [row] = await sql<{ next_timer_at: Date | string | null }>("SELECT next_timer_at FROM leads WHERE conversation_key = $1", [client.phone]);
    const due = new Date(row?.next_timer_at ?? Number.NaN).getTime() + 60_000;
    await cronAt(due, [client.phone], { FEATURE_REMINDERS: "false" });
    await pause(QUEUE_QUIET_MS);
    await settle(client.phone);
    expect(await client.hears()).toEqual([]);
    expect(await sql("SELECT 1 FROM system_events e JOIN leads l ON l.id = e.lead_id WHERE l.conversation_key = $1 AND e.type = 'timer.fired'", [client.phone])).toEqual([]);

    await cronAt(due, [client.phone]);
    const nudge = renderCopy("timer.consultation_nudge", { greetingName: " Ari", artistName: "Mara", question: renderCopy("question.coverup") }, "en_GB");
    await vi.waitFor(
      async () => {
        await settle(client.phone);
        expect(await client.hears()).toEqual([nudge]);
      },
      { timeout: 20_000, interval: 250 },
    );
  });

  it("payments off: a lapsed deposit link is not checked with Stripe (the emulator records no call); on again, it is", async () => {
    const { lead, session } = await awaitingDeposit();
    await sql("UPDATE leads SET deposit_link_expires_at = now() - interval '1 hour' WHERE id = $1", [lead.id]);
    const checks = async () => (await requests()).filter((r) => r.operation === "retrieve_session" && r.path.endsWith(session.id));

    await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: Date.now() }), { ...env, FEATURE_PAYMENTS: "false" });
    await pause(QUEUE_QUIET_MS);
    await settleLead(lead.phone);
    expect(await checks()).toEqual([]);
    expect(await leadRow(lead.id)).toMatchObject({ status: "AWAITING_DEPOSIT" });

    await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: Date.now() }), env);
    await vi.waitFor(
      async () => {
        await settleLead(lead.phone);
        expect(await checks()).toHaveLength(1);
      },
      { timeout: 20_000, interval: 250 },
    );
  });
});
