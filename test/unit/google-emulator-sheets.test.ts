/**
 * The Google emulator's Sheets v4 (dev/emulators/google/sheets-api.ts), driven over HTTP in Node:
 * Google's shapes for values get / update / batchUpdate / append, `valueInputOption` required, RAW
 * text vs USER_ENTERED formulas, an unknown spreadsheet or tab, a spreadsheet not shared with the
 * caller (403), the per-minute write quota per
 * service account (429 RESOURCE_EXHAUSTED), and the page rendering the sheet as a table.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { accessToken, forgetAccessTokens, parseServiceAccount } from "../../src/adapters/google/auth.ts";
import { SHEETS_SCOPE } from "../../src/adapters/google/sheets.ts";
import { generateServiceAccount, startGoogleEmulator, type RunningGoogleEmulator } from "../../dev/emulators/google/index.ts";

const SHEET = "sheet-unit";
let emulator: RunningGoogleEmulator;
let token: string;

beforeAll(async () => {
  const generated = generateServiceAccount("sheets@inkline-unit.iam.gserviceaccount.com", "https://oauth2.googleapis.com/token");
  const parsed = parseServiceAccount(generated.json);
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  emulator = await startGoogleEmulator({ port: 0, serviceAccounts: [{ clientEmail: generated.clientEmail, publicKeyPem: generated.publicKeyPem }], calendars: [], spreadsheets: [{ id: SHEET, tabs: ["Leads"] }] });
  const auth = { account: parsed.value, scope: SHEETS_SCOPE, tokenUrl: emulator.tokenUrl, timeoutMs: 2_000, now: () => Date.now() };
  forgetAccessTokens();
  const minted = await accessToken(auth);
  if (!minted.ok) throw new Error(minted.error.message);
  token = minted.value;
});

afterAll(() => emulator.close());
beforeEach(() => {
  emulator.configure({ sheetsWritesPerMinute: null });
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${emulator.sheetsApiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const values = (range: string) => `/spreadsheets/${SHEET}/values/${encodeURIComponent(range)}`;

describe("Sheets v4 values", () => {
  it("batchUpdate answers BatchUpdateValuesResponse; get reads rows back; RAW keeps '=' text, USER_ENTERED makes a formula", async () => {
    const written = await call("POST", `/spreadsheets/${SHEET}/values:batchUpdate`, {
      valueInputOption: "RAW",
      data: [
        { range: "'Leads'!A1:C1", values: [["id", "name", "note"]] },
        { range: "'Leads'!A2:C2", values: [["l1", '=HYPERLINK("x")', "ok"]] },
      ],
    });
    expect(written).toEqual({
      status: 200,
      body: {
        spreadsheetId: SHEET,
        totalUpdatedRows: 2,
        totalUpdatedColumns: 3,
        totalUpdatedCells: 6,
        totalUpdatedSheets: 1,
        responses: [
          { spreadsheetId: SHEET, updatedRange: "'Leads'!A1:C1", updatedRows: 1, updatedColumns: 3, updatedCells: 3 },
          { spreadsheetId: SHEET, updatedRange: "'Leads'!A2:C2", updatedRows: 1, updatedColumns: 3, updatedCells: 3 },
        ],
      },
    });
    expect((await call("GET", values("Leads!A1:C2"))).body).toEqual({ range: "'Leads'!A1:C2", majorDimension: "ROWS", values: [["id", "name", "note"], ["l1", '=HYPERLINK("x")', "ok"]] });
    const entered = await call("PUT", `${values("Leads!B3")}?valueInputOption=USER_ENTERED`, { values: [["=1+1"]] });
    expect(entered.body).toMatchObject({ updatedRange: "'Leads'!B3:B3", updatedCells: 1 });
    expect((await call("GET", values("Leads!B3"))).body.values).toEqual([["#NAME?"]]);
    expect((await call("GET", `${values("Leads!B3")}?valueRenderOption=FORMULA`)).body.values).toEqual([["=1+1"]]);
  });

  it("append writes below the table; valueInputOption is required; an unknown sheet is 404 and an unknown tab 400", async () => {
    const appended = await call("POST", `${values("Leads!A1")}:append?valueInputOption=RAW`, { values: [["l9", "appended"]] });
    expect(appended.status).toBe(200);
    expect(appended.body.updates).toMatchObject({ updatedRange: expect.stringMatching(/^'Leads'!A\d+:B\d+$/) as unknown, updatedRows: 1 });
    expect(await call("PUT", values("Leads!A1"), { values: [["x"]] })).toEqual({ status: 400, body: { error: { code: 400, message: "'valueInputOption' is required but not specified", status: "INVALID_ARGUMENT" } } });
    expect((await call("GET", `/spreadsheets/nope/values/${encodeURIComponent("Leads!A1")}`)).body).toEqual({ error: { code: 404, message: "Requested entity was not found.", status: "NOT_FOUND" } });
    expect((await call("POST", `/spreadsheets/${SHEET}/values:batchUpdate`, { valueInputOption: "RAW", data: [{ range: "Gone!A1", values: [["x"]] }] })).body).toEqual({
      error: { code: 400, message: "Unable to parse range: Gone!A1", status: "INVALID_ARGUMENT" },
    });
  });

  it("a spreadsheet no longer shared with the service account answers 403 PERMISSION_DENIED to reads and writes, until shared again", async () => {
    const share = (shared: boolean) => fetch(`${new URL(emulator.sheetsApiUrl).origin}/_emulator/spreadsheets/share`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: SHEET, shared }) });
    expect((await share(false)).status).toBe(200);
    const denied = { status: 403, body: { error: { code: 403, message: "The caller does not have permission", status: "PERMISSION_DENIED" } } };
    expect(await call("GET", values("Leads!A1"))).toEqual(denied);
    expect(await call("POST", `/spreadsheets/${SHEET}/values:batchUpdate`, { valueInputOption: "RAW", data: [{ range: "Leads!A9", values: [["x"]] }] })).toEqual(denied);
    expect((await share(true)).status).toBe(200);
    expect((await call("GET", values("Leads!A1"))).status).toBe(200);
  });

  it("the per-minute write quota answers 429 RESOURCE_EXHAUSTED after the limit; reads do not count", async () => {
    emulator.configure({ sheetsWritesPerMinute: 2 });
    const write = () => call("PUT", `${values("Leads!A5")}?valueInputOption=RAW`, { values: [["q"]] });
    expect((await write()).status).toBe(200);
    expect((await call("GET", values("Leads!A5"))).status).toBe(200);
    expect((await write()).status).toBe(200);
    const refused = await write();
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: 429, status: "RESOURCE_EXHAUSTED" } });
  });

  it("the sheet page renders the tab as a table, formulas marked", async () => {
    const page = await (await fetch(emulator.sheetPageUrl(SHEET))).text();
    expect(page).toContain("<table>");
    expect(page).toContain('<tr data-row="2"><th>2</th><td>l1</td>');
    expect(page).toContain('<td class="formula" title="formula">=1+1</td>');
  });
});
