/**
 * Every number derived from a stack's configuration, in one place and free of Pulumi: capacity, the
 * per-instance bound, the scale rule's target, alert thresholds, the capacity plan and the budget.
 * Components, `npm run plan`, `npm run cost` and the tests read them from here; none recomputes one.
 */
import { instanceSessionLimit } from "../contracts";
import {
  budgetFromEstimate, catalogById, DEFAULT_CATALOG_ID, MEASURED_CAPACITY, measuredSessionsPerReplica, defaultRanges, estimateRange, sessionCapacity, sessionCost, sessionParams, upstreamPricing, weightedCost,
  type BudgetDerivation, type CapacityPlan, type Catalog, type CatalogShare, type DurationShare, type Estimate, type EstimateInput,
  type ParameterRanges, type RangeEstimate, type Sizing,
} from "../cost";
import type { StackConfig } from "./config";
import { baseInfrastructure, networkBudget, networkPlan, networkPrices, type NetworkPlan } from "./networkSizing";
import { frontDoorProfileCount, stackRegions } from "./regions";
import { compareScaleRules, DEFAULT_POLLING_SECONDS, volumeForPeakSessions, type ScaleSimulation } from "./scaleSimulation";
import { arrivalsPerMinute } from "../cost";

/**
 * Replicas get SIGTERM, then SIGKILL after this long: enough to tell every client to reconnect and
 * finish the close handshakes (the proxy drains in seconds); Container Apps allows up to 600 s.
 */
export const TERMINATION_GRACE_SECONDS = 60;

/** Probe periods of the container app (seconds). */
export const LIVENESS_PERIOD_SECONDS = 10;
export const READINESS_PERIOD_SECONDS = 5;

/**
 * The longest main-thread stall measured on a loaded replica: an incremental marking step of 52 ms at 250
 * sessions (docs/performance.md, `npm run bench -- --node-flags "--trace-gc"`; typical pauses 4-13 ms).
 */
export const MEASURED_LONGEST_PAUSE_MS = 52;
/**
 * A probe's timeout over that stall: CPU throttling at the replica's quota and frames queued ahead of the
 * probe on a replica at its hard limit stretch a stall well past what the bench's unthrottled core shows.
 */
export const PROBE_PAUSE_MARGIN = 100;

/**
 * A probe's `timeoutSeconds`: the measured stall times the margin, rounded up, and below the probe's period
 * (a probe never waits into the next one). Container Apps' default of 1 s is ~20x the stall: three slow
 * collections in a row on a loaded single-core replica would restart it and cut its sessions. For the
 * liveness probe (period 10 s, 3 failures) this gives 6 s: a replica that is really hung is restarted
 * after 3 x 10 s + 6 s = 36 s; one that is busy is left alone.
 */
export function probeTimeoutSeconds(periodSeconds: number, longestPauseMs = MEASURED_LONGEST_PAUSE_MS): number {
  if (!(periodSeconds >= 2)) throw new RangeError(`probe period must be at least 2 s, got ${periodSeconds}`);
  return Math.min(Math.ceil((longestPauseMs * PROBE_PAUSE_MARGIN) / 1000), periodSeconds - 1);
}

/** Log Analytics ingestion cap when the stack sets none and gives no volume. */
export const DEFAULT_LOG_DAILY_CAP_GB = 1;
/** The cap over the expected daily ingestion: room for a busy day and a chatty incident, not for a runaway. */
export const LOG_CAP_HEADROOM = 2;

export interface LogDailyCap {
  capGb: number;
  /** Expected ingestion a day at the stack's volume (the cost model's GB per interview), when the stack gives a volume. */
  expectedGbPerDay?: number;
  /** Ingestion a month if every day hits the cap, at the catalog's price per GB (less the free 5 GB). */
  worstMonthlyUsd: number;
  derivation: string;
}

/**
 * The workspace's daily ingestion cap (`workspaceCapping.dailyQuotaGb`): the stack's `logAnalytics.dailyCapGb`,
 * or twice the expected daily ingestion (at least 1 GB). Past the cap the workspace stops ingesting until
 * the next day (alerts on logs go blind meanwhile), so the cap bounds a runaway's cost, not a busy day's.
 */
