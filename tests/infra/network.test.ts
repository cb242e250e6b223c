/**
 * The prod plan under the mock engine with the private network on: nothing public but the Front Door
 * endpoint, the environment zone-redundant in its own subnet, the WAF's rate limit declared from config
 * and attached; the policy pack refuses the same stack with any of it undone, and passes staging.
 * Every ARM literal is typed here from its source (stacks/privateEndpoints.ts, waf.ts, networkSizing.ts
 * name them), never read from the code's constants.
 */
import { runProgram, type PlanRun, type RecordedResource } from "../../plan/mockEngine";
import { runPolicies } from "../../stacks/policies";
import { lookups, type Loose } from "../support/plan";

let run: PlanRun;
const { all, one } = lookups(() => run);
/** The mock engine gives every custom resource the id `<name>-id`. */
const idOf = (r: RecordedResource) => `${r.name}-id`;
const single = (type: string) => {
  const found = all(type);
  expect(found).toHaveLength(1);
  return found[0];
};

beforeAll(async () => {
  run = await runProgram("prod");
}, 60_000);

test("the setting is on for prod", () => {
  expect(run.config.network.enabled).toBe(true);
  expect(run.config.waf.enabled).toBe(true);
});

test("Redis, Key Vault and the registry: public network access off, each with a private endpoint in the endpoints' subnet and its A record in the right zone", () => {
  const managed = run.config.redis.sku.startsWith("Balanced");
  // Private endpoint DNS configuration (learn.microsoft.com/azure/private-link/private-endpoint-dns):
  // Key Vault "vault" / privatelink.vaultcore.azure.net, ACR "registry" / privatelink.azurecr.io, Azure Cache
  // for Redis "redisCache" / privatelink.redis.cache.windows.net; Managed Redis "redisEnterprise" /
  // privatelink.redis.azure.net (public templates; stacks/privateEndpoints.ts).
  const expected: Record<string, { groupId: string; zone: string; targetType: string }> = {
    "pe-vault": { groupId: "vault", zone: "privatelink.vaultcore.azure.net", targetType: "azure-native:keyvault:Vault" },
    "pe-registry": { groupId: "registry", zone: "privatelink.azurecr.io", targetType: "azure-native:containerregistry:Registry" },
    "pe-redis": managed
      ? { groupId: "redisEnterprise", zone: "privatelink.redis.azure.net", targetType: "azure-native:redisenterprise:RedisEnterprise" }
      : { groupId: "redisCache", zone: "privatelink.redis.cache.windows.net", targetType: "azure-native:redis:Redis" },
  };
  if (managed) expect(single("azure-native:redisenterprise:RedisEnterprise").inputs.publicNetworkAccess).toBe("Disabled");
  else expect(single("azure-native:redis:Redis").inputs.publicNetworkAccess).toBe("Disabled");
  // Key Vault's API spells it in lower case ("If set to 'disabled' ...", Microsoft.KeyVault vaults 2024-11-01).
  expect(single("azure-native:keyvault:Vault").inputs.properties).toMatchObject({ publicNetworkAccess: "disabled", networkAcls: { defaultAction: "Deny", bypass: "None" } });
  expect(single("azure-native:containerregistry:Registry").inputs).toMatchObject({ sku: { name: "Premium" }, publicNetworkAccess: "Disabled" });

  const endpointSubnet = all("azure-native:network:Subnet").find((s) => s.inputs.subnetName === "private-endpoints")!;
  const zones = Object.fromEntries(all("azure-native:privatedns:PrivateZone").map((z) => [z.inputs.privateZoneName, z]));
  expect(Object.keys(zones).sort()).toEqual(Object.values(expected).map((e) => e.zone).sort());
  for (const [name, e] of Object.entries(expected)) {
    const endpoint = all("azure-native:network:PrivateEndpoint").find((r) => r.name === `${name}-pe`)!;
    expect(endpoint).toBeDefined();
    const target = single(e.targetType);
    expect(endpoint.inputs.privateLinkServiceConnections).toEqual([{ name: endpoint.inputs.privateEndpointName, privateLinkServiceId: idOf(target), groupIds: [e.groupId] }]);
    expect(endpoint.inputs.subnet).toMatchObject({ id: idOf(endpointSubnet) });
    const group = all("azure-native:network:PrivateDnsZoneGroup").find((g) => g.inputs.privateEndpointName === endpoint.inputs.privateEndpointName)!;
    expect(group.inputs.privateDnsZoneConfigs).toEqual([{ name: expect.any(String), privateDnsZoneId: idOf(zones[e.zone]) }]);
  }
});

