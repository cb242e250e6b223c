/** The policies catch the defects they exist for, on resources shaped like what the program registers. */
import { regionFindings, runPolicies, type RegisteredResource } from "./policies";

const resource = (type: string, inputs: Record<string, unknown>): RegisteredResource => ({ type, name: "r", parent: null, inputs });
const names = (resources: RegisteredResource[]) => runPolicies("prod", resources).map((p) => p.policy);

test("an alert operator the API rejects ('gt', what monitor.ConditionOperator.GreaterThan sends) is a mandatory violation", () => {
  const rule = (operator: string) => resource("azure-native:monitor:ScheduledQueryRule", { criteria: { allOf: [{ operator }] } });
  expect(names([rule("gt")])).toEqual(["alert-operators-are-arm-values"]);
  expect(names([rule("GreaterThan")])).toEqual([]);
  expect(names([resource("azure-native:monitor:MetricAlert", { criteria: { allOf: [{ operator: "gte" }] } })])).toEqual(["alert-operators-are-arm-values"]);
});

test("a container app scaling on the HTTP rule alone is a violation", () => {
  const app = (rules: unknown[]) => resource("azure-native:app:ContainerApp", {
    configuration: { activeRevisionsMode: "Single", ingress: { stickySessions: { affinity: "sticky" } }, secrets: [] },
    template: { containers: [{ name: "c", image: "x@sha256:1", env: [] }], scale: { rules } },
  });
  expect(names([app([{ name: "http", http: { metadata: { concurrentRequests: "50" } } }])])).toEqual(["scale-on-open-sessions"]);
  expect(names([app([{ name: "http", http: {} }, { name: "open", custom: { type: "redis" } }])])).toEqual([]);
});

test("a role assignment without a deterministic name is a violation", () => {
  expect(names([resource("azure-native:authorization:RoleAssignment", { principalType: "ServicePrincipal" })])).toEqual(["role-assignments-have-stable-names"]);
  expect(names([resource("azure-native:authorization:RoleAssignment", { roleAssignmentName: "0b6f...", principalType: "ServicePrincipal" })])).toEqual([]);
});

test("an App Service site without WebSockets, always on or ARR affinity, or with a plain credential, is a violation", () => {
  const site = (siteConfig: Record<string, unknown>, affinity = true, proxyAffinity: boolean | undefined = true) => resource("azure-native:web:WebApp", {
    clientAffinityEnabled: affinity,
    clientAffinityProxyEnabled: proxyAffinity,
    siteConfig: { linuxFxVersion: "DOCKER|acr.azurecr.io/voice-proxy@sha256:1", webSocketsEnabled: true, alwaysOn: true, appSettings: [], ...siteConfig },
  });
  expect(names([site({})])).toEqual([]);
  expect(runPolicies("prod", [site({ webSocketsEnabled: false, alwaysOn: false }, false)]).map((p) => p.message)).toEqual([
    "siteConfig.webSocketsEnabled must be true",
    "siteConfig.alwaysOn must be true (an idle site is unloaded)",
    "clientAffinityEnabled (ARR affinity) must be true: it is the sticky session on App Service",
  ]);
  // Behind Front Door the cookie's domain must follow X-Forwarded-Host (the API default is false).
  expect(names([site({}, true, false)])).toEqual(["web-app-serves-websockets-with-affinity"]);
  expect(names([site({ appSettings: [{ name: "REDIS_URL", value: "rediss://:k@h:6380" }, { name: "UPSTREAM_AU_API_KEY", value: "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x)" }] })]))
    .toEqual(["web-app-secrets-are-key-vault-references"]);
  expect(names([site({ linuxFxVersion: "DOCKER|acr.azurecr.io/voice-proxy:latest" })])).toEqual(["web-app-serves-websockets-with-affinity"]);
});

test("Redis: a Managed Redis clustering policy that breaks the registry's scripts, or any eviction, is a mandatory violation", () => {
  // Only the Redis policies: in prod the private-network policy also names any public Redis.
  const redisPolicies = (rs: RegisteredResource[]) => names(rs).filter((n) => n.startsWith("redis-"));
  const db = (inputs: Record<string, unknown>) => resource("azure-native:redisenterprise:Database", { clientProtocol: "Encrypted", evictionPolicy: "NoEviction", ...inputs });
  // Values as the REST spec (Microsoft.Cache/redisEnterprise/databases 2025-07-01) spells them.
  expect(redisPolicies([db({ clusteringPolicy: "NoCluster" })])).toEqual([]);
  expect(redisPolicies([db({ clusteringPolicy: "EnterpriseCluster" })])).toEqual(["redis-registry-scripts-run"]);
  expect(redisPolicies([db({ clusteringPolicy: "OSSCluster" })])).toEqual(["redis-registry-scripts-run"]);
  expect(redisPolicies([db({})])).toEqual(["redis-registry-scripts-run"]); // the API's default is OSSCluster
  expect(runPolicies("staging", [db({ clusteringPolicy: "EnterpriseCluster" })])[0].level).toBe("mandatory");
  expect(redisPolicies([db({ clusteringPolicy: "NoCluster", evictionPolicy: "VolatileLRU" })])).toEqual(["redis-never-evicts"]);
  const cache = (redisConfiguration?: Record<string, unknown>) => resource("azure-native:redis:Redis", { enableNonSslPort: false, minimumTlsVersion: "1.2", ...(redisConfiguration ? { redisConfiguration } : {}) });
  expect(redisPolicies([cache({ maxmemoryPolicy: "noeviction" })])).toEqual([]);
  expect(redisPolicies([cache()])).toEqual(["redis-never-evicts"]); // Azure's default: volatile-lru
  expect(redisPolicies([cache({ maxmemoryPolicy: "volatile-lru" })])).toEqual(["redis-never-evicts"]);
});

