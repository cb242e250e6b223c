/**
 * The estimator: per interview, per day, per month; infrastructure from the stack's sizing; capacity
 * from the same session model; PTU only where the catalog says the model can be provisioned; and the
 * notes (assumptions, and with the seed catalog the seed's own errors).
 *
 * Interviews of several lengths are priced length by length and weighted (the cost is not linear in
 * the length: pricing the mean length would understate it); several catalogs (upstreams.ts) likewise.
 */
import { assumptionsOf, type Catalog, type MeteredInfrastructure } from "./catalog";
import { planCapacity, type CapacityPlan } from "./capacity";
import { describeTruncation } from "./interview";
import { seedDiscrepancies } from "./seedCritique";
import { modelTokens, sessionCost, sessionParams, weightedCost, type SessionCost, type SessionParams } from "./session";
import { DEFAULT_BUSY_HOURS_PER_DAY, peakConcurrencyForDurations, type DurationShare } from "./traffic";
import type { CatalogShare } from "./upstreams";

export interface Sizing {
  minReplicas: number;
  maxReplicas: number;
  sessionsPerReplica: number;
  /** vCPU per replica. */
  cpu: number;
  memoryGiB: number;
  redisSku: string;
  frontDoor: boolean;
  /** App Service hosting (infra engineer, issue 14): the plan's SKU; compute is priced per instance-hour instead of Container Apps. */
  appServiceSku?: string;
}

/** The seed's sizing (part 7: "2 vCPU, 4GB RAM x 2 instances", min 2, max 50, 50 per replica). */
export const SEED_SIZING: Sizing = { minReplicas: 2, maxReplicas: 50, sessionsPerReplica: 50, cpu: 2, memoryGiB: 4, redisSku: "Standard_C1", frontDoor: true };

export interface EstimateInput {
  /** The primary catalog: infrastructure prices, quotas and display. The mix defaults to it alone. */
  catalog: Catalog;
  /** Catalogs and their shares of sessions (upstreamPricing's mix). */
  mix?: CatalogShare[];
  interviewsPerDay: number;
  /** One length for every interview... */
  minutesPerInterview?: number;
  /** ...or a mix of lengths (shares sum to 1). */
  durations?: DurationShare[];
  sizing?: Sizing;
  session?: Partial<Omit<SessionParams, "minutes">>;
  peakHourFactor?: number;
  /** Hours a day over which interviews are spread; replicas above the minimum run only then (default 10). */
  busyHoursPerDay?: number;
  /** Percentile of the arrival process the capacity is planned for (default 99). */
  percentile?: number;
  upstreamResources?: number;
  /** Upstream rotation interval, once the service rotates (counted as new connections). */
  rotateMinutes?: number;
  /** Key Vault secrets the app resolves (upstream keys, Redis URL). */
  keyVaultSecrets?: number;
}

export interface Infrastructure {
  containerApps: number;
  frontDoor: number;
  /** Of frontDoor: base fee, data transfer (both ways) and requests. */
  frontDoorBase: number;
  frontDoorTransfer: number;
  frontDoorRequests: number;
  frontDoorGB: { toClient: number; toOrigin: number };
  redis: number;
  containerRegistry: number;
  keyVault: number;
  monitoring: number;
  total: number;
  replicaHoursPerMonth?: number;
  /** App Service hosting: the plan's instance-hours priced (containerApps is then 0). */
  appService?: number;
}

export type PtuPlan =
  | { available: false; reason: string }
  | {
      available: true;
      ptus: number;
      monthlyCost: number;
      /** Interviews a day the PTUs bought carry (at the catalog's tokens a minute per PTU). */
      capacityInterviewsPerDay: number;
      /** The daily volume from which PTUs (as many as that volume needs) cost less than pay-as-you-go; undefined if never. */
      breakEvenInterviewsPerDay?: number;
      cheaperThanPayAsYouGo: boolean;
      assumptions: string[];
    };

