/**
 * Configuration: one zod schema over the Worker's env, parsed once per env object.
 *
 * Fails closed: with APP_ENV=production, a missing secret, DEMO_MODE=true, BENCH_MODE=true or a
 * DATABASE_URL that is not Neon's pooled endpoint is an error, and the error lists every problem at once so an operator fixes them in one deploy.
 */
import { z } from "zod";
import { CATALOGUES, DEFAULT_LOCALE, type CopyKey } from "../copy/index.ts";
import { pastedToE164 } from "./domain/phone.ts";
import { TourScheduleSchema } from "./domain/tour-schedule.ts";
import { DEFAULT_STUDIO_TIME_ZONE, isTimeZone } from "./domain/local-time.ts";
import { isTemplateKey, TEMPLATE_KEYS, TEMPLATE_NAME_PATTERN, type TemplateKey } from "./domain/templates.ts";
import { isTimerKind, TIMER_KINDS, type TimerKind } from "./domain/timers.ts";
import { parseServiceAccount, type ServiceAccount } from "./adapters/google/auth.ts";

const flag = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .default("false")
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** A feature switch: on unless set to false/0/no (an empty value keeps the default). */
const featureSwitch = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .default("true")
  .transform((v) => v !== "false" && v !== "0" && v !== "no");

const optionalSecret = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

/** One phone number as an operator pastes it ("+44 7700 900999", "0044…", "447700900999"), stored as E.164. */
const e164 = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === "") return undefined;
    const number = pastedToE164(v);
    if (number === null) ctx.addIssue({ code: "custom", message: "must be an E.164 number like +447700900123" });
    return number ?? undefined;
  });

/** Phone numbers separated by commas, semicolons or new lines, each as {@link e164} reads it. */
const e164List = z
  .string()
  .default("")
  .transform((v, ctx) => {
    const items = v
      .split(/[,;\n]/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const numbers: string[] = [];
    for (const item of items) {
      const number = pastedToE164(item);
      if (number === null) ctx.addIssue({ code: "custom", message: `"${item}" is not an E.164 number` });
      else numbers.push(number);
    }
    return numbers;
  });

/** A JSON-valued setting checked by `schema`; `what` says what it must be. */
function jsonSetting<T>(fallback: string, schema: z.ZodType<T>, what: string) {
  return z
    .string()
    .default(fallback)
    .transform((v, ctx): T => {
      let json: unknown;
      try {
        json = JSON.parse(v.trim() === "" ? fallback : v);
      } catch {
        ctx.addIssue({ code: "custom", message: `must be ${what}` });
        return z.NEVER;
      }
      const parsed = schema.safeParse(json);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: `${issue.path.join(".") || "value"}: ${issue.message}` });
      return z.NEVER;
    });
}

const TimerHoursSchema = z
  .record(z.string(), z.number().min(-720).max(720).nullable())
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) if (!isTimerKind(key)) ctx.addIssue({ code: "custom", path: [key], message: `unknown timer (known: ${TIMER_KINDS.join(", ")})` });
  })
  .transform((value) => value as Partial<Record<TimerKind, number | null>>);

const TemplateNamesSchema = z
  .record(z.string(), z.string().regex(TEMPLATE_NAME_PATTERN, "must be a WhatsApp template name (lower-case letters, digits, underscores)"))
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) if (!isTemplateKey(key)) ctx.addIssue({ code: "custom", path: [key], message: `not in the template registry (known: ${TEMPLATE_KEYS.join(", ")})` });
  })
  .transform((value) => value as Partial<Record<TemplateKey, string>>);

const isCopyKey = (key: string): key is CopyKey => Object.hasOwn(CATALOGUES[DEFAULT_LOCALE], key);
const AFTERCARE_COPY_KEYS = Object.keys(CATALOGUES[DEFAULT_LOCALE]).filter((k) => k.startsWith("aftercare."));

