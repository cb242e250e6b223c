/**
 * The program: read and validate the stack's configuration once, derive its sizing, compose every
 * component, and return the stack outputs. `pulumi up` runs it through index.ts; `npm run plan` runs the
 * same function under Pulumi's mock engine with its own dependencies (no network).
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { Alerts } from "./alerts";
import { Budget, firstOfMonth } from "./budget";
import { isProduction, parseConfigValue, parseStackConfig, PROJECT, StackConfigError, StackConfigSchema, type StackConfig } from "./config";
import { FrontDoorProfile } from "./frontDoorProfile";
import { FrontDoorRoute } from "./frontDoorRoute";
import { globalNames, resourceNames } from "./names";
import { Observability } from "./observability";
import { RedisStore } from "./redisStore";
import { ServiceImage, type RegistryTokenExchange } from "./serviceImage";
import { apiKeySecretName, REDIS_KEY_SECRET, REDIS_URL_SECRET } from "./serviceEnv";
import { sizeStack, type StackSizing } from "./sizing";
import { Vault } from "./vault";
import { VoiceApp } from "./voiceApp";
import { VoiceWebApp } from "./webApp";

export interface PlatformSecrets {
  /** Upstream API key by upstream name (key-auth upstreams only). */
  upstreamKeys: pulumi.Output<Record<string, string>>;
  alertWebhookUrl?: pulumi.Output<string>;
}

/** What the program needs from outside Pulumi: the image's build context and the registry login. */
export interface ProgramDeps {
  /** Repository root: the image's build context. */
  contextDir: string;
  exchangeRegistryToken: RegistryTokenExchange;
  now?: Date;
}

export interface PlatformOptions extends ProgramDeps {
  stack: string;
  config: StackConfig;
  secrets: PlatformSecrets;
}

export interface PlatformResult {
  outputs: Record<string, pulumi.Output<unknown> | unknown>;
  sizing: StackSizing;
}

