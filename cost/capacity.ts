/**
 * Capacity planning: from expected volume to peak concurrency, replicas, and the upstream's quotas.
 * Pure. The peak is a stated percentile of the arrival process (traffic.ts: the day's curve, Poisson
 * around it); the token demand comes from the same session model that prices the interview, counted
 * two ways because whether cached (re-sent) input counts against a token quota is not documented.
 */
import { instanceSessionLimit } from "../contracts/session";
import type { Catalog, Figure } from "./catalog";
import { arrivalsPerMinute, DEFAULT_BUSY_HOURS_PER_DAY, DEFAULT_PEAK_HOUR_FACTOR, peakConcurrencyForDurations, poissonQuantile, type DurationShare } from "./traffic";

/** Front Door Standard/Premium: concurrent WebSocket connections per profile ("Azure Front Door limits", learn.microsoft.com, current localized docs 2026). */
export const FRONT_DOOR_MAX_WEBSOCKETS = 3000;
/** The percentile of the arrival process the stack is sized for. */
export const DEFAULT_PEAK_PERCENTILE = 99;

/** The most sessions a stack is sized for: every replica at its scale target. */
export function sessionCapacity(sizing: { maxReplicas: number; sessionsPerReplica: number }): number {
  return sizing.maxReplicas * sizing.sessionsPerReplica;
}

export interface CapacityInput {
  interviewsPerDay: number;
  durations: DurationShare[];
  /** The busiest hour's rate against the average busy hour (default 2). */
  peakHourFactor?: number;
  /** Hours a day over which interviews are spread (default 10). */
  busyHoursPerDay?: number;
  /** Percentile of open sessions (and of starts a minute) at the busiest moment (default 99). */
  percentile?: number;
  sessionsPerReplica: number;
  minReplicas: number;
  maxReplicas: number;
  /** Upstream entries (resources) sharing new sessions at the top priority. */
  upstreamResources: number;
  /** Transparent upstream rotation interval (UPSTREAM_ROTATE_MINUTES); undefined: no rotation. */
  rotateMinutes?: number;
  /** Tokens a session adds per minute: what is spoken (user and model audio) and the transcript. */
  spokenTokensPerSessionMinute: number;
  /** Tokens a session's responses read and write per minute, re-sent (cached) input included. */
  billedTokensPerSessionMinute: number;
  /** The upstream resource's quotas (from the catalog); absent when none is known. */
  quota?: Catalog["quota"];
}

export interface UpstreamQuotaPlan {
  tokensPerMinute?: Figure;
  newConnectionsPerMinute?: Figure;
  /** Resources per region each quota asks for. */
  byConnections?: number;
  bySpokenTokens?: number;
  byBilledTokens?: number;
  /** If cached input does not count against the quota. */
  neededAtLeast: number;
  /** If it does. */
  neededAtMost: number;
}

export interface CapacityPlan {
  percentile: number;
  /** Mean open sessions at the busiest minute. */
  peakMeanSessions: number;
  /** Open sessions at the busiest minute, at the percentile. */
  peakConcurrentSessions: number;
  peakMinuteOfDay: number;
  replicasNeeded: number;
  /** Session starts in the busiest minute: mean and at the percentile. */
  startsPerMinuteMean: number;
  startsPerMinuteAtPercentile: number;
  rotationsPerMinute: number;
  /** New upstream connections a minute at the percentile: starts plus rotations (if the service rotates). */
  newConnectionsPerMinute: number;
  spokenTokensPerMinute: number;
  billedTokensPerMinute: number;
  upstream: UpstreamQuotaPlan;
  /** = upstream.neededAtLeast */
  upstreamResourcesNeeded: number;
  warnings: string[];
  /** The upstream-quota warnings among `warnings` (one region's view: a stack that declares `capacity` gets a per-region check instead). */
  upstreamWarnings: string[];
}

