/**
 * Values Azure defines that the program sets or checks against, in one table, each with the public
 * source it was read from and the date it was read. Nothing here is derived: a derived number belongs in
 * sizing.ts. The tests (stacks/azureLiterals.test.ts) type each value as its source gives it, so a typo
 * here (the AcrPull id once was `7f951dca-d5c3-...`, which does not exist) fails a test, not a deployment.
 *
 * Enum strings of resource properties (e.g. `transport: "http"`) are checked separately against each
 * API version's allowed values in tests/infra/armValues.ts.
 */

export interface SourcedValue {
  /** Where the value was read (a public URL; for a docs repository, the page it renders to). */
  source: string;
  /** When it was read (YYYY-MM-DD). */
  read: string;
}

const READ = "2026-12-03";

/** An Azure built-in role: its id is the same in every tenant. */
export interface BuiltInRoleDefinition extends SourcedValue {
  id: string;
  name: string;
}

/**
 * Built-in roles the program assigns (to the app's identity) or that a deployer needs. Ids as the role
 * catalogs show the role definition JSON Azure returns (`az role definition list`), read 2026-12-03.
 */
export const BUILT_IN_ROLES = {
  acrPull: {
    id: "7f951dda-4ed3-4680-a7ca-43fe172d538d", name: "AcrPull", // Microsoft: learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers; copies below (read 2026-12-03)
    source: "https://azure-rbac-catalog.org/roles/7f951dda-4ed3-4680-a7ca-43fe172d538d/acrpull (role JSON: actions Microsoft.ContainerRegistry/registries/pull/read); also azadvertizer.net/azrolesadvertizer/7f951dda-4ed3-4680-a7ca-43fe172d538d.html",
    read: READ,
  },
  keyVaultSecretsUser: {
    id: "4633458b-17de-408a-b874-0445c86b69e6", name: "Key Vault Secrets User", // Microsoft: learn.microsoft.com/azure/key-vault/general/rbac-guide (read 2026-12-03)
    source: "https://learn.microsoft.com/azure/key-vault/general/rbac-guide (built-in roles table; MicrosoftDocs/azure-docs articles/key-vault/general/rbac-guide.md)",
    read: READ,
  },
  cognitiveServicesUser: {
    id: "a97b65f3-24c7-4388-baec-2e87135dc908", name: "Cognitive Services User", // azure-rbac-catalog.org and azadvertizer.net, below (read 2026-12-03)
    source: "https://azure-rbac-catalog.org/roles/a97b65f3-24c7-4388-baec-2e87135dc908/cognitive-services-user; azadvertizer.net/azrolesadvertizer/a97b65f3-24c7-4388-baec-2e87135dc908.html",
    read: READ,
  },
  owner: {
    id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", name: "Owner", // azure-rbac-catalog.org, below (read 2026-12-03)
    source: "https://azure-rbac-catalog.org/roles/8e3af657-a8ff-443c-a75c-2fe8c4bcb635/owner (actions: *)",
    read: READ,
  },
  userAccessAdministrator: {
    id: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", name: "User Access Administrator", // azadvertizer.net, below (read 2026-12-03)
    source: "https://www.azadvertizer.net/azrolesadvertizer/18d7d88d-d35e-4fb5-a5c3-7773c20a72d9.html (actions: */read, Microsoft.Authorization/*, Microsoft.Support/*)",
    read: READ,
  },
  roleBasedAccessControlAdministrator: {
    id: "f58310d9-a9f6-439a-9e8d-f62e7b41a168", name: "Role Based Access Control Administrator", // azadvertizer.net, below (read 2026-12-03)
    source: "https://www.azadvertizer.net/azrolesadvertizer/f58310d9-a9f6-439a-9e8d-f62e7b41a168.html (actions: Microsoft.Authorization/roleAssignments/write and /delete, */read)",
    read: READ,
  },
} as const satisfies Record<string, BuiltInRoleDefinition>;

/**
 * Contributor's id was not confirmed by a search here, so the program never uses it; only its name is
 * printed. What it lacks is documented: its NotActions remove "Microsoft.Authorization/*\/Write" (role
 * assignments), which is why a Contributor deployer also needs User Access Administrator or Role Based
 * Access Control Administrator ("assigning roles requires Owner or Role Based Access Control Administrator
 * on the registry", Azure Container Registry roles page, docs.azure.cn/container-registry/container-registry-roles,
 * read 2026-12-03; Contributor role definition described in MicrosoftDocs/azure-docs commit 698377d).
 */
export const CONTRIBUTOR_ROLE_NAME = "Contributor";