export function logDailyCap(config: Pick<StackConfig, "budget" | "logAnalytics">, catalog: Catalog): LogDailyCap {
  const infra = catalog.infrastructure.mode === "metered" ? catalog.infrastructure : undefined;
  const perGb = infra?.logAnalyticsPerGB.value ?? 0;
  const freeGb = infra?.logFreeGBPerMonth.value ?? 0;
  const expectedGbPerDay = config.budget.interviewsPerDay !== undefined && infra ? config.budget.interviewsPerDay * infra.logGBPerInterview.value : undefined;
  const configured = config.logAnalytics?.dailyCapGb;
  const capGb = configured ?? (expectedGbPerDay !== undefined ? Math.max(DEFAULT_LOG_DAILY_CAP_GB, Math.ceil(LOG_CAP_HEADROOM * expectedGbPerDay)) : DEFAULT_LOG_DAILY_CAP_GB);
  const worstMonthlyUsd = Math.max(0, capGb * catalog.daysPerMonth - freeGb) * perGb;
  const why = configured !== undefined ? "logAnalytics.dailyCapGb"
    : expectedGbPerDay !== undefined ? `${LOG_CAP_HEADROOM} x the expected ${Number(expectedGbPerDay.toFixed(3))} GB a day, at least ${DEFAULT_LOG_DAILY_CAP_GB} GB`
      : `default ${DEFAULT_LOG_DAILY_CAP_GB} GB (no volume given)`;
  return { capGb, expectedGbPerDay, worstMonthlyUsd, derivation: `Log Analytics daily cap ${capGb} GB (${why}); at the cap every day: $${worstMonthlyUsd.toFixed(2)} a month of ingestion at $${perGb}/GB` };
}

/**
 * How often KEDA reads the open-sessions count (its default, stated so the plan shows it). The Redis read
 * is one EVAL on a small sorted set; every 30 s costs nothing.
 */
export const KEDA_POLLING_SECONDS = DEFAULT_POLLING_SECONDS;

/** The scale rules: the HTTP rule (absorbs bursts of starts) and the open-sessions rule (follows what costs). */
export interface ScaleSettings {
  minReplicas: number;
  maxReplicas: number;
  /** HTTP rule: concurrentRequests (new upgrades per second over 15 s, per replica). */
  httpConcurrentRequests: number;
  /** Open-sessions rule: target sessions per replica (KEDA `listLength` over the registry's sorted set). */
  sessionsPerReplica: number;
  pollingSeconds: number;
  /**
   * KEDA cooldownPeriod, at least the session limit. It only delays the last scale-in to zero (KEDA: "only
   * applies when scaling to 0"), so for stacks with minReplicas >= 1 the drain is what keeps interviews.
   */
  cooldownSeconds: number;
}

/**
 * App Service hosting's autoscale (Azure Monitor autoscale on the plan). It scales on what costs: the
 * mean open sessions per instance, read from the service's own gauge `voice.sessions.active` in
 * Application Insights (each instance sends its count every 60 s, so the metric's Average over the
 * window is the mean per instance). Scale out above sessionsPerReplica; scale in below half of it, so
 * removing one of n >= 2 instances leaves the rest below the target (mean x n/(n-1) <= 2 x mean) and the
 * rules cannot flap. The plan's CpuPercentage stays as a backstop (out above 70%; in only when also below
 * 30%, since autoscale scales in only when every scale-in rule holds). CPU alone never scaled: one Node
 * process uses one core, so a 4-vCPU plan sat under ~30% while its instance refused sessions.
 * Custom metrics drive autoscale when published to the `azure.applicationinsights` namespace ("Autoscale
 * with custom metrics"); that the OpenTelemetry exporter's gauge lands there is what only a subscription
 * shows (docs/infrastructure.md), and the CPU rule covers it meanwhile. Scale-in cooldown: the session limit.
 */
