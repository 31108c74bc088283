import { describe, expect, it } from "vitest";
import { adminKeyDespiteProblems, calendarConfigured, enabledFeatures, isPooledEndpoint, parseConfig, PRODUCTION_REQUIRED, sheetsConfigured } from "../../src/config.ts";

const complete = {
  APP_ENV: "production",
  ADMIN_API_KEY: "a-production-admin-key-0123456789abcdef",
  WHATSAPP_APP_SECRET: "secret",
  WHATSAPP_ACCESS_TOKEN: "token",
  WHATSAPP_PHONE_NUMBER_ID: "1234",
  STRIPE_SECRET_KEY: "sk_live_x",
  STRIPE_WEBHOOK_SECRET: "whsec_x",
  DATABASE_URL: "postgres://u:p@ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require",
  PUBLIC_BASE_URL: "https://inkline.example",
  GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ client_email: "inkline@project.iam.gserviceaccount.com", private_key: "-----BEGIN PRIVATE KEY-----\\nplaceholder\\n-----END PRIVATE KEY-----\\n" }),
  GOOGLE_CALENDAR_ID: "artist@example.com",
};

describe("parseConfig", () => {
  it("accepts a complete production config", () => {
    const result = parseConfig(complete);
    expect(result.ok).toBe(true);
  });

  it("refuses production without its secrets, listing every missing one in one error", () => {
    const result = parseConfig({ APP_ENV: "production" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    for (const key of PRODUCTION_REQUIRED) {
      expect(result.problems.some((p) => p.startsWith(`${key}:`))).toBe(true);
    }
    expect(result.problems).toHaveLength(PRODUCTION_REQUIRED.length);
  });

  it("refuses an admin key under 32 characters in production, naming the rule", () => {
    const result = parseConfig({ ...complete, ADMIN_API_KEY: "x".repeat(31) });
    expect(result).toEqual({ ok: false, problems: [expect.stringMatching(/^ADMIN_API_KEY: must be at least 32 characters in production/)] });
    expect(parseConfig({ ...complete, ADMIN_API_KEY: "x".repeat(32) }).ok).toBe(true);
  });

  it("refuses a direct (unpooled) Neon endpoint in production: a burst of clients must not exhaust the database", () => {
    const direct = "postgres://u:p@ep-cool-name-123456.eu-central-1.aws.neon.tech/neondb?sslmode=require";
    expect(parseConfig({ ...complete, DATABASE_URL: direct })).toEqual({ ok: false, problems: [expect.stringMatching(/^DATABASE_URL: production must use Neon's pooled endpoint/)] });
    expect(parseConfig({ APP_ENV: "development", DATABASE_URL: "postgres://u:p@127.0.0.1:54329/inkline" }).ok).toBe(true);
  });

  it("reads how many objects may work against Postgres at once (40 unless set), a whole number from 1", () => {
    const permits = (v?: string) => {
      const result = parseConfig(v === undefined ? {} : { DATABASE_OBJECT_PERMITS: v });
      return result.ok ? result.config.DATABASE_OBJECT_PERMITS : result.problems;
    };
    expect(permits()).toBe(40);
    expect(permits("8")).toBe(8);
    for (const bad of ["0", "2.5", "many", "1001"]) expect(permits(bad)).toEqual([expect.stringMatching(/^DATABASE_OBJECT_PERMITS: /)]);
  });

  it("keeps 16 characters enough outside production (the dev stack's default key works)", () => {
    expect(parseConfig({ APP_ENV: "development", ADMIN_API_KEY: "dev-admin-key-0123456789" }).ok).toBe(true);
    expect(parseConfig({ APP_ENV: "test", ADMIN_API_KEY: "x".repeat(16) }).ok).toBe(true);
    expect(parseConfig({ APP_ENV: "development", ADMIN_API_KEY: "x".repeat(15) }).ok).toBe(false);
  });

  it("a misconfigured deployment still knows its admin key if the key alone is good enough", () => {
    expect(adminKeyDespiteProblems({ APP_ENV: "production", ADMIN_API_KEY: "x".repeat(32) })).toBe("x".repeat(32));
    expect(adminKeyDespiteProblems({ APP_ENV: "production", ADMIN_API_KEY: "x".repeat(31) })).toBeUndefined();
    expect(adminKeyDespiteProblems({ APP_ENV: "nonsense", ADMIN_API_KEY: "x".repeat(20) })).toBeUndefined();
    expect(adminKeyDespiteProblems({ APP_ENV: "development", ADMIN_API_KEY: "x".repeat(20) })).toBe("x".repeat(20));
    expect(adminKeyDespiteProblems({ APP_ENV: "production" })).toBeUndefined();
  });

  it("refuses production with DEMO_MODE or BENCH_MODE on or emulator URLs set", () => {
    const result = parseConfig({
      ...complete,
      DEMO_MODE: "true",
      BENCH_MODE: "true",
      STRIPE_API_URL: "http://127.0.0.1:1",
      GOOGLE_TOKEN_URL: "http://127.0.0.1:2/token",
      GOOGLE_CALENDAR_API_URL: "http://127.0.0.1:2/calendar/v3",
      GOOGLE_SHEETS_API_URL: "http://127.0.0.1:2/v4",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DEMO_MODE/),
        expect.stringMatching(/^BENCH_MODE/),
        expect.stringMatching(/^STRIPE_API_URL/),
        expect.stringMatching(/^GOOGLE_TOKEN_URL/),
        expect.stringMatching(/^GOOGLE_CALENDAR_API_URL/),
        expect.stringMatching(/^GOOGLE_SHEETS_API_URL/),
      ]),
    );
  });

  it("the Sheets mirror is on only with the switch, the service account and a spreadsheet id; production asks for the account when a sheet is named", () => {
    const sheets = (vars: Record<string, string>) => {
      const result = parseConfig({ ...complete, ...vars });
      if (!result.ok) throw new Error(result.problems.join("; "));
      return sheetsConfigured(result.config);
    };
    expect(sheets({})).toBe(false);
    expect(sheets({ GOOGLE_SHEETS_SPREADSHEET_ID: "sheet-1" })).toBe(true);
    expect(sheets({ GOOGLE_SHEETS_SPREADSHEET_ID: "sheet-1", FEATURE_SHEETS: "false" })).toBe(false);
    const { GOOGLE_SERVICE_ACCOUNT_JSON: _key, ...withoutKey } = complete;
    const refused = parseConfig({ ...withoutKey, FEATURE_CALENDAR: "false", GOOGLE_SHEETS_SPREADSHEET_ID: "sheet-1" });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^GOOGLE_SERVICE_ACCOUNT_JSON: GOOGLE_SHEETS_SPREADSHEET_ID is set/)]));
  });

  it("asks production for the Google settings only while the calendar is on; the calendar is configured only with both", () => {
    const { GOOGLE_SERVICE_ACCOUNT_JSON: _key, GOOGLE_CALENDAR_ID: _id, ...withoutGoogle } = complete;
    expect(parseConfig(withoutGoogle)).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^GOOGLE_SERVICE_ACCOUNT_JSON: required in production/), expect.stringMatching(/^GOOGLE_CALENDAR_ID: required in production/)],
    });
    const off = parseConfig({ ...withoutGoogle, FEATURE_CALENDAR: "false" });
    expect(off.ok && calendarConfigured(off.config)).toBe(false);
    const on = parseConfig(complete);
    expect(on.ok && calendarConfigured(on.config)).toBe(true);
    expect(on.ok && enabledFeatures(on.config).calendar).toBe(true);
    const switchedOff = parseConfig({ ...complete, FEATURE_CALENDAR: "false" });
    expect(switchedOff.ok && calendarConfigured(switchedOff.config)).toBe(false);
  });

  it("reads the service account key (literal \\n in the PEM accepted) and names a broken one without echoing it", () => {
    const parsed = parseConfig({ GOOGLE_SERVICE_ACCOUNT_JSON: complete.GOOGLE_SERVICE_ACCOUNT_JSON });
    expect(parsed.ok && parsed.config.GOOGLE_SERVICE_ACCOUNT_JSON?.private_key).toBe("-----BEGIN PRIVATE KEY-----\nplaceholder\n-----END PRIVATE KEY-----");
    const secretish = JSON.stringify({ client_email: "not-an-email", private_key: "s3cret-not-a-pem" });
    const broken = parseConfig({ GOOGLE_SERVICE_ACCOUNT_JSON: secretish });
    expect(broken.ok ? [] : broken.problems).toEqual([expect.stringMatching(/^GOOGLE_SERVICE_ACCOUNT_JSON: client_email: /), expect.stringMatching(/^GOOGLE_SERVICE_ACCOUNT_JSON: private_key: must be a PKCS#8 PEM/)]);
    expect(JSON.stringify(broken)).not.toContain("s3cret");
    expect(parseConfig({ GOOGLE_SERVICE_ACCOUNT_JSON: "{not json" })).toEqual({ ok: false, problems: [expect.stringMatching(/^GOOGLE_SERVICE_ACCOUNT_JSON: is not JSON/)] });
    expect(parseConfig({ GOOGLE_CALENDAR_ID: "primary" })).toEqual({ ok: false, problems: [expect.stringMatching(/^GOOGLE_CALENDAR_ID: must be the artist's calendar id/)] });
  });

  it("refuses production on Neon's direct endpoint: a burst of objects would use up Postgres's connections", () => {
    const direct = "postgres://u:p@ep-cool-darkness-123456.eu-central-1.aws.neon.tech/neondb?sslmode=require";
    const result = parseConfig({ ...complete, DATABASE_URL: direct });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([expect.stringMatching(/^DATABASE_URL: production must use Neon's pooled endpoint/)]);
    // The problem names the variable, never the connection string (it carries the password).
    expect(result.problems.join(" ")).not.toContain("u:p@");
  });

  it.each([
    ["postgres://u:p@ep-a-1-pooler.eu-central-1.aws.neon.tech/db", true],
    ["postgresql://u:p@ep-a-1-pooler.c-2.us-east-2.aws.neon.tech:5432/db?sslmode=require", true],
    ["postgres://u:p@ep-a-1.eu-central-1.aws.neon.tech/db", false],
    ["postgres://u:p@db.example/pooler", false],
    ["postgres://u:p@pooler.example/db", false],
    ["not a url", false],
  ])("%s is the pooled endpoint: %s", (url, pooled) => {
    expect(isPooledEndpoint(url)).toBe(pooled);
  });

  it("serves development without secrets and reports which features are off", () => {
    const result = parseConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(enabledFeatures(result.config)).toMatchObject({ database: false, whatsapp: false, stripe: false });
  });

  it("names the variable when a value has the wrong shape", () => {
    const result = parseConfig({ PILOT_ALLOWLIST: "+447700900123, 0770", DATABASE_URL: "mysql://x", ARTIST_WHATSAPP_NUMBER: "077" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.join("\n")).toMatch(/PILOT_ALLOWLIST: "0770" is not an E.164 number/);
    expect(result.problems.join("\n")).toMatch(/DATABASE_URL: must be a postgres/);
    expect(result.problems.join("\n")).toMatch(/ARTIST_WHATSAPP_NUMBER/);
  });

  it("parses flags and lists", () => {
    const result = parseConfig({ PILOT_MODE: "1", PILOT_ALLOWLIST: "+447700900123,+33612345678", DEMO_MODE: "no" });
    expect(result.ok && result.config.PILOT_MODE).toBe(true);
    expect(result.ok && result.config.DEMO_MODE).toBe(false);
    expect(result.ok && result.config.PILOT_ALLOWLIST).toEqual(["+447700900123", "+33612345678"]);
  });
});

describe("timer and template settings", () => {
  const problems = (env: Record<string, string>) => {
    const result = parseConfig(env);
    return result.ok ? [] : result.problems;
  };

  it("reads quiet hours, the studio's zone, timer offsets and template names", () => {
    const result = parseConfig({
      QUIET_HOURS: "22-8",
      STUDIO_TIME_ZONE: "America/New_York",
      TIMER_HOURS: '{"consultation.nudge": 6, "artist.reminder_again": null}',
      WHATSAPP_TEMPLATE_NAMES: '{"consultation_nudge": "studio_nudge_v2"}',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      QUIET_HOURS: { fromHour: 22, untilHour: 8 },
      STUDIO_TIME_ZONE: "America/New_York",
      TIMER_HOURS: { "consultation.nudge": 6, "artist.reminder_again": null },
      WHATSAPP_TEMPLATE_NAMES: { consultation_nudge: "studio_nudge_v2" },
    });
    const defaults = parseConfig({});
    expect(defaults.ok && defaults.config).toMatchObject({ QUIET_HOURS: { fromHour: 21, untilHour: 9 }, STUDIO_TIME_ZONE: "Europe/London", TIMER_HOURS: {}, WHATSAPP_TEMPLATE_NAMES: {} });
    const off = parseConfig({ QUIET_HOURS: "off" });
    expect(off.ok && off.config.QUIET_HOURS).toBeNull();
  });

  it("names the setting and the problem when a value is wrong", () => {
    expect(problems({ QUIET_HOURS: "25-3" })).toEqual([expect.stringMatching(/^QUIET_HOURS: must be two different hours/)]);
    expect(problems({ STUDIO_TIME_ZONE: "Mars/Olympus" })).toEqual([expect.stringMatching(/^STUDIO_TIME_ZONE: must be an IANA time zone/)]);
    expect(problems({ TIMER_HOURS: '{"consultation.nudj": 6}' })).toEqual([expect.stringMatching(/^TIMER_HOURS: consultation\.nudj: unknown timer/)]);
    expect(problems({ TIMER_HOURS: "not json" })).toEqual([expect.stringMatching(/^TIMER_HOURS: must be a JSON object/)]);
    expect(problems({ WHATSAPP_TEMPLATE_NAMES: '{"nudge": "x"}' })).toEqual([expect.stringMatching(/^WHATSAPP_TEMPLATE_NAMES: nudge: not in the template registry/)]);
    expect(problems({ WHATSAPP_TEMPLATE_NAMES: '{"consultation_nudge": "Has Spaces"}' })).toEqual([expect.stringMatching(/^WHATSAPP_TEMPLATE_NAMES: consultation_nudge: must be a WhatsApp template name/)]);
  });
});

describe("phone numbers as an operator pastes them", () => {
  it.each([
    ["+447700900999", "an E.164 number as it is"],
    ["+44 7700 900999", "with spaces"],
    ["447700900999", "without the plus, as WhatsApp shows it"],
    ["0044 7700 900999", "with the international 00 prefix"],
    ["+44-7700-900-999", "with dashes"],
    ["+44 (0)7700 900999", "with the UK's (0) trunk marker"],
    ["(+44) 7700.900.999", "with parentheses and dots"],
    ["  +44\u00a07700 900999  ", "with a non-breaking space and padding"],
  ])("ARTIST_WHATSAPP_NUMBER %j (%s) becomes +447700900999", (pasted) => {
    const result = parseConfig({ ARTIST_WHATSAPP_NUMBER: pasted });
    expect(result).toMatchObject({ ok: true, config: { ARTIST_WHATSAPP_NUMBER: "+447700900999" } });
  });

  it("normalises every number of PILOT_ALLOWLIST, however it was pasted and separated", () => {
    const result = parseConfig({ PILOT_ALLOWLIST: "+44 7700 900999, 0033 6 12 34 56 78;1 (415) 555-0134\n447700900123" });
    expect(result).toMatchObject({ ok: true, config: { PILOT_ALLOWLIST: ["+447700900999", "+33612345678", "+14155550134", "+447700900123"] } });
  });

  it.each([
    ["07700 900999", "a national number has no country"],
    ["+44 7700 9OO999", "letters"],
    ["+44 77", "too short"],
    ["+44 7700 900999 1234 56", "too long"],
    ["+0044 7700 900999", "a plus and 00 both"],
    ["ask Mara", "not a number"],
  ])("still refuses %j (%s), naming the variable", (pasted) => {
    const artist = parseConfig({ ARTIST_WHATSAPP_NUMBER: pasted });
    expect(artist).toEqual({ ok: false, problems: ["ARTIST_WHATSAPP_NUMBER: must be an E.164 number like +447700900123"] });
    const pilot = parseConfig({ PILOT_ALLOWLIST: `+447700900999, ${pasted}` });
    expect(pilot).toEqual({ ok: false, problems: [`PILOT_ALLOWLIST: "${pasted.trim()}" is not an E.164 number`] });
  });

  it("leaves an empty artist number unset and an empty allowlist empty", () => {
    expect(parseConfig({ ARTIST_WHATSAPP_NUMBER: " ", PILOT_ALLOWLIST: "" })).toMatchObject({ ok: true, config: { ARTIST_WHATSAPP_NUMBER: undefined, PILOT_ALLOWLIST: [] } });
  });
});
