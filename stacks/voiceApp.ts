import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import { HealthPath, OPEN_SESSIONS_KEY, SERVICE_PORT } from "../contracts";
import type { StackConfig } from "./config";
import { KEDA_REDIS_SCALER } from "./azureLiterals";
import { regionUpstreams } from "./regions";
import { apiKeySecretName, COST_RECORD_SALT_SECRET, PEER_REDIS_URLS_SECRET, REDIS_KEY_SECRET, serviceEnvironment } from "./serviceEnv";
import { LIVENESS_PERIOD_SECONDS, READINESS_PERIOD_SECONDS, type ScaleSettings, type StackSizing } from "./sizing";

/** Scale rule names (also what the plan and the alerts call them). */
export const ScaleRuleName = { http: "http-starts", openSessions: "open-sessions" } as const;

/**
 * The container app's scale rules. KEDA takes the larger count any rule asks for
 * (learn.microsoft.com/azure/container-apps/scale-app, read 2026-11):
 * - HTTP: concurrentRequests = sessionsPerReplica. Container Apps counts requests in the last 15 s / 15
 *   and a WebSocket once, at its upgrade, so this rule sees the rate of new sessions: it absorbs a burst
 *   of starts, and on its own would leave a stack at minReplicas while sessions pile up.
 * - custom `redis` (KEDA redis scaler, keda.sh/docs/2.15/scalers/redis-lists): the cardinality of the
 *   registry's sorted set of open sessions (the scaler runs TYPE, then ZCARD for a zset), target
 *   `listLength` = sessionsPerReplica per replica: replicas follow the sessions that are open, which is
 *   what costs. Password from the Key Vault-backed secret `redis-key`; TLS on. The registry prunes
 *   members one TTL (15 s) after their last heartbeat, so a crashed replica's sessions stop counting.
 */
export function scaleRules(scale: ScaleSettings, redis: { host: string; port: number }): azureInputs.app.ScaleRuleArgs[] {
  return [
    { name: ScaleRuleName.http, http: { metadata: { concurrentRequests: String(scale.httpConcurrentRequests) } } },
    {
      name: ScaleRuleName.openSessions,
      custom: {
        type: KEDA_REDIS_SCALER.type,
        metadata: {
          address: `${redis.host}:${redis.port}`,
          listName: OPEN_SESSIONS_KEY,
          listLength: String(scale.sessionsPerReplica),
          enableTLS: "true",
          databaseIndex: "0",
        },
        auth: [{ secretRef: REDIS_KEY_SECRET, triggerParameter: KEDA_REDIS_SCALER.passwordParameter }],
      },
    },
  ];
}

export interface VoiceAppArgs {
  resourceGroupName: pulumi.Input<string>;
  /** A region name such as eastus2 (its upstreams come first in a multi-region stack's UPSTREAMS). */
  location: string;
  environmentName: string;
  appName: string;
  config: StackConfig;
  sizing: StackSizing;
  workspaceCustomerId: pulumi.Input<string>;
  /** A secret: the environment stores it, and Pulumi's state keeps it encrypted. */
  workspaceSharedKey: pulumi.Output<string>;
  identityId: pulumi.Input<string>;
  registryServer: pulumi.Input<string>;
  image: pulumi.Input<string>;
  /** Versionless Key Vault secret URIs by Container Apps secret name. */
  keyVaultSecrets: Record<string, pulumi.Input<string>>;
  appInsightsConnectionString: pulumi.Input<string>;
  /** Every Front Door profile's id, comma-separated (the proxy accepts any of them in X-Azure-FDID). */
  frontDoorId?: pulumi.Input<string>;
  /**
   * A stack with several regions: this app's region name (REGION) and the other regions' Redis URLs
   * (PEER_REDIS_URLS, from the `peer-redis-urls` secret). Absent in a single-region stack.
   */
  region?: string;
  /** Where the open-sessions rule reads the registry (its password is the `redis-key` secret). */
  redisHost: pulumi.Input<string>;
  redisPort: pulumi.Input<number>;
  /**
   * Role assignments the first revision needs (AcrPull to pull the image, Key Vault Secrets User to
   * resolve the secret references): the app itself waits for them, not only its component.
   */
  requiredRoles: pulumi.Resource[];
  /** The private network's environment subnet: a zone-redundant workload-profiles environment in it. */
  network?: { infrastructureSubnetId: pulumi.Input<string> };
}

/**
 * The environment's network settings with the private network: a workload-profiles environment (its
 * Consumption profile: New-AzContainerAppWorkloadProfileObject -Name "Consumption" -Type "Consumption",
 * learn.microsoft.com az.app, read 2026-12-03) in the stack's subnet, zone-redundant, with public network
 * access 'Disabled' so Front Door's Private Link is the only way in (`az containerapp env update
 * --public-network-access Disabled`, learn.microsoft.com/azure/container-apps/how-to-integrate-with-azure-
 * front-door, ms.date 2025-05-02). The ingress stays external: Front Door's private endpoint reaches the
 * environment's ingress, as in that guide.
 */