export interface AppServiceAutoscale {
  minimum: number;
  maximum: number;
  default: number;
  /** Mean open sessions per instance above which an instance is added (= sessionsPerReplica). */
  scaleOutSessions: number;
  /** ... below which one is removed (half the target). */
  scaleInSessions: number;
  scaleOutCpuPercent: number;
  scaleInCpuPercent: number;
  /** ISO 8601 durations. */
  scaleOutWindow: string;
  scaleInWindow: string;
  scaleOutCooldown: string;
  scaleInCooldown: string;
}

export const APP_SERVICE_CPU_SCALE = { outPercent: 70, inPercent: 30, outWindow: "PT5M", inWindow: "PT10M", outCooldown: "PT5M" } as const;

export function appServiceAutoscale(config: Pick<StackConfig, "replicas" | "sessionsPerReplica" | "session">): AppServiceAutoscale {
  const scale = scaleSettings(config);
  return {
    minimum: scale.minReplicas,
    maximum: scale.maxReplicas,
    default: scale.minReplicas,
    scaleOutSessions: config.sessionsPerReplica,
    scaleInSessions: Math.floor(config.sessionsPerReplica / 2),
    scaleOutCpuPercent: APP_SERVICE_CPU_SCALE.outPercent,
    scaleInCpuPercent: APP_SERVICE_CPU_SCALE.inPercent,
    scaleOutWindow: APP_SERVICE_CPU_SCALE.outWindow,
    scaleInWindow: APP_SERVICE_CPU_SCALE.inWindow,
    scaleOutCooldown: APP_SERVICE_CPU_SCALE.outCooldown,
    scaleInCooldown: `PT${Math.ceil(scale.cooldownSeconds / 60)}M`,
  };
}

/** Summary of one simulated day (stacks/scaleSimulation.ts), per rule set. */
export interface ScaleDaySummary {
  interviewsPerDay: number;
  minutesPerInterview: number;
  httpOnly: ScaleOutcome;
  bothRules: ScaleOutcome;
}
export interface ScaleOutcome {
  peakReplicas: number;
  peakOpenSessions: number;
  refusedSessions: number;
  movedByScaleIn: number;
  replicaHours: number;
}

export interface StackSizing {
  /** What the measured capacity supports for this replica shape (npm run bench), and how it follows. */
  sessionsPerReplicaBasis: { measured: number; explanation: string; source: string };
  /** Sessions the stack is sized for: replicas.max x sessionsPerReplica. */
  sessionCapacity: number;
  /** The capacity alert fires above this many active sessions. */
  capacityAlertThreshold: number;
  /** MAX_SESSIONS_PER_INSTANCE. */
  maxSessionsPerInstance: number;
  scale: ScaleSettings;
  /**
   * A simulated day of autoscaling: at the stack's expected volume (when the budget gives one) and at the
   * volume its capacity is sized for (the busiest moment filling replicas.max x sessionsPerReplica).
   */
  scaleDays?: { expected?: ScaleDaySummary; atCapacity: ScaleDaySummary };
  /** App Service hosting: the plan's autoscale (open sessions per instance, CPU as a backstop; see appServiceAutoscale). */
  appServiceAutoscale?: AppServiceAutoscale;
  /** The daily spend alert fires above this many USD of metered usage in 24 hours. */
  dailySpendAlertUsd: number;
  /** Windows and minimums of the ratio alerts, from the stack's traffic (see alertGates). */
  alertGates: AlertGates;
  terminationGraceSeconds: number;
  /** Probe timeouts (probeTimeoutSeconds) for the liveness (period 10 s) and readiness (period 5 s) probes. */
  probeTimeouts: { liveness: number; readiness: number };
  logDailyCap: LogDailyCap;
  /** Upstream entries sharing the best priority: the resources new sessions spread over. */
  topPriorityUpstreams: number;
  /** The cost model's view of the stack's infrastructure. */
  infrastructure: Sizing;
  /** The cost estimate at the stack's expected volume, when the budget gives one. */
  estimate?: Estimate;
  /** Its low / expected / high and which parameter moves it most. */
  range?: RangeEstimate;
  capacityPlan?: CapacityPlan;
  budget: {
    amount: number;
    derivation?: BudgetDerivation;
    /** What the private network and the edge add (stacks/networkSizing.ts), in the amount when derived. */
    network?: { monthly: number; amount: number; lines: string[] };
    /** What each region beyond the first adds (its Redis and its always-on replicas), in the amount when derived. */
    regions?: { monthly: number; amount: number; lines: string[] };
  };
  /** Address space, subnets, SKUs, what is public and private, and the network's monthly cost. */
  network: NetworkPlan;
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
    ...(config.hosting === "appService" ? { appServiceSku: config.appService.sku } : {}),
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
    // Every rotation opens a new upstream connection: it counts against Voice Live's new-connection quota.
    rotateMinutes: config.session.rotateMinutes,
    keyVaultSecrets: config.upstreams.filter((u) => u.auth === "key").length + 1,
    pricing,
    maxMinutes: config.session.maxMinutes,
    cacheHitRate: b.cacheHitRate,
    failover,
  };
}

