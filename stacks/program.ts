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
import { isProduction, parseConfigValue, parseStackConfig, PROJECT, StackConfigError, StackConfigSchema, upstreamAccountName, type StackConfig } from "./config";
import { assignRole, BuiltInRole } from "./roles";
import { UpstreamAccount } from "./upstreamAccount";
import { FrontDoorProfile } from "./frontDoorProfile";
import { FrontDoorRoute } from "./frontDoorRoute";
import { PrivateNetwork } from "./network";
import { PRIVATE_LINK } from "./privateEndpoints";
import { EdgeFirewall } from "./waf";
import { globalNames, regionRedisName, regionResourceNames, regionVaultName, resourceNames, trafficManagerLabel } from "./names";
import { frontDoorProfileCount, isMultiRegion, regionNetworkLayout, regionWarnings, stackRegions, type RegionPlan } from "./regions";
import { TrafficManager } from "./trafficManager";
import { FRONT_DOOR } from "./azureLiterals";
import { Observability } from "./observability";
import { RedisStore } from "./redisStore";
import { ServiceImage, type RegistryTokenExchange } from "./serviceImage";
import { COST_RECORD_SALT_MIN_LENGTH } from "../contracts/env";
import { apiKeySecretName, COST_RECORD_SALT_SECRET, PEER_REDIS_URLS_SECRET, REDIS_KEY_SECRET, REDIS_URL_SECRET } from "./serviceEnv";
import { sizeStack, type StackSizing } from "./sizing";
import { Vault } from "./vault";
import { VoiceApp } from "./voiceApp";
import { VoiceWebApp } from "./webApp";
import { OperationsWorkbook } from "./workbook";

export interface PlatformSecrets {
  /** Upstream API key by upstream name (key-auth upstreams only). */
  upstreamKeys: pulumi.Output<Record<string, string>>;
  alertWebhookUrl?: pulumi.Output<string>;
  /** Salt of the pseudonymous user in cost records and session logs (optional; at least 16 characters). */
  costRecordSalt?: pulumi.Output<string>;
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
      costRecordSalt: cfg.getSecret("costRecordSalt"),
    },
  });
  return {
    ...platform.outputs,
    budgetDerivation: [...(platform.sizing.budget.derivation?.lines ?? [`fixed amount ${platform.sizing.budget.amount}`]), ...(platform.sizing.budget.network?.lines ?? []), ...(platform.sizing.budget.regions?.lines ?? [])],
    network: { exposure: platform.sizing.network.exposure, layout: platform.sizing.network.layout, frontDoorSku: platform.sizing.network.frontDoorSku, registrySku: platform.sizing.network.registrySku },
    capacityWarnings: ingressAwareWarnings(config, platform.sizing),
    sessionsPerReplicaBasis: { configured: config.sessionsPerReplica, ...platform.sizing.sessionsPerReplicaBasis },
    scaleDays: platform.sizing.scaleDays,
    logDailyCap: platform.sizing.logDailyCap.derivation,
    infrastructureMonthly: platform.sizing.estimate?.monthly.infrastructureBreakdown,
  };
}

/** One region's share of the stack: its group, Redis, network and app (stacks/regions.ts). */
interface RegionStack {
  plan: RegionPlan;
  names: ReturnType<typeof regionResourceNames>;
  resourceGroupName: pulumi.Input<string>;
  /** The Key Vault this region's app reads its secrets from: the stack's for the first region, its own for the others. */
  vault: Vault;
  redis: RedisStore;
  network?: PrivateNetwork;
  /** What the region's first revision waits for: its private endpoints and DNS zone links. */
  privatePaths: pulumi.Resource[];
  /** Container Apps secret name -> Key Vault secret URI, for this region's app. */
  keyVaultSecrets: Record<string, pulumi.Output<string>>;
  host?: { fqdn: pulumi.Output<string>; id: pulumi.Output<string>; environmentId?: pulumi.Output<string>; appName: string };
}

/**
 * The sizing's warnings and the regions' (stacks/regions.ts). The cost model warns when the traffic
 * model's peak exceeds ONE Front Door profile; a stack with several profiles is checked against all.
 */