export interface Estimate {
  catalog: { id: string; name: string; asOf: string };
  catalogs: Array<{ id: string; name: string; share: number; upstreams: string[] }>;
  input: {
    interviewsPerDay: number;
    /** The mean length (for display; the cost is priced length by length). */
    minutesPerInterview: number;
    durations: DurationShare[];
    daysPerMonth: number;
    sizing: Sizing;
    session: Omit<SessionParams, "minutes">;
  };
  perInterview: SessionCost;
  byDuration: Array<DurationShare & { cost: SessionCost }>;
  daily: { api: number; interviews: number };
  monthly: { api: number; infrastructure: number; total: number; perInterview: number; interviews: number; infrastructureBreakdown: Infrastructure };
  capacity: CapacityPlan;
  ptu: PtuPlan;
  notes: string[];
}

export interface InfrastructureUsage {
  interviewsPerMonth: number;
  replicasAtPeak: number;
  /** Mean interview length, minutes. */
  meanMinutes: number;
  /** Minutes the model speaks in a mean interview. */
  modelSpeakingMinutes: number;
  keyVaultSecrets: number;
}

const GB = 1e9; // decimal gigabytes: the larger count of the two conventions (conservative)

export function infrastructureCost(catalog: Catalog, sizing: Sizing, usage: InfrastructureUsage, daysPerMonth: number, busyHours = DEFAULT_BUSY_HOURS_PER_DAY): Infrastructure {
  const infra = catalog.infrastructure;
  if (infra.mode === "fixed") {
    const f = infra.fixedMonthly;
    const total = f.containerApps.value + f.frontDoor.value + f.redis.value + f.monitoring.value;
    return {
      containerApps: f.containerApps.value, frontDoor: f.frontDoor.value, frontDoorBase: f.frontDoor.value, frontDoorTransfer: 0, frontDoorRequests: 0,
      frontDoorGB: { toClient: 0, toOrigin: 0 }, redis: f.redis.value, containerRegistry: 0, keyVault: 0, monitoring: f.monitoring.value, total,
    };
  }
  return meteredInfrastructure(catalog.id, infra, sizing, usage, daysPerMonth, busyHours);
}

function meteredInfrastructure(id: string, infra: MeteredInfrastructure, sizing: Sizing, usage: InfrastructureUsage, daysPerMonth: number, busyHours: number): Infrastructure {
  const redisPrice = infra.redisMonthly[sizing.redisSku];
  if (!redisPrice) throw new RangeError(`no price for Redis SKU "${sizing.redisSku}" in catalog ${id}; priced: ${Object.keys(infra.redisMonthly).join(", ")}`);
  const hoursPerMonth = daysPerMonth * 24;
  // Always-on replicas all month; the extra replicas the peak needs only during busy hours.
  const replicaHoursPerMonth = sizing.minReplicas * hoursPerMonth + Math.max(0, usage.replicasAtPeak - sizing.minReplicas) * busyHours * daysPerMonth;
  const ca = infra.containerApps;
  const vcpuSeconds = Math.max(0, replicaHoursPerMonth * 3600 * sizing.cpu - ca.freeVcpuSeconds.value);
  const gibSeconds = Math.max(0, replicaHoursPerMonth * 3600 * sizing.memoryGiB - ca.freeGibSeconds.value);
  // App Service hosting (stack choice): the plan's instances are billed per hour instead of Container Apps' per second.
  const appService = sizing.appServiceSku !== undefined ? appServicePlanMonthly(sizing.appServiceSku, replicaHoursPerMonth) : undefined;
  const containerApps = appService !== undefined ? 0 : vcpuSeconds * ca.vcpuSecond.value + gibSeconds * ca.gibSecond.value;

  const fd = infra.frontDoor;
  const traffic = infra.traffic;
  const toClient = sizing.frontDoor ? (usage.interviewsPerMonth * usage.modelSpeakingMinutes * 60 * traffic.modelAudioBytesPerSecond.value) / GB : 0;
  const toOrigin = sizing.frontDoor ? (usage.interviewsPerMonth * usage.meanMinutes * 60 * traffic.clientAudioBytesPerSecond.value) / GB : 0;
  const frontDoorBase = sizing.frontDoor ? fd.monthly.value : 0;
  const frontDoorTransfer = toClient * fd.perGBToClient.value + toOrigin * fd.perGBToOrigin.value;
  const frontDoorRequests = sizing.frontDoor ? ((usage.interviewsPerMonth * traffic.requestsPerInterview.value) / 1e4) * fd.per10kRequests.value : 0;
  const frontDoor = frontDoorBase + frontDoorTransfer + frontDoorRequests;

  const containerRegistry = infra.containerRegistryPerDay.value * daysPerMonth;
  const keyVaultReads = usage.keyVaultSecrets * replicaHoursPerMonth * infra.keyVaultReadsPerSecretReplicaHour.value;
  const keyVault = (keyVaultReads / 1e4) * infra.keyVaultPer10kOperations.value;
  const logGB = Math.max(0, usage.interviewsPerMonth * infra.logGBPerInterview.value - infra.logFreeGBPerMonth.value);
  const monitoring = logGB * infra.logAnalyticsPerGB.value;
  const redis = redisPrice.value;
  return {
    containerApps, ...(appService !== undefined ? { appService } : {}), frontDoor, frontDoorBase, frontDoorTransfer, frontDoorRequests, frontDoorGB: { toClient, toOrigin },
    redis, containerRegistry, keyVault, monitoring,
    total: containerApps + (appService ?? 0) + frontDoor + redis + containerRegistry + keyVault + monitoring,
    replicaHoursPerMonth,
  };
}

