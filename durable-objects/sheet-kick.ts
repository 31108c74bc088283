/**
 * The LeadConversation's hook into the Sheets mirror (issue 16): after an inbox item is processed,
 * a lead whose version moved gets one `sheets.sync` job on the queue. The send is not awaited by
 * the drain (`waitUntil`), so replies never wait for it, and losing it loses nothing: the change is
 * already recorded in `sheet_rows` by the decision's own statement, and the cron's sweep kicks any
 * row left dirty for over a minute (`sheetsSweep` in src/scheduled.ts).
 */
import { sheetsConfigured, type AppConfig } from "../src/config.ts";
import type { SheetsSyncJob } from "../src/jobs/messages.ts";
import type { Logger } from "../src/lib/log.ts";

export class SheetKick {
  private last: { leadId: string; version: number } | null = null;
  private readonly jobs: Queue;
  private readonly waitUntil: (promise: Promise<unknown>) => void;

  constructor(jobs: Queue, waitUntil: (promise: Promise<unknown>) => void) {
    this.jobs = jobs;
    this.waitUntil = waitUntil;
  }

  /** Enqueues "sync lead X" when `lead` is at a version not kicked before (nothing when the mirror is off). */
  after(lead: { id: string; version: number } | null, config: AppConfig, log: Logger, nowMs: number): void {
    if (!lead || !sheetsConfigured(config)) return;
    const last = this.last;
    if (last && last.leadId === lead.id && last.version >= lead.version) return;
    this.last = { leadId: lead.id, version: lead.version };
    const job: SheetsSyncJob = { kind: "sheets.sync", leadId: lead.id, version: lead.version, now: new Date(nowMs).toISOString() };
    this.waitUntil(this.jobs.send(job, { contentType: "json" }).catch((error: unknown) => log.warn("sheets.kick_failed", { lead_id: lead.id, error })));
  }
}
