/**
 * Timers end to end in the Workers runtime: the cron (fired with a later scheduled time, as
 * `/cdn-cgi/handler/scheduled?time=` does) finds due leads in Postgres, the jobs queue carries them
 * to the leads' objects, and each timer is applied once, judged at the cron's time. Also the
 * consumer itself, fed batches with createMessageBatch: duplicates, a client reply racing a nudge,
 * a poison message dead-lettered, recorded, visible and replayable.
 */
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { DEAD_LETTER_QUEUE, JOBS_QUEUE } from "../../src/jobs/consumer.ts";
import type { Job } from "../../src/jobs/messages.ts";
import { outsideQuietHours } from "../../src/domain/local-time.ts";
import { renderCopy } from "../../src/domain/copy.ts";
import { CRON_EVERY_5_MIN, runScheduled } from "../../src/scheduled.ts";
import { adminFetch } from "../support/workers/artist.ts";
import { Client } from "../support/workers/client.ts";
import { sql } from "../support/workers/db.ts";
import { formField, inboxFetch, section, signIn } from "../support/workers/inbox.ts";
import { settle, textsTo } from "../support/workers/whatsapp.ts";

const HOUR = 3_600_000;

interface TimerRow {
  id: string;
  status: string;
  version: number;
  next_timer_at: Date | string | null;
  next_timer_kind: string | null;
  last_client_message_at: Date | string | null;
  conversation_key: string;
}

async function timerRow(client: Client): Promise<TimerRow> {
  const [row] = await sql<TimerRow & Record<string, unknown>>(
    "SELECT id, status, version, next_timer_at, next_timer_kind, last_client_message_at, conversation_key FROM leads WHERE conversation_key = $1",
    [client.phone],
  );
  if (!row) throw new Error(`no lead for ${client.phone}`);
  return row;
}

const ms = (value: Date | string | null): number => (value === null ? Number.NaN : new Date(value).getTime());

/**
 * Fires the 5-minute cron as if it were `at`, for `clients` only: the test files share one
 * database, and a jump of days would otherwise fire the timers of every lead earlier files left
 * behind (those files are done with them; their timers are cleared, not theirs to judge).
 */
async function cronAt(at: number, ...clients: Client[]): Promise<void> {
  await sql("UPDATE leads SET next_timer_at = NULL, next_timer_kind = NULL WHERE next_timer_at IS NOT NULL AND NOT (conversation_key = ANY($1))", [clients.map((c) => c.phone)]);
  await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: at }), env);
}

/** Time for a test that waits on the queue several times. */
const QUEUE_TEST_MS = 90_000;

/** Waits (the queue delivers within its batch timeout) until `check` passes, settling the lead's object each time. */
async function eventually<T>(client: Client, check: () => Promise<T>): Promise<T> {
  return vi.waitFor(
    async () => {
      await settle(client.phone);
      return check();
    },
    { timeout: 20_000, interval: 250 },
  );
}

/** Long enough for the local queue to have delivered whatever a cron run enqueued (batch timeout 2 s). */
const QUEUE_QUIET_MS = 3_500;
const pause = (wait: number) => new Promise((resolve) => setTimeout(resolve, wait));

/** The job the cron would enqueue for this lead now. */
function jobFor(row: TimerRow, now: number): Job {
  return {
    kind: "lead.timer",
    leadId: row.id,
    conversation: row.conversation_key,
    timer: row.next_timer_kind as Extract<Job, { kind: "lead.timer" }>["timer"],
    dueAt: new Date(ms(row.next_timer_at)).toISOString(),
    now: new Date(now).toISOString(),
    seen: {
      status: row.status as Extract<Job, { kind: "lead.timer" }>["seen"]["status"],
      version: row.version,
      lastClientMessageAt: row.last_client_message_at === null ? null : new Date(row.last_client_message_at).toISOString(),
    },
  };
}

async function consume(queue: string, bodies: unknown[]) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `msg-${crypto.randomUUID()}-${i}`, timestamp: Date.now(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return { batch, result: await getQueueResult(batch, ctx) };
}

const nudgeText = (question: string) => renderCopy("timer.consultation_nudge", { greetingName: " Ari", artistName: "Mara", question: renderCopy(question as never) }, "en_GB");