/** Azure Managed Redis (Microsoft.Cache/redisEnterprise/databases, API 2025-07-01, azure-native 3.28). */
export const MANAGED_REDIS = {
  /**
   * Non-clustered: one shard, every key in one keyspace, so multi-key Lua scripts and MULTI run as on a
   * single redis-server. Under `EnterpriseCluster` only DEL, MSET, MGET, EXISTS, UNLINK and TOUCH may
   * cross slots (CROSSSLOT otherwise); `OSSCluster` needs a cluster-aware client and same-slot keys.
   * The policy cannot be changed after creation unless it is NoCluster (the API's own description).
   */
  clusteringPolicy: "NoCluster",
  /** Clustering policies under which the registry's multi-key scripts fail. */
  crossSlotPolicies: ["EnterpriseCluster", "OSSCluster"],
  /** A registry must never be evicted. */
  evictionPolicy: "NoEviction",
  /** TLS port of a Managed Redis database. */
  port: 10000,
  /** API 2025-07-01 turned the default to Disabled; the service and KEDA's redis scaler log in with the key. */
  accessKeysAuthentication: "Enabled",
  source: "Azure REST spec Microsoft.Cache/redisEnterprise 2025-07-01 as generated into @pulumi/azure-native 3.28 (types/enums/redisenterprise: ClusteringPolicy EnterpriseCluster | OSSCluster | NoCluster, \"NoCluster policy is used for non-clustered Redis instances\", EvictionPolicy ... NoEviction; github.com/pulumi/pulumi-azure-native); learn.microsoft.com/azure/redis/architecture (\"Multi-key commands\"); port 10000: learn.microsoft.com/azure/redis TLS configuration",
  read: READ,
} as const;

/** Azure Cache for Redis (Microsoft.Cache/redis): Basic, Standard, Premium. */
export const AZURE_CACHE_FOR_REDIS = {
  /** `redisConfiguration.maxmemoryPolicy`: the open-source Redis value. */
  maxmemoryPolicy: "noeviction",
  /** What Azure sets when the property is absent: keys with a TTL are evicted under memory pressure. */
  defaultMaxmemoryPolicy: "volatile-lru",
  /** Only tenants that had an Azure Cache for Redis before this date can create Basic/Standard/Premium caches. */
  creationCutoff: "2026-04-01",
  /** Basic/Standard/Premium retire on this date. */
  retirement: "2028-09-30",
  source: "default volatile-lru: learn.microsoft.com/azure/azure-cache-for-redis/cache-best-practices-memory-management (\"The default policy for Azure Cache for Redis is volatile-lru\"); retirement 2028-09-30: praveenkumarsreeram.com 2026-06-12 (Basic, Standard, Premium retire September 30, 2028). The 2026-04-01 creation cutoff was NOT confirmed by a search here: it is the review's reading of the retirement FAQ (shared Azure notes, 2026-12-03)",
  read: READ,
} as const;

/** Container Apps probe limits (Microsoft.App containerApps probe schema). */
export const CONTAINER_APPS_PROBE = {
  /** When `timeoutSeconds` is absent. */
  defaultTimeoutSeconds: 1,
  maxPeriodSeconds: 240,
  maxFailureThreshold: 10,
  source: "learn.microsoft.com/javascript/api/@azure/arm-appcontainers/containerappprobe (periodSeconds 1-240, failureThreshold 1-10, default 3); timeoutSeconds defaults to 1 s (same reference; the search excerpt cut before that field, so the 1 s default rests on the review's reading of it and of the KEDA/Kubernetes probe default)",
  read: READ,
} as const;

/** Autoscale (Microsoft.Insights/autoscalesettings) metric sources used for App Service. */
export const AUTOSCALE_METRICS = {
  planCpu: { metricName: "CpuPercentage", metricNamespace: "microsoft.web/serverfarms" },
  /** Custom metrics of a workspace-based Application Insights component. */
  appInsightsCustomNamespace: "azure.applicationinsights",
  source: "learn.microsoft.com/azure/azure-monitor/autoscale/autoscale-common-metrics (CpuPercentage on microsoft.web/serverfarms) and autoscale-custom-metric (\"Autoscale with custom metrics\": an Application Insights component as metricResourceUri, namespace azure.applicationinsights), 2024-11-01 pages as cited by the program before this review",
  read: READ,
} as const;

/** App Service Premium v3 Linux plans: vCPUs per instance. */
export const APP_SERVICE_VCPUS = {
  P1v3: 2,
  P2v3: 4,
  P3v3: 8,
  source: "App Service pricing (azure.microsoft.com/pricing/details/app-service/linux): P1v3 2 vCPU / 8 GB, P2v3 4 vCPU / 16 GB, P3v3 8 vCPU / 32 GB; not re-read by a search on 2026-12-03 (the page could not be retrieved here)",
  read: READ,
} as const;

/** Log Analytics workspace ingestion cap (Microsoft.OperationalInsights/workspaces `workspaceCapping.dailyQuotaGb`). */
export const LOG_ANALYTICS = {
  /** -1 (or absent) = no cap. */
  unlimitedDailyQuotaGb: -1,
  source: "WorkspaceCapping.DailyQuotaGb, learn.microsoft.com/dotnet/api/microsoft.azure.management.operationalinsights.models.workspacecapping (\"the workspace daily quota for ingestion\"); -1 = unlimited: terraform-provider-azurerm log_analytics_workspace daily_quota_gb",
  read: READ,
} as const;

/** A realtime model offered in a region, and the deployment type that offers it there. */
export interface RegionOffer {
  region: string;
  deployment: "Global standard" | "Data zone standard" | "Cross-region" | "Regional";
}

/**
 * Voice Live: where each realtime model can be used from a resource in that region ("Voice live" tab of
 * the Speech service regions page). Only the models this product prices (cost/catalogs) are listed.
 * `Cross-region`: the resource must be in that region, and the generative model runs in another
 * (centralindia -> swedencentral, westus2 -> eastus2).
 */
