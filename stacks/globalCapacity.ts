/**
 * The capacity plan of a stack that runs in several regions at a stated peak of concurrent interviews:
 * ingress (Front Door profiles, Traffic Manager), replicas and cores per region with and without a lost
 * region, Redis per region, upstream resources per region by both of their quotas, a simulated day per
 * region, the composite availability, the quota increases to request and the cost. Pure: plain data in,
 * plain data out; every figure carries its arithmetic and its source. Azure's own figures come from
 * azureLiterals.ts, the proxy's from contracts/ and the service, prices from cost/ (never invented here).
 *
 * Region loss: the regions are sized so that the survivors carry the whole peak (each survivor its share
 * of the lost region's sessions, in proportion to the shares). Front Door and Traffic Manager are global.
 */
import { connectionsPerMinuteOf, type Upstream } from "../contracts/upstream";
import { instanceSessionLimit } from "../contracts/session";
import {
  budgetFromEstimate, catalogById, catalogForUpstream, estimate, meanMinutes, meanOpenSessions, arrivalsPerMinute,
  type Catalog, type DurationShare, type Estimate,
} from "../cost";
import {
  AZURE_OPENAI_REALTIME, CONTAINER_APPS_QUOTAS, FRONT_DOOR_LIMITS, MANAGED_REDIS_BALANCED, SLA, VOICE_LIVE_QUOTAS, type ManagedRedisSku,
} from "./azureLiterals";
import { DEFAULT_POLLING_SECONDS, simulateScaling } from "./scaleSimulation";

// ---- input -------------------------------------------------------------------------------------------

export interface GlobalRegion {
  /** Short name (`us`, `se`). */
  name: string;
  /** Azure location (`eastus2`): upstream entries are matched to a region by it. */
  location: string;
  /** Share of the peak and of the day's interviews (default: equal shares). */
  share?: number;
  /** Redis SKU the region runs (`Balanced_B1`). */
  redisSku: string;
  /** Hour (UTC) the region's business day starts: its arrival curve (cost/traffic.ts). Default 8. */
  busyStartHourUtc?: number;
}

/** An upstream entry as the stack lists it (contracts/upstream.ts), plus a raised token quota when support granted one. */
export type GlobalUpstream = Pick<Upstream, "name" | "kind" | "model" | "deployment" | "priority" | "connectionsPerMinute"> & {
  /** Azure location of the resource. */
  region: string;
  /** Tokens a minute this resource accepts, when raised from the kind's default. */
  tokensPerMinute?: number;
};

export interface GlobalCapacityInput {
  regions: GlobalRegion[];
  capacity: { peakConcurrentSessions: number; headroomPercent: number };
  interviewsPerDay: number;
  /** Interview lengths and their shares (the budget's `sessionMinutes`). */
  sessionMinutes: DurationShare[];
  /** The day's arrival curve (cost/traffic.ts defaults: 10 busy hours, busiest hour 2x the mean). */
  day?: { busyHoursPerDay?: number; peakHourFactor?: number };
  sessionsPerReplica: number;
  cpu: number;
  memoryGiB: number;
  minReplicasPerRegion: number;
  session: { maxMinutes: number; rotateMinutes: number };
  upstreams: GlobalUpstream[];
  redis?: {
    /** Azure Managed Redis high availability (replication); without it there is no SLA. Default true. */
    highAvailability?: boolean;
    /** Zone redundant (the default for a highly available cache in a region with zones). Default true. */
    zoneRedundant?: boolean;
    /**
     * Azure Managed Redis active geo-replication between the regions' caches instead of the proxy's own
     * copy of the resume state (service/src/registry/replication.ts, docs/resume-replication.md). Default
     * false: geo-replication needs B3 or larger and would replicate the open-sessions set each region's
     * KEDA rule counts.
     */
    geoReplication?: boolean;
  };
  /**
   * Resumes and failovers a session causes an hour (redeploys, scale-ins, dropped networks, upstream
   * failures): each opens a new upstream connection. Not measured: an ASSUMPTION, default 1.
   */
  resumesPerSessionHour?: number;
  /** Bytes of Redis one session's resume state takes; default the measured bound (see RESUME_BYTES_PER_SESSION). */
  resumeBytesPerSession?: number;
  /** The environment's current Consumption cores quota per region (default: the published default). */
  environmentCoresQuota?: number;
  /** Pricing catalog id; default: the catalog of the first top-priority upstream (cost/upstreams.ts). */
  catalogId?: string;
  /** Headroom on the monthly total for the budget (stacks' budget.headroomPercent). Default 20. */
  budgetHeadroomPercent?: number;
}

// ---- the proxy's own figures (from the service's code) ---------------------------------------------------

/**
 * Redis connections one proxy replica opens: one for the session registry and resume state
 * (service/src/registry/redis.ts, createRedisState: one `createClient`) and one for the shared windows of
 * the connection quota (service/src/server/connectionQuota.ts, createRedisWindow: one `createClient`).
 */
export const REDIS_CONNECTIONS_PER_REPLICA = 2;
/** KEDA's redis scaler (the open-sessions rule): one client per scale rule. ASSUMPTION (KEDA keeps one client per scaler; not measured). */
export const KEDA_REDIS_CONNECTIONS = 1;
/**
 * With more than one region, each proxy replica opens one more client to its own Redis and one to each
 * other region's Redis to copy resume state (service/src/registry/replication.ts: `local` and one
 * `redisClient` per peer URL).
 */
export const REPLICATION_CONNECTIONS_PER_REPLICA = { local: 1, perPeer: 1 } as const;
/** A session not heartbeated for this long leaves the registry (service/src/registry/redis.ts DEFAULT_REGISTRY_TTL_SECONDS). */
export const REGISTRY_TTL_SECONDS = 15;
/** The instance heartbeat (service/src/server/proxy.ts DEFAULT_PROXY_LIMITS.heartbeatMs). */
export const HEARTBEAT_SECONDS = 5;
/**
 * Key operations per session per heartbeat, counted in service/src/registry/redis.ts: the HEARTBEAT script
 * (ZSCORE, ZADD x 2, PEXPIRE, HSET, PEXPIRE = 6) and the REFRESH script (HMGET, PEXPIRE x 2 = 3).
 */
export const KEY_OPS_PER_SESSION_HEARTBEAT = 9;
/** Redis calls per replica per heartbeat: one HEARTBEAT and one REFRESH script (EVALSHA). */
export const COMMANDS_PER_REPLICA_HEARTBEAT = 2;
/** Key operations of one APPEND script (HMGET fence, RPUSH, HINCRBY, LLEN, PEXPIRE). */
export const KEY_OPS_PER_APPEND = 5;
/** Conversation items a turn writes: the candidate's transcript and the model's answer. */
export const ITEMS_PER_TURN = 2;
/**
 * Bytes of Redis one session's resume state takes at its bounds: 197,728 by MEMORY USAGE when filled to
 * the bounds (README, "Resume state is bounded in bytes": 128 KiB of items + 64 KiB of configuration,
 * measured with `REDIS_URL=... npm run bench:state`). The plan sizes Redis for full sessions.
 */
export const RESUME_BYTES_PER_SESSION = 197_728;
/**
 * A rotation or drain hands over at the next quiet point "or after 60 s" (docs/architecture.md,
 * Rotation): a rotation must start at least this long before the upstream's connection limit.
 */
export const ROTATION_HANDOVER_MINUTES = 1;
/** Rotation intervals whose quota cost the plan shows beside the stack's own. */
export const ROTATION_COMPARISON_MINUTES = [9, 30, 60] as const;

// ---- output ------------------------------------------------------------------------------------------

