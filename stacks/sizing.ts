/**
 * Every number derived from a stack's configuration, in one place and free of Pulumi: capacity, the
 * per-instance bound, the scale rule's target, alert thresholds, the capacity plan and the budget.
 * Components, `npm run plan`, `npm run cost` and the tests read them from here; none recomputes one.
 */
import { instanceSessionLimit } from "../contracts";
import {
  budgetFromEstimate, catalogById, DEFAULT_CATALOG_ID, estimate, sessionCapacity,
  type BudgetDerivation, type CapacityPlan, type Estimate, type EstimateInput, type Sizing,
} from "../cost";
import type { StackConfig } from "./config";

/**
 * Replicas get SIGTERM, then SIGKILL after this long: enough to tell every client to reconnect and
 * finish the close handshakes (the proxy drains in seconds); Container Apps allows up to 600 s.
 */
export const TERMINATION_GRACE_SECONDS = 60;

export interface StackSizing {
  /** Sessions the stack is sized for: replicas.max x sessionsPerReplica. */
  sessionCapacity: number;
  /** The capacity alert fires above this many active sessions. */
  capacityAlertThreshold: number;
  /** MAX_SESSIONS_PER_INSTANCE. */
  maxSessionsPerInstance: number;
  scale: { minReplicas: number; maxReplicas: number; httpConcurrentRequests: number };
  terminationGraceSeconds: number;
  /** Upstream entries sharing the best priority: the resources new sessions spread over. */
  topPriorityUpstreams: number;
  /** The cost model's view of the stack's infrastructure. */
  infrastructure: Sizing;
  /** The cost estimate at the stack's expected volume, when the budget gives one. */
  estimate?: Estimate;
  capacityPlan?: CapacityPlan;
  budget: { amount: number; derivation?: BudgetDerivation };
  warnings: string[];
}

type SizingInputs = Pick<StackConfig, "replicas" | "sessionsPerReplica" | "alerts">;

/** The capacity alert threshold: capacityPercent of the capacity, rounded down. */
export function capacityAlertThreshold(config: SizingInputs): number {
  return Math.floor((sessionCapacity({ maxReplicas: config.replicas.max, sessionsPerReplica: config.sessionsPerReplica }) * config.alerts.capacityPercent) / 100);
}

export function infrastructureSizing(config: StackConfig): Sizing {
  return {
    minReplicas: config.replicas.min, maxReplicas: config.replicas.max, sessionsPerReplica: config.sessionsPerReplica,
    cpu: config.cpu, memoryGiB: config.memoryGiB, redisSku: config.redis.sku, frontDoor: config.frontDoor.enabled,
  };
}

export function topPriorityUpstreams(config: Pick<StackConfig, "upstreams">): number {
  const top = Math.min(...config.upstreams.map((u) => u.priority));
  return config.upstreams.filter((u) => u.priority === top).length;
}

/** An estimate's input with the volume still open: the cost command fills in volumes the stack does not give. */
export type EstimateBase = Omit<EstimateInput, "interviewsPerDay" | "minutesPerInterview"> & { interviewsPerDay?: number; minutesPerInterview?: number };

/** The estimate input for this stack: its catalog, volume and sizing; `overrides` are the cost command's flags. */
export function estimateBaseFor(config: StackConfig, overrides: { catalogId?: string; interviewsPerDay?: number; minutesPerInterview?: number } = {}): EstimateBase {
  return {
    catalog: catalogById(overrides.catalogId ?? config.budget.catalog ?? DEFAULT_CATALOG_ID),
    interviewsPerDay: overrides.interviewsPerDay ?? config.budget.interviewsPerDay,
    minutesPerInterview: overrides.minutesPerInterview ?? config.budget.minutesPerInterview,
    sizing: infrastructureSizing(config),
    upstreamResources: topPriorityUpstreams(config),
    rotateMinutes: config.session.rotateMinutes,
  };
}

export function sizeStack(config: StackConfig): StackSizing {
  const infrastructure = infrastructureSizing(config);
  const { interviewsPerDay, minutesPerInterview, ...base } = estimateBaseFor(config);
  const e = interviewsPerDay !== undefined && minutesPerInterview !== undefined ? estimate({ ...base, interviewsPerDay, minutesPerInterview }) : undefined;
  const derivation = e ? budgetFromEstimate(e, config.budget.headroomPercent) : undefined;
  return {
    sessionCapacity: sessionCapacity(infrastructure),
    capacityAlertThreshold: capacityAlertThreshold(config),
    maxSessionsPerInstance: instanceSessionLimit(config.sessionsPerReplica),
    scale: { minReplicas: config.replicas.min, maxReplicas: config.replicas.max, httpConcurrentRequests: config.sessionsPerReplica },
    terminationGraceSeconds: TERMINATION_GRACE_SECONDS,
    topPriorityUpstreams: topPriorityUpstreams(config),
    infrastructure,
    estimate: e,
    capacityPlan: e?.capacity,
    budget: derivation ? { amount: derivation.amount, derivation } : { amount: config.budget.amount! },
    warnings: e?.capacity.warnings ?? [],
  };
}
