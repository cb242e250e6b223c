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
import { PrivateNetwork } from "./network";
import { PRIVATE_LINK } from "./privateEndpoints";
import { EdgeFirewall } from "./waf";
import { globalNames, resourceNames } from "./names";
import { Observability } from "./observability";
import { RedisStore } from "./redisStore";
import { ServiceImage, type RegistryTokenExchange } from "./serviceImage";
import { apiKeySecretName, REDIS_KEY_SECRET, REDIS_URL_SECRET } from "./serviceEnv";
import { sizeStack, type StackSizing } from "./sizing";
import { Vault } from "./vault";
import { VoiceApp } from "./voiceApp";
import { VoiceWebApp } from "./webApp";
import { OperationsWorkbook } from "./workbook";

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
    budgetDerivation: [...(platform.sizing.budget.derivation?.lines ?? [`fixed amount ${platform.sizing.budget.amount}`]), ...(platform.sizing.budget.network?.lines ?? [])],
    network: { exposure: platform.sizing.network.exposure, layout: platform.sizing.network.layout, frontDoorSku: platform.sizing.network.frontDoorSku, registrySku: platform.sizing.network.registrySku },
    capacityWarnings: platform.sizing.warnings,
    sessionsPerReplicaBasis: { configured: config.sessionsPerReplica, ...platform.sizing.sessionsPerReplicaBasis },
    scaleDays: platform.sizing.scaleDays,
    logDailyCap: platform.sizing.logDailyCap.derivation,
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
    resourceGroupName, location, workspaceName: names.logAnalytics, appInsightsName: names.appInsights, dailyCapGb: sizing.logDailyCap.capGb,
  });

  const vault = new Vault("vault", {
    resourceGroupName, location, identityName: names.identity, vaultName: unique.keyVault,
    tenantId: client.tenantId, subscriptionId: client.subscriptionId,
    purgeProtection: isProduction(stack),
    privateOnly: sizing.network.enabled,
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

  const redis = new RedisStore("redis", { resourceGroupName, location, name: unique.redis, sku: config.redis.sku, privateOnly: sizing.network.enabled });
  keyVaultSecrets[REDIS_URL_SECRET] = vault.secret("secret-redis-url", REDIS_URL_SECRET, redis.url);
  // The open-sessions scale rule's password (Container Apps only: App Service's autoscaler cannot use it).
  if (config.hosting === "containerApps") keyVaultSecrets[REDIS_KEY_SECRET] = vault.secret("secret-redis-key", REDIS_KEY_SECRET, redis.accessKey);

  const image = new ServiceImage("image", {
    resourceGroupName, location, registryName: unique.registry, contextDir: options.contextDir,
    tenantId: client.tenantId, subscriptionId: client.subscriptionId,
    deployerAccessToken: authorization.getClientTokenOutput().token,
    exchangeToken: options.exchangeRegistryToken, pullerPrincipalId: vault.identity.principalId,
    sku: sizing.network.registrySku, privateOnly: sizing.network.enabled, pushCidrs: config.network.registryPushCidrs,
  });

  // The private network: the identity reads Key Vault, the app pulls the image, the proxy and KEDA reach
  // Redis, all through private endpoints; the first revision waits for them and for the DNS zone links.
  const privateNetwork = sizing.network.layout ? new PrivateNetwork("network", {
    resourceGroupName, location, vnetName: names.vnet, layout: sizing.network.layout,
    targets: [PRIVATE_LINK.vault, PRIVATE_LINK.registry, redis.privateLink],
  }) : undefined;
  const privatePaths: pulumi.Resource[] = privateNetwork ? [
    privateNetwork.connect("pe-vault", `pe-kv-${names.vnet.slice(5)}`, PRIVATE_LINK.vault, vault.vault.id),
    privateNetwork.connect("pe-registry", `pe-acr-${names.vnet.slice(5)}`, PRIVATE_LINK.registry, image.registry.id),
    privateNetwork.connect("pe-redis", `pe-redis-${names.vnet.slice(5)}`, redis.privateLink, redis.resourceId),
    ...privateNetwork.links,
  ] : [];

  const frontDoor = config.frontDoor.enabled ? new FrontDoorProfile("frontdoor", { resourceGroupName, profileName: names.frontDoor, sku: sizing.network.frontDoorSku }) : undefined;

  // The first revision (or site) pulls the image and resolves the Key Vault references with the identity:
  // both roles must exist before it (their propagation can still lag: docs/infrastructure.md).
  const requiredRoles = [image.pullRole, vault.readerRole];
  let host: { fqdn: pulumi.Output<string>; id: pulumi.Output<string>; environmentId?: pulumi.Output<string> };
  if (config.hosting === "appService") {
    const site = new VoiceWebApp("webapp", {
      resourceGroupName, location, planName: names.appServicePlan, appName: unique.webApp, autoscaleName: names.autoscale, config, sizing,
      identityId: vault.identity.id, identityClientId: vault.identity.clientId, image: image.repoDigest, keyVaultSecrets,
      appInsightsConnectionString: observability.connectionString, appInsightsId: observability.appInsights.id, frontDoorId: frontDoor?.frontDoorId, requiredRoles,
    });
    host = { fqdn: site.fqdn, id: site.app.id };
  } else {
    const sharedKeys = operationalinsights.getSharedKeysOutput({ resourceGroupName, workspaceName: observability.workspace.name });
    const voiceApp = new VoiceApp("voice", {
      resourceGroupName, location, environmentName: names.environment, appName: names.containerApp, config, sizing,
      workspaceCustomerId: observability.workspace.customerId,
      // The invoke's result is not marked secret: without this the key sat in the state as plain text.
      workspaceSharedKey: pulumi.secret(sharedKeys.apply((k) => k.primarySharedKey ?? "")),
      identityId: vault.identity.id,
      registryServer: image.registry.loginServer,
      image: image.repoDigest,
      keyVaultSecrets,
      appInsightsConnectionString: observability.connectionString,
      frontDoorId: frontDoor?.frontDoorId,
      redisHost: redis.host,
      redisPort: redis.port,
      requiredRoles: [...requiredRoles, ...privatePaths],
      network: privateNetwork ? { infrastructureSubnetId: privateNetwork.infrastructureSubnet.id } : undefined,
    });
    host = { fqdn: voiceApp.fqdn, id: voiceApp.app.id, environmentId: voiceApp.environment.id };
  }

  const route = frontDoor
    ? new FrontDoorRoute("frontdoor-route", {
      resourceGroupName, profileName: frontDoor.profile.name, endpointName: names.frontDoor, originHostName: host.fqdn,
      privateLink: sizing.network.enabled && host.environmentId ? { environmentId: host.environmentId, location } : undefined,
      customDomain: config.frontDoor.customDomain,
    })
    : undefined;
  if (frontDoor && route && config.waf.enabled) {
    new EdgeFirewall("waf", {
      resourceGroupName, profileName: frontDoor.profile.name, policyName: `waf${PROJECT}${stack}`, sku: sizing.network.frontDoorSku,
      // The custom domain too: a domain the security policy does not list is served without the WAF.
      settings: config.waf, domainIds: [route.endpoint.id, ...(route.customDomain ? [route.customDomain.domain.id] : [])],
    });
  }

  const alerts = new Alerts("alerts", {
    resourceGroupName, location, actionGroupName: names.actionGroup, config, sizing,
    appInsightsId: observability.appInsights.id, workspaceId: observability.workspace.id,
    containerApp: config.hosting === "containerApps" ? { id: host.id, name: names.containerApp } : undefined, redisId: redis.resourceId, redisKind: redis.kind,
    frontDoorProfileId: frontDoor?.profile.id, webhookUrl: secrets.alertWebhookUrl,
  });

  new OperationsWorkbook("operations", { resourceGroupName, location, appInsightsId: observability.appInsights.id, project: PROJECT, stack });

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