/** A derived figure: its value, the arithmetic, and where its inputs come from. */
export interface Derived {
  value: number;
  derivation: string;
  source: string;
}

export interface CapacityWarning {
  /** A stable name for the limit crossed (`containerApps.coresPerEnvironment`, `voiceLive.tokensPerMinute`, ...). */
  name: string;
  message: string;
}

export interface QuotaRequest {
  what: string;
  where: string;
  from: number | string;
  to: number | string;
  why: string;
}

export interface RegionLoad {
  sessions: Derived;
  replicas: Derived;
  vcpu: Derived;
  memoryGiB: Derived;
  /** Cores while a revision change overlaps the old and the new revision. */
  deployCores: Derived;
}

export interface RedisPlan {
  connections: { normal: Derived; regionLoss: Derived; deploy: Derived; limitFound: false; note: string };
  /** Sessions whose resume state the cache holds (its own, and the other regions' when geo-replicated). */
  sessionsHeld: Derived;
  memoryBytes: Derived;
  keyOpsPerSecond: Derived;
  commandsPerSecond: Derived;
  configuredSku: string;
  recommendedSku?: ManagedRedisSku;
  derivation: string;
}

export interface UpstreamLoad {
  sessions: number;
  startsPerMinute: Derived;
  rotationsPerMinute: Derived;
  resumesPerMinute: Derived;
  newConnectionsPerMinute: Derived;
  spokenTokensPerMinute: Derived;
  resentTokensPerMinute: Derived;
  /** Resources (at the per-resource quotas) each count asks for. */
  byConnections: number;
  bySpokenTokens?: number;
  byResentTokens?: number;
  /** Spoken tokens only (if re-sent, cached input does not count against the quota). */
  resourcesAtLeast: number;
  /** Re-sent input counted too (not documented either way). */
  resourcesAtMost: number;
}

export interface UpstreamPlan {
  entries: string[];
  kind: Upstream["kind"] | "none";
  quota: { connectionsPerMinute: number; tokensPerMinute?: number; source: string };
  normal: UpstreamLoad;
  regionLoss: UpstreamLoad;
  /** Connections a minute that rotation alone costs at other intervals (normal load). */
  rotationCost: Array<{ rotateMinutes: number; rotationsPerMinute: number; upperBound: number }>;
  /** The longest rotation interval the upstream's connection limit allows. */
  longestRotateMinutes: Derived;
}

export interface DaySimulation {
  interviewsPerDay: number;
  peakOpenSessions: number;
  peakReplicas: number;
  refusedSessions: number;
  maxReplicas: number;
}

/** One published Container Apps quota against what the region needs at its worst (a region lost, during a revision change). */
export interface QuotaCheck {
  quota: string;
  limit: number;
  adjustable: boolean;
  needed: number;
  fits: boolean;
  source: string;
}

export interface RegionPlan {
  name: string;
  location: string;
  share: number;
  normal: RegionLoad;
  regionLoss: RegionLoad;
  containerAppsQuotas: QuotaCheck[];
  redis: RedisPlan;
  upstreams: UpstreamPlan;
  day: { normal: DaySimulation; regionLoss: DaySimulation };
  availability: { layers: Array<{ layer: string; percent: number | undefined; source: string }>; percent?: number; derivation: string };
}

export interface GlobalCapacityPlan {
  designSessions: Derived;
  ingress: { webSockets: Derived; frontDoorProfiles: Derived; trafficManager: { needed: boolean; why: string } };
  /** The day's own busiest moment (mean open sessions over all regions' arrival curves) against the stated peak. */
  dailyVolumePeak: Derived;
  regions: RegionPlan[];
  availability: { percent?: number; derivation: string; formula: string; assumption: string };
  quotaRequests: QuotaRequest[];
  cost: { perRegion: Array<{ region: string; estimate: Estimate }>; dailyApi: number; monthlyApi: number; monthlyInfrastructure: number; monthlyTotal: number; budget: number; lines: string[]; unpriced: string[] };
  warnings: CapacityWarning[];
  assumptions: string[];
}

// ---- the plan ----------------------------------------------------------------------------------------

const int = (x: number) => Math.round(x).toLocaleString("en-US");
const num = (x: number, digits = 1) => Number(x.toFixed(digits)).toLocaleString("en-US");
const usd = (x: number) => `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const CA_QUOTAS = "Quotas for Azure Container Apps (learn.microsoft.com/azure/container-apps/quotas)";

function validate(input: GlobalCapacityInput): void {
  const problems: string[] = [];
  if (input.regions.length === 0) problems.push("regions: at least one region");
  if (new Set(input.regions.map((r) => r.name)).size !== input.regions.length) problems.push("regions: names must be unique");
  if (!(input.capacity.peakConcurrentSessions > 0)) problems.push("capacity.peakConcurrentSessions must be positive");
  if (!(input.capacity.headroomPercent >= 0)) problems.push("capacity.headroomPercent must be >= 0");
  if (!(input.interviewsPerDay >= 0)) problems.push("interviewsPerDay must be >= 0");
  if (!(input.sessionsPerReplica > 0 && input.cpu > 0 && input.memoryGiB > 0)) problems.push("sessionsPerReplica, cpu and memoryGiB must be positive");
  if (!(input.session.rotateMinutes > 0 && input.session.maxMinutes > 0)) problems.push("session.rotateMinutes and session.maxMinutes must be positive");
  const shares = input.sessionMinutes.reduce((a, d) => a + d.share, 0);
  if (input.sessionMinutes.length === 0 || Math.abs(shares - 1) > 1e-6) problems.push(`sessionMinutes: shares must sum to 1, got ${shares}`);
  for (const r of input.regions) if (r.share !== undefined && !(r.share > 0)) problems.push(`regions.${r.name}.share must be positive`);
  if (problems.length > 0) throw new RangeError(`global capacity input: ${problems.join("; ")}`);
}

/** Shares of the regions, normalized (equal when none is given). */
function regionShares(regions: GlobalRegion[]): number[] {
  const raw = regions.map((r) => r.share ?? 1);
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((s) => s / total);
}

function regionLoad(sessions: number, input: GlobalCapacityInput, why: string): RegionLoad {
  const spr = input.sessionsPerReplica;
  const replicas = Math.max(input.minReplicasPerRegion, Math.ceil(sessions / spr));
  const vcpu = replicas * input.cpu;
  return {
    sessions: { value: sessions, derivation: why, source: "capacity.peakConcurrentSessions and headroomPercent, regions' shares" },
    replicas: { value: replicas, derivation: `max(min ${input.minReplicasPerRegion}, ceil(${int(sessions)} / ${spr} sessions per replica)) = ${replicas}`, source: "sessionsPerReplica (measured: npm run bench, cost/capacity.ts MEASURED_CAPACITY)" },
    vcpu: { value: vcpu, derivation: `${replicas} x ${input.cpu} vCPU = ${num(vcpu, 2)}`, source: "stack cpu" },
    memoryGiB: { value: replicas * input.memoryGiB, derivation: `${replicas} x ${input.memoryGiB} GiB = ${num(replicas * input.memoryGiB, 2)}`, source: "stack memoryGiB" },
    deployCores: {
      value: 2 * vcpu,
      derivation: `2 x ${num(vcpu, 2)}: during a revision change the old revision's replicas stay active while they drain and the new revision scales to take their sessions, and the quota counts "each active replica of all revisions"`,
      source: CA_QUOTAS,
    },
  };
}

/** Per-session token rates from the cost model's estimate (the same session model that prices the interview). */
function tokenRates(e: Estimate): { spoken: number; resent: number } {
  const c = e.capacity;
  const sessions = Math.max(1, c.peakConcurrentSessions);
  return { spoken: c.spokenTokensPerMinute / sessions, resent: c.billedTokensPerMinute / sessions };
}

