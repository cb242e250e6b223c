/**
 * The estimator: per interview, per day, per month; infrastructure from the stack's sizing; PTU
 * break-even; and the notes (assumptions, and with the seed catalog the seed's own errors).
 */
import { assumptionsOf, type Catalog } from "./catalog";
import { planCapacity, type CapacityPlan } from "./capacity";
import { DEFAULT_BUSY_HOURS_PER_DAY } from "./traffic";
import { seedDiscrepancies } from "./seedCritique";
import { sessionCost, sessionParams, type SessionCost, type SessionParams } from "./session";

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
  catalog: Catalog;
  interviewsPerDay: number;
  minutesPerInterview: number;
  sizing?: Sizing;
  session?: Partial<Omit<SessionParams, "minutes">>;
  peakHourFactor?: number;
  /** Hours a day over which interviews are spread; replicas above the minimum run only then (default 10). */
  busyHoursPerDay?: number;
  upstreamResources?: number;
  rotateMinutes?: number;
  /** PTUs to compare with pay-as-you-go. */
  ptus?: number;
}

export interface Infrastructure {
  containerApps: number;
  frontDoor: number;
  redis: number;
  monitoring: number;
  total: number;
  replicaHoursPerMonth?: number;
  /** App Service hosting: the plan's instance-hours priced (containerApps is then 0). */
  appService?: number;
}

export interface Estimate {
  catalog: { id: string; name: string; asOf: string };
  input: { interviewsPerDay: number; minutesPerInterview: number; daysPerMonth: number; sizing: Sizing; session: SessionParams };
  perInterview: SessionCost;
  daily: { api: number; interviews: number };
  monthly: { api: number; infrastructure: number; total: number; perInterview: number; interviews: number; infrastructureBreakdown: Infrastructure };
  capacity: CapacityPlan;
  ptu: { ptus: number; monthlyCost: number; breakEvenInterviewsPerMonth: number; breakEvenInterviewsPerDay: number; cheaperThanPayAsYouGo: boolean; assumptions: string[] };
  notes: string[];
}