describe("a consultation left at a question", () => {
  it("nudged at 12 h (out of quiet hours), a template at 36 h, ABANDONED at 48 h, each once; the client carries on later", async () => {
    const client = new Client();
    await client.reaches("coverup");
    const start = await timerRow(client);
    expect(start).toMatchObject({ status: "QUALIFYING", next_timer_kind: "consultation.nudge" });
    // Kept by the decision itself: 12 h after the client's message, moved out of quiet hours.
    const nominal = ms(start.last_client_message_at) + 12 * HOUR;
    expect(ms(start.next_timer_at)).toBe(outsideQuietHours(new Date(nominal), "Europe/London").getTime());

    // An hour before: nothing. At its time, twice (a cron run delivered twice): one nudge.
    await cronAt(ms(start.next_timer_at) - HOUR, client);
    await pause(QUEUE_QUIET_MS);
    await settle(client.phone);
    expect(await client.hears()).toEqual([]);
    await cronAt(ms(start.next_timer_at) + 60_000, client);
    await cronAt(ms(start.next_timer_at) + 60_000, client);
    const nudged = await eventually(client, async () => {
      const heard = await client.hears();
      expect(heard).toHaveLength(1);
      return heard;
    });
    expect(nudged[0]).toBe(nudgeText("question.coverup"));
    await pause(QUEUE_QUIET_MS);
    await settle(client.phone);
    expect(await client.hears()).toEqual([]);

    // 36 h: the window has closed by the cron's time, so the template goes.
    const second = await timerRow(client);
    expect(second.next_timer_kind).toBe("consultation.template_nudge");
    await cronAt(ms(second.next_timer_at) + 60_000, client);
    await eventually(client, async () => expect((await textsTo(client.phone)).at(-1)).toBe("template:inkline_consultation_nudge"));

    // 48 h (at least 12 h after the template): ABANDONED, nothing sent.
    const third = await timerRow(client);
    expect(third.next_timer_kind).toBe("consultation.abandon");
    const sentBefore = (await textsTo(client.phone)).length;
    await cronAt(ms(third.next_timer_at) + 60_000, client);
    await eventually(client, async () => expect((await timerRow(client)).status).toBe("ABANDONED"));
    expect((await textsTo(client.phone)).length).toBe(sentBefore);
    expect((await timerRow(client)).next_timer_at).toBeNull();

    // Days later the client answers: the consultation carries on at the next question, answers kept.
    await client.hears();
    await client.says("no");
    expect(await client.hears()).toEqual([renderCopy("question.reference_images", {}, "en_GB")]);
    expect((await timerRow(client)).status).toBe("QUALIFYING");
    const events = await sql<{ type: string; payload: { kind?: string } }>("SELECT type, payload FROM system_events WHERE lead_id = $1 AND type = 'timer.fired' ORDER BY id", [start.id]);
    expect(events.map((e) => e.payload.kind)).toEqual(["consultation.nudge", "consultation.template_nudge", "consultation.abandon"]);
  }, QUEUE_TEST_MS);

  it("jumping straight past 48 h abandons without sending the nudges it skipped", async () => {
    const client = new Client();
    await client.reaches("style");
    const start = await timerRow(client);
    await cronAt(ms(start.last_client_message_at) + 72 * HOUR, client);
    await eventually(client, async () => expect((await timerRow(client)).status).toBe("ABANDONED"));
    expect(await client.hears()).toEqual([]);
  }, QUEUE_TEST_MS);

  it("STOP: no timer for the client any more", async () => {
    const client = new Client();
    await client.reaches("style");
    expect((await timerRow(client)).next_timer_kind).toBe("consultation.nudge");
    await client.says("STOP");
    expect(await timerRow(client)).toMatchObject({ status: "OPTOUT", next_timer_at: null, next_timer_kind: null });
  });
});

