/**
 * The answers of `POST /_bench/sheets` (src/routes/bench-sheets.ts), shared with the bench that
 * reads them (bench/sheets.ts, which runs in Node and must not import the Worker's route).
 */

export interface SheetsBenchCreated {
  leadIds: string[];
}

export interface SheetsBenchChange {
  leadId: string;
  version: number;
  /** The decision's time: the lead's updated_at, the row's "last change" cell (epoch ms). */
  atMs: number;
}

export interface SheetsBenchChanged {
  changes: SheetsBenchChange[];
  errors: string[];
}

