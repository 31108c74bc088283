/**
 * The orchestrator's handle on the load driver child process (bench/driver.ts): fork it, run a
 * phase and await its result, relay emulator sends to it, stop it.
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { RunningWhatsAppEmulator } from "../dev/emulators/whatsapp/index.ts";
import { ROOT } from "../dev/stack.ts";
import { FromDriver, type DriverSettings, type PhaseRequest, type PhaseResult } from "./protocol.ts";

type ResultOf<K extends PhaseRequest["kind"]> = Extract<PhaseResult, { kind: K }>;

export class DriverClient {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (r: PhaseResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  /** Resolves when the driver reports ready; rejects if it exits first. */
  readonly ready: Promise<void>;

  constructor(settings: DriverSettings) {
    this.child = fork(path.join(ROOT, "bench/driver.ts"), [], {
      execArgv: ["--experimental-strip-types", "--disable-warning=ExperimentalWarning"],
      env: { ...process.env, INKLINE_BENCH_DRIVER: JSON.stringify(settings) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.on("message", (raw) => {
        const parsed = FromDriver.safeParse(raw);
        if (!parsed.success) return;
        const message = parsed.data;
        if (message.type === "ready") return resolve();
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.type === "result") waiter?.resolve(message.result);
        else waiter?.reject(new Error(`driver: ${message.message}`));
      });
      this.child.once("exit", (code) => {
        const error = new Error(`the load driver exited (${code ?? "signal"})`);
        reject(error);
        for (const waiter of this.pending.values()) waiter.reject(error);
        this.pending.clear();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Runs one phase in the driver. */
  run<K extends PhaseRequest["kind"]>(phase: Extract<PhaseRequest, { kind: K }>): Promise<ResultOf<K>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const accept = (result: PhaseResult) => {
        if (result.kind === phase.kind) resolve(result as ResultOf<K>); // narrowed by the check above
        else reject(new Error(`driver answered a ${phase.kind} phase with ${result.kind}`));
      };
      this.pending.set(id, { resolve: accept, reject });
      this.child.send({ type: "run", id, phase });
    });
  }

  /** New emulator sends, [wa_id, received_at ms]. */
  relay(batch: [string, number][]): void {
    if (batch.length > 0 && this.child.connected) this.child.send({ type: "replies", batch });
  }

  /**
   * Relays every send the WhatsApp emulator records to the driver (which waits for replies before
   * a client's next message), every 5 ms; returns the function that stops relaying.
   */
  relayFrom(whatsapp: RunningWhatsAppEmulator): () => void {
    let relayed = 0;
    const timer = setInterval(() => {
      const sends = whatsapp.sends();
      if (sends.length === relayed) return;
      this.relay(sends.slice(relayed).map((s): [string, number] => [s.wa_id, Date.parse(s.received_at)]));
      relayed = sends.length;
    }, 5);
    return () => clearInterval(timer);
  }

  /** Tells a running chaos phase that the fault script is over. */
  stopChaos(): void {
    if (this.child.connected) this.child.send({ type: "stop-chaos" });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
    if (this.child.exitCode === null) this.child.kill();
  }
}