test("every DNS zone is linked to the VNet (without auto-registration); zones are global", () => {
  const vnet = single("azure-native:network:VirtualNetwork");
  const links = all("azure-native:privatedns:VirtualNetworkLink");
  expect(links).toHaveLength(3);
  for (const z of all("azure-native:privatedns:PrivateZone")) {
    expect(z.inputs.location).toBe("global");
    expect(links.find((l) => l.inputs.privateZoneName === z.inputs.privateZoneName)!.inputs).toMatchObject({ virtualNetwork: { id: idOf(vnet) }, registrationEnabled: false, location: "global" });
  }
});

test("the environment: workload profiles (Consumption), zone-redundant, in its delegated subnet sized for replicas.max, public network access off", () => {
  const vnet = single("azure-native:network:VirtualNetwork");
  expect(vnet.inputs.addressSpace).toEqual({ addressPrefixes: [run.config.network.addressSpace] });
  const apps = all("azure-native:network:Subnet").find((s) => s.inputs.subnetName === "container-apps")!;
  // custom-virtual-networks: "You must delegate your subnet to `Microsoft.App/environments`"; /27 carries 70
  // Consumption replicas, prod's replicas.max is 13.
  expect(apps.inputs).toMatchObject({ addressPrefix: "10.60.0.0/27", delegations: [{ serviceName: "Microsoft.App/environments" }] });
  const env = one("azure-native:app:ManagedEnvironment");
  expect(env).toMatchObject({
    zoneRedundant: true,
    publicNetworkAccess: "Disabled",
    workloadProfiles: [{ name: "Consumption", workloadProfileType: "Consumption" }],
    vnetConfiguration: { infrastructureSubnetId: idOf(apps) },
  });
  expect(one("azure-native:app:ContainerApp").workloadProfileName).toBe("Consumption");
});

test("the first revision waits for the private endpoints and the DNS zone links (image pull, Key Vault references, KEDA's Redis)", () => {
  const [app] = all("azure-native:app:ContainerApp");
  for (const r of [...all("azure-native:network:PrivateEndpoint"), ...all("azure-native:privatedns:VirtualNetworkLink")]) {
    expect(app.dependsOn).toContainEqual(expect.stringMatching(new RegExp(`::${r.name}$`)));
  }
});

test("no public endpoint left: Front Door Premium reaches the environment over Private Link (managedEnvironments), X-Azure-FDID still checked", () => {
  expect(one("azure-native:cdn:Profile").sku.name).toBe("Premium_AzureFrontDoor");
  const env = single("azure-native:app:ManagedEnvironment");
  // how-to-integrate-with-azure-front-door: --private-link-sub-resource-type managedEnvironments, in the environment's region.
  expect(one("azure-native:cdn:AFDOrigin").sharedPrivateLinkResource).toMatchObject({ privateLink: { id: idOf(env) }, groupId: "managedEnvironments", privateLinkLocation: run.config.location });
  for (const r of run.resources) {
    const access = (r.inputs as Loose).publicNetworkAccess ?? (r.inputs as Loose).properties?.publicNetworkAccess;
    if (access !== undefined) expect([r.type, String(access).toLowerCase()]).toEqual([r.type, "disabled"]);
  }
  const envVars = one("azure-native:app:ContainerApp").template.containers[0].env;
  expect(envVars.find((e: Loose) => e.name === "FRONT_DOOR_ID").value).toBe(run.outputs.frontDoorId);
});

