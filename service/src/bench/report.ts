/**
 * One bench row from what the processes reported, and the table printed from the rows. Pure: every
 * number here is derived from measured counts, CPU times and histograms, nothing is estimated.
 */
import { lossOf, type ReceiverData } from "./accounting";
import { Histogram, type HistogramData } from "./histogram";
import type { HopName } from "./hops";
import type { GeneratorReport } from "./loadGenerator";
import type { PeerReport } from "./ipc";
import { judge, type Verdict } from "./verdict";

export interface PhaseMeasurements {
  hop: HopName;
  frameMs: number;
  sessions: number;
  windowSeconds: number;
  opened: number;
  openFailures: Record<string, number>;
  openSeconds: number;
  generator: GeneratorReport;
  peer: PeerReport;
  /** CPU seconds during the window. */
  generatorCpuSeconds: number;
  peerCpuSeconds: number;
  hopCpuSeconds?: number;
  /** Of which in the kernel. */
  hopSystemSeconds?: number;
  /** Busy fraction of the generator's cores and of the hop core during the window. */
  generatorCoresBusy: number[];
  hopCoreBusy?: number;
  hopRssIdleBytes?: number;
  hopRssLoadedBytes?: number;
  /** The hop's --cpu-prof file, if profiled, and the measurement window (monotonic ns). */
  profile?: string;
  window?: { startNs: bigint; endNs: bigint };
}

export interface DelaySummary {
  frames: number;
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  maxMs?: number;
  /** Frames whose receive time preceded their send time: should be 0 (shared clock). */
  negative: number;
}

export interface BenchRow {
  hop: HopName;
  frameMs: number;
  sessions: number;
  opened: number;
  /** Sessions that failed to open, plus those that ended before the bench closed them. */
  sessionsFailed: number;
  failureReasons: Record<string, number>;
  windowSeconds: number;
  /** Audio events relayed per second during the window, both directions. */
  framesPerSecond: number;
  megabytesPerSecond: number;
  uplink: { sent: number; received: number; lost: number; delay: DelaySummary };
  downlink: { sent: number; received: number; lost: number; delay: DelaySummary };
  /** Both directions together. */
  delay: DelaySummary;
  framesLost: number;
  /** p99 of this row minus p99 of the direct row with the same sessions and frame size. */
  addedP99Ms?: number;
  hopCpuCores?: number;
  hopCpuMicrosPerFrame?: number;
  /** Share of the hop's CPU spent in the kernel (socket reads and writes, the loopback TCP stack). */
  hopKernelShare?: number;
  hopCpuMsPerMB?: number;
  hopRssMB?: number;
  hopRssIdleMB?: number;
  hopRssPerSessionKB?: number;
  /**
   * Memory each additional session costs: the RSS difference to the next smaller run of the same hop
   * and frame size, over the difference in open sessions (start-up growth of the heap cancels out).
   */
  hopRssMarginalKB?: number;
  generator: { cpuCores: number; peerCpuCores: number; coresBusy: number[]; sendLagP99Ms?: number; peerSendLagP99Ms?: number; loopDelayP99Ms?: number };
  hopCoreBusy?: number;
  verdict: Verdict;
  /** The proxy's CPU profile, the window (monotonic µs, V8's sample clock) and the frames sent in it. */
  profile?: { file: string; fromMicros: number; toMicros: number; framesInWindow: number };
}

const ms = (micros: number | undefined) => (micros === undefined ? undefined : micros / 1000);

export function delaySummary(histogram: Histogram): DelaySummary {
  return {
    frames: histogram.total,
    p50Ms: ms(histogram.percentile(50)),
    p99Ms: ms(histogram.percentile(99)),
    p999Ms: ms(histogram.percentile(99.9)),
    maxMs: histogram.total ? histogram.max / 1000 : undefined,
    negative: histogram.negative,
  };
}

function direction(sent: number, receiver: ReceiverData): { sent: number; received: number; lost: number; delay: DelaySummary; histogram: Histogram } {
  const histogram = Histogram.from(receiver.delay);
  return { sent, received: receiver.received, lost: lossOf(sent, receiver.received).lost, delay: delaySummary(histogram), histogram };
}

