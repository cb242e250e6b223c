/**
 * A day of the container app's autoscaling, simulated in 15-second steps: replicas over time, and the
 * sessions refused, under the HTTP scale rule alone and under the HTTP rule plus the open-sessions rule.
 * Pure; driven by the cost model's arrival curve (cost/traffic.ts). A fluid model: each step's expected
 * starts arrive spread evenly, every interview lasts `minutesPerInterview` (the cost model's assumption,
 * so with nothing refused the open sessions equal `meanOpenSessions`), and the ingress spreads sessions
 * evenly over the replicas, so a replica refuses (503 instance_full) only when all of them are full.
 *
 * How Container Apps decides (https://learn.microsoft.com/azure/container-apps/scale-app, "Scale
 * behavior", read 2026-11; KEDA ScaledObject spec, keda.sh/docs/2.15/reference/scaledobject-spec):
 * - HTTP rule: concurrency = requests in the last 15 s / 15, checked every 15 s; desired replicas =
 *   ceil(concurrency / concurrentRequests). A WebSocket is one request, counted at its upgrade
 *   (inference: nothing documents that an open WebSocket keeps counting), so this rule follows the rate
 *   of new sessions, not the sessions that are open.
 * - custom (KEDA) rule: polled every `pollingInterval` (30 s default); desired = ceil(value / target).
 * - with several rules the largest desired count wins; scale-out is immediate; scale-in applies the
 *   largest recommendation of the last 300 s (the HPA's scale-down stabilization window, not
 *   configurable in Container Apps). KEDA's `cooldownPeriod` only governs the scale to zero (KEDA docs:
 *   "only applies when scaling to 0"), so with minReplicas >= 1 it does not delay these scale-ins.
 * - a replica that goes away drains: its clients get `proxy.reconnect` and 1012 and resume on another
 *   replica (DESIGN.md); the simulation counts them as moved, and refuses them only if no room is left.
 */
import { arrivalsPerMinute, meanOpenSessions, MINUTES_PER_DAY, type DayProfile } from "../cost/traffic";

export const STEP_SECONDS = 15;
/** Container Apps' HTTP scaler window. */
export const HTTP_WINDOW_SECONDS = 15;
/** The HPA's default scale-down stabilization window, which Container Apps uses. */
export const SCALE_DOWN_STABILIZATION_SECONDS = 300;
export const DEFAULT_POLLING_SECONDS = 30;

export interface ScaleSimulationInput {
  day: DayProfile;
  minutesPerInterview: number;
  minReplicas: number;
  maxReplicas: number;
  /** The HTTP rule's concurrentRequests. */
  httpConcurrentRequests: number;
  /** The open-sessions rule's target per replica; absent = HTTP rule alone. */
  sessionsPerReplica?: number;
  /** MAX_SESSIONS_PER_INSTANCE: a replica refuses new sessions beyond it. */
  maxSessionsPerInstance: number;
  pollingSeconds?: number;
  /** Time from a scale-out decision to a replica taking sessions. Not measured here: 0 unless given. */
  replicaStartSeconds?: number;
}

export interface ScaleSimulation {
  /** Replicas serving at the end of each minute of the day (1,440 values). */
  replicasByMinute: number[];
  /** Open sessions at the end of each minute. */
  openByMinute: number[];
  peakReplicas: number;
  peakOpenSessions: number;
  /** Session starts refused for lack of room (fractional: expected values of the fluid model). */
  refusedSessions: number;
  /** Open sessions handed to another replica when one was removed (they resume; DESIGN.md). */
  movedByScaleIn: number;
  /** Replica-hours over the day: what the Container Apps bill follows. */
  replicaHours: number;
  startedSessions: number;
}