/** The interview lengths an input asks for, checked. */
export function durationsOf(input: Pick<EstimateInput, "minutesPerInterview" | "durations">): DurationShare[] {
  const durations = input.durations ?? (input.minutesPerInterview !== undefined ? [{ minutes: input.minutesPerInterview, share: 1 }] : undefined);
  if (!durations || durations.length === 0) throw new RangeError("give minutesPerInterview or durations");
  for (const d of durations) {
    if (!(d.minutes > 0 && Number.isFinite(d.minutes))) throw new RangeError(`interview length must be positive, got ${d.minutes}`);
    if (!(d.share >= 0)) throw new RangeError(`interview length share must be >= 0, got ${d.share}`);
  }
  const total = durations.reduce((a, d) => a + d.share, 0);
  if (Math.abs(total - 1) > 1e-6) throw new RangeError(`interview length shares must sum to 1, got ${total}`);
  return durations;
}

export function meanMinutes(durations: DurationShare[]): number {
  return durations.reduce((a, d) => a + d.share * d.minutes, 0);
}

// --- App Service hosting (infra engineer, issue 14 item 1): kept apart from the catalogs on purpose -----
// A minimal addition so the estimate prices the App Service plan a stack chooses; the cost engineer may
// move these prices into the catalogs. Linux Premium v3, pay-as-you-go, per instance-hour, USD:
// P1v3 $0.155 (Azure Retail Prices API as cited by a public doc, 2026-04-18; $113.15/month), P2v3 $0.310
// (public doc, $226.30/month), P3v3 $0.620 (inferred: each Pv3 size doubles the previous; not sourced).
export const APP_SERVICE_HOURLY_USD: Record<string, { value: number; source: string; assumption?: boolean }> = {
  P1v3: { value: 0.155, source: "Azure Retail Prices API via a public doc, 2026-04-18" },
  P2v3: { value: 0.31, source: "public doc citing the Azure Retail Prices API, 2026" },
  P3v3: { value: 0.62, source: "inferred: twice P2v3", assumption: true },
};

/** The plan's month: every instance-hour at the SKU's hourly price (App Service bills instances, used or not). */
export function appServicePlanMonthly(sku: string, instanceHoursPerMonth: number): number {
  const price = APP_SERVICE_HOURLY_USD[sku];
  if (!price) throw new RangeError(`no price for App Service SKU "${sku}"; priced: ${Object.keys(APP_SERVICE_HOURLY_USD).join(", ")}`);
  return instanceHoursPerMonth * price.value;
}

