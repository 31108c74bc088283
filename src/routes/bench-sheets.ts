/**
 * `POST /_bench/sheets` (src/routes/bench.ts, BENCH_MODE only) for the Sheets phase of
 * `npm run bench` (bench/sheets.ts): creates bench leads, and changes leads the way the lead's
 * object does: one committed decision each (applyDecision, so the sheet row is marked in the
 * decision's own statement) followed by the "sync lead X" kick on the jobs queue.
 */
import type { Database } from "../db/client.ts";
import { applyDecision, loadLead } from "../db/lead-store.ts";
import { leads } from "../db/schema.ts";
import type { SheetsSyncJob } from "../jobs/messages.ts";
import type { SheetsBenchChanged, SheetsBenchCreated } from "../lib/bench-sheets.ts";

/** `count` fresh leads (fictional +1 555 numbers; the default status: a status is written only through a Transition). */
export async function createBenchLeads(db: Database, count: number): Promise<SheetsBenchCreated> {
  const phones = Array.from({ length: count }, () => `+1555${String(crypto.getRandomValues(new Uint32Array(1))[0] ?? 0).padStart(10, "0")}`);
  const rows = await db
    .insert(leads)
    .values(phones.map((phone) => ({ phoneE164: phone, conversationKey: phone })))
    .returning({ id: leads.id });
  return { leadIds: rows.map((r) => r.id) };
}

/** Changes each lead once (its display name, `label`), `parallel` at a time, then kicks them all. */
export async function changeBenchLeads(db: Database, jobs: Queue, leadIds: readonly string[], label: string, parallel: number): Promise<SheetsBenchChanged> {
  const result: SheetsBenchChanged = { changes: [], errors: [] };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < leadIds.length; i = next++) {
      const leadId = leadIds[i] ?? "";
      try {
        const lead = await loadLead(db, leadId);
        if (!lead) throw new Error(`no lead ${leadId}`);
        const now = new Date();
        const applied = await applyDecision(db, {
          lead,
          provider: "system",
          eventId: `bench-sheets:${leadId}:${label}:${crypto.randomUUID()}`,
          decision: { transitions: [], patch: { displayName: label }, answers: [], attachments: [], outbound: [], events: [], actionLinks: [] },
          correlationId: "bench-sheets",
          artistPhone: null,
          now,
        });
        if (applied.outcome === "applied") result.changes.push({ leadId, version: applied.lead.version, atMs: now.getTime() });
      } catch (error) {
        result.errors.push(String(error).slice(0, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  const kicks = result.changes.map((c): SheetsSyncJob => ({ kind: "sheets.sync", leadId: c.leadId, version: c.version, now: new Date(c.atMs).toISOString() }));
  for (let i = 0; i < kicks.length; i += 100) await jobs.sendBatch(kicks.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  return result;
}