export function ingressAwareWarnings(config: StackConfig, sizing: StackSizing): string[] {
  const profiles = config.frontDoor.enabled ? frontDoorProfileCount(config.capacity) : 0;
  const fromSizing = profiles > 1 ? sizing.warnings.filter((w) => !w.startsWith("front door: ")) : sizing.warnings;
  const peak = sizing.capacityPlan?.peakConcurrentSessions;
  const ingress = profiles > 1 && peak !== undefined && peak > profiles * FRONT_DOOR.webSocketConnectionsPerProfile
    ? [`front door: the traffic model's peak of ${peak} concurrent sessions exceeds the ${profiles} profiles' ${profiles * FRONT_DOOR.webSocketConnectionsPerProfile} WebSocket connections: raise capacity.peakConcurrentSessions`]
    : [];
  return [...fromSizing, ...ingress, ...regionWarnings(config)];
}

/** The stack's `costRecordSalt` as the service will accept it (contracts/env.ts), or an error naming the fix. */
export function checkedCostRecordSalt(stack: string, value: string): string {
  if (value.length < COST_RECORD_SALT_MIN_LENGTH) {
    throw new Error(`${stack}: costRecordSalt: at least ${COST_RECORD_SALT_MIN_LENGTH} characters; set it with: pulumi config set --secret '${PROJECT}:costRecordSalt' "$(openssl rand -base64 32)" -s ${stack}`);
  }
  return value;
}

