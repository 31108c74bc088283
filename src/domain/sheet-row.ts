/**
 * The artist's spreadsheet as data (issue 16): one column table (the header row and every lead's
 * row follow its order), and the lead's row rendered from what Postgres holds when the writer runs.
 * Pure: no I/O, no clock. Every cell is a string and is written with valueInputOption=RAW, so a
 * client's "=HYPERLINK(…)" stays the text they typed (Google never parses RAW input).
 */
import { renderCopy, type CopyKey } from "./copy.ts";
import { paidMinor, type LedgerEntry } from "./deposit.ts";
import { formatMoney } from "./format.ts";

/** What one row shows: a lead as the writer reads it at send time. */
export interface SheetLead {
  id: string;
  createdAt: Date;
  status: string;
  displayName: string | null;
  /** The client's number (E.164), else their WhatsApp username, else null. */
  contact: string | null;
  /** The latest answer per question, in the order first asked. */
  answers: readonly { questionKey: string; rawText: string }[];
  priceMinMinor: number | null;
  priceMaxMinor: number | null;
  priceCurrency: string | null;
  depositAmountMinor: number | null;
  depositCurrency: string | null;
  ledger: readonly LedgerEntry[];
  /** The start of the lead's held or confirmed session, if any. */
  bookingStartsAt: Date | null;
  updatedAt: Date;
  version: number;
}

interface Column {
  /** Stable id (tests, logs). */
  id: string;
  /** The header cell, artist-facing copy. */
  header: CopyKey;
  cell(lead: SheetLead): string;
}

const money = (minor: number | null, currency: string | null): string => (minor === null || currency === null ? "" : formatMoney(minor, currency));

/** Received minus refunded, from the ledger (every movement is there). */
export function ledgerTotalMinor(ledger: readonly LedgerEntry[]): number {
  return paidMinor(ledger) - ledger.filter((e) => e.kind === "refund").reduce((total, e) => total + e.amountMinor, 0);
}

function estimate(lead: SheetLead): string {
  if (lead.priceMinMinor === null || lead.priceCurrency === null) return "";
  const low = money(lead.priceMinMinor, lead.priceCurrency);
  return lead.priceMaxMinor === null || lead.priceMaxMinor === lead.priceMinMinor ? low : `${low}–${money(lead.priceMaxMinor, lead.priceCurrency)}`;
}

function deposit(lead: SheetLead): string {
  if (lead.depositAmountMinor === null || lead.depositCurrency === null) return "";
  const currency = lead.ledger[0]?.currency.toUpperCase() ?? lead.depositCurrency;
  return renderCopy("sheets.cell.deposit", { amount: money(lead.depositAmountMinor, lead.depositCurrency), total: money(ledgerTotalMinor(lead.ledger), currency) });
}

/** The sheet's columns, in order: the header row and every lead's row follow this table. */
export const SHEET_COLUMNS: readonly Column[] = [
  { id: "lead_id", header: "sheets.column.lead_id", cell: (l) => l.id },
  { id: "created", header: "sheets.column.created", cell: (l) => l.createdAt.toISOString() },
  { id: "status", header: "sheets.column.status", cell: (l) => l.status },
  { id: "name", header: "sheets.column.name", cell: (l) => l.displayName ?? "" },
  { id: "number", header: "sheets.column.number", cell: (l) => l.contact ?? "" },
  { id: "answers", header: "sheets.column.answers", cell: (l) => l.answers.map((a) => `${a.questionKey}: ${a.rawText}`).join("\n") },
  { id: "estimate", header: "sheets.column.estimate", cell: estimate },
  { id: "deposit", header: "sheets.column.deposit", cell: deposit },
  { id: "booking", header: "sheets.column.booking", cell: (l) => l.bookingStartsAt?.toISOString() ?? "" },
  { id: "last_change", header: "sheets.column.last_change", cell: (l) => l.updatedAt.toISOString() },
];

/** Google Sheets caps a cell at 50,000 characters. */
export const MAX_CELL_CHARS = 50_000;

/** "A", "B", … "Z", "AA": the letter of a 1-based column. */
export function columnLetter(n: number): string {
  let letters = "";
  for (let rest = n; rest > 0; rest = Math.floor((rest - 1) / 26)) letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  return letters;
}

/** The A1 range of one whole row in `tab` ("'Leads'!A7:J7"); quotes in the tab name are doubled. */
export function rowRange(tab: string, row: number): string {
  return `'${tab.replace(/'/g, "''")}'!A${row}:${columnLetter(SHEET_COLUMNS.length)}${row}`;
}

/** The header row, in the column table's order. */
export const headerRow = (): string[] => SHEET_COLUMNS.map((c) => renderCopy(c.header));

/** One lead's row, in the column table's order (cells cut to Google's limit). */
export const leadRow = (lead: SheetLead): string[] => SHEET_COLUMNS.map((c) => c.cell(lead).slice(0, MAX_CELL_CHARS));

/** The row every lead's row starts after (row 1 is the header). */
export const FIRST_LEAD_ROW = 2;