const lagMs = (lag: HistogramData) => ms(Histogram.from(lag).percentile(99));

export function summarise(m: PhaseMeasurements): BenchRow {
  const up = direction(m.generator.sent, m.peer.uplink);
  const down = direction(m.peer.sent, m.generator.downlink);
  const both = Histogram.from(up.histogram.toData()).merge(down.histogram);
  const framesInWindow = m.generator.sentInWindow + m.peer.sentInWindow;
  const bytesInWindow = m.generator.bytesInWindow + m.peer.bytesInWindow;
  const failureReasons: Record<string, number> = { ...m.openFailures };
  for (const [reason, count] of Object.entries(m.generator.closeReasons)) failureReasons[`ended: ${reason}`] = (failureReasons[`ended: ${reason}`] ?? 0) + count;
  const sessionsFailed = (m.sessions - m.opened) + m.generator.closedEarly;
  const hopCpuCores = m.hopCpuSeconds === undefined ? undefined : m.hopCpuSeconds / m.windowSeconds;
  const generatorCpu = m.generatorCpuSeconds / m.windowSeconds;
  const peerCpu = m.peerCpuSeconds / m.windowSeconds;
  const sendLagP99Ms = lagMs(m.generator.sendLag);
  const peerSendLagP99Ms = lagMs(m.peer.sendLag);
  const verdict = judge({
    generatorCoresBusy: m.generatorCoresBusy,
    generatorProcesses: [
      { name: "load generator", cpuCores: generatorCpu, sendLagP99Ms },
      { name: "upstream peer", cpuCores: peerCpu, sendLagP99Ms: peerSendLagP99Ms },
    ],
    hop: hopCpuCores === undefined ? undefined : { cpuCores: hopCpuCores, coreBusy: m.hopCoreBusy },
  });
  const opened = m.opened;
  return {
    hop: m.hop,
    frameMs: m.frameMs,
    sessions: m.sessions,
    opened,
    sessionsFailed,
    failureReasons,
    windowSeconds: m.windowSeconds,
    framesPerSecond: framesInWindow / m.windowSeconds,
    megabytesPerSecond: bytesInWindow / 1e6 / m.windowSeconds,
    uplink: { sent: up.sent, received: up.received, lost: up.lost, delay: up.delay },
    downlink: { sent: down.sent, received: down.received, lost: down.lost, delay: down.delay },
    delay: delaySummary(both),
    framesLost: up.lost + down.lost,
    hopCpuCores,
    hopCpuMicrosPerFrame: m.hopCpuSeconds === undefined || framesInWindow === 0 ? undefined : (m.hopCpuSeconds * 1e6) / framesInWindow,
    hopKernelShare: m.hopCpuSeconds && m.hopSystemSeconds !== undefined ? m.hopSystemSeconds / m.hopCpuSeconds : undefined,
    hopCpuMsPerMB: m.hopCpuSeconds === undefined || bytesInWindow === 0 ? undefined : (m.hopCpuSeconds * 1e3) / (bytesInWindow / 1e6),
    hopRssMB: m.hopRssLoadedBytes === undefined ? undefined : m.hopRssLoadedBytes / 1e6,
    hopRssIdleMB: m.hopRssIdleBytes === undefined ? undefined : m.hopRssIdleBytes / 1e6,
    hopRssPerSessionKB: m.hopRssLoadedBytes === undefined || m.hopRssIdleBytes === undefined || opened === 0
      ? undefined : (m.hopRssLoadedBytes - m.hopRssIdleBytes) / 1e3 / opened,
    generator: {
      cpuCores: generatorCpu, peerCpuCores: peerCpu, coresBusy: m.generatorCoresBusy, sendLagP99Ms, peerSendLagP99Ms,
      loopDelayP99Ms: ms(m.generator.loopDelayP99Micros),
    },
    hopCoreBusy: m.hopCoreBusy,
    verdict,
    profile: m.profile && m.window
      ? { file: m.profile, fromMicros: Number(m.window.startNs / 1000n), toMicros: Number(m.window.endNs / 1000n), framesInWindow }
      : undefined,
  };
}