export function estimate(input: EstimateInput): Estimate {
  const catalog = input.catalog;
  const busyHours = input.busyHoursPerDay ?? DEFAULT_BUSY_HOURS_PER_DAY;
  if (!(input.interviewsPerDay >= 0 && Number.isFinite(input.interviewsPerDay))) throw new RangeError(`interviews per day must be >= 0, got ${input.interviewsPerDay}`);
  const durations = durationsOf(input);
  const mix = input.mix ?? [{ catalog, share: 1, upstreams: [] }];
  const mixTotal = mix.reduce((a, m) => a + m.share, 0);
  if (mix.length === 0 || Math.abs(mixTotal - 1) > 1e-6) throw new RangeError(`catalog shares must sum to 1, got ${mixTotal}`);
  const sizing = input.sizing ?? SEED_SIZING;
  const days = catalog.daysPerMonth;
  const mean = meanMinutes(durations);

  // The service's rotation shapes every session's context (session.ts); an explicit session value wins.
  const sessionInput = { rotateMinutes: input.rotateMinutes, ...input.session };
  const byDuration = durations.map((d) => ({
    ...d,
    cost: weightedCost(mix.map((m) => ({ share: m.share, cost: sessionCost(m.catalog, sessionParams(m.catalog, d.minutes, sessionInput)) }))),
  }));
  const perInterview = weightedCost(byDuration.map((d) => ({ share: d.share, cost: d.cost })));
  const { minutes: _minutes, ...session } = sessionParams(catalog, mean, sessionInput);

  const m = catalog.model;
  const spokenTokensPerSessionMinute = session.userSpeakingShare * m.audioInputTokensPerMinute + session.modelSpeakingShare * (m.audioOutputTokensPerMinute + m.outputTextTokensPerSpokenMinute);
  const billedTokensPerSessionMinute = modelTokens(perInterview.tokens) / mean;
  const capacity = planCapacity({
    interviewsPerDay: input.interviewsPerDay, durations, peakHourFactor: input.peakHourFactor, busyHoursPerDay: busyHours, percentile: input.percentile,
    sessionsPerReplica: sizing.sessionsPerReplica, minReplicas: sizing.minReplicas, maxReplicas: sizing.maxReplicas,
    upstreamResources: input.upstreamResources ?? 1, rotateMinutes: input.rotateMinutes,
    spokenTokensPerSessionMinute, billedTokensPerSessionMinute, quota: catalog.quota,
  });
  const interviewsPerMonth = input.interviewsPerDay * days;
  const dailyApi = perInterview.total * input.interviewsPerDay;
  const monthlyApi = dailyApi * days;
  const infra = infrastructureCost(catalog, sizing, {
    interviewsPerMonth, replicasAtPeak: Math.min(capacity.replicasNeeded, sizing.maxReplicas), meanMinutes: mean,
    modelSpeakingMinutes: mean * session.modelSpeakingShare, keyVaultSecrets: input.keyVaultSecrets ?? 2,
  }, days, busyHours);
  const total = monthlyApi + infra.total;
  const ptu = ptuPlan(catalog, { ...input, durations }, perInterview, capacity, billedTokensPerSessionMinute, monthlyApi);

  const notes = [
    `method: ${perInterview.method === "linear" ? "linear (audio and text tokens per minute, no re-sent context)" : "re-sent context (every response reads the conversation so far, up to the input limit; the unchanged prefix is served by the prompt cache at the cache hit rate)"}`,
    `interview: ${durations.map((d) => `${d.minutes} min${durations.length > 1 ? ` x ${pct(d.share)}` : ""}`).join(", ")}; candidate speaks ${pct(session.userSpeakingShare)}, model ${pct(session.modelSpeakingShare)}, ${session.turnsPerMinute} turns/min, ${session.instructionsTokens} instruction tokens; cache hit ${pct(session.cacheHitRate)}; truncation ${describeTruncation(session.truncation)}; transcription ${session.transcription ? "on" : "off"}`,
    ...byDuration.filter((d) => d.cost.truncatedResponses > 0).map((d) => `input limit: at ${d.minutes} min, ${fmt(d.cost.truncatedResponses)} of ${fmt(d.cost.responses)} responses reach the ${m.inputLimitTokens.toLocaleString("en-US")}-token input limit and are truncated (each re-reads its history${session.truncation.type === "auto" ? " uncached" : ", the cache recovers after each cut"})`),
    `a month is ${days} days`,
    ...(catalog.quota ? [] : [`upstream quota: catalog ${catalog.id} states no quota; the upstream resources needed are not checked`]),
    ...capacity.warnings,
    // Flagged figures this estimate uses (not the Redis SKUs the stack does not run).
    ...[...new Set(mix.flatMap((x) => assumptionsOf(x.catalog).filter((a) => !a.startsWith("infrastructure.redisMonthly.") || a.startsWith(`infrastructure.redisMonthly.${sizing.redisSku} `)).map((a) => `price ${x.catalog.id}: ${a}`)))],
  ];
  if (catalog.id === "seed") notes.push(...seedDiscrepancies(catalog));

  return {
    catalog: { id: catalog.id, name: catalog.name, asOf: catalog.asOf },
    catalogs: mix.map((x) => ({ id: x.catalog.id, name: x.catalog.name, share: x.share, upstreams: x.upstreams })),
    input: { interviewsPerDay: input.interviewsPerDay, minutesPerInterview: mean, durations, daysPerMonth: days, sizing, session },
    perInterview,
    byDuration,
    daily: { api: dailyApi, interviews: input.interviewsPerDay },
    monthly: { api: monthlyApi, infrastructure: infra.total, total, perInterview: interviewsPerMonth > 0 ? total / interviewsPerMonth : 0, interviews: interviewsPerMonth, infrastructureBreakdown: infra },
    capacity,
    ptu,
    notes,
  };
}

