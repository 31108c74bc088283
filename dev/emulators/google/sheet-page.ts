/**
 * The artist's spreadsheet as a page (`/_emulator/sheet`): one tab as a table with row numbers
 * and column letters, formulas marked (a RAW write never makes one), refreshing every 5 s so rows
 * appear and change while you play the demo.
 */
import { escapeHtml, html, type Reply } from "./http.ts";
import { tabRows } from "./sheets-api.ts";
import type { SpreadsheetState } from "./state.ts";

const letters = (n: number): string => (n <= 0 ? "" : letters(Math.floor((n - 1) / 26)) + String.fromCharCode(65 + ((n - 1) % 26)));

export function sheetPage(spreadsheets: SpreadsheetState[], selected: SpreadsheetState | undefined, tabParam: string | null): Reply {
  if (!selected) return html("<!doctype html><p>No spreadsheet.</p>", 404);
  const tabs = [...selected.tabs.keys()];
  const tab = tabParam !== null && selected.tabs.has(tabParam) ? tabParam : (tabs[0] ?? "");
  const rows = tabRows(selected, tab);
  const width = Math.max(1, ...rows.map((r) => r.length));
  const head = `<tr><th></th>${Array.from({ length: width }, (_, i) => `<th>${letters(i + 1)}</th>`).join("")}</tr>`;
  const body = rows
    .map((line, r) => {
      const cells = Array.from({ length: width }, (_, c) => {
        const cell = line[c];
        return cell?.formula ? `<td class="formula" title="formula">${escapeHtml(cell.text)}</td>` : `<td>${escapeHtml(cell?.text ?? "")}</td>`;
      }).join("");
      return `<tr data-row="${r + 1}"><th>${r + 1}</th>${cells}</tr>`;
    })
    .join("");
  const tabLinks = tabs.map((t) => (t === tab ? `<b>${escapeHtml(t)}</b>` : `<a href="?id=${encodeURIComponent(selected.id)}&tab=${encodeURIComponent(t)}">${escapeHtml(t)}</a>`)).join(" · ");
  const others = spreadsheets.map((s) => `<a href="?id=${encodeURIComponent(s.id)}">${escapeHtml(s.id)}</a>`).join(" · ");
  return html(`<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Spreadsheet — Google emulator</title>
<style>body{font-family:system-ui;margin:20px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;white-space:pre-wrap;max-width:360px}
th{background:#f3f3f3;font-weight:normal;color:#555}tr[data-row="1"] td{font-weight:bold;background:#e8f0fe}.formula{background:#fdecc8}</style></head><body>
<h1>${escapeHtml(selected.id)}</h1><p>Tabs: ${tabLinks} · spreadsheets: ${others} · ${Math.max(0, rows.length - 1)} row(s) under the header · <a href="/_emulator">emulator</a></p>
<table>${head}${body}</table></body></html>`);
}
