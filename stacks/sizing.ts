/**
 * Every number derived from a stack's configuration, in one place and free of Pulumi: capacity, the
 * per-instance bound, the scale rule's target, alert thresholds, the capacity plan and the budget.
 * Components, `npm run plan`, `npm run cost` and the tests read them from here; none recomputes one.
 */
import { instanceSessionLimit } from "../contracts";
import {
  budgetFromEstimate, catalogById, defaultRanges, estimateRange, sessionCapacity, sessionCost, sessionParams, upstreamPricing, weightedCost,
  type BudgetDerivation, type CapacityPlan, type Catalog, type CatalogShare, type DurationShare, type Estimate, type EstimateInput,
  type ParameterRanges, type RangeEstimate, type Sizing,
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
  /** Its low / expected / high and which parameter moves it most. */
  range?: RangeEstimate;
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
export type EstimateBase = Omit<EstimateInput, "interviewsPerDay" | "minutesPerInterview" | "durations"> & {
  interviewsPerDay?: number;
  durations?: DurationShare[];
  /** How the catalogs were chosen, for the derivation. */
  pricing: string[];
  /** The stack's session limit: the long end of the length range. */
  maxMinutes: number;
  /** The stated cache hit range (budget.cacheHitRate), when the stack gives one. */
  cacheHitRate?: ParameterRanges["cacheHitRate"];
  /** Every session on the dearest upstream's catalog (failover), when it differs from the mix. */
  failover?: CatalogShare[];
};

/** Orders catalogs by what a 30-minute expected interview costs on them. */
function dearer(a: Catalog, b: Catalog): number {
  const cost = (c: Catalog) => sessionCost(c, sessionParams(c, 30)).total;
  return cost(a) - cost(b);
}

/**
 * The estimate input for this stack: the catalogs its upstreams' kind and model select (or
 * budget.catalog / --catalog when given), its volume, interview lengths, sizing and stated
 * assumptions; `overrides` are the cost command's flags.
 */
export function estimateBaseFor(config: StackConfig, overrides: { catalogId?: string; interviewsPerDay?: number; minutesPerInterview?: number } = {}): EstimateBase {
  const b = config.budget;
  const chosen = overrides.catalogId ?? b.catalog;
  let mix: CatalogShare[];
  let pricing: string[];
  let failover: CatalogShare[] | undefined;
  if (chosen) {
    const catalog = catalogById(chosen);
    mix = [{ catalog, share: 1, upstreams: config.upstreams.map((u) => u.name) }];
    pricing = [`catalog ${catalog.id} (${overrides.catalogId ? "--catalog" : "budget.catalog"}), not the upstreams' own`];
  } else {
    const p = upstreamPricing(config.upstreams, dearer);
    mix = p.mix;
    pricing = p.lines;
    failover = p.failover ? [p.failover] : undefined;
  }
  const durations = overrides.minutesPerInterview !== undefined ? [{ minutes: overrides.minutesPerInterview, share: 1 }]
    : b.sessionMinutes ?? (b.minutesPerInterview !== undefined ? [{ minutes: b.minutesPerInterview, share: 1 }] : undefined);
  return {
    catalog: mix[0].catalog,
    mix,
    interviewsPerDay: overrides.interviewsPerDay ?? b.interviewsPerDay,
    durations,
    sizing: infrastructureSizing(config),
    session: {
      ...(b.cacheHitRate ? { cacheHitRate: b.cacheHitRate.expected } : {}),
      ...(b.truncation ? { truncation: b.truncation.type === "auto" ? { type: "auto" as const } : { type: "retention_ratio" as const, retentionRatio: b.truncation.retentionRatio } } : {}),
    },
    upstreamResources: topPriorityUpstreams(config),
    // The service reads UPSTREAM_ROTATE_MINUTES but does not rotate yet (issue 11): rotations are not
    // new connections until it does. Pass config.session.rotateMinutes here then.
    rotateMinutes: undefined,
    keyVaultSecrets: config.upstreams.filter((u) => u.auth === "key").length + 1,
    pricing,
    maxMinutes: config.session.maxMinutes,
    cacheHitRate: b.cacheHitRate,
    failover,
  };
}

/** The parameter ranges for a stack's estimate: the defaults, the stack's stated cache hit range, failover. */
export function stackRanges(base: EstimateBase, durations: DurationShare[]): ParameterRanges {
  const ranges = defaultRanges(durations, base.maxMinutes, base.session?.truncation, base.catalog.sessionDefaults);
  if (base.cacheHitRate) ranges.cacheHitRate = base.cacheHitRate;
  if (base.failover && base.mix) ranges.mix = { low: base.mix, expected: base.mix, high: base.failover };
  return ranges;
}

/** A loud warning when the budget prices shorter interviews than the session limit allows. */
function lengthWarning(base: EstimateBase, e: Estimate): string[] {
  const longest = Math.max(...e.input.durations.map((d) => d.minutes));
  if (longest >= base.maxMinutes) return [];
  const mix = base.mix ?? [{ catalog: base.catalog, share: 1, upstreams: [] }];
  const at = (minutes: number) => weightedCost(mix.map((m) => ({ share: m.share, cost: sessionCost(m.catalog, sessionParams(m.catalog, minutes, base.session)) }))).total;
  const short = at(longest);
  const long = at(base.maxMinutes);
  return [`budget: assumes no interview runs past ${longest} min, but session.maxMinutes lets it run ${base.maxMinutes}: a ${base.maxMinutes}-minute interview costs $${long.toFixed(2)} against $${short.toFixed(2)} at ${longest} min (${(long / short).toFixed(1)}x); give budget.sessionMinutes with the share of interviews that run longer`];
}

export function sizeStack(config: StackConfig): StackSizing {
  const infrastructure = infrastructureSizing(config);
  // The budget follows from ONE estimate: the expected end of the stack's range. A fixed amount needs
  // none (and its upstreams need no catalog).
  const base = config.budget.amount === undefined ? estimateBaseFor(config) : undefined;
  const interviewsPerDay = base?.interviewsPerDay;
  const durations = base?.durations;
  const range = base && interviewsPerDay !== undefined && durations ? estimateRange({ ...base, interviewsPerDay, durations }, stackRanges(base, durations)) : undefined;
  const e = range?.expected;
  const derivation = e && base ? budgetFromEstimate(e, config.budget.headroomPercent, { range, pricing: base.pricing, maxMinutes: base.maxMinutes }) : undefined;
  return {
    sessionCapacity: sessionCapacity(infrastructure),
    capacityAlertThreshold: capacityAlertThreshold(config),
    maxSessionsPerInstance: instanceSessionLimit(config.sessionsPerReplica),
    scale: { minReplicas: config.replicas.min, maxReplicas: config.replicas.max, httpConcurrentRequests: config.sessionsPerReplica },
    terminationGraceSeconds: TERMINATION_GRACE_SECONDS,
    topPriorityUpstreams: topPriorityUpstreams(config),
    infrastructure,
    estimate: e,
    range,
    capacityPlan: e?.capacity,
    budget: derivation ? { amount: derivation.amount, derivation } : { amount: config.budget.amount! },
    warnings: e && base ? [...lengthWarning(base, e), ...e.capacity.warnings] : [],
  };
}