export const VOICE_LIVE_MODEL_REGIONS: { models: Record<string, RegionOffer[]> } & SourcedValue = {
  models: {
    "gpt-realtime": [
      { region: "centralindia", deployment: "Cross-region" },
      { region: "eastus2", deployment: "Global standard" },
      { region: "swedencentral", deployment: "Global standard" },
      { region: "westus2", deployment: "Cross-region" },
    ],
    "gpt-realtime-mini": [
      { region: "centralindia", deployment: "Cross-region" },
      { region: "eastus2", deployment: "Global standard" },
      { region: "swedencentral", deployment: "Global standard" },
      { region: "westus2", deployment: "Cross-region" },
    ],
  },
  source: "https://learn.microsoft.com/azure/ai-services/speech-service/regions?tabs=voice-live (MicrosoftDocs/azure-ai-docs articles/ai-services/speech-service/regions.md, commit 0886d5a: australiaeast offers gpt-4o, gpt-4.1, gpt-5 family, not gpt-realtime)",
  read: READ,
};

/**
 * Azure OpenAI realtime models: the regions whose resources can deploy them (global standard).
 */
export const AZURE_OPENAI_MODEL_REGIONS: { models: Record<string, RegionOffer[]> } & SourcedValue = {
  models: {
    "gpt-realtime": [
      { region: "eastus2", deployment: "Global standard" },
      { region: "swedencentral", deployment: "Global standard" },
    ],
    "gpt-4o-realtime-preview": [
      { region: "eastus2", deployment: "Global standard" },
      { region: "swedencentral", deployment: "Global standard" },
    ],
  },
  source: "https://learn.microsoft.com/azure/ai-foundry/openai/how-to/realtime-audio-webrtc (\"available for global deployments in East US 2 and Sweden Central\"; MicrosoftDocs/azure-ai-docs commits 9615d22 and 41aa75c list gpt-4o-realtime-preview 2024-12-17 and gpt-realtime 2025-08-28 there)",
  read: READ,
};

/**
 * KEDA's redis scaler as Container Apps runs it (a custom scale rule's `type` and metadata; KEDA counts a
 * sorted set with ZCARD). The metadata names and the auth parameter are KEDA's.
 */
export const KEDA_REDIS_SCALER = {
  type: "redis",
  /** The scale rule's auth entry that carries the Redis password. */
  passwordParameter: "password",
  metadataKeys: ["address", "listName", "listLength", "enableTLS", "databaseIndex"],
  source: "https://keda.sh/docs/2.13/scalers/redis-lists (trigger type redis; metadata address host:port, listName, listLength, enableTLS, databaseIndex; password via TriggerAuthentication parameter `password`)",
  read: READ,
} as const;

/**
 * Platform metrics the alerts read (Azure Monitor "Supported metrics" tables; the Microsoft.Cdn/profiles
 * one is generated from Azure's API: MicrosoftDocs/azure-reference-other, supported-metrics include for
 * Microsoft.Cdn/profiles, ms.date 2024-07-30). Not here: Container Apps `RestartCount`, a running total
 * per replica (microsoft/azure-container-apps issues 467 and 1384), which the alerts no longer read.
 */
export const MONITOR_METRICS = {
  containerAppReplicas: { metricName: "Replicas", aggregation: "Maximum" },
  redisCacheServerLoad: { metricName: "serverLoad", aggregation: "Maximum" },
  managedRedisCpu: { metricName: "percentProcessorTime", aggregation: "Maximum" },
  /** Percent of client requests answered 5XX; dimensions Endpoint, ClientRegion, ClientCountry. */
  frontDoor5xx: { metricName: "Percentage5XX", aggregation: "Average" },
  /** Client requests served by Front Door; dimensions HttpStatus, HttpStatusGroup, ClientRegion, ClientCountry, Endpoint. */
  frontDoorRequests: { metricName: "RequestCount", aggregation: "Total" },
  source: "https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-cdn-profiles-metrics (Percentage5XX: Percent, Average; RequestCount: Count, Total); Replicas, serverLoad, percentProcessorTime: the microsoft-app-containerapps, microsoft-cache-redis and microsoft-cache-redisenterprise pages of the same reference as cited by the program before this review (not re-read on 2026-12-03)",
  read: READ,
} as const;

/**
 * ACR's user name for a login with a refresh token from /oauth2/exchange. NOT confirmed by a search on
 * 2026-12-03 (the exchange endpoint is: learn.microsoft.com ContainerRegistryClient.ExchangeAadAccessTokenForAcrRefreshToken,
 * "Exchange AAD tokens for an ACR refresh Token"); the value is the one `az acr login --expose-token` uses.
 */
export const ACR_REFRESH_TOKEN_USER = "00000000-0000-0000-0000-000000000000";

/**
 * Container Apps system log events as a `log-analytics` logs destination stores them (table
 * ContainerAppSystemLogs_CL, string columns suffixed `_s`). Read from users' reports of real workspaces,
 * not from a reference page: a deployment must confirm them.
 */
