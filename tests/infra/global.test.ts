/**
 * The two-region stack (Pulumi.global.yaml: eastus2 "us" + swedencentral "se", a declared peak of 10,000
 * concurrent sessions) under the mock engine: per region a resource group, environment, app, Redis and
 * VNet; every region's app in every Front Door profile's origin group; four profiles (10,000 x 1.2 /
 * 3,000) behind Traffic Manager; each app told its region and the other region's Redis.
 */
import { runProgram, SECRET_PLACEHOLDER, type PlanRun } from "../../plan/mockEngine";
import { regionLines } from "../../plan/summary";
import { runPolicies } from "../../stacks/policies";
import { ARM_VALUES, checkArmValues } from "./armValues";
import { brokenCopies, packVerdicts } from "./policyParity";
import { lookups, type Loose } from "../support/plan";

let run: PlanRun;
const { all } = lookups(() => run);
const inputs = (type: string): Loose[] => all(type).map((r) => r.inputs);
const envOf = (app: Loose): Record<string, Loose> => Object.fromEntries(app.template.containers[0].env.map((e: Loose) => [e.name, e]));
const appIn = (location: string): Loose => inputs("azure-native:app:ContainerApp").find((a) => a.location === location);

beforeAll(async () => {
  run = await runProgram("global");
}, 60_000);

test("two regions, each with its own group, environment, app and Redis; the first keeps the single-region names", () => {
  expect(inputs("azure-native:resources:ResourceGroup").map((g) => [g.resourceGroupName, g.location])).toEqual([
    ["rg-voice-platform-global", "eastus2"], ["rg-voice-platform-global-se", "swedencentral"],
  ]);
  expect(inputs("azure-native:app:ManagedEnvironment").map((e) => [e.environmentName, e.location, e.resourceGroupName])).toEqual([
    ["cae-voice-platform-global", "eastus2", "rg-voice-platform-global"], ["cae-voice-platform-global-se", "swedencentral", "rg-voice-platform-global-se"],
  ]);
  expect(inputs("azure-native:app:ContainerApp").map((a) => [a.containerAppName, a.location])).toEqual([
    ["ca-voice-platform-global", "eastus2"], ["ca-voice-platform-global-se", "swedencentral"],
  ]);
  const clusters = inputs("azure-native:redisenterprise:RedisEnterprise");
  expect(clusters.map((c) => [c.location, c.resourceGroupName])).toEqual([["eastus2", "rg-voice-platform-global"], ["swedencentral", "rg-voice-platform-global-se"]]);
  expect(clusters[1].clusterName).toBe(`${clusters[0].clusterName}-se`);
  // Each app's open-sessions rule reads its own region's Redis.
  for (const [location, cluster] of [["eastus2", clusters[0]], ["swedencentral", clusters[1]]]) {
    const rule = appIn(location).template.scale.rules.find((r: Loose) => r.custom);
    expect(rule.custom.metadata.address).toBe(`${cluster.clusterName}.${location}.redis.azure.net:10000`);
  }
  // Same image, identity and scale range in both.
  const [us, se] = inputs("azure-native:app:ContainerApp");
  expect(se.template.containers[0].image).toBe(us.template.containers[0].image);
  expect(se.identity).toEqual(us.identity);
  expect([us.template.scale.maxReplicas, se.template.scale.maxReplicas]).toEqual([52, 52]);
});

test("each app gets REGION, PEER_REDIS_URLS (a Key Vault secret per region) and every Front Door profile's id", () => {
  const ids = inputs("azure-native:cdn:Profile").map((p) => p.profileName);
  expect(ids).toHaveLength(4);
  const fdids = String(run.outputs.frontDoorId).split(",");
  expect(fdids).toHaveLength(4);
  expect(new Set(fdids).size).toBe(4);
  for (const [region, location] of [["us", "eastus2"], ["se", "swedencentral"]]) {
    const app = appIn(location);
    const env = envOf(app);
    expect(env.REGION).toEqual({ name: "REGION", value: region });
    expect(env.PEER_REDIS_URLS).toEqual({ name: "PEER_REDIS_URLS", secretRef: "peer-redis-urls" });
    expect(env.REDIS_URL).toEqual({ name: "REDIS_URL", secretRef: "redis-url" });
    expect(env.FRONT_DOOR_ID.value.split(",")).toEqual(fdids);
    // Each region's own vault (tests/infra/regionalDependencies.test.ts), under the app's secret names.
    const secrets = Object.fromEntries(app.configuration.secrets.map((s: Loose) => [s.name, s.keyVaultUrl]));
    const vault = region === "us" ? /^https:\/\/kvvoiceplatformg[0-9a-f]{6}\.vault/ : /^https:\/\/kvvoiceplatform[0-9a-f]{6}-se\.vault/;
    for (const name of ["peer-redis-urls", "redis-url", "redis-key"]) {
      expect(secrets[name]).toMatch(vault);
      expect(secrets[name]).toMatch(new RegExp(`/secrets/${name}$`));
    }
  }
  const vaultSecrets = inputs("azure-native:keyvault:Secret");
  for (const name of ["peer-redis-urls", "redis-url", "redis-key"]) {
    const copies = vaultSecrets.filter((s) => s.secretName === name);
    expect(copies.map((s) => s.properties.value)).toEqual([SECRET_PLACEHOLDER, SECRET_PLACEHOLDER]);
    expect(new Set(copies.map((s) => s.vaultName)).size).toBe(2);
  }
  expect(JSON.stringify(run.resources)).not.toContain("mock-redis-key");
});