/** Rotations one interview of `minutes` makes: at rotate, 2 x rotate, ... strictly before it ends. */
export function rotationsPerInterview(minutes: number, rotateMinutes: number): number {
  return Math.max(0, Math.ceil(minutes / rotateMinutes) - 1);
}

function upstreamLoad(sessions: number, input: GlobalCapacityInput, rates: { spoken: number; resent: number }, quota: UpstreamPlan["quota"], rotateMinutes = input.session.rotateMinutes): UpstreamLoad {
  const mean = meanMinutes(input.sessionMinutes);
  const starts = sessions / mean;
  const perInterview = input.sessionMinutes.reduce((a, d) => a + d.share * rotationsPerInterview(d.minutes, rotateMinutes), 0);
  const rotations = starts * perInterview;
  const resumeRate = input.resumesPerSessionHour ?? 1;
  const resumes = (sessions * resumeRate) / 60;
  const connections = starts + rotations + resumes;
  const spoken = sessions * rates.spoken;
  const resent = sessions * rates.resent;
  const per = (demand: number, q?: number) => (q && q > 0 ? Math.max(1, Math.ceil(demand / q)) : undefined);
  const byConnections = per(connections, quota.connectionsPerMinute) ?? 1;
  const bySpokenTokens = per(spoken, quota.tokensPerMinute);
  const byResentTokens = per(resent, quota.tokensPerMinute);
  const resourcesAtLeast = Math.max(byConnections, bySpokenTokens ?? 1);
  const lengths = input.sessionMinutes.map((d) => `${d.share} x ${rotationsPerInterview(d.minutes, rotateMinutes)} (${d.minutes} min)`).join(" + ");
  return {
    sessions,
    startsPerMinute: { value: starts, derivation: `${int(sessions)} open / ${num(mean, 2)} min mean length = ${num(starts)} (Little's law at the peak)`, source: "sessionMinutes" },
    rotationsPerMinute: { value: rotations, derivation: `${num(starts)} starts x (${lengths}) = ${num(starts)} x ${num(perInterview, 3)} rotations an interview = ${num(rotations)} (upper bound ${int(sessions)} / ${rotateMinutes} = ${num(sessions / rotateMinutes)})`, source: "session.rotateMinutes; a rotation opens a new upstream connection (docs/architecture.md)" },
    resumesPerMinute: { value: resumes, derivation: `${int(sessions)} x ${resumeRate} a session-hour / 60 = ${num(resumes)}`, source: "ASSUMPTION: resumesPerSessionHour (drains, failovers, dropped networks)" },
    newConnectionsPerMinute: { value: connections, derivation: `${num(starts)} + ${num(rotations)} + ${num(resumes)} = ${num(connections)}`, source: "starts + rotations + resumes" },
    spokenTokensPerMinute: { value: spoken, derivation: `${int(sessions)} x ${num(rates.spoken)} tokens a session-minute = ${int(spoken)}`, source: "cost model: audio ~600 in / ~1,200 out a spoken minute and the transcript (cost/catalogs)" },
    resentTokensPerMinute: { value: resent, derivation: `${int(sessions)} x ${num(rates.resent)} tokens a session-minute = ${int(resent)}`, source: "cost model: every response's input (re-sent context, cached or not) and output (cost/session.ts)" },
    byConnections, bySpokenTokens, byResentTokens,
    resourcesAtLeast,
    resourcesAtMost: Math.max(resourcesAtLeast, byResentTokens ?? 1),
  };
}

function upstreamQuota(entries: GlobalUpstream[]): UpstreamPlan["quota"] & { kind: UpstreamPlan["kind"] } {
  const first = entries[0];
  if (!first) return { kind: "none", connectionsPerMinute: VOICE_LIVE_QUOTAS.newConnectionsPerMinute.value, tokensPerMinute: VOICE_LIVE_QUOTAS.tokensPerMinute.value, source: "no upstream entry in this region: Voice Live S0 defaults assumed" };
  const connectionsPerMinute = Math.min(...entries.map((u) => connectionsPerMinuteOf({ kind: u.kind, connectionsPerMinute: u.connectionsPerMinute })));
  if (first.kind === "voice-live") {
    const tokensPerMinute = Math.min(...entries.map((u) => u.tokensPerMinute ?? VOICE_LIVE_QUOTAS.tokensPerMinute.value));
    return { kind: "voice-live", connectionsPerMinute, tokensPerMinute, source: `Voice Live S0 per resource: ${VOICE_LIVE_QUOTAS.newConnectionsPerMinute.source}; ${VOICE_LIVE_QUOTAS.tokensPerMinute.source}` };
  }
  const tokensPerMinute = entries.every((u) => u.tokensPerMinute !== undefined) ? Math.min(...entries.map((u) => u.tokensPerMinute!)) : undefined;
  return { kind: "azure-openai", connectionsPerMinute, tokensPerMinute, source: "Azure OpenAI: a deployment's tokens a minute are set per deployment (entry tokensPerMinute); no documented rate of new realtime connections was found, the contracts' default (30) is used" };
}

function longestRotation(kind: UpstreamPlan["kind"]): Derived {
  const limit = kind === "azure-openai" ? AZURE_OPENAI_REALTIME.maxConnectionMinutes : VOICE_LIVE_QUOTAS.maxConnectionMinutes;
  const value = limit.value - ROTATION_HANDOVER_MINUTES;
  return { value, derivation: `${limit.value}-minute connection limit - ${ROTATION_HANDOVER_MINUTES} min for the handover (a rotation waits up to 60 s for a quiet point) = ${value}`, source: limit.source };
}