export const CONTAINER_APPS_SYSTEM_LOG = {
  table: "ContainerAppSystemLogs_CL",
  /** The reason of a container's end. */
  terminatedReason: "ContainerTerminated",
  /** Log_s of that event: "Container '<name>' was terminated with exit code '<n>'". */
  exitCodePattern: "exit code '(\\d+)'",
  source: "https://github.com/microsoft/azure-container-apps/issues/1085 (2024-02-16: ContainerAppSystemLogs_CL, RevisionName_s, Log_s \"Container '...' was terminated with exit code '137'\"); https://github.com/microsoft/azure-container-apps/issues/1163 (2024-05-09: reason codes ContainerTerminated / ContainerCreateFailure)",
  read: READ,
} as const;

/** Microsoft.Insights/workbooks: the resource's fixed values and its content's item kinds. */
export const WORKBOOK = {
  /** "The kind of workbook. Only valid value is shared." */
  kind: "shared",
  category: "workbook",
  notebookVersion: "Notebook/1.0",
  kqlItemVersion: "KqlItem/1.0",
  textItemType: 1,
  queryItemType: 3,
  /** queryType 0: logs (KQL). */
  logsQueryType: 0,
  appInsightsResourceType: "microsoft.insights/components",
  source: "https://learn.microsoft.com/rest/api/application-insights/workbooks/create-or-update?view=rest-application-insights-2021-08-01 (kind: only valid value shared; category, displayName, serializedData required; sample content {\"version\":\"Notebook/1.0\",\"items\":[{\"type\":1,...},{\"type\":3,\"content\":{\"version\":\"KqlItem/1.0\",...}}]}); https://learn.microsoft.com/azure/azure-monitor/visualize/resource-manager-workbooks (category: \"Supported values include workbook, tsg, Azure Monitor\"); queryType 0 with resourceType microsoft.insights/components as in portal-exported workbooks (public templates; Microsoft's content schema was not found by the search tool)",
  read: READ,
} as const;

// ---- Capacity planning for a multi-region stack (stacks/globalCapacity.ts) ------------------------------
// Limits, quotas and SLA percentages the global capacity plan checks against. Each with its source and the
// date it was read; `confidence` says how direct the source is (Microsoft's own page, or a copy/summary).

/** A planning figure Azure publishes, with where it was read. */
export interface SourcedLimit extends SourcedValue {
  value: number;
  /** Whether a support or quota request can raise it. */
  adjustable?: boolean;
  /** high: Microsoft's own page; medium: a Microsoft repository or an exact copy; low: a third-party summary. */
  confidence: "high" | "medium" | "low";
}

/** Front Door Standard/Premium WebSocket and profile limits. */
export const FRONT_DOOR_LIMITS = {
  /** "Currently, each Azure Front Door profile supports up to 3,000 concurrent global connections" (WebSocket page). */
  webSocketsPerProfile: {
    value: 3000, adjustable: false, confidence: "high",
    source: "https://learn.microsoft.com/azure/frontdoor/standard-premium/websocket (ja-jp and zh-cn copies of the current page, and docs.azure.cn/en-us/frontdoor/standard-premium/websocket: each profile supports up to 3,000 concurrent global connections)",
    read: READ,
  },
  /** "Maximum of 500 total Standard and Premium profiles per subscription" (Front Door limits). */
  profilesPerSubscription: {
    value: 500, adjustable: false, confidence: "low",
    source: "Azure Front Door Standard and Premium service limits, French rendering as copied in the Hugging Face dataset AshJem/AzureDB3 ('Maximum de 500 profils Standard et Premium au total par abonnement'; 'Profils maximum par abonnement 500 / 500'); the English include (MicrosoftDocs/azure-docs includes/front-door-limits.md, ms.date 2026-07-14) was read only for its classic tier",
    read: READ,
  },
} as const satisfies Record<string, SourcedLimit>;

/**
 * Container Apps quotas ("Quotas for Azure Container Apps", current table: default and maximum quota).
 * Cores per environment count "the sum of cores requested by each active replica of all revisions in an
 * environment": during a revision change both revisions' replicas count.
 */
export const CONTAINER_APPS_QUOTAS = {
  /** Consumption workload profile: cores per environment, default (quota name: Managed Environment ... Cores). */
  coresPerEnvironment: {
    value: 100, adjustable: true, confidence: "high",
    source: "https://learn.microsoft.com/azure/container-apps/quotas (en-ca/en-us render: Workload Profiles Environments, Consumption workload profile, Cores, Environment, default 100, maximum 5,000, 'Calculated by the sum of cores requested by each active replica of all revisions in an environment'; consumption-only table: default 100, 'Is Configurable: Yes')",
    read: READ,
  },
  /** The most cores an environment's Consumption profile can be raised to. */
  coresPerEnvironmentMax: {
    value: 5000, adjustable: false, confidence: "high",
    source: "https://learn.microsoft.com/azure/container-apps/quotas (Consumption workload profile, Cores, Environment: maximum quota 5,000)",
    read: READ,
  },
  /** Cores one replica may request (Consumption workload profile). */
  coresPerReplica: {
    value: 4, adjustable: false, confidence: "high",
    source: "https://learn.microsoft.com/azure/container-apps/quotas (Consumption workload profile, Cores, Replica: 4, maximum 4)",
    read: READ,
  },
  /** Replicas per revision: unlimited as a quota, but "Maximum replicas configurable are 300 in Azure portal and 1000 in Azure CLI". */
  replicasPerRevision: {
    value: 1000, adjustable: false, confidence: "high",
    source: "https://learn.microsoft.com/azure/container-apps/quotas (Replicas, Revision: 'Maximum replicas configurable are 300 in Azure portal and 1000 in Azure CLI. There must also be enough cores quota available.')",
    read: READ,
  },
  /** Environments per subscription per region (quota name Managed Environment Count). */
  environmentsPerRegion: {
    value: 15, adjustable: true, confidence: "high",
    source: "https://learn.microsoft.com/azure/container-apps/quotas (Environments, Region, default 15, maximum unlimited; Managed Environment Count)",
    read: READ,
  },
} as const satisfies Record<string, SourcedLimit>;