test("the WAF: rate limit on WebSocket upgrades per client address from config, managed rule sets, attached to the endpoint", () => {
  const policy = single("azure-native:frontdoor:Policy");
  const c = run.config.waf;
  // Values from Microsoft.Network/FrontDoorWebApplicationFirewallPolicies 2025-11-01 (bicep-types-az).
  expect(policy.inputs).toMatchObject({ location: "Global", sku: { name: "Premium_AzureFrontDoor" }, policySettings: { enabledState: "Enabled", mode: "Prevention" } });
  expect(policy.inputs.policyName).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
  const limit = policy.inputs.customRules.rules.find((r: Loose) => r.ruleType === "RateLimitRule");
  expect(limit).toEqual({
    name: "UpgradeRateLimit", priority: 30, ruleType: "RateLimitRule", action: "Block", enabledState: "Enabled",
    rateLimitThreshold: c.upgradeRateLimit.threshold, rateLimitDurationInMinutes: c.upgradeRateLimit.durationMinutes,
    groupBy: [{ variableName: "SocketAddr" }],
    matchConditions: [{ matchVariable: "RequestHeader", selector: "Upgrade", operator: "Equal", matchValue: ["websocket"], transforms: ["Lowercase"] }],
  });
  expect(policy.inputs.managedRules.managedRuleSets).toEqual([
    { ruleSetType: "Microsoft_DefaultRuleSet", ruleSetVersion: "2.1", ruleSetAction: "Block" },
    { ruleSetType: "Microsoft_BotManagerRuleSet", ruleSetVersion: "1.0" },
  ]);
  const endpoint = single("azure-native:cdn:AFDEndpoint");
  expect(one("azure-native:cdn:SecurityPolicy").parameters).toEqual({
    type: "WebApplicationFirewall", wafPolicy: { id: idOf(policy) }, associations: [{ domains: [{ id: idOf(endpoint) }], patternsToMatch: ["/*"] }],
  });
});

test("policy: this plan passes; the same stack with any private path undone or the WAF gone is refused in prod, advisory in staging", () => {
  expect(runPolicies("prod", run.resources).filter((p) => p.level === "mandatory")).toEqual([]);
  const flip = (type: string, change: (inputs: Loose) => Loose) => run.resources.map((r) => (r.type === type ? { ...r, inputs: change(structuredClone(r.inputs)) } : r));
  const undone: Array<[string, RecordedResource[]]> = [
    ["redis public", flip(run.config.redis.sku.startsWith("Balanced") ? "azure-native:redisenterprise:RedisEnterprise" : "azure-native:redis:Redis", (i) => ({ ...i, publicNetworkAccess: "Enabled" }))],
    ["vault public", flip("azure-native:keyvault:Vault", (i) => ({ ...i, properties: { ...i.properties, publicNetworkAccess: "enabled" } }))],
    ["registry public", flip("azure-native:containerregistry:Registry", (i) => ({ ...i, publicNetworkAccess: "Enabled" }))],
    ["environment public", flip("azure-native:app:ManagedEnvironment", (i) => ({ ...i, publicNetworkAccess: "Enabled" }))],
    ["environment in one zone", flip("azure-native:app:ManagedEnvironment", (i) => ({ ...i, zoneRedundant: false }))],
    ["origin over the internet", flip("azure-native:cdn:AFDOrigin", (i) => ({ ...i, sharedPrivateLinkResource: undefined }))],
    ["no WAF", run.resources.filter((r) => r.type !== "azure-native:frontdoor:Policy" && r.type !== "azure-native:cdn:SecurityPolicy")],
  ];
  for (const [what, resources] of undone) {
    const prod = runPolicies("prod", resources).filter((p) => p.level === "mandatory");
    expect([what, prod.length > 0]).toEqual([what, true]);
    expect([what, runPolicies("staging", resources).filter((p) => p.level === "mandatory" && p.policy !== "edge-rate-limit")]).toEqual([what, []]);
  }
});