export function scaleSettings(config: Pick<StackConfig, "replicas" | "sessionsPerReplica" | "session">): ScaleSettings {
  return {
    minReplicas: config.replicas.min,
    maxReplicas: config.replicas.max,
    httpConcurrentRequests: config.sessionsPerReplica,
    sessionsPerReplica: config.sessionsPerReplica,
    pollingSeconds: KEDA_POLLING_SECONDS,
    cooldownSeconds: Math.max(300, config.session.maxMinutes * 60),
  };
}

const outcome = (s: ScaleSimulation): ScaleOutcome => ({
  peakReplicas: s.peakReplicas,
  peakOpenSessions: Math.round(s.peakOpenSessions),
  refusedSessions: Math.round(s.refusedSessions),
  movedByScaleIn: Math.round(s.movedByScaleIn),
  replicaHours: Math.round(s.replicaHours * 10) / 10,
});

/** One simulated day of both rule sets at a volume. */
export function scaleDay(config: StackConfig, interviewsPerDay: number, minutesPerInterview: number): ScaleDaySummary {
  const scale = scaleSettings(config);
  const { httpOnly, bothRules } = compareScaleRules({
    day: { interviewsPerDay }, minutesPerInterview,
    minReplicas: scale.minReplicas, maxReplicas: scale.maxReplicas,
    httpConcurrentRequests: scale.httpConcurrentRequests, sessionsPerReplica: scale.sessionsPerReplica,
    maxSessionsPerInstance: instanceSessionLimit(config.sessionsPerReplica), pollingSeconds: scale.pollingSeconds,
  });
  return { interviewsPerDay, minutesPerInterview, httpOnly: outcome(httpOnly), bothRules: outcome(bothRules) };
}

