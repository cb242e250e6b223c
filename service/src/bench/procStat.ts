/**
 * CPU and memory of processes and cores, read from Linux's /proc: what the hop process spends per frame
 * (user + system time, so the kernel's share of every socket read and write counts), its resident
 * memory, and how busy each core was (the load generator's core, and anyone else's use of the hop's).
 * Parsers are pure; the readers around them touch /proc only.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface ProcessStat {
  pid: number;
  ppid: number;
  /** user + system time, in clock ticks. */
  cpuTicks: number;
  /** Of which in the kernel (system calls, and the network stack's work done on the process's behalf). */
  systemTicks: number;
  /** Processor it last ran on. */
  processor: number;
}

/** Parses /proc/<pid>/stat. The command name (field 2) may contain spaces and parentheses: split after the last ")". */
export function parseProcessStat(text: string): ProcessStat {
  const close = text.lastIndexOf(")");
  if (close < 0) throw new Error("not a /proc/<pid>/stat line");
  const pid = Number(text.slice(0, text.indexOf(" ")));
  // After ") ": field 3 (state) is index 0, so field n is index n - 3.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number) => Number(fields[n - 3]);
  return { pid, ppid: field(4), cpuTicks: field(14) + field(15), systemTicks: field(15), processor: field(39) };
}

/** VmRSS from /proc/<pid>/status, in bytes. */
export function parseRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error("no VmRSS line");
  return Number(match[1]) * 1024;
}

export interface CoreTimes {
  /** Ticks spent on anything but idle and iowait. */
  busy: number;
  total: number;
}

/** Per-core times from /proc/stat (`cpuN user nice system idle iowait irq softirq steal ...`). */
export function parseCoreTimes(stat: string): Map<number, CoreTimes> {
  const cores = new Map<number, CoreTimes>();
  for (const line of stat.split("\n")) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const values = match[2].trim().split(/\s+/).map(Number);
    // guest and guest_nice (fields 9, 10) are already inside user and nice.
    const counted = values.slice(0, 8);
    const total = counted.reduce((a, b) => a + b, 0);
    const idle = (counted[3] ?? 0) + (counted[4] ?? 0);
    cores.set(Number(match[1]), { busy: total - idle, total });
  }
  return cores;
}

/** Fraction of a core busy between two readings (0..1), or undefined without elapsed ticks. */
export function busyFraction(before: CoreTimes, after: CoreTimes): number | undefined {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : undefined;
}

let ticksPerSecond: number | undefined;
/** USER_HZ, from `getconf CLK_TCK` (100 on every common Linux, the fallback). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export function readProcessStat(pid: number): ProcessStat | undefined {
  try {
    return parseProcessStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined; // gone
  }
}

export function readRssBytes(pid: number): number | undefined {
  try {
    return parseRssBytes(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return undefined;
  }
}

export function readCoreTimes(): Map<number, CoreTimes> {
  return parseCoreTimes(readFileSync("/proc/stat", "utf8"));
}

/** A process and all its descendants (nginx: master and workers). */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry));
    if (!stat) continue;
    parents.set(stat.ppid, [...(parents.get(stat.ppid) ?? []), stat.pid]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of parents.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

export interface TreeSample {
  cpuSeconds: number;
  systemSeconds: number;
  rssBytes: number;
}

/** CPU seconds and resident memory summed over a set of processes (those that are gone count zero). */
export function sampleProcesses(pids: number[]): TreeSample {
  const hz = clockTicksPerSecond();
  let ticks = 0;
  let system = 0;
  let rss = 0;
  for (const pid of pids) {
    const stat = readProcessStat(pid);
    ticks += stat?.cpuTicks ?? 0;
    system += stat?.systemTicks ?? 0;
    rss += readRssBytes(pid) ?? 0;
  }
  return { cpuSeconds: ticks / hz, systemSeconds: system / hz, rssBytes: rss };
}
