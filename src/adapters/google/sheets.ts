/**
 * Google Sheets v4 values over REST (issue 16): `values:batchUpdate` (every lead row of a write in
 * one call), `values.update` and `values.get`, always with valueInputOption=RAW so what a client
 * typed is stored as text, never parsed as a formula. There is deliberately no `append`: a row is
 * addressed by the number Postgres assigned it, so a retried write lands on the same row.
 *
 * Auth is the shared service account (auth.ts) with the spreadsheets scope; calls and failure
 * classes are request.ts and errors.ts (429 and 5xx retryable with Retry-After; 403 permission
 * denied, 404 spreadsheet gone, 400 a tab that no longer parses: permanent). The base URL is
 * GOOGLE_SHEETS_API_URL so the local stack and tests talk to the emulator (dev/emulators/google).
 */
import { z } from "zod";
import { sheetsConfigured, type AppConfig } from "../../config.ts";
import { tokenUrlFor } from "./auth.ts";
import { failedAnswer, googleRequest, isSuccess, unexpectedAnswer, type GoogleApiClient, type GoogleResult } from "./request.ts";

export const DEFAULT_SHEETS_API_URL = "https://sheets.googleapis.com/v4";
export const SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets";

/** The Sheets client, the artist's spreadsheet and the tab leads go to. */
export interface SheetTarget {
  client: GoogleApiClient;
  spreadsheetId: string;
  tab: string;
}

/** The Sheets target, or null when the mirror is off (FEATURE_SHEETS off, or no service account or spreadsheet id). */
export function sheetsFrom(config: AppConfig, now: () => number = () => Date.now()): SheetTarget | null {
  const account = config.GOOGLE_SERVICE_ACCOUNT_JSON;
  const spreadsheetId = config.GOOGLE_SHEETS_SPREADSHEET_ID;
  if (!sheetsConfigured(config) || !account || !spreadsheetId) return null;
  return {
    client: {
      auth: { account, scope: SHEETS_SCOPE, tokenUrl: tokenUrlFor(account, config.GOOGLE_TOKEN_URL), timeoutMs: config.GOOGLE_TIMEOUT_MS, now },
      apiUrl: (config.GOOGLE_SHEETS_API_URL ?? DEFAULT_SHEETS_API_URL).replace(/\/+$/, ""),
      timeoutMs: config.GOOGLE_TIMEOUT_MS,
    },
    spreadsheetId,
    tab: config.GOOGLE_SHEETS_TAB,
  };
}

/** One range and its rows (ValueRange). */
export interface ValueRange {
  range: string;
  values: string[][];
}

const UpdateResponseSchema = z.looseObject({
  spreadsheetId: z.string(),
  updatedRange: z.string().optional(),
  updatedRows: z.number().optional(),
  updatedCells: z.number().optional(),
});

const BatchUpdateResponseSchema = z.looseObject({
  spreadsheetId: z.string(),
  totalUpdatedRows: z.number().optional(),
  totalUpdatedCells: z.number().optional(),
  responses: z.array(UpdateResponseSchema).default([]),
});
export type BatchUpdateResponse = z.infer<typeof BatchUpdateResponseSchema>;

const ValuesSchema = z.looseObject({ range: z.string(), majorDimension: z.string().optional(), values: z.array(z.array(z.unknown())).default([]) });

const valuesPath = (spreadsheetId: string) => `/spreadsheets/${encodeURIComponent(spreadsheetId)}/values`;

/** Writes every range in one `values:batchUpdate` call, RAW. */
export async function batchUpdateValues(target: SheetTarget, data: readonly ValueRange[]): Promise<GoogleResult<BatchUpdateResponse>> {
  const sent = await googleRequest(target.client, "POST", `${valuesPath(target.spreadsheetId)}:batchUpdate`, {
    body: { valueInputOption: "RAW", includeValuesInResponse: false, data: data.map((d) => ({ range: d.range, majorDimension: "ROWS", values: d.values })) },
  });
  if (!sent.ok) return sent;
  if (!isSuccess(sent.value.status)) return failedAnswer(sent.value);
  const parsed = BatchUpdateResponseSchema.safeParse(sent.value.body);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: unexpectedAnswer(sent.value.status, "values:batchUpdate") };
}

/** Writes one range (`values.update`), RAW. */
export async function updateValues(target: SheetTarget, range: ValueRange): Promise<GoogleResult<z.infer<typeof UpdateResponseSchema>>> {
  const sent = await googleRequest(target.client, "PUT", `${valuesPath(target.spreadsheetId)}/${encodeURIComponent(range.range)}`, {
    query: { valueInputOption: "RAW" },
    body: { range: range.range, majorDimension: "ROWS", values: range.values },
  });
  if (!sent.ok) return sent;
  if (!isSuccess(sent.value.status)) return failedAnswer(sent.value);
  const parsed = UpdateResponseSchema.safeParse(sent.value.body);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: unexpectedAnswer(sent.value.status, "values.update") };
}

/** Reads one range (`values.get`): rows of cells as Google returns them (trailing empty cells omitted). */
export async function getValues(target: SheetTarget, range: string): Promise<GoogleResult<unknown[][]>> {
  const sent = await googleRequest(target.client, "GET", `${valuesPath(target.spreadsheetId)}/${encodeURIComponent(range)}`);
  if (!sent.ok) return sent;
  if (!isSuccess(sent.value.status)) return failedAnswer(sent.value);
  const parsed = ValuesSchema.safeParse(sent.value.body);
  return parsed.success ? { ok: true, value: parsed.data.values } : { ok: false, error: unexpectedAnswer(sent.value.status, "values.get") };
}