/** A day's share of the monthly budget, rounded up: the threshold of the daily spend alert. */
export function dailySpendAlertUsd(monthlyBudget: number, daysPerMonth: number): number {
  if (!(monthlyBudget > 0 && daysPerMonth > 0)) throw new RangeError(`monthly budget and days per month must be positive, got ${monthlyBudget}, ${daysPerMonth}`);
  return Math.ceil(monthlyBudget / daysPerMonth);
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
  const derived = measuredSessionsPerReplica({ vcpu: config.cpu, memoryGiB: config.memoryGiB });
  const basis = {
    measured: derived.sessionsPerReplica,
    explanation: derived.explanation,
    source: `${MEASURED_CAPACITY.command} on ${MEASURED_CAPACITY.measuredOn} (${MEASURED_CAPACITY.machine}); docs/performance.md`,
  };
  // The budget follows from ONE estimate: the expected end of the stack's range. A fixed amount needs
  // none (and its upstreams need no catalog).
  const base = config.budget.amount === undefined ? estimateBaseFor(config) : undefined;
  const interviewsPerDay = base?.interviewsPerDay;
  const durations = base?.durations;
  const range = base && interviewsPerDay !== undefined && durations ? estimateRange({ ...base, interviewsPerDay, durations }, stackRanges(base, durations)) : undefined;
  const e = range?.expected;
  const derivation = e && base ? budgetFromEstimate(e, config.budget.headroomPercent, { range, pricing: base.pricing, maxMinutes: base.maxMinutes }) : undefined;
  const budgetAmount = derivation ? derivation.amount : config.budget.amount!;
  const daysPerMonth = (base?.catalog ?? catalogById(DEFAULT_CATALOG_ID)).daysPerMonth;
  const network = networkPlan(config, { regions: stackRegions(config).length, frontDoorProfiles: config.frontDoor.enabled ? frontDoorProfileCount(config.capacity) : 1 });
  const networkShare = network.cost.monthly > 0 ? {
    monthly: network.cost.monthly,
    amount: networkBudget(network.cost, config.budget.headroomPercent),
    lines: [
      ...network.cost.lines.map((l) => `network: ${l.item} $${l.monthly.toFixed(2)}/month (${l.figure})`),
      ...network.cost.unpriced.map((u) => `network, not priced: ${u}`),
    ],
  } : undefined;
  if (networkShare && derivation) {
    networkShare.lines.push(`network $${networkShare.monthly.toFixed(2)} + ${config.budget.headroomPercent}% headroom = $${networkShare.amount}; budget $${derivation.amount} + $${networkShare.amount} = $${derivation.amount + networkShare.amount}`);
  }
  const regionsShare = regionsCost(config, base?.catalog ?? catalogById(DEFAULT_CATALOG_ID));
  if (regionsShare && derivation) {
    regionsShare.lines.push(`regions $${regionsShare.monthly.toFixed(2)} + ${config.budget.headroomPercent}% headroom = $${regionsShare.amount}; budget so far $${derivation.amount + (networkShare?.amount ?? 0)} + $${regionsShare.amount} = $${derivation.amount + (networkShare?.amount ?? 0) + regionsShare.amount}`);
  }
  const totalBudget = derivation ? derivation.amount + (networkShare?.amount ?? 0) + (regionsShare?.amount ?? 0) : budgetAmount;
  return {
    sessionCapacity: sessionCapacity(infrastructure),
    capacityAlertThreshold: capacityAlertThreshold(config),
    maxSessionsPerInstance: instanceSessionLimit(config.sessionsPerReplica),
    scale: scaleSettings(config),
    // The simulation models Container Apps' rules; App Service's autoscaler follows CPU instead.
    scaleDays: config.hosting === "containerApps" ? scaleDaysFor(config) : undefined,
    appServiceAutoscale: config.hosting === "appService" ? appServiceAutoscale(config) : undefined,
    dailySpendAlertUsd: dailySpendAlertUsd(totalBudget, daysPerMonth),
    alertGates: alertGates(config, e ? e.capacity.peakMeanSessions * e.input.session.turnsPerMinute : undefined),
    terminationGraceSeconds: TERMINATION_GRACE_SECONDS,
    probeTimeouts: { liveness: probeTimeoutSeconds(LIVENESS_PERIOD_SECONDS), readiness: probeTimeoutSeconds(READINESS_PERIOD_SECONDS) },
    logDailyCap: logDailyCap(config, base?.catalog ?? catalogById(DEFAULT_CATALOG_ID)),
    topPriorityUpstreams: topPriorityUpstreams(config),
    infrastructure,
    estimate: e,
    range,
    capacityPlan: e?.capacity,
    budget: derivation ? { amount: totalBudget, derivation, ...(networkShare ? { network: networkShare } : {}), ...(regionsShare ? { regions: regionsShare } : {}) } : { amount: budgetAmount },
    network,
    sessionsPerReplicaBasis: basis,
    warnings: [
      ...(config.sessionsPerReplica > basis.measured
        ? [`sessionsPerReplica: ${config.sessionsPerReplica} is above the ${basis.measured} the measured capacity supports for ${config.cpu} vCPU / ${config.memoryGiB} GiB (${basis.explanation}); measure again (${MEASURED_CAPACITY.command}) before relying on it`]
        : []),
      // A stack that declares its peak gets the per-region capacity plan (stacks/globalCapacity.ts: each
      // entry's declared quotas, a region lost), which replaces the cost model's one-region upstream check.
      ...(e && base ? [...lengthWarning(base, e), ...e.capacity.warnings.filter((w) => !(config.capacity && e.capacity.upstreamWarnings.includes(w)))] : []),
      ...(networkShare && !derivation ? [`budget: the fixed budget.amount ($${budgetAmount}) does not include the private network and edge, $${networkShare.monthly.toFixed(2)} a month (npm run plan lists them)`] : []),
    ],
  };
}

