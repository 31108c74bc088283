/**
 * The Google Calendar adapter in the Workers runtime against the Google emulator over loopback:
 * the service-account token (minted once, one re-mint on a 401, a key Google refuses), freeBusy
 * (a calendar Google cannot see is a failure, long ranges split), inserts that happen exactly once
 * (answer lost, then retried), ids held by someone else, idempotent deletes, stale etags, sync
 * tokens, and how rate limits, outages and hangs come back.
 */
import { inject } from "vitest";
import { beforeEach, describe, expect, it } from "vitest";
import { forgetAccessTokens, parseServiceAccount } from "../../src/adapters/google/auth.ts";
import { deleteEvent, freeBusy, getEvent, insertEvent, listEvents, patchEvent, syncEvents, type BookingEventInput, type CalendarClient } from "../../src/adapters/google/calendar.ts";
import { eventIdFor } from "../../src/adapters/google/event-id.ts";
import { google, testCalendar } from "../support/workers/google.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2027-03-01T00:00:00Z");
const at = (ms: number) => new Date(ms).toISOString();

function booking(bookingId: string, revision = 1): BookingEventInput {
  return {
    bookingId,
    revision,
    summary: "Tattoo — Ana R. (deposit paid)",
    start: { dateTime: "2027-03-02T10:00:00Z", timeZone: "Europe/London" },
    end: { dateTime: "2027-03-02T14:00:00Z", timeZone: "Europe/London" },
    privateProperties: { leadId: "lead-1" },
  };
}

let client: CalendarClient;
let calendarId: string;

/**
 * A calendar of this test's own, shared with the service account: faults are armed for it alone
 * (scope `calendarId`), so no other file's Google calls meet them.
 */
async function ownCalendar(): Promise<string> {
  const id = `own-${crypto.randomUUID().slice(0, 8)}@inkline.test`;
  await google.addCalendar(id);
  return id;
}

beforeEach(async () => {
  await google.reset();
  forgetAccessTokens();
  ({ client, calendarId } = testCalendar());
});

describe("service-account token", () => {
  it("is minted once and reused across calls", async () => {
    expect((await freeBusy(client, calendarId, new Date(T0), new Date(T0 + DAY))).ok).toBe(true);
    expect((await listEvents(client, calendarId)).ok).toBe(true);
    expect((await getEvent(client, calendarId, "nosuchevent1")).ok).toBe(true);
    expect(await google.tokensIssued()).toBe(1);
    expect((await google.calls("token")).map((c) => c.status)).toEqual([200]);
  });

  it("a token Google stopped accepting (revoked, or expired before it said) is minted again exactly once, and the call goes through", async () => {
    await freeBusy(client, calendarId, new Date(T0), new Date(T0 + DAY));
    await google.revokeTokens();
    const again = await freeBusy(client, calendarId, new Date(T0), new Date(T0 + DAY));
    expect(again.ok).toBe(true);
    expect(await google.tokensIssued()).toBe(2);
    expect((await google.calls("freeBusy")).map((c) => c.status)).toEqual([200, 401, 200]);
  });

  it("when even the new token is refused, gives up after one re-mint with a permanent failure", async () => {
    await google.configure({ tokenTtlSeconds: 0 });
    const result = await listEvents(client, calendarId);
    expect(result).toMatchObject({ ok: false, error: { kind: "permanent", status: 401, reason: "authError" } });
    expect(await google.tokensIssued()).toBe(2);
    expect((await google.calls("list")).map((c) => c.status)).toEqual([401, 401]);
  });

  it("a key Google does not know is a clear permanent failure, and the API is never called", async () => {
    const untrusted = parseServiceAccount(inject("googleUntrustedKeyJson"));
    if (!untrusted.ok) throw new Error(untrusted.problems.join("; "));
    const stranger: CalendarClient = { ...client, auth: { ...client.auth, account: untrusted.value } };
    const result = await freeBusy(stranger, calendarId, new Date(T0), new Date(T0 + DAY));
    expect(result).toEqual({ ok: false, error: { kind: "permanent", status: 400, reason: "invalid_grant", message: "token exchange refused: Invalid JWT Signature." } });
    expect(JSON.stringify(result)).not.toContain("PRIVATE KEY");
    expect(await google.calls("freeBusy")).toEqual([]);

    const garbled = { ...client.auth.account, private_key: "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----" };
    const broken = await freeBusy({ ...client, auth: { ...client.auth, account: garbled } }, calendarId, new Date(T0), new Date(T0 + DAY));
    expect(broken).toMatchObject({ ok: false, error: { kind: "permanent", reason: "invalid_key" } });
  });
});

