/**
 * The artist's morning digest through the real cron → queue → ArtistDesk path (issue 17): due at
 * the artist's hour on their own clock (Europe/London here, so 07:00Z in summer and 08:00Z in
 * winter), sent once per slot however often the cron runs, never before the hour.
 */
import { createScheduledController, env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderCopy } from "../../src/domain/copy.ts";
import { CRON_EVERY_5_MIN, runScheduled } from "../../src/scheduled.ts";
import { adminFetch, ARTIST_NUMBER, insertLead } from "../support/workers/artist.ts";
import { artistWindowOpen } from "../support/workers/client.ts";
import { sql } from "../support/workers/db.ts";
import { sentTo } from "../support/workers/whatsapp.ts";

/** Long enough for the local queue to have delivered whatever a cron run enqueued (batch timeout 2 s). */
const QUEUE_QUIET_MS = 3_500;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function cronAt(iso: string): Promise<void> {
  await runScheduled(createScheduledController({ cron: CRON_EVERY_5_MIN, scheduledTime: Date.parse(iso) }), env);
}

/**
 * Digests the cron sent since `before` for one of `slots` (a digest's first message's ref names its
 * slot: `digest-<slot ISO>-0`). Other files fire the cron at today's time while this file's artist wants a digest, and
 * may send one for today's slot, or the artist may ask with "today" (ref `desk-<message id>-digest-…`): those
 * are not this test's. Such a digest also claims today's slot, which would make this test's older
 * slot look sent: {@link sendableAgain} clears the claim right before a run that must send.
 */
/** The slots a run on these test days could claim: the day's 08:00 in London, and the day before's. */
const SUMMER_SLOTS = ["2026-07-01T07:00:00.000Z", "2026-06-30T07:00:00.000Z"];
const WINTER_SLOTS = ["2026-12-01T08:00:00.000Z", "2026-11-30T08:00:00.000Z"];

/** Forgets any slot claimed (by another file's cron at today's time) so this test's run is judged on its own. */
const sendableAgain = () => sql("UPDATE artists SET digest_sent_slot = NULL WHERE handle = 'default'");

const digestsSince = async (before: number, slots: readonly string[]) =>
  (await sentTo(ARTIST_NUMBER))
    .slice(before)
    .filter((s) => slots.some((slot) => s.body.biz_opaque_callback_data === `digest-${slot}-0`))
    .map((s) => s.body.text?.body ?? "")
    .filter((t) => t.startsWith(renderCopy("digest.heading")));

beforeEach(async () => {
  // The default artist (made from the config on first use) wants the digest at 08:00.
  expect((await adminFetch("/admin/artists")).status).toBe(200);
  await sql("UPDATE artists SET digest_hour = 8, digest_sent_slot = NULL WHERE handle = 'default'");
});

/** Leads this file left waiting long ago, taken out of the queue afterwards so no other file's digest names them first. */
const cleanup: string[] = [];

afterEach(async () => {
  await sql("UPDATE artists SET digest_hour = NULL WHERE handle = 'default'");
  if (cleanup.length > 0) await sql("UPDATE leads SET status_changed_at = now() WHERE id = ANY($1::uuid[])", [cleanup.splice(0)]);
});

describe("the morning digest on the artist's clock", () => {
  it("summer (BST): nothing at 07:55 local, the digest at 08:00 local (07:00Z), once however often the cron runs", { timeout: 60_000 }, async () => {
    // Waiting long, so named: other files leave many leads waiting, and the digest names the oldest
    // 20. (Not the oldest of all: artist-buttons' "today" test needs its lead first, from 2020.)
    const dawn = await insertLead("PENDING_APPROVAL", { display_name: "Dawn Digest", status_changed_at: "2021-01-01T00:00:00Z" });
    cleanup.push(dawn.id);
    const before = await artistWindowOpen();
    await cronAt("2026-07-01T06:55:00Z");
    await pause(QUEUE_QUIET_MS);
    expect(await digestsSince(before, SUMMER_SLOTS)).toEqual([]);

    await sendableAgain();
    await cronAt("2026-07-01T07:00:00Z");
    await vi.waitFor(async () => expect(await digestsSince(before, SUMMER_SLOTS)).toHaveLength(1), { timeout: 20_000, interval: 250 });
    const [digest] = await digestsSince(before, SUMMER_SLOTS);
    expect(digest).toMatch(/Waiting for your approval \(\d+\): Dawn Digest/);
    // The same run again, and the next one: the slot was sent.
    await cronAt("2026-07-01T07:00:00Z");
    await cronAt("2026-07-01T07:05:00Z");
    await pause(QUEUE_QUIET_MS);
    expect(await digestsSince(before, SUMMER_SLOTS)).toHaveLength(1);
    const [row] = await sql<{ digest_sent_slot: Date }>("SELECT digest_sent_slot FROM artists WHERE handle = 'default'");
    // Claimed (another file's cron may since have claimed today's, later slot: claims only move on).
    expect(row?.digest_sent_slot.getTime()).toBeGreaterThanOrEqual(Date.parse("2026-07-01T07:00:00.000Z"));
  });

  it("winter (GMT): 07:00Z is still 07:00 in London, so nothing; 08:00Z sends it", { timeout: 60_000 }, async () => {
    await insertLead("PENDING_APPROVAL", { display_name: "Winter Digest" });
    const before = await artistWindowOpen();
    await cronAt("2026-12-01T07:00:00Z");
    await pause(QUEUE_QUIET_MS);
    expect(await digestsSince(before, WINTER_SLOTS)).toEqual([]);
    await sendableAgain();
    await cronAt("2026-12-01T08:00:00Z");
    await vi.waitFor(async () => expect(await digestsSince(before, WINTER_SLOTS)).toHaveLength(1), { timeout: 20_000, interval: 250 });
  });

  it("digest switched off (no hour for the artist, ARTIST_DIGEST_HOUR off): the cron sends nothing", { timeout: 60_000 }, async () => {
    await sql("UPDATE artists SET digest_hour = NULL WHERE handle = 'default'");
    await insertLead("PENDING_APPROVAL");
    const before = await artistWindowOpen();
    await cronAt("2026-07-02T07:00:00Z");
    await pause(QUEUE_QUIET_MS);
    expect(await digestsSince(before, ["2026-07-02T07:00:00.000Z", "2026-07-01T07:00:00.000Z"])).toEqual([]);
  });
});