/**
 * PTU where the catalog says the model can be provisioned: the PTUs the peak's tokens need (at least
 * the minimum, in increments), what they cost, what volume they carry, and the volume from which they
 * cost less than pay-as-you-go for the model's tokens (transcription stays pay-as-you-go).
 */
function ptuPlan(catalog: Catalog, input: EstimateInput & { durations: DurationShare[] }, perInterview: SessionCost, capacity: CapacityPlan, billedTokensPerSessionMinute: number, monthlyApi: number): PtuPlan {
  const p = catalog.ptu;
  if (!p.available) return { available: false, reason: `not available for this model: ${p.source}` };
  const days = catalog.daysPerMonth;
  const perPtu = p.tokensPerMinutePerPtu.value;
  const round = (n: number) => Math.max(p.minimumPtus, Math.ceil(n / p.incrementPtus) * p.incrementPtus);
  const ptus = round(capacity.billedTokensPerMinute / perPtu);
  const monthlyCost = ptus * p.monthlyPerPtu.value;
  // Peak tokens a minute per interview a day (the mean peak scales with volume).
  const unit = peakConcurrencyForDurations({ interviewsPerDay: 1, peakHourFactor: input.peakHourFactor, busyHoursPerDay: input.busyHoursPerDay }, input.durations, 50).mean * billedTokensPerSessionMinute;
  const carries = (n: number) => (unit > 0 ? (n * perPtu) / unit : Infinity);
  const apiPerInterview = perInterview.total - perInterview.transcription;
  let breakEvenInterviewsPerDay: number | undefined;
  for (let n = p.minimumPtus, i = 0; i < 1000 && apiPerInterview > 0; n += p.incrementPtus, i++) {
    const volume = (n * p.monthlyPerPtu.value) / (apiPerInterview * days);
    if (volume <= carries(n)) {
      breakEvenInterviewsPerDay = volume;
      break;
    }
  }
  return {
    available: true, ptus, monthlyCost, capacityInterviewsPerDay: carries(ptus), breakEvenInterviewsPerDay,
    cheaperThanPayAsYouGo: monthlyCost < monthlyApi - perInterview.transcription * input.interviewsPerDay * days,
    assumptions: [
      `${ptus} PTU (minimum ${p.minimumPtus}, in steps of ${p.incrementPtus}) at $${p.monthlyPerPtu.value}/month each (${p.monthlyPerPtu.source})`,
      `one PTU carries ${p.tokensPerMinutePerPtu.value.toLocaleString("en-US")} tokens a minute (${p.tokensPerMinutePerPtu.source}); the peak needs ${Math.round(capacity.billedTokensPerMinute).toLocaleString("en-US")}`,
      p.source,
    ],
  };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