function redisPlan(region: GlobalRegion, normal: RegionLoad, loss: RegionLoad, designTotal: number, ownSessions: number, input: GlobalCapacityInput, turnsPerMinute: number, connectionsPerMinute: number, peerReplicasNormal: number): RedisPlan {
  // One region has no other cache to replicate to. Several: the proxy copies resume state itself unless
  // Azure's active geo-replication is chosen instead.
  const geo = (input.redis?.geoReplication ?? false) && input.regions.length > 1;
  const copied = !geo && input.regions.length > 1;
  const bytes = input.resumeBytesPerSession ?? RESUME_BYTES_PER_SESSION;
  const own = REDIS_CONNECTIONS_PER_REPLICA + (copied ? REPLICATION_CONNECTIONS_PER_REPLICA.local : 0);
  const conn = (replicas: number, peerReplicas: number, what: string): Derived => {
    const value = replicas * own + (copied ? peerReplicas * REPLICATION_CONNECTIONS_PER_REPLICA.perPeer : 0) + KEDA_REDIS_CONNECTIONS;
    const parts = [`${replicas} replicas x ${own}${copied ? ` (${REDIS_CONNECTIONS_PER_REPLICA} + ${REPLICATION_CONNECTIONS_PER_REPLICA.local} for copying resume state)` : ""}`];
    if (copied) parts.push(`${peerReplicas} other regions' replicas copying in x ${REPLICATION_CONNECTIONS_PER_REPLICA.perPeer}`);
    return {
      value,
      derivation: `${parts.join(" + ")} + ${KEDA_REDIS_CONNECTIONS} (KEDA) = ${value} (${what})`,
      source: "service/src/registry/redis.ts, service/src/server/connectionQuota.ts and service/src/registry/replication.ts: one client each per replica",
    };
  };
  // Geo-replicated, every cache holds every region's sessions; alone, its own (and the whole peak after a loss).
  const held = geo || copied ? Math.max(designTotal, loss.sessions.value) : Math.max(ownSessions, loss.sessions.value);
  const memory = held * bytes;
  const perSessionKeyOps = KEY_OPS_PER_SESSION_HEARTBEAT / HEARTBEAT_SECONDS + (ITEMS_PER_TURN * KEY_OPS_PER_APPEND * turnsPerMinute) / 60;
  const keyOps = held * perSessionKeyOps + (connectionsPerMinute / 60);
  const replicasWriting = loss.replicas.value;
  const commands = replicasWriting * (COMMANDS_PER_REPLICA_HEARTBEAT / HEARTBEAT_SECONDS) + (held * ITEMS_PER_TURN * turnsPerMinute) / 60 + connectionsPerMinute / 60;
  const usable = MANAGED_REDIS_BALANCED.usableFraction;
  const fits = (s: ManagedRedisSku) => s.memoryGB * 1e9 * usable >= memory && (!geo || s.geoReplication) && s.benchmarkGetsPerSecond >= keyOps;
  const recommendedSku = MANAGED_REDIS_BALANCED.skus.find(fits);
  return {
    connections: {
      normal: conn(normal.replicas.value, peerReplicasNormal, "normal"),
      regionLoss: conn(loss.replicas.value, 0, "the other region lost"),
      deploy: conn(2 * loss.replicas.value, 0, "a revision change during a region loss: both revisions' replicas"),
      limitFound: false,
      note: "no per-SKU client connection limit of Azure Managed Redis was found by search; Microsoft benchmarked the 0.5-6 GB Balanced sizes with 40 connections",
    },
    sessionsHeld: {
      value: held,
      derivation: geo || copied
        ? `every region's sessions (${geo ? "active geo-replication" : "its own and the copies of the other regions' resume state"}): ${int(held)}`
        : `its own sessions, the whole peak after a loss: max(${int(ownSessions)}, ${int(loss.sessions.value)}) = ${int(held)}`,
      source: geo ? "redis.geoReplication" : copied ? "service/src/registry/replication.ts (docs/resume-replication.md)" : "one region",
    },
    memoryBytes: { value: memory, derivation: `${int(held)} sessions x ${int(bytes)} bytes = ${num(memory / 1e9, 2)} GB`, source: input.resumeBytesPerSession !== undefined ? "resumeBytesPerSession (input)" : "RESUME_BYTES_PER_SESSION: MEMORY USAGE of a session filled to its bounds (README; contracts/resumeState.ts bounds)" },
    keyOpsPerSecond: {
      value: keyOps,
      derivation: `${int(held)} x (${KEY_OPS_PER_SESSION_HEARTBEAT} key ops / ${HEARTBEAT_SECONDS} s heartbeat (${REGISTRY_TTL_SECONDS / HEARTBEAT_SECONDS} per ${REGISTRY_TTL_SECONDS} s registry TTL) + ${ITEMS_PER_TURN} items x ${KEY_OPS_PER_APPEND} ops x ${turnsPerMinute} turns/min / 60) + ${num(connectionsPerMinute)} quota takes/min / 60 = ${int(keyOps)}`,
      source: "service/src/registry/redis.ts HEARTBEAT, REFRESH and APPEND scripts; the cost model's turns a minute",
    },
    commandsPerSecond: {
      value: commands,
      derivation: `${replicasWriting} replicas x ${COMMANDS_PER_REPLICA_HEARTBEAT} scripts / ${HEARTBEAT_SECONDS} s + ${int(held)} x ${ITEMS_PER_TURN} appends x ${turnsPerMinute}/min / 60 + ${num(connectionsPerMinute)}/60 = ${int(commands)}`,
      source: "service/src/server/proxy.ts (one heartbeat and one refresh per replica every 5 s)",
    },
    configuredSku: region.redisSku,
    recommendedSku,
    derivation: recommendedSku
      ? `smallest Balanced SKU with ${usable * 100}% of its memory >= ${num(memory / 1e9, 2)} GB${geo ? ", active geo-replication" : ""} and Microsoft's benchmark >= ${int(keyOps)} ops/s: ${recommendedSku.sku} (${recommendedSku.memoryGB} GB, ${int(recommendedSku.benchmarkGetsPerSecond)} GET/s)`
      : `no Balanced SKU up to ${MANAGED_REDIS_BALANCED.skus[MANAGED_REDIS_BALANCED.skus.length - 1].sku} holds ${num(memory / 1e9, 2)} GB at ${usable * 100}%`,
  };
}

function simulateDay(interviewsPerDay: number, input: GlobalCapacityInput, region: GlobalRegion, maxReplicas: number): DaySimulation {
  const s = simulateScaling({
    day: { interviewsPerDay, busyHoursPerDay: input.day?.busyHoursPerDay, peakHourFactor: input.day?.peakHourFactor, busyStartHour: region.busyStartHourUtc },
    minutesPerInterview: meanMinutes(input.sessionMinutes),
    minReplicas: input.minReplicasPerRegion, maxReplicas,
    httpConcurrentRequests: input.sessionsPerReplica, sessionsPerReplica: input.sessionsPerReplica,
    maxSessionsPerInstance: instanceSessionLimit(input.sessionsPerReplica), pollingSeconds: DEFAULT_POLLING_SECONDS,
  });
  return { interviewsPerDay, peakOpenSessions: s.peakOpenSessions, peakReplicas: s.peakReplicas, refusedSessions: s.refusedSessions, maxReplicas };
}

function regionAvailability(input: GlobalCapacityInput): RegionPlan["availability"] {
  const ha = input.redis?.highAvailability ?? true;
  const zones = ha && (input.redis?.zoneRedundant ?? true);
  const redis = ha ? (zones ? SLA.managedRedisZoneRedundant : SLA.managedRedisHa) : undefined;
  const layers = [
    { layer: "Container Apps", percent: SLA.containerApps.value as number | undefined, source: SLA.containerApps.source },
    { layer: `Azure Managed Redis (${ha ? (zones ? "high availability, zone redundant" : "high availability") : "no high availability"})`, percent: redis?.value as number | undefined, source: redis?.source ?? "reliability-managed-redis.md: without high availability there is no SLA" },
    { layer: "Key Vault", percent: SLA.keyVault.value as number | undefined, source: SLA.keyVault.source },
    { layer: "Voice Live / Azure OpenAI resource (Azure AI services)", percent: SLA.aiServices.value as number | undefined, source: SLA.aiServices.source },
  ];
  if (layers.some((l) => l.percent === undefined)) {
    return { layers, derivation: "a layer has no SLA (Azure Managed Redis without high availability): the region's availability is not covered", percent: undefined };
  }
  const product = layers.reduce((a, l) => a * (l.percent! / 100), 1);
  return { layers, percent: product * 100, derivation: `${layers.map((l) => `${l.percent}%`).join(" x ")} = ${(product * 100).toFixed(4)}%` };
}