/** An Azure Managed Redis Balanced SKU: memory, whether it joins an active geo-replication group, Microsoft's benchmark throughput. */
export interface ManagedRedisSku {
  sku: string;
  memoryGB: number;
  geoReplication: boolean;
  /** GET requests a second Microsoft measured on this size with memtier_benchmark (1 KB payload, not guaranteed). */
  benchmarkGetsPerSecond: number;
}

/**
 * Azure Managed Redis Balanced sizes. Memory and throughput: Microsoft's "Performance testing with Azure
 * Managed Redis" table (GET requests per second for Balanced by size in GB: 0.5 and 1 GB 120,000; 3 and 6
 * GB 230,000; 12 GB 480,000; 24 GB 810,000; "not guaranteed ... no SLA for these numbers"). The SKU name of
 * each size (B0 0.5 GB, B1 1, B3 3, B5 6, B10 12, B20 24) is read from public SKU tables (the size table on
 * Microsoft's scale page is an image). Geo-replication: "The Balanced B0 and B1 SKUs & Flash Optimized SKUs
 * don't support active geo-replication", and it needs high availability. A per-SKU client connection
 * limit was NOT found by search: the plan prints the connections and says so.
 */
export const MANAGED_REDIS_BALANCED: { skus: ManagedRedisSku[]; usableFraction: number } & SourcedValue = {
  skus: [
    { sku: "Balanced_B0", memoryGB: 0.5, geoReplication: false, benchmarkGetsPerSecond: 120_000 },
    { sku: "Balanced_B1", memoryGB: 1, geoReplication: false, benchmarkGetsPerSecond: 120_000 },
    { sku: "Balanced_B3", memoryGB: 3, geoReplication: true, benchmarkGetsPerSecond: 230_000 },
    { sku: "Balanced_B5", memoryGB: 6, geoReplication: true, benchmarkGetsPerSecond: 230_000 },
    { sku: "Balanced_B10", memoryGB: 12, geoReplication: true, benchmarkGetsPerSecond: 480_000 },
    { sku: "Balanced_B20", memoryGB: 24, geoReplication: true, benchmarkGetsPerSecond: 810_000 },
  ],
  /** Microsoft's benchmark guidance fills an instance "roughly 75% full, accounting for buffers". */
  usableFraction: 0.75,
  source: "MicrosoftDocs/azure-docs articles/redis/best-practices-performance.md (ms.date 2025-11-10: throughput table by size, '75% full, accounting for buffers'); articles/redis/how-to-active-geo-replication.md ('Yes (except B0 and B1)', 'only supported when Azure Managed Redis is in a high availability configuration'); SKU names to sizes: public SKU tables (e.g. 'Balanced B5, 6GB', 'Balanced B10, 12GB'), medium confidence",
  read: READ,
};

/**
 * Voice Live (Speech / Foundry resource, S0) per-resource quotas; both adjustable by support request.
 * The pricing catalog (cost/catalogs/voice-live-*.json) carries the same figures for the cost model.
 */
export const VOICE_LIVE_QUOTAS = {
  newConnectionsPerMinute: {
    value: 30, adjustable: true, confidence: "high",
    source: "https://learn.microsoft.com/azure/ai-services/speech-service/speech-services-quotas-and-limits ('Voice Live quotas and limits per resource': new connections per minute, Standard (S0) 30)",
    read: READ,
  },
  tokensPerMinute: {
    value: 100_000, adjustable: true, confidence: "high",
    source: "Voice Live FAQ (MicrosoftDocs/azure-ai-docs voice-live-faq.yml, ms.date 2026-03-31: 'The current limit is 100,000 tokens per minute per resource'); the quotas page says 120,000: the newer, lower figure is used",
    read: READ,
  },
  /** A connection lasts at most this long: rotation must happen before it. */
  maxConnectionMinutes: {
    value: 60, adjustable: false, confidence: "high",
    source: "https://learn.microsoft.com/azure/ai-services/speech-service/speech-services-quotas-and-limits (Voice Live: a session lasts at most 60 minutes)",
    read: READ,
  },
} as const satisfies Record<string, SourcedLimit>;

/** Azure OpenAI realtime: a session's longest life on Azure (OpenAI's own API allows 60 minutes). */
export const AZURE_OPENAI_REALTIME = {
  maxConnectionMinutes: {
    value: 30, adjustable: false, confidence: "medium",
    source: "Azure OpenAI Realtime documentation as quoted in Microsoft Q&A 'GPT Realtime maximum session length 30 minutes' (learn.microsoft.com/answers, 2026-01-26: 'The maximum session duration is 30 minutes', sessions cut at exactly 30 minutes on Azure; OpenAI's own API: 60)",
    read: READ,
  },
} as const satisfies Record<string, SourcedLimit>;

