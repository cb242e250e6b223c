/**
 * Capacity planning: from expected volume to peak concurrency, replicas, and the upstream's quotas.
 * Pure. The peak is a stated percentile of the arrival process (traffic.ts: the day's curve, Poisson
 * around it); the token demand comes from the same session model that prices the interview, counted
 * two ways because whether cached (re-sent) input counts against a token quota is not documented.
 */
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
  /** Transparent upstream rotation interval; leave undefined while the service does not rotate. */
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
  if (neededAtLeast > have) {
    warnings.push(`upstream quota: at the ${at} peak, ${newConnectionsPerMinute} new connections a minute and ${round(spokenTokensPerMinute)} spoken tokens a minute need ${neededAtLeast} upstream resources per region (${quotaText}); the stack has ${have} at the top priority: raise the quota by support request or add entries of equal priority`);
  }
  if (neededAtMost > Math.max(have, neededAtLeast)) {
    warnings.push(`upstream quota: if re-sent (cached) input counts against the token quota (not documented), the ${at} peak's ${round(billedTokensPerMinute)} tokens a minute need ${neededAtMost} upstream resources per region; the stack has ${have} at the top priority`);
  }
  const longest = Math.max(...input.durations.map((d) => d.minutes));
  const limit = q?.maxSessionMinutes?.value;
  if (limit !== undefined && longest > limit && !(input.rotateMinutes && input.rotateMinutes < limit)) {
    warnings.push(`upstream session limit: interviews of ${longest} min outlast the upstream's ${limit}-minute connection limit and the service does not rotate connections`);
  }
  return {
    percentile, peakMeanSessions: peak.mean, peakConcurrentSessions, peakMinuteOfDay: peak.minuteOfDay, replicasNeeded,
    startsPerMinuteMean, startsPerMinuteAtPercentile, rotationsPerMinute, newConnectionsPerMinute,
    spokenTokensPerMinute, billedTokensPerMinute, upstream, upstreamResourcesNeeded: neededAtLeast, warnings,
  };
}

const round = (x: number) => Math.round(x).toLocaleString("en-US");
