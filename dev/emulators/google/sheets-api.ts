/**
 * Sheets v4 values as Inkline calls it, under `/v4`: `values.get`, `values.update` (PUT),
 * `values:batchUpdate` and `values.append`, in Google's shapes (ValueRange, UpdateValuesResponse,
 * BatchUpdateValuesResponse, AppendValuesResponse) and errors: `valueInputOption` required (400),
 * an unknown spreadsheet 404 NOT_FOUND, one no longer shared with the caller 403 PERMISSION_DENIED,
 * a tab that does not exist 400 "Unable to parse range".
 * RAW stores text as typed; USER_ENTERED turns "=…" into a formula (so a test can tell them apart).
 * The per-minute write quota, tokens and faults are checked in index.ts.
 */
import { json, type Incoming, type Reply } from "./http.ts";
import type { EmulatedCell, GoogleState, Operation, SpreadsheetState } from "./state.ts";

/** Sheets errors carry no `errors[]`: code, message and status (google.rpc.Status). */
export function sheetsError(status: number, statusName: string, message: string, headers?: Record<string, string>): Reply {
  return json(status, { error: { code: status, message, status: statusName } }, headers);
}

export const quotaExceeded = (): Reply =>
  sheetsError(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com'.");

/** Which operation a `/v4…` request is, and on what. */
export function sheetsRouteOf(method: string, path: string): { operation: Operation; spreadsheetId: string; range?: string } | null {
  const batch = /^\/v4\/spreadsheets\/([^/]+)\/values:batchUpdate$/.exec(path);
  if (batch?.[1] && method === "POST") return { operation: "values.batchUpdate", spreadsheetId: decodeURIComponent(batch[1]) };
  const m = /^\/v4\/spreadsheets\/([^/]+)\/values\/([^/]+?)(:append)?$/.exec(path);
  if (!m?.[1] || !m[2]) return null;
  const spreadsheetId = decodeURIComponent(m[1]);
  const range = decodeURIComponent(m[2]);
  if (m[3] && method === "POST") return { operation: "values.append", spreadsheetId, range };
  if (!m[3] && method === "GET") return { operation: "values.get", spreadsheetId, range };
  if (!m[3] && method === "PUT") return { operation: "values.update", spreadsheetId, range };
  return null;
}

/** An A1 range: tab, first row and column (1-based), last row and column when given. */
interface A1 {
  tab: string;
  row: number;
  col: number;
  endRow: number | null;
  endCol: number | null;
}

const colNumber = (letters: string) => [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
const colLetters = (n: number): string => (n <= 0 ? "" : colLetters(Math.floor((n - 1) / 26)) + String.fromCharCode(65 + ((n - 1) % 26)));

/** Parses "'My tab'!A2:J2", "Leads!B3", "Leads" (the whole tab); null when unreadable. */
export function parseA1(range: string): A1 | null {
  const m = /^(?:'((?:[^']|'')+)'|([^!':]+))(?:!([A-Z]+)(\d+)?(?::([A-Z]+)(\d+)?)?)?$/.exec(range.trim());
  if (!m) return null;
  const tab = m[1] !== undefined ? m[1].replace(/''/g, "'") : (m[2] ?? "");
  return {
    tab,
    col: m[3] ? colNumber(m[3]) : 1,
    row: m[4] ? Number(m[4]) : 1,
    endCol: m[5] ? colNumber(m[5]) : null,
    endRow: m[6] ? Number(m[6]) : null,
  };
}

const a1Text = (tab: string, row: number, col: number, rows: number, cols: number) =>
  `'${tab.replace(/'/g, "''")}'!${colLetters(col)}${row}:${colLetters(col + Math.max(cols, 1) - 1)}${row + Math.max(rows, 1) - 1}`;

type Located = { ok: true; sheet: SpreadsheetState; grid: EmulatedCell[][]; a1: A1 } | { ok: false; reply: Reply };

function locate(state: GoogleState, spreadsheetId: string, range: string): Located {
  const sheet = state.spreadsheets.get(spreadsheetId);
  if (!sheet) return { ok: false, reply: sheetsError(404, "NOT_FOUND", "Requested entity was not found.") };
  // Google's answer to a caller the spreadsheet is not shared with (checked before the range).
  if (sheet.unshared) return { ok: false, reply: sheetsError(403, "PERMISSION_DENIED", "The caller does not have permission") };
  const a1 = parseA1(range);
  const grid = a1 ? sheet.tabs.get(a1.tab) : undefined;
  if (!a1 || !grid) return { ok: false, reply: sheetsError(400, "INVALID_ARGUMENT", `Unable to parse range: ${range}`) };
  return { ok: true, sheet, grid, a1 };
}

const INPUT_OPTIONS = new Set(["RAW", "USER_ENTERED"]);

function cellOf(value: unknown, option: string): EmulatedCell {
  const text = value === null || value === undefined ? "" : typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : JSON.stringify(value);
  return { text, formula: option === "USER_ENTERED" && text.startsWith("=") };
}

/** Writes `values` at the range's top-left; returns Google's UpdateValuesResponse. */
function writeAt(state: GoogleState, target: Extract<Located, { ok: true }>, values: unknown[][], option: string, row = target.a1.row) {
  const { grid, a1, sheet } = target;
  values.forEach((cells, r) => {
    const line = (grid[row - 1 + r] ??= []);
    cells.forEach((value, c) => {
      line[a1.col - 1 + c] = cellOf(value, option);
    });
  });
  const cols = Math.max(0, ...values.map((v) => v.length));
  state.sheetWrites.push({ atMs: state.now(), spreadsheetId: sheet.id, tab: a1.tab, row, values: values.map((v) => v.map((x) => cellOf(x, option).text)) });
  return { spreadsheetId: sheet.id, updatedRange: a1Text(a1.tab, row, a1.col, values.length, cols), updatedRows: values.length, updatedColumns: cols, updatedCells: values.reduce((n, v) => n + v.length, 0) };
}

