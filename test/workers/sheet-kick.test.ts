/**
 * The lead's object's hook into the Sheets mirror (durable-objects/sheet-kick.ts): after a decision
 * moved the lead, one "sync lead X" job per new version, handed to waitUntil (the drain never
 * awaits it, so a reply never waits for the queue), none while the mirror is off, and a send that
 * fails is logged, never thrown (the cron's sweep makes a lost kick good).
 *
 * The queue here is a recording stand-in for the platform's binding (what was sent, and when
 * the send settles); the class under test is the real one.
 */
import { describe, expect, it } from "vitest";
import { SheetKick } from "../../durable-objects/sheet-kick.ts";
import { parseConfig, type AppConfig } from "../../src/config.ts";
import type { SheetsSyncJob } from "../../src/jobs/messages.ts";
import { createLogger } from "../../src/lib/log.ts";

const SERVICE_ACCOUNT = JSON.stringify({ client_email: "inkline@project.iam.gserviceaccount.com", private_key: "-----BEGIN PRIVATE KEY-----\\nplaceholder\\n-----END PRIVATE KEY-----\\n" });
const LEAD = "7d0f7b0e-1c1a-4c55-9d1e-5a1f0e3c2b11";
const OTHER = "0b0f5b0e-0d1c-4c7a-9b55-7d4b0b1c2d3e";
const NOW_MS = Date.parse("2027-03-01T10:00:00Z");
const log = createLogger("sheet-kick-test", "error");

function config(vars: Record<string, string>): AppConfig {
  const result = parseConfig({ GOOGLE_SERVICE_ACCOUNT_JSON: SERVICE_ACCOUNT, GOOGLE_SHEETS_SPREADSHEET_ID: "sheet-1", ...vars });
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.config;
}
const ON = config({});

/** A queue binding that records its sends; `fail` makes each send reject. */
function recordingQueue(fail = false) {
  const sent: SheetsSyncJob[] = [];
  const queue = {
    send: (body: SheetsSyncJob) => {
      sent.push(body);
      return fail ? Promise.reject(new Error("queue unavailable")) : Promise.resolve();
    },
  };
  const waited: Promise<unknown>[] = [];
  const kick = new SheetKick(queue as unknown as Queue, (p) => waited.push(p));
  return { sent, waited, kick };
}

describe("the sheet kick after a decision", () => {
  it("one sync job per new version of the lead, with the decision's time; none for a version already kicked", async () => {
    const { sent, waited, kick } = recordingQueue();
    kick.after({ id: LEAD, version: 1 }, ON, log, NOW_MS);
    kick.after({ id: LEAD, version: 1 }, ON, log, NOW_MS + 1);
    kick.after({ id: LEAD, version: 3 }, ON, log, NOW_MS + 2);
    kick.after({ id: LEAD, version: 2 }, ON, log, NOW_MS + 3);
    await Promise.all(waited);
    expect(sent).toEqual([
      { kind: "sheets.sync", leadId: LEAD, version: 1, now: new Date(NOW_MS).toISOString() },
      { kind: "sheets.sync", leadId: LEAD, version: 3, now: new Date(NOW_MS + 2).toISOString() },
    ]);
    // Every send went to waitUntil: after() itself returns before the queue answers.
    expect(waited).toHaveLength(2);
  });

  it("another lead on the same number (a restarted consultation) is kicked at its own version", async () => {
    const { sent, waited, kick } = recordingQueue();
    kick.after({ id: LEAD, version: 5 }, ON, log, NOW_MS);
    kick.after({ id: OTHER, version: 1 }, ON, log, NOW_MS);
    await Promise.all(waited);
    expect(sent.map((j) => [j.leadId, j.version])).toEqual([
      [LEAD, 5],
      [OTHER, 1],
    ]);
  });

  it("nothing while the mirror is off (switch off, or no spreadsheet), nor without a loaded lead", () => {
    const { sent, waited, kick } = recordingQueue();
    kick.after({ id: LEAD, version: 1 }, config({ FEATURE_SHEETS: "false" }), log, NOW_MS);
    kick.after({ id: LEAD, version: 2 }, config({ GOOGLE_SHEETS_SPREADSHEET_ID: "" }), log, NOW_MS);
    kick.after(null, ON, log, NOW_MS);
    expect(sent).toHaveLength(0);
    expect(waited).toHaveLength(0);
  });

  it("a send the queue refuses is logged, not thrown: the promise handed to waitUntil resolves", async () => {
    const { sent, waited, kick } = recordingQueue(true);
    expect(() => kick.after({ id: LEAD, version: 1 }, ON, log, NOW_MS)).not.toThrow();
    expect(sent).toHaveLength(1);
    await expect(Promise.all(waited)).resolves.toBeDefined();
  });
});