/**
 * What each region beyond the first adds to the infrastructure the cost model prices for one: its own
 * Redis, and its environment's always-on replicas (replicas.min all month; the replicas the traffic needs
 * are already priced, whichever region runs them; the free grant is per subscription, used by the first).
 *
 * And what a region needs to start replicas while the first is lost (docs/regions.md):
 * - the registry's geo-replica in the region: Premium fees for each region (azureLiterals
 *   ACR_GEO_REPLICATION), at the network sheet's Premium price per day;
 * - the registry itself on Premium instead of Basic, unless the private network already brings (and
 *   prices) Premium;
 * - the region's Key Vault: Standard vaults are billed per operation only (the infrastructure sheet's
 *   keyVaultPer10kOperations, already priced for the replicas' reads); a region's replicas read their own
 *   vault instead of the first region's, so no operation is added. Listed at $0 so the plan says why.
 */
export function regionsCost(config: StackConfig, catalog: Catalog): { monthly: number; amount: number; lines: string[] } | undefined {
  const extra = stackRegions(config).length - 1;
  if (extra <= 0 || config.hosting !== "containerApps") return undefined;
  const infra = catalog.infrastructure;
  const hours = catalog.daysPerMonth * 24;
  let redis: number;
  let replicas: number;
  let figure: string;
  if (infra.mode === "fixed") {
    redis = infra.fixedMonthly.redis.value;
    replicas = infra.fixedMonthly.containerApps.value;
    figure = `the catalog's fixed monthly Redis ($${redis}) and Container Apps ($${replicas})`;
  } else {
    const price = infra.redisMonthly[config.redis.sku];
    if (!price) throw new RangeError(`no price for Redis SKU "${config.redis.sku}" in catalog ${catalog.id}`);
    redis = price.value;
    const perReplicaHour = 3600 * (config.cpu * infra.containerApps.vcpuSecond.value + config.memoryGiB * infra.containerApps.gibSecond.value);
    replicas = config.replicas.min * hours * perReplicaHour;
    figure = `Redis ${config.redis.sku} $${redis}/month; ${config.replicas.min} replicas x ${hours} h x $${perReplicaHour.toFixed(4)}/replica-hour (${config.cpu} vCPU, ${config.memoryGiB} GiB)`;
  }
  const premium = networkPrices().containerRegistryPremiumPerDay;
  const registryBase = baseInfrastructure();
  const replicaMonthly = premium.value * catalog.daysPerMonth;
  const uplift = config.network.enabled ? 0 : (premium.value - registryBase.registryPerDay) * catalog.daysPerMonth;
  const premiumFigure = `$${premium.value}/day x ${catalog.daysPerMonth} days (${premium.unit}, ${premium.confidence} confidence; cost/catalogs/azure-network-2026.json)`;
  const monthly = extra * (redis + replicas + replicaMonthly) + uplift;
  return {
    monthly,
    amount: Math.ceil(monthly * (1 + config.budget.headroomPercent / 100)),
    lines: [
      `regions: ${extra} more region(s), each $${(redis + replicas).toFixed(2)}/month (${figure}; catalog ${catalog.id})`,
      `regions: ${extra} registry geo-replica(s), each $${replicaMonthly.toFixed(2)}/month (Premium fees for each replica region: ${premiumFigure})`,
      ...(uplift > 0 ? [`regions: the registry on Premium instead of Basic (geo-replication needs it) $${uplift.toFixed(2)}/month ($${premium.value} - $${registryBase.registryPerDay} a day x ${catalog.daysPerMonth} days)`] : []),
      `regions: ${extra} more Key Vault(s) $0.00/month (Standard is billed per operation; each region's replicas read their own vault instead of the first region's: no operation added)`,
    ],
  };
}

