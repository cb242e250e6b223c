/**
 * The global capacity plan against figures derived by hand (the arithmetic is in the comments), for the
 * global stack (two regions, 10,000 concurrent interviews, 100,000 a day), a one-region stack, and
 * peaks that cross a quota. Azure's figures are typed here from their sources (azureLiterals.ts cites them).
 */
import { estimate, catalogById } from "../cost";
import { FRONT_DOOR_MAX_WEBSOCKETS } from "../cost/capacity";
import { FRONT_DOOR_LIMITS, VOICE_LIVE_QUOTAS } from "./azureLiterals";
import type { StackConfig } from "./config";
import { DEFAULT_REGISTRY_TTL_SECONDS } from "../service/src/registry/redis";
import { DEFAULT_PROXY_LIMITS } from "../service/src/server/proxy";
import { formatGlobalCapacity, globalCapacityInputFrom, HEARTBEAT_SECONDS, planGlobalCapacity, REGISTRY_TTL_SECONDS, rotationsPerInterview, RESUME_BYTES_PER_SESSION, type GlobalCapacityInput } from "./globalCapacity";

/** The global stack: eastus2 `us` (business day from 13:00 UTC = 08:00 EST) and swedencentral `se` (07:00 UTC = 08:00 CET). */
const global: GlobalCapacityInput = {
  regions: [
    { name: "us", location: "eastus2", redisSku: "Balanced_B1", busyStartHourUtc: 13 },
    { name: "se", location: "swedencentral", redisSku: "Balanced_B1", busyStartHourUtc: 7 },
  ],
  capacity: { peakConcurrentSessions: 10_000, headroomPercent: 20 },
  interviewsPerDay: 100_000,
  sessionMinutes: [{ minutes: 30, share: 0.7 }, { minutes: 45, share: 0.3 }],
  sessionsPerReplica: 233, cpu: 1, memoryGiB: 2, minReplicasPerRegion: 2,
  session: { maxMinutes: 45, rotateMinutes: 9 },
  upstreams: [
    { name: "us", region: "eastus2", kind: "voice-live", model: "gpt-realtime", priority: 1 },
    { name: "se", region: "swedencentral", kind: "voice-live", model: "gpt-realtime", priority: 1 },
  ],
};

const names = (plan: ReturnType<typeof planGlobalCapacity>) => plan.warnings.map((w) => w.name);