/** Aftercare copy per style word: only the catalogue's `aftercare.*` keys. */
const AftercareStylesSchema = z
  .record(z.string().trim().min(1).max(40), z.string())
  .superRefine((value, ctx) => {
    for (const [word, key] of Object.entries(value)) {
      if (!key.startsWith("aftercare.") || !isCopyKey(key)) ctx.addIssue({ code: "custom", path: [word], message: `not an aftercare copy key (known: ${AFTERCARE_COPY_KEYS.join(", ")})` });
    }
  })
  .transform((value) => value as Record<string, CopyKey>);

/** The admin key's least length anywhere, and in production (`openssl rand -hex 24` gives 48). */
export const ADMIN_KEY_MIN_LENGTH = 16;
export const PRODUCTION_ADMIN_KEY_MIN_LENGTH = 32;

export const EnvSchema = z.object({
  APP_ENV: z.enum(["development", "test", "production"]).default("development"),
  APP_VERSION: z.string().default("0.0.0"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  DEMO_MODE: flag,
  /** Opens the `/_bench/*` probe routes that `npm run bench` measures its baselines with. */
  BENCH_MODE: flag,
  /** Demo only: the WhatsApp emulator's chat page, linked from /demo (the dev stack sets it). */
  DEMO_CHAT_URL: z.url().optional().or(z.literal("").transform(() => undefined)),
  PILOT_MODE: flag,
  /** Comma-separated numbers served while PILOT_MODE is on, normalised to E.164 like {@link e164}. */
  PILOT_ALLOWLIST: e164List,
  /** At least {@link ADMIN_KEY_MIN_LENGTH} characters; production asks for {@link PRODUCTION_ADMIN_KEY_MIN_LENGTH}. */
  ADMIN_API_KEY: optionalSecret.refine((v) => v === undefined || v.length >= ADMIN_KEY_MIN_LENGTH, "must be at least 16 characters"),

  DATABASE_URL: optionalSecret.refine(
    (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
    "must be a postgres:// connection string",
  ),
  /**
   * How many LeadConversation objects may work against Postgres at once: permits handed out by
   * the DatabaseGate object (durable-objects/database-gate.ts); the others wait their turn. Keep it
   * well under the connections the database gives the Worker, so the admin API, the inbox,
   * Stripe's webhook and `/ready` (which take no permit) always find one.
   */
  DATABASE_OBJECT_PERMITS: z.coerce.number().int().min(1).max(1_000).default(40),
  /**
   * Local only: "127.0.0.1:PORT/v1", the WebSocket->TCP proxy the dev stack runs in front of the
   * embedded Postgres. Unset in production, where the driver talks to Neon's own endpoint.
   */
  DATABASE_WS_PROXY: optionalSecret,

  WHATSAPP_GRAPH_URL: z.url().default("https://graph.facebook.com"),
  WHATSAPP_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, "must look like v23.0")
    .default("v23.0"),
  WHATSAPP_APP_SECRET: optionalSecret,
  WHATSAPP_VERIFY_TOKEN: optionalSecret,
  WHATSAPP_ACCESS_TOKEN: optionalSecret,
  WHATSAPP_PHONE_NUMBER_ID: optionalSecret,
  /** The artist's own WhatsApp number; spaces, dashes, "00" and a missing "+" are forgiven. */
  ARTIST_WHATSAPP_NUMBER: e164,

  /** How the artist is named to clients in copy ("Mara's booking assistant"). */
  ARTIST_NAME: z.string().min(1).max(60).default("the artist"),
  /** Days the client is told to expect a reply in. */
  REPLY_DAYS: z.coerce.number().int().min(1).max(30).default(3),
  /** Failed answers to one consultation question before the artist takes over. */
  HANDOVER_AFTER_FAILURES: z.coerce.number().int().min(1).max(10).default(3),
  /** While the artist has a conversation, the least time between holding replies to the client. */
  HOLDING_REPLY_EVERY_HOURS: z.coerce.number().min(0.1).max(168).default(6),
  /**
   * The artist's tour as JSON: `[{"city":"London","country":"United Kingdom","region":"UK",
   * "from":"2027-02-01","to":"2027-02-07"}]`. Offered to clients whose budget is below their
   * region's minimum; stops that have started are no longer offered.
   */
  TOUR_SCHEDULE: z
    .string()
    .default("[]")
    .transform((v, ctx) => {
      let json: unknown;
      try {
        json = JSON.parse(v.trim() === "" ? "[]" : v);
      } catch {
        ctx.addIssue({ code: "custom", message: "must be a JSON array of tour stops" });
        return z.NEVER;
      }
      const parsed = TourScheduleSchema.safeParse(json);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: `${issue.path.join(".") || "schedule"}: ${issue.message}` });
      return z.NEVER;
    }),
  /**
   * Approved template sent instead of free text when the 24-hour customer-service window is
   * closed. Its body takes two parameters: the client's first name and the artist's name.
   */
  WHATSAPP_FALLBACK_TEMPLATE: z
    .string()
    .regex(/^[a-z0-9_]{1,512}$/, "must be a WhatsApp template name (lower-case letters, digits, underscores)")
    .default("inkline_update"),
  WHATSAPP_TEMPLATE_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, "must be a WhatsApp language code like en_GB")
    .default("en_GB"),
  WHATSAPP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /**
   * How long a send that got no answer from Graph (a timeout, the object reset mid-call) waits for
   * Meta's status webhook to say it went out before it is sent again, milliseconds. Graph has no
   * idempotency key: sending at once would double a message Graph did take.
   */
  SEND_CONFIRM_WAIT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** Attempts before an inbox message is parked or an outbound message is given up. */
  RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  /**
   * Ceiling of the first retry delay; each further attempt doubles the ceiling (capped at five
   * minutes) and the wait is drawn between half and all of it (equal jitter, src/lib/backoff.ts).
   */
  RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(2_000),

  STRIPE_SECRET_KEY: optionalSecret,
  STRIPE_WEBHOOK_SECRET: optionalSecret,
  /** Local only: base URL of the Stripe emulator. Unset in production (the SDK's default host). */
  STRIPE_API_URL: z.url().optional().or(z.literal("").transform(() => undefined)),
  /** Stripe API call timeout, milliseconds (the SDK retries timeouts and 5xx twice, with the same idempotency key). */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** How long a deposit link works, in hours: Stripe's Checkout allows 0.5 to 24. */
  DEPOSIT_LINK_TTL_HOURS: z.coerce.number().min(0.5).max(24).default(24),

  /**
   * Google service account's JSON key (the whole file; literal "\n" in private_key accepted), for
   * Google Calendar (and Sheets). The artist shares their calendar with its client_email.
   */
  GOOGLE_SERVICE_ACCOUNT_JSON: optionalSecret.transform((v, ctx): ServiceAccount | undefined => {
    if (v === undefined) return undefined;
    const parsed = parseServiceAccount(v);
    if (parsed.ok) return parsed.value;
    for (const problem of parsed.problems) ctx.addIssue({ code: "custom", message: problem });
    return z.NEVER;
  }),
  /** The artist's calendar id (their Google address or the calendar's id), never "primary" (the service account's own). */
  GOOGLE_CALENDAR_ID: optionalSecret.refine((v) => v !== "primary", 'must be the artist\'s calendar id, not "primary" (that is the service account\'s own calendar)'),
  /** Local only: the Google emulator's token endpoint. Unset in production (the key's token_uri, else Google's). */
  GOOGLE_TOKEN_URL: z.url().optional().or(z.literal("").transform(() => undefined)),
  /** Local only: the Google emulator's Calendar API base (…/calendar/v3). Unset in production. */
  GOOGLE_CALENDAR_API_URL: z.url().optional().or(z.literal("").transform(() => undefined)),
  /**
   * The artist's Google Sheet (the id in its URL, /spreadsheets/d/<id>/), shared with the service
   * account as an editor. Unset = the Sheets mirror is off (issue 16).
   */
  GOOGLE_SHEETS_SPREADSHEET_ID: optionalSecret,
  /** The tab the leads are written to (it must exist in the spreadsheet). */
  GOOGLE_SHEETS_TAB: z.string().trim().min(1).max(100).default("Leads"),
  /** Local only: the Google emulator's Sheets API base (…/v4). Unset in production (Google's). */
  GOOGLE_SHEETS_API_URL: z.url().optional().or(z.literal("").transform(() => undefined)),
  /** Sheet writes a minute at most (Google allows about 60 for one service account; keep a margin). */
  GOOGLE_SHEETS_WRITES_PER_MINUTE: z.coerce.number().int().min(1).max(300).default(50),
  /** Lead rows in one values:batchUpdate at most. */
  GOOGLE_SHEETS_BATCH_ROWS: z.coerce.number().int().min(1).max(2000).default(500),
  /** Timeout of each Google call (token exchange, Calendar, Sheets), milliseconds. */
  GOOGLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** How many free slots an offer shows (a WhatsApp list holds 10 rows; one is "none of these"). */
  BOOKING_OFFER_COUNT: z.coerce.number().int().min(1).max(9).default(5),
  /** How long a chosen slot is held while its deposit link works, minutes (Stripe's minimum is 30). */
  BOOKING_HOLD_MINUTES: z.coerce.number().int().min(30).max(1440).default(60),
  /** The studio's address, for the booking confirmation (empty: left out). */
  STUDIO_ADDRESS: z.string().max(300).optional().transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim())),
  /** The studio's review page (Google, etc.): the review request's button after the session (empty: no request). */
  STUDIO_REVIEW_URL: z.url().optional().or(z.literal("").transform(() => undefined)),
  /**
   * Aftercare copy per style, as JSON: a word of the client's style answer → an `aftercare.*` copy
   * key (`{"fine line": "aftercare.fine_line", "colour": "aftercare.colour"}`); the generic copy otherwise.
   */
  AFTERCARE_COPY_BY_STYLE: jsonSetting("{}", AftercareStylesSchema, "a JSON object of style words to aftercare copy keys"),
  /**
   * Freed slots (issue 18): how long one waiting client has to answer the offer of a freed time
   * before it goes to the next, in hours (a quarter of an hour to two days).
   */
  FREED_OFFER_HOURS: z.coerce.number().min(0.25).max(48).default(2),
  /**
   * The studio's home city: a freed slot outside the tour's dates is offered to clients waitlisted
   * for this city (empty: only tour cities have a waitlist to offer to).
   */
  STUDIO_CITY: z.string().max(60).optional().transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim())),
  /**
   * How often the artist's calendar is synced for events added by hand over a confirmed booking,
   * in minutes: a multiple of the cron's 5 (5 = every run, 15 = every third run), at most a day.
   */
  CALENDAR_SYNC_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(1440)
    .refine((v) => v % 5 === 0, "must be a multiple of 5 (the cron runs every 5 minutes)")
    .default(5),

  /** Public https origin of the Worker: the artist's one-tap action links are built on it. */
  PUBLIC_BASE_URL: z.url().optional().or(z.literal("").transform(() => undefined)),
  /** How long a one-tap action link works (hours; default 7 days). */
  ACTION_TOKEN_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(168),
  /** The artist's morning digest: the hour (0–23) on their clock (their availability zone), or "off". */
  ARTIST_DIGEST_HOUR: z
    .string()
    .default("8")
    .transform((v, ctx) => {
      const text = v.trim().toLowerCase();
      if (text === "off") return null;
      const hour = Number(text === "" ? "8" : text);
      if (!/^\d{1,2}$/.test(text === "" ? "8" : text) || hour > 23) {
        ctx.addIssue({ code: "custom", message: 'must be an hour from 0 to 23 (e.g. "8" for 08:00) or "off"' });
        return z.NEVER;
      }
      return hour;
    }),

  /** The studio's IANA time zone: quiet hours for clients whose own zone is unknown. */
  STUDIO_TIME_ZONE: z
    .string()
    .default(DEFAULT_STUDIO_TIME_ZONE)
    .refine((v) => isTimeZone(v), "must be an IANA time zone like Europe/London"),
  /**
   * Client quiet hours, local to the client: "21-9" (the default: no automatic message from 21:00
   * to 09:00; one due then goes at 09:00), or "off".
   */
  QUIET_HOURS: z
    .string()
    .default("21-9")
    .transform((v, ctx) => {
      const text = v.trim().toLowerCase();
      if (text === "off") return null;
      const m = /^(\d{1,2})-(\d{1,2})$/.exec(text === "" ? "21-9" : text);
      const from = Number(m?.[1]);
      const until = Number(m?.[2]);
      if (!m || from > 23 || until > 23 || from === until) {
        ctx.addIssue({ code: "custom", message: 'must be two different hours like "21-9" (from 21:00 until 09:00) or "off"' });
        return z.NEVER;
      }
      return { fromHour: from, untilHour: until };
    }),
  /**
   * Timer offsets overriding the defaults in src/domain/timers.ts, as JSON hours per kind
   * (`{"consultation.nudge": 6}`); null turns a timer off.
   */
  TIMER_HOURS: jsonSetting("{}", TimerHoursSchema, "a JSON object of timer kinds to hours"),
  /**
   * Templates the studio had approved under other names than the registry's
   * (src/domain/templates.ts), as JSON: `{"consultation_nudge": "studio_nudge_v2"}`.
   */
  WHATSAPP_TEMPLATE_NAMES: jsonSetting("{}", TemplateNamesSchema, "a JSON object of template keys to names"),

  // Feature switches (on unless "false"): a feature switched off is never half-used (featureSwitches).
  /** Deposits through Stripe: off, no Stripe call is made and deposit requests are refused. */
  FEATURE_PAYMENTS: featureSwitch,
  /** Google Calendar booking: off, no Google call is made (and production does not ask for the Google settings). */
  FEATURE_CALENDAR: featureSwitch,
  /** Timers (nudges, reminders, stale and follow-up): off, the cron enqueues none and none fires. */
  FEATURE_REMINDERS: featureSwitch,
  /** The Google Sheets mirror: off (or no GOOGLE_SHEETS_SPREADSHEET_ID), no Sheets call is made and nothing is enqueued. */
  FEATURE_SHEETS: featureSwitch,
  /** WhatsApp messages to the artist's own number: off, none is written or sent (the inbox still shows all). */
  FEATURE_ARTIST_NOTIFICATIONS: featureSwitch,
});