/**
 * Fills what needs other rows: `addedP99Ms` from the direct row of the same size (when that row
 * itself was neither generator-bound nor disturbed), and
 * `hopRssMarginalKB` from the next smaller run of the same hop and frame size.
 */
export function addBaselines(rows: BenchRow[]): BenchRow[] {
  return rows.map((row) => {
    if (row.hop === "direct") return row;
    // Recomputed from scratch, so a saved run can be judged again (derive.ts does).
    const out: BenchRow = { ...row, addedP99Ms: undefined, hopRssMarginalKB: undefined };
    const base = rows.find((r) => r.hop === "direct" && r.frameMs === row.frameMs && r.sessions === row.sessions);
    // A baseline the generator or others disturbed would make the difference meaningless (even negative).
    const baseReliable = base !== undefined && !base.verdict.generatorBound && !base.verdict.noisy;
    const unreliable = "no reliable direct baseline";
    if (base && !baseReliable && !row.verdict.notes.includes(unreliable)) out.verdict = { ...row.verdict, notes: [...row.verdict.notes, unreliable] };
    if (baseReliable && base?.delay.p99Ms !== undefined && row.delay.p99Ms !== undefined) out.addedP99Ms = row.delay.p99Ms - base.delay.p99Ms;
    const smaller = rows
      .filter((r) => r.hop === row.hop && r.frameMs === row.frameMs && r.opened < row.opened && r.hopRssMB !== undefined)
      .sort((a, b) => b.opened - a.opened)[0];
    if (smaller && row.hopRssMB !== undefined) out.hopRssMarginalKB = ((row.hopRssMB - smaller.hopRssMB!) * 1e3) / (row.opened - smaller.opened);
    return out;
  });
}

const f = (value: number | undefined, digits = 1) => (value === undefined ? "-" : value.toFixed(digits));

/** The Markdown table docs/performance.md carries. */
export function formatTable(rows: BenchRow[]): string {
  const header = [
    "frame", "open sessions", "hop", "frames/s", "hop CPU per frame", "hop CPU per MB", "hop CPU used",
    "one-way delay p50 / p99 / max", "added p99", "frames lost", "sessions failed", "hop RSS (idle)", "RSS per session (marginal)", "generator",
  ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const r of rows) {
    const status = r.verdict.notes.length ? r.verdict.notes.join("; ") : "ok";
    lines.push(`| ${[
      `${r.frameMs} ms`,
      r.opened === r.sessions ? String(r.sessions) : `${r.opened} of ${r.sessions}`,
      r.hop,
      f(r.framesPerSecond, 0),
      r.hopCpuMicrosPerFrame === undefined ? "-" : `${f(r.hopCpuMicrosPerFrame)} µs`,
      r.hopCpuMsPerMB === undefined ? "-" : `${f(r.hopCpuMsPerMB, 2)} ms`,
      r.hopCpuCores === undefined ? "-" : `${f(r.hopCpuCores, 2)} core`,
      `${f(r.delay.p50Ms, 2)} / ${f(r.delay.p99Ms, 2)} / ${f(r.delay.maxMs, 1)} ms`,
      r.addedP99Ms === undefined ? "-" : `${f(r.addedP99Ms, 2)} ms`,
      String(r.framesLost),
      String(r.sessionsFailed),
      r.hopRssMB === undefined ? "-" : `${f(r.hopRssMB, 0)} MB (${f(r.hopRssIdleMB, 0)})`,
      r.hopRssPerSessionKB === undefined ? "-" : `${f(r.hopRssPerSessionKB, 0)} KB${r.hopRssMarginalKB === undefined ? "" : ` (${f(r.hopRssMarginalKB, 0)} KB)`}`,
      r.verdict.generatorBound ? `BOUND: ${status}` : status,
    ].join(" | ")} |`);
  }
  return lines.join("\n");
}
