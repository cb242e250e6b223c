/**
 * The estimator: per interview, per day, per month; infrastructure from the stack's sizing; PTU
 * break-even; and the notes (assumptions, and with the seed catalog the seed's own errors).
 */
import { assumptionsOf, loadCatalog, DEFAULT_CATALOG_ID, type Catalog } from "./catalog";
import { planCapacity, DEFAULT_BUSY_HOURS_PER_DAY, type CapacityPlan } from "./capacity";
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
}

/** The seed's sizing (part 7: "2 vCPU, 4GB RAM x 2 instances", min 2, max 50, 50 per replica). */
export const SEED_SIZING: Sizing = { minReplicas: 2, maxReplicas: 50, sessionsPerReplica: 50, cpu: 2, memoryGiB: 4, redisSku: "Standard_C1", frontDoor: true };

export interface EstimateInput {
  catalog?: Catalog;
  interviewsPerDay: number;
  minutesPerInterview: number;
  sizing?: Sizing;
  session?: Partial<Omit<SessionParams, "minutes">>;
  peakHourFactor?: number;
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

export function infrastructureCost(catalog: Catalog, sizing: Sizing, interviewsPerMonth: number, replicasAtPeak: number, daysPerMonth: number): Infrastructure {
  const infra = catalog.infrastructure;
  if (infra.mode === "fixed") {
    const f = infra.fixedMonthly;
    const total = f.containerApps.value + f.frontDoor.value + f.redis.value + f.monitoring.value;
    return { containerApps: f.containerApps.value, frontDoor: f.frontDoor.value, redis: f.redis.value, monitoring: f.monitoring.value, total };
  }
  const redisPrice = infra.redisMonthly[sizing.redisSku];
  if (!redisPrice) throw new RangeError(`no price for Redis SKU "${sizing.redisSku}" in catalog ${catalog.id}; priced: ${Object.keys(infra.redisMonthly).join(", ")}`);
  const hoursPerMonth = daysPerMonth * 24;
  const busyHours = infra.busyHoursPerDay.value;
  // Always-on replicas all month; the extra replicas the peak needs only during busy hours.
  const replicaHoursPerMonth = sizing.minReplicas * hoursPerMonth + Math.max(0, replicasAtPeak - sizing.minReplicas) * busyHours * daysPerMonth;
  const ca = infra.containerApps;
  const vcpuSeconds = Math.max(0, replicaHoursPerMonth * 3600 * sizing.cpu - ca.freeVcpuSeconds.value);
  const gibSeconds = Math.max(0, replicaHoursPerMonth * 3600 * sizing.memoryGiB - ca.freeGibSeconds.value);
  const containerApps = vcpuSeconds * ca.vcpuSecond.value + gibSeconds * ca.gibSecond.value;
  const frontDoor = sizing.frontDoor ? infra.frontDoorMonthly.value : 0;
  const logGB = Math.max(0, interviewsPerMonth * infra.logGBPerInterview.value - infra.logFreeGBPerMonth.value);
  const monitoring = logGB * infra.logAnalyticsPerGB.value;
  return { containerApps, frontDoor, redis: redisPrice.value, monitoring, total: containerApps + frontDoor + redisPrice.value + monitoring, replicaHoursPerMonth };
}

export function estimate(input: EstimateInput): Estimate {
  const catalog = input.catalog ?? loadCatalog(DEFAULT_CATALOG_ID);
  if (!(input.interviewsPerDay >= 0)) throw new RangeError(`interviews per day must be >= 0, got ${input.interviewsPerDay}`);
  const sizing = input.sizing ?? SEED_SIZING;
  const session = sessionParams(catalog, input.minutesPerInterview, input.session);
  const perInterview = sessionCost(catalog, session);
  const days = catalog.daysPerMonth;
  const capacity = planCapacity({
    interviewsPerDay: input.interviewsPerDay, minutesPerInterview: input.minutesPerInterview, peakHourFactor: input.peakHourFactor,
    busyHoursPerDay: catalog.infrastructure.mode === "metered" ? catalog.infrastructure.busyHoursPerDay.value : DEFAULT_BUSY_HOURS_PER_DAY,
    sessionsPerReplica: sizing.sessionsPerReplica, minReplicas: sizing.minReplicas, maxReplicas: sizing.maxReplicas,
    upstreamResources: input.upstreamResources ?? 1, rotateMinutes: input.rotateMinutes ?? 9,
  });
  const interviewsPerMonth = input.interviewsPerDay * days;
  const dailyApi = perInterview.total * input.interviewsPerDay;
  const monthlyApi = dailyApi * days;
  const infra = infrastructureCost(catalog, sizing, interviewsPerMonth, Math.min(capacity.replicasNeeded, sizing.maxReplicas), days);
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
const usd = (x: number) => `$${x.toFixed(x < 1 ? 4 : 2)}`;

/** The seed's printed figures next to what its own method gives (part 7's tables). */
export const SEED_PRINTED = {
  perHour: 0.34,
  perMinuteAudioIn: 0.06,
  perMinuteAudioOut: 0.12,
  table: [
    { interviewsPerDay: 100, daily: 1.7, monthly: 51 },
    { interviewsPerDay: 500, daily: 8.5, monthly: 255 },
    { interviewsPerDay: 1000, daily: 17, monthly: 510 },
    { interviewsPerDay: 5000, daily: 85, monthly: 2550 },
  ],
  totals: [
    { interviewsPerDay: 500, api: 255, infrastructure: 225, total: 480, perInterview: 0.032 },
    { interviewsPerDay: 1000, api: 510, infrastructure: 225, total: 735, perInterview: 0.025 },
    { interviewsPerDay: 5000, api: 2550, infrastructure: 450, total: 3000, perInterview: 0.02 },
  ],
};

export function seedDiscrepancies(catalog: Catalog): string[] {
  const hour = sessionCost(catalog, sessionParams(catalog, 60));
  const half = sessionCost(catalog, sessionParams(catalog, 30));
  const minuteIn = (catalog.model.audioInputTokensPerMinute * catalog.prices.audioInput.value) / 1e6;
  const minuteOut = (catalog.model.audioOutputTokensPerMinute * catalog.prices.audioOutput.value) / 1e6;
  const notes = [
    `seed: "$0.40 per 1M audio input tokens (~$${SEED_PRINTED.perMinuteAudioIn}/minute)": at ${catalog.model.audioInputTokensPerMinute} tokens/min that is ${usd(minuteIn)}/minute, not $${SEED_PRINTED.perMinuteAudioIn}`,
    `seed: "$0.80 per 1M audio output tokens (~$${SEED_PRINTED.perMinuteAudioOut}/minute)": at ${catalog.model.audioOutputTokensPerMinute} tokens/min that is ${usd(minuteOut)}/minute, not $${SEED_PRINTED.perMinuteAudioOut}`,
    `seed: per hour printed $${SEED_PRINTED.perHour}, its own method gives ${usd(hour.total)}`,
    `seed: audio token rates 1,500 in / 1,200 out per minute; Microsoft documents ~600 in / ~1,200 out (10 and 20 tokens/s of speech)`,
  ];
  for (const row of SEED_PRINTED.table) {
    const daily = half.total * row.interviewsPerDay;
    notes.push(`seed: ${row.interviewsPerDay} interviews/day x 30 min printed $${row.daily.toFixed(2)}/day and $${row.monthly}/month; its own method gives ${usd(daily)}/day and ${usd(daily * catalog.daysPerMonth)}/month (${(daily / row.daily).toFixed(1)}x)`);
  }
  for (const row of SEED_PRINTED.totals) {
    const api = half.total * row.interviewsPerDay * catalog.daysPerMonth;
    const total = api + row.infrastructure;
    const perInterview = total / (row.interviewsPerDay * catalog.daysPerMonth);
    notes.push(`seed: total at ${row.interviewsPerDay}/day printed $${row.total} ($${row.perInterview}/interview); with its own API method ${usd(total)} (${usd(perInterview)}/interview)`);
  }
  notes.push("seed: infrastructure doubles from $225 to $450 at 5,000/day with no sizing behind it; 5,000 x 30 min in 10 busy hours at a peak factor of 2 is ~500 concurrent sessions = 10 replicas at 50 each");
  notes.push(`seed: "At 1,000 interviews/day, PTU breaks even": with its own method 1,000/day costs ${usd(half.total * 1000 * catalog.daysPerMonth)}/month of API, so 1 PTU at $2,160 breaks even at ${Math.round(2160 / half.total / catalog.daysPerMonth)} interviews/day`);
  return notes;
}
