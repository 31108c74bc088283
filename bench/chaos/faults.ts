/**
 * The fault script of `npm run chaos`, played by the orchestrator against the running stack while
 * the driver's traffic flows: Graph API 500s, 429s, timeouts and sends taken whose answer is lost
 * (the emulator's `/_emulator/fail`),
 * slow Graph answers (`/_emulator/latency`), Durable Objects reset mid-drain (`/_bench/evict`,
 * which calls `ctx.abort()`) with and without a Graph send in flight, the database taken away at
 * the proxy and Postgres itself crashed (immediate shutdown) and restarted, and wrangler + workerd
 * killed (SIGKILL) and restarted. Every step is recorded with its time, so the check can tell a
 * consequence of a fault from a bug.
 */
import type { RunningStack } from "../../dev/stack.ts";
import type { ResetWindow } from "./invariants.ts";

export type FaultKind =
  | "Graph 500"
  | "Graph 429"
  | "Graph timeout"
  | "Graph answer lost"
  | "Graph latency"
  | "object reset (ctx.abort)"
  | "database away (proxy pause)"
  | "Postgres crashed and restarted"
  | "workerd killed and restarted";

export interface FaultRecord {
  kind: FaultKind;
  from: number;
  to: number;
  /** How many faults the step injected (failed Graph calls, reset objects; 1 otherwise). */
  count: number;
  detail: string;
  /** The number whose object was reset. */
  target?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Graph latency while objects are reset mid-send; stays under the Worker's Graph timeout. */
export const SEND_LATENCY_MS = 150;

export class FaultScript {
  readonly records: FaultRecord[] = [];
  private readonly resetWindows: ResetWindow[] = [];
  private readonly stack: RunningStack;
  private readonly clients: ReadonlySet<string>;
  private readonly say: (line: string) => void;

  /** `clients`: the traffic's numbers (E.164), the only objects the script resets. */
  constructor(stack: RunningStack, clients: readonly string[], say: (line: string) => void) {
    this.stack = stack;
    this.clients = new Set(clients);
    this.say = say;
  }

  /** Periods when objects were reset or the Worker was down, for the check. */
  get resets(): readonly ResetWindow[] {
    return this.resetWindows;
  }

  /** Injected faults by kind. */
  counts(): Map<FaultKind, number> {
    const counts = new Map<FaultKind, number>();
    for (const r of this.records) counts.set(r.kind, (counts.get(r.kind) ?? 0) + r.count);
    return counts;
  }

  /** One pass over every fault, about 40 s, with quiet gaps so recoveries overlap new traffic. */
  async run(gapMs = 2_000): Promise<void> {
    const steps: [string, () => Promise<void>][] = [
      ["Graph answers 500", () => this.graphFailures("500", 10)],
      ["Graph answers 429", () => this.graphFailures("429", 10)],
      ["Graph holds requests (timeouts)", () => this.graphFailures("timeout", 3)],
      ["Graph takes sends but their answers are lost", () => this.graphFailures("lost_reply", 5)],
      ["objects reset while Graph sends are in flight", () => this.resetsDuring(4_000, 250, SEND_LATENCY_MS)],
      ["database away at the proxy", () => this.databasePaused(3_000)],
      ["objects reset mid-drain", () => this.resetsDuring(2_000, 200, 0)],
      ["Postgres crashed", () => this.postgresCrash(2_000)],
      ["workerd killed", () => this.workerRestart()],
      ["the database comes back to a failing Graph API", () => this.databasePaused(2_000).then(() => this.graphFailures("500", 10))],
    ];
    for (const [what, step] of steps) {
      this.say(`fault: ${what}`);
      await step();
      await sleep(gapMs);
    }
  }

  /** Puts everything back as it was (faults disarmed, database reachable). */
  async clear(): Promise<void> {
    this.stack.whatsapp.failNext(0, "500");
    await this.setLatency(0);
    this.stack.proxy.setPaused(false);
  }