export function planGlobalCapacity(input: GlobalCapacityInput): GlobalCapacityPlan {
  validate(input);
  const warnings: CapacityWarning[] = [];
  const quotaRequests: QuotaRequest[] = [];
  const shares = regionShares(input.regions);
  const n = input.regions.length;
  const { peakConcurrentSessions: peak, headroomPercent } = input.capacity;
  const design = Math.ceil(peak * (1 + headroomPercent / 100));
  const designSessions: Derived = { value: design, derivation: `ceil(${int(peak)} x (1 + ${headroomPercent}%)) = ${int(design)}`, source: "capacity.peakConcurrentSessions, capacity.headroomPercent" };

  // 1. Ingress: every interview is one WebSocket through Front Door, whichever region serves it.
  const perProfile = FRONT_DOOR_LIMITS.webSocketsPerProfile.value;
  const profiles = Math.ceil(design / perProfile);
  const ingress = {
    webSockets: { value: design, derivation: `one WebSocket per interview at the peak with headroom: ${int(design)}`, source: designSessions.source },
    frontDoorProfiles: { value: profiles, derivation: `ceil(${int(design)} / ${int(perProfile)} WebSockets per profile) = ${profiles}`, source: FRONT_DOOR_LIMITS.webSocketsPerProfile.source },
    trafficManager: profiles > 1
      ? { needed: true, why: `${profiles} Front Door profiles: a Traffic Manager profile (weighted, one endpoint per Front Door profile) spreads clients over them; no region loss changes this (the profiles are global)` }
      : { needed: false, why: `one Front Door profile holds ${int(design)} WebSockets (<= ${int(perProfile)})` },
  };
  if (profiles > FRONT_DOOR_LIMITS.profilesPerSubscription.value) warnings.push({ name: "frontDoor.profilesPerSubscription", message: `${profiles} Front Door profiles exceed ${FRONT_DOOR_LIMITS.profilesPerSubscription.value} per subscription` });
  if (profiles > 1) {
    warnings.push({ name: "frontDoor.webSocketsPerProfile", message: `${int(design)} WebSockets exceed one Front Door profile's ${int(perProfile)}: ${profiles} profiles behind Traffic Manager (or ask support whether the per-profile limit can be raised)` });
  }

  // The pricing catalog and the per-session token rates (the cost model's session model).
  const top = Math.min(...input.upstreams.map((u) => u.priority));
  const catalog: Catalog = input.catalogId ? catalogById(input.catalogId) : catalogForUpstream(input.upstreams.find((u) => u.priority === top) ?? input.upstreams[0]);
  const durations = input.sessionMinutes;
  const mean = meanMinutes(durations);

  const regions: RegionPlan[] = [];
  const perRegionCost: Array<{ region: string; estimate: Estimate }> = [];
  const unpriced: string[] = [];
  const currentCores = input.environmentCoresQuota ?? CONTAINER_APPS_QUOTAS.coresPerEnvironment.value;

  input.regions.forEach((region, i) => {
    const share = shares[i];
    const own = Math.ceil(design * share);
    const lossSessions = n === 1 ? own : Math.max(...input.regions.map((_, lost) => (lost === i ? 0 : Math.ceil((design * share) / (1 - shares[lost])))));
    const normal = regionLoad(own, input, `ceil(${int(design)} x ${num(share, 3)} share) = ${int(own)}`);
    const loss = regionLoad(lossSessions, input, n === 1
      ? "one region: nothing to fail over to"
      : `the survivors carry the whole ${int(design)}: ceil(${int(design)} x ${num(share, 3)} / (1 - the lost region's share)) = ${int(lossSessions)}`);

    // Container Apps quotas: cores per environment (adjustable), replicas per revision, cores per replica.
    const needCores = loss.deployCores.value;
    if (loss.vcpu.value > currentCores) {
      warnings.push({ name: "containerApps.coresPerEnvironment", message: `${region.name}: ${num(loss.vcpu.value, 2)} cores with the other region lost exceed the environment's ${currentCores}-core quota: the region cannot hold its share of ${int(peak)}` });
    } else if (needCores > currentCores) {
      warnings.push({ name: "containerApps.coresPerEnvironment", message: `${region.name}: a revision change during a region loss needs ${num(needCores, 2)} cores, over the environment's ${currentCores}-core quota` });
    }
    // A quota the stack declares raised is still a request until support grants it: listed, not checked.
    if (currentCores > CONTAINER_APPS_QUOTAS.coresPerEnvironment.value) {
      quotaRequests.push({ what: "Container Apps Consumption cores per environment (declared raised in the stack: capacity.environmentCoresQuota)", where: `${region.location} (${region.name})`, from: CONTAINER_APPS_QUOTAS.coresPerEnvironment.value, to: currentCores, why: `${loss.replicas.value} replicas x ${input.cpu} vCPU with the other region lost, twice during a revision change: ${num(needCores, 2)}; the plan assumes ${currentCores} is granted` });
    }
    if (needCores > currentCores) {
      const to = Math.min(CONTAINER_APPS_QUOTAS.coresPerEnvironmentMax.value, Math.ceil(needCores / 50) * 50);
      quotaRequests.push({ what: "Container Apps Consumption cores per environment (adjustable; the environment's Quota page / az containerapp env list-usages)", where: `${region.location} (${region.name})`, from: currentCores, to, why: `${loss.replicas.value} replicas x ${input.cpu} vCPU with the other region lost, twice during a revision change: ${num(needCores, 2)} (rounded up to a multiple of 50)` });
      if (needCores > CONTAINER_APPS_QUOTAS.coresPerEnvironmentMax.value) warnings.push({ name: "containerApps.coresPerEnvironmentMax", message: `${region.name}: ${num(needCores, 2)} cores exceed the ${CONTAINER_APPS_QUOTAS.coresPerEnvironmentMax.value} an environment can be raised to: split over environments` });
    }
    if (loss.replicas.value > CONTAINER_APPS_QUOTAS.replicasPerRevision.value) {
      warnings.push({ name: "containerApps.replicasPerRevision", message: `${region.name}: ${loss.replicas.value} replicas exceed the ${CONTAINER_APPS_QUOTAS.replicasPerRevision.value} a revision can be configured with (not adjustable): more sessions per replica or more apps` });
    }
    if (input.cpu > CONTAINER_APPS_QUOTAS.coresPerReplica.value) warnings.push({ name: "containerApps.coresPerReplica", message: `${input.cpu} vCPU per replica exceed ${CONTAINER_APPS_QUOTAS.coresPerReplica.value}` });

    // The region's cost and session model at its share of the day (also the token rates).
    const regionDaily = input.interviewsPerDay * share;
    const regionUpstreams = input.upstreams.filter((u) => u.region === region.location);
    let e: Estimate | undefined;
    try {
      e = estimate({
        catalog, interviewsPerDay: Math.max(regionDaily, 1), durations, rotateMinutes: input.session.rotateMinutes, upstreamResources: Math.max(1, regionUpstreams.length),
        busyHoursPerDay: input.day?.busyHoursPerDay, peakHourFactor: input.day?.peakHourFactor,
        sizing: { minReplicas: input.minReplicasPerRegion, maxReplicas: loss.replicas.value, sessionsPerReplica: input.sessionsPerReplica, cpu: input.cpu, memoryGiB: input.memoryGiB, redisSku: region.redisSku, frontDoor: true },
      });
    } catch (error) {
      // A Redis SKU without a sourced price: the region is priced with the cheapest priced SKU instead, and says so.
      unpriced.push(`${region.name}: ${(error as Error).message}; this region's Redis is priced as Balanced_B0 instead`);
      e = estimate({
        catalog, interviewsPerDay: Math.max(regionDaily, 1), durations, rotateMinutes: input.session.rotateMinutes, upstreamResources: Math.max(1, regionUpstreams.length),
        busyHoursPerDay: input.day?.busyHoursPerDay, peakHourFactor: input.day?.peakHourFactor,
        sizing: { minReplicas: input.minReplicasPerRegion, maxReplicas: loss.replicas.value, sessionsPerReplica: input.sessionsPerReplica, cpu: input.cpu, memoryGiB: input.memoryGiB, redisSku: "Balanced_B0", frontDoor: true },
      });
    }
    if (regionDaily > 0) perRegionCost.push({ region: region.name, estimate: e });
    const rates = tokenRates(e);

    // Upstreams: both quotas, normal and with the other region lost.
    const q = upstreamQuota(regionUpstreams);
    const quota = { connectionsPerMinute: q.connectionsPerMinute, tokensPerMinute: q.tokensPerMinute, source: q.source };
    const upNormal = upstreamLoad(own, input, rates, quota);
    const upLoss = upstreamLoad(lossSessions, input, rates, quota);
    const have = regionUpstreams.length;
    if (have === 0) warnings.push({ name: "upstreams.region", message: `${region.name}: no upstream entry in ${region.location}` });
    const limitName = q.kind === "azure-openai" ? "azureOpenAI" : "voiceLive";
    // Raises the entries declare, one request per raise and the entries that share it.
    const raises = new Map<string, QuotaRequest>();
    const declare = (what: string, from: number, to: number, entry: string) => {
      const key = `${what}:${to}`;
      const known = raises.get(key);
      if (known) known.where += `, ${entry}`;
      else raises.set(key, { what, where: `${region.location}: ${entry}`, from, to, why: "the plan assumes support grants it" });
    };
    for (const u of regionUpstreams) {
      const defaultConnections = connectionsPerMinuteOf({ kind: u.kind });
      if ((u.connectionsPerMinute ?? defaultConnections) > defaultConnections) declare(`${u.kind} new connections a minute (declared raised in the stack entry)`, defaultConnections, u.connectionsPerMinute!, u.name);
      if (u.kind === "voice-live" && (u.tokensPerMinute ?? 0) > VOICE_LIVE_QUOTAS.tokensPerMinute.value) declare("voice-live tokens a minute (declared raised in the stack entry)", VOICE_LIVE_QUOTAS.tokensPerMinute.value, u.tokensPerMinute!, u.name);
    }
    quotaRequests.push(...raises.values());
    if (upLoss.byConnections > have) {
      warnings.push({ name: `${limitName}.newConnectionsPerMinute`, message: `${region.name}: ${int(upLoss.newConnectionsPerMinute.value)} new upstream connections a minute with the other region lost need ${upLoss.byConnections} resources at ${quota.connectionsPerMinute} a minute each; the region has ${have}` });
      quotaRequests.push({ what: `${q.kind} new connections a minute per resource (adjustable by support request)`, where: `${region.location}: ${regionUpstreams.map((u) => u.name).join(", ") || "(no entry)"}`, from: quota.connectionsPerMinute, to: Math.ceil(upLoss.newConnectionsPerMinute.value / Math.max(1, have)), why: `${int(upLoss.newConnectionsPerMinute.value)} a minute (${upLoss.newConnectionsPerMinute.derivation}) over ${Math.max(1, have)} resource(s); or ${upLoss.byConnections} resources at the default` });
    }
    if (upLoss.bySpokenTokens !== undefined && upLoss.bySpokenTokens > have) {
      warnings.push({ name: `${limitName}.tokensPerMinute`, message: `${region.name}: ${int(upLoss.spokenTokensPerMinute.value)} spoken tokens a minute with the other region lost need ${upLoss.bySpokenTokens} resources at ${int(quota.tokensPerMinute!)} each; the region has ${have}` });
    }
    if (upLoss.byResentTokens !== undefined && upLoss.byResentTokens > have) {
      warnings.push({ name: `${limitName}.tokensPerMinute.resent`, message: `${region.name}: if re-sent (cached) input counts against the quota (not documented), ${int(upLoss.resentTokensPerMinute.value)} tokens a minute need ${upLoss.byResentTokens} resources at ${int(quota.tokensPerMinute!)} each` });
    }
    if (quota.tokensPerMinute !== undefined && (upLoss.bySpokenTokens ?? 0) > have) {
      quotaRequests.push({ what: `${q.kind} tokens a minute per resource (adjustable by support request)`, where: `${region.location}: ${regionUpstreams.map((u) => u.name).join(", ") || "(no entry)"}`, from: quota.tokensPerMinute, to: `${Math.ceil(upLoss.spokenTokensPerMinute.value / Math.max(1, have))} (spoken only) to ${Math.ceil(upLoss.resentTokensPerMinute.value / Math.max(1, have))} (re-sent input counted)`, why: `${int(upLoss.spokenTokensPerMinute.value)} - ${int(upLoss.resentTokensPerMinute.value)} tokens a minute with the other region lost over ${Math.max(1, have)} resource(s); or ${upLoss.resourcesAtLeast} - ${upLoss.resourcesAtMost} resources at the default` });
    }
    if (q.kind === "azure-openai" && quota.tokensPerMinute === undefined) warnings.push({ name: "azureOpenAI.tokensPerMinute", message: `${region.name}: the Azure OpenAI deployments' tokens a minute are not given: the token quota is not checked` });
    const rotateLimit = longestRotation(q.kind);
    if (input.session.rotateMinutes > rotateLimit.value) {
      warnings.push({ name: `${limitName}.maxConnectionMinutes`, message: `${region.name}: rotation every ${input.session.rotateMinutes} min is longer than the ${rotateLimit.value} the upstream's connection limit allows (${rotateLimit.derivation})` });
    }
    const rotationCost = [...new Set([...ROTATION_COMPARISON_MINUTES, input.session.rotateMinutes])].sort((a, b) => a - b).map((m) => {
      const l = upstreamLoad(own, input, rates, quota, m);
      return { rotateMinutes: m, rotationsPerMinute: l.rotationsPerMinute.value, upperBound: own / m };
    });

    // Redis.
    const peerReplicasNormal = input.regions.reduce((sum, _, j) => (j === i ? sum : sum + regionLoad(Math.ceil(design * shares[j]), input, "").replicas.value), 0);
    const redis = redisPlan(region, normal, loss, design, own, input, e.input.session.turnsPerMinute, upLoss.newConnectionsPerMinute.value, peerReplicasNormal);
    if (!redis.recommendedSku) warnings.push({ name: "redis.memory", message: `${region.name}: ${redis.derivation}` });
    else {
      const configured = MANAGED_REDIS_BALANCED.skus.find((s) => s.sku === region.redisSku);
      if (!configured || configured.memoryGB < redis.recommendedSku.memoryGB) {
        warnings.push({ name: "redis.sku", message: `${region.name}: ${region.redisSku} is below the ${redis.recommendedSku.sku} the plan needs (${redis.derivation})` });
      }
    }
    if ((input.redis?.geoReplication ?? false) && n > 1) {
      warnings.push({ name: "redis.geoReplication.registry", message: `${region.name}: with active geo-replication the open-sessions set (voice:sessions) holds every region's sessions, so each region's KEDA rule would count both; replicate the resume state only (a separate database), or scale on a per-region key` });
    }

    // A simulated day at the region's share, and the survivor's day with the whole volume on its curve.
    const dayNormal = simulateDay(regionDaily, input, region, loss.replicas.value);
    const dayLoss = simulateDay(n === 1 ? regionDaily : input.interviewsPerDay * (lossSessions / design), input, region, loss.replicas.value);
    if (dayNormal.refusedSessions > 0.5 || dayLoss.refusedSessions > 0.5) {
      warnings.push({ name: "containerApps.simulatedDay", message: `${region.name}: the simulated day refuses ${int(dayNormal.refusedSessions)} (normal) / ${int(dayLoss.refusedSessions)} (other region lost) sessions at replicas.max ${loss.replicas.value}` });
    }

    const containerAppsQuotas: QuotaCheck[] = [
      { quota: "Consumption cores per environment", limit: currentCores, adjustable: true, needed: needCores, fits: needCores <= currentCores, source: CONTAINER_APPS_QUOTAS.coresPerEnvironment.source },
      { quota: "replicas per revision (configurable maximum)", limit: CONTAINER_APPS_QUOTAS.replicasPerRevision.value, adjustable: false, needed: loss.replicas.value, fits: loss.replicas.value <= CONTAINER_APPS_QUOTAS.replicasPerRevision.value, source: CONTAINER_APPS_QUOTAS.replicasPerRevision.source },
      { quota: "cores per replica", limit: CONTAINER_APPS_QUOTAS.coresPerReplica.value, adjustable: false, needed: input.cpu, fits: input.cpu <= CONTAINER_APPS_QUOTAS.coresPerReplica.value, source: CONTAINER_APPS_QUOTAS.coresPerReplica.source },
    ];
    regions.push({
      name: region.name, location: region.location, share, normal, regionLoss: loss, containerAppsQuotas, redis,
      upstreams: { entries: regionUpstreams.map((u) => u.name), kind: q.kind, quota, normal: upNormal, regionLoss: upLoss, rotationCost, longestRotateMinutes: rotateLimit },
      day: { normal: dayNormal, regionLoss: dayLoss },
      availability: regionAvailability(input),
    });
  });

  // The day's own busiest moment over every region's curve, against the stated peak.
  const open = new Array<number>(24 * 60).fill(0);
  input.regions.forEach((r, i) => {
    const arrivals = arrivalsPerMinute({ interviewsPerDay: input.interviewsPerDay * shares[i], busyHoursPerDay: input.day?.busyHoursPerDay, peakHourFactor: input.day?.peakHourFactor, busyStartHour: r.busyStartHourUtc });
    for (const d of durations) meanOpenSessions(arrivals, d.minutes).forEach((x, t) => (open[t] += d.share * x));
  });
  const dayPeak = Math.max(...open);
  const dailyVolumePeak: Derived = { value: dayPeak, derivation: `${int(input.interviewsPerDay)} interviews a day over the regions' arrival curves (${input.regions.map((r) => `${r.name} from ${r.busyStartHourUtc ?? 8}:00 UTC`).join(", ")}): at most ${int(dayPeak)} open at once (mean)`, source: "cost/traffic.ts arrivalsPerMinute, meanOpenSessions" };
  if (dayPeak > peak) warnings.push({ name: "capacity.peakConcurrentSessions", message: `the day's ${int(input.interviewsPerDay)} interviews bring ${int(dayPeak)} open sessions at their busiest (mean), above the stated peak of ${int(peak)}` });

  // Composite availability: serial layers per region, regions in parallel, the global layers in series.
  const regionPercents = regions.map((r) => r.availability.percent);
  const globalLayers = [{ layer: "Front Door", percent: SLA.frontDoor.value as number }, ...(ingress.trafficManager.needed ? [{ layer: "Traffic Manager", percent: SLA.trafficManager.value as number }] : [])];
  const formula = "A = A_frontDoor x A_trafficManager (when more than one profile) x (1 - (1 - A_region)^n), A_region = product of the region's layers";
  let availability: GlobalCapacityPlan["availability"];
  if (regionPercents.some((p) => p === undefined)) {
    availability = { percent: undefined, derivation: "a region's layer has no SLA (Azure Managed Redis without high availability)", formula, assumption: "independent failures" };
  } else {
    const down = regionPercents.reduce<number>((acc, p) => acc * (1 - (p ?? 0) / 100), 1);
    const g = globalLayers.reduce<number>((acc, l) => acc * (l.percent / 100), 1);
    const a = g * (1 - down);
    availability = {
      percent: a * 100,
      derivation: `${globalLayers.map((l) => `${l.layer} ${l.percent}%`).join(" x ")} x (1 - ${regionPercents.map((p) => `(1 - ${p!.toFixed(4)}%)`).join(" x ")}) = ${(a * 100).toFixed(4)}%`,
      formula,
      assumption: "regions fail independently, and any one region carries the whole peak (the region-loss sizing above); a failure of one Front Door profile takes its share of clients with it (counted as the Front Door layer)",
    };
  }

  // Cost: each region's estimate at its share of the day; Front Door's base fee counted per profile, not per region.
  const fdBase = (e: Estimate) => e.monthly.infrastructureBreakdown.frontDoorBase;
  const dailyApi = perRegionCost.reduce((a, r) => a + r.estimate.daily.api, 0);
  const monthlyApi = perRegionCost.reduce((a, r) => a + r.estimate.monthly.api, 0);
  const perProfileBase = perRegionCost[0] ? fdBase(perRegionCost[0].estimate) : 0;
  const monthlyInfrastructure = perRegionCost.reduce((a, r) => a + r.estimate.monthly.infrastructure - fdBase(r.estimate), 0) + profiles * perProfileBase;
  const monthlyTotal = monthlyApi + monthlyInfrastructure;
  const budgetHeadroom = input.budgetHeadroomPercent ?? 20;
  const budget = Math.ceil(monthlyTotal * (1 + budgetHeadroom / 100));
  const costLines = [
    ...perRegionCost.flatMap((r) => budgetFromEstimate(r.estimate, budgetHeadroom).lines.slice(0, 4).map((l) => `${r.region}: ${l}`)),
    `Front Door base: ${profiles} profile(s) x $${perProfileBase.toFixed(2)} a month (the regions' estimates each counted one)`,
    `API ${usd(dailyApi)} a day, ${usd(monthlyApi)} a month; infrastructure ${usd(monthlyInfrastructure)} a month; total ${usd(monthlyTotal)} + ${budgetHeadroom}% headroom = $${budget.toLocaleString("en-US")}`,
  ];
  if (ingress.trafficManager.needed) unpriced.push("Traffic Manager: no sourced price in the catalogs");
  for (const r of regions) {
    const sku = r.redis.recommendedSku?.sku;
    if (sku && sku !== r.redis.configuredSku && !(catalog.infrastructure.mode === "metered" && catalog.infrastructure.redisMonthly[sku])) {
      unpriced.push(`${r.name}: Redis ${sku} (recommended) has no sourced price in the catalog; the cost uses the configured ${r.redis.configuredSku}`);
    }
  }

  const assumptions = [
    `the peak splits over the regions by their shares (${input.regions.map((r, i) => `${r.name} ${num(shares[i] * 100, 1)}%`).join(", ")}); after a loss the survivors carry the whole peak`,
    `new upstream connections: starts by Little's law at the peak (open sessions / mean length ${num(mean, 2)} min), rotations as the service makes them, and ${input.resumesPerSessionHour ?? 1} resume or failover per session-hour (not measured)`,
    "each region's sessions use the upstream entries in its own location",
    `Redis is sized for sessions at their resume-state bounds (${int(input.resumeBytesPerSession ?? RESUME_BYTES_PER_SESSION)} bytes each); typical interviews hold less`,
    "a revision change can keep the old and the new revision's replicas active at once (twice the cores)",
    "the survivor's simulated day puts the lost region's interviews on the survivor's own arrival curve (more concentrated than two time zones: conservative)",
  ];
  return {
    designSessions, ingress, dailyVolumePeak, regions, availability, quotaRequests,
    cost: { perRegion: perRegionCost, dailyApi, monthlyApi, monthlyInfrastructure, monthlyTotal, budget, lines: costLines, unpriced },
    warnings, assumptions,
  };
}