/** The stack's configuration as the engine hands it over (structured values as JSON), validated once. */
export function readStackConfig(stack: string, cfg: pulumi.Config): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(StackConfigSchema.shape)) {
    const value = cfg.get(key);
    if (value !== undefined) raw[key] = parseConfigValue(value);
  }
  try {
    return parseStackConfig(stack, raw);
  } catch (error) {
    if (error instanceof StackConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

/** The Pulumi program. Returns the stack outputs. */
export function voicePlatform(deps: ProgramDeps): Record<string, unknown> {
  const stack = pulumi.getStack();
  const cfg = new pulumi.Config(PROJECT);
  const config = readStackConfig(stack, cfg);
  const platform = createPlatform({
    ...deps,
    stack,
    config,
    secrets: {
      upstreamKeys: cfg.getSecretObject<Record<string, string>>("upstreamKeys") ?? pulumi.secret<Record<string, string>>({}),
      alertWebhookUrl: cfg.getSecret("alertWebhookUrl"),
    },
  });
  return {
    ...platform.outputs,
    budgetDerivation: platform.sizing.budget.derivation?.lines ?? [`fixed amount ${platform.sizing.budget.amount}`],
    capacityWarnings: platform.sizing.warnings,
    sessionsPerReplicaBasis: { configured: config.sessionsPerReplica, ...platform.sizing.sessionsPerReplicaBasis },
    scaleDays: platform.sizing.scaleDays,
    infrastructureMonthly: platform.sizing.estimate?.monthly.infrastructureBreakdown,
  };
}

export function createPlatform(options: PlatformOptions): PlatformResult {
  const { config, stack, secrets } = options;
  const sizing = sizeStack(config);
  const names = resourceNames(PROJECT, stack);
  const location = config.location;
  const client = authorization.getClientConfigOutput();
  const unique = client.subscriptionId.apply((id) => globalNames(PROJECT, stack, id, config.keyVault.generation));

  const group = new resources.ResourceGroup("rg", { resourceGroupName: names.resourceGroup, location });
  const resourceGroupName = group.name;

  const observability = new Observability("observability", {
    resourceGroupName, location, workspaceName: names.logAnalytics, appInsightsName: names.appInsights,
  });

  const vault = new Vault("vault", {
    resourceGroupName, location, identityName: names.identity, vaultName: unique.keyVault,
    tenantId: client.tenantId, subscriptionId: client.subscriptionId,
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
  // The open-sessions scale rule's password (Container Apps only: App Service's autoscaler cannot use it).
  if (config.hosting === "containerApps") keyVaultSecrets[REDIS_KEY_SECRET] = vault.secret("secret-redis-key", REDIS_KEY_SECRET, redis.accessKey);

  const image = new ServiceImage("image", {
    resourceGroupName, location, registryName: unique.registry, contextDir: options.contextDir,
    tenantId: client.tenantId, subscriptionId: client.subscriptionId,
    deployerAccessToken: authorization.getClientTokenOutput().token,
    exchangeToken: options.exchangeRegistryToken, pullerPrincipalId: vault.identity.principalId,
  });

  const frontDoor = config.frontDoor.enabled ? new FrontDoorProfile("frontdoor", { resourceGroupName, profileName: names.frontDoor }) : undefined;

  // The first revision (or site) pulls the image and resolves the Key Vault references with the identity:
  // both roles must exist before it (their propagation can still lag: docs/infrastructure.md).
  const requiredRoles = [image.pullRole, vault.readerRole];
  let host: { fqdn: pulumi.Output<string>; id: pulumi.Output<string> };
  if (config.hosting === "appService") {
    const site = new VoiceWebApp("webapp", {
      resourceGroupName, location, planName: names.appServicePlan, appName: unique.webApp, autoscaleName: names.autoscale, config, sizing,
      identityId: vault.identity.id, identityClientId: vault.identity.clientId, image: image.repoDigest, keyVaultSecrets,
      appInsightsConnectionString: observability.connectionString, frontDoorId: frontDoor?.frontDoorId, requiredRoles,
    });
    host = { fqdn: site.fqdn, id: site.app.id };
  } else {
    const sharedKeys = operationalinsights.getSharedKeysOutput({ resourceGroupName, workspaceName: observability.workspace.name });
    const voiceApp = new VoiceApp("voice", {
      resourceGroupName, location, environmentName: names.environment, appName: names.containerApp, config, sizing,
      workspaceCustomerId: observability.workspace.customerId,
      workspaceSharedKey: sharedKeys.apply((k) => k.primarySharedKey ?? ""),
      identityId: vault.identity.id,
      registryServer: image.registry.loginServer,
      image: image.repoDigest,
      keyVaultSecrets,
      appInsightsConnectionString: observability.connectionString,
      frontDoorId: frontDoor?.frontDoorId,
      redisHost: redis.host,
      redisPort: redis.port,
      requiredRoles,
    });
    host = { fqdn: voiceApp.fqdn, id: voiceApp.app.id };
  }

  const route = frontDoor
    ? new FrontDoorRoute("frontdoor-route", { resourceGroupName, profileName: frontDoor.profile.name, endpointName: names.frontDoor, originHostName: host.fqdn, customDomain: config.frontDoor.customDomain })
    : undefined;

  const alerts = new Alerts("alerts", {
    resourceGroupName, location, actionGroupName: names.actionGroup, config, sizing,
    appInsightsId: observability.appInsights.id, containerAppId: config.hosting === "containerApps" ? host.id : undefined, redisId: redis.resourceId, redisKind: redis.kind,
    frontDoorProfileId: frontDoor?.profile.id, webhookUrl: secrets.alertWebhookUrl,
  });

  const budgetGroups = [names.resourceGroup, ...config.upstreams.map((u) => config.upstreamResourceGroups[u.name])];
  new Budget("budget", {
    subscriptionId: client.subscriptionId, resourceGroups: budgetGroups, budgetName: names.budget, amount: sizing.budget.amount, financeEmails: config.budget.financeEmails,
    actionGroupId: alerts.actionGroup.id, startDate: config.budget.startDate ?? firstOfMonth(options.now ?? new Date()),
  });

  const publicHost = route ? (route.customDomain ? route.customDomain.domain.hostName : route.hostName) : host.fqdn;
  return {
    outputs: {
      wssUrl: pulumi.interpolate`wss://${publicHost}/voice-live/realtime`,
      appFqdn: host.fqdn,
      hosting: config.hosting,
      imageDigest: image.repoDigest,
      keyVaultName: vault.vault.name,
      budgetAmount: sizing.budget.amount,
      budgetResourceGroups: budgetGroups,
      dailySpendAlertUsd: sizing.dailySpendAlertUsd,
      sessionCapacity: sizing.sessionCapacity,
      frontDoorId: frontDoor?.frontDoorId,
      frontDoorHostName: route?.hostName,
      customDomainValidation: route?.customDomain?.validation,
    },
    sizing,
  };
}
