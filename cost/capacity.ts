/**
 * Capacity planning: from expected volume to peak concurrency, replicas, and the upstream's quotas.
 * Pure. Platform limits are Microsoft's published figures (sources beside each).
 */
import { DEFAULT_BUSY_HOURS_PER_DAY, DEFAULT_PEAK_HOUR_FACTOR } from "./traffic";

/** Front Door Standard/Premium: concurrent WebSocket connections per profile ("Azure Front Door limits", learn.microsoft.com). */
export const FRONT_DOOR_MAX_WEBSOCKETS = 3000;
/** Voice Live (S0): new connections a minute per resource (Speech service quotas and limits, 2026-01). */
export const VOICE_LIVE_NEW_CONNECTIONS_PER_MINUTE = 30;
/** Voice Live (S0): tokens a minute per resource (Speech service quotas and limits, 2026-01). */
export const VOICE_LIVE_TOKENS_PER_MINUTE = 120_000;
/** One interview speaking both ways, before re-sent context: ~600 input + ~1,200 output audio tokens a minute. */
export const TOKENS_PER_SESSION_MINUTE = 1800;

/** The most sessions a stack is sized for: every replica at its scale target. */
export function sessionCapacity(sizing: { maxReplicas: number; sessionsPerReplica: number }): number {
  return sizing.maxReplicas * sizing.sessionsPerReplica;
}

export interface CapacityInput {
  interviewsPerDay: number;
  minutesPerInterview: number;
  /** The busiest hour's rate against the average busy hour (default 2). */
  peakHourFactor?: number;
  /** Hours a day over which interviews are spread (default 10). */
  busyHoursPerDay?: number;
  sessionsPerReplica: number;
  minReplicas: number;
  maxReplicas: number;
  /** Upstream entries (resources) sharing new sessions at the top priority. */
  upstreamResources: number;
  rotateMinutes: number;
}

export interface CapacityPlan {
  peakConcurrentSessions: number;
  replicasNeeded: number;
  /** New upstream connections a minute at peak: new sessions plus rotations of open ones. */
  newConnectionsPerMinute: number;
  upstreamResourcesNeeded: number;
  warnings: string[];
}

export function planCapacity(input: CapacityInput): CapacityPlan {
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === "number" && !(value >= 0)) throw new RangeError(`${key} must be a non-negative number, got ${value}`);
  }
  const peakHourFactor = input.peakHourFactor ?? DEFAULT_PEAK_HOUR_FACTOR;
  const busyHours = input.busyHoursPerDay ?? DEFAULT_BUSY_HOURS_PER_DAY;
  const startsPerMinuteAtPeak = (input.interviewsPerDay / busyHours / 60) * peakHourFactor;
  // Little's law: concurrency = arrival rate x time in the system.
  const peakConcurrentSessions = Math.ceil(startsPerMinuteAtPeak * input.minutesPerInterview);
  const replicasNeeded = Math.max(input.minReplicas, Math.ceil(peakConcurrentSessions / input.sessionsPerReplica));
  const rotationsPerMinute = input.rotateMinutes > 0 ? peakConcurrentSessions / input.rotateMinutes : 0;
  const newConnectionsPerMinute = Math.ceil(startsPerMinuteAtPeak + rotationsPerMinute);
  const byConnections = Math.ceil(newConnectionsPerMinute / VOICE_LIVE_NEW_CONNECTIONS_PER_MINUTE);
  const byTokens = Math.ceil((peakConcurrentSessions * TOKENS_PER_SESSION_MINUTE) / VOICE_LIVE_TOKENS_PER_MINUTE);
  const upstreamResourcesNeeded = Math.max(1, byConnections, byTokens);

  const warnings: string[] = [];
  const capacity = sessionCapacity(input);
  if (capacity < peakConcurrentSessions) {
    warnings.push(`capacity: maxReplicas x sessionsPerReplica = ${input.maxReplicas} x ${input.sessionsPerReplica} = ${capacity} is below the expected peak of ${peakConcurrentSessions} concurrent sessions`);
  }
  if (peakConcurrentSessions > FRONT_DOOR_MAX_WEBSOCKETS) {
    warnings.push(`front door: the expected peak of ${peakConcurrentSessions} concurrent sessions exceeds ${FRONT_DOOR_MAX_WEBSOCKETS} WebSocket connections per Front Door profile`);
  }
  if (upstreamResourcesNeeded > input.upstreamResources) {
    warnings.push(`upstream quota: ${newConnectionsPerMinute} new connections a minute at peak (${Math.ceil(startsPerMinuteAtPeak)} sessions + ${Math.ceil(rotationsPerMinute)} rotations) and ${peakConcurrentSessions * TOKENS_PER_SESSION_MINUTE} tokens a minute need ${upstreamResourcesNeeded} Voice Live resources per region (${VOICE_LIVE_NEW_CONNECTIONS_PER_MINUTE} new connections and ${VOICE_LIVE_TOKENS_PER_MINUTE} tokens a minute each); the stack has ${input.upstreamResources} at the top priority`);
  }
  return { peakConcurrentSessions, replicasNeeded, newConnectionsPerMinute, upstreamResourcesNeeded, warnings };
}