function readJson(req: Incoming): Record<string, unknown> | null {
  try {
    const value: unknown = req.body.trim() === "" ? {} : JSON.parse(req.body);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isRows = (v: unknown): v is unknown[][] => Array.isArray(v) && v.every((r) => Array.isArray(r));
const invalidJson = () => sheetsError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
const missingOption = () => sheetsError(400, "INVALID_ARGUMENT", "'valueInputOption' is required but not specified");

/**
 * What values.update and values.append read first, in Google's order of checks: the input option,
 * the body's rows, then the range; or the error Google answers.
 */
function writeRequest(
  state: GoogleState,
  req: Incoming,
  route: NonNullable<ReturnType<typeof sheetsRouteOf>>,
): { ok: true; option: string; values: unknown[][]; found: Extract<Located, { ok: true }> } | { ok: false; reply: Reply } {
  const option = req.url.searchParams.get("valueInputOption");
  if (!option || !INPUT_OPTIONS.has(option)) return { ok: false, reply: missingOption() };
  const body = readJson(req);
  if (!body || !isRows(body.values ?? [])) return { ok: false, reply: invalidJson() };
  const found = locate(state, route.spreadsheetId, route.range ?? "");
  if (!found.ok) return found;
  return { ok: true, option, values: (body.values ?? []) as unknown[][], found };
}

/** Runs one Sheets call (the route is known, the token checked). */
export function runSheets(state: GoogleState, req: Incoming, route: NonNullable<ReturnType<typeof sheetsRouteOf>>): Reply {
  switch (route.operation) {
    case "values.get": {
      const found = locate(state, route.spreadsheetId, route.range ?? "");
      if (!found.ok) return found.reply;
      const { a1, grid } = found;
      const lastRow = a1.endRow ?? grid.length;
      const lastCol = a1.endCol ?? Math.max(0, ...grid.map((r) => r.length));
      const formulas = req.url.searchParams.get("valueRenderOption") === "FORMULA";
      const rows: string[][] = [];
      for (let r = a1.row; r <= lastRow; r++) {
        const line = grid[r - 1] ?? [];
        const cells = line.slice(a1.col - 1, lastCol).map((c) => (c === undefined ? "" : c.formula && !formulas ? "#NAME?" : c.text));
        while (cells.length > 0 && cells.at(-1) === "") cells.pop();
        rows.push(cells);
      }
      while (rows.length > 0 && rows.at(-1)?.length === 0) rows.pop();
      return json(200, { range: a1Text(a1.tab, a1.row, a1.col, lastRow - a1.row + 1, lastCol - a1.col + 1), majorDimension: "ROWS", ...(rows.length > 0 ? { values: rows } : {}) });
    }
    case "values.update": {
      const write = writeRequest(state, req, route);
      if (!write.ok) return write.reply;
      return json(200, writeAt(state, write.found, write.values, write.option));
    }
    case "values.append": {
      const write = writeRequest(state, req, route);
      if (!write.ok) return write.reply;
      const { found } = write;
      // The table ends at the last row with any content: append writes below it.
      const last = found.grid.reduce((n, line, i) => (line.some((c) => c !== undefined && c.text !== "") ? i + 1 : n), 0);
      const updates = writeAt(state, found, write.values, write.option, Math.max(last + 1, found.a1.row));
      return json(200, { spreadsheetId: found.sheet.id, ...(last > 0 ? { tableRange: a1Text(found.a1.tab, 1, 1, last, 1) } : {}), updates });
    }
    case "values.batchUpdate": {
      const body = readJson(req);
      if (!body) return invalidJson();
      const option = typeof body.valueInputOption === "string" ? body.valueInputOption : null;
      if (!option || !INPUT_OPTIONS.has(option)) return missingOption();
      const data = Array.isArray(body.data) ? (body.data as unknown[]) : [];
      const targets: { found: Extract<Located, { ok: true }>; values: unknown[][] }[] = [];
      // All or nothing: every range is checked before any is written, as Google does.
      for (const item of data) {
        const range = typeof item === "object" && item !== null && "range" in item && typeof item.range === "string" ? item.range : "";
        const values = typeof item === "object" && item !== null && "values" in item ? item.values : [];
        if (!isRows(values)) return invalidJson();
        const found = locate(state, route.spreadsheetId, range);
        if (!found.ok) return found.reply;
        targets.push({ found, values });
      }
      const responses = targets.map((t) => writeAt(state, t.found, t.values, option));
      return json(200, {
        spreadsheetId: route.spreadsheetId,
        totalUpdatedRows: responses.reduce((n, r) => n + r.updatedRows, 0),
        totalUpdatedColumns: Math.max(0, ...responses.map((r) => r.updatedColumns)),
        totalUpdatedCells: responses.reduce((n, r) => n + r.updatedCells, 0),
        totalUpdatedSheets: new Set(targets.map((t) => t.found.a1.tab)).size,
        responses,
      });
    }
    default:
      return sheetsError(404, "NOT_FOUND", "Not Found");
  }
}

/** The tab as rows of cells (for the page and the control API). */
export function tabRows(sheet: SpreadsheetState, tab: string): EmulatedCell[][] {
  return (sheet.tabs.get(tab) ?? []).map((line) => Array.from(line, (c) => c ?? { text: "", formula: false }));
}