export function planCapacity(input: CapacityInput): CapacityPlan {
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === "number" && !(value >= 0)) throw new RangeError(`${key} must be a non-negative number, got ${value}`);
  }
  const percentile = input.percentile ?? DEFAULT_PEAK_PERCENTILE;
  if (!(percentile > 0 && percentile < 100)) throw new RangeError(`percentile must be in (0, 100), got ${percentile}`);
  const profile = { interviewsPerDay: input.interviewsPerDay, peakHourFactor: input.peakHourFactor ?? DEFAULT_PEAK_HOUR_FACTOR, busyHoursPerDay: input.busyHoursPerDay ?? DEFAULT_BUSY_HOURS_PER_DAY };
  const peak = peakConcurrencyForDurations(profile, input.durations, percentile);
  const peakConcurrentSessions = peak.atPercentile;
  const replicasNeeded = Math.max(input.minReplicas, Math.ceil(peakConcurrentSessions / input.sessionsPerReplica));
  const startsPerMinuteMean = Math.max(0, ...arrivalsPerMinute(profile));
  const startsPerMinuteAtPercentile = poissonQuantile(startsPerMinuteMean, percentile / 100);
  const rotationsPerMinute = input.rotateMinutes && input.rotateMinutes > 0 ? peakConcurrentSessions / input.rotateMinutes : 0;
  const newConnectionsPerMinute = Math.ceil(startsPerMinuteAtPercentile + rotationsPerMinute);
  const spokenTokensPerMinute = peakConcurrentSessions * input.spokenTokensPerSessionMinute;
  const billedTokensPerMinute = peakConcurrentSessions * input.billedTokensPerSessionMinute;

  const q = input.quota;
  const per = (demand: number, figure?: Figure) => (figure && figure.value > 0 ? Math.max(1, Math.ceil(demand / figure.value)) : undefined);
  const byConnections = per(newConnectionsPerMinute, q?.newConnectionsPerMinute);
  const bySpokenTokens = per(spokenTokensPerMinute, q?.tokensPerMinute);
  const byBilledTokens = per(billedTokensPerMinute, q?.tokensPerMinute);
  const neededAtLeast = Math.max(1, byConnections ?? 1, bySpokenTokens ?? 1);
  const neededAtMost = Math.max(neededAtLeast, byBilledTokens ?? 1);
  const upstream: UpstreamQuotaPlan = { tokensPerMinute: q?.tokensPerMinute, newConnectionsPerMinute: q?.newConnectionsPerMinute, byConnections, bySpokenTokens, byBilledTokens, neededAtLeast, neededAtMost };

  const warnings: string[] = [];
  const at = `p${percentile}`;
  const capacity = sessionCapacity(input);
  if (capacity < peakConcurrentSessions) {
    warnings.push(`capacity: maxReplicas x sessionsPerReplica = ${input.maxReplicas} x ${input.sessionsPerReplica} = ${capacity} is below the ${at} peak of ${peakConcurrentSessions} concurrent sessions`);
  }
  if (peakConcurrentSessions > FRONT_DOOR_MAX_WEBSOCKETS) {
    warnings.push(`front door: the ${at} peak of ${peakConcurrentSessions} concurrent sessions exceeds ${FRONT_DOOR_MAX_WEBSOCKETS} WebSocket connections per Front Door profile`);
  }
  const have = input.upstreamResources;
  const quotaText = `${q?.newConnectionsPerMinute?.value ?? "?"} new connections and ${q?.tokensPerMinute?.value?.toLocaleString("en-US") ?? "?"} tokens a minute each`;
  const upstreamWarnings: string[] = [];
  if (neededAtLeast > have) {
    upstreamWarnings.push(`upstream quota: at the ${at} peak, ${newConnectionsPerMinute} new connections a minute and ${round(spokenTokensPerMinute)} spoken tokens a minute need ${neededAtLeast} upstream resources per region (${quotaText}); the stack has ${have} at the top priority: raise the quota by support request or add entries of equal priority`);
  }
  if (neededAtMost > Math.max(have, neededAtLeast)) {
    upstreamWarnings.push(`upstream quota: if re-sent (cached) input counts against the token quota (not documented), the ${at} peak's ${round(billedTokensPerMinute)} tokens a minute need ${neededAtMost} upstream resources per region; the stack has ${have} at the top priority`);
  }
  warnings.push(...upstreamWarnings);
  const longest = Math.max(...input.durations.map((d) => d.minutes));
  const limit = q?.maxSessionMinutes?.value;
  if (limit !== undefined && longest > limit && !(input.rotateMinutes && input.rotateMinutes < limit)) {
    warnings.push(`upstream session limit: interviews of ${longest} min outlast the upstream's ${limit}-minute connection limit and no rotation interval shorter than it is set`);
  }
  return {
    percentile, peakMeanSessions: peak.mean, peakConcurrentSessions, peakMinuteOfDay: peak.minuteOfDay, replicasNeeded,
    startsPerMinuteMean, startsPerMinuteAtPercentile, rotationsPerMinute, newConnectionsPerMinute,
    spokenTokensPerMinute, billedTokensPerMinute, upstream, upstreamResourcesNeeded: neededAtLeast, warnings, upstreamWarnings,
  };
}

const round = (x: number) => Math.round(x).toLocaleString("en-US");

// ---- sessionsPerReplica from a measured capacity (npm run bench) -----------------------------------