/**
 * Availability SLAs (monthly uptime) of each layer. Microsoft's consolidated SLA document
 * (microsoft.com/licensing/docs/view/Service-Level-Agreements-SLA-for-Online-Services) could not be read
 * by the search tool here: each figure names the page it was read from instead.
 */
export const SLA = {
  trafficManager: {
    value: 99.99, confidence: "low",
    source: "third-party summaries of Microsoft's SLA (several AZ-305 and architecture tables, e.g. 'Traffic Manager | 99.99% | DNS-based routing'); Microsoft's SLA page not readable here",
    read: READ,
  },
  frontDoor: {
    value: 99.99, confidence: "medium",
    source: "Azure/modern-web-app-pattern-java slo-calculation.md (Microsoft's reference architecture: 'Azure Front Door | 99.990%')",
    read: READ,
  },
  containerApps: {
    value: 99.95, confidence: "medium",
    source: "Azure/modern-web-app-pattern-java slo-calculation.md ('Azure Container Apps | 99.950%'); the reliability page says the SLA 'is based on the scale rules you set'",
    read: READ,
  },
  keyVault: {
    value: 99.99, confidence: "medium",
    source: "Azure/modern-web-app-pattern-java slo-calculation.md ('Azure Key Vault | 99.990%')",
    read: READ,
  },
  /** Azure Managed Redis with high availability (standard replication); without it there is no SLA. */
  managedRedisHa: {
    value: 99.9, confidence: "high",
    source: "learn.microsoft.com azure-cache-for-redis/managed-redis/managed-redis-high-availability ('Standard replication ... 99.9%'; 'Zone redundancy ... 99.99%'); reliability-managed-redis.md: 'To be eligible for availability SLAs for Azure Managed Redis: You must enable high availability configuration'",
    read: READ,
  },
  managedRedisZoneRedundant: {
    value: 99.99, confidence: "high",
    source: "learn.microsoft.com azure-cache-for-redis/managed-redis/managed-redis-high-availability ('Zone redundancy | Multi-node replicated configuration across Availability Zones ... 99.99%')",
    read: READ,
  },
  /** Azure AI services (Cognitive Services: the Speech/Foundry resource Voice Live runs on, and Azure OpenAI). */
  aiServices: {
    value: 99.9, confidence: "low",
    source: "Azure SLA summary 'We guarantee that Cognitive Services will be available at least 99.9% of the time' (selina603/mktcontent support/sla/abstract-en.md, a copy of Azure's SLA summary page, 2017); no newer figure found",
    read: READ,
  },
} as const satisfies Record<string, SourcedLimit>;
// ------------------------------------------------------------------------------------ several regions

/** Front Door Standard/Premium: what one profile carries, and how its origin groups probe. */
export const FRONT_DOOR = {
  /** The WebSocket cap per profile (FRONT_DOOR_LIMITS, with its source). */
  webSocketConnectionsPerProfile: FRONT_DOOR_LIMITS.webSocketsPerProfile.value,
  /** Origins per origin group (Standard and Premium). */
  maxOriginsPerOriginGroup: 50,
  /** The probe interval the health probe page calls the default, and uses for its probe-volume example. */
  probeIntervalSeconds: 30,
  /** "For new Front Door profiles, by default, the probe method is set as HEAD"; HEAD recommended. */
  probeRequestType: "HEAD",
  probeProtocol: "Https",
  /** Only a 200 counts as healthy. */
  healthyStatus: 200,
  source: "origins per group: the Front Door Standard and Premium limits table (the French edition of learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits as found by the search, 'Origines maximales par groupe d'origines 50 / 50'); probes: learn.microsoft.com/azure/frontdoor/health-probes (MicrosoftDocs/azure-docs articles/frontdoor/health-probes.md, ms.date 2025-01-29: 'default probe frequency of 30 seconds', HEAD default, '200 OK status code indicates the origin is healthy', 'If you have multiple origins in your origin group ... you can't disable health probes')",
  read: READ,
} as const;

/**
 * Azure Traffic Manager (Microsoft.Network/trafficmanagerprofiles, azure-native `trafficmanager`): the
 * values the program sets and the limits the failover time follows from.
 */