describe("freeBusy", () => {
  it("returns the artist's busy time, and a calendar Google cannot see is a failure, never free", async () => {
    await google.addByHand({ calendarId, start: "2027-03-01T09:00:00Z", end: "2027-03-01T11:00:00Z", summary: "Dentist" });
    const busy = await freeBusy(client, calendarId, new Date(T0), new Date(T0 + DAY));
    expect(busy).toEqual({ ok: true, value: [{ startMs: Date.parse("2027-03-01T09:00:00Z"), endMs: Date.parse("2027-03-01T11:00:00Z") }] });

    const unshared = await freeBusy(client, "not-shared@inkline.test", new Date(T0), new Date(T0 + DAY));
    expect(unshared).toMatchObject({ ok: false, error: { kind: "permanent", reason: "notFound", status: 200 } });
  });

  it("asks a range over 90 days in 90-day calls and merges an event across a boundary into one interval", async () => {
    const boundary = T0 + 90 * DAY;
    await google.addByHand({ calendarId, start: at(T0 + DAY), end: at(T0 + DAY + 3_600_000) });
    await google.addByHand({ calendarId, start: at(boundary - 3_600_000), end: at(boundary + 3_600_000), summary: "Convention" });
    await google.addByHand({ calendarId, start: at(T0 + 190 * DAY), end: at(T0 + 190 * DAY + 3_600_000) });
    const busy = await freeBusy(client, calendarId, new Date(T0), new Date(T0 + 200 * DAY));
    expect(busy).toEqual({
      ok: true,
      value: [
        { startMs: T0 + DAY, endMs: T0 + DAY + 3_600_000 },
        { startMs: boundary - 3_600_000, endMs: boundary + 3_600_000 },
        { startMs: T0 + 190 * DAY, endMs: T0 + 190 * DAY + 3_600_000 },
      ],
    });
    expect((await google.calls("freeBusy")).map((c) => c.status)).toEqual([200, 200, 200]);
    expect(await freeBusy(client, calendarId, new Date(T0), new Date(T0))).toEqual({ ok: true, value: [] });
    expect(await google.calls("freeBusy")).toHaveLength(3);
  });
});

describe("events", () => {
  it("an insert whose answer was lost, retried, is one event, adopted", async () => {
    const own = await ownCalendar();
    await google.fail({ calendarId: own }, 1, "lost", "insert");
    const lost = await insertEvent(client, own, booking("booking-lost"));
    expect(lost).toMatchObject({ ok: false, error: { kind: "retryable", reason: "network" } });
    const retried = await insertEvent(client, own, booking("booking-lost"));
    expect(retried).toMatchObject({ ok: true, value: { adopted: true, event: { id: eventIdFor("booking-lost", 1), status: "confirmed" } } });
    const events = await google.events(own);
    expect(events).toHaveLength(1);
    expect(events[0]?.extendedProperties?.private).toEqual({ leadId: "lead-1", inkline: "1", bookingId: "booking-lost", rev: "1" });
  });

  it("writes no attendees and sends no updates; a fresh insert is not adopted", async () => {
    const inserted = await insertEvent(client, calendarId, booking("booking-plain"));
    expect(inserted).toMatchObject({ ok: true, value: { adopted: false, event: { id: eventIdFor("booking-plain", 1) } } });
    const calls = await google.calls("insert");
    expect(calls.map((c) => [c.status, c.query])).toEqual([[200, "?sendUpdates=none"]]);
    // The emulator refuses attendees from a service account (403), as Google does.
  });

  it("our id held by an event that is not ours is a permanent conflict; our own cancelled event asks for the next revision", async () => {
    await google.addByHand({ calendarId, id: eventIdFor("booking-taken", 1), start: "2027-03-02T10:00:00Z", end: "2027-03-02T11:00:00Z" });
    const taken = await insertEvent(client, calendarId, booking("booking-taken"));
    expect(taken).toMatchObject({ ok: false, error: { kind: "id_taken", status: 409, eventId: eventIdFor("booking-taken", 1) } });

    const first = await insertEvent(client, calendarId, booking("booking-again"));
    if (!first.ok) throw new Error("insert failed");
    expect((await deleteEvent(client, calendarId, first.value.event.id)).ok).toBe(true);
    const same = await insertEvent(client, calendarId, booking("booking-again"));
    expect(same).toMatchObject({ ok: false, error: { kind: "id_cancelled" } });
    const next = await insertEvent(client, calendarId, booking("booking-again", 2));
    expect(next.ok && next.value.event.id).toBe(eventIdFor("booking-again", 2));
  });

  it("delete is idempotent: a second delete and an unknown id are done too", async () => {
    const inserted = await insertEvent(client, calendarId, booking("booking-delete"));
    if (!inserted.ok) throw new Error("insert failed");
    expect(await deleteEvent(client, calendarId, inserted.value.event.id)).toEqual({ ok: true, value: { alreadyGone: false } });
    expect(await deleteEvent(client, calendarId, inserted.value.event.id)).toEqual({ ok: true, value: { alreadyGone: true } });
    expect(await deleteEvent(client, calendarId, "neverexisted1")).toEqual({ ok: true, value: { alreadyGone: true } });
    expect((await google.calls("delete")).map((c) => c.status)).toEqual([204, 410, 404]);
  });

  it("patch with the current etag applies; with a stale one it is refused as stale_etag", async () => {
    const inserted = await insertEvent(client, calendarId, booking("booking-patch"));
    if (!inserted.ok) throw new Error("insert failed");
    const { id, etag } = inserted.value.event;
    const moved = await patchEvent(client, calendarId, id, { summary: "Tattoo — moved" }, { etag });
    expect(moved).toMatchObject({ ok: true, value: { summary: "Tattoo — moved" } });
    expect(moved.ok && moved.value.etag).not.toBe(etag);
    const stale = await patchEvent(client, calendarId, id, { summary: "Tattoo — overwritten" }, { etag });
    expect(stale).toMatchObject({ ok: false, error: { kind: "stale_etag", status: 412 } });
    const read = await getEvent(client, calendarId, id);
    expect(read.ok && read.value?.summary).toBe("Tattoo — moved");
    expect(await deleteEvent(client, calendarId, id, { etag })).toMatchObject({ ok: false, error: { kind: "stale_etag" } });
  });

  it("a sync token brings the changes since (the artist's new event, our cancelled one), across pages", async () => {
    for (const n of [1, 2, 3]) await insertEvent(client, calendarId, booking(`booking-sync-${n}`));
    const full = await syncEvents(client, calendarId, null, { maxResults: 2 });
    if (!full.ok) throw new Error("full sync failed");
    expect(full.value.events.map((e) => e.extendedProperties?.private?.bookingId)).toEqual(["booking-sync-1", "booking-sync-2", "booking-sync-3"]);
    expect((await google.calls("list")).length).toBe(2);

    await google.addByHand({ calendarId, start: "2027-03-02T12:00:00Z", end: "2027-03-02T13:00:00Z", summary: "Lunch with Jo" });
    await deleteEvent(client, calendarId, eventIdFor("booking-sync-2", 1));
    const changes = await syncEvents(client, calendarId, full.value.nextSyncToken);
    if (!changes.ok) throw new Error("incremental sync failed");
    expect(changes.value.events.map((e) => [e.summary ?? null, e.status])).toEqual([
      ["Lunch with Jo", "confirmed"],
      [null, "cancelled"],
    ]);
    expect(changes.value.events[1]?.id).toBe(eventIdFor("booking-sync-2", 1));
    const nothing = await syncEvents(client, calendarId, changes.value.nextSyncToken);
    expect(nothing.ok && nothing.value.events).toEqual([]);
  });

  it("a sync token Google no longer accepts (410) asks for a full resync", async () => {
    const full = await syncEvents(client, calendarId, null);
    if (!full.ok) throw new Error("full sync failed");
    await google.invalidateSyncTokens(calendarId);
    expect(await listEvents(client, calendarId, { syncToken: full.value.nextSyncToken })).toMatchObject({ ok: false, error: { kind: "full_resync_needed", status: 410 } });
  });
});