export function simulateScaling(input: ScaleSimulationInput): ScaleSimulation {
  const { minReplicas, maxReplicas } = input;
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === "number" && !(Number.isFinite(value) && value >= 0)) throw new RangeError(`${key} must be a finite number >= 0, got ${value}`);
  }
  if (!(maxReplicas >= 1 && minReplicas <= maxReplicas)) throw new RangeError(`replicas ${minReplicas}..${maxReplicas} is not a range`);
  if (!(input.httpConcurrentRequests > 0 && input.maxSessionsPerInstance > 0 && input.minutesPerInterview > 0)) {
    throw new RangeError("httpConcurrentRequests, maxSessionsPerInstance and minutesPerInterview must be positive");
  }
  if (input.sessionsPerReplica !== undefined && !(input.sessionsPerReplica > 0)) throw new RangeError("sessionsPerReplica must be positive");

  const stepsPerMinute = 60 / STEP_SECONDS;
  const steps = MINUTES_PER_DAY * stepsPerMinute;
  const arrivals = arrivalsPerMinute(input.day);
  const lifetimeSteps = Math.round(input.minutesPerInterview * stepsPerMinute);
  const pollEvery = Math.max(1, Math.round((input.pollingSeconds ?? DEFAULT_POLLING_SECONDS) / STEP_SECONDS));
  const startDelaySteps = Math.ceil((input.replicaStartSeconds ?? 0) / STEP_SECONDS);
  const stabilizationSteps = SCALE_DOWN_STABILIZATION_SECONDS / STEP_SECONDS;
  const clamp = (n: number) => Math.min(maxReplicas, Math.max(minReplicas, n));

  // Sessions admitted in each of the last `lifetimeSteps` steps (a ring): they end when their slot comes round.
  // The day runs twice and the second is reported, so sessions and replicas from the evening wrap past
  // midnight as they would on a day that follows another.
  const admittedRing = new Array<number>(lifetimeSteps).fill(0);
  let open = 0;
  let replicas = clamp(minReplicas);
  let ready = replicas;
  const pendingReady: Array<{ at: number; count: number }> = [];
  const recentDesired: number[] = [];
  let sessionsDesired = minReplicas;

  const result: ScaleSimulation = {
    replicasByMinute: [], openByMinute: [], peakReplicas: 0, peakOpenSessions: 0,
    refusedSessions: 0, movedByScaleIn: 0, replicaHours: 0, startedSessions: 0,
  };
  for (let pass = 0; pass < 2; pass++) {
    const report = pass === 1;
    for (let s = 0; s < steps; s++) {
      const t = pass * steps + s;
      // Sessions that reached their length end.
      const slot = t % lifetimeSteps;
      open -= admittedRing[slot];
      admittedRing[slot] = 0;
      // Replicas that finished starting take sessions.
      while (pendingReady.length > 0 && pendingReady[0].at <= t) ready += pendingReady.shift()!.count;

      const starts = arrivals[Math.floor(s / stepsPerMinute)] / stepsPerMinute;
      let moved = 0;

      // The rules' recommendation, then scale-out at once or scale-in after the stabilization window.
      const httpDesired = Math.ceil(starts / HTTP_WINDOW_SECONDS / input.httpConcurrentRequests);
      if (input.sessionsPerReplica !== undefined && t % pollEvery === 0) sessionsDesired = Math.ceil(open / input.sessionsPerReplica);
      const desired = clamp(Math.max(httpDesired, input.sessionsPerReplica !== undefined ? sessionsDesired : 0));
      recentDesired.push(desired);
      if (recentDesired.length > stabilizationSteps) recentDesired.shift();
      const target = desired > replicas ? desired : Math.max(...recentDesired);
      if (target > replicas) {
        pendingReady.push({ at: t + startDelaySteps, count: target - replicas });
        if (startDelaySteps === 0) ready += pendingReady.pop()!.count;
        replicas = target;
      } else if (target < replicas) {
        // Replicas still starting go first; then ready ones, whose sessions move.
        let excess = replicas - target;
        while (excess > 0 && pendingReady.length > 0) {
          const last = pendingReady[pendingReady.length - 1];
          const cancel = Math.min(excess, last.count);
          last.count -= cancel;
          excess -= cancel;
          if (last.count === 0) pendingReady.pop();
        }
        const removed = Math.min(excess, ready);
        // Sessions on the removed replicas drain and come back as new upgrades.
        moved = ready > 0 ? (open * removed) / ready : 0;
        open -= moved;
        removeFromRing(admittedRing, moved);
        ready -= removed;
        replicas = target;
      }

      // Admission: new starts and moved sessions, up to every ready replica's hard limit.
      const room = Math.max(0, ready * input.maxSessionsPerInstance - open);
      const wanting = starts + moved;
      const admitted = Math.min(wanting, room);
      open += admitted;
      admittedRing[slot] += admitted;

      if (report) {
        result.startedSessions += starts;
        result.refusedSessions += wanting - admitted;
        result.movedByScaleIn += moved;
        result.replicaHours += (replicas * STEP_SECONDS) / 3600;
        result.peakReplicas = Math.max(result.peakReplicas, replicas);
        result.peakOpenSessions = Math.max(result.peakOpenSessions, open);
        if ((s + 1) % stepsPerMinute === 0) {
          result.replicasByMinute.push(replicas);
          result.openByMinute.push(open);
        }
      }
    }
  }
  return result;
}

/** Takes `amount` sessions out of the ring in proportion to each slot (the drained replicas held a fair share of every age). */
function removeFromRing(ring: number[], amount: number): void {
  const total = ring.reduce((a, b) => a + b, 0);
  if (total <= 0 || amount <= 0) return;
  const keep = Math.max(0, 1 - amount / total);
  for (let i = 0; i < ring.length; i++) ring[i] *= keep;
}

export interface ScaleComparison {
  httpOnly: ScaleSimulation;
  bothRules: ScaleSimulation;
}

export function compareScaleRules(input: Omit<ScaleSimulationInput, "sessionsPerReplica"> & { sessionsPerReplica: number }): ScaleComparison {
  const { sessionsPerReplica, ...http } = input;
  return { httpOnly: simulateScaling(http), bothRules: simulateScaling({ ...http, sessionsPerReplica }) };
}

/** A day's volume whose busiest moment holds `sessions` open sessions on average, on the same arrival curve. */
export function volumeForPeakSessions(sessions: number, minutesPerInterview: number, day: Omit<DayProfile, "interviewsPerDay"> = {}): number {
  const reference = 1000;
  const peak = Math.max(...meanOpenSessions(arrivalsPerMinute({ ...day, interviewsPerDay: reference }), minutesPerInterview));
  return Math.ceil((sessions * reference) / peak);
}
