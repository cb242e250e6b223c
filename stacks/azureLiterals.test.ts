/**
 * Each Azure-defined value, typed here as its public source gives it (the source and the date it was read
 * are beside each value in azureLiterals.ts). A value compared with the code's own constant proves
 * nothing; these compare with the source.
 */
import {
  AZURE_OPENAI_REALTIME, CONTAINER_APPS_QUOTAS, FRONT_DOOR_LIMITS, MANAGED_REDIS_BALANCED, SLA, VOICE_LIVE_QUOTAS,
  ACR_GEO_REPLICATION, KEY_VAULT_REDUNDANCY, REGION_PAIRS, REGION_PAIRS_SOURCE, ACR_REFRESH_TOKEN_USER, APP_SERVICE_VCPUS, COGNITIVE_SERVICES, FRONT_DOOR, FRONT_DOOR_DOMAIN_CHAIN, TRAFFIC_MANAGER, AZURE_CACHE_FOR_REDIS, KEDA_REDIS_SCALER, AZURE_OPENAI_MODEL_REGIONS, BUILT_IN_ROLES, CONTAINER_APPS_PROBE, LOG_ANALYTICS, MANAGED_REDIS, VOICE_LIVE_MODEL_REGIONS,
} from "./azureLiterals";
import { BuiltInRole } from "./roles";
import { REDIS_SKUS } from "./config";