describe("failures", () => {
  it("429 and 403 rateLimitExceeded are retryable, with Retry-After when Google sends one", async () => {
    const own = await ownCalendar();
    await google.fail({ calendarId: own }, 1, "429", "freeBusy", 7);
    // The shared calendar is not in the fault's scope: its freeBusy goes through.
    expect((await freeBusy(client, calendarId, new Date(T0), new Date(T0 + DAY))).ok).toBe(true);
    expect(await freeBusy(client, own, new Date(T0), new Date(T0 + DAY))).toMatchObject({
      ok: false,
      error: { kind: "retryable", status: 429, reason: "rateLimitExceeded", retryAfterMs: 7000 },
    });
    await google.fail({ calendarId: own }, 1, "403-rate", "get");
    expect(await getEvent(client, own, "anyevent1")).toMatchObject({ ok: false, error: { kind: "retryable", status: 403, reason: "rateLimitExceeded", retryAfterMs: null } });
  });

  it("the per-minute limit answers 403 rateLimitExceeded, retryable", async () => {
    await google.configure({ rateLimitPerMinute: 2 });
    expect((await listEvents(client, calendarId)).ok).toBe(true);
    expect((await listEvents(client, calendarId)).ok).toBe(true);
    expect(await listEvents(client, calendarId)).toMatchObject({ ok: false, error: { kind: "retryable", status: 403, reason: "rateLimitExceeded" } });
  });

  it("5xx and a hang are retryable; a bad request is permanent", async () => {
    const own = await ownCalendar();
    await google.fail({ calendarId: own }, 1, "503", "list");
    expect(await listEvents(client, own)).toMatchObject({ ok: false, error: { kind: "retryable", status: 503, reason: "backendError" } });
    await google.fail({ calendarId: own }, 1, "timeout", "get");
    const started = Date.now();
    expect(await getEvent(client, own, "anyevent1")).toMatchObject({ ok: false, error: { kind: "retryable", status: null, reason: "timeout" } });
    expect(Date.now() - started).toBeLessThan(5_000);
    const badTime = await insertEvent(client, calendarId, { ...booking("booking-bad"), end: { dateTime: "2027-03-02T09:00:00Z" } });
    expect(badTime).toMatchObject({ ok: false, error: { kind: "permanent", status: 400, reason: "timeRangeEmpty" } });
  });
});