export function createPlatform(options: PlatformOptions): PlatformResult {
  const { config, stack, secrets } = options;
  const sizing = sizeStack(config);
  const names = resourceNames(PROJECT, stack);
  const location = config.location;
  const client = authorization.getClientConfigOutput();
  const unique = client.subscriptionId.apply((id) => globalNames(PROJECT, stack, id, config.keyVault.generation));
  const multiRegion = isMultiRegion(config);

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

  // Upstreams the program creates (`create` on the entry): their groups, accounts and deployments.
  const accounts = new Map<string, UpstreamAccount>();
  const upstreamGroups = new Map<string, pulumi.Output<string>>();
  for (const upstream of config.upstreams.filter((u) => config.upstreamCreate[u.name])) {
    const groupName = config.upstreamResourceGroups[upstream.name];
    let upstreamGroup = upstreamGroups.get(groupName);
    if (!upstreamGroup) {
      upstreamGroup = new resources.ResourceGroup(`rg-upstream-${groupName}`, { resourceGroupName: groupName, location: upstream.region! }).name;
      upstreamGroups.set(groupName, upstreamGroup);
    }
    const account = new UpstreamAccount(`upstream-${upstream.name}`, {
      upstream, create: config.upstreamCreate[upstream.name], accountName: upstreamAccountName(upstream.url)!, resourceGroupName: upstreamGroup,
    });
    accounts.set(upstream.name, account);
    // An Entra upstream: the app's identity calls it with its own token.
    if (upstream.auth === "entra") {
      assignRole(`upstream-${upstream.name}-user`, { scope: account.account.id, principalId: vault.identity.principalId, role: BuiltInRole.cognitiveServicesUser, subscriptionId: client.subscriptionId }, { parent: account });
    }
  }

  // Upstream keys: a created account's own key, or the stack's secret; one Key Vault secret each, in
  // every region's vault.
  const upstreamKeys = config.upstreams.filter((u) => u.auth === "key").map((upstream) => ({
    upstream,
    key: accounts.get(upstream.name)?.key ?? secrets.upstreamKeys.apply((keys) => {
      const value = keys[upstream.name];
      if (!value) throw new Error(`${stack}: upstreamKeys.${upstream.name}: missing; set it with: pulumi config set --secret --path 'voice-platform:upstreamKeys.${upstream.name}' <key> -s ${stack}`);
      return value;
    }),
  }));

  // Each region: its own resource group (the primary uses the stack's), Redis, and Key Vault. A new
  // replica resolves its Key Vault references when it starts: with one vault in the first region, a
  // surviving region could not scale out while the first is lost (Key Vault's own failover goes to the
  // vault region's pair, not to the stack's other region, and only when Microsoft starts it:
  // docs/regions.md). So every other region gets its own vault holding the same secret names, written
  // by the program, read by the same identity; each region's app references its own region's vault.
  const regions: RegionStack[] = stackRegions(config).map((plan) => {
    const regionNames = regionResourceNames(PROJECT, stack, plan.suffix);
    const regionGroup = plan.primary ? resourceGroupName : new resources.ResourceGroup(`rg${plan.suffix}`, { resourceGroupName: regionNames.resourceGroup, location: plan.location }).name;
    const regionVault = plan.primary ? vault : new Vault(`vault${plan.suffix}`, {
      resourceGroupName: regionGroup, location: plan.location, identityName: names.identity, identity: vault.identity,
      vaultName: unique.keyVault.apply((n) => regionVaultName(n, plan.suffix)),
      tenantId: client.tenantId, subscriptionId: client.subscriptionId,
      purgeProtection: isProduction(stack),
      privateOnly: sizing.network.enabled,
    });
    const redis = new RedisStore(`redis${plan.suffix}`, {
      resourceGroupName: regionGroup, location: plan.location, name: unique.redis.apply((n) => regionRedisName(n, plan.suffix)), sku: config.redis.sku, privateOnly: sizing.network.enabled,
    });
    const keyVaultSecrets: Record<string, pulumi.Output<string>> = {};
    for (const { upstream, key } of upstreamKeys) {
      keyVaultSecrets[apiKeySecretName(upstream)] = regionVault.secret(`secret-${upstream.name}${plan.suffix}`, apiKeySecretName(upstream), key);
    }
    keyVaultSecrets[REDIS_URL_SECRET] = regionVault.secret(`secret-redis-url${plan.suffix}`, REDIS_URL_SECRET, redis.url);
    if (secrets.costRecordSalt) {
      // The service refuses a shorter salt at start (contracts/env.ts): refuse it here, before a revision fails.
      const salt = secrets.costRecordSalt.apply((value) => checkedCostRecordSalt(stack, value));
      keyVaultSecrets[COST_RECORD_SALT_SECRET] = regionVault.secret(`secret-cost-record-salt${plan.suffix}`, COST_RECORD_SALT_SECRET, salt);
    }
    // The open-sessions scale rule's password (Container Apps only: App Service's autoscaler cannot use it).
    if (config.hosting === "containerApps") keyVaultSecrets[REDIS_KEY_SECRET] = regionVault.secret(`secret-redis-key${plan.suffix}`, REDIS_KEY_SECRET, redis.accessKey);
    return { plan, names: regionNames, resourceGroupName: regionGroup, vault: regionVault, redis, privatePaths: [], keyVaultSecrets };
  });
  // The other regions' Redis, for the resume state the proxy replicates there (PEER_REDIS_URLS).
  if (multiRegion) {
    for (const region of regions) {
      const peers = pulumi.secret(pulumi.all(regions.filter((r) => r !== region).map((r) => r.redis.url)).apply((urls) => urls.join(",")));
      region.keyVaultSecrets[PEER_REDIS_URLS_SECRET] = region.vault.secret(`secret-peer-redis-urls-${region.plan.name}`, PEER_REDIS_URLS_SECRET, peers);
    }
  }

  const image = new ServiceImage("image", {
    resourceGroupName, location, registryName: unique.registry, contextDir: options.contextDir,
    tenantId: client.tenantId, subscriptionId: client.subscriptionId,
    deployerAccessToken: authorization.getClientTokenOutput().token,
    exchangeToken: options.exchangeRegistryToken, pullerPrincipalId: vault.identity.principalId,
    sku: sizing.network.registrySku, privateOnly: sizing.network.enabled, pushCidrs: config.network.registryPushCidrs,
    // Several regions: a geo-replica in each other region, so its new replicas pull while the first is lost.
    ...(multiRegion ? { replicaLocations: regions.filter((r) => !r.plan.primary).map((r) => r.plan.location) } : {}),
  });
  // The replica a region's app pulls from (none for the first region: the registry's home).
  const replicaOf = (region: RegionStack): pulumi.Resource[] => {
    const replica = image.replications.get(region.plan.location);
    return replica ? [replica] : [];
  };

  // The private network, one VNet per region: the identity reads Key Vault, the app pulls the image, the
  // proxy and KEDA reach Redis, all through private endpoints in the region's VNet; the other regions'
  // Redis too (a private endpoint may sit in another region than its resource), so no VNet peering is
  // needed. Each region's zones live in its own resource group, linked to its VNet only.
  if (sizing.network.layout) {
    for (const region of regions) {
      // Several regions: each VNet also holds a private endpoint per other region's Redis.
      const layout = multiRegion ? regionNetworkLayout(region.plan.addressSpace, config.replicas.max, regions.length) : sizing.network.layout;
      if (Array.isArray(layout)) throw new Error(`network: ${layout.join("; ")}`);
      const suffix = region.plan.suffix;
      const network = new PrivateNetwork(`network${suffix}`, {
        resourceGroupName: region.resourceGroupName, location: region.plan.location, vnetName: region.names.vnet, layout,
        targets: [PRIVATE_LINK.vault, PRIVATE_LINK.registry, region.redis.privateLink],
      });
      const short = region.names.vnet.slice(5);
      region.network = network;
      region.privatePaths = [
        // The region's own vault (the stack's for the first region).
        network.connect(`pe-vault${suffix}`, `pe-kv-${short}`, PRIVATE_LINK.vault, region.vault.vault.id),
        // A geo-replicated registry's endpoint gets an address per replica region's data endpoint:
        // created after the replicas, so its DNS zone group writes every region's record.
        network.connect(`pe-registry${suffix}`, `pe-acr-${short}`, PRIVATE_LINK.registry, image.registry.id, [...image.replications.values()]),
        network.connect(`pe-redis${suffix}`, `pe-redis-${short}`, region.redis.privateLink, region.redis.resourceId),
        ...regions.filter((peer) => peer !== region).map((peer) => network.connect(`pe-redis${suffix}-to-${peer.plan.name}`, `pe-redis-${short}-to-${peer.plan.name}`, peer.redis.privateLink, peer.redis.resourceId)),
        ...network.links,
      ];
    }
  }

  // Enough Front Door profiles for the declared peak (3,000 WebSockets each); every app accepts all of them.
  const profileCount = config.frontDoor.enabled ? frontDoorProfileCount(config.capacity) : 0;
  const frontDoors = Array.from({ length: profileCount }, (_, i) => new FrontDoorProfile(i === 0 ? "frontdoor" : `frontdoor-${i + 1}`, {
    resourceGroupName, profileName: i === 0 ? names.frontDoor : `${names.frontDoor}-${i + 1}`, sku: sizing.network.frontDoorSku,
  }));
  const frontDoorIds = frontDoors.length === 0 ? undefined : frontDoors.length === 1
    ? frontDoors[0].frontDoorId
    : pulumi.all(frontDoors.map((f) => f.frontDoorId)).apply((ids) => ids.join(","));

  // The first revision (or site) pulls the image and resolves the Key Vault references with the identity:
  // both roles must exist before it (their propagation can still lag: docs/infrastructure.md).
  const requiredRoles = [image.pullRole, vault.readerRole];
  // Each region's app: AcrPull, Secrets User on its own region's vault, and its region's geo-replica.
  const regionRoles = (region: RegionStack): pulumi.Resource[] => [image.pullRole, region.vault.readerRole, ...replicaOf(region)];
  if (config.hosting === "appService") {
    const [region] = regions;
    const site = new VoiceWebApp("webapp", {
      resourceGroupName, location, planName: names.appServicePlan, appName: unique.webApp, autoscaleName: names.autoscale, config, sizing,
      identityId: vault.identity.id, identityClientId: vault.identity.clientId, image: image.repoDigest, keyVaultSecrets: region.keyVaultSecrets,
      appInsightsConnectionString: observability.connectionString, appInsightsId: observability.appInsights.id, frontDoorId: frontDoorIds, requiredRoles,
    });
    region.host = { fqdn: site.fqdn, id: site.app.id, appName: names.containerApp };
  } else {
    const sharedKeys = operationalinsights.getSharedKeysOutput({ resourceGroupName, workspaceName: observability.workspace.name });
    // The invoke's result is not marked secret: without this the key sat in the state as plain text.
    const workspaceSharedKey = pulumi.secret(sharedKeys.apply((k) => k.primarySharedKey ?? ""));
    for (const region of regions) {
      const voiceApp = new VoiceApp(`voice${region.plan.suffix}`, {
        resourceGroupName: region.resourceGroupName, location: region.plan.location, environmentName: region.names.environment, appName: region.names.containerApp, config, sizing,
        workspaceCustomerId: observability.workspace.customerId,
        workspaceSharedKey,
        identityId: vault.identity.id,
        registryServer: image.registry.loginServer,
        image: image.repoDigest,
        keyVaultSecrets: region.keyVaultSecrets,
        appInsightsConnectionString: observability.connectionString,
        frontDoorId: frontDoorIds,
        region: multiRegion ? region.plan.name : undefined,
        redisHost: region.redis.host,
        redisPort: region.redis.port,
        requiredRoles: [...regionRoles(region), ...region.privatePaths],
        network: region.network ? { infrastructureSubnetId: region.network.infrastructureSubnet.id } : undefined,
      });
      region.host = { fqdn: voiceApp.fqdn, id: voiceApp.app.id, environmentId: voiceApp.environment.id, appName: region.names.containerApp };
    }
  }

  // Each profile: an endpoint, one origin group with every region's app, the route, the custom domain.
  const routes = frontDoors.map((frontDoor, i) => new FrontDoorRoute(i === 0 ? "frontdoor-route" : `frontdoor-route-${i + 1}`, {
    resourceGroupName, profileName: frontDoor.profile.name, endpointName: i === 0 ? names.frontDoor : `${names.frontDoor}-${i + 1}`,
    origins: regions.map((region) => ({
      key: region.plan.primary ? "" : region.plan.name,
      hostName: region.host!.fqdn,
      privateLink: sizing.network.enabled && region.host!.environmentId ? { environmentId: region.host!.environmentId, location: region.plan.location } : undefined,
    })),
    customDomain: config.frontDoor.customDomain,
  }));
  if (config.waf.enabled) {
    // One WAF policy, attached to every profile's domains by each profile's security policy.
    let sharedPolicyId: pulumi.Output<string> | undefined;
    routes.forEach((route, i) => {
      const firewall = new EdgeFirewall(i === 0 ? "waf" : `waf-${i + 1}`, {
        resourceGroupName, profileName: frontDoors[i].profile.name, policyName: `waf${PROJECT}${stack}`, sku: sizing.network.frontDoorSku,
        // The custom domain too: a domain the security policy does not list is served without the WAF.
        settings: config.waf, domainIds: [route.endpoint.id, ...(route.customDomain ? [route.customDomain.domain.id] : [])],
        sharedPolicyId,
      });
      sharedPolicyId = firewall.policyId;
    });
  }
  // Several profiles: Traffic Manager spreads clients over them by DNS.
  const trafficManager = routes.length > 1 ? new TrafficManager("traffic-manager", {
    resourceGroupName, profileName: `tm-${names.frontDoor.slice(4)}`,
    relativeName: client.subscriptionId.apply((id) => trafficManagerLabel(PROJECT, stack, id)),
    endpoints: routes.map((route, i) => ({ name: `frontdoor-${i + 1}`, target: route.hostName })),
  }) : undefined;

  const [primary, ...others] = regions;
  const alerts = new Alerts("alerts", {
    resourceGroupName, location, actionGroupName: names.actionGroup, config, sizing,
    appInsightsId: observability.appInsights.id, workspaceId: observability.workspace.id,
    containerApp: config.hosting === "containerApps" ? { id: primary.host!.id, name: names.containerApp } : undefined, redisId: primary.redis.resourceId, redisKind: primary.redis.kind,
    frontDoorProfileId: frontDoors[0]?.profile.id, webhookUrl: secrets.alertWebhookUrl,
    ...(others.length ? { moreRegions: others.map((r) => ({ suffix: r.plan.suffix, containerApp: { id: r.host!.id, name: r.host!.appName }, redisId: r.redis.resourceId })) } : {}),
    ...(frontDoors.length > 1 ? { moreFrontDoorProfiles: frontDoors.slice(1).map((f, i) => ({ suffix: `-${i + 2}`, id: f.profile.id })) } : {}),
  });

  new OperationsWorkbook("operations", { resourceGroupName, location, appInsightsId: observability.appInsights.id, project: PROJECT, stack });

  const budgetGroups = [names.resourceGroup, ...others.map((r) => r.names.resourceGroup), ...config.upstreams.map((u) => config.upstreamResourceGroups[u.name])];
  new Budget("budget", {
    subscriptionId: client.subscriptionId, resourceGroups: budgetGroups, budgetName: names.budget, amount: sizing.budget.amount, financeEmails: config.budget.financeEmails,
    actionGroupId: alerts.actionGroup.id, startDate: config.budget.startDate ?? firstOfMonth(options.now ?? new Date()),
  });

  const [route] = routes;
  const host = primary.host!;
  // Several profiles: clients use the custom domain (CNAME'd to Traffic Manager; validated in config).
  const publicHost = trafficManager && config.frontDoor.customDomain
    ? pulumi.output(config.frontDoor.customDomain.hostName)
    : route ? (route.customDomain ? route.customDomain.domain.hostName : route.hostName) : host.fqdn;
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
      frontDoorId: frontDoorIds,
      frontDoorHostName: route?.hostName,
      customDomainValidation: route?.customDomain?.validation,
      ...(multiRegion ? { regions: pulumi.all(regions.map((r) => pulumi.all([r.host!.fqdn, r.vault.vault.name]).apply(([fqdn, keyVaultName]) => ({ name: r.plan.name, location: r.plan.location, appFqdn: fqdn, keyVaultName })))) } : {}),
      ...(trafficManager ? {
        trafficManagerFqdn: trafficManager.fqdn,
        frontDoorHostNames: pulumi.all(routes.map((r) => r.hostName)),
        customDomainValidations: pulumi.all(routes.map((r) => r.customDomain ? r.customDomain.validation : pulumi.output(undefined))),
      } : {}),
    },
    sizing,
  };
}