export const TRAFFIC_MANAGER = {
  /** trafficRoutingMethod: Performance | Priority | Weighted | Geographic | MultiValue | Subnet. */
  weighted: "Weighted",
  /** The endpoint type segment of an external endpoint (Microsoft.Network/trafficmanagerprofiles/ExternalEndpoints). */
  externalEndpoints: "ExternalEndpoints",
  monitorProtocol: "HTTPS",
  /** intervalInSeconds takes 30 (normal) or 10 (fast probing). */
  probeIntervalsSeconds: [10, 30],
  /** With a 10 s interval the timeout is 5-9 s; with 30 s, 5-10 s. */
  fastProbeTimeoutSeconds: { min: 5, max: 9 },
  /** toleratedNumberOfFailures: 0-9 (default 3); the endpoint is Degraded after one failure more. */
  toleratedFailures: { min: 0, max: 9 },
  /** Probes come only from US-based Azure regions (they reach Front Door's US edge locations). */
  probesFromUsOnly: true,
  /** Microsoft's reliability recommendation for a profile's DNS TTL. */
  recommendedTtlSeconds: 60,
  /** Fast probing costs extra per external endpoint per month (USD). */
  fastProbingExternalEndpointMonthlyUsd: 2,
  source: "learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring (MicrosoftDocs/azure-docs articles/traffic-manager/traffic-manager-monitoring.md: intervals 30/10 s, tolerated failures 0-9 default 3, timeouts 5-10 / 5-9 s, failover timeline 'after a fourth consecutive failure ... Degraded', clients follow cached DNS answers until the TTL expires); TTL 60 s: learn.microsoft.com/azure/reliability/reliability-traffic-manager ('TTL value of user profiles should be in 60 seconds'); US-only probes: learn.microsoft.com/azure/frontdoor/high-availability (ms.date 2026-01-28); fast probing $2 per external endpoint a month: azure.microsoft.com/roadmap/fast-failover-and-tcp-probing-in-azure-traffic-manager (2017-06-30); routing methods: @pulumi/azure-native 3.28 enums trafficmanager.TrafficRoutingMethod (generated from the REST spec); ExternalEndpoints: learn.microsoft.com/azure/templates/microsoft.network/trafficmanagerprofiles/externalendpoints",
  read: READ,
} as const;

/** Front Door custom domains behind Traffic Manager: what Microsoft says, and what could not be confirmed. */
export const FRONT_DOOR_DOMAIN_CHAIN = {
  /** A managed certificate is not renewed automatically when the domain reaches Front Door through Traffic Manager. */
  managedCertificateAutoRenewsThroughTrafficManager: false,
  /** Days before expiry a managed certificate waits for revalidation (Pending Revalidation). */
  revalidationDaysBeforeExpiry: 45,
  /** Front Door (classic) says a custom domain is on one profile at a time; no Standard/Premium page read here says more. */
  oneDomainOnSeveralProfilesConfirmed: false,
  source: "learn.microsoft.com/azure/frontdoor/domain (MicrosoftDocs/azure-docs articles/frontdoor/domain.md: 'Azure Front Door won't automatically rotate certificates ... if your DNS record points to Azure Traffic Manager, which in turn resolves to Azure Front Door'; 45 days); classic: learn.microsoft.com/azure/frontdoor/front-door-custom-domain ('A custom domain can only be associated with one Front Door profile at a time')",
  read: READ,
} as const;

/**
 * An upstream resource the program creates (`create` on an upstream entry): a Foundry (AI Services)
 * account, and for Azure OpenAI upstreams the model deployment.
 */
export const COGNITIVE_SERVICES = {
  /** Microsoft.CognitiveServices/accounts kind of a Foundry / AI Services multi-service resource (Voice Live, Azure OpenAI). */
  kind: "AIServices",
  sku: "S0",
  /** The only values `create.sku` accepts here. */
  deploymentSkus: ["GlobalStandard", "DataZoneStandard", "Standard"],
  /** DeploymentModel.format of Azure OpenAI models. */
  openAiModelFormat: "OpenAI",
  /** The endpoints an account answers on, under its custom subdomain. */
  endpointDomains: ["services.ai.azure.com", "cognitiveservices.azure.com", "openai.azure.com"],
  source: "account: Azure/template-reference-generator settings/remarks/microsoft.cognitiveservices/samples/accounts/projects/main.bicep (Microsoft.CognitiveServices/accounts@2025-06-01: kind 'AIServices', sku 'S0', customSubDomainName, disableLocalAuth, publicNetworkAccess 'Enabled'); deployment: public templates deploying gpt-realtime 2025-08-28 as { format: 'OpenAI', sku GlobalStandard } (e.g. codgician/serenitea-pot gpt-realtime.nix); endpoint domains: the upstream URLs this project's stacks use (<name>.services.ai.azure.com) and Azure OpenAI's <name>.openai.azure.com; a deployment with a real subscription confirms the pairs",
  read: READ,
} as const;

// ------------------------------------------------------------------ what a surviving region depends on

/**
 * Azure Container Registry geo-replication (Microsoft.ContainerRegistry/registries/replications,
 * azure-native `containerregistry.Replication`, API version 2024-11-01-preview in @pulumi/azure-native
 * 3.28): what a stack with several regions relies on to start replicas when the registry's home region
 * is lost.
 */