describe("the global stack: 2 regions, 10,000 concurrent, 100,000 a day", () => {
  const plan = planGlobalCapacity(global);
  const us = plan.regions.find((r) => r.name === "us")!;

  test("ingress: 12,000 WebSockets need 4 Front Door profiles and Traffic Manager", () => {
    // 10,000 x 1.2 = 12,000 at the peak with headroom; ceil(12,000 / 3,000) = 4 profiles; > 1 profile: Traffic Manager.
    expect(plan.designSessions.value).toBe(12_000);
    expect(plan.ingress.webSockets.value).toBe(12_000);
    expect(plan.ingress.frontDoorProfiles.value).toBe(4);
    expect(plan.ingress.trafficManager.needed).toBe(true);
    expect(names(plan)).toContain("frontDoor.webSocketsPerProfile");
  });

  test("per region: 6,000 sessions on 26 replicas, 12,000 on 52 with the other region lost", () => {
    // Normal: 12,000 x 0.5 = 6,000; 233 x 25 = 5,825 < 6,000 <= 233 x 26 = 6,058: 26 replicas, 26 vCPU, 52 GiB.
    expect([us.normal.sessions.value, us.normal.replicas.value, us.normal.vcpu.value, us.normal.memoryGiB.value]).toEqual([6_000, 26, 26, 52]);
    // Region lost: the survivor carries 12,000; 233 x 51 = 11,883 < 12,000 <= 233 x 52 = 12,116: 52 replicas, 52 vCPU, 104 GiB.
    expect([us.regionLoss.sessions.value, us.regionLoss.replicas.value, us.regionLoss.vcpu.value, us.regionLoss.memoryGiB.value]).toEqual([12_000, 52, 52, 104]);
  });

  test("Container Apps: 52 cores fit the 100-core default, but a revision change during a region loss needs 104: request 150", () => {
    expect(us.regionLoss.deployCores.value).toBe(104); // 2 x 52
    const w = plan.warnings.filter((x) => x.name === "containerApps.coresPerEnvironment");
    expect(w.map((x) => x.message.slice(0, 3))).toEqual(["us:", "se:"]);
    expect(w[0].message).toMatch(/revision change during a region loss needs 104 cores, over the environment's 100-core quota/);
    expect(us.containerAppsQuotas.map((q) => [q.quota, q.limit, q.adjustable, q.needed, q.fits])).toEqual([
      ["Consumption cores per environment", 100, true, 104, false],
      ["replicas per revision (configurable maximum)", 1000, false, 52, true],
      ["cores per replica", 4, false, 1, true],
    ]);
    const requests = plan.quotaRequests.filter((q) => q.what.startsWith("Container Apps"));
    // 104 rounded up to a multiple of 50 = 150, within the 5,000 maximum.
    expect(requests.map((q) => [q.where, q.from, q.to])).toEqual([["eastus2 (us)", 100, 150], ["swedencentral (se)", 100, 150]]);
  });

  test("Redis: connections, memory of every region's sessions, key operations, and Balanced_B5", () => {
    // 3 connections a replica (registry + connection-quota windows + copying resume state), 1 from each of
    // the other region's 26 replicas copying in, + 1 for KEDA. With the other region lost nothing copies in.
    expect(us.redis.connections.normal.value).toBe(26 * 3 + 26 + 1); // 105
    expect(us.redis.connections.regionLoss.value).toBe(52 * 3 + 1); // 157
    expect(us.redis.connections.deploy.value).toBe(104 * 3 + 1); // 313
    // The proxy copies resume state to the other region: each cache holds all 12,000 sessions x 197,728 bytes
    // = 2,372,736,000 bytes (2.37 GB).
    expect(us.redis.sessionsHeld.value).toBe(12_000);
    expect(us.redis.memoryBytes.value).toBe(2_372_736_000);
    // B3: 3 GB x 75% = 2.25 GB < 2.37 GB; B5: 6 GB x 75% = 4.5 GB, geo-replication yes: B5.
    expect(us.redis.recommendedSku?.sku).toBe("Balanced_B5");
    // 12,000 x (9 / 5 + 2 x 5 x 1 / 60) = 12,000 x 1.96667 = 23,600, + 1,695.65 quota takes a minute / 60 = 28.26: 23,628.26.
    expect(us.redis.keyOpsPerSecond.value).toBeCloseTo(23_628.26, 1);
    expect(names(plan)).toContain("redis.sku");
    // The proxy's copy replicates resume state only, not the open-sessions set KEDA counts.
    expect(names(plan)).not.toContain("redis.geoReplication.registry");
  });

  test("Redis with Azure's active geo-replication instead: no proxy copy connections, the registry warning", () => {
    const geo = planGlobalCapacity({ ...global, redis: { geoReplication: true } });
    expect(geo.regions[0].redis.connections.normal.value).toBe(26 * 2 + 1); // 53
    expect(geo.regions[0].redis.sessionsHeld.value).toBe(12_000);
    expect(geo.regions[0].redis.recommendedSku?.geoReplication).toBe(true);
    expect(names(geo)).toContain("redis.geoReplication.registry");
  });

  test("upstreams: new connections a minute, starts + rotations + resumes", () => {
    // Starts: 6,000 / 34.5 min = 173.913; rotations every 9 min: 30 min -> 3 (9, 18, 27), 45 min -> 4 (9, 18, 27, 36):
    // 0.7 x 3 + 0.3 x 4 = 3.3 an interview, 173.913 x 3.3 = 573.913; resumes 6,000 x 1 / 60 = 100. Total 847.826.
    const n = us.upstreams.normal;
    expect(n.startsPerMinute.value).toBeCloseTo(173.913, 3);
    expect(n.rotationsPerMinute.value).toBeCloseTo(573.913, 3);
    expect(n.resumesPerMinute.value).toBeCloseTo(100, 9);
    expect(n.newConnectionsPerMinute.value).toBeCloseTo(847.826, 3);
    expect(n.byConnections).toBe(29); // 847.826 / 30 = 28.26
    // Other region lost: twice each, 1,695.652 a minute: ceil(/ 30) = 57 resources.
    expect(us.upstreams.regionLoss.newConnectionsPerMinute.value).toBeCloseTo(1_695.652, 3);
    expect(us.upstreams.regionLoss.byConnections).toBe(57);
  });

  test("upstreams: tokens a minute, spoken and with the re-sent context, against 100,000 per resource", () => {
    // Spoken a session-minute: 0.55 x 600 (candidate audio) + 0.20 x (1,200 audio + 200 transcript) = 610.
    expect(us.upstreams.normal.spokenTokensPerMinute.value).toBeCloseTo(6_000 * 610, 6); // 3,660,000
    expect(us.upstreams.normal.bySpokenTokens).toBe(37); // 36.6
    expect(us.upstreams.regionLoss.bySpokenTokens).toBe(74); // 7,320,000 / 100,000 = 73.2
    // Re-sent: the cost model's tokens a session-minute (npm run cost -- --stack prod prints 6,281 per session).
    const e = estimate({ catalog: catalogById("voice-live-gpt-realtime"), interviewsPerDay: 50_000, durations: global.sessionMinutes, rotateMinutes: 9 });
    const perSession = e.capacity.billedTokensPerMinute / e.capacity.peakConcurrentSessions;
    expect(Math.round(perSession)).toBe(6_281);
    expect(us.upstreams.normal.resentTokensPerMinute.value).toBeCloseTo(6_000 * perSession, 3);
    expect(us.upstreams.regionLoss.byResentTokens).toBe(Math.ceil((12_000 * perSession) / 100_000)); // 754
    expect(us.upstreams.regionLoss.resourcesAtLeast).toBe(74); // max(57 by connections, 74 by spoken tokens)
    expect(names(plan)).toEqual(expect.arrayContaining(["voiceLive.newConnectionsPerMinute", "voiceLive.tokensPerMinute", "voiceLive.tokensPerMinute.resent"]));
  });

  test("rotation's quota cost at 9, 30 and 60 minutes, and the longest interval Voice Live allows", () => {
    // 30 min: only the 45-minute interviews rotate once (at 30): 0.3 x 173.913 = 52.174; 60 min: no interview lasts that long.
    const cost = Object.fromEntries(us.upstreams.rotationCost.map((c) => [c.rotateMinutes, c.rotationsPerMinute]));
    expect(cost[9]).toBeCloseTo(573.913, 3);
    expect(cost[30]).toBeCloseTo(52.174, 3);
    expect(cost[60]).toBe(0);
    expect(us.upstreams.rotationCost.find((c) => c.rotateMinutes === 9)!.upperBound).toBeCloseTo(6_000 / 9, 6);
    // A Voice Live connection lasts at most 60 minutes; a rotation may wait 1 minute for a quiet point: 59.
    expect(us.upstreams.longestRotateMinutes.value).toBe(59);
  });

  test("a simulated day per region refuses nothing, normal and with the other region lost", () => {
    // 50,000 a day on one region's curve peaks near 5,780 open; 100,000 near 11,560, under 52 replicas x 350 (hard limit).
    expect(us.day.normal.interviewsPerDay).toBe(50_000);
    expect(us.day.normal.refusedSessions).toBeCloseTo(0, 6);
    expect(us.day.regionLoss.interviewsPerDay).toBe(100_000);
    expect(us.day.regionLoss.refusedSessions).toBeCloseTo(0, 6);
    expect(us.day.regionLoss.peakReplicas).toBeLessThanOrEqual(52);
    // Two time zones six hours apart: the day's own busiest moment stays under the stated 10,000.
    expect(plan.dailyVolumePeak.value).toBeLessThan(10_000);
    expect(names(plan)).not.toContain("containerApps.simulatedDay");
  });

  test("composite availability: layers in series per region, regions in parallel, global layers in series", () => {
    // Region: 99.95% x 99.99% (Redis HA, zone redundant) x 99.99% x 99.9% = 0.998300810.
    const region = 0.9995 * 0.9999 * 0.9999 * 0.999;
    expect(us.availability.percent! / 100).toBeCloseTo(region, 12);
    // Global: 99.99% (Front Door) x 99.99% (Traffic Manager) x (1 - (1 - 0.998300810)^2) = 0.999797123.
    expect(plan.availability.percent! / 100).toBeCloseTo(0.9999 * 0.9999 * (1 - (1 - region) ** 2), 12);
    expect(plan.availability.percent! / 100).toBeCloseTo(0.999797123, 9);
  });

  test("cost: each region's estimate at half the day, Front Door's base fee per profile", () => {
    const e = estimate({ catalog: catalogById("voice-live-gpt-realtime"), interviewsPerDay: 50_000, durations: global.sessionMinutes, rotateMinutes: 9 });
    expect(plan.cost.dailyApi).toBeCloseTo(2 * e.daily.api, 6);
    expect(plan.cost.perRegion.map((r) => r.region)).toEqual(["us", "se"]);
    const base = plan.cost.perRegion[0].estimate.monthly.infrastructureBreakdown.frontDoorBase;
    expect(base).toBe(35); // Front Door Standard's base fee in the catalog
    const regionsInfra = plan.cost.perRegion.reduce((a, r) => a + r.estimate.monthly.infrastructure, 0);
    expect(plan.cost.monthlyInfrastructure).toBeCloseTo(regionsInfra - 2 * 35 + 4 * 35, 6);
    expect(plan.cost.budget).toBe(Math.ceil(plan.cost.monthlyTotal * 1.2));
    // The catalog carries Balanced_B5 as an assumption (scaled from B1); Traffic Manager is not priced.
    expect(plan.cost.unpriced.join("\n")).toMatch(/Traffic Manager: no sourced price/);
    expect(plan.cost.unpriced.join("\n")).not.toMatch(/Balanced_B5/);
  });

  test("the printed plan names every section and the quota requests", () => {
    const text = formatGlobalCapacity(plan);
    for (const part of ["Front Door profiles: 4", "Traffic Manager: needed", "Region us (eastus2)", "Region se (swedencentral)", "Balanced_B5", "Quota increases to request", "100 -> 150", "[containerApps.coresPerEnvironment]", "Availability: 99.9797%"]) {
      expect(text).toContain(part);
    }
  });
});

test("changing rotateMinutes moves new connections by exactly the rotations it removes", () => {
  const at9 = planGlobalCapacity(global).regions[0].upstreams.normal;
  const at30 = planGlobalCapacity({ ...global, session: { maxMinutes: 45, rotateMinutes: 30 } }).regions[0].upstreams.normal;
  // 173.913 x 3.3 = 573.913 at 9 min; 173.913 x 0.3 = 52.174 at 30 min: 521.739 fewer a minute, starts and resumes unchanged.
  expect(at9.newConnectionsPerMinute.value - at30.newConnectionsPerMinute.value).toBeCloseTo(173.913 * 3.0, 3);
  expect(at30.newConnectionsPerMinute.value).toBeCloseTo(173.913 + 52.174 + 100, 3);
  expect(at30.byConnections).toBe(11); // 326.087 / 30 = 10.87
  expect(rotationsPerInterview(45, 30)).toBe(1);
  expect(rotationsPerInterview(30, 30)).toBe(0);
});

test("one region at 2,500 with 20% headroom: one Front Door profile, no Traffic Manager, no region to lose", () => {
  const plan = planGlobalCapacity({
    ...global,
    regions: [{ name: "us", location: "eastus2", redisSku: "Balanced_B1" }],
    capacity: { peakConcurrentSessions: 2_500, headroomPercent: 20 },
    interviewsPerDay: 20_000,
    upstreams: [global.upstreams[0]],
  });
  // 2,500 x 1.2 = 3,000 <= 3,000 per profile.
  expect(plan.ingress.frontDoorProfiles.value).toBe(1);
  expect(plan.ingress.trafficManager.needed).toBe(false);
  const r = plan.regions[0];
  // 233 x 12 = 2,796 < 3,000 <= 3,029: 13 replicas; the lost-region case is the same region.
  expect([r.normal.replicas.value, r.regionLoss.replicas.value]).toEqual([13, 13]);
  expect(names(plan)).not.toContain("containerApps.coresPerEnvironment"); // 26 cores even during a deploy
  // No other cache to replicate to: B1 (1 GB x 75% = 0.75 GB >= 3,000 x 197,728 = 0.593 GB) is enough.
  expect(r.redis.memoryBytes.value).toBe(3_000 * 197_728);
  expect(r.redis.recommendedSku?.sku).toBe("Balanced_B1");
  expect(names(plan)).not.toContain("redis.geoReplication.registry");
  // Availability without Traffic Manager: Front Door x the one region.
  expect(plan.availability.percent! / 100).toBeCloseTo(0.9999 * 0.9995 * 0.9999 * 0.9999 * 0.999, 12);
  // 20,000 a day peaks near 2,313 open (below 2,500): nothing refused at 13 replicas.
  expect(plan.dailyVolumePeak.value).toBeLessThan(2_500);
  expect(r.day.normal.refusedSessions).toBeCloseTo(0, 6);
  // 3,000 / 34.5 x (1 + 3.3) + 50 = 423.9 new connections a minute: 15 Voice Live resources at 30.
  expect(r.upstreams.normal.byConnections).toBe(15);
});

test("a peak the environment's cores cannot hold is named, with the quota increase that fixes it", () => {
  const plan = planGlobalCapacity({ ...global, capacity: { peakConcurrentSessions: 60_000, headroomPercent: 20 }, interviewsPerDay: 600_000 });
  // 72,000 with one region lost: ceil(72,000 / 233) = 310 replicas, 310 cores > 100: the region cannot hold it.
  const us = plan.regions[0];
  expect(us.regionLoss.replicas.value).toBe(310);
  const w = plan.warnings.find((x) => x.name === "containerApps.coresPerEnvironment")!;
  expect(w.message).toMatch(/310 cores with the other region lost exceed the environment's 100-core quota: the region cannot hold its share of 60,000/);
  // 2 x 310 = 620 during a revision change, rounded up to 650.
  expect(plan.quotaRequests.find((q) => q.what.startsWith("Container Apps"))).toMatchObject({ from: 100, to: 650 });
  // The same peak with a raised quota is no longer short.
  const raised = planGlobalCapacity({ ...global, capacity: { peakConcurrentSessions: 60_000, headroomPercent: 20 }, interviewsPerDay: 600_000, environmentCoresQuota: 650 });
  expect(names(raised)).not.toContain("containerApps.coresPerEnvironment");
  // Still a request until granted: listed as declared, from the published default.
  expect(raised.quotaRequests.filter((q) => q.what.startsWith("Container Apps")).map((q) => [q.from, q.to, /declared raised/.test(q.what)])).toEqual([[100, 650, true], [100, 650, true]]);
});

test("more replicas than a revision can be configured with is named", () => {
  // 72,000 / 50 sessions per replica = 1,440 > 1,000.
  const plan = planGlobalCapacity({ ...global, capacity: { peakConcurrentSessions: 60_000, headroomPercent: 20 }, interviewsPerDay: 600_000, sessionsPerReplica: 50 });
  expect(plan.regions[0].regionLoss.replicas.value).toBe(1_440);
  expect(names(plan)).toContain("containerApps.replicasPerRevision");
});

test("a sizing too small for the day refuses sessions in the simulated day; the stated 10,000 refuses none", () => {
  // Both regions on one curve (08:00 UTC): 100,000 a day bring ~11,565 open at their busiest, above a stated 5,000.
  const sameZone = { ...global, regions: global.regions.map((r) => ({ ...r, busyStartHourUtc: 8 })) };
  const small = planGlobalCapacity({ ...sameZone, capacity: { peakConcurrentSessions: 5_000, headroomPercent: 20 } });
  // 6,000 with a region lost: 26 replicas x 350 (1.5 x 233) = 9,100 hard limit, below the survivor's ~11,565.
  expect(small.regions[0].regionLoss.replicas.value).toBe(26);
  expect(small.regions[0].day.regionLoss.refusedSessions).toBeGreaterThan(100);
  expect(names(small)).toEqual(expect.arrayContaining(["capacity.peakConcurrentSessions", "containerApps.simulatedDay"]));
  const enough = planGlobalCapacity({ ...sameZone, capacity: { peakConcurrentSessions: 10_000, headroomPercent: 20 } });
  expect(enough.regions[0].day.regionLoss.refusedSessions).toBeCloseTo(0, 6);
  expect(names(enough)).not.toContain("containerApps.simulatedDay");
});

test("Redis without high availability has no SLA: the composite is not covered", () => {
  const plan = planGlobalCapacity({ ...global, redis: { highAvailability: false, geoReplication: false } });
  expect(plan.regions[0].availability.percent).toBeUndefined();
  expect(plan.availability.percent).toBeUndefined();
  // Not geo-replicated: a cache holds its own sessions, the whole peak after a loss (12,000).
  expect(plan.regions[0].redis.sessionsHeld.value).toBe(12_000);
});

test("Azure OpenAI upstreams: 30-minute sessions limit rotation to 29 minutes; a longer one is named", () => {
  const aoai = { ...global, upstreams: global.upstreams.map((u) => ({ ...u, kind: "azure-openai" as const, model: undefined, deployment: "gpt-realtime" })) };
  expect(planGlobalCapacity(aoai).regions[0].upstreams.longestRotateMinutes.value).toBe(29);
  const plan = planGlobalCapacity({ ...aoai, session: { maxMinutes: 45, rotateMinutes: 40 } });
  expect(names(plan)).toEqual(expect.arrayContaining(["azureOpenAI.maxConnectionMinutes", "azureOpenAI.tokensPerMinute"]));
});

test("a Redis SKU the catalogs do not price is said to be unpriced, not priced silently", () => {
  const plan = planGlobalCapacity({ ...global, regions: global.regions.map((r) => ({ ...r, redisSku: "Balanced_B10" })) });
  expect(plan.cost.unpriced.filter((u) => /no price for Redis SKU "Balanced_B10".*priced as Balanced_B0 instead/.test(u))).toHaveLength(2);
});

test("bad input is refused naming every problem", () => {
  expect(() => planGlobalCapacity({ ...global, regions: [], sessionMinutes: [{ minutes: 30, share: 0.5 }] })).toThrow(/regions: at least one region; .*sessionMinutes: shares must sum to 1/);
});

test("the plan's Azure figures agree with the cost model's copy; the resume-state bound is the measured one", () => {
  expect(FRONT_DOOR_MAX_WEBSOCKETS).toBe(FRONT_DOOR_LIMITS.webSocketsPerProfile.value);
  expect(VOICE_LIVE_QUOTAS.tokensPerMinute.value).toBe(catalogById("voice-live-gpt-realtime").quota!.tokensPerMinute!.value);
  expect(VOICE_LIVE_QUOTAS.newConnectionsPerMinute.value).toBe(catalogById("voice-live-gpt-realtime").quota!.newConnectionsPerMinute!.value);
  // The service's own heartbeat and registry TTL.
  expect(HEARTBEAT_SECONDS * 1000).toBe(DEFAULT_PROXY_LIMITS.heartbeatMs);
  expect(REGISTRY_TTL_SECONDS).toBe(DEFAULT_REGISTRY_TTL_SECONDS);
  // README: MEMORY USAGE of a session filled to its bounds.
  expect(RESUME_BYTES_PER_SESSION).toBe(197_728);
});

test("from a stack's configuration: the global stack file's shape (8 Voice Live resources a region, one Redis SKU)", () => {
  const upstream = (name: string, region: string) => ({ name, region, kind: "voice-live" as const, model: "gpt-realtime", priority: 1 });
  const config = {
    location: "eastus2",
    regions: [{ name: "us", location: "eastus2" }, { name: "se", location: "swedencentral" }],
    capacity: { peakConcurrentSessions: 10_000, headroomPercent: 20 },
    replicas: { min: 2, max: 52 }, sessionsPerReplica: 233, cpu: 1, memoryGiB: 2,
    session: { maxMinutes: 45, rotateMinutes: 9 },
    upstreams: [1, 2, 3, 4, 5, 6, 7, 8].flatMap((i) => [upstream(`us${i}`, "eastus2"), upstream(`se${i}`, "swedencentral")]),
    redis: { sku: "Balanced_B1" },
    budget: { interviewsPerDay: 100_000, sessionMinutes: global.sessionMinutes, headroomPercent: 20 },
  };
  expect(globalCapacityInputFrom({ ...config, capacity: undefined })).toBeUndefined();
  // A parsed stack configuration is accepted as it is (type check): single-region stacks give no plan.
  const typed: (c: StackConfig) => GlobalCapacityInput | undefined = (c) => globalCapacityInputFrom(c);
  expect(typeof typed).toBe("function");
  const plan = planGlobalCapacity(globalCapacityInputFrom(config)!);
  const us = plan.regions[0];
  expect(us.upstreams.entries).toHaveLength(8);
  // 8 resources carry 8 x 30 = 240 new connections a minute: the 1,695.65 with a region lost need 1,695.65 / 8 = 212 each.
  expect(plan.quotaRequests.find((q) => q.what.startsWith("voice-live new connections") && q.where.startsWith("eastus2"))).toMatchObject({ from: 30, to: 212 });
  // Tokens: 7,320,000 spoken / 8 = 915,000 a minute per resource (re-sent input counted: 12,000 x 6,281 / 8).
  expect(String(plan.quotaRequests.find((q) => q.what.startsWith("voice-live tokens") && q.where.startsWith("eastus2"))!.to)).toMatch(/^915000 \(spoken only\) to 94213\d\d \(re-sent input counted\)$/);
  // Without the regions' business hours every day starts at 08:00 UTC: the day's 100,000 then peak above the stated 10,000.
  expect(plan.dailyVolumePeak.value).toBeGreaterThan(10_000);
  expect(plan.warnings.map((w) => w.name)).toContain("capacity.peakConcurrentSessions");
  const zoned = planGlobalCapacity(globalCapacityInputFrom(config, { busyStartHourUtc: { us: 13, se: 7 } })!);
  expect(zoned.dailyVolumePeak.value).toBeLessThan(10_000);
  // docs/capacity.md prints this plan: REPORT_FIGURES=1 npx jest stacks/globalCapacity.test.ts -t configuration
  if (process.env.REPORT_FIGURES) console.log(`${formatGlobalCapacity(plan)}\n\nWith the business days from 13:00 (us) and 07:00 UTC (se):\n${formatGlobalCapacity(zoned)}`);
});