export function infrastructureCost(catalog: Catalog, sizing: Sizing, interviewsPerMonth: number, replicasAtPeak: number, daysPerMonth: number, busyHours = DEFAULT_BUSY_HOURS_PER_DAY): Infrastructure {
  const infra = catalog.infrastructure;
  if (infra.mode === "fixed") {
    const f = infra.fixedMonthly;
    const total = f.containerApps.value + f.frontDoor.value + f.redis.value + f.monitoring.value;
    return { containerApps: f.containerApps.value, frontDoor: f.frontDoor.value, redis: f.redis.value, monitoring: f.monitoring.value, total };
  }
  const redisPrice = infra.redisMonthly[sizing.redisSku];
  if (!redisPrice) throw new RangeError(`no price for Redis SKU "${sizing.redisSku}" in catalog ${catalog.id}; priced: ${Object.keys(infra.redisMonthly).join(", ")}`);
  const hoursPerMonth = daysPerMonth * 24;
  // Always-on replicas all month; the extra replicas the peak needs only during busy hours.
  const replicaHoursPerMonth = sizing.minReplicas * hoursPerMonth + Math.max(0, replicasAtPeak - sizing.minReplicas) * busyHours * daysPerMonth;
  const ca = infra.containerApps;
  const vcpuSeconds = Math.max(0, replicaHoursPerMonth * 3600 * sizing.cpu - ca.freeVcpuSeconds.value);
  const gibSeconds = Math.max(0, replicaHoursPerMonth * 3600 * sizing.memoryGiB - ca.freeGibSeconds.value);
  const frontDoor = sizing.frontDoor ? infra.frontDoorMonthly.value : 0;
  const logGB = Math.max(0, interviewsPerMonth * infra.logGBPerInterview.value - infra.logFreeGBPerMonth.value);
  const monitoring = logGB * infra.logAnalyticsPerGB.value;
  if (sizing.appServiceSku !== undefined) {
    const appService = appServicePlanMonthly(sizing.appServiceSku, replicaHoursPerMonth);
    return { containerApps: 0, appService, frontDoor, redis: redisPrice.value, monitoring, total: appService + frontDoor + redisPrice.value + monitoring, replicaHoursPerMonth };
  }
  const containerApps = vcpuSeconds * ca.vcpuSecond.value + gibSeconds * ca.gibSecond.value;
  return { containerApps, frontDoor, redis: redisPrice.value, monitoring, total: containerApps + frontDoor + redisPrice.value + monitoring, replicaHoursPerMonth };
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
  if (!(input.interviewsPerDay >= 0)) throw new RangeError(`interviews per day must be >= 0, got ${input.interviewsPerDay}`);
  const sizing = input.sizing ?? SEED_SIZING;
  const session = sessionParams(catalog, input.minutesPerInterview, input.session);
  const perInterview = sessionCost(catalog, session);
  const days = catalog.daysPerMonth;
  const capacity = planCapacity({
    interviewsPerDay: input.interviewsPerDay, minutesPerInterview: input.minutesPerInterview, peakHourFactor: input.peakHourFactor,
    busyHoursPerDay: busyHours,
    sessionsPerReplica: sizing.sessionsPerReplica, minReplicas: sizing.minReplicas, maxReplicas: sizing.maxReplicas,
    upstreamResources: input.upstreamResources ?? 1, rotateMinutes: input.rotateMinutes ?? 9,
  });
  const interviewsPerMonth = input.interviewsPerDay * days;
  const dailyApi = perInterview.total * input.interviewsPerDay;
  const monthlyApi = dailyApi * days;
  const infra = infrastructureCost(catalog, sizing, interviewsPerMonth, Math.min(capacity.replicasNeeded, sizing.maxReplicas), days, busyHours);
  const total = monthlyApi + infra.total;

  const ptus = input.ptus ?? 1;
  const ptuMonthly = ptus * catalog.ptu.monthlyPerPtu.value;
  const breakEvenMonth = perInterview.total > 0 ? ptuMonthly / perInterview.total : Infinity;
  const ptu = {
    ptus,
    monthlyCost: ptuMonthly,
    breakEvenInterviewsPerMonth: breakEvenMonth,
    breakEvenInterviewsPerDay: breakEvenMonth / days,
    cheaperThanPayAsYouGo: ptuMonthly < monthlyApi,
    assumptions: [
      `${ptus} PTU at $${catalog.ptu.monthlyPerPtu.value}/month (${catalog.ptu.monthlyPerPtu.source})`,
      "break-even = PTU monthly cost / pay-as-you-go cost per interview; it assumes the PTUs can carry that volume, which no public realtime sizing confirms",
    ],
  };

  const notes = [
    `method: ${perInterview.method === "linear" ? "linear (audio and text tokens per minute, no re-sent context)" : "re-sent context (every response reads the conversation so far; the previous response's input is a cached prefix)"}`,
    `interview: ${session.minutes} min, candidate speaks ${pct(session.userSpeakingShare)}, model ${pct(session.modelSpeakingShare)}, ${session.turnsPerMinute} turns/min (${perInterview.responses} responses), ${session.instructionsTokens} instruction tokens`,
    `a month is ${days} days`,
    ...capacity.warnings,
    ...assumptionsOf(catalog).map((a) => `price ${a}`),
  ];
  if (catalog.id === "seed") notes.push(...seedDiscrepancies(catalog));

  return {
    catalog: { id: catalog.id, name: catalog.name, asOf: catalog.asOf },
    input: { interviewsPerDay: input.interviewsPerDay, minutesPerInterview: input.minutesPerInterview, daysPerMonth: days, sizing, session },
    perInterview,
    daily: { api: dailyApi, interviews: input.interviewsPerDay },
    monthly: { api: monthlyApi, infrastructure: infra.total, total, perInterview: interviewsPerMonth > 0 ? total / interviewsPerMonth : 0, interviews: interviewsPerMonth, infrastructureBreakdown: infra },
    capacity,
    ptu,
    notes,
  };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