// ---- printing ----------------------------------------------------------------------------------------

/** The plan as the lines `npm run plan` prints. */
export function formatGlobalCapacity(plan: GlobalCapacityPlan): string {
  const out: string[] = [];
  const line = (s = "") => out.push(s);
  line(`Global capacity: ${int(plan.designSessions.value)} concurrent interviews designed for (${plan.designSessions.derivation})`);
  line(`  day's own peak: ${plan.dailyVolumePeak.derivation}`);
  line("Ingress");
  line(`  WebSockets at the peak: ${int(plan.ingress.webSockets.value)}`);
  line(`  Front Door profiles: ${plan.ingress.frontDoorProfiles.value} (${plan.ingress.frontDoorProfiles.derivation})`);
  line(`  Traffic Manager: ${plan.ingress.trafficManager.needed ? "needed" : "not needed"}: ${plan.ingress.trafficManager.why}`);
  for (const r of plan.regions) {
    line(`Region ${r.name} (${r.location}), ${num(r.share * 100, 1)}% of the peak`);
    for (const [label, load] of [["normal", r.normal], ["other region lost", r.regionLoss]] as const) {
      line(`  ${label}: ${int(load.sessions.value)} sessions (${load.sessions.derivation}); replicas ${load.replicas.derivation}; ${load.vcpu.derivation} vCPU, ${load.memoryGiB.derivation}; during a revision change ${num(load.deployCores.value, 2)} cores`);
    }
    line(`  Container Apps quotas: ${r.containerAppsQuotas.map((q) => `${q.quota} ${int(q.limit)} (${q.adjustable ? "adjustable" : "not adjustable"}): needs ${num(q.needed, 2)}${q.fits ? "" : " - SHORT"}`).join("; ")}`);
    const rd = r.redis;
    line(`  Redis: connections ${rd.connections.normal.value} normal, ${rd.connections.regionLoss.value} region lost, ${rd.connections.deploy.value} during a revision change (${rd.connections.note})`);
    line(`    memory ${rd.memoryBytes.derivation} (${rd.sessionsHeld.derivation}); ${rd.keyOpsPerSecond.derivation} key ops/s; ${int(rd.commandsPerSecond.value)} commands/s`);
    line(`    configured ${rd.configuredSku}; ${rd.derivation}`);
    const u = r.upstreams;
    line(`  Upstreams (${u.kind}: ${u.entries.join(", ") || "none"}; ${u.quota.connectionsPerMinute} new connections${u.quota.tokensPerMinute !== undefined ? ` and ${int(u.quota.tokensPerMinute)} tokens` : ""} a minute per resource)`);
    for (const [label, l] of [["normal", u.normal], ["other region lost", u.regionLoss]] as const) {
      line(`    ${label}: new connections/min ${l.newConnectionsPerMinute.derivation} [starts ${l.startsPerMinute.derivation}; rotations ${l.rotationsPerMinute.derivation}; resumes ${l.resumesPerMinute.derivation}]`);
      line(`      tokens/min spoken ${l.spokenTokensPerMinute.derivation}; with re-sent input ${l.resentTokensPerMinute.derivation}`);
      line(`      resources: ${l.byConnections} by connections, ${l.bySpokenTokens ?? "?"} by spoken tokens, ${l.byResentTokens ?? "?"} counting re-sent input: ${l.resourcesAtLeast} to ${l.resourcesAtMost} (the region has ${u.entries.length})`);
    }
    line(`    rotation's cost (normal): ${u.rotationCost.map((c) => `every ${c.rotateMinutes} min ${num(c.rotationsPerMinute)}/min (<= ${num(c.upperBound)})`).join("; ")}; longest interval ${u.longestRotateMinutes.derivation}`);
    line(`  Simulated day: ${int(r.day.normal.interviewsPerDay)} interviews, peak ${int(r.day.normal.peakOpenSessions)} open, ${r.day.normal.peakReplicas} replicas (max ${r.day.normal.maxReplicas}), ${int(r.day.normal.refusedSessions)} refused; other region lost: ${int(r.day.regionLoss.interviewsPerDay)} interviews, peak ${int(r.day.regionLoss.peakOpenSessions)} open, ${r.day.regionLoss.peakReplicas} replicas, ${int(r.day.regionLoss.refusedSessions)} refused`);
    line(`  Availability: ${r.availability.layers.map((l) => `${l.layer} ${l.percent === undefined ? "no SLA" : `${l.percent}%`}`).join(", ")}: ${r.availability.derivation}`);
  }
  line(`Availability: ${plan.availability.percent === undefined ? "not covered" : `${plan.availability.percent.toFixed(4)}%`}: ${plan.availability.derivation}`);
  line(`  ${plan.availability.formula}; assuming ${plan.availability.assumption}`);
  line("Quota increases to request");
  if (plan.quotaRequests.length === 0) line("  none");
  for (const q of plan.quotaRequests) line(`  ${q.what}, ${q.where}: ${typeof q.from === "number" ? int(q.from) : q.from} -> ${typeof q.to === "number" ? int(q.to) : q.to} (${q.why})`);
  line("Cost");
  for (const l of plan.cost.lines) line(`  ${l}`);
  for (const u of plan.cost.unpriced) line(`  not priced: ${u}`);
  line("Warnings");
  if (plan.warnings.length === 0) line("  none");
  for (const w of plan.warnings) line(`  [${w.name}] ${w.message}`);
  line("Assumptions");
  for (const a of plan.assumptions) line(`  ${a}`);
  return out.join("\n");
}