export const CONSUMPTION_PROFILE = { name: "Consumption", workloadProfileType: "Consumption" } as const;
export function privateEnvironment(infrastructureSubnetId: pulumi.Input<string>) {
  return {
    workloadProfiles: [{ ...CONSUMPTION_PROFILE }],
    vnetConfiguration: { infrastructureSubnetId, internal: false },
    zoneRedundant: true,
    publicNetworkAccess: "Disabled",
  };
}

/**
 * The Container Apps environment and the voice proxy app: external HTTP ingress on 3000 with sticky
 * sessions (single revision mode, which sticky sessions require), two scale rules (new sessions and
 * open sessions, see scaleRules), probes on /healthz and /readyz, a drain-long grace period, secrets only as Key
 * Vault references through the user-assigned identity, and the image pulled by that identity.
 */
export class VoiceApp extends pulumi.ComponentResource {
  readonly environment: app.ManagedEnvironment;
  readonly app: app.ContainerApp;
  readonly fqdn: pulumi.Output<string>;

  constructor(name: string, args: VoiceAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:VoiceApp", name, {}, opts);
    const { config, sizing } = args;
    for (const u of config.upstreams.filter((x) => x.auth === "key")) {
      if (!args.keyVaultSecrets[apiKeySecretName(u)]) throw new Error(`VoiceApp: no Key Vault secret for upstream "${u.name}"`);
    }
    if (!args.keyVaultSecrets[REDIS_KEY_SECRET]) throw new Error(`VoiceApp: no Key Vault secret "${REDIS_KEY_SECRET}" for the open-sessions scale rule`);
    if (args.region && !args.keyVaultSecrets[PEER_REDIS_URLS_SECRET]) throw new Error(`VoiceApp: region ${args.region} has no Key Vault secret "${PEER_REDIS_URLS_SECRET}" (the other regions' Redis)`);
    this.environment = new app.ManagedEnvironment(`${name}-env`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      environmentName: args.environmentName,
      appLogsConfiguration: {
        destination: "log-analytics",
        logAnalyticsConfiguration: { customerId: args.workspaceCustomerId, sharedKey: pulumi.secret(args.workspaceSharedKey) },
      },
      ...(args.network ? privateEnvironment(args.network.infrastructureSubnetId) : {}),
    }, { parent: this });

    const env = pulumi.all([args.frontDoorId, args.appInsightsConnectionString]).apply(([frontDoorId, cs]) =>
      serviceEnvironment(config, sizing, {
        frontDoorId, appInsightsConnectionString: cs, costRecordSalt: COST_RECORD_SALT_SECRET in args.keyVaultSecrets,
        region: args.region ? { name: args.region, upstreams: regionUpstreams(config.upstreams, String(args.location)) } : undefined,
      }));

    this.app = new app.ContainerApp(`${name}-app`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      containerAppName: args.appName,
      managedEnvironmentId: this.environment.id,
      ...(args.network ? { workloadProfileName: CONSUMPTION_PROFILE.name } : {}),
      identity: { type: app.ManagedServiceIdentityType.UserAssigned, userAssignedIdentities: [args.identityId] },
      configuration: {
        activeRevisionsMode: app.ActiveRevisionsMode.Single,
        ingress: {
          external: true,
          targetPort: SERVICE_PORT,
          transport: app.IngressTransportMethod.Http,
          allowInsecure: false,
          stickySessions: { affinity: app.Affinity.Sticky },
        },
        registries: [{ server: args.registryServer, identity: args.identityId }],
        secrets: Object.entries(args.keyVaultSecrets).map(([secretName, url]) => ({ name: secretName, keyVaultUrl: url, identity: args.identityId })),
      },
      template: {
        terminationGracePeriodSeconds: sizing.terminationGraceSeconds,
        containers: [{
          name: "voice-proxy",
          image: args.image,
          resources: { cpu: config.cpu, memory: `${config.memoryGiB}Gi` },
          env,
          probes: [
            // Timeouts over the longest stall a loaded replica shows (sizing.ts probeTimeoutSeconds), not the 1 s default.
            { type: app.Type.Liveness, httpGet: { path: HealthPath.live, port: SERVICE_PORT }, periodSeconds: LIVENESS_PERIOD_SECONDS, timeoutSeconds: sizing.probeTimeouts.liveness, failureThreshold: 3 },
            { type: app.Type.Readiness, httpGet: { path: HealthPath.ready, port: SERVICE_PORT }, periodSeconds: READINESS_PERIOD_SECONDS, timeoutSeconds: sizing.probeTimeouts.readiness, failureThreshold: 2 },
            { type: app.Type.Startup, httpGet: { path: HealthPath.live, port: SERVICE_PORT }, periodSeconds: 2, failureThreshold: 30 },
          ],
        }],
        scale: {
          minReplicas: sizing.scale.minReplicas,
          maxReplicas: sizing.scale.maxReplicas,
          pollingInterval: sizing.scale.pollingSeconds,
          cooldownPeriod: sizing.scale.cooldownSeconds,
          rules: pulumi.all([args.redisHost, args.redisPort]).apply(([host, port]) => scaleRules(sizing.scale, { host, port })),
        },
      },
    }, { parent: this, dependsOn: args.requiredRoles });
    this.fqdn = this.app.configuration.apply((c) => c?.ingress?.fqdn ?? "");
    this.registerOutputs({ fqdn: this.fqdn });
  }
}