export const ACR_GEO_REPLICATION = {
  /** Geo-replication is a Premium feature. */
  requiredSku: "Premium",
  /** One login server for every replica: Azure routes a pull to the replica with the best network performance for the client, usually the closest. */
  oneLoginServer: true,
  /** An outage of the home region or a replica region leaves pushes and pulls working; management operations (network rules, new replicas) may fail while the home region is down. */
  dataPlaneSurvivesHomeRegionOutage: true,
  /** "you incur Premium registry fees for each region": the home region and every replica. */
  premiumFeePerReplicaRegion: true,
  /** Regional endpoints (<registry>.<region>.geo.azurecr.io) exist as a preview: not used; the global login server is. */
  regionalEndpointsPreview: true,
  /** With private endpoints, each replica region gets a dedicated data endpoint (<registry>.<region>.data.azurecr.io). */
  dataEndpointPerReplicaRegion: true,
  /**
   * Private IPs a registry private endpoint takes: one for the login server, one per region's data
   * endpoint (home region included); adding a replica allocates one more in EVERY VNet holding a private
   * endpoint of the registry, and fails and rolls back when one of those subnets has no free address.
   */
  privateEndpointAddresses: (regions: number): number => 1 + regions,
  /**
   * Zone redundancy is on by default for every registry and geo-replica in regions with availability
   * zones (eastus2 and swedencentral have them); the zoneRedundancy property may still read Disabled.
   * The program leaves the property at the SDK's default, as for the registry itself.
   */
  replicasZoneRedundantByDefault: true,
  source: "zone redundancy: docs.azure.cn/en-us/container-registry/zone-redundancy (Microsoft's page: 'Zone redundancy is enabled by default for all Azure container registries in regions that support availability zones'; 'If your Premium registry uses geo-replication, all replicas in supported regions are also zone-redundant by default'; 'The zoneRedundancy property ... might still show as false'; region list includes East US 2 and Sweden Central: learn.microsoft.com/azure/container-registry/zone-redundancy); learn.microsoft.com/azure/container-registry/container-registry-geo-replication (MicrosoftDocs/azure-docs articles/container-registry/container-registry-geo-replication.md: 'Geo-replication requires the Premium SKU'; 'Use one global endpoint ... Azure routes requests to the geo-replica with the best network performance profile'; 'If an outage occurs in the registry's home region ... a geo-replicated registry remains available for data plane operations such as pushing or pulling'; 'If the registry's home region becomes unavailable, you may be unable to carry out registry management operations'; 'you incur Premium registry fees for each region'; 'If you configure a private link ... dedicated data endpoints in each of the geo-replicated regions are enabled by default'); learn.microsoft.com/azure/container-registry/container-registry-endpoint-reference (global, regional <registry>.<region>.geo.azurecr.io, data <registry>.<region>.data.azurecr.io endpoints); container-registry-private-link.md ('two private IP addresses ... one for the registry itself, and one for the registry's data endpoint'; 'If your registry is geo-replicated, query for the additional data endpoint for each registry replica'; group member names registry and registry_data_<region>); ACR maintainer's review of MicrosoftDocs/azure-management-docs pull request 155 (2026-06-16: 'when you add a replication region to a registry with private endpoints, it allocates an additional private IP in each associated VNet for that region's data endpoint ... if any private endpoint subnet across any connected VNet lacks free IPs, replica provisioning fails and rolls back'); regional endpoints in preview: Azure/acr docs/preview/regional-endpoints (ms.date 2026-03-02) and the Apps on Azure blog's public preview post",
  read: READ,
} as const;

/**
 * Key Vault's own redundancy, and why a stack with several regions gets a vault per region instead: its
 * contents replicate to the vault region's PAIRED region, and Microsoft (not the customer) fails requests
 * over, best effort; during failover the vault is read-only.
 */
export const KEY_VAULT_REDUNDANCY = {
  /** Contents replicate within the region and to the paired region (same geography). */
  replicatesToPairedRegion: true,
  /** Failover to the pair is Microsoft-managed: the customer cannot trigger it. */
  customerTriggeredFailover: false,
  /** During failover the vault serves reads (list/get secrets) only. */
  readOnlyDuringFailover: true,
  /** A private endpoint connection may take up to this long more to come back after a region failover. */
  privateLinkReconnectMinutes: 20,
  /** Vault names: ^[a-zA-Z0-9-]{3,24}$ (globally unique: <name>.vault.azure.net). */
  namePattern: "^[a-zA-Z0-9-]{3,24}$",
  maxNameLength: 24,
  source: "learn.microsoft.com/azure/key-vault/general/disaster-recovery-guidance ('For most Azure regions that are paired with another region, the contents of your key vault are replicated both within the region and to the paired region'; 'it may take up to 20 minutes for the connection to be re-established' with private link; 'During failover, your key vault is in read-only mode ... List secrets, Get secrets'); azure.github.io/multi-region-platform key-vault-across-regions ('Certificates and secrets: Use a Key Vault in each region'; Microsoft-managed failover 'You cannot trigger this failover. Initiation can take hours or longer'); name pattern: the Microsoft.KeyVault vaults CreateOrUpdate REST spec (vaultName pattern '^[a-zA-Z0-9-]{3,24}$')",
  read: READ,
} as const;

/**
 * Azure region pairs of the locations the shipped stacks use: Key Vault's paired-region copy of an
 * eastus2 vault lives in centralus, not in swedencentral, so it does not serve a stack's second region.
 */
export const REGION_PAIRS: Record<string, string> = {
  eastus2: "centralus",
  swedencentral: "swedensouth",
};
export const REGION_PAIRS_SOURCE = {
  source: "East US 2 / Central US: the Azure region pairs table (learn.microsoft.com/azure/reliability/cross-region-replication-azure; copy at azurecloud.expert/2018/01/08/azure-paired-regions 'North America East US 2 Central US'); Sweden Central / Sweden South: technspire.com 'Azure Sweden Central Deep Dive' (2026-02-19: 'paired for high-availability with Sweden South'); Microsoft's table could not be read here in full",
  read: READ,
} as const;
