/**
 * Process and machine facts for the bench, read from Linux's /proc: the workerd processes under
 * `wrangler dev`, their memory (VmHWM = peak resident set), and CPU time per part of the stack.
 * Elsewhere than Linux every reader answers null and the report says "n/a".
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

/** Linux's USER_HZ: /proc CPU times are in 1/100 s on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  pgrp: number;
  /** utime + stime, ms. */
  cpuMs: number;
  /** cutime + cstime (reaped children), ms. */
  childCpuMs: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    // Fields after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const f = text.slice(close + 2).split(" ").map(Number);
    const tick = (i: number) => ((f[i] ?? 0) * 1000) / TICKS_PER_SECOND;
    return { pid, comm, ppid: f[1] ?? 0, pgrp: f[2] ?? 0, cpuMs: tick(11) + tick(12), childCpuMs: tick(13) + tick(14) };
  } catch {
    return null;
  }
}

function allProcesses(): ProcStat[] {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .flatMap((name) => readStat(Number(name)) ?? []);
  } catch {
    return [];
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return "";
  }
}

export interface WorkerdProcess {
  pid: number;
  /** "runtime" runs the Worker and its Durable Objects; "proxy" is wrangler's dev entry proxy. */
  role: "runtime" | "proxy";
  binary: string;
}

/** The workerd processes in wrangler's process group. */
export function findWorkerd(wranglerPid: number): WorkerdProcess[] {
  return allProcesses()
    .filter((p) => p.comm === "workerd" && p.pgrp === wranglerPid)
    .map((p) => {
      const line = cmdline(p.pid);
      return { pid: p.pid, role: line.includes("--inspector-addr") ? "runtime" : "proxy", binary: line.split(" ")[0] ?? "workerd" };
    });
}

export interface Memory {
  peakKb: number;
  rssKb: number;
}

/** VmHWM (peak resident set) and VmRSS of a process, in kB. */
export function readMemory(pid: number): Memory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { peakKb: field("VmHWM"), rssKb: field("VmRSS") };
  } catch {
    return null;
  }
}

/** CPU time used so far by each part of the stack, ms. */
export interface CpuSnapshot {
  /** The workerd that runs the Worker and every Durable Object. */
  workerd: number;
  /** wrangler's dev entry proxy (another workerd; no counterpart in production). */
  devProxy: number;
  postgres: number;
  /** This process: the WhatsApp emulator, the WebSocket proxy, the reply relay. */
  orchestrator: number;
  driver: number;
  wrangler: number;
}

/**
 * CPU of the stack's parts. Postgres backends come and go with connections, so the postmaster's
 * reaped-children time is added to the live backends' own.
 */
export function cpuSnapshot(wranglerPid: number, driverPid: number): CpuSnapshot {
  const procs = allProcesses();
  const self = process.cpuUsage();
  const postmasters = procs.filter((p) => p.comm === "postgres" && p.ppid === process.pid);
  const postgres = postmasters.reduce(
    (sum, master) => sum + master.cpuMs + master.childCpuMs + procs.filter((p) => p.ppid === master.pid).reduce((s, p) => s + p.cpuMs, 0),
    0,
  );
  const workerd = findWorkerd(wranglerPid);
  const cpuOf = (role: WorkerdProcess["role"]) =>
    workerd.filter((w) => w.role === role).reduce((s, w) => s + (procs.find((p) => p.pid === w.pid)?.cpuMs ?? 0), 0);
  return {
    workerd: cpuOf("runtime"),
    devProxy: cpuOf("proxy"),
    postgres,
    orchestrator: (self.user + self.system) / 1000,
    driver: procs.find((p) => p.pid === driverPid)?.cpuMs ?? 0,
    wrangler: procs.find((p) => p.pid === wranglerPid)?.cpuMs ?? 0,
  };
}

const CPU_PARTS = ["workerd", "devProxy", "postgres", "orchestrator", "driver", "wrangler"] as const satisfies readonly (keyof CpuSnapshot)[];

/** Per-part arithmetic on snapshots: `a + k·b`. */
function combine(a: CpuSnapshot, b: CpuSnapshot, k: number): CpuSnapshot {
  const out = { ...a };
  for (const part of CPU_PARTS) out[part] = a[part] + k * b[part];
  return out;
}

/** CPU used between two snapshots. */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  return combine(after, before, -1);
}

/** `a - k·b`, e.g. a phase's CPU less k probes' worth. */
export function cpuMinus(a: CpuSnapshot, b: CpuSnapshot, k = 1): CpuSnapshot {
  return combine(a, b, -k);
}

/** Every part divided by `n` (CPU per message, per request). */
export function cpuPer(total: CpuSnapshot, n: number): CpuSnapshot {
  const out = { ...total };
  for (const part of CPU_PARTS) out[part] = n > 0 ? total[part] / n : Number.NaN;
  return out;
}

/** All parts together. */
export function cpuSum(cpu: CpuSnapshot): number {
  return CPU_PARTS.reduce((s, part) => s + cpu[part], 0);
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  node: string;
  workerd: string;
  wrangler: string;
  date: string;
}

/** Versions and hardware for the report header. */
export function machineInfo(workerdBinary: string | undefined, wranglerVersion: string): MachineInfo {
  let workerd = "unknown";
  if (workerdBinary) {
    try {
      workerd = execFileSync(workerdBinary, ["--version"], { encoding: "utf8", timeout: 5_000 }).trim();
    } catch {
      // Keep "unknown".
    }
  }
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    workerd,
    wrangler: wranglerVersion,
    date: new Date().toISOString().slice(0, 10),
  };
}

/** CPU time the whole machine has spent busy (all cores, not idle or waiting on I/O), ms. */
export function machineBusyMs(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    // cpu user nice system idle iowait irq softirq steal …
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (utime + stime) of one process so far, ms; NaN when it is gone. */
export function processCpuMs(pid: number): number {
  return readStat(pid)?.cpuMs ?? Number.NaN;
}