test("each region's app tries its own region's upstreams first, the other region's after", () => {
  for (const [location, local] of [["eastus2", "us"], ["swedencentral", "se"]]) {
    const upstreams: Loose[] = JSON.parse(envOf(appIn(location)).UPSTREAMS.value);
    const best = Math.min(...upstreams.map((u) => u.priority));
    expect(upstreams.filter((u) => u.priority === best).map((u) => u.name)).toEqual(upstreams.filter((u) => u.name.startsWith(local)).map((u) => u.name));
    expect(upstreams.filter((u) => u.priority === best)).toHaveLength(8);
  }
});

test("four Front Door profiles (10,000 x 1.2 / 3,000), each origin group lists both regions' apps, affinity on, HEAD /healthz probe", () => {
  const groups = all("azure-native:cdn:AFDOriginGroup");
  expect(groups).toHaveLength(4);
  for (const g of groups) {
    expect(g.inputs.sessionAffinityState).toBe("Enabled");
    expect(g.inputs.healthProbeSettings).toEqual({ probePath: "/healthz", probeRequestType: "HEAD", probeProtocol: "Https", probeIntervalInSeconds: 30 });
  }
  const apps = inputs("azure-native:app:ContainerApp");
  const fqdns = apps.map((a) => `${a.containerAppName}.mock.${a.location}.azurecontainerapps.io`);
  const origins = inputs("azure-native:cdn:AFDOrigin");
  expect(origins).toHaveLength(8);
  for (const profile of inputs("azure-native:cdn:Profile")) {
    const mine = origins.filter((o) => o.profileName === profile.profileName);
    expect(mine.map((o) => o.hostName).sort()).toEqual([...fqdns].sort());
    // Premium over Private Link, each to its region's environment.
    expect(mine.map((o) => o.sharedPrivateLinkResource.privateLinkLocation).sort()).toEqual(["eastus2", "swedencentral"]);
    expect(mine.map((o) => [o.priority, o.weight])).toEqual([[1, 1000], [1, 1000]]);
  }
});

test("Traffic Manager: weighted over the four profiles' endpoints, probing /healthz; the public name is the custom domain", () => {
  const [tm] = inputs("azure-native:trafficmanager:Profile");
  expect(tm).toMatchObject({
    trafficRoutingMethod: "Weighted", location: "global", profileStatus: "Enabled",
    dnsConfig: { ttl: 60 },
    monitorConfig: { protocol: "HTTPS", port: 443, path: "/healthz", intervalInSeconds: 10, timeoutInSeconds: 5, toleratedNumberOfFailures: 2 },
  });
  const endpoints = inputs("azure-native:trafficmanager:Endpoint");
  const hosts = inputs("azure-native:cdn:AFDEndpoint").map((e) => `${e.endpointName}-mock.z01.azurefd.net`);
  expect(endpoints.map((e) => e.target).sort()).toEqual(hosts.sort());
  for (const e of endpoints) expect(e).toMatchObject({ endpointType: "ExternalEndpoints", weight: 1, endpointStatus: "Enabled" });
  expect(run.outputs.wssUrl).toBe("wss://voice.example.com/voice-live/realtime");
  expect(String(run.outputs.trafficManagerFqdn)).toMatch(/^voice-platform-global-[0-9a-f]{6}\.trafficmanager\.net$/);
  // The custom domain on every profile, each guarded by the one WAF policy.
  expect(inputs("azure-native:cdn:AFDCustomDomain").map((d) => d.hostName)).toEqual(Array(4).fill("voice.example.com"));
  expect(inputs("azure-native:frontdoor:Policy")).toHaveLength(1);
  const policyId = `${all("azure-native:frontdoor:Policy")[0].name}-id`;
  for (const sp of inputs("azure-native:cdn:SecurityPolicy")) {
    expect(sp.parameters.wafPolicy.id).toBe(policyId);
    expect(sp.parameters.associations[0].domains).toHaveLength(2);
  }
});