test("built-in role ids, as the role definitions Azure returns give them", () => {
  const ids = Object.fromEntries(Object.values(BUILT_IN_ROLES).map((r) => [r.name, r.id]));
  expect(ids).toEqual({
    AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d", // azure-rbac-catalog.org/roles/7f951dda-…/acrpull, azadvertizer.net (read 2026-12-03)
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6", // learn.microsoft.com/azure/key-vault/general/rbac-guide (read 2026-12-03)
    "Cognitive Services User": "a97b65f3-24c7-4388-baec-2e87135dc908", // azure-rbac-catalog.org/roles/a97b65f3-… (read 2026-12-03)
    Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // azure-rbac-catalog.org/roles/8e3af657-…/owner (read 2026-12-03)
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", // azadvertizer.net/azrolesadvertizer/18d7d88d-….html (read 2026-12-03)
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168", // azadvertizer.net/azrolesadvertizer/f58310d9-….html (read 2026-12-03)
  });
  // What the program assigns is exactly these (the AcrPull id it used before does not exist).
  expect(BuiltInRole.acrPull).toBe("7f951dda-4ed3-4680-a7ca-43fe172d538d"); // AcrPull, source above
  expect(BuiltInRole.keyVaultSecretsUser).toBe("4633458b-17de-408a-b874-0445c86b69e6"); // Key Vault Secrets User, source above
  for (const r of Object.values(BUILT_IN_ROLES)) expect([r.name, r.source, r.read]).toEqual([r.name, expect.stringMatching(/^https?:\/\//), "2026-12-03"]);
});

test("Redis: the values the REST spec and Microsoft's pages give", () => {
  expect(MANAGED_REDIS).toMatchObject({ clusteringPolicy: "NoCluster", evictionPolicy: "NoEviction", port: 10000, accessKeysAuthentication: "Enabled" });
  expect([...MANAGED_REDIS.crossSlotPolicies].sort()).toEqual(["EnterpriseCluster", "OSSCluster"]);
  expect(AZURE_CACHE_FOR_REDIS).toMatchObject({ maxmemoryPolicy: "noeviction", defaultMaxmemoryPolicy: "volatile-lru", creationCutoff: "2026-04-01", retirement: "2028-09-30" });
});

test("probe, log cap and plan sizes", () => {
  expect(CONTAINER_APPS_PROBE).toMatchObject({ defaultTimeoutSeconds: 1, maxPeriodSeconds: 240, maxFailureThreshold: 10 });
  expect(LOG_ANALYTICS.unlimitedDailyQuotaGb).toBe(-1);
  expect([APP_SERVICE_VCPUS.P1v3, APP_SERVICE_VCPUS.P2v3, APP_SERVICE_VCPUS.P3v3]).toEqual([2, 4, 8]);
});

test("realtime model regions: Voice Live's table and Azure OpenAI's global standard regions", () => {
  const regions = (table: typeof VOICE_LIVE_MODEL_REGIONS, model: string) => table.models[model].map((o) => o.region).sort();
  // Voice live tab of the Speech regions page: gpt-realtime is "-" in australiaeast.
  expect(regions(VOICE_LIVE_MODEL_REGIONS, "gpt-realtime")).toEqual(["centralindia", "eastus2", "swedencentral", "westus2"]);
  expect(regions(VOICE_LIVE_MODEL_REGIONS, "gpt-realtime")).not.toContain("australiaeast");
  expect(VOICE_LIVE_MODEL_REGIONS.models["gpt-realtime"].find((o) => o.region === "westus2")?.deployment).toBe("Cross-region");
  expect(regions(AZURE_OPENAI_MODEL_REGIONS, "gpt-realtime")).toEqual(["eastus2", "swedencentral"]);
});

test("KEDA's redis scaler as keda.sh documents it; ACR's refresh-token user", () => {
  expect(KEDA_REDIS_SCALER.type).toBe("redis");
  expect(KEDA_REDIS_SCALER.passwordParameter).toBe("password");
  expect([...KEDA_REDIS_SCALER.metadataKeys].sort()).toEqual(["address", "databaseIndex", "enableTLS", "listLength", "listName"]);
  expect(ACR_REFRESH_TOKEN_USER).toBe("00000000-0000-0000-0000-000000000000");
});

test("capacity planning: Front Door, Container Apps, Managed Redis, Voice Live and SLA figures as their sources give them", () => {
  expect(FRONT_DOOR_LIMITS.webSocketsPerProfile.value).toBe(3000); // Front Door WebSocket page: up to 3,000 concurrent connections per profile
  expect(FRONT_DOOR_LIMITS.profilesPerSubscription.value).toBe(500);
  // Quotas for Azure Container Apps: Consumption cores per environment default 100, maximum 5,000; 4 per replica; 1,000 replicas (CLI).
  expect([CONTAINER_APPS_QUOTAS.coresPerEnvironment.value, CONTAINER_APPS_QUOTAS.coresPerEnvironmentMax.value, CONTAINER_APPS_QUOTAS.coresPerReplica.value, CONTAINER_APPS_QUOTAS.replicasPerRevision.value, CONTAINER_APPS_QUOTAS.environmentsPerRegion.value]).toEqual([100, 5000, 4, 1000, 15]);
  expect(CONTAINER_APPS_QUOTAS.coresPerEnvironment.adjustable).toBe(true);
  // Managed Redis performance table (Balanced, GB -> GET/s) and geo-replication "except B0 and B1".
  expect(MANAGED_REDIS_BALANCED.skus.map((s) => [s.sku, s.memoryGB, s.benchmarkGetsPerSecond, s.geoReplication])).toEqual([
    ["Balanced_B0", 0.5, 120_000, false], ["Balanced_B1", 1, 120_000, false], ["Balanced_B3", 3, 230_000, true],
    ["Balanced_B5", 6, 230_000, true], ["Balanced_B10", 12, 480_000, true], ["Balanced_B20", 24, 810_000, true],
  ]);
  expect(MANAGED_REDIS_BALANCED.usableFraction).toBe(0.75);
  // Every Balanced SKU a stack may choose is one of those sourced names.
  expect(REDIS_SKUS.filter((k) => k.startsWith("Balanced_")).every((k) => MANAGED_REDIS_BALANCED.skus.some((s) => s.sku === k))).toBe(true);
  // Voice Live S0 per resource: 30 new connections and 100,000 tokens a minute, 60-minute connections; Azure OpenAI realtime 30 minutes.
  expect([VOICE_LIVE_QUOTAS.newConnectionsPerMinute.value, VOICE_LIVE_QUOTAS.tokensPerMinute.value, VOICE_LIVE_QUOTAS.maxConnectionMinutes.value, AZURE_OPENAI_REALTIME.maxConnectionMinutes.value]).toEqual([30, 100_000, 60, 30]);
  // SLAs (monthly uptime %).
  expect([SLA.trafficManager.value, SLA.frontDoor.value, SLA.containerApps.value, SLA.keyVault.value, SLA.managedRedisHa.value, SLA.managedRedisZoneRedundant.value, SLA.aiServices.value]).toEqual([99.99, 99.99, 99.95, 99.99, 99.9, 99.99, 99.9]);
  for (const f of [...Object.values(FRONT_DOOR_LIMITS), ...Object.values(CONTAINER_APPS_QUOTAS), ...Object.values(VOICE_LIVE_QUOTAS), ...Object.values(SLA)]) {
    expect(f.source.length).toBeGreaterThan(20);
    expect(f.read).toBe("2026-12-03");
  }
});

test("several regions: Front Door, Traffic Manager and Container Apps figures as their pages give them", () => {
  // Front Door WebSocket page: "each Azure Front Door profile supports up to 3,000 concurrent global connections".
  expect(FRONT_DOOR.webSocketConnectionsPerProfile).toBe(3000);
  // Health probes page: default frequency 30 s, HEAD by default, only 200 OK is healthy; 50 origins per group.
  expect([FRONT_DOOR.probeIntervalSeconds, FRONT_DOOR.probeRequestType, FRONT_DOOR.probeProtocol, FRONT_DOOR.healthyStatus, FRONT_DOOR.maxOriginsPerOriginGroup]).toEqual([30, "HEAD", "Https", 200, 50]);
  // Traffic Manager endpoint monitoring: 30 or 10 s, tolerated failures 0-9, fast-probe timeout 5-9 s; TTL 60 s (reliability page).
  expect([...TRAFFIC_MANAGER.probeIntervalsSeconds].sort((a, b) => a - b)).toEqual([10, 30]);
  expect(TRAFFIC_MANAGER.toleratedFailures).toEqual({ min: 0, max: 9 });
  expect(TRAFFIC_MANAGER.fastProbeTimeoutSeconds).toEqual({ min: 5, max: 9 });
  expect([TRAFFIC_MANAGER.weighted, TRAFFIC_MANAGER.externalEndpoints, TRAFFIC_MANAGER.monitorProtocol, TRAFFIC_MANAGER.recommendedTtlSeconds]).toEqual(["Weighted", "ExternalEndpoints", "HTTPS", 60]);
  // Domains page: no automatic rotation through Traffic Manager; revalidation 45 days before expiry.
  expect(FRONT_DOOR_DOMAIN_CHAIN).toMatchObject({ managedCertificateAutoRenewsThroughTrafficManager: false, revalidationDaysBeforeExpiry: 45, oneDomainOnSeveralProfilesConfirmed: false });
  for (const v of [FRONT_DOOR, TRAFFIC_MANAGER, FRONT_DOOR_DOMAIN_CHAIN]) expect(v.read).toBe("2026-12-03");
});

test("created upstream accounts: the kind, SKU and model format Microsoft's templates use", () => {
  // Azure/template-reference-generator accounts sample (2025-06-01): kind AIServices, sku S0; deployments: format OpenAI, GlobalStandard.
  expect([COGNITIVE_SERVICES.kind, COGNITIVE_SERVICES.sku, COGNITIVE_SERVICES.openAiModelFormat]).toEqual(["AIServices", "S0", "OpenAI"]);
  expect(COGNITIVE_SERVICES.deploymentSkus).toContain("GlobalStandard");
  expect(COGNITIVE_SERVICES.endpointDomains).toContain("services.ai.azure.com");
});

test("what a surviving region depends on: registry geo-replication and Key Vault's redundancy, as Microsoft's pages give them", () => {
  // Geo-replication page: "Geo-replication requires the Premium SKU"; one global endpoint; pulls survive the
  // home region's outage; "Premium registry fees for each region"; a data endpoint per replica region with private link.
  expect(ACR_GEO_REPLICATION).toMatchObject({ requiredSku: "Premium", oneLoginServer: true, dataPlaneSurvivesHomeRegionOutage: true, premiumFeePerReplicaRegion: true, dataEndpointPerReplicaRegion: true });
  // Private link page: "two private IP addresses ... one for the registry itself, and one for the registry's
  // data endpoint"; the ACR maintainer: one more private IP in each VNet per replication region.
  expect([1, 2, 3].map(ACR_GEO_REPLICATION.privateEndpointAddresses)).toEqual([2, 3, 4]);
  // Zone redundancy page: on by default for every registry and geo-replica where the region has zones.
  expect(ACR_GEO_REPLICATION.replicasZoneRedundantByDefault).toBe(true);
  // Key Vault availability and redundancy: paired-region copy, read-only failover, private link back within 20 minutes.
  expect(KEY_VAULT_REDUNDANCY).toMatchObject({ replicatesToPairedRegion: true, customerTriggeredFailover: false, readOnlyDuringFailover: true, privateLinkReconnectMinutes: 20 });
  // Microsoft.KeyVault vaults REST spec: vaultName pattern.
  expect([KEY_VAULT_REDUNDANCY.namePattern, KEY_VAULT_REDUNDANCY.maxNameLength]).toEqual(["^[a-zA-Z0-9-]{3,24}$", 24]);
  // Region pairs: East US 2 with Central US, Sweden Central with Sweden South (neither with the other).
  expect(REGION_PAIRS).toEqual({ eastus2: "centralus", swedencentral: "swedensouth" });
  for (const v of [ACR_GEO_REPLICATION, KEY_VAULT_REDUNDANCY, REGION_PAIRS_SOURCE]) expect(v.read).toBe("2026-12-03");
});
