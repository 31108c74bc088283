/**
 * The Sheets mirror's pure parts: the column table (src/domain/sheet-row.ts) and the writer's
 * pacing under Google's write quota (src/domain/sheet-quota.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { needsWrite, nextWriteAt, QUOTA_WINDOW_MS, recordWrite } from "../../src/domain/sheet-quota.ts";
import { columnLetter, headerRow, leadRow, ledgerTotalMinor, MAX_CELL_CHARS, rowRange, SHEET_COLUMNS, type SheetLead } from "../../src/domain/sheet-row.ts";

function sheetLead(overrides: Partial<SheetLead> = {}): SheetLead {
  return {
    id: "7d0f7b0e-1c1a-4c55-9d1e-5a1f0e3c2b11",
    createdAt: new Date("2027-03-01T10:00:00Z"),
    status: "PENDING_APPROVAL",
    displayName: "Robin",
    contact: "+447700900123",
    answers: [
      { questionKey: "idea", rawText: "a swallow" },
      { questionKey: "placement", rawText: "forearm" },
    ],
    priceMinMinor: 30_000,
    priceMaxMinor: 45_000,
    priceCurrency: "GBP",
    depositAmountMinor: 10_000,
    depositCurrency: "GBP",
    ledger: [],
    bookingStartsAt: null,
    updatedAt: new Date("2027-03-02T11:30:00Z"),
    version: 7,
    ...overrides,
  };
}

describe("the sheet's columns", () => {
  it("the header and every row follow the one column table, in the issue's order", () => {
    expect(SHEET_COLUMNS.map((c) => c.id)).toEqual(["lead_id", "created", "status", "name", "number", "answers", "estimate", "deposit", "booking", "last_change"]);
    expect(headerRow()).toEqual(["Lead id", "Created", "Status", "Name", "Number", "Answers", "Estimate", "Deposit (ledger total)", "Booking time", "Last change"]);
    expect(leadRow(sheetLead())).toHaveLength(headerRow().length);
  });

  it("a lead's row reads its state", () => {
    const row = leadRow(
      sheetLead({
        ledger: [
          { kind: "payment", amountMinor: 10_000, currency: "gbp", at: "2027-03-02T11:00:00Z", reference: "pi_1", source: "checkout", reason: null, status: "succeeded" },
          { kind: "refund", amountMinor: 2_500, currency: "gbp", at: "2027-03-02T11:20:00Z", reference: "re_1", source: "artist", reason: "moved", status: "succeeded" },
        ],
        bookingStartsAt: new Date("2027-04-01T09:00:00Z"),
      }),
    );
    expect(row).toEqual([
      "7d0f7b0e-1c1a-4c55-9d1e-5a1f0e3c2b11",
      "2027-03-01T10:00:00.000Z",
      "PENDING_APPROVAL",
      "Robin",
      "+447700900123",
      "idea: a swallow\nplacement: forearm",
      "£300–£450",
      "£100 (ledger £75)",
      "2027-04-01T09:00:00.000Z",
      "2027-03-02T11:30:00.000Z",
    ]);
  });

  it("a client's formula is kept as the text they typed, cut only at Google's cell limit", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (name, answer) => {
        const formulaName = `=${name}`;
        const row = leadRow(sheetLead({ displayName: formulaName, answers: [{ questionKey: "idea", rawText: `=HYPERLINK("${answer}")` }] }));
        expect(row[3]).toBe(formulaName);
        expect(row[5]).toBe(`idea: =HYPERLINK("${answer}")`);
      }),
    );
    expect(leadRow(sheetLead({ displayName: "x".repeat(MAX_CELL_CHARS + 10) }))[3]).toHaveLength(MAX_CELL_CHARS);
  });

  it("the ledger total is received minus refunded", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ kind: fc.constantFrom("payment" as const, "refund" as const), amountMinor: fc.integer({ min: 1, max: 100_000 }) })), (moves) => {
        const ledger = moves.map((m, i) => ({ ...m, currency: "gbp", at: "2027-01-01T00:00:00Z", reference: `r${i}`, source: "stripe" as const, reason: null, status: null }));
        const paid = moves.filter((m) => m.kind === "payment").reduce((n, m) => n + m.amountMinor, 0);
        const refunded = moves.filter((m) => m.kind === "refund").reduce((n, m) => n + m.amountMinor, 0);
        expect(ledgerTotalMinor(ledger)).toBe(paid - refunded);
      }),
    );
  });

  it("ranges address one whole row of the named tab", () => {
    expect(rowRange("Leads", 7)).toBe("'Leads'!A7:J7");
    expect(rowRange("Mara's leads", 2)).toBe("'Mara''s leads'!A2:J2");
    expect([1, 10, 26, 27, 52, 702].map(columnLetter)).toEqual(["A", "J", "Z", "AA", "AZ", "ZZ"]);
  });
});

describe("pacing under the write quota", () => {
  it("writes at once when nothing was written lately, then one every 60 s / limit", () => {
    expect(nextWriteAt({ recentWrites: [], blockedUntilMs: null }, 1_000_000, 50)).toBe(1_000_000);
    expect(nextWriteAt({ recentWrites: [1_000_000], blockedUntilMs: null }, 1_000_100, 50)).toBe(1_000_000 + 1_200);
    expect(nextWriteAt({ recentWrites: [1_000_000], blockedUntilMs: null }, 1_005_000, 50)).toBe(1_005_000);
  });

  it("never before a back-off Google asked for", () => {
    expect(nextWriteAt({ recentWrites: [], blockedUntilMs: 2_000_000 }, 1_000_000, 50)).toBe(2_000_000);
  });

  it("whenever it is asked, writes sent at the times it names never exceed the limit in any minute", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }), (limit, gaps) => {
        let now = 0;
        let recent: number[] = [];
        const sent: number[] = [];
        for (const gap of gaps) {
          now += gap;
          const at = nextWriteAt({ recentWrites: recent, blockedUntilMs: null }, now, limit);
          expect(at).toBeGreaterThanOrEqual(now);
          now = at;
          recent = recordWrite(recent, now);
          sent.push(now);
        }
        for (const start of sent) expect(sent.filter((t) => t >= start && t < start + QUOTA_WINDOW_MS).length).toBeLessThanOrEqual(limit);
      }),
    );
  });

  it("a row needs a write only when the sheet is behind its lead", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }), (version, synced) => {
        expect(needsWrite({ version, syncedVersion: synced })).toBe(synced === null || version > synced);
      }),
    );
  });
});