/** A single Node process: its relay work runs on one core whatever the replica's vCPU. */
export const RELAY_CORES_PER_PROCESS = 1;
/** Share of the container's memory the sessions may use (the rest: V8 heap slack between collections, buffers in bursts). */
export const MEMORY_USABLE_FRACTION = 0.75;
/** The stack schema's upper bound for sessionsPerReplica (stacks/config.ts). */
export const SESSIONS_PER_REPLICA_MAX = 1000;

export interface ReplicaShape {
  vcpu: number;
  memoryGiB: number;
}

export interface ReplicaCapacityInput {
  /** Open sessions one core carried at the latency target (capacityAtTarget). */
  sessionsPerCore: number;
  rssPerSessionBytes: number;
  baseRssBytes: number;
}

export interface ReplicaDerivation {
  sessionsPerReplica: number;
  /** The per-instance hard limit that follows from it (MAX_SESSIONS_PER_INSTANCE). */
  maxSessionsPerInstance: number;
  /** Sessions the replica can carry at the target: CPU and memory bounds, after headroom. */
  cpuBound: number;
  memoryBound: number;
  usableCores: number;
  limitedBy: "cpu" | "memory" | "schema";
  /** The arithmetic in words, for the plan and the docs. */
  explanation: string;
}

export function sessionsPerReplicaFromMeasurement(measured: ReplicaCapacityInput, replica: ReplicaShape, headroomPercent: number): ReplicaDerivation {
  if (!(measured.sessionsPerCore > 0)) throw new Error("a measured capacity above 0 sessions per core is needed");
  if (!(replica.vcpu > 0) || !(replica.memoryGiB > 0)) throw new Error("the replica needs positive vCPU and memory");
  if (!(headroomPercent >= 0 && headroomPercent < 100)) throw new Error("headroom must be from 0 to under 100 percent");
  const keep = 1 - headroomPercent / 100;
  const usableCores = Math.min(replica.vcpu, RELAY_CORES_PER_PROCESS);
  const cpuBound = Math.floor(measured.sessionsPerCore * usableCores * keep);
  const memoryBytes = replica.memoryGiB * 2 ** 30 * MEMORY_USABLE_FRACTION - measured.baseRssBytes;
  const memoryBound = measured.rssPerSessionBytes > 0 ? Math.floor((Math.max(0, memoryBytes) / measured.rssPerSessionBytes) * keep) : Infinity;
  const bound = Math.min(cpuBound, memoryBound);
  // The largest target whose hard per-instance limit still fits the bound.
  let target = Math.floor(bound / 1.5) + 1;
  while (target > 0 && instanceSessionLimit(target) > bound) target--;
  const limitedBy = target > SESSIONS_PER_REPLICA_MAX ? "schema" : cpuBound <= memoryBound ? "cpu" : "memory";
  const value = Math.max(1, Math.min(target, SESSIONS_PER_REPLICA_MAX));
  return {
    sessionsPerReplica: value,
    maxSessionsPerInstance: instanceSessionLimit(value),
    cpuBound,
    memoryBound,
    usableCores,
    limitedBy,
    explanation:
      `${measured.sessionsPerCore} sessions/core x ${usableCores} usable core x ${keep.toFixed(2)} (${headroomPercent}% headroom) = ${cpuBound} (CPU)` +
      `; memory ${isFinite(memoryBound) ? memoryBound : "unbounded"}` +
      `; largest target whose 1.5x instance limit fits ${bound}: ${value}${limitedBy === "schema" ? ` (schema maximum ${SESSIONS_PER_REPLICA_MAX})` : ""}`,
  };
}

/**
 * The measurement the stacks' sessionsPerReplica comes from: `npm run bench` on this repository's
 * machine (docs/performance.md has the table). The proxy carried at least this many open sessions on
 * one core, both frame sizes, within +5 ms one-way p99, no frame lost, no session failed; 500 is the
 * most this machine's load generator can drive, so the real capacity may be higher.
 */
export const MEASURED_CAPACITY = {
  sessionsPerCore: 500,
  /** Marginal RSS per open session (the larger of the two frame sizes' runs). */
  rssPerSessionBytes: 52 * 1024,
  /** The proxy's RSS at idle. */
  baseRssBytes: 89 * 2 ** 20,
  targetP99Ms: 5,
  headroomPercent: 30,
  measuredOn: "2026-11-25",
  command: 'npm run bench -- --nice -10 --node-flags "--single-threaded-gc" --json bench.json',
  machine: "AMD EPYC, 2 cores, Node 20.20.2, proxy pinned to one core, 40 ms and 100 ms frames",
} as const;

/** The sessionsPerReplica the measurement supports for a replica shape, with its explanation. */
export function measuredSessionsPerReplica(replica: ReplicaShape): ReplicaDerivation {
  return sessionsPerReplicaFromMeasurement(MEASURED_CAPACITY, replica, MEASURED_CAPACITY.headroomPercent);
}