function scaleDaysFor(config: StackConfig): StackSizing["scaleDays"] {
  const { interviewsPerDay, sessionMinutes } = config.budget;
  const minutesPerInterview = config.budget.minutesPerInterview ?? (sessionMinutes ? sessionMinutes.reduce((a, d) => a + d.share * d.minutes, 0) : undefined);
  // Without a volume, interviews are taken to run to the session limit: the longest they can hold a replica.
  const minutes = minutesPerInterview ?? config.session.maxMinutes;
  const capacity = sessionCapacity({ maxReplicas: config.replicas.max, sessionsPerReplica: config.sessionsPerReplica });
  return {
    expected: interviewsPerDay !== undefined && minutesPerInterview !== undefined ? scaleDay(config, interviewsPerDay, minutesPerInterview) : undefined,
    atCapacity: scaleDay(config, volumeForPeakSessions(capacity, minutes), minutes),
  };
}

/**
 * Alert gates: how much traffic a ratio alert waits for, derived from the stack's own traffic model
 * (cost/traffic.ts: budget.interviewsPerDay over a 10-hour business day, the busiest hour twice the mean).
 * A ratio over a handful of attempts moves by tens of percent per event, and a window the stack's traffic
 * never fills makes a minimum unreachable: at 1,000 interviews a day the busiest 5 minutes bring ~17
 * upgrades, so "at least 20 attempts in 5 minutes" never held. So each gate takes the shortest window in
 * which the busiest moment brings a ratio sample, and never pages on fewer than MIN_ALERT_EVENTS events.
 */
/** Log alert windows offered (minutes); the longest bounds how long a resolved alert stays open. */
export const LOG_ALERT_WINDOWS_MINUTES = [5, 10, 15, 30, 60] as const;
/** Metric alert windows offered (ISO PT5M, PT15M, PT30M, PT1H). */
export const METRIC_ALERT_WINDOWS_MINUTES = [5, 15, 30, 60] as const;
/** Attempts a window should hold before its share of failures is a rate (one event = 5% of 20). */
export const RATIO_SAMPLE_ATTEMPTS = 20;
/** One failed session or one 5xx never pages: a page needs at least this many in the window. */
export const MIN_ALERT_EVENTS = 2;

/** Expected client upgrades per minute over the day (1,440 values), when the stack states its volume. */
export function stackArrivals(config: Pick<StackConfig, "budget">): number[] | undefined {
  const perDay = config.budget.interviewsPerDay;
  return perDay === undefined ? undefined : arrivalsPerMinute({ interviewsPerDay: perDay });
}

/** The expected arrivals in the busiest `minutes` consecutive minutes of the day (wrapping midnight). */
export function busiestWindowArrivals(arrivals: number[], minutes: number): number {
  if (!(Number.isInteger(minutes) && minutes > 0 && minutes <= arrivals.length)) throw new RangeError(`window must be 1..${arrivals.length} minutes, got ${minutes}`);
  let sum = 0;
  for (let i = 0; i < minutes; i++) sum += arrivals[i];
  let best = sum;
  for (let start = 1; start < arrivals.length; start++) {
    sum += arrivals[(start + minutes - 1) % arrivals.length] - arrivals[start - 1];
    best = Math.max(best, sum);
  }
  return best;
}

export interface RatioAlertGate {
  windowMinutes: number;
  /** The alert needs at least this many events in its window (and their share above the threshold). */
  minEvents: number;
  /** Expected attempts in the busiest window of the day (undefined: the stack states no volume). */
  busiestAttempts?: number;
}

/**
 * A ratio alert's window and minimum: the shortest window (not shorter than the configured one) in which
 * the busiest moment brings RATIO_SAMPLE_ATTEMPTS attempts, else the longest; never fewer than
 * MIN_ALERT_EVENTS events. Without a stated volume, the longest window.
 */
export function ratioAlertGate(arrivals: number[] | undefined, configuredWindowMinutes: number): RatioAlertGate {
  const windows = LOG_ALERT_WINDOWS_MINUTES.filter((w) => w >= configuredWindowMinutes);
  const longest = windows[windows.length - 1] ?? LOG_ALERT_WINDOWS_MINUTES[LOG_ALERT_WINDOWS_MINUTES.length - 1];
  if (!arrivals) return { windowMinutes: longest, minEvents: MIN_ALERT_EVENTS };
  const chosen = windows.find((w) => busiestWindowArrivals(arrivals, w) >= RATIO_SAMPLE_ATTEMPTS) ?? longest;
  return { windowMinutes: chosen, minEvents: MIN_ALERT_EVENTS, busiestAttempts: busiestWindowArrivals(arrivals, chosen) };
}

