/** The regions' pure rules, on hand-computed values; and the config boundary's errors for them. */
import { readStackFile, parseStackConfig, StackConfigError } from "./config";
import { derivedAddressSpace, frontDoorProfileCount, regionLossReplicas, regionNetworkLayout, regionPrivateEndpoints, regionRegistryExtraAddresses, regionUpstreams, regionWarnings, stackRegions } from "./regions";
import { KEY_VAULT_REDUNDANCY } from "./azureLiterals";
import { globalNames, regionVaultName } from "./names";
import { trafficManagerFailoverSeconds, TRAFFIC_MANAGER_SETTINGS } from "./trafficManager";
import { baseInfrastructure, networkLayout, networkMonthlyCost, networkPrices, registrySku } from "./networkSizing";
import { regionsCost } from "./sizing";
import { catalogById } from "../cost";

const globalRaw = () => readStackFile("global") as Record<string, unknown> & { regions: Array<Record<string, unknown>> };
const problems = (raw: Record<string, unknown>): string[] => {
  try {
    parseStackConfig("global", raw);
    return [];
  } catch (error) {
    return (error as StackConfigError).problems.map((p) => `${p.path}: ${p.reason}`);
  }
};

test("Front Door profiles: ceil(peak x (1 + headroom) / 3,000); one without a declared peak", () => {
  expect(frontDoorProfileCount(undefined)).toBe(1);
  expect(frontDoorProfileCount({ peakConcurrentSessions: 10_000, headroomPercent: 20 })).toBe(4); // 12,000 / 3,000
  expect(frontDoorProfileCount({ peakConcurrentSessions: 2_500, headroomPercent: 20 })).toBe(1); // 3,000 exactly
  expect(frontDoorProfileCount({ peakConcurrentSessions: 2_501, headroomPercent: 20 })).toBe(2); // 3,001.2
  expect(frontDoorProfileCount({ peakConcurrentSessions: 9_000, headroomPercent: 0 })).toBe(3);
});

test("region loss: one region carries the whole peak with headroom", () => {
  expect(regionLossReplicas({ peakConcurrentSessions: 10_000, headroomPercent: 20 }, 233)).toBe(52); // 12,000 / 233 = 51.5
  expect(regionLossReplicas({ peakConcurrentSessions: 1_000, headroomPercent: 0 }, 250)).toBe(4);
});

test("address spaces: the first region's as configured, the others shifted by their own size", () => {
  expect(derivedAddressSpace("10.60.0.0/22", 1)).toBe("10.60.4.0/22");
  expect(derivedAddressSpace("10.60.0.0/22", 4)).toBe("10.60.16.0/22");
  expect(derivedAddressSpace("10.0.0.0/16", 2)).toBe("10.2.0.0/16");
  const regions = stackRegions({ location: "eastus2", network: { enabled: true, addressSpace: "10.60.0.0/22", registryPushCidrs: [] }, regions: [{ name: "us", location: "eastus2" }, { name: "se", location: "swedencentral", addressSpace: "10.70.0.0/22" }, { name: "uk", location: "uksouth" }] });
  expect(regions.map((r) => [r.name, r.suffix, r.addressSpace, r.primary])).toEqual([["us", "", "10.60.0.0/22", true], ["se", "-se", "10.70.0.0/22", false], ["uk", "-uk", "10.60.8.0/22", false]]);
  // Without `regions`: one region at the stack's location, no suffix.
  expect(stackRegions({ location: "australiaeast", network: { enabled: false, addressSpace: "10.60.0.0/22", registryPushCidrs: [] } }).map((r) => [r.name, r.location, r.suffix])).toEqual([["main", "australiaeast", ""]]);
  expect(regionPrivateEndpoints(2)).toBe(4); // Redis, Key Vault, registry + the other region's Redis
});

test("upstreams: a region's own first, the others below every local priority", () => {
  const ups = [{ name: "us1", priority: 1, region: "eastus2" }, { name: "us2", priority: 2, region: "eastus2" }, { name: "se1", priority: 1, region: "swedencentral" }];
  expect(regionUpstreams(ups, "swedencentral").map((u) => [u.name, u.priority])).toEqual([["us1", 3], ["us2", 4], ["se1", 1]]);
  expect(regionUpstreams(ups, "eastus2").map((u) => [u.name, u.priority])).toEqual([["us1", 1], ["us2", 2], ["se1", 3]]);
});

test("Traffic Manager: a failed profile gets new connections for at most (failures tolerated + 1) x interval + timeout + TTL", () => {
  expect(trafficManagerFailoverSeconds()).toBe(3 * 10 + 5 + 60);
  // Microsoft's example timeline: 30 s interval, 3 tolerated, 10 s timeout, TTL 30 s.
  expect(trafficManagerFailoverSeconds({ intervalInSeconds: 30, timeoutInSeconds: 10, toleratedNumberOfFailures: 3, ttlSeconds: 30 })).toBe(160);
  expect(TRAFFIC_MANAGER_SETTINGS.timeoutInSeconds).toBeLessThan(TRAFFIC_MANAGER_SETTINGS.intervalInSeconds);
});

