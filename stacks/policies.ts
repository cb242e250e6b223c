/**
 * Policies over what the program registers: pure functions on recorded resources, run by `npm run
 * plan` (and testable without a policy server). Each names the seed requirement it guards.
 */

import { AZURE_CACHE_FOR_REDIS, MANAGED_REDIS } from "./azureLiterals";
import { isProduction } from "./config";

/** A resource as the program registered it: what the plan records and the policy pack sees. */
export interface RegisteredResource {
  type: string;
  name: string;
  /** The parent's URN, or null for a top-level resource. */
  parent: string | null;
  inputs: Record<string, unknown>;
  /** URNs the resource waits for (explicit dependsOn and input dependencies), when known. */
  dependsOn?: string[];
  /** Properties Pulumi leaves to others after creation (`ignoreChanges`), when known. */
  ignoreChanges?: string[];
}

export interface PolicyResult {
  policy: string;
  resource: string;
  level: "mandatory" | "advisory";
  message: string;
}

interface Policy {
  name: string;
  level: (stack: string) => "mandatory" | "advisory";
  check: (resource: RegisteredResource) => string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- registered inputs are untyped
type Loose = any;
const CREDENTIAL_NAME = /(KEY|SECRET|PASSWORD|TOKEN|REDIS_URL)/;
const mandatory = () => "mandatory" as const;

/** Comparison operators the alert APIs accept (scheduledQueryRules 2025-01-01-preview, metricAlerts 2018-03-01). */
const ARM_ALERT_OPERATORS = new Set(["Equals", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual", "GreaterOrLessThan"]);

export const POLICIES: Policy[] = [
  {
    name: "no-plain-secrets-in-container-env",
    level: mandatory,
    check: (r) => {
      if (r.type !== "azure-native:app:ContainerApp") return [];
      const containers: Loose[] = (r.inputs as Loose).template?.containers ?? [];
      return containers.flatMap((c) => (c.env ?? [])
        .filter((e: Loose) => CREDENTIAL_NAME.test(e.name) && e.value !== undefined)
        .map((e: Loose) => `${e.name} is a plain value; credentials come from Key Vault through secretRef`));
    },
  },
  {
    name: "container-secrets-are-key-vault-references",
    level: mandatory,
    check: (r) => {
      if (r.type !== "azure-native:app:ContainerApp") return [];
      const secrets: Loose[] = (r.inputs as Loose).configuration?.secrets ?? [];
      return secrets.filter((s) => !s.keyVaultUrl || !s.identity || s.value !== undefined)
        .map((s) => `secret ${s.name} must be a Key Vault reference read through the identity, with no value`);
    },
  },
  {
    name: "sticky-sessions-in-single-revision-mode",
    level: mandatory,
    check: (r) => {
      if (r.type !== "azure-native:app:ContainerApp") return [];
      const c = (r.inputs as Loose).configuration ?? {};
      const out: string[] = [];
      if (c.ingress?.stickySessions?.affinity !== "sticky") out.push("ingress.stickySessions.affinity must be sticky (WebSocket sessions)");
      if (c.activeRevisionsMode !== "Single") out.push("activeRevisionsMode must be Single (sticky sessions require it)");
      return out;
    },
  },
  {
    name: "image-by-digest",
    level: mandatory,
    check: (r) => r.type !== "azure-native:app:ContainerApp" ? [] :
      ((r.inputs as Loose).template?.containers ?? []).filter((c: Loose) => !String(c.image).includes("@sha256:"))
        .map((c: Loose) => `container ${c.name} runs ${c.image}: run images by digest so a revision rolls only when the image changed`),
  },
  {
    name: "redis-tls-only",
    level: mandatory,
    check: (r) => {
      const i = r.inputs as Loose;
      if (r.type === "azure-native:redis:Redis") {
        const out: string[] = [];
        if (i.enableNonSslPort !== false) out.push("the non-TLS port must be off");
        if (i.minimumTlsVersion !== "1.2") out.push("minimum TLS version must be 1.2");
        return out;
      }
      if (r.type === "azure-native:redisenterprise:Database" && i.clientProtocol !== "Encrypted") return ["clientProtocol must be Encrypted"];
      return [];
    },
  },
  {
    // The registry's Lua scripts and MULTI touch keys in different hash slots: under EnterpriseCluster they
    // get CROSSSLOT (admission falls back to local limits, voice:sessions is never written, resume across
    // replicas fails); OSSCluster needs a cluster client. The API's default is OSSCluster, and the policy
    // cannot change after creation.
    name: "redis-registry-scripts-run",
    level: mandatory,
    check: (r) => r.type === "azure-native:redisenterprise:Database" && (r.inputs as Loose).clusteringPolicy !== MANAGED_REDIS.clusteringPolicy
      ? [`clusteringPolicy ${JSON.stringify((r.inputs as Loose).clusteringPolicy ?? "(absent: OSSCluster)")} fails the registry's multi-key scripts with CROSSSLOT; use "${MANAGED_REDIS.clusteringPolicy}" (it cannot be changed after creation)`] : [],
  },
  {
    name: "redis-never-evicts",
    level: mandatory,
    check: (r) => {
      const i = r.inputs as Loose;
      if (r.type === "azure-native:redisenterprise:Database" && i.evictionPolicy !== MANAGED_REDIS.evictionPolicy) {
        return [`evictionPolicy must be ${MANAGED_REDIS.evictionPolicy}: the session registry must never be evicted`];
      }
      if (r.type === "azure-native:redis:Redis" && i.redisConfiguration?.maxmemoryPolicy !== AZURE_CACHE_FOR_REDIS.maxmemoryPolicy) {
        return [`redisConfiguration.maxmemoryPolicy must be ${AZURE_CACHE_FOR_REDIS.maxmemoryPolicy} (Azure's default, ${AZURE_CACHE_FOR_REDIS.defaultMaxmemoryPolicy}, evicts resume state and session keys)`];
      }
      return [];
    },
  },
  {
    name: "registry-admin-user-disabled",
    level: mandatory,
    check: (r) => r.type === "azure-native:containerregistry:Registry" && (r.inputs as Loose).adminUserEnabled !== false
      ? ["the ACR admin user must be disabled; the app pulls with its identity"] : [],
  },
  {
    name: "key-vault-rbac-and-purge-protection",
    level: (stack) => (isProduction(stack) ? "mandatory" : "advisory"),
    check: (r) => {
      if (r.type !== "azure-native:keyvault:Vault") return [];
      const p = (r.inputs as Loose).properties ?? {};
      const out: string[] = [];
      if (p.enableRbacAuthorization !== true) out.push("RBAC authorization must be on");
      if (p.enablePurgeProtection !== true) out.push("purge protection is off (required in production)");
      return out;
    },
  },
  {
    name: "front-door-session-affinity",
    level: mandatory,
    check: (r) => r.type === "azure-native:cdn:AFDOriginGroup" && (r.inputs as Loose).sessionAffinityState !== "Enabled"
      ? ["sessionAffinityState must be Enabled on the origin group"] : [],
  },
  {
    name: "alert-operators-are-arm-values",
    level: mandatory,
    check: (r) => {
      if (r.type !== "azure-native:monitor:ScheduledQueryRule" && r.type !== "azure-native:monitor:MetricAlert") return [];
      const criteria: Loose[] = (r.inputs as Loose).criteria?.allOf ?? [];
      return criteria.filter((c) => !ARM_ALERT_OPERATORS.has(c.operator))
        .map((c) => `operator ${JSON.stringify(c.operator)} is not a value the alert API accepts (e.g. "GreaterThan"; azure-native's monitor.ConditionOperator.GreaterThan is "gt")`);
    },
  },
  {
    name: "scale-on-open-sessions",
    level: mandatory,
    check: (r) => {
      if (r.type !== "azure-native:app:ContainerApp") return [];
      const rules: Loose[] = (r.inputs as Loose).template?.scale?.rules ?? [];
      // The HTTP rule counts a WebSocket once, at its upgrade: alone it never follows open sessions.
      return rules.some((rule) => rule.custom) ? [] : ["no scale rule follows open sessions (the HTTP rule sees only new upgrades): add the open-sessions rule"];
    },
  },
  {
    name: "role-assignments-have-stable-names",
    level: mandatory,
    check: (r) => r.type === "azure-native:authorization:RoleAssignment" && !(r.inputs as Loose).roleAssignmentName
      ? ["roleAssignmentName is unset: a re-run after lost state would create a duplicate and fail with RoleAssignmentExists"] : [],
  },
  {
    name: "web-app-secrets-are-key-vault-references",
    level: mandatory,
    check: (r) => {
      if (r.type !== "azure-native:web:WebApp") return [];
      const settings: Loose[] = (r.inputs as Loose).siteConfig?.appSettings ?? [];
      return settings.filter((s) => CREDENTIAL_NAME.test(s.name) && !String(s.value).startsWith("@Microsoft.KeyVault("))
        .map((s) => `app setting ${s.name} is a plain value; credentials come from Key Vault references`);
    },
  },
  {
    name: "web-app-serves-websockets-with-affinity",
    level: mandatory,
    check: (r) => {
      if (r.type !== "azure-native:web:WebApp") return [];
      const i = r.inputs as Loose;
      const out: string[] = [];
      if (i.siteConfig?.webSocketsEnabled !== true) out.push("siteConfig.webSocketsEnabled must be true");
      if (i.siteConfig?.alwaysOn !== true) out.push("siteConfig.alwaysOn must be true (an idle site is unloaded)");
      if (i.clientAffinityEnabled !== true) out.push("clientAffinityEnabled (ARR affinity) must be true: it is the sticky session on App Service");
      if (i.clientAffinityProxyEnabled !== true) out.push("clientAffinityProxyEnabled must be true: behind Front Door the affinity cookie must take its domain from X-Forwarded-Host");
      if (!String(i.siteConfig?.linuxFxVersion ?? "").includes("@sha256:")) out.push("run the image by digest");
      return out;
    },
  },
];

/**
 * Nothing reachable that need not be: in production every data-plane resource is private (public network
 * access off, reached through private endpoints), the Container Apps environment sits in its own subnet,
 * zone-redundant, and only Front Door reaches it (Private Link origin, Premium). Staging may run without:
 * the same findings are advisory there. The values are those the resources' APIs take (stacks/
 * networkSizing.ts, privateEndpoints.ts, voiceApp.ts privateEnvironment, serviceImage.ts registryNetworkRules).
 */
export function privateNetworkFindings(r: RegisteredResource): string[] {
  const i = r.inputs as Loose;
  const off = (v: unknown) => typeof v === "string" && v.toLowerCase() === "disabled";
  switch (r.type) {
    case "azure-native:app:ManagedEnvironment": {
      const out: string[] = [];
      if (!i.vnetConfiguration?.infrastructureSubnetId) out.push("the environment is not in the stack's virtual network (vnetConfiguration.infrastructureSubnetId)");
      if (!(i.workloadProfiles?.length > 0)) out.push("the environment is not a workload-profiles environment");
      if (i.zoneRedundant !== true) out.push("the environment is not zone-redundant");
      if (!off(i.publicNetworkAccess)) out.push("the environment takes public traffic (publicNetworkAccess must be Disabled; Front Door reaches it over Private Link)");
      return out;
    }
    case "azure-native:redis:Redis":
    case "azure-native:redisenterprise:RedisEnterprise":
      return off(i.publicNetworkAccess) ? [] : ["Redis is reachable from the internet (publicNetworkAccess must be Disabled, with a private endpoint)"];
    case "azure-native:keyvault:Vault":
      return off(i.properties?.publicNetworkAccess) ? [] : ["Key Vault is reachable from the internet (properties.publicNetworkAccess must be disabled, with a private endpoint)"];
    case "azure-native:containerregistry:Registry": {
      const restricted = i.networkRuleSet?.defaultAction === "Deny" && (i.networkRuleSet?.ipRules?.length ?? 0) > 0;
      return off(i.publicNetworkAccess) || restricted ? [] : ["the registry is reachable from the internet (publicNetworkAccess Disabled, or default action Deny with the push ranges only)"];
    }
    case "azure-native:cdn:Profile":
      return i.sku?.name === "Premium_AzureFrontDoor" ? [] : ["Front Door is not Premium: it cannot reach the origin over Private Link"];
    case "azure-native:cdn:AFDOrigin":
      return i.sharedPrivateLinkResource?.privateLink?.id ? [] : ["the Front Door origin is reached over the internet, not Private Link"];
    default:
      return [];
  }
}

/** The edge firewall's rate limit on WebSocket upgrades, per client address, blocking. */
export function edgeRateLimitFindings(r: RegisteredResource): string[] {
  if (r.type !== "azure-native:frontdoor:Policy") return [];
  const i = r.inputs as Loose;
  const rules: Loose[] = i.customRules?.rules ?? [];
  const limit = rules.find((rule) => rule.ruleType === "RateLimitRule" && rule.action === "Block"
    && (rule.groupBy ?? []).some((g: Loose) => g.variableName === "SocketAddr")
    && (rule.matchConditions ?? []).some((m: Loose) => m.matchVariable === "RequestHeader" && String(m.selector).toLowerCase() === "upgrade"));
  const out: string[] = [];
  if (!limit) out.push("no blocking rate-limit rule on the Upgrade header grouped by client address (SocketAddr)");
  if (i.policySettings?.enabledState !== "Enabled") out.push("the WAF policy is not enabled");
  return out;
}

POLICIES.push(
  { name: "private-network-in-production", level: (stack) => (isProduction(stack) ? "mandatory" : "advisory"), check: privateNetworkFindings },
  { name: "edge-rate-limit", level: mandatory, check: edgeRateLimitFindings },
);

/** Policies over the whole stack (what must exist, not only how each resource is set). */
interface StackPolicy {
  name: string;
  level: (stack: string) => "mandatory" | "advisory";
  check: (resources: RegisteredResource[]) => string[];
}

export const STACK_POLICIES: StackPolicy[] = [
  {
    // A Front Door profile in production carries a WAF policy with the upgrade rate limit, attached to
    // its endpoint by a security policy (the only way Standard/Premium profiles take one).
    name: "edge-firewall-in-production",
    level: (stack) => (isProduction(stack) ? "mandatory" : "advisory"),
    check: (resources) => {
      const profiles = resources.filter((r) => r.type === "azure-native:cdn:Profile");
      if (profiles.length === 0) return [];
      const out: string[] = [];
      if (!resources.some((r) => r.type === "azure-native:frontdoor:Policy" && edgeRateLimitFindings(r).length === 0)) out.push("no WAF policy with the WebSocket upgrade rate limit");
      // Per profile (a stack may have several): its security policy covers its endpoint and every custom
      // domain; a domain left out is served without the WAF.
      // Profile names are known in the plan; in a preview of new profiles they may not be (unknown
      // outputs): then the stack's domains are counted together.
      const known = profiles.every((p) => typeof (p.inputs as Loose).profileName === "string");
      const inProfile = (type: string, profile: string | undefined) => resources.filter((r) => r.type === type && (profile === undefined || (r.inputs as Loose).profileName === profile));
      for (const p of known ? profiles : [undefined]) {
        const name = p ? (p.inputs as Loose).profileName as string : undefined;
        const associations: Loose[] = inProfile("azure-native:cdn:SecurityPolicy", name).flatMap((r) => (r.inputs as Loose).parameters?.associations ?? []);
        const covered = associations.reduce((n, a) => n + (a.domains?.length ?? 0), 0);
        // A profile serves at least one endpoint (each route has one).
        const endpoints = Math.max(name === undefined ? profiles.length : 1, inProfile("azure-native:cdn:AFDEndpoint", name).length);
        const domains = endpoints + inProfile("azure-native:cdn:AFDCustomDomain", name).length;
        const where = name && profiles.length > 1 ? ` of profile ${name}` : "";
        if (!(covered > 0)) out.push(`no security policy attaching a WAF policy to the Front Door endpoint${where}`);
        else if (covered < domains) out.push(`the WAF's security policy covers ${covered} of the profile's ${domains} domains (endpoint and custom domains)${where}`);
      }
      return out;
    },
  },
];

/**
 * A stack with several regions or Front Door profiles is one only if every piece knows every other: each
 * region's app accepts every profile (FRONT_DOOR_ID lists them all; the proxy refuses the others' traffic
 * otherwise), knows its region and the other regions' Redis (REGION, PEER_REDIS_URLS: without them a
 * session cannot resume in another region), and every profile's origins are all the regions' apps (a
 * profile missing a region cannot send its clients there when the other is lost). Values a preview does
 * not know yet (ids of new resources) are not judged.
 */
export function regionFindings(resources: RegisteredResource[]): string[] {
  const apps = resources.filter((r) => r.type === "azure-native:app:ContainerApp");
  const profiles = resources.filter((r) => r.type === "azure-native:cdn:Profile");
  if (apps.length <= 1 && profiles.length <= 1) return [];
  const out: string[] = [];
  for (const app of apps) {
    const env: Loose = (app.inputs as Loose).template?.containers?.[0]?.env;
    // Unknown until its inputs resolve (a preview of new profiles): judged on the next run.
    if (!Array.isArray(env) || env.length === 0) continue;
    const get = (name: string): Loose => env.find((e: Loose) => e.name === name);
    const ids = get("FRONT_DOOR_ID")?.value;
    if (profiles.length > 0 && typeof ids === "string" && ids.split(",").filter(Boolean).length !== profiles.length) {
      out.push(`${app.name}: FRONT_DOOR_ID lists ${ids.split(",").filter(Boolean).length} of the ${profiles.length} Front Door profiles`);
    }
    if (apps.length > 1) {
      if (!get("REGION")?.value) out.push(`${app.name}: no REGION`);
      if (!get("PEER_REDIS_URLS")?.secretRef) out.push(`${app.name}: no PEER_REDIS_URLS from a Key Vault secret (the other regions' Redis)`);
    }
  }
  const origins = resources.filter((r) => r.type === "azure-native:cdn:AFDOrigin");
  for (const p of profiles) {
    const name = (p.inputs as Loose).profileName;
    if (typeof name !== "string") continue;
    const mine = origins.filter((o) => (o.inputs as Loose).profileName === name);
    if (apps.length > 1 && mine.length !== apps.length) out.push(`profile ${name}: ${mine.length} origins for ${apps.length} regions' apps`);
  }
  return out;
}

STACK_POLICIES.push({ name: "every-region-behind-every-profile", level: mandatory, check: regionFindings });

/**
 * A region's new replicas start only if what they read at start is in a region still up: each region's
 * app must resolve its Key Vault references in a vault of its own region, and pull its image from a
 * registry that has a copy in its region (the registry's home or a geo-replica, Premium). With one vault
 * and one registry in the first region, losing it leaves the other region unable to scale out
 * (docs/regions.md). Single-region stacks are not judged; values a preview does not know are skipped.
 */
export function regionalDependencyFindings(resources: RegisteredResource[]): string[] {
  const apps = resources.filter((r) => r.type === "azure-native:app:ContainerApp");
  if (apps.length <= 1) return [];
  const vaults = resources.filter((r) => r.type === "azure-native:keyvault:Vault");
  const registries = resources.filter((r) => r.type === "azure-native:containerregistry:Registry");
  const replications = resources.filter((r) => r.type === "azure-native:containerregistry:Replication");
  const out: string[] = [];
  for (const app of apps) {
    const inputs = app.inputs as Loose;
    const location = inputs.location;
    const name = typeof inputs.containerAppName === "string" ? inputs.containerAppName : app.name;
    if (typeof location !== "string") continue;
    for (const secret of (inputs.configuration?.secrets ?? []) as Loose[]) {
      const host = typeof secret.keyVaultUrl === "string" ? /^https:\/\/([^./]+)\.vault\.azure\.net\//.exec(secret.keyVaultUrl)?.[1] : undefined;
      const vault = host ? vaults.find((v) => (v.inputs as Loose).vaultName === host) : undefined;
      if (vault && (vault.inputs as Loose).location !== location) {
        out.push(`${name} (${location}): secret ${secret.name} is read from vault ${host} in ${(vault.inputs as Loose).location}; each region's app reads a vault in its own region`);
      }
    }
    for (const reg of (inputs.configuration?.registries ?? []) as Loose[]) {
      const registryName = typeof reg.server === "string" ? /^([^.]+)\.azurecr\.io$/.exec(reg.server)?.[1] : undefined;
      const registry = registryName ? registries.find((r) => (r.inputs as Loose).registryName === registryName) : undefined;
      if (!registry) continue;
      const copies = [(registry.inputs as Loose).location, ...replications.filter((r) => (r.inputs as Loose).registryName === registryName).map((r) => (r.inputs as Loose).location)];
      if (!copies.includes(location)) out.push(`${name} (${location}): registry ${registryName} has no copy in ${location} (home and geo-replicas: ${copies.join(", ")})`);
      if ((registry.inputs as Loose).sku?.name !== "Premium") out.push(`registry ${registryName}: ${(registry.inputs as Loose).sku?.name} cannot be geo-replicated; several regions need Premium`);
    }
  }
  return [...new Set(out)];
}

STACK_POLICIES.push({ name: "every-region-starts-replicas-on-its-own", level: mandatory, check: regionalDependencyFindings });

export function runPolicies(stack: string, resources: RegisteredResource[]): PolicyResult[] {
  return [
    ...POLICIES.flatMap((policy) => resources.flatMap((r) =>
      policy.check(r).map((message) => ({ policy: policy.name, resource: `${r.type}::${r.name}`, level: policy.level(stack), message })))),
    ...STACK_POLICIES.flatMap((policy) => policy.check(resources).map((message) => ({ policy: policy.name, resource: "(stack)", level: policy.level(stack), message }))),
  ];
}