test("production: a custom domain the WAF's security policy does not list is refused", () => {
  const limit = { ruleType: "RateLimitRule", action: "Block", groupBy: [{ variableName: "SocketAddr" }], matchConditions: [{ matchVariable: "RequestHeader", selector: "Upgrade" }] };
  const stack = (domains: number) => [
    resource("azure-native:cdn:Profile", { sku: { name: "Premium_AzureFrontDoor" } }),
    resource("azure-native:cdn:AFDCustomDomain", { hostName: "interviews.example.com" }),
    resource("azure-native:frontdoor:Policy", { policySettings: { enabledState: "Enabled" }, customRules: { rules: [limit] } }),
    resource("azure-native:cdn:SecurityPolicy", { parameters: { associations: [{ domains: Array.from({ length: domains }, (_, i) => ({ id: `d${i}` })) }] } }),
  ];
  const edge = (domains: number) => runPolicies("prod", stack(domains)).filter((p) => p.policy === "edge-firewall-in-production");
  expect(edge(1).map((p) => [p.level, p.message])).toEqual([["mandatory", "the WAF's security policy covers 1 of the profile's 2 domains (endpoint and custom domains)"]]);
  expect(edge(2)).toEqual([]);
});

test("production with several Front Door profiles: each profile's security policy must cover its own endpoint and custom domain", () => {
  const limit = { ruleType: "RateLimitRule", action: "Block", groupBy: [{ variableName: "SocketAddr" }], matchConditions: [{ matchVariable: "RequestHeader", selector: "Upgrade" }] };
  const profile = (name: string, covered: number) => [
    resource("azure-native:cdn:Profile", { profileName: name, sku: { name: "Premium_AzureFrontDoor" } }),
    resource("azure-native:cdn:AFDEndpoint", { profileName: name, endpointName: name }),
    resource("azure-native:cdn:AFDCustomDomain", { profileName: name, hostName: "voice.example.com" }),
    resource("azure-native:cdn:SecurityPolicy", { profileName: name, parameters: { associations: [{ domains: Array.from({ length: covered }, (_, i) => ({ id: `${name}-d${i}` })) }] } }),
  ];
  const waf = resource("azure-native:frontdoor:Policy", { policySettings: { enabledState: "Enabled" }, customRules: { rules: [limit] } });
  const edge = (resources: ReturnType<typeof resource>[]) => runPolicies("prod", resources).filter((p) => p.policy === "edge-firewall-in-production").map((p) => p.message);
  expect(edge([waf, ...profile("afd-1", 2), ...profile("afd-2", 2)])).toEqual([]);
  // Two covered domains in total would have passed a stack-wide count of one profile; per profile it does not.
  expect(edge([waf, ...profile("afd-1", 2), ...profile("afd-2", 1)])).toEqual(["the WAF's security policy covers 1 of the profile's 2 domains (endpoint and custom domains) of profile afd-2"]);
  expect(edge([waf, ...profile("afd-1", 2), ...profile("afd-2", 0)])).toEqual(["no security policy attaching a WAF policy to the Front Door endpoint of profile afd-2"]);
});

test("several regions: every app accepts every profile, knows its region and peers; every profile reaches every region", () => {
  const app = (name: string, env: Array<{ name: string; value?: string; secretRef?: string }>) => ({ ...resource("azure-native:app:ContainerApp", { template: { containers: [{ env }] } }), name });
  const full = (region: string) => [{ name: "FRONT_DOOR_ID", value: "a,b" }, { name: "REGION", value: region }, { name: "PEER_REDIS_URLS", secretRef: "peer-redis-urls" }];
  const profiles = ["afd-1", "afd-2"].map((n) => resource("azure-native:cdn:Profile", { profileName: n }));
  const origins = (n: string, count: number) => Array.from({ length: count }, () => resource("azure-native:cdn:AFDOrigin", { profileName: n }));
  const good = [app("voice-app", full("us")), app("voice-se-app", full("se")), ...profiles, ...origins("afd-1", 2), ...origins("afd-2", 2)];
  expect(regionFindings(good)).toEqual([]);
  expect(regionFindings([app("voice-app", full("us")), app("voice-se-app", [{ name: "FRONT_DOOR_ID", value: "a" }]), ...profiles, ...origins("afd-1", 2), ...origins("afd-2", 1)])).toEqual([
    "voice-se-app: FRONT_DOOR_ID lists 1 of the 2 Front Door profiles",
    "voice-se-app: no REGION",
    "voice-se-app: no PEER_REDIS_URLS from a Key Vault secret (the other regions' Redis)",
    "profile afd-2: 1 origins for 2 regions' apps",
  ]);
  // An app whose variables a preview does not know yet is not judged.
  expect(regionFindings([app("voice-app", full("us")), { ...resource("azure-native:app:ContainerApp", { template: { containers: [{}] } }), name: "voice-se-app" }, ...profiles, ...origins("afd-1", 2), ...origins("afd-2", 2)])).toEqual([]);
  // A single-region, single-profile stack is not judged.
  expect(regionFindings([app("voice-app", [{ name: "FRONT_DOOR_ID", value: "a" }]), profiles[0], ...origins("afd-1", 1)])).toEqual([]);
  expect(runPolicies("staging", [app("voice-app", full("us")), app("voice-se-app", []), ...profiles]).filter((p) => p.policy === "every-region-behind-every-profile").every((p) => p.level === "mandatory")).toBe(true);
});
