/**
 * Every enum-valued property the program sets, with the values the resource's own ARM API accepts for the
 * API version azure-native 3.28 uses. Written out literally from the REST definitions (Azure/bicep-types-az
 * `generated/<provider>/<namespace>/<api-version>/types.md`, and the REST reference pages on
 * learn.microsoft.com, read 2026-11), never taken from the SDK's enums: an enum's name does not tell its
 * value (azure-native 3.28's `monitor.ConditionOperator.GreaterThan` is "gt", which scheduled query
 * rules reject), and enum-typed inputs accept any string.
 */

export interface ArmValueRule {
  type: string;
  /** Dotted path; `[]` steps into every array element, `*` into every map value. */
  path: string;
  allowed: readonly string[];
  api: string;
  /** Set only in some stacks (the private network's settings): a stack need not register it. */
  optional?: boolean;
}

const onOff = ["Enabled", "Disabled"] as const;
const comparison = ["Equals", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"] as const;
const aggregation = ["Average", "Count", "Maximum", "Minimum", "Total"] as const;
const tls = ["1.0", "1.1", "1.2"] as const;

export const ARM_VALUES: ArmValueRule[] = [
  // Microsoft.App 2025-02-02-preview
  { type: "azure-native:app:ContainerApp", path: "identity.type", allowed: ["None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned"], api: "Microsoft.App/containerApps 2025-02-02-preview" },
  { type: "azure-native:app:ContainerApp", path: "configuration.activeRevisionsMode", allowed: ["Multiple", "Single", "Labels"], api: "Microsoft.App/containerApps 2025-02-02-preview" },
  { type: "azure-native:app:ContainerApp", path: "configuration.ingress.transport", allowed: ["auto", "http", "http2", "tcp"], api: "Microsoft.App/containerApps 2025-02-02-preview" },
  { type: "azure-native:app:ContainerApp", path: "configuration.ingress.stickySessions.affinity", allowed: ["none", "sticky"], api: "Microsoft.App/containerApps 2025-02-02-preview" },
  { type: "azure-native:app:ContainerApp", path: "template.containers[].probes[].type", allowed: ["Liveness", "Readiness", "Startup"], api: "Microsoft.App/containerApps 2025-02-02-preview" },
  // KEDA scaler types (keda.sh/docs/2.15/scalers): the Redis list scaler and its cluster variant.
  { type: "azure-native:app:ContainerApp", path: "template.scale.rules[].custom.type", allowed: ["redis", "redis-cluster"], api: "KEDA 2.x ScaledObject trigger type" },
  { type: "azure-native:app:ContainerApp", path: "template.scale.rules[].custom.auth[].triggerParameter", allowed: ["password", "username", "host", "port", "address"], api: "KEDA redis scaler auth parameters" },
  { type: "azure-native:app:ContainerApp", path: "template.scale.rules[].custom.metadata.enableTLS", allowed: ["true", "false"], api: "KEDA redis scaler metadata" },
  { type: "azure-native:app:ManagedEnvironment", path: "appLogsConfiguration.destination", allowed: ["log-analytics", "azure-monitor", "none"], api: "Microsoft.App/managedEnvironments 2025-02-02-preview" },
  // Microsoft.KeyVault 2024-11-01
  { type: "azure-native:keyvault:Vault", path: "properties.sku.family", allowed: ["A"], api: "Microsoft.KeyVault/vaults 2024-11-01" },
  { type: "azure-native:keyvault:Vault", path: "properties.sku.name", allowed: ["standard", "premium"], api: "Microsoft.KeyVault/vaults 2024-11-01" },
  // Microsoft.Cache
  { type: "azure-native:redis:Redis", path: "sku.name", allowed: ["Basic", "Standard", "Premium"], api: "Microsoft.Cache/redis 2024-11-01" },
  { type: "azure-native:redis:Redis", path: "sku.family", allowed: ["C", "P"], api: "Microsoft.Cache/redis 2024-11-01" },
  { type: "azure-native:redis:Redis", path: "minimumTlsVersion", allowed: tls, api: "Microsoft.Cache/redis 2024-11-01" },
  // Redis's own maxmemory-policy values (Azure Cache for Redis lists them; dragonflydb.io/faq/azure-redis-cache-eviction-policy, read 2026-12-03; the LFU pair from Redis 4+).
  { type: "azure-native:redis:Redis", path: "redisConfiguration.maxmemoryPolicy", allowed: ["volatile-lru", "allkeys-lru", "volatile-random", "allkeys-random", "volatile-ttl", "noeviction", "volatile-lfu", "allkeys-lfu"], api: "Microsoft.Cache/redis redisConfiguration (Redis maxmemory-policy)" },
  { type: "azure-native:redisenterprise:RedisEnterprise", path: "minimumTlsVersion", allowed: tls, api: "Microsoft.Cache/redisEnterprise 2025-07-01" },
  { type: "azure-native:redisenterprise:RedisEnterprise", path: "publicNetworkAccess", allowed: onOff, api: "Microsoft.Cache/redisEnterprise 2025-07-01" },
  { type: "azure-native:redisenterprise:Database", path: "clientProtocol", allowed: ["Encrypted", "Plaintext"], api: "Microsoft.Cache/redisEnterprise/databases 2025-07-01" },
  { type: "azure-native:redisenterprise:Database", path: "clusteringPolicy", allowed: ["EnterpriseCluster", "OSSCluster", "NoCluster"], api: "Microsoft.Cache/redisEnterprise/databases 2025-07-01" },
  { type: "azure-native:redisenterprise:Database", path: "evictionPolicy", allowed: ["AllKeysLFU", "AllKeysLRU", "AllKeysRandom", "VolatileLRU", "VolatileLFU", "VolatileTTL", "VolatileRandom", "NoEviction"], api: "Microsoft.Cache/redisEnterprise/databases 2025-07-01" },
  { type: "azure-native:redisenterprise:Database", path: "accessKeysAuthentication", allowed: onOff, api: "Microsoft.Cache/redisEnterprise/databases 2025-07-01" },
  // Registry, logs, App Insights
  { type: "azure-native:containerregistry:Registry", path: "sku.name", allowed: ["Classic", "Basic", "Standard", "Premium"], api: "Microsoft.ContainerRegistry/registries 2023-07-01" },
  { type: "azure-native:operationalinsights:Workspace", path: "sku.name", allowed: ["Free", "Standard", "Premium", "PerNode", "PerGB2018", "Standalone", "CapacityReservation", "LACluster"], api: "Microsoft.OperationalInsights/workspaces 2023-09-01" },
  { type: "azure-native:applicationinsights:Component", path: "applicationType", allowed: ["web", "other"], api: "Microsoft.Insights/components 2020-02-02" },
  { type: "azure-native:applicationinsights:Component", path: "ingestionMode", allowed: ["ApplicationInsights", "ApplicationInsightsWithDiagnosticSettings", "LogAnalytics"], api: "Microsoft.Insights/components 2020-02-02" },
  // Microsoft.Cdn 2025-06-01
  { type: "azure-native:cdn:Profile", path: "sku.name", allowed: ["Standard_AzureFrontDoor", "Premium_AzureFrontDoor", "Standard_Microsoft", "Standard_Verizon", "Premium_Verizon", "Custom_Verizon", "Standard_Akamai", "Standard_ChinaCdn", "Standard_955BandWidth_ChinaCdn", "Standard_AvgBandWidth_ChinaCdn", "StandardPlus_ChinaCdn", "StandardPlus_955BandWidth_ChinaCdn", "StandardPlus_AvgBandWidth_ChinaCdn"], api: "Microsoft.Cdn/profiles 2025-06-01" },
  { type: "azure-native:cdn:AFDEndpoint", path: "enabledState", allowed: onOff, api: "Microsoft.Cdn/profiles/afdEndpoints 2025-06-01" },
  { type: "azure-native:cdn:AFDOriginGroup", path: "sessionAffinityState", allowed: onOff, api: "Microsoft.Cdn/profiles/originGroups 2025-06-01" },
  // Several regions: the origin group's probe (values as the REST spec's HealthProbeRequestType and
  // ProbeProtocol, generated into azure-native 3.28's cdn enums), present only with several origins.
  { type: "azure-native:cdn:AFDOriginGroup", path: "healthProbeSettings.probeRequestType", allowed: ["NotSet", "GET", "HEAD"], api: "Microsoft.Cdn/profiles/originGroups 2025-06-01", optional: true },
  { type: "azure-native:cdn:AFDOriginGroup", path: "healthProbeSettings.probeProtocol", allowed: ["NotSet", "Http", "Https"], api: "Microsoft.Cdn/profiles/originGroups 2025-06-01", optional: true },
  // Traffic Manager (Microsoft.Network/trafficmanagerprofiles, learn.microsoft.com/azure/templates/microsoft.network/trafficmanagerprofiles, read 2026-12-03).
  { type: "azure-native:trafficmanager:Profile", path: "trafficRoutingMethod", allowed: ["Performance", "Priority", "Weighted", "Geographic", "MultiValue", "Subnet"], api: "Microsoft.Network/trafficmanagerprofiles 2022-04-01" },
  { type: "azure-native:trafficmanager:Profile", path: "profileStatus", allowed: onOff, api: "Microsoft.Network/trafficmanagerprofiles 2022-04-01" },
  { type: "azure-native:trafficmanager:Profile", path: "monitorConfig.protocol", allowed: ["HTTP", "HTTPS", "TCP"], api: "Microsoft.Network/trafficmanagerprofiles 2022-04-01" },
  { type: "azure-native:trafficmanager:Profile", path: "trafficViewEnrollmentStatus", allowed: onOff, api: "Microsoft.Network/trafficmanagerprofiles 2022-04-01" },
  { type: "azure-native:trafficmanager:Endpoint", path: "endpointType", allowed: ["AzureEndpoints", "ExternalEndpoints", "NestedEndpoints"], api: "Microsoft.Network/trafficmanagerprofiles/{endpointType} 2022-04-01" },
  { type: "azure-native:trafficmanager:Endpoint", path: "endpointStatus", allowed: onOff, api: "Microsoft.Network/trafficmanagerprofiles/ExternalEndpoints 2022-04-01" },
  { type: "azure-native:cdn:AFDOrigin", path: "enabledState", allowed: onOff, api: "Microsoft.Cdn/profiles/originGroups/origins 2025-06-01" },
  { type: "azure-native:cdn:Route", path: "supportedProtocols[]", allowed: ["Http", "Https"], api: "Microsoft.Cdn/profiles/afdEndpoints/routes 2025-06-01" },
  { type: "azure-native:cdn:Route", path: "forwardingProtocol", allowed: ["HttpOnly", "HttpsOnly", "MatchRequest"], api: "Microsoft.Cdn/profiles/afdEndpoints/routes 2025-06-01" },
  { type: "azure-native:cdn:Route", path: "httpsRedirect", allowed: onOff, api: "Microsoft.Cdn/profiles/afdEndpoints/routes 2025-06-01" },
  { type: "azure-native:cdn:Route", path: "linkToDefaultDomain", allowed: onOff, api: "Microsoft.Cdn/profiles/afdEndpoints/routes 2025-06-01" },
  { type: "azure-native:cdn:Route", path: "enabledState", allowed: onOff, api: "Microsoft.Cdn/profiles/afdEndpoints/routes 2025-06-01" },
  // Microsoft.Insights
  { type: "azure-native:monitor:ScheduledQueryRule", path: "kind", allowed: ["LogAlert", "LogToMetric", "SimpleLogAlert"], api: "Microsoft.Insights/scheduledQueryRules 2025-01-01-preview" },
  { type: "azure-native:monitor:ScheduledQueryRule", path: "criteria.allOf[].operator", allowed: [...comparison, "GreaterOrLessThan"], api: "Microsoft.Insights/scheduledQueryRules 2025-01-01-preview" },
  { type: "azure-native:monitor:ScheduledQueryRule", path: "criteria.allOf[].timeAggregation", allowed: aggregation, api: "Microsoft.Insights/scheduledQueryRules 2025-01-01-preview" },
  { type: "azure-native:monitor:MetricAlert", path: "criteria.odataType", allowed: ["Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", "Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria", "Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria"], api: "Microsoft.Insights/metricAlerts 2018-03-01" },
  { type: "azure-native:monitor:MetricAlert", path: "criteria.allOf[].criterionType", allowed: ["StaticThresholdCriterion", "DynamicThresholdCriterion"], api: "Microsoft.Insights/metricAlerts 2018-03-01" },
  { type: "azure-native:monitor:MetricAlert", path: "criteria.allOf[].operator", allowed: comparison, api: "Microsoft.Insights/metricAlerts 2018-03-01" },
  { type: "azure-native:monitor:MetricAlert", path: "criteria.allOf[].timeAggregation", allowed: aggregation, api: "Microsoft.Insights/metricAlerts 2018-03-01" },
  // Microsoft.Consumption 2024-08-01
  { type: "azure-native:consumption:Budget", path: "category", allowed: ["Cost"], api: "Microsoft.Consumption/budgets 2024-08-01" },
  { type: "azure-native:consumption:Budget", path: "timeGrain", allowed: ["Monthly", "Quarterly", "Annually", "BillingMonth", "BillingQuarter", "BillingAnnual"], api: "Microsoft.Consumption/budgets 2024-08-01" },
  { type: "azure-native:consumption:Budget", path: "notifications.*.operator", allowed: ["EqualTo", "GreaterThan", "GreaterThanOrEqualTo"], api: "Microsoft.Consumption/budgets 2024-08-01" },
  { type: "azure-native:consumption:Budget", path: "notifications.*.thresholdType", allowed: ["Actual", "Forecasted"], api: "Microsoft.Consumption/budgets 2024-08-01" },
  { type: "azure-native:consumption:Budget", path: "filter.dimensions.operator", allowed: ["In"], api: "Microsoft.Consumption/budgets 2024-08-01" },
  { type: "azure-native:consumption:Budget", path: "filter.dimensions.name", allowed: ["ResourceGroupName", "ResourceGroup", "ResourceId", "ResourceLocation", "MeterCategory", "MeterSubCategory", "ServiceName", "ServiceTier"], api: "Microsoft.Consumption/budgets 2024-08-01 (dimension names)" },
  // The private network and the edge (read 2026-12-03): Container Apps "Virtual network configuration"
  // (delegation), "Azure Private Endpoint DNS configuration" (group ids and zones; Managed Redis's from
  // public templates, see stacks/privateEndpoints.ts), Microsoft.Network/FrontDoorWebApplicationFirewallPolicies
  // 2025-11-01 and Microsoft.KeyVault vaults 2024-11-01 (Azure/bicep-types-az types.md).
  { type: "azure-native:app:ManagedEnvironment", path: "publicNetworkAccess", allowed: onOff, api: "Microsoft.App/managedEnvironments 2025-02-02-preview", optional: true },
  { type: "azure-native:app:ManagedEnvironment", path: "workloadProfiles[].workloadProfileType", allowed: ["Consumption"], api: "Container Apps workload profiles (the Consumption profile)", optional: true },
  { type: "azure-native:network:Subnet", path: "delegations[].serviceName", allowed: ["Microsoft.App/environments"], api: "Container Apps custom virtual networks" },
  { type: "azure-native:network:PrivateEndpoint", path: "privateLinkServiceConnections[].groupIds[]", allowed: ["vault", "registry", "redisCache", "redisEnterprise"], api: "Private Link sub-resources" },
  { type: "azure-native:privatedns:PrivateZone", path: "privateZoneName", allowed: ["privatelink.vaultcore.azure.net", "privatelink.azurecr.io", "privatelink.redis.cache.windows.net", "privatelink.redis.azure.net"], api: "Private endpoint DNS zones" },
  { type: "azure-native:redis:Redis", path: "publicNetworkAccess", allowed: onOff, api: "Microsoft.Cache/redis 2024-11-01" },
  { type: "azure-native:keyvault:Vault", path: "properties.publicNetworkAccess", allowed: ["enabled", "disabled"], api: "Microsoft.KeyVault/vaults 2024-11-01", optional: true },
  { type: "azure-native:keyvault:Vault", path: "properties.networkAcls.defaultAction", allowed: ["Allow", "Deny"], api: "Microsoft.KeyVault/vaults 2024-11-01", optional: true },
  { type: "azure-native:keyvault:Vault", path: "properties.networkAcls.bypass", allowed: ["AzureServices", "None"], api: "Microsoft.KeyVault/vaults 2024-11-01", optional: true },
  { type: "azure-native:containerregistry:Registry", path: "publicNetworkAccess", allowed: onOff, api: "Microsoft.ContainerRegistry/registries", optional: true },
  { type: "azure-native:containerregistry:Registry", path: "networkRuleSet.defaultAction", allowed: ["Allow", "Deny"], api: "Microsoft.ContainerRegistry/registries", optional: true },
  { type: "azure-native:cdn:AFDOrigin", path: "sharedPrivateLinkResource.groupId", allowed: ["managedEnvironments"], api: "Container Apps private link sub-resource", optional: true },
  { type: "azure-native:cdn:SecurityPolicy", path: "parameters.type", allowed: ["WebApplicationFirewall"], api: "Microsoft.Cdn/profiles/securityPolicies 2025-06-01" },
  { type: "azure-native:frontdoor:Policy", path: "sku.name", allowed: ["Classic_AzureFrontDoor", "Premium_AzureFrontDoor", "Standard_AzureFrontDoor"], api: "FrontDoorWebApplicationFirewallPolicies 2025-11-01" },
  { type: "azure-native:frontdoor:Policy", path: "policySettings.mode", allowed: ["Detection", "Prevention"], api: "FrontDoorWebApplicationFirewallPolicies 2025-11-01" },
  { type: "azure-native:frontdoor:Policy", path: "policySettings.enabledState", allowed: onOff, api: "FrontDoorWebApplicationFirewallPolicies 2025-11-01" },
  { type: "azure-native:frontdoor:Policy", path: "customRules.rules[].ruleType", allowed: ["MatchRule", "RateLimitRule"], api: "FrontDoorWebApplicationFirewallPolicies 2025-11-01" },
  { type: "azure-native:frontdoor:Policy", path: "customRules.rules[].action", allowed: ["Allow", "AnomalyScoring", "Block", "CAPTCHA", "JSChallenge", "Log", "Redirect"], api: "FrontDoorWebApplicationFirewallPolicies 2025-11-01" },
  { type: "azure-native:frontdoor:Policy", path: "customRules.rules[].groupBy[].variableName", allowed: ["GeoLocation", "None", "SocketAddr"], api: "FrontDoorWebApplicationFirewallPolicies 2025-11-01" },
  { type: "azure-native:frontdoor:Policy", path: "customRules.rules[].matchConditions[].matchVariable", allowed: ["Cookies", "JA4", "PostArgs", "QueryString", "RemoteAddr", "RequestBody", "RequestHeader", "RequestMethod", "RequestUri", "SocketAddr"], api: "FrontDoorWebApplicationFirewallPolicies 2025-11-01" },
  { type: "azure-native:frontdoor:Policy", path: "customRules.rules[].matchConditions[].operator", allowed: ["Any", "AsnMatch", "BeginsWith", "ClientFingerprint", "Contains", "EndsWith", "Equal", "GeoMatch", "GreaterThan", "GreaterThanOrEqual", "IPMatch", "LessThan", "LessThanOrEqual", "RegEx", "ServiceTagMatch"], api: "FrontDoorWebApplicationFirewallPolicies 2025-11-01" },
  { type: "azure-native:frontdoor:Policy", path: "customRules.rules[].matchConditions[].transforms[]", allowed: ["Lowercase", "RemoveNulls", "Trim", "Uppercase", "UrlDecode", "UrlEncode"], api: "FrontDoorWebApplicationFirewallPolicies 2025-11-01" },
  { type: "azure-native:frontdoor:Policy", path: "managedRules.managedRuleSets[].ruleSetAction", allowed: ["Block", "Log", "Redirect"], api: "FrontDoorWebApplicationFirewallPolicies 2025-11-01", optional: true },
  // Microsoft.Authorization 2022-04-01
  { type: "azure-native:authorization:RoleAssignment", path: "principalType", allowed: ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"], api: "Microsoft.Authorization/roleAssignments 2022-04-01" },
  // Microsoft.Web 2025-05-01 (App Service hosting)
  { type: "azure-native:web:AppServicePlan", path: "kind", allowed: ["linux", "app", "windows", "functionapp", "elastic"], api: "Microsoft.Web/serverfarms 2025-05-01 (kind)" },
  { type: "azure-native:web:AppServicePlan", path: "sku.tier", allowed: ["Free", "Shared", "Basic", "Standard", "Premium", "PremiumV2", "PremiumV3", "PremiumV4", "Isolated", "IsolatedV2"], api: "Microsoft.Web/serverfarms 2025-05-01 (sku tier)" },
  { type: "azure-native:web:WebApp", path: "identity.type", allowed: ["None", "SystemAssigned", "UserAssigned", "SystemAssigned, UserAssigned"], api: "Microsoft.Web/sites 2025-05-01" },
  { type: "azure-native:web:WebApp", path: "siteConfig.ftpsState", allowed: ["AllAllowed", "FtpsOnly", "Disabled"], api: "Microsoft.Web/sites 2025-05-01" },
  { type: "azure-native:web:WebApp", path: "siteConfig.minTlsVersion", allowed: tls, api: "Microsoft.Web/sites 2025-05-01" },
  { type: "azure-native:monitor:AutoscaleSetting", path: "profiles[].rules[].metricTrigger.operator", allowed: ["Equals", "NotEquals", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"], api: "Microsoft.Insights/autoscalesettings 2021-05-01-preview" },
  { type: "azure-native:monitor:AutoscaleSetting", path: "profiles[].rules[].metricTrigger.statistic", allowed: ["Average", "Min", "Max", "Sum", "Count"], api: "Microsoft.Insights/autoscalesettings 2021-05-01-preview" },
  { type: "azure-native:monitor:AutoscaleSetting", path: "profiles[].rules[].metricTrigger.timeAggregation", allowed: ["Average", "Minimum", "Maximum", "Total", "Count", "Last"], api: "Microsoft.Insights/autoscalesettings 2021-05-01-preview" },
  { type: "azure-native:monitor:AutoscaleSetting", path: "profiles[].rules[].scaleAction.direction", allowed: ["None", "Increase", "Decrease"], api: "Microsoft.Insights/autoscalesettings 2021-05-01-preview" },
  { type: "azure-native:monitor:AutoscaleSetting", path: "profiles[].rules[].scaleAction.type", allowed: ["ChangeCount", "PercentChangeCount", "ExactCount", "ServiceAllowedNextValue"], api: "Microsoft.Insights/autoscalesettings 2021-05-01-preview" },
];

/** Every value at a path (see ArmValueRule.path); absent branches give nothing. */
export function valuesAt(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const raw of path.split(".")) {
    const each = raw.endsWith("[]");
    const key = each ? raw.slice(0, -2) : raw;
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== "object") continue;
      const children = key === "*" ? Object.values(v as Record<string, unknown>) : [(v as Record<string, unknown>)[key]];
      for (const child of children) {
        if (child === undefined) continue;
        if (each) {
          if (Array.isArray(child)) next.push(...child);
        } else next.push(child);
      }
    }
    current = next;
  }
  return current;
}

/**
 * Checks every registered resource against the table; returns the rules that found their property, so a
 * caller can assert the table covers what a stack registers.
 */
export function checkArmValues(resources: Array<{ type: string; name: string; inputs: unknown }>): string[] {
  const checked: string[] = [];
  for (const rule of ARM_VALUES) {
    for (const r of resources.filter((x) => x.type === rule.type)) {
      for (const value of valuesAt(r.inputs, rule.path)) {
        if (!rule.allowed.includes(value as string)) throw new Error(`${r.name}: ${rule.path} = ${JSON.stringify(value)} is not one of ${rule.allowed.join(", ")} (${rule.api})`);
        checked.push(`${rule.type} ${rule.path}`);
      }
    }
  }
  return checked;
}