export type AppConfig = z.infer<typeof EnvSchema>;

/** Secrets without which production must not serve. */
export const PRODUCTION_REQUIRED = [
  "ADMIN_API_KEY",
  "WHATSAPP_APP_SECRET",
  "WHATSAPP_ACCESS_TOKEN",
  "WHATSAPP_PHONE_NUMBER_ID",
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "DATABASE_URL",
  "PUBLIC_BASE_URL",
  "GOOGLE_SERVICE_ACCOUNT_JSON",
  "GOOGLE_CALENDAR_ID",
] as const satisfies readonly (keyof AppConfig)[];

/**
 * Settings in {@link PRODUCTION_REQUIRED} that only a feature needs: with its switch off,
 * production neither asks for them nor uses them (wrangler.toml's `[secrets] required` names only
 * the settings every studio needs; `npm run deploy:check` asks for these by the sample's switches).
 */
export const FEATURE_SETTINGS = {
  FEATURE_PAYMENTS: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"],
  FEATURE_CALENDAR: ["GOOGLE_SERVICE_ACCOUNT_JSON", "GOOGLE_CALENDAR_ID"],
} as const satisfies Partial<Record<keyof AppConfig, readonly (typeof PRODUCTION_REQUIRED)[number][]>>;

/** The feature switches that decide which settings production needs. */
export type RequirementSwitches = Record<keyof typeof FEATURE_SETTINGS, boolean>;

