/**
 * From bench rows to a stack's `sessionsPerReplica`, in two pure steps:
 *
 * 1. `capacityAtTarget`: the largest tested number of open sessions the proxy carried on one core with
 *    the added one-way delay p99 within the target, no frame lost and no session failed, below the
 *    first tested number that missed it. A row where the load generator was the bottleneck, or other
 *    processes disturbed the run, proves nothing either way: it is passed over, and when no miss
 *    follows, the capacity is a lower bound ("at least").
 * 2. `sessionsPerReplica`: that capacity scaled to the replica's vCPU (one Node process runs its
 *    JavaScript on one core: vCPU beyond 1 does not add relay capacity), less the stated headroom, and
 *    capped by memory; then the largest value whose per-instance hard limit
 *    (`instanceSessionLimit`, 1.5 x) still fits, because a replica may carry up to that limit while
 *    new replicas start.
 */

export interface CapacityRow {
  hop: string;
  frameMs: number;
  sessions: number;
  opened: number;
  addedP99Ms?: number;
  framesLost: number;
  sessionsFailed: number;
  verdict: { generatorBound: boolean; noisy: boolean; hopSaturated: boolean };
  hopCpuCores?: number;
  hopRssPerSessionKB?: number;
  hopRssIdleMB?: number;
}

export interface MeasuredCapacity {
  hop: string;
  frameMs: number;
  targetP99Ms: number;
  /** Largest tested count meeting the target below the first that missed it (0: none did). */
  sessionsAtTarget: number;
  /** "bracketed": a larger count was tested and missed the target; "lower bound": nothing larger was conclusive. */
  kind: "bracketed" | "lower bound";
  /** The first tested count above the capacity that missed the target or proved nothing, and why. */
  next?: { sessions: number; reason: string };
  /** From the row at capacity: the hop's cores, memory per session and idle memory. */
  hopCpuCores?: number;
  rssPerSessionBytes?: number;
  baseRssBytes?: number;
}

/** Why a row does not meet the target, or undefined when it does; "inconclusive" rows say so. */
export function missReason(row: CapacityRow, targetP99Ms: number): { reason: string; inconclusive: boolean } | undefined {
  if (row.verdict.generatorBound) return { reason: "load generator was the bottleneck", inconclusive: true };
  if (row.verdict.noisy) return { reason: "other processes disturbed the run", inconclusive: true };
  if (row.sessionsFailed > 0) return { reason: `${row.sessionsFailed} sessions failed`, inconclusive: false };
  if (row.framesLost > 0) return { reason: `${row.framesLost} frames lost`, inconclusive: false };
  if (row.addedP99Ms === undefined) return { reason: "no direct baseline for the added delay", inconclusive: true };
  if (row.addedP99Ms > targetP99Ms) return { reason: `added p99 ${row.addedP99Ms.toFixed(2)} ms > ${targetP99Ms} ms`, inconclusive: false };
  return undefined;
}

export function capacityAtTarget(rows: CapacityRow[], frameMs: number, targetP99Ms: number, hop = "proxy"): MeasuredCapacity {
  const tested = rows.filter((r) => r.hop === hop && r.frameMs === frameMs).sort((a, b) => a.sessions - b.sessions);
  let at: CapacityRow | undefined;
  let next: MeasuredCapacity["next"];
  for (const row of tested) {
    const miss = missReason(row, targetP99Ms);
    if (!miss) {
      // A clean pass above an inconclusive row outweighs it (more sessions only make it harder).
      at = row;
      next = undefined;
    } else if (miss.inconclusive) {
      next ??= { sessions: row.sessions, reason: miss.reason };
    } else {
      return { ...fromRow(hop, frameMs, targetP99Ms, at), kind: "bracketed", next: { sessions: row.sessions, reason: miss.reason } };
    }
  }
  return { ...fromRow(hop, frameMs, targetP99Ms, at), kind: "lower bound", next };
}

function fromRow(hop: string, frameMs: number, targetP99Ms: number, row: CapacityRow | undefined): Omit<MeasuredCapacity, "kind"> {
  return {
    hop, frameMs, targetP99Ms,
    sessionsAtTarget: row?.sessions ?? 0,
    hopCpuCores: row?.hopCpuCores,
    rssPerSessionBytes: row?.hopRssPerSessionKB === undefined ? undefined : row.hopRssPerSessionKB * 1e3,
    baseRssBytes: row?.hopRssIdleMB === undefined ? undefined : row.hopRssIdleMB * 1e6,
  };
}

// How a measured capacity becomes a stack's sessionsPerReplica lives with the cost model's capacity
// (cost/capacity.ts), where the infrastructure reads it too.
export {
  MEMORY_USABLE_FRACTION, RELAY_CORES_PER_PROCESS, SESSIONS_PER_REPLICA_MAX,
  sessionsPerReplicaFromMeasurement as sessionsPerReplica, type ReplicaCapacityInput, type ReplicaDerivation, type ReplicaShape,
} from "../../../cost/capacity";
