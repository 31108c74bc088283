/**
 * The Google emulator's own rules, driven over HTTP in Node: the token endpoint accepts only an
 * assertion Google would accept (our RS256 signature from auth.ts, the right audience, a short
 * life) and answers Google's OAuth errors otherwise; Calendar's limits (90 days per freeBusy, no
 * filters beside a sync token, no attendees); the week page and its "add by hand" form.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { accessToken, forgetAccessTokens, parseServiceAccount, signAssertion, type ServiceAccount } from "../../src/adapters/google/auth.ts";
import { generateServiceAccount, startGoogleEmulator, type RunningGoogleEmulator } from "../../dev/emulators/google/index.ts";

const CALENDAR = "artist@inkline.test";
const SCOPE = "https://www.googleapis.com/auth/calendar.events";
let emulator: RunningGoogleEmulator;
let account: ServiceAccount;
let impostor: ServiceAccount;

const read = (json: string): ServiceAccount => {
  const parsed = parseServiceAccount(json);
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.value;
};

beforeAll(async () => {
  const generated = generateServiceAccount("unit@inkline-unit.iam.gserviceaccount.com", "https://oauth2.googleapis.com/token");
  account = read(generated.json);
  impostor = read(generateServiceAccount(generated.clientEmail, "https://oauth2.googleapis.com/token").json);
  emulator = await startGoogleEmulator({ port: 0, serviceAccounts: [{ clientEmail: generated.clientEmail, publicKeyPem: generated.publicKeyPem }], calendars: [CALENDAR] });
});

afterAll(() => emulator.close());

beforeEach(() => {
  emulator.reset();
  forgetAccessTokens();
});

async function exchange(assertion: string, grantType = "urn:ietf:params:oauth:grant-type:jwt-bearer") {
  const res = await fetch(emulator.tokenUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: grantType, assertion }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("token endpoint", () => {
  it("issues a bearer token for a correctly signed assertion", async () => {
    const { status, body } = await exchange(await signAssertion(account, SCOPE, emulator.tokenUrl, Date.now()));
    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.stringMatching(/^ya29\./) as unknown, expires_in: 3599, token_type: "Bearer" });
  });

  it("refuses a bad signature, an expired assertion, the wrong audience and another grant type, in Google's error shape", async () => {
    expect(await exchange(await signAssertion(impostor, SCOPE, emulator.tokenUrl, Date.now()))).toEqual({ status: 400, body: { error: "invalid_grant", error_description: "Invalid JWT Signature." } });
    const expired = await exchange(await signAssertion(account, SCOPE, emulator.tokenUrl, Date.now() - 2 * 3_600_000));
    expect(expired).toEqual({ status: 400, body: { error: "invalid_grant", error_description: expect.stringMatching(/^Invalid JWT: Token must be a short-lived token/) as unknown } });
    const wrongAudience = await exchange(await signAssertion(account, SCOPE, "https://oauth2.googleapis.com/token", Date.now()));
    expect(wrongAudience).toEqual({ status: 400, body: { error: "invalid_grant", error_description: expect.stringMatching(/Failed audience check/) as unknown } });
    expect((await exchange("a.b.c", "client_credentials")).body.error).toBe("unsupported_grant_type");
    expect(emulator.tokensIssued()).toBe(0);
  });

  it("through auth.ts: one token for many asks, a new one once five minutes or less are left", async () => {
    emulator.configure({ advertisedTtlSeconds: 302 });
    let now = Date.now();
    const auth = { account, scope: SCOPE, tokenUrl: emulator.tokenUrl, timeoutMs: 2_000, now: () => now };
    const first = await accessToken(auth);
    const second = await accessToken(auth);
    expect(first.ok && second.ok && first.value === second.value).toBe(true);
    now += 1_000; // 301 s left: still cached
    expect(await accessToken(auth)).toEqual(first);
    expect(emulator.tokensIssued()).toBe(1);
    now += 2_000; // 299 s left: replaced
    const third = await accessToken(auth);
    expect(third.ok && first.ok && third.value !== first.value).toBe(true);
    expect(emulator.tokensIssued()).toBe(2);
  });
});

describe("Calendar API rules", () => {
  async function call(method: string, path: string, body?: unknown) {
    const token = await accessToken({ account, scope: `${SCOPE} https://www.googleapis.com/auth/calendar.freebusy`, tokenUrl: emulator.tokenUrl, timeoutMs: 2_000, now: () => Date.now() });
    if (!token.ok) throw new Error("no token");
    const res = await fetch(`${emulator.calendarApiUrl}${path}`, { method, headers: { authorization: `Bearer ${token.value}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as { error?: { errors: { reason: string }[] } }) };
  }

  it("refuses a freeBusy range over 90 days or empty, a sync token with filters, attendees, and a call without a token", async () => {
    const reason = (r: Awaited<ReturnType<typeof call>>) => r.body?.error?.errors[0]?.reason;
    expect(reason(await call("POST", "/freeBusy", { timeMin: "2027-01-01T00:00:00Z", timeMax: "2027-04-02T00:00:00Z", items: [{ id: CALENDAR }] }))).toBe("timeRangeTooLong");
    expect(reason(await call("POST", "/freeBusy", { timeMin: "2027-01-01T00:00:00Z", timeMax: "2027-01-01T00:00:00Z", items: [{ id: CALENDAR }] }))).toBe("timeRangeEmpty");
    expect(reason(await call("GET", `/calendars/${encodeURIComponent(CALENDAR)}/events?syncToken=x&timeMin=2027-01-01T00:00:00Z`))).toBe("invalid");
    const attendees = await call("POST", `/calendars/${encodeURIComponent(CALENDAR)}/events`, { start: { dateTime: "2027-01-01T10:00:00Z" }, end: { dateTime: "2027-01-01T11:00:00Z" }, attendees: [{ email: "client@example.com" }] });
    expect([attendees.status, reason(attendees)]).toEqual([403, "forbiddenForServiceAccounts"]);
    const anonymous = await fetch(`${emulator.calendarApiUrl}/calendars/${encodeURIComponent(CALENDAR)}/events`);
    expect(anonymous.status).toBe(401);
  });

  it("faults queued per operation wait for their own calls, beside the one armed for all; arming none clears them", async () => {
    const token = await accessToken({ account, scope: `${SCOPE} https://www.googleapis.com/auth/calendar.freebusy`, tokenUrl: emulator.tokenUrl, timeoutMs: 2_000, now: () => Date.now() });
    if (!token.ok) throw new Error("no token");
    const raw = (method: string, path: string, body?: unknown) =>
      fetch(`${emulator.calendarApiUrl}${path}`, { method, headers: { authorization: `Bearer ${token.value}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const events = `/calendars/${encodeURIComponent(CALENDAR)}/events`;
    const freeBusy = () => raw("POST", "/freeBusy", { timeMin: "2027-01-01T00:00:00Z", timeMax: "2027-01-02T00:00:00Z", items: [{ id: CALENDAR }] });
    const insert = (id: string) => raw("POST", events, { id, start: { dateTime: "2027-01-01T10:00:00Z" }, end: { dateTime: "2027-01-01T11:00:00Z" } });

    emulator.failNext(1, "503", "freeBusy");
    emulator.queueFailures("insert", ["429", "500"], 3);
    emulator.queueFailures("delete", ["500"]);
    const limited = await insert("queuedfaults1");
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "3"]);
    expect((await insert("queuedfaults1")).status).toBe(500);
    expect((await freeBusy()).status).toBe(503);
    expect((await insert("queuedfaults1")).status).toBe(200);
    expect((await raw("DELETE", `${events}/queuedfaults1`)).status).toBe(500);
    expect((await raw("DELETE", `${events}/queuedfaults1`)).status).toBe(204);
    expect(emulator.calls().filter((c) => c.injected).map((c) => `${c.operation ?? ""} ${String(c.status)}`)).toEqual(["insert 429", "insert 500", "freeBusy 503", "delete 500"]);

    emulator.queueFailures("patch", ["500"]);
    emulator.failNext(0, "500");
    expect((await freeBusy()).status).toBe(200);
    expect((await raw("PATCH", `${events}/queuedfaults1`, { summary: "x" })).status).not.toBe(500);
  });
});

describe("faults scoped to what a test controls", () => {
  const OTHER = "other@inkline.test";
  const token = async () => {
    const t = await accessToken({ account, scope: `${SCOPE} https://www.googleapis.com/auth/calendar.freebusy`, tokenUrl: emulator.tokenUrl, timeoutMs: 2_000, now: () => Date.now() });
    if (!t.ok) throw new Error("no token");
    return t.value;
  };
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; retryAfter: string | null }> {
    const res = await fetch(`${emulator.calendarApiUrl}${path}`, { method, headers: { authorization: `Bearer ${await token()}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    await res.arrayBuffer();
    return { status: res.status, retryAfter: res.headers.get("retry-after") };
  }
  const freeBusyOf = (calendarId: string, timeMin = "2027-01-04T00:00:00Z", timeMax = "2027-01-05T00:00:00Z") => call("POST", "/freeBusy", { timeMin, timeMax, items: [{ id: calendarId }] });
  const events = (calendarId: string) => `/calendars/${encodeURIComponent(calendarId)}/events`;
  const insert = (calendarId: string, id: string, start = "2027-01-04T10:00:00Z", end = "2027-01-04T11:00:00Z") => call("POST", events(calendarId), { id, start: { dateTime: start }, end: { dateTime: end } });

  beforeEach(() => {
    emulator.reset();
    emulator.failNext(0, "500");
  });

  it("a fault for one calendar fails only calls on it (freeBusy by its items, events by their path); other calendars pass and keep it armed", async () => {
    await fetch(`${emulator.url}/_emulator/calendars`, { method: "POST", body: JSON.stringify({ id: OTHER }) });
    emulator.failNext(2, "503", undefined, undefined, { calendarId: OTHER });
    expect((await freeBusyOf(CALENDAR)).status).toBe(200);
    expect((await insert(CALENDAR, "evtcalendar1")).status).toBe(200);
    expect((await freeBusyOf(OTHER)).status).toBe(503);
    expect((await call("GET", events(OTHER))).status).toBe(503);
    // Used up: the third call on it passes.
    expect((await call("GET", events(OTHER))).status).toBe(200);
  });

  it("a fault for one event hits its insert and reads, never another event's; its Retry-After is its own", async () => {
    emulator.failNext(1, "429", "insert", 9, { eventId: "evtmine1" });
    emulator.failNext(1, "500", "get", undefined, { eventId: "evtmine1" });
    expect((await insert(CALENDAR, "evttheirs1")).status).toBe(200);
    expect(await insert(CALENDAR, "evtmine1")).toEqual({ status: 429, retryAfter: "9" });
    expect((await insert(CALENDAR, "evtmine1")).status).toBe(200);
    expect((await call("GET", `${events(CALENDAR)}/evttheirs1`)).status).toBe(200);
    expect(await call("GET", `${events(CALENDAR)}/evtmine1`)).toEqual({ status: 500, retryAfter: null });
  });

  it("a fault for a stretch of time hits freeBusy and inserts about that time only", async () => {
    emulator.failNext(5, "500", undefined, undefined, { during: { start: "2027-02-01T10:00:00Z", end: "2027-02-01T12:00:00Z" } });
    expect((await freeBusyOf(CALENDAR)).status).toBe(200); // 4 January
    expect((await freeBusyOf(CALENDAR, "2027-02-01T11:00:00Z", "2027-02-01T15:00:00Z")).status).toBe(500);
    expect((await freeBusyOf(CALENDAR, "2027-02-01T12:00:00Z", "2027-02-01T15:00:00Z")).status).toBe(200); // touching is not overlapping
    expect((await insert(CALENDAR, "evtfeb1a", "2027-02-01T09:00:00Z", "2027-02-01T10:30:00Z")).status).toBe(500);
    expect((await insert(CALENDAR, "evtjan1a")).status).toBe(200);
    // A list without a range is about no time in particular: never in a time scope.
    expect((await call("GET", events(CALENDAR))).status).toBe(200);
  });

  it("a fault for a sync token hits only the list that continues it", async () => {
    const full = await fetch(`${emulator.calendarApiUrl}${events(CALENDAR)}`, { headers: { authorization: `Bearer ${await token()}` } });
    const { nextSyncToken } = (await full.json()) as { nextSyncToken: string };
    emulator.failNext(1, "503", "list", undefined, { syncToken: nextSyncToken });
    expect((await call("GET", events(CALENDAR))).status).toBe(200);
    expect((await call("GET", `${events(CALENDAR)}?syncToken=${encodeURIComponent(nextSyncToken)}`)).status).toBe(503);
    expect((await call("GET", `${events(CALENDAR)}?syncToken=${encodeURIComponent(nextSyncToken)}`)).status).toBe(200);
  });

  it("scopes armed together do not replace each other; disarming one keeps the others; unscoped arming still fails any call", async () => {
    const control = (body: unknown) => fetch(`${emulator.url}/_emulator/fail`, { method: "POST", body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { faults?: unknown[] } }));
    expect((await control({ count: 1, mode: "500", only: "freeBusy", scope: { calendarId: "a@inkline.test" } })).body.faults).toHaveLength(1);
    expect((await control({ count: 1, mode: "500", only: "freeBusy", scope: { calendarId: "b@inkline.test" } })).body.faults).toHaveLength(2);
    expect((await control({ count: 0, mode: "500", scope: { calendarId: "a@inkline.test" } })).body.faults).toEqual([expect.objectContaining({ scope: { calendarId: "b@inkline.test" } })]);
    expect((await control({ count: 1, mode: "500", scope: { when: "soon" } })).status).toBe(400);
    expect((await control({ count: 1, mode: "500", scope: { during: { start: "later", end: "2027-01-01T00:00:00Z" } } })).status).toBe(400);
    await control({ count: 1, mode: "500", only: "freeBusy" });
    expect((await freeBusyOf(CALENDAR)).status).toBe(500);
    expect((await freeBusyOf(CALENDAR)).status).toBe(200);
    emulator.failNext(0, "500");
    expect(emulator.calls().filter((c) => c.injected)).toHaveLength(1);
  });
});

describe("the artist's week page", () => {
  it("shows the week's events by day, and its form adds one by hand", async () => {
    const form = new URLSearchParams({ summary: "Dentist", start: "2027-01-06T10:00", end: "2027-01-06T11:30" });
    const added = await fetch(`${emulator.url}/_emulator/calendar/add?id=${encodeURIComponent(CALENDAR)}&tz=UTC&week=2027-01-04`, { method: "POST", body: form, redirect: "manual" });
    expect(added.status).toBe(303);
    expect(emulator.events(CALENDAR)).toEqual([expect.objectContaining({ summary: "Dentist", source: "by hand", start: { dateTime: "2027-01-06T10:00:00Z" } })]);
    const page = await (await fetch(`${emulator.calendarPageUrl(CALENDAR)}&week=2027-01-06&tz=UTC`)).text();
    expect(page).toMatch(/<section data-day="2027-01-06"><h3>[^<]+<\/h3><ul><li class="hand"[^>]*><b>10:00–11:30<\/b> Dentist/);
    expect(page).toContain('data-day="2027-01-04"');
    expect(page).toContain('data-day="2027-01-10"');
  });
});