/** Reads the switches {@link FEATURE_SETTINGS} depends on from raw variables (on unless "false", as the Worker reads them). */
export function requirementSwitches(vars: Record<string, string | undefined>): RequirementSwitches {
  const read = (key: keyof typeof FEATURE_SETTINGS) => featureSwitch.safeParse(vars[key]?.trim().toLowerCase()).data ?? true;
  return { FEATURE_PAYMENTS: read("FEATURE_PAYMENTS"), FEATURE_CALENDAR: read("FEATURE_CALENDAR") };
}

/** What production needs with these switches: {@link PRODUCTION_REQUIRED} less the settings of features that are off. */
export function productionRequired(switches: RequirementSwitches): (typeof PRODUCTION_REQUIRED)[number][] {
  const off = new Set<string>(Object.entries(FEATURE_SETTINGS).flatMap(([feature, keys]) => (switches[feature as keyof RequirementSwitches] ? [] : keys)));
  return PRODUCTION_REQUIRED.filter((key) => !off.has(key));
}

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; problems: string[] };

/**
 * Whether DATABASE_URL names Neon's pooled endpoint: its host's first label ends in `-pooler`
 * (`ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech`). Production needs it: every
 * LeadConversation object opens its own connection, and only the pooler (PgBouncer, up to 10,000
 * client connections on a small set of Postgres ones) keeps a burst of numbers from using up
 * Postgres's `max_connections` and with it the admin API, the inbox and Stripe's webhook
 * (src/db/client.ts).
 */