// ---- from a stack's configuration ----------------------------------------------------------------------

/** The parts of a stack's configuration the plan reads (the `regions` and `capacity` keys of a multi-region stack). */
export interface GlobalStackConfig {
  location: string;
  regions?: Array<{ name: string; location: string; busyStartHourUtc?: number }>;
  capacity?: { peakConcurrentSessions: number; headroomPercent: number; environmentCoresQuota?: number };
  replicas: { min: number; max: number };
  sessionsPerReplica: number;
  cpu: number;
  memoryGiB: number;
  session: { maxMinutes: number; rotateMinutes: number };
  upstreams: Array<Omit<GlobalUpstream, "region" | "tokensPerMinute"> & { region?: string; tokensPerMinute?: number }>;
  redis: { sku: string };
  budget: { interviewsPerDay?: number; minutesPerInterview?: number; sessionMinutes?: DurationShare[]; catalog?: string; headroomPercent: number };
}

/**
 * The plan's input from a stack's configuration; undefined when the stack declares no `capacity`.
 * `busyStartHourUtc` gives each region's business day (by region name): the configuration does not say
 * where the users are, so without it every region's day starts at 08:00 UTC (the cost model's default).
 */
export function globalCapacityInputFrom(config: GlobalStackConfig, options: { busyStartHourUtc?: Record<string, number>; resumesPerSessionHour?: number } = {}): GlobalCapacityInput | undefined {
  if (!config.capacity) return undefined;
  const regions = config.regions ?? [{ name: config.location, location: config.location }];
  const b = config.budget;
  const sessionMinutes = b.sessionMinutes ?? [{ minutes: b.minutesPerInterview ?? config.session.maxMinutes, share: 1 }];
  return {
    regions: regions.map((r) => ({ name: r.name, location: r.location, redisSku: config.redis.sku, busyStartHourUtc: options.busyStartHourUtc?.[r.name] ?? r.busyStartHourUtc })),
    capacity: { peakConcurrentSessions: config.capacity.peakConcurrentSessions, headroomPercent: config.capacity.headroomPercent },
    environmentCoresQuota: config.capacity.environmentCoresQuota,
    interviewsPerDay: b.interviewsPerDay ?? 0,
    sessionMinutes,
    sessionsPerReplica: config.sessionsPerReplica, cpu: config.cpu, memoryGiB: config.memoryGiB,
    minReplicasPerRegion: config.replicas.min,
    session: { maxMinutes: config.session.maxMinutes, rotateMinutes: config.session.rotateMinutes },
    upstreams: config.upstreams.map((u) => ({ ...u, region: u.region ?? config.location })),
    catalogId: b.catalog,
    budgetHeadroomPercent: b.headroomPercent,
    resumesPerSessionHour: options.resumesPerSessionHour,
  };
}
