/**
 * The composition: every component of the platform, wired from one validated stack config.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { deriveBudget, planCapacity, type BudgetDerivation, type CapacityPlan } from "../cost";
import { Alerts } from "./alerts";
import { Budget, firstOfMonth } from "./budget";
import type { StackConfig } from "./config";
import { VoiceApp } from "./containerApp";
import { globalNames, resourceNames, sessionCapacity } from "./derived";
import { FrontDoorProfile, FrontDoorRoute } from "./frontDoor";
import { Observability } from "./observability";
import { RedisStore } from "./redisStore";
import { ServiceImage, type RegistryTokenExchange } from "./registry";
import { apiKeySecretName, REDIS_URL_SECRET } from "./serviceEnv";
import { Vault } from "./vault";
import { isProduction, PROJECT } from "./config";

export interface PlatformSecrets {
  /** Upstream API key by upstream name (key-auth upstreams only). */
  upstreamKeys: pulumi.Output<Record<string, string>>;
  alertWebhookUrl?: pulumi.Output<string>;
}

export interface PlatformOptions {
  stack: string;
  config: StackConfig;
  secrets: PlatformSecrets;
  /** Repository root: the image's build context. */
  contextDir: string;
  exchangeRegistryToken: RegistryTokenExchange;
  now?: Date;
}

export interface PlatformResult {
  outputs: Record<string, pulumi.Output<unknown> | unknown>;
  budget: { amount: number; derivation?: BudgetDerivation };
  capacity?: CapacityPlan;
  warnings: string[];
}

export function budgetFor(config: StackConfig): { amount: number; derivation?: BudgetDerivation } {
  const b = config.budget;
  if (b.amount !== undefined) return { amount: b.amount };
  const derivation = deriveBudget({
    catalogId: b.catalog,
    interviewsPerDay: b.interviewsPerDay!,
    minutesPerInterview: b.minutesPerInterview!,
    headroomPercent: b.headroomPercent,
    sizing: sizingOf(config),
    upstreamResources: topPriorityUpstreams(config),
    rotateMinutes: config.session.rotateMinutes,
  });
  return { amount: derivation.amount, derivation };
}

export function sizingOf(config: StackConfig) {
  return {
    minReplicas: config.replicas.min, maxReplicas: config.replicas.max, sessionsPerReplica: config.sessionsPerReplica,
    cpu: config.cpu, memoryGiB: config.memoryGiB, redisSku: config.redis.sku, frontDoor: config.frontDoor.enabled,
  };
}

/** Upstream entries sharing the best priority: the resources new sessions spread over. */
export function topPriorityUpstreams(config: StackConfig): number {
  const top = Math.min(...config.upstreams.map((u) => u.priority));
  return config.upstreams.filter((u) => u.priority === top).length;
}

export function capacityFor(config: StackConfig): CapacityPlan | undefined {
  const b = config.budget;
  if (b.interviewsPerDay === undefined || b.minutesPerInterview === undefined) return undefined;
  return planCapacity({
    interviewsPerDay: b.interviewsPerDay, minutesPerInterview: b.minutesPerInterview,
    sessionsPerReplica: config.sessionsPerReplica, minReplicas: config.replicas.min, maxReplicas: config.replicas.max,
    upstreamResources: topPriorityUpstreams(config), rotateMinutes: config.session.rotateMinutes,
  });
}