describe("the jobs queue consumer", () => {
  it("the same timer job twice in a batch, and again later: one nudge; each message acked on its own", async () => {
    const client = new Client();
    await client.reaches("style");
    const row = await timerRow(client);
    const job = jobFor(row, ms(row.next_timer_at) + 60_000);
    const { batch, result } = await consume(JOBS_QUEUE, [job, job]);
    expect(result.explicitAcks.sort()).toEqual(batch.messages.map((m) => m.id).sort());
    expect(result.retryMessages).toEqual([]);
    await eventually(client, async () => expect(await client.hears()).toHaveLength(1));
    await consume(JOBS_QUEUE, [job]);
    await settle(client.phone);
    expect(await client.hears()).toEqual([]);
  });

  it("a client reply racing a due nudge: the reply wins, no nudge", async () => {
    const client = new Client();
    await client.reaches("style");
    const row = await timerRow(client);
    // The cron saw the lead due…
    const job = jobFor(row, ms(row.next_timer_at) + 60_000);
    // …then the client answered before the job reached the object.
    await client.says("fine line");
    await client.hears();
    await consume(JOBS_QUEUE, [job]);
    await settle(client.phone);
    expect(await client.hears()).toEqual([]);
    const fired = await sql("SELECT 1 FROM system_events WHERE lead_id = $1 AND type = 'timer.fired'", [row.id]);
    expect(fired).toEqual([]);
  });

  it("a poison message goes to the dead-letter queue at once (acked, never retried), is recorded, shown, and cannot be replayed; a failed valid job can be", async () => {
    const poison = { kind: "lead.timer", leadId: "not-a-uuid", hello: "world" };
    const { batch, result } = await consume(JOBS_QUEUE, [poison]);
    expect(result.explicitAcks).toEqual([batch.messages[0]?.id]);
    expect(result.retryMessages).toEqual([]);
    // The local dead-letter queue's consumer records it.
    const recorded = await vi.waitFor(
      async () => {
        const rows = await sql<{ id: number; reason: string; body: unknown }>("SELECT id, reason, body FROM dead_letters WHERE body->>'hello' = 'world' ORDER BY id DESC LIMIT 1");
        expect(rows).toHaveLength(1);
        return rows[0];
      },
      { timeout: 20_000, interval: 250 },
    );
    expect(recorded?.reason).toMatch(/^schema: leadId/);
    const listed = await (await adminFetch("/admin/jobs")).json<{ dead_letters: { id: number; reason: string }[] }>();
    expect(listed.dead_letters.map((d) => d.id)).toContain(Number(recorded?.id));
    const replay = await adminFetch(`/admin/jobs/dead-letters/${recorded?.id}/replay`, { method: "POST", body: "{}" });
    expect(replay.status).toBe(409);
    expect(await replay.json()).toMatchObject({ error: "not_replayable" });

    // A valid job that failed every retry lands in the dead-letter queue as it was: replayed once, it runs.
    const client = new Client();
    await client.reaches("style");
    const row = await timerRow(client);
    const failed = jobFor(row, ms(row.next_timer_at) + 60_000);
    await consume(DEAD_LETTER_QUEUE, [failed]);
    const [letter] = await sql<{ id: number; reason: string }>("SELECT id, reason FROM dead_letters WHERE body->>'leadId' = $1", [row.id]);
    expect(letter?.reason).toBe("failed every retry (inkline-jobs)");
    const events = await sql("SELECT 1 FROM system_events WHERE type = 'queue.dead_lettered' AND payload->>'kind' = 'lead.timer'");
    expect(events.length).toBeGreaterThan(0);
    const first = await adminFetch(`/admin/jobs/dead-letters/${letter?.id}/replay`, { method: "POST", body: "{}" });
    expect(first.status).toBe(202);
    const again = await adminFetch(`/admin/jobs/dead-letters/${letter?.id}/replay`, { method: "POST", body: "{}" });
    expect(again.status).toBe(409);
    await eventually(client, async () => expect(await client.hears()).toHaveLength(1));
  }, QUEUE_TEST_MS);

  it("GET /admin/jobs lists what is coming up; bad input is a 400 naming the field", async () => {
    const client = new Client();
    await client.reaches("style");
    const row = await timerRow(client);
    const res = await adminFetch("/admin/jobs?hours=168");
    expect(res.status).toBe(200);
    const body = await res.json<{ upcoming: { lead_id: string; kind: string; due_at: string }[] }>();
    expect(body.upcoming).toContainEqual({ lead_id: row.id, status: "QUALIFYING", kind: "consultation.nudge", due_at: new Date(ms(row.next_timer_at)).toISOString() });
    const bad = await adminFetch("/admin/jobs?hours=0");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_request", field: "hours" });
  });
});

describe("the inbox", () => {
  it("a lead's page shows its next timer and the ones that fired", async () => {
    const client = new Client();
    await client.reaches("style");
    const row = await timerRow(client);
    const cookie = await signIn();
    const before = await (await inboxFetch(`/inbox/leads/${row.id}`, { cookie })).text();
    expect(section(before, "timers-title")).toContain('data-next-timer="consultation.nudge"');
    expect(section(before, "timers-title")).toContain(renderCopy("timer.label.consultation.nudge"));

    await cronAt(ms(row.next_timer_at) + 60_000, client);
    await eventually(client, async () => expect((await timerRow(client)).next_timer_kind).toBe("consultation.template_nudge"));
    // The jump of 12 h swept the inbox session (its 12 h were up at the cron's time): sign in again.
    const after = section(await (await inboxFetch(`/inbox/leads/${row.id}`, { cookie: await signIn() })).text(), "timers-title");
    expect(after).toContain('data-next-timer="consultation.template_nudge"');
    expect(after).toContain('data-timer="consultation.nudge"');
  }, QUEUE_TEST_MS);

  it("failed jobs: a banner on the overview, the list, and a replay from a form (once)", async () => {
    const client = new Client();
    await client.reaches("style");
    const row = await timerRow(client);
    await consume(DEAD_LETTER_QUEUE, [jobFor(row, ms(row.next_timer_at) + 60_000)]);
    const [letter] = await sql<{ id: number }>("SELECT id FROM dead_letters WHERE body->>'leadId' = $1", [row.id]);
    const cookie = await signIn();
    const overview = await (await inboxFetch("/inbox", { cookie })).text();
    expect(overview).toContain('id="failed-jobs"');
    const page = await (await inboxFetch("/inbox/jobs", { cookie })).text();
    expect(page).toContain(`data-dead-letter="${letter?.id}"`);
    const csrf = formField(page, "csrf");
    const replay = await inboxFetch(`/inbox/jobs/dead-letters/${letter?.id}/replay`, { cookie, form: { csrf } });
    expect(replay.status).toBe(303);
    expect(replay.headers.get("location")).toBe(`/inbox/jobs?replayed=${letter?.id}`);
    const again = await inboxFetch(`/inbox/jobs/dead-letters/${letter?.id}/replay`, { cookie, form: { csrf } });
    expect(again.headers.get("location")).toBe("/inbox/jobs?refused=already_replayed");
    await eventually(client, async () => expect(await client.hears()).toHaveLength(1));
  }, QUEUE_TEST_MS);
});
