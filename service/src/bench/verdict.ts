/**
 * Whose figures are these? A row of the bench only describes the hop when the load generator and the
 * upstream peer kept their cadence and had CPU to spare, and when nobody else used the hop's core.
 * This pure function turns what was observed during the window into that judgement, with reasons.
 */

/** The generator's core(s) busier than this (all processes counted) cannot promise its timings. */
export const GENERATOR_CORE_BUSY_LIMIT = 0.9;
/** One of the generator's processes alone above this many cores: its event loop is the limit. */
export const GENERATOR_PROCESS_CPU_LIMIT = 0.9;
/**
 * Send lag (frame due -> frame written) p99 above this: frames leave off cadence, and frames arriving
 * at that process wait about as long before they are timestamped. Node's timers alone give 1-3 ms here
 * (libuv rounds its timeouts to whole milliseconds), so the limit sits above that, at the delay target.
 */
export const SEND_LAG_P99_LIMIT_MS = 5;
/** A single-threaded hop using this much of its core is saturated. */
export const HOP_SATURATED_CPU = 0.95;
/** Other processes using this much of the hop's core (or of the generator's) disturb the figures. */
export const HOP_CORE_NOISE_LIMIT = 0.1;

export interface LoadProcess {
  name: string;
  /** Cores used on average during the window (CPU seconds / wall seconds). */
  cpuCores: number;
  /** Send lag p99 in ms (undefined: it sent nothing). */
  sendLagP99Ms?: number;
}

export interface Observation {
  /** Busy fraction (0..1) of each core the generator and the peer ran on, all processes counted. */
  generatorCoresBusy: number[];
  generatorProcesses: LoadProcess[];
  /** The hop's own CPU (cores) and its core's busy fraction (all processes); absent for the direct path. */
  hop?: { cpuCores: number; coreBusy?: number };
}

export interface Verdict {
  /** The load generator (or peer) was the bottleneck: the row does not measure the hop. */
  generatorBound: boolean;
  hopSaturated: boolean;
  /** Others used the hop's core or the generator's. */
  noisy: boolean;
  notes: string[];
}

const pct = (fraction: number) => `${Math.round(fraction * 100)}%`;

export function judge(observation: Observation): Verdict {
  const notes: string[] = [];
  let generatorBound = false;
  const busiest = Math.max(0, ...observation.generatorCoresBusy);
  if (busiest >= GENERATOR_CORE_BUSY_LIMIT) {
    generatorBound = true;
    notes.push(`load generator's core ${pct(busiest)} busy`);
  }
  for (const process of observation.generatorProcesses) {
    if (process.cpuCores >= GENERATOR_PROCESS_CPU_LIMIT) {
      generatorBound = true;
      notes.push(`${process.name} used ${process.cpuCores.toFixed(2)} core`);
    }
    if (process.sendLagP99Ms !== undefined && process.sendLagP99Ms > SEND_LAG_P99_LIMIT_MS) {
      generatorBound = true;
      notes.push(`${process.name} send lag p99 ${process.sendLagP99Ms.toFixed(1)} ms`);
    }
  }
  let hopSaturated = false;
  let noisy = false;
  // The generator's cores minus what the generator and the peer used themselves: someone else's work.
  const cores = observation.generatorCoresBusy.length;
  if (cores > 0) {
    const own = observation.generatorProcesses.reduce((sum, p) => sum + p.cpuCores, 0);
    const others = observation.generatorCoresBusy.reduce((a, b) => a + b, 0) - own;
    if (others / cores >= HOP_CORE_NOISE_LIMIT) {
      noisy = true;
      notes.push(`other processes used ${pct(others / cores)} of the load generator's core${cores > 1 ? "s" : ""}`);
    }
  }
  const hop = observation.hop;
  if (hop) {
    if (hop.cpuCores >= HOP_SATURATED_CPU) {
      hopSaturated = true;
      notes.push(`hop saturated (${hop.cpuCores.toFixed(2)} core)`);
    }
    if (hop.coreBusy !== undefined && hop.coreBusy - hop.cpuCores >= HOP_CORE_NOISE_LIMIT) {
      noisy = true;
      notes.push(`other processes used ${pct(hop.coreBusy - hop.cpuCores)} of the hop's core`);
    }
  }
  return { generatorBound, hopSaturated, noisy, notes };
}