export function createPlatform(options: PlatformOptions): PlatformResult {
  const { config, stack, secrets } = options;
  const names = resourceNames(PROJECT, stack);
  const location = config.location;
  const client = authorization.getClientConfigOutput();
  const unique = client.subscriptionId.apply((id) => globalNames(PROJECT, stack, id));

  const group = new resources.ResourceGroup("rg", { resourceGroupName: names.resourceGroup, location });
  const resourceGroupName = group.name;

  const observability = new Observability("observability", {
    resourceGroupName, location, workspaceName: names.logAnalytics, appInsightsName: names.appInsights,
  });

  const vault = new Vault("vault", {
    resourceGroupName, location, identityName: names.identity, vaultName: unique.keyVault,
    tenantId: client.tenantId, subscriptionId: client.subscriptionId, deployerObjectId: client.objectId,
    purgeProtection: isProduction(stack),
  });

  const keyVaultSecrets: Record<string, pulumi.Output<string>> = {};
  for (const upstream of config.upstreams.filter((u) => u.auth === "key")) {
    const key = secrets.upstreamKeys.apply((keys) => {
      const value = keys[upstream.name];
      if (!value) throw new Error(`${stack}: upstreamKeys.${upstream.name}: missing; set it with: pulumi config set --secret --path 'voice-platform:upstreamKeys.${upstream.name}' <key> -s ${stack}`);
      return value;
    });
    keyVaultSecrets[apiKeySecretName(upstream)] = vault.secret(`secret-${upstream.name}`, apiKeySecretName(upstream), key);
  }

  const redis = new RedisStore("redis", { resourceGroupName, location, name: unique.redis, sku: config.redis.sku });
  keyVaultSecrets[REDIS_URL_SECRET] = vault.secret("secret-redis-url", REDIS_URL_SECRET, redis.url);

  const image = new ServiceImage("image", {
    resourceGroupName, location, registryName: unique.registry, contextDir: options.contextDir,
    tenantId: client.tenantId, subscriptionId: client.subscriptionId,
    deployerAccessToken: authorization.getClientTokenOutput().token,
    exchangeToken: options.exchangeRegistryToken, pullerPrincipalId: vault.identity.principalId,
  });

  const frontDoor = config.frontDoor.enabled ? new FrontDoorProfile("frontdoor", { resourceGroupName, profileName: names.frontDoor }) : undefined;

  const sharedKeys = operationalinsights.getSharedKeysOutput({ resourceGroupName, workspaceName: observability.workspace.name });
  const voiceApp = new VoiceApp("voice", {
    resourceGroupName, location, environmentName: names.environment, appName: names.containerApp, config,
    workspaceCustomerId: observability.workspace.customerId,
    workspaceSharedKey: sharedKeys.apply((k) => k.primarySharedKey ?? ""),
    identityId: vault.identity.id,
    registryServer: image.registry.loginServer,
    image: image.repoDigest,
    keyVaultSecrets,
    appInsightsConnectionString: observability.connectionString,
    frontDoorId: frontDoor?.frontDoorId,
  }, { dependsOn: [image.pullRole] });

  const route = frontDoor
    ? new FrontDoorRoute("frontdoor-route", { resourceGroupName, profileName: frontDoor.profile.name, endpointName: names.frontDoor, originHostName: voiceApp.fqdn })
    : undefined;

  const alerts = new Alerts("alerts", {
    resourceGroupName, location, actionGroupName: names.actionGroup, config,
    appInsightsId: observability.appInsights.id, containerAppId: voiceApp.app.id, redisId: redis.resourceId,
    frontDoorProfileId: frontDoor?.profile.id, webhookUrl: secrets.alertWebhookUrl,
  });

  const budget = budgetFor(config);
  new Budget("budget", {
    scope: group.id, budgetName: names.budget, amount: budget.amount, financeEmails: config.budget.financeEmails,
    actionGroupId: alerts.actionGroup.id, startDate: config.budget.startDate ?? firstOfMonth(options.now ?? new Date()),
  });

  const capacity = capacityFor(config);
  const publicHost = route ? route.hostName : voiceApp.fqdn;
  return {
    outputs: {
      wssUrl: pulumi.interpolate`wss://${publicHost}/voice-live/realtime`,
      appFqdn: voiceApp.fqdn,
      imageDigest: image.repoDigest,
      keyVaultName: vault.vault.name,
      budgetAmount: budget.amount,
      sessionCapacity: sessionCapacity(config),
      frontDoorId: frontDoor?.frontDoorId,
    },
    budget,
    capacity,
    warnings: capacity?.warnings ?? [],
  };
}