export interface FrontDoor5xxGate {
  windowMinutes: number;
  /** RequestCount (Total) in the window must be at least this. */
  minRequests: number;
  /** Percentage5XX (Average) must be above this. */
  percent: number;
  busiestRequests?: number;
}

/**
 * Front Door's 5xx alert: two conditions, both required (a SingleResourceMultipleMetricCriteria rule is
 * an "all of"): enough requests, and a share of 5xx above the threshold. The minimum is the smallest
 * request count at which one 5xx is not above the threshold (5% -> 21 requests), and the window the
 * shortest in which the busiest moment brings it. A stack whose traffic never brings it in an hour
 * pages on outages only: at least MIN_ALERT_EVENTS requests and more than half of them 5xx.
 * Requests are taken as the stack's upgrades (one request per session; page loads add to them).
 */
export function frontDoor5xxGate(arrivals: number[] | undefined, configuredPercent: number): FrontDoor5xxGate {
  if (!(configuredPercent > 0 && configuredPercent < 100)) throw new RangeError(`percent must be in (0, 100), got ${configuredPercent}`);
  const needed = Math.floor(((MIN_ALERT_EVENTS - 1) * 100) / configuredPercent) + 1;
  const longest = METRIC_ALERT_WINDOWS_MINUTES[METRIC_ALERT_WINDOWS_MINUTES.length - 1];
  const window = arrivals ? METRIC_ALERT_WINDOWS_MINUTES.find((w) => busiestWindowArrivals(arrivals, w) >= needed) : undefined;
  const busiest = (w: number) => (arrivals ? { busiestRequests: busiestWindowArrivals(arrivals, w) } : {});
  if (window !== undefined) return { windowMinutes: window, minRequests: needed, percent: configuredPercent, ...busiest(window) };
  const outagePercent = (100 * (MIN_ALERT_EVENTS - 1)) / MIN_ALERT_EVENTS;
  return { windowMinutes: longest, minRequests: MIN_ALERT_EVENTS, percent: Math.max(configuredPercent, outagePercent), ...busiest(longest) };
}

/** The latency alert's turns minimum (a share of fewer turns moves by more than 5% per turn). */
export const LATENCY_SAMPLE_TURNS = 20;

/**
 * The latency alert's window: the shortest (not shorter than the configured one) in which the busiest
 * moment's turns (open sessions x turns per minute, from the cost model's estimate) reach
 * LATENCY_SAMPLE_TURNS, else the longest. Without an estimate, the configured window.
 */
export function latencyAlertWindow(turnsPerMinuteAtPeak: number | undefined, configuredWindowMinutes: number): number {
  if (turnsPerMinuteAtPeak === undefined) return configuredWindowMinutes;
  if (!(turnsPerMinuteAtPeak >= 0)) throw new RangeError(`turns per minute must be >= 0, got ${turnsPerMinuteAtPeak}`);
  const windows = LOG_ALERT_WINDOWS_MINUTES.filter((w) => w >= configuredWindowMinutes);
  return windows.find((w) => turnsPerMinuteAtPeak * w >= LATENCY_SAMPLE_TURNS) ?? windows[windows.length - 1] ?? configuredWindowMinutes;
}

export interface AlertGates {
  latencyWindowMinutes: number;
  platformErrors: RatioAlertGate;
  connectFailures: RatioAlertGate;
  frontDoor5xx: FrontDoor5xxGate;
}

export function alertGates(config: Pick<StackConfig, "budget" | "alerts">, turnsPerMinuteAtPeak?: number): AlertGates {
  const arrivals = stackArrivals(config);
  return {
    latencyWindowMinutes: latencyAlertWindow(turnsPerMinuteAtPeak, config.alerts.windowMinutes),
    platformErrors: ratioAlertGate(arrivals, config.alerts.windowMinutes),
    connectFailures: ratioAlertGate(arrivals, config.alerts.windowMinutes),
    frontDoor5xx: frontDoor5xxGate(arrivals, config.alerts.connectFailurePercent),
  };
}
