/**
 * A client who stops part-way through the consent step, through the real cron (fired with a chosen
 * scheduled time, the `time` contract): nudged with the question they stopped at while their window
 * is open, by the consent_nudge template once it has closed, and after 72 h the lead goes STALE and
 * the artist is told. Each lead is this file's own (a unique number); the cron runs are global, as
 * every timer test's are, and only this file's leads are looked at.
 */
import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { CRON_EVERY_5_MIN, runScheduled } from "../../src/scheduled.ts";
import { defaultPolicy } from "../../src/domain/studio-policy.ts";
import { ARTIST_NUMBER, insertLead, leadRow, type TestLead } from "../support/workers/artist.ts";
import { sql } from "../support/workers/db.ts";
import { buttonIdsTo, settle, textsTo } from "../support/workers/whatsapp.ts";

const HOUR = 3_600_000;

/** A lead waiting at the consent step's first medical question since `approvedAt` (the date of birth given). */
async function stoppedAtMedical(approvedAt: Date, windowEndsAt: Date): Promise<TestLead> {
  const consent = {
    step: "medical",
    next: "slots",
    index: 0,
    startedAt: approvedAt.toISOString(),
    dateOfBirth: "1990-05-17",
    age: 36,
    answers: [],
    flags: [],
    policyAcknowledgedAt: null,
    policy: defaultPolicy(),
  };
  const lead = await insertLead("CHECKING_CONSENT", {
    consent: JSON.stringify(consent),
    status_changed_at: approvedAt.toISOString(),
    last_client_message_at: new Date(approvedAt.getTime() - HOUR).toISOString(),
    approved_at: approvedAt.toISOString(),
    service_window_ends_at: windowEndsAt.toISOString(),
  });
  return lead;
}

/**
 * Fires the 5-minute cron as if it were `at` until `check` passes. Another file's time jumps may
 * clear every timer but its own (timers.test.ts): this lead is given one due just before `at`
 * again, and its object decides what (if anything) is due, as it does for any scan.
 */
async function cronUntil<T>(lead: TestLead, at: number, check: () => Promise<T>): Promise<T> {
  return vi.waitFor(
    async () => {
      await settle(lead.phone);
      try {
        return await check();
      } catch (error) {
        await sql("UPDATE leads SET next_timer_at = $2, next_timer_kind = 'consent.nudge' WHERE id = $1 AND (next_timer_at IS NULL OR next_timer_at > $2)", [lead.id, new Date(at - 60_000).toISOString()]);
        await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: at }), env);
        throw error;
      }
    },
    { timeout: 30_000, interval: 1_500 },
  );
}

const outboxOf = (leadId: string) =>
  sql<{ copy_key: string | null; to_phone: string | null; kind: string; payload: Record<string, unknown> }>("SELECT copy_key, to_phone, kind, payload FROM outbox_messages WHERE lead_id = $1 ORDER BY seq", [leadId]);

const firedKinds = async (leadId: string) =>
  (await sql<{ kind: string }>("SELECT payload->>'kind' AS kind FROM system_events WHERE lead_id = $1 AND type = 'timer.fired' ORDER BY id", [leadId])).map((r) => r.kind);

/** `hour`:00 UTC `daysAgo` days before today (London keeps UTC in winter; the tests pick hours outside quiet hours either way). */
function utcHour(daysAgo: number, hour: number): Date {
  const d = new Date();
  d.setUTCHours(hour, 0, 0, 0);
  return new Date(d.getTime() - daysAgo * 24 * HOUR);
}

describe("a client who stops part-way through consent", () => {
  it("inside their window: nudged 12 h later with the question they stopped at, its Yes/No buttons, once", async () => {
    // Approved at 02:00 a day ago, silent since: the nudge is due at 14:00; the cron runs at 15:00.
    const approvedAt = utcHour(1, 2);
    const cronAt = utcHour(1, 15).getTime();
    const lead = await stoppedAtMedical(approvedAt, new Date(Date.now() + 20 * HOUR));
    await cronUntil(lead, cronAt, async () => expect(await firedKinds(lead.id)).toEqual(["consent.nudge"]));
    const keys = (await outboxOf(lead.id)).filter((r) => r.to_phone === lead.phone).map((r) => r.copy_key);
    expect(keys).toEqual(["timer.consent_nudge", "consent.medical.client"]);
    const texts = await textsTo(lead.phone);
    expect(texts.at(-1)).toBe(`Question 1 of 3: ${defaultPolicy().medicalQuestions[0]?.question ?? "?"}`);
    expect((await buttonIdsTo(lead.phone)).at(-1)).toEqual(["consent_yes", "consent_no"]);
    // The cron again at the same time: nothing more.
    await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: cronAt }), env);
    await settle(lead.phone);
    expect(await firedKinds(lead.id)).toEqual(["consent.nudge"]);
    expect((await leadRow(lead.id)).status).toBe("CHECKING_CONSENT");
  });

  it("window closed: the consent_nudge template; after 72 h the lead goes STALE and the artist is told", async () => {
    const approvedAt = utcHour(6, 10);
    const lead = await stoppedAtMedical(approvedAt, new Date(approvedAt.getTime() + HOUR));
    await cronUntil(lead, approvedAt.getTime() + 24 * HOUR, async () => expect(await firedKinds(lead.id)).toEqual(["consent.nudge"]));
    const template = (await outboxOf(lead.id)).filter((r) => r.to_phone === lead.phone).at(-1);
    expect(template).toMatchObject({ kind: "template", payload: { name: "inkline_consent_nudge", params: ["Ari", "Mara"] } });

    await cronUntil(lead, approvedAt.getTime() + 73 * HOUR, async () => expect((await leadRow(lead.id)).status).toBe("STALE"));
    expect(await firedKinds(lead.id)).toEqual(["consent.nudge", "consent.stale"]);
    const toArtist = (await outboxOf(lead.id)).filter((r) => r.to_phone === ARTIST_NUMBER).map((r) => r.copy_key);
    expect(toArtist).toContain("timer.consent_stale.artist");
    // The nudge it outlived was never sent late: one template to the client in all.
    expect((await outboxOf(lead.id)).filter((r) => r.to_phone === lead.phone)).toHaveLength(1);
  });
});