test("the global stack file is valid; every bad regions / capacity key is reported at once", () => {
  expect(problems(globalRaw())).toEqual([]);
  const raw = globalRaw();
  raw.regions = [
    { name: "US", location: "westus2" },
    { name: "se", location: "swedencentral" },
    { name: "se", location: "swedencentral", addressSpace: "10.60.0.0/22" },
  ];
  raw.capacity = { peakConcurrentSessions: 300_000 }; // 360,000 / 233 = 1,545.1: 1,546 replicas
  expect(problems(raw)).toEqual(expect.arrayContaining([
    expect.stringMatching(/^regions\.0\.name: 1-8 lowercase letters/),
    expect.stringMatching(/^regions\.2\.name: "se" is also region 1's name/),
    expect.stringMatching(/^regions\.2\.location: swedencentral is also region 1's location/),
    expect.stringMatching(/^regions\.2\.addressSpace: 10\.60\.0\.0\/22 \(region se\) overlaps 10\.60\.0\.0\/22 \(region US\)/),
    expect.stringMatching(/^capacity\.peakConcurrentSessions: one region alone would need 1546 replicas/),
  ]));
});

test("several profiles need a custom domain every profile serves, and its records by hand", () => {
  const raw = globalRaw();
  raw.frontDoor = { enabled: true };
  expect(problems(raw)).toEqual([expect.stringMatching(/^frontDoor\.customDomain: required: the declared peak needs 4 Front Door profiles/)]);
  raw.frontDoor = { enabled: true, customDomain: { hostName: "voice.contoso.com", dnsZone: { name: "contoso.com", resourceGroup: "dns" } } };
  expect(problems(raw)).toEqual([expect.stringMatching(/^frontDoor\.customDomain\.dnsZone: not with 4 Front Door profiles/)]);
  const first = globalRaw();
  first.regions = [{ name: "se", location: "swedencentral" }, { name: "us", location: "eastus2" }];
  expect(problems(first)).toEqual([expect.stringMatching(/^regions\.0\.location: the first region is the stack's location \(eastus2\)/)]);
});

test("the budget prices every region and profile: network items per region, a base fee per extra profile, each extra region's Redis and always-on replicas", () => {
  const config = parseStackConfig("global", globalRaw());
  const prices = networkPrices();
  const base = baseInfrastructure();
  const cost = networkMonthlyCost(config, prices, base, { regions: 2, frontDoorProfiles: 4 });
  const byItem = Object.fromEntries(cost.lines.map((l) => [l.item, l.monthly]));
  expect(byItem["3 more Front Door profiles (base fee)"]).toBeCloseTo(3 * base.frontDoorMonthly, 9);
  expect(byItem["4 x Front Door Premium instead of Standard"]).toBeCloseTo(4 * (prices.frontDoorPremiumMonthly.value - base.frontDoorMonthly), 9);
  // Each region: Redis, Key Vault, registry and the other region's Redis.
  expect(byItem["8 private endpoints"]).toBeCloseTo(8 * prices.privateEndpointHourly.value * 730, 9);
  expect(byItem["6 private DNS zones"]).toBeCloseTo(6 * prices.privateDnsZoneMonthly.value, 9);
  expect(byItem["2 x the environment's standard load balancer"]).toBeCloseTo(2 * prices.loadBalancerStandardHourly.value * 730, 9);
  // One region, one profile: the single-region lines, unchanged.
  expect(networkMonthlyCost(config, prices, base).lines.map((l) => l.item)).toEqual([
    "Front Door Premium instead of Standard", "Container registry Premium instead of Basic", "3 private endpoints", "3 private DNS zones",
    "the environment's standard load balancer", "the environment's egress public IP",
  ]);

  const catalog = catalogById("voice-live-gpt-realtime");
  if (catalog.infrastructure.mode !== "metered") throw new Error("expected a metered catalog");
  const ca = catalog.infrastructure.containerApps;
  const perRegion = catalog.infrastructure.redisMonthly[config.redis.sku].value + 2 * catalog.daysPerMonth * 24 * 3600 * (1 * ca.vcpuSecond.value + 2 * ca.gibSecond.value);
  // The se region's registry geo-replica: Premium fees for each replica region (Microsoft's geo-replication
  // page), at the network sheet's Premium price; the private network already prices the home registry's Premium.
  const replica = prices.containerRegistryPremiumPerDay.value * catalog.daysPerMonth;
  const regions = regionsCost(config, catalog)!;
  expect(regions.monthly).toBeCloseTo(perRegion + replica, 9);
  expect(regions.amount).toBe(Math.ceil((perRegion + replica) * 1.2));
  expect(regions.lines).toEqual([
    expect.stringMatching(/^regions: 1 more region\(s\), each \$/),
    `regions: 1 registry geo-replica(s), each $${replica.toFixed(2)}/month (Premium fees for each replica region: $1.667/day x 30.42 days (USD per day (Premium, 500 GiB included), medium confidence; cost/catalogs/azure-network-2026.json))`,
    expect.stringMatching(/^regions: 1 more Key Vault\(s\) \$0\.00\/month \(Standard is billed per operation/),
  ]);
  // Without the private network the registry would be Basic: several regions pay its Premium uplift too.
  const open = regionsCost({ ...config, network: { ...config.network, enabled: false } }, catalog)!;
  const uplift = (prices.containerRegistryPremiumPerDay.value - base.registryPerDay) * catalog.daysPerMonth;
  expect(open.monthly).toBeCloseTo(perRegion + replica + uplift, 9);
  expect(open.lines[2]).toMatch(/^regions: the registry on Premium instead of Basic \(geo-replication needs it\)/);
  const single = parseStackConfig("global", { ...globalRaw(), regions: undefined, capacity: undefined, frontDoor: { enabled: true } });
  expect(regionsCost(single, catalog)).toBeUndefined();
});

test("plan warns when a region app cannot carry the peak alone, above the default core quota, and when the WAF would block Traffic Manager's probes", () => {
  const shipped = parseStackConfig("global", globalRaw());
  // The shipped file declares 150 cores (capacity.environmentCoresQuota): 104 fit.
  expect(regionWarnings(shipped)).toEqual([]);
  const config = { ...shipped, capacity: { ...shipped.capacity!, environmentCoresQuota: undefined } };
  // 52 replicas x 1 vCPU, twice during a revision change: 104 cores, above the default 100.
  expect(regionWarnings(config)).toEqual([expect.stringMatching(/^regions: a revision change at replicas.max runs 2 x 52 replicas x 1 vCPU = 104 cores in an environment, above the default quota of 100 cores/)]);
  expect(regionWarnings({ ...config, capacity: { ...config.capacity, environmentCoresQuota: 100 } })).toEqual([expect.stringMatching(/above the declared quota of 100 cores/)]);
  const fits = { ...config, replicas: { min: 2, max: 50 } }; // 100 cores: at the quota
  expect(regionWarnings(fits)).toEqual([expect.stringMatching(/^regions: each region's app runs at most 50 replicas x 233 = 11650 sessions; .*needs 52: set replicas.max to 52$/)]);
  expect(regionWarnings({ ...fits, waf: { ...config.waf, allowedCountries: ["SE", "AU"] } })).toEqual([
    expect.stringMatching(/^waf\.allowedCountries \(SE, AU\) blocks Traffic Manager's probes/), expect.stringMatching(/set replicas.max to 52$/),
  ]);
  expect(regionWarnings({ ...fits, waf: { ...config.waf, allowedCountries: ["SE", "US"] } })).toHaveLength(1);
});

test("several regions: a Premium registry, endpoint subnets with room for every region's registry data endpoint, a vault name per region", () => {
  const off = { network: { enabled: false, addressSpace: "10.60.0.0/22", registryPushCidrs: [] } };
  expect([registrySku(off), registrySku(off, 2), registrySku({ network: { ...off.network, enabled: true } })]).toEqual(["Basic", "Premium", "Premium"]);
  // The registry's endpoint: 1 login-server address + 1 per region's data endpoint; 2 are counted per endpoint.
  expect([1, 2, 3, 5].map(regionRegistryExtraAddresses)).toEqual([0, 1, 2, 4]);
  // Three regions: 5 endpoints x 2 + 2 + 5 reserved = 17 addresses: a /27, where 15 fit a /28.
  const three = regionNetworkLayout("10.60.0.0/22", 52, 3);
  const uncounted = networkLayout("10.60.0.0/22", 52, regionPrivateEndpoints(3));
  if (Array.isArray(three) || Array.isArray(uncounted)) throw new Error("expected layouts");
  expect([three.privateEndpointSubnet.prefix, uncounted.privateEndpointSubnet.prefix]).toEqual([27, 28]);
  // Vault names: the first region keeps the stack's; another keeps the hash and takes its suffix, within 24 characters.
  const stackVault = globalNames("voice-platform", "global", "00000000-0000-0000-0000-000000000000").keyVault;
  const se = regionVaultName(stackVault, "-se");
  expect(regionVaultName(stackVault, "")).toBe(stackVault);
  expect(se).toBe(`kvvoiceplatform${stackVault.slice(-6)}-se`);
  for (const name of [stackVault, se, regionVaultName(stackVault, "-abcdefgh")]) {
    expect(name).toMatch(new RegExp(KEY_VAULT_REDUNDANCY.namePattern));
    expect(name).toMatch(/^[a-z].*[a-z0-9]$/);
  }
});
