/**
 * applyDecision() and its one-statement siblings against the real test Postgres, through the
 * driver and proxy the Durable Objects use: what a decision writes and returns, that a duplicate,
 * a stale version or a used token writes nothing, sent-marks, and that each is one round trip
 * (frames counted at the WebSocket proxy).
 */
import { env } from "cloudflare:test";
import { sql as drizzleSql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewActionToken } from "../../src/db/action-tokens.ts";
import { openDatabase, type DatabaseHandle } from "../../src/db/client.ts";
import {
  applyDecision,
  loadLead,
  loadOrCreateLead,
  markOutboxSentMany,
  pendingOutbox,
  recordIgnoredEvent,
  recordUnlessApplied,
  StaleLeadError,
  TokenUnavailableError,
  type ApplyInput,
} from "../../src/db/lead-store.ts";
import type { Lead } from "../../src/db/schema.ts";
import type { Decision } from "../../src/domain/engine.ts";
import { LeadStatus } from "../../src/domain/lead-status.ts";
import { transition } from "../../src/domain/state-machine.ts";
import { sha256Hex } from "../support/workers/artist.ts";
import { proxyStats, sql } from "../support/workers/db.ts";
import { uniquePhone } from "../support/workers/whatsapp.ts";

const ARTIST = "+447700900001";
/** Text that would break SQL spliced together by hand, and characters from outside the BMP. */
const AWKWARD = `Zoë 🐉 «'); drop table leads; --» "quoted" \\ $1 \${x} \u2028 ✓`;

let handle: DatabaseHandle;
beforeEach(() => {
  handle = openDatabase({ DATABASE_URL: env.DATABASE_URL, DATABASE_WS_PROXY: env.DATABASE_WS_PROXY }, { max: 1 });
});
afterEach(async () => {
  await handle.close();
});

function emptyDecision(overrides: Partial<Decision> = {}): Decision {
  return { transitions: [], patch: {}, answers: [], attachments: [], outbound: [], events: [], actionLinks: [], ...overrides };
}

function moveTo(from: LeadStatus, to: LeadStatus) {
  const t = transition(from, to, "test");
  if (!t.ok) throw new Error(t.reason);
  return t.value;
}

const text = (to: "client" | "artist", body: string, copyKey = "test.copy") => ({ to, kind: "text", body, copyKey }) as const;

let eventCounter = 0;
function input(lead: Lead, decision: Decision, overrides: Partial<ApplyInput> = {}): ApplyInput {
  eventCounter++;
  return {
    lead,
    provider: "whatsapp",
    eventId: `wamid.apply-${crypto.randomUUID()}-${eventCounter}`,
    decision,
    correlationId: "test-apply",
    artistPhone: ARTIST,
    now: new Date(),
    ...overrides,
  };
}

async function freshLead(): Promise<Lead> {
  return loadOrCreateLead(handle.db, uniquePhone(), null);
}

