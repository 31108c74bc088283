/**
 * Structured logs for `wrangler tail`: one JSON object per line with `event`, `correlation_id` and
 * whatever the caller adds. Secrets are dropped by key, phone numbers masked by shape and action-link
 * tokens cut out of paths, so a log line can be pasted into an issue as it is. Business-scoped
 * user IDs (a client's WhatsApp id when they hide their number) are masked like numbers.
 */
import { maskUserId } from "../domain/client-id.ts";
import { maskPhone } from "../domain/phone.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /(secret|token|password|passwd|authorization|api[_-]?key|cookie|signature|dsn|connection_?string|database_?url)/i;
const WHOLE_PHONE = /^\+?[1-9][0-9]{6,14}$/;
/** A number standing on its own in text (not digits inside an id such as a UUID or a wamid). */
const PHONE_IN_TEXT = /(?<![0-9A-Za-z_-])\+?[1-9][0-9]{8,14}(?![0-9A-Za-z_])/g;
/** A BSUID ("US.13491208655302741918", "US.ENT.…") anywhere in a string (before numbers are looked for). */
const USER_ID_IN_TEXT = /\b[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{5,128}\b/g;
/** An artist's one-tap link (`/a#<token>`, or `/a/<token>` as sent before): the token is a capability, never logged. */
const ACTION_LINK = /\/a(\/#?|#)[A-Za-z0-9_-]{16,}/g;

/** Returns a copy of `value` safe to log: secret-named keys redacted, phone numbers masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (typeof value === "string") {
    if (WHOLE_PHONE.test(value)) return maskPhone(value);
    return value
      .replace(ACTION_LINK, "/a$1[token]")
      .replace(USER_ID_IN_TEXT, (m) => maskUserId(m))
      .replace(PHONE_IN_TEXT, (m) => maskPhone(m));
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) ? "[redacted]" : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export interface Logger {
  readonly correlationId: string;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the lead id once it is known). */
  child(fields: LogFields): Logger;
}

/** Creates a logger bound to a correlation id; lines below `minLevel` are dropped. */
export function createLogger(correlationId: string, minLevel: LogLevel = "info", base: LogFields = {}): Logger {
  const write = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (LEVEL_RANK[level] < LEVEL_RANK[minLevel]) return;
    const line = JSON.stringify(
      redact({ ts: new Date().toISOString(), level, event, correlation_id: correlationId, ...base, ...fields }),
    );
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    correlationId,
    debug: (e, f) => write("debug", e, f),
    info: (e, f) => write("info", e, f),
    warn: (e, f) => write("warn", e, f),
    error: (e, f) => write("error", e, f),
    child: (fields) => createLogger(correlationId, minLevel, { ...base, ...fields }),
  };
}

/**
 * A short, safe description of an error for logs and retry records. drizzle wraps driver errors
 * in "Failed query: <the whole SQL>"; the cause says what actually went wrong.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 300);
  const cause = error.cause instanceof Error ? error.cause : null;
  const text = cause ? `${cause.name}: ${cause.message}` : `${error.name}: ${error.message}`;
  return text.slice(0, 300);
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Uses the caller's X-Correlation-ID when it is a sane token, else generates one. */
export function correlationIdFrom(header: string | null | undefined): string {
  return header && CORRELATION_ID.test(header) ? header : crypto.randomUUID();
}