  private record(kind: FaultKind, from: number, detail: string, count = 1, target?: string): void {
    this.records.push({ kind, from, to: Date.now(), count, detail, ...(target === undefined ? {} : { target }) });
  }

  private async graphFailures(mode: "500" | "429" | "timeout" | "lost_reply", count: number): Promise<void> {
    const from = Date.now();
    await this.control("/_emulator/fail", { count, mode, only: "messages" });
    // Wait (bounded) for the drains to use them up, then disarm what is left.
    let remaining = count;
    for (let i = 0; i < 80 && remaining > 0; i++) {
      await sleep(250);
      const status = await this.control("/_emulator/fail");
      remaining = typeof status === "object" && status !== null && "remaining" in status && typeof status.remaining === "number" ? status.remaining : 0;
    }
    this.stack.whatsapp.failNext(0, mode);
    const kind: FaultKind = mode === "timeout" ? "Graph timeout" : mode === "lost_reply" ? "Graph answer lost" : mode === "429" ? "Graph 429" : "Graph 500";
    const what = mode === "lost_reply" ? "message sends taken by Graph, their answers never returned" : "message sends failed";
    this.record(kind, from, `${count - remaining} ${what}`, count - remaining);
  }

  private async resetsDuring(durationMs: number, everyMs: number, latencyMs: number): Promise<void> {
    const from = Date.now();
    if (latencyMs > 0) await this.setLatency(latencyMs);
    const until = Date.now() + durationMs;
    let resets = 0;
    while (Date.now() < until) {
      const phone = this.busyClient();
      if (phone) {
        const at = Date.now();
        const res = await fetch(`${this.stack.urls.worker}/_bench/evict?phone=${encodeURIComponent(phone)}`, { method: "POST" }).catch(() => null);
        await res?.body?.cancel();
        if (res?.status === 200) {
          this.resetWindows.push({ phone, from: at, to: Date.now(), workerDown: false });
          const how = latencyMs > 0 ? `a number Graph just heard from, while every Graph call takes ${latencyMs} ms` : "a number Graph just heard from";
          this.record("object reset (ctx.abort)", at, `\`/_bench/evict\` → \`ctx.abort()\` on ${how}`, 1, phone);
          resets++;
        }
      }
      await sleep(everyMs);
    }
    if (latencyMs > 0) {
      await this.setLatency(0);
      this.record("Graph latency", from, `${latencyMs} ms on every call for ${durationMs} ms`);
    }
    this.say(`  ${resets} objects reset`);
  }

  /** A client the Graph emulator has just heard from: its object is most likely mid-drain. */
  private busyClient(): string | null {
    const recent = this.stack.whatsapp
      .sends()
      .slice(-30)
      .map((s) => `+${s.wa_id}`)
      .filter((phone) => this.clients.has(phone));
    return recent[Math.floor(Math.random() * recent.length)] ?? null;
  }

  private async databasePaused(ms: number): Promise<void> {
    const from = Date.now();
    this.stack.proxy.setPaused(true);
    await sleep(ms);
    this.stack.proxy.setPaused(false);
    this.record("database away (proxy pause)", from, `${ms} ms`);
  }

  private async postgresCrash(downMs: number): Promise<void> {
    const from = Date.now();
    await this.stack.postgres.crash();
    await sleep(downMs);
    await this.stack.postgres.restart();
    this.record("Postgres crashed and restarted", from, `immediate shutdown, ${downMs} ms down, crash recovery on start`);
  }

  private async workerRestart(): Promise<void> {
    const from = Date.now();
    await this.stack.restartWorker();
    this.resetWindows.push({ phone: "*", from, to: Date.now(), workerDown: true });
    this.record("workerd killed and restarted", from, `SIGKILL; serving again after ${Date.now() - from} ms`);
  }

  private setLatency(ms: number): Promise<unknown> {
    return this.control("/_emulator/latency", { ms });
  }

  private async control(path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.stack.urls.whatsapp}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }
}