/** How many rows of each kind a lead has, to show that nothing was written. */
async function footprint(leadId: string) {
  const [row] = await sql<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM processed_events WHERE lead_id = $1) AS markers,
            (SELECT count(*)::int FROM lead_answers WHERE lead_id = $1) AS answers,
            (SELECT count(*)::int FROM attachments WHERE lead_id = $1) AS attachments,
            (SELECT count(*)::int FROM outbox_messages WHERE lead_id = $1) AS outbox,
            (SELECT count(*)::int FROM action_tokens WHERE lead_id = $1) AS tokens,
            (SELECT count(*)::int FROM system_events WHERE lead_id = $1) AS events,
            (SELECT version FROM leads WHERE id = $1) AS version`,
    [leadId],
  );
  return row;
}

async function marker(eventId: string) {
  return (await sql<{ outcome: string; result: unknown }>("SELECT outcome, result FROM processed_events WHERE event_id = $1", [eventId]))[0];
}

/** A one-tap token stored for the lead; returns its id. */
async function storedToken(leadId: string, options: { usedAt?: Date; expiresAt?: Date } = {}): Promise<string> {
  const [row] = await sql<{ id: string }>(
    "INSERT INTO action_tokens (token_hash, lead_id, action, allowed_statuses, expires_at, used_at) VALUES ($1, $2, 'approve', '[\"NEW\"]', $3, $4) RETURNING id",
    [await sha256Hex(crypto.randomUUID()), leadId, (options.expiresAt ?? new Date(Date.now() + 3_600_000)).toISOString(), options.usedAt?.toISOString() ?? null],
  );
  if (!row) throw new Error("token insert returned nothing");
  return row.id;
}

describe("applyDecision: one statement", () => {
  it("applies everything and returns rows equal to what drizzle reads back (Dates, jsonb, Unicode)", async () => {
    const lead = await freshLead();
    const now = new Date();
    const decision = emptyDecision({
      transitions: [moveTo(LeadStatus.NEW, LeadStatus.QUALIFYING)],
      patch: {
        displayName: AWKWARD,
        currentQuestion: "idea",
        lastClientMessageAt: new Date(now.getTime() - 1_000),
        failureCounts: { dimensions: 2 },
        handoverPacket: { note: AWKWARD, nested: [1, null, { ok: true }] },
      },
      answers: [
        { questionKey: "idea", rawText: AWKWARD, value: { text: AWKWARD }, sourceMessageId: "wamid.a" },
        { questionKey: "style", rawText: "fine line", value: "fine line", sourceMessageId: "wamid.a" },
        { questionKey: "placement", rawText: null, value: null, sourceMessageId: "wamid.a" },
      ],
      attachments: [{ providerMediaId: `media-${crypto.randomUUID()}`, sourceMessageId: "wamid.a", mimeType: "image/jpeg", caption: AWKWARD, kind: "image" }],
      outbound: [text("client", AWKWARD), text("artist", "new lead")],
      events: [{ type: "test.event", level: "warn", payload: { text: AWKWARD } }],
    });
    const tokenHash = await sha256Hex(crypto.randomUUID());
    const applied = await applyDecision(
      handle.db,
      input(lead, decision, { now, newTokens: [{ tokenHash, action: "approve", allowedStatuses: ["PENDING_APPROVAL"], expiresAt: new Date(now.getTime() + 3_600_000) }] }),
    );
    if (applied.outcome !== "applied") throw new Error("expected applied");

    expect(applied.lead).toEqual(await loadLead(handle.db, lead.id));
    expect(applied.lead).toMatchObject({ status: "QUALIFYING", version: 1, answerCount: 3, outboxCount: 2, displayName: AWKWARD, statusChangedAt: now });
    expect(applied.lead.lastClientMessageAt).toBeInstanceOf(Date);
    expect(applied.lead.handoverPacket).toEqual({ note: AWKWARD, nested: [1, null, { ok: true }] });

    expect(applied.outbox).toEqual(await pendingOutbox(handle.db, lead.id));
    expect(applied.outbox.map((o) => [o.seq, o.toPhone, o.payload])).toEqual([
      [1, lead.phoneE164, { kind: "text", body: AWKWARD }],
      [2, ARTIST, { kind: "text", body: "new lead" }],
    ]);
    expect(applied.outbox[0]?.createdAt).toBeInstanceOf(Date);

    const stored = await handle.db.query.attachments.findMany({ where: (a, { eq }) => eq(a.leadId, lead.id) });
    expect(applied.attachments).toEqual(stored);
    expect(applied.attachments[0]).toMatchObject({ status: "PENDING", caption: AWKWARD, nextAttemptAt: now });

    expect(await sql("SELECT seq, question_key, raw_text, value FROM lead_answers WHERE lead_id = $1 ORDER BY seq", [lead.id])).toEqual([
      { seq: 1, question_key: "idea", raw_text: AWKWARD, value: { text: AWKWARD } },
      { seq: 2, question_key: "style", raw_text: "fine line", value: "fine line" },
      { seq: 3, question_key: "placement", raw_text: null, value: null },
    ]);
    expect(await sql("SELECT token_hash, allowed_statuses FROM action_tokens WHERE lead_id = $1", [lead.id])).toEqual([
      { token_hash: tokenHash, allowed_statuses: ["PENDING_APPROVAL"] },
    ]);
    expect(await sql("SELECT type, level, payload, correlation_id FROM system_events WHERE lead_id = $1 ORDER BY id", [lead.id])).toEqual([
      { type: "lead.transition", level: "info", payload: { from: "NEW", to: "QUALIFYING", reason: "test" }, correlation_id: "test-apply" },
      { type: "test.event", level: "warn", payload: { text: AWKWARD }, correlation_id: "test-apply" },
    ]);
  });

  it("an empty decision still moves the version and records the marker, with its result", async () => {
    const lead = await freshLead();
    const applyInput = input(lead, emptyDecision(), { provider: "admin", result: { ok: true, note: AWKWARD } });
    const applied = await applyDecision(handle.db, applyInput);
    expect(applied).toMatchObject({ outcome: "applied", lead: { version: 1 }, outbox: [], attachments: [] });
    expect(await marker(applyInput.eventId)).toEqual({ outcome: "applied", result: { ok: true, note: AWKWARD } });
  });

  it("a duplicate writes nothing and hands back the result stored with the first", async () => {
    const lead = await freshLead();
    const first = input(lead, emptyDecision({ outbound: [text("client", "once")] }), { provider: "admin", result: { ok: true, to: "QUALIFYING" } });
    const applied = await applyDecision(handle.db, first);
    if (applied.outcome !== "applied") throw new Error("expected applied");
    const before = await footprint(lead.id);

    const again = { ...first, lead: applied.lead, decision: emptyDecision({ answers: [{ questionKey: "idea", rawText: "x", value: null, sourceMessageId: "m" }], outbound: [text("client", "twice")] }) };
    expect(await applyDecision(handle.db, again)).toEqual({ outcome: "duplicate", result: { ok: true, to: "QUALIFYING" } });
    expect(await footprint(lead.id)).toEqual(before);

    const plain = input(lead, emptyDecision());
    await applyDecision(handle.db, { ...plain, lead: applied.lead });
    expect(await applyDecision(handle.db, { ...plain, lead: applied.lead })).toEqual({ outcome: "duplicate", result: null });
  });

  it("a stale version throws StaleLeadError and writes nothing, not even the marker", async () => {
    const lead = await freshLead();
    await applyDecision(handle.db, input(lead, emptyDecision({ answers: [{ questionKey: "idea", rawText: "first", value: null, sourceMessageId: "m1" }] })));
    const before = await footprint(lead.id);

    // The old row again: its answer would take seq 1 a second time, yet the version check decides.
    const stale = input(lead, emptyDecision({
      answers: [{ questionKey: "idea", rawText: "second", value: null, sourceMessageId: "m2" }],
      attachments: [{ providerMediaId: "media-stale", sourceMessageId: "m2", mimeType: null, caption: null, kind: "image" }],
      outbound: [text("client", "never")],
      events: [{ type: "test.event", level: "info", payload: {} }],
    }));
    await expect(applyDecision(handle.db, stale)).rejects.toBeInstanceOf(StaleLeadError);
    expect(await marker(stale.eventId)).toBeUndefined();
    expect(await footprint(lead.id)).toEqual(before);
  });

  it("an unusable token throws TokenUnavailableError and writes nothing; a usable one is used with the decision", async () => {
    const lead = await freshLead();
    const used = await storedToken(lead.id, { usedAt: new Date(Date.now() - 1_000) });
    const expired = await storedToken(lead.id, { expiresAt: new Date(Date.now() - 1_000) });
    const before = await footprint(lead.id);
    for (const tokenId of [used, expired]) {
      const attempt = input(lead, emptyDecision({ outbound: [text("client", "never")] }), { consumeTokenId: tokenId });
      await expect(applyDecision(handle.db, attempt)).rejects.toBeInstanceOf(TokenUnavailableError);
      expect(await marker(attempt.eventId)).toBeUndefined();
    }
    expect(await footprint(lead.id)).toEqual(before);

    const fresh = await storedToken(lead.id);
    const now = new Date();
    expect(await applyDecision(handle.db, input(lead, emptyDecision(), { consumeTokenId: fresh, now }))).toMatchObject({ outcome: "applied" });
    expect(await sql("SELECT used_at FROM action_tokens WHERE id = $1", [fresh])).toEqual([{ used_at: now }]);

    // The token is checked first; and a stale version leaves a usable token unused.
    const another = await storedToken(lead.id);
    await expect(applyDecision(handle.db, input(lead, emptyDecision(), { consumeTokenId: fresh }))).rejects.toBeInstanceOf(TokenUnavailableError);
    await expect(applyDecision(handle.db, input(lead, emptyDecision(), { consumeTokenId: another }))).rejects.toBeInstanceOf(StaleLeadError);
    expect(await sql("SELECT used_at FROM action_tokens WHERE id = $1", [another])).toEqual([{ used_at: null }]);
  });

  it("an opted-out client's messages are stored SKIPPED and not returned; the confirmation and the artist's are", async () => {
    const lead = await freshLead();
    const decision = emptyDecision({
      patch: { optedOut: true, optedOutAt: new Date() },
      outbound: [text("client", "a question"), text("client", "you are opted out", "optout.confirmed"), text("artist", "client opted out")],
    });
    const applied = await applyDecision(handle.db, input(lead, decision));
    if (applied.outcome !== "applied") throw new Error("expected applied");
    expect(applied.outbox.map((o) => [o.seq, o.copyKey, o.status])).toEqual([
      [2, "optout.confirmed", "PENDING"],
      [3, "test.copy", "PENDING"],
    ]);
    expect(await sql("SELECT seq, status FROM outbox_messages WHERE lead_id = $1 ORDER BY seq", [lead.id])).toEqual([
      { seq: 1, status: "SKIPPED" },
      { seq: 2, status: "PENDING" },
      { seq: 3, status: "PENDING" },
    ]);
  });

  it("an attachment already stored for the lead is not stored or returned again", async () => {
    const lead = await freshLead();
    const media = (id: string) => ({ providerMediaId: id, sourceMessageId: "m", mimeType: "image/png", caption: null, kind: "image" }) as const;
    const first = await applyDecision(handle.db, input(lead, emptyDecision({ attachments: [media("media-1")] })));
    if (first.outcome !== "applied") throw new Error("expected applied");
    const second = await applyDecision(handle.db, input(first.lead, emptyDecision({ attachments: [media("media-1"), media("media-2"), media("media-2")] })));
    if (second.outcome !== "applied") throw new Error("expected applied");
    expect(second.attachments.map((a) => a.providerMediaId)).toEqual(["media-2"]);
    expect(await sql("SELECT provider_media_id FROM attachments WHERE lead_id = $1 ORDER BY provider_media_id", [lead.id])).toEqual([
      { provider_media_id: "media-1" },
      { provider_media_id: "media-2" },
    ]);
  });
});

describe("sent-marks", () => {
  /** A lead with `count` PENDING outbox rows; returns the lead as it is now and the rows. */
  async function withOutbox(count: number) {
    const lead = await freshLead();
    const applied = await applyDecision(handle.db, input(lead, emptyDecision({ outbound: Array.from({ length: count }, (_, i) => text("client", `m${i}`)) })));
    if (applied.outcome !== "applied") throw new Error("expected applied");
    return { lead: applied.lead, rows: applied.outbox };
  }

  const outboxRow = async (id: string) =>
    (await sql("SELECT status, provider_message_id, sent_at, attempts, next_attempt_at, updated_at FROM outbox_messages WHERE id = $1", [id]))[0];

  it("ride with the next decision, once: a second mark of the same row changes nothing", async () => {
    const { lead, rows } = await withOutbox(1);
    const row = rows[0];
    if (!row) throw new Error("no outbox row");
    const sentAt = new Date(Date.now() - 5_000);
    const mark = { id: row.id, providerMessageId: `wamid.sent-${crypto.randomUUID()}`, sentAt };
    const next = await applyDecision(handle.db, input(lead, emptyDecision(), { sentMarks: [mark] }));
    const expected = { status: "SENT", provider_message_id: mark.providerMessageId, sent_at: sentAt, attempts: 1, next_attempt_at: null, updated_at: sentAt };
    expect(await outboxRow(row.id)).toEqual(expected);
    if (next.outcome !== "applied") throw new Error("expected applied");
    await applyDecision(handle.db, input(next.lead, emptyDecision(), { sentMarks: [{ ...mark, sentAt: new Date() }] }));
    expect(await outboxRow(row.id)).toEqual(expected);
  });

  it("never move a row backwards (delivered, read, failed or skipped stays so)", async () => {
    const { lead, rows } = await withOutbox(4);
    const finals = ["DELIVERED", "READ", "FAILED", "SKIPPED"];
    for (const [i, row] of rows.entries()) await sql("UPDATE outbox_messages SET status = $2 WHERE id = $1", [row.id, finals[i]]);
    const marks = rows.map((r) => ({ id: r.id, providerMessageId: `wamid.late-${crypto.randomUUID()}`, sentAt: new Date() }));
    await applyDecision(handle.db, input(lead, emptyDecision(), { sentMarks: marks }));
    expect(await markOutboxSentMany(handle.db, marks)).toBe(0);
    expect(await sql("SELECT status, attempts, provider_message_id FROM outbox_messages WHERE lead_id = $1 ORDER BY seq", [lead.id])).toEqual(
      finals.map((status) => ({ status, attempts: 0, provider_message_id: null })),
    );
  });

  it("are applied with a duplicate decision, and rolled back with a stale one", async () => {
    const { lead, rows } = await withOutbox(2);
    const [a, b] = rows;
    if (!a || !b) throw new Error("no outbox rows");
    const first = input(lead, emptyDecision());
    const applied = await applyDecision(handle.db, first);
    if (applied.outcome !== "applied") throw new Error("expected applied");

    const markA = { id: a.id, providerMessageId: `wamid.a-${crypto.randomUUID()}`, sentAt: new Date() };
    await expect(applyDecision(handle.db, input(lead, emptyDecision(), { sentMarks: [markA] }))).rejects.toBeInstanceOf(StaleLeadError);
    expect(await outboxRow(a.id)).toMatchObject({ status: "PENDING", attempts: 0 });

    expect(await applyDecision(handle.db, { ...first, lead: applied.lead, sentMarks: [markA] })).toMatchObject({ outcome: "duplicate" });
    expect(await outboxRow(a.id)).toMatchObject({ status: "SENT", attempts: 1, provider_message_id: markA.providerMessageId });
    expect(await outboxRow(b.id)).toMatchObject({ status: "PENDING" });
  });

  it("markOutboxSentMany marks a batch in one statement, only what is still PENDING", async () => {
    const { rows } = await withOutbox(3);
    const marks = rows.map((r) => ({ id: r.id, providerMessageId: `wamid.batch-${crypto.randomUUID()}`, sentAt: new Date() }));
    expect(await markOutboxSentMany(handle.db, marks.slice(0, 1))).toBe(1);
    expect(await markOutboxSentMany(handle.db, marks)).toBe(2);
    expect(await markOutboxSentMany(handle.db, marks)).toBe(0);
    expect(await markOutboxSentMany(handle.db, [])).toBe(0);
    for (const [i, row] of rows.entries()) expect(await outboxRow(row.id)).toMatchObject({ status: "SENT", attempts: 1, provider_message_id: marks[i]?.providerMessageId });
  });
});

describe("ignored events and refusals", () => {
  it("recordIgnoredEvent: marker and event once; a redelivery records nothing", async () => {
    const lead = await freshLead();
    const event = { provider: "stripe", eventId: `evt_${crypto.randomUUID()}`, leadId: lead.id, type: "stripe.event_ignored", payload: { reason: "late", text: AWKWARD }, correlationId: "c" } as const;
    expect(await recordIgnoredEvent(handle.db, event)).toBe(true);
    expect(await recordIgnoredEvent(handle.db, event)).toBe(false);
    expect(await marker(event.eventId)).toEqual({ outcome: "ignored:late", result: null });
    expect(await sql("SELECT level, payload FROM system_events WHERE lead_id = $1", [lead.id])).toEqual([{ level: "warn", payload: { reason: "late", text: AWKWARD } }]);
  });

  it("recordUnlessApplied: records while the event is unknown; once applied, records nothing and returns its result", async () => {
    const lead = await freshLead();
    const applyInput = input(lead, emptyDecision(), { provider: "admin", result: { ok: true } });
    const refusal = { type: "artist.action_refused", level: "warn", leadId: lead.id, payload: { reason: "wrong_status" } } as const;
    expect(await recordUnlessApplied(handle.db, applyInput, refusal)).toEqual({ applied: false });
    await applyDecision(handle.db, applyInput);
    expect(await recordUnlessApplied(handle.db, applyInput, refusal)).toEqual({ applied: true, result: { ok: true } });
    expect(await sql("SELECT count(*)::int AS n FROM system_events WHERE type = 'artist.action_refused' AND lead_id = $1", [lead.id])).toEqual([{ n: 1 }]);
  });
});

describe("round trips, counted as the driver's frames at the WebSocket proxy", () => {
  /** Frames the driver sent while `run` ran, on a pool whose connection is already open. */
  async function framesOf(run: () => Promise<unknown>): Promise<number> {
    await handle.db.execute(drizzleSql`select 1`);
    const before = await proxyStats();
    await run();
    const after = await proxyStats();
    expect(after.connections).toBe(before.connections);
    return after.framesIn - before.framesIn;
  }

  it("the counter sees each statement: an interactive transaction of one query is three", async () => {
    expect(await framesOf(() => handle.db.transaction((tx) => tx.execute(drizzleSql`select 1`)))).toBe(3);
  });

  it("a full decision (answers, attachment, outbox, token used and minted, events, sent-marks) is one", async () => {
    const { lead, rows } = await (async () => {
      const l = await freshLead();
      const a = await applyDecision(handle.db, input(l, emptyDecision({ outbound: [text("client", "earlier")] })));
      if (a.outcome !== "applied") throw new Error("expected applied");
      return { lead: a.lead, rows: a.outbox };
    })();
    const token = await storedToken(lead.id);
    const decision = emptyDecision({
      transitions: [moveTo(LeadStatus.NEW, LeadStatus.QUALIFYING)],
      patch: { currentQuestion: "idea" },
      answers: [{ questionKey: "idea", rawText: "a dragon", value: { text: "a dragon" }, sourceMessageId: "m" }],
      attachments: [{ providerMediaId: `media-${crypto.randomUUID()}`, sourceMessageId: "m", mimeType: null, caption: null, kind: "image" }],
      outbound: [text("client", "next question"), text("artist", "fyi")],
      events: [{ type: "test.event", level: "info", payload: {} }],
    });
    const marks = rows.map((r) => ({ id: r.id, providerMessageId: `wamid.rt-${crypto.randomUUID()}`, sentAt: new Date() }));
    const newTokens: NewActionToken[] = [{ tokenHash: await sha256Hex(crypto.randomUUID()), action: "approve", allowedStatuses: ["PENDING_APPROVAL"], expiresAt: new Date(Date.now() + 60_000) }];
    let outcome: string | undefined;
    const frames = await framesOf(async () => {
      outcome = (await applyDecision(handle.db, input(lead, decision, { consumeTokenId: token, newTokens, sentMarks: marks }))).outcome;
    });
    expect(outcome).toBe("applied");
    expect(frames).toBe(1);
  });

  it("a duplicate, a stale version, an ignored event and a batch of sent-marks are one each", async () => {
    const lead = await freshLead();
    const first = input(lead, emptyDecision({ outbound: [text("client", "x")] }));
    const applied = await applyDecision(handle.db, first);
    if (applied.outcome !== "applied") throw new Error("expected applied");
    expect(await framesOf(() => applyDecision(handle.db, { ...first, lead: applied.lead }))).toBe(1);
    expect(await framesOf(() => applyDecision(handle.db, input(lead, emptyDecision())).catch((e: unknown) => e))).toBe(1);
    const ignored = { provider: "stripe", eventId: `evt_${crypto.randomUUID()}`, leadId: lead.id, type: "stripe.event_ignored", payload: {}, correlationId: "c" } as const;
    expect(await framesOf(() => recordIgnoredEvent(handle.db, ignored))).toBe(1);
    const marks = applied.outbox.map((r) => ({ id: r.id, providerMessageId: `wamid.rt-${crypto.randomUUID()}`, sentAt: new Date() }));
    expect(await framesOf(() => markOutboxSentMany(handle.db, marks))).toBe(1);
  });
});