export function isPooledEndpoint(databaseUrl: string): boolean {
  try {
    const host = new URL(databaseUrl).hostname;
    return (host.split(".")[0] ?? "").endsWith("-pooler");
  } catch {
    return false;
  }
}

/** Parses env into config; never throws. Problems name the variable and what is wrong with it. */
export function parseConfig(env: Record<string, unknown>): ConfigResult {
  const strings: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = env[key];
    if (typeof value === "string") strings[key] = value;
  }
  const parsed = EnvSchema.safeParse(strings);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => `${issue.path.join(".") || "env"}: ${issue.message}`),
    };
  }
  const config = parsed.data;
  const problems: string[] = [];
  if (config.APP_ENV === "production") {
    // Stripe's keys only while payments are on, the Google settings only while the calendar is (FEATURE_SETTINGS).
    for (const key of productionRequired({ FEATURE_PAYMENTS: config.FEATURE_PAYMENTS, FEATURE_CALENDAR: config.FEATURE_CALENDAR })) {
      if (config[key] === undefined) problems.push(`${key}: required in production but not set`);
    }
    if (config.ADMIN_API_KEY !== undefined && config.ADMIN_API_KEY.length < PRODUCTION_ADMIN_KEY_MIN_LENGTH) {
      problems.push(`ADMIN_API_KEY: must be at least ${PRODUCTION_ADMIN_KEY_MIN_LENGTH} characters in production (openssl rand -hex 24)`);
    }
    if (config.DEMO_MODE) problems.push("DEMO_MODE: must be off in production");
    if (config.BENCH_MODE) problems.push("BENCH_MODE: must be off in production");
    if (config.DATABASE_URL && !isPooledEndpoint(config.DATABASE_URL)) {
      problems.push("DATABASE_URL: production must use Neon's pooled endpoint (a host name with -pooler, e.g. ep-…-pooler.….neon.tech)");
    }
    if (config.DATABASE_WS_PROXY) problems.push("DATABASE_WS_PROXY: local-only setting, must be unset in production");
    if (config.STRIPE_API_URL) problems.push("STRIPE_API_URL: emulator-only setting, must be unset in production");
    if (config.GOOGLE_TOKEN_URL) problems.push("GOOGLE_TOKEN_URL: emulator-only setting, must be unset in production");
    if (config.GOOGLE_CALENDAR_API_URL) problems.push("GOOGLE_CALENDAR_API_URL: emulator-only setting, must be unset in production");
    if (config.GOOGLE_SHEETS_API_URL) problems.push("GOOGLE_SHEETS_API_URL: emulator-only setting, must be unset in production");
    if (config.FEATURE_SHEETS && config.GOOGLE_SHEETS_SPREADSHEET_ID !== undefined && config.GOOGLE_SERVICE_ACCOUNT_JSON === undefined) {
      problems.push("GOOGLE_SERVICE_ACCOUNT_JSON: GOOGLE_SHEETS_SPREADSHEET_ID is set, so the Sheets mirror needs the service account");
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/**
 * The admin key that may unlock details while the configuration as a whole is invalid (the
 * misconfiguration 503 lists its problems only to the operator): the env's ADMIN_API_KEY if it is
 * long enough for its APP_ENV on its own, else none.
 */
export function adminKeyDespiteProblems(env: { ADMIN_API_KEY?: unknown; APP_ENV?: unknown }): string | undefined {
  const key = env.ADMIN_API_KEY;
  if (typeof key !== "string" || key.trim() === "") return undefined;
  const min = env.APP_ENV === "development" || env.APP_ENV === "test" ? ADMIN_KEY_MIN_LENGTH : PRODUCTION_ADMIN_KEY_MIN_LENGTH;
  return key.length >= min ? key : undefined;
}

/** Thrown where a handler cannot run without a valid config; carries every problem. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Inkline refuses to start: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const cache = new WeakMap<object, ConfigResult>();

/** Parses once per env object (the runtime hands the same object to every request of an isolate). */
export function configFor(env: object): ConfigResult {
  let result = cache.get(env);
  if (!result) {
    result = parseConfig(env as Record<string, unknown>);
    cache.set(env, result);
  }
  return result;
}

/** Like {@link configFor}, but throws {@link ConfigError}: for cron, queue and Durable Object entry points. */
export function requireConfig(env: object): AppConfig {
  const result = configFor(env);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}

/** The studio's feature switches (FEATURE_*), as set: what each feature's code checks before it acts. */
export interface FeatureSwitches {
  payments: boolean;
  /** Google Calendar: the adapter (src/adapters/google/calendar.ts calendarFrom) honours it. */
  calendar: boolean;
  reminders: boolean;
  /** The Google Sheets mirror: src/adapters/google/sheets.ts sheetsFrom honours it. */
  sheets: boolean;
  artistNotifications: boolean;
}

export function featureSwitches(config: AppConfig): FeatureSwitches {
  return {
    payments: config.FEATURE_PAYMENTS,
    calendar: config.FEATURE_CALENDAR,
    reminders: config.FEATURE_REMINDERS,
    sheets: config.FEATURE_SHEETS,
    artistNotifications: config.FEATURE_ARTIST_NOTIFICATIONS,
  };
}

/** The artist's WhatsApp number when notices to it are switched on (FEATURE_ARTIST_NOTIFICATIONS), else undefined. */
export function artistNoticeNumber(config: AppConfig): string | undefined {
  return config.FEATURE_ARTIST_NOTIFICATIONS ? config.ARTIST_WHATSAPP_NUMBER : undefined;
}

/** Whether Google Calendar is usable: the switch on, and a service account and the artist's calendar id set. */
export function calendarConfigured(config: AppConfig): boolean {
  return config.FEATURE_CALENDAR && config.GOOGLE_SERVICE_ACCOUNT_JSON !== undefined && config.GOOGLE_CALENDAR_ID !== undefined;
}

/** Whether the Sheets mirror is on: the switch on, a service account and the spreadsheet id set. */
export function sheetsConfigured(config: AppConfig): boolean {
  return config.FEATURE_SHEETS && config.GOOGLE_SERVICE_ACCOUNT_JSON !== undefined && config.GOOGLE_SHEETS_SPREADSHEET_ID !== undefined;
}

/** Features switched on by the present configuration (secrets present and the switch on), for /health. */
export function enabledFeatures(config: AppConfig): Record<string, boolean> {
  return {
    database: config.DATABASE_URL !== undefined,
    whatsapp: config.WHATSAPP_APP_SECRET !== undefined && config.WHATSAPP_ACCESS_TOKEN !== undefined,
    stripe: config.FEATURE_PAYMENTS && config.STRIPE_SECRET_KEY !== undefined && config.STRIPE_WEBHOOK_SECRET !== undefined,
    calendar: calendarConfigured(config),
    sheets: sheetsConfigured(config),
    admin: config.ADMIN_API_KEY !== undefined,
    artistNotifications: artistNoticeNumber(config) !== undefined,
    reminders: config.FEATURE_REMINDERS,
    actionLinks: config.PUBLIC_BASE_URL !== undefined,
    pilotMode: config.PILOT_MODE,
    demoMode: config.DEMO_MODE,
  };
}