test("private network per region: non-overlapping VNets, and each reaches the other region's Redis through its own private endpoint", () => {
  expect(inputs("azure-native:network:VirtualNetwork").map((v) => [v.virtualNetworkName, v.location, v.addressSpace.addressPrefixes])).toEqual([
    ["vnet-voice-platform-global", "eastus2", ["10.60.0.0/22"]], ["vnet-voice-platform-global-se", "swedencentral", ["10.60.4.0/22"]],
  ]);
  const clusters = all("azure-native:redisenterprise:RedisEnterprise").map((c) => `${c.name}-id`);
  const endpoints = inputs("azure-native:network:PrivateEndpoint");
  for (const [location, group] of [["eastus2", "rg-voice-platform-global"], ["swedencentral", "rg-voice-platform-global-se"]]) {
    const mine = endpoints.filter((e) => e.location === location);
    expect(mine.every((e) => e.resourceGroupName === group)).toBe(true);
    const redisTargets = mine.filter((e) => e.privateLinkServiceConnections[0].groupIds[0] === "redisEnterprise").map((e) => e.privateLinkServiceConnections[0].privateLinkServiceId);
    expect(redisTargets.sort()).toEqual([...clusters].sort());
  }
  // Each region's zones in its own group (a group holds one zone of a name), linked to its own VNet.
  const zones = inputs("azure-native:privatedns:PrivateZone");
  expect(zones.filter((z) => z.privateZoneName === "privatelink.redis.azure.net").map((z) => z.resourceGroupName).sort()).toEqual(["rg-voice-platform-global", "rg-voice-platform-global-se"]);
});

test("alerts per region app, Redis and profile; the budget watches both regions' groups", () => {
  const metricRules = inputs("azure-native:monitor:MetricAlert").map((r) => r.ruleName.replace("ag-voice-platform-global-", "")).sort();
  expect(metricRules).toEqual(["frontdoor-5xx", "frontdoor-5xx-2", "frontdoor-5xx-3", "frontdoor-5xx-4", "redis-load", "redis-load-se", "replicas-at-max", "replicas-at-max-se"]);
  expect(inputs("azure-native:monitor:ScheduledQueryRule").map((r) => r.ruleName)).toContain("ag-voice-platform-global-container-restarts-se");
  expect(inputs("azure-native:consumption:Budget")[0].filter.dimensions.values).toEqual(expect.arrayContaining(["rg-voice-platform-global", "rg-voice-platform-global-se", "rg-voice-global-us", "rg-voice-global-se"]));
});

test("ARM values, policies and the plan's per-region lines", () => {
  const checked = checkArmValues(run.resources);
  for (const rule of ARM_VALUES.filter((x) => !x.optional && all(x.type).length > 0)) expect(checked).toContain(`${rule.type} ${rule.path}`);
  expect(runPolicies("global", run.resources).filter((p) => p.level === "mandatory")).toEqual([]);
  const lines = regionLines(run).join("\n");
  expect(lines).toContain("us eastus2: app ca-voice-platform-global, replicas 2..52");
  expect(lines).toContain("se swedencentral: app ca-voice-platform-global-se, replicas 2..52");
  expect(lines).toContain("front door: 4 profile(s)");
  expect(lines).toMatch(/a failed profile gets new connections for at most 95 s/);
});

test("the policy pack gives the plan's verdicts on this stack, and refuses it with a region's app left out of a profile", () => {
  expect(packVerdicts("global", run.resources)).toEqual(runPolicies("global", run.resources));
  const broken = [...run.resources, ...brokenCopies(run.resources)];
  expect(packVerdicts("global", broken)).toEqual(runPolicies("global", broken));
  // One profile loses the second region's origin: the region policy names it.
  const [dropped] = all("azure-native:cdn:AFDOrigin").filter((o) => o.name === "frontdoor-route-2-origin-se");
  const missing = run.resources.filter((r) => r !== dropped);
  expect(runPolicies("global", missing).filter((p) => p.policy === "every-region-behind-every-profile").map((p) => [p.level, p.message])).toEqual([
    ["mandatory", "profile afd-voice-platform-global-2: 1 origins for 2 regions' apps"],
  ]);
});
