/**
 * Every number and SKU of the private network and the edge, derived from the stack's configuration:
 * address space and subnets (sized for replicas.max by Microsoft's workload-profiles rule), the SKUs the
 * private paths need, what is public and what is private, and the monthly cost the network adds. Pure:
 * no Pulumi, tested on hand-computed values (tests/infra/networkSizing.test.ts).
 */
import { z } from "zod";
import { FigureSchema, catalogById, DEFAULT_CATALOG_ID, type Figure } from "../cost";
import networkSheet from "../cost/catalogs/azure-network-2026.json";

/**
 * Workload-profiles environment in a custom VNet ("Virtual network configuration", learn.microsoft.com/
 * azure/container-apps/custom-virtual-networks, ms.date 2025-05-01, read 2026-12-03): a subnet of at least
 * /27, delegated to Microsoft.App/environments; 12 addresses reserved for the infrastructure and 5 by the
 * subnet; on the Consumption profile "plan for 1 IP address per 10 replicas"; and in single revision mode
 * a revision change doubles the addresses needed for a short time. Its table (/27: 15 addresses, 70
 * replicas ... /23: 495, 2,470) follows from exactly these numbers.
 */
export const WORKLOAD_PROFILES_SUBNET = {
  minimumPrefix: 27,
  infrastructureReservedAddresses: 12,
  subnetReservedAddresses: 5,
  replicasPerAddress: 10,
  revisionChangeFactor: 2,
  /** The subnet's delegation (same page: "You must delegate your subnet to `Microsoft.App/environments`"). */
  delegation: "Microsoft.App/environments",
} as const;

/**
 * Address ranges a workload-profiles environment's subnet must not overlap (same page, "Subnet address
 * range restrictions", read 2026-12-03): AKS's and the environment's own reserved ranges.
 */
export const RESERVED_RANGES = [
  "169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24",
  "100.100.0.0/17", "100.100.128.0/19", "100.100.160.0/19", "100.100.192.0/19",
] as const;

/**
 * The private endpoints the stack creates: Redis, Key Vault and the registry. Addresses per endpoint is
 * an assumption (no source read here states how many a registry endpoint takes beyond one for its login
 * server; a regional data endpoint may take a second): two each leaves room for that.
 */
export const PRIVATE_ENDPOINTS = ["redis", "vault", "registry"] as const;
export const ADDRESSES_PER_PRIVATE_ENDPOINT = 2;
/** Azure's smallest subnet is /29; /28 leaves room for the assumption above. */
export const PRIVATE_ENDPOINT_SUBNET_MAX_PREFIX = 28;

export type FrontDoorSku = "Standard_AzureFrontDoor" | "Premium_AzureFrontDoor";
export type RegistrySku = "Basic" | "Premium";

/** The stack settings this module reads (validated in stacks/config.ts). */
export interface NetworkSettings {
  enabled: boolean;
  addressSpace: string;
  registryPushCidrs: string[];
}
export interface WafSettings {
  enabled: boolean;
  mode: "Prevention" | "Detection";
  upgradeRateLimit: { threshold: number; durationMinutes: number };
  allowedCountries: string[];
  blockedIpRanges: string[];
  managedRuleSets: boolean;
}
export interface NetworkInputs {
  replicas: { max: number };
  network: NetworkSettings;
  waf: WafSettings;
  frontDoor: { enabled: boolean };
  hosting: string;
}

// ---------------------------------------------------------------------------------------------- CIDR

export interface Cidr {
  /** First address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses "a.b.c.d/p"; returns a reason when it is not an IPv4 network address with its prefix. */
export function parseCidr(text: string): Cidr | string {
  const m = IPV4_CIDR.exec(text);
  if (!m) return `"${text}" is not an IPv4 CIDR (a.b.c.d/prefix)`;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255)) return `"${text}" has an octet above 255`;
  if (prefix > 32) return `"${text}" has a prefix above 32`;
  const base = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return `"${text}" is not a network address: the host bits must be zero (${formatCidr({ base: base - (base % size), prefix })})`;
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  const b = c.base;
  return `${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}/${c.prefix}`;
}

export const cidrSize = (c: Cidr): number => 2 ** (32 - c.prefix);

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

// ---------------------------------------------------------------------------------------------- subnets

/** Consumption replicas a workload-profiles subnet of this prefix carries, revision changes included. */
export function consumptionReplicasSupported(prefix: number): number {
  const s = WORKLOAD_PROFILES_SUBNET;
  const available = 2 ** (32 - prefix) - s.infrastructureReservedAddresses - s.subnetReservedAddresses;
  return Math.max(0, Math.floor(available / s.revisionChangeFactor)) * s.replicasPerAddress;
}

/** The smallest infrastructure subnet (largest prefix, at most /27) that carries maxReplicas. */
export function infrastructureSubnetPrefix(maxReplicas: number): number {
  if (!(Number.isInteger(maxReplicas) && maxReplicas > 0)) throw new RangeError(`maxReplicas must be a positive integer, got ${maxReplicas}`);
  for (let prefix = WORKLOAD_PROFILES_SUBNET.minimumPrefix; prefix >= 8; prefix--) {
    if (consumptionReplicasSupported(prefix) >= maxReplicas) return prefix;
  }
  throw new RangeError(`no subnet carries ${maxReplicas} replicas`);
}

/**
 * The smallest subnet for the private endpoints (5 addresses reserved by Azure in every subnet).
 * `extraAddresses`: what some endpoints take beyond ADDRESSES_PER_PRIVATE_ENDPOINT (a geo-replicated
 * registry's endpoint takes one per replica region's data endpoint: stacks/regions.ts).
 */
export function privateEndpointSubnetPrefix(endpoints: number, extraAddresses = 0): number {
  const needed = endpoints * ADDRESSES_PER_PRIVATE_ENDPOINT + extraAddresses + WORKLOAD_PROFILES_SUBNET.subnetReservedAddresses;
  let prefix = PRIVATE_ENDPOINT_SUBNET_MAX_PREFIX;
  while (2 ** (32 - prefix) < needed) prefix--;
  return prefix;
}

export interface NetworkLayout {
  addressSpace: string;
  infrastructureSubnet: { cidr: string; prefix: number; replicasSupported: number; delegation: string };
  privateEndpointSubnet: { cidr: string; prefix: number; endpoints: number };
}

/**
 * The VNet's address space as configured, the infrastructure subnet at its start, the private endpoints'
 * subnet right after it (aligned: it is never larger than the first). Returns the problems instead when
 * the space is malformed, too small, or overlaps a reserved range.
 */
export function networkLayout(addressSpace: string, maxReplicas: number, endpoints: number = PRIVATE_ENDPOINTS.length, extraAddresses = 0): NetworkLayout | string[] {
  const space = parseCidr(addressSpace);
  if (typeof space === "string") return [space];
  const problems: string[] = [];
  for (const reserved of RESERVED_RANGES) {
    if (overlaps(space, parseCidr(reserved) as Cidr)) problems.push(`${addressSpace} overlaps ${reserved}, which a Container Apps workload-profiles environment reserves`);
  }
  const infraPrefix = infrastructureSubnetPrefix(maxReplicas);
  const pePrefix = privateEndpointSubnetPrefix(endpoints, extraAddresses);
  const infra: Cidr = { base: space.base, prefix: infraPrefix };
  const pe: Cidr = { base: space.base + cidrSize(infra), prefix: pePrefix };
  const needed = cidrSize(infra) + cidrSize(pe);
  if (needed > cidrSize(space)) {
    problems.push(`${addressSpace} has ${cidrSize(space)} addresses; the infrastructure subnet for ${maxReplicas} replicas (/${infraPrefix}) and the private endpoints' subnet (/${pePrefix}) need ${needed}`);
  }
  if (problems.length > 0) return problems;
  return {
    addressSpace,
    infrastructureSubnet: { cidr: formatCidr(infra), prefix: infraPrefix, replicasSupported: consumptionReplicasSupported(infraPrefix), delegation: WORKLOAD_PROFILES_SUBNET.delegation },
    privateEndpointSubnet: { cidr: formatCidr(pe), prefix: pePrefix, endpoints },
  };
}

// ---------------------------------------------------------------------------------------------- SKUs

/**
 * Front Door Premium when the origin is reached over Private Link ("Private link isn't supported for
 * origins in an AFD profile with SKU Standard_AzureFrontDoor", learn.microsoft.com/azure/container-apps/
 * how-to-integrate-with-azure-front-door, ms.date 2025-05-02, read 2026-12-03) or when the WAF runs
 * managed rule sets ("For Azure Front Door Standard, only custom rules are supported", Azure WAF on
 * Front Door overview, learn.microsoft.com/azure/frontdoor/waf-overview, read 2026-12-03).
 */
export function frontDoorSku(c: Pick<NetworkInputs, "network" | "waf">): FrontDoorSku {
  return c.network.enabled || (c.waf.enabled && c.waf.managedRuleSets) ? "Premium_AzureFrontDoor" : "Standard_AzureFrontDoor";
}

/**
 * Premium with the private network, or with several regions (geo-replication is a Premium feature:
 * azureLiterals ACR_GEO_REPLICATION); Basic otherwise.
 *
 * A registry takes private endpoints and IP rules only on Premium ("Premium adds ... private link with
 * private endpoints to restrict access to the registry", Azure Container Registry service tiers,
 * docs.azure.cn/en-us/container-registry/container-registry-skus, read 2026-12-03; the built-in policy
 * "Container registries should have SKUs that support Private Links" denies sku.name != Premium,
 * Azure/azure-policy ACR_SkuSupportsPrivateEndpoints_AuditDeny.json).
 */
export function registrySku(c: Pick<NetworkInputs, "network">, regions = 1): RegistrySku {
  return c.network.enabled || regions > 1 ? "Premium" : "Basic";
}

// ---------------------------------------------------------------------------------------------- exposure

export interface Exposure {
  resource: string;
  access: "private" | "public" | "restricted";
  how: string;
}

/** What is public and what is private, for the plan and the docs. */
export function exposure(c: NetworkInputs): Exposure[] {
  const on = c.network.enabled;
  const privately = (what: string) => `private endpoint in the VNet, ${what}public network access Disabled`;
  const edge = c.frontDoor.enabled
    ? [{ resource: "Front Door endpoint", access: "public" as const, how: c.waf.enabled ? `the one public entry; WAF policy (${c.waf.mode}) with a rate limit on WebSocket upgrades per client IP` : "the one public entry; no WAF policy" }]
    : [];
  if (!on) {
    return [
      ...edge,
      { resource: "Container Apps ingress", access: "public", how: c.frontDoor.enabled ? "public; requests without the profile's X-Azure-FDID are refused by the proxy" : "public" },
      { resource: "Redis", access: "public", how: "public endpoint, TLS and access key" },
      { resource: "Key Vault", access: "public", how: "public endpoint, Entra RBAC" },
      { resource: "Container registry", access: "public", how: "public endpoint, Entra tokens (admin user off)" },
    ];
  }
  return [
    ...edge,
    { resource: "Container Apps environment", access: "private", how: "workload-profiles environment in its own subnet, zone-redundant; public network access Disabled; Front Door reaches it over Private Link (X-Azure-FDID still checked)" },
    { resource: "Redis", access: "private", how: privately("") },
    { resource: "Key Vault", access: "private", how: privately("") },
    c.network.registryPushCidrs.length > 0
      ? { resource: "Container registry", access: "restricted", how: `private endpoint for pulls; public endpoint open only to ${c.network.registryPushCidrs.join(", ")} for the image push (default action Deny)` }
      : { resource: "Container registry", access: "private", how: privately("pulls and pushes from inside the VNet only; ") },
  ];
}

// ---------------------------------------------------------------------------------------------- cost

const NetworkSheetSchema = z.object({
  frontDoorPremiumMonthly: FigureSchema,
  containerRegistryPremiumPerDay: FigureSchema,
  privateEndpointHourly: FigureSchema,
  privateDnsZoneMonthly: FigureSchema,
  loadBalancerStandardHourly: FigureSchema,
  publicIpStandardHourly: FigureSchema,
});
export type NetworkPrices = z.infer<typeof NetworkSheetSchema>;

export function networkPrices(data: unknown = networkSheet): NetworkPrices {
  const r = NetworkSheetSchema.safeParse(data);
  if (!r.success) throw new Error(`cost/catalogs/azure-network-2026.json is malformed: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return r.data;
}

export const HOURS_PER_MONTH = 730;

export interface NetworkCost {
  monthly: number;
  lines: Array<{ item: string; monthly: number; figure: string }>;
  /** What the network costs that is not priced here (no public figure found). */
  unpriced: string[];
}

/**
 * The monthly cost the private network and the edge add to what the cost model already prices (Front
 * Door Standard and a Basic registry, from the infrastructure sheet): the Premium uplifts, the private
 * endpoints, the private DNS zones, and the load balancer and public IP the VNet environment brings
 * ("Managed resources", custom-virtual-networks page above: one standard load balancer and a standard
 * static public IP for egress). Data processed by the endpoints is not counted (cents per GB).
 */
/**
 * Several regions (stacks/regions.ts) multiply the per-region items: each region's VNet has its own
 * endpoints (Redis, Key Vault, registry, one per other region's Redis), zones, load balancer and IP;
 * several Front Door profiles multiply the Premium uplift and add a base fee each.
 */
export interface NetworkScale {
  regions: number;
  frontDoorProfiles: number;
}

export function networkMonthlyCost(c: NetworkInputs, prices: NetworkPrices = networkPrices(), base = baseInfrastructure(), scale: NetworkScale = { regions: 1, frontDoorProfiles: 1 }): NetworkCost {
  const lines: NetworkCost["lines"] = [];
  const add = (item: string, monthly: number, figure: Figure) => lines.push({ item, monthly, figure: `${figure.value} ${figure.unit}, ${figure.confidence} confidence${figure.assumption ? ", an assumption" : ""}; sources in cost/catalogs/azure-network-2026.json` });
  const { regions, frontDoorProfiles: profiles } = scale;
  const each = (n: number, what: string) => (n === 1 ? what : `${n} x ${what}`);
  if (c.frontDoor.enabled && profiles > 1) {
    lines.push({ item: `${profiles - 1} more Front Door profiles (base fee)`, monthly: (profiles - 1) * base.frontDoorMonthly, figure: `${base.frontDoorMonthly} USD per profile per month (the infrastructure sheet's Front Door base fee)` });
  }
  if (c.frontDoor.enabled && frontDoorSku(c) === "Premium_AzureFrontDoor") {
    add(each(profiles, "Front Door Premium instead of Standard"), profiles * (prices.frontDoorPremiumMonthly.value - base.frontDoorMonthly), prices.frontDoorPremiumMonthly);
  }
  if (c.network.enabled) {
    const endpoints = regions * (PRIVATE_ENDPOINTS.length + regions - 1);
    const zones = regions * PRIVATE_ENDPOINTS.length;
    add("Container registry Premium instead of Basic", (prices.containerRegistryPremiumPerDay.value - base.registryPerDay) * base.daysPerMonth, prices.containerRegistryPremiumPerDay);
    add(`${endpoints} private endpoints`, endpoints * prices.privateEndpointHourly.value * HOURS_PER_MONTH, prices.privateEndpointHourly);
    add(`${zones} private DNS zones`, zones * prices.privateDnsZoneMonthly.value, prices.privateDnsZoneMonthly);
    add(each(regions, "the environment's standard load balancer"), regions * prices.loadBalancerStandardHourly.value * HOURS_PER_MONTH, prices.loadBalancerStandardHourly);
    add(each(regions, "the environment's egress public IP"), regions * prices.publicIpStandardHourly.value * HOURS_PER_MONTH, prices.publicIpStandardHourly);
  }
  const unpriced = [
    ...(c.network.enabled && c.frontDoor.enabled
      ? ["Container Apps bills the private endpoint Front Door's Private Link creates on the environment as 'Dedicated plan management' (Container Apps private endpoints page): no public price was found"]
      : []),
    ...(c.frontDoor.enabled && profiles > 1 ? ["Traffic Manager's DNS queries and health checks (no current public price was read)"] : []),
  ];
  return { monthly: lines.reduce((a, l) => a + l.monthly, 0), lines, unpriced };
}

/** What the default infrastructure sheet already prices for Front Door and the registry. */
export function baseInfrastructure(): { frontDoorMonthly: number; registryPerDay: number; daysPerMonth: number } {
  const catalog = catalogById(DEFAULT_CATALOG_ID);
  const infra = catalog.infrastructure;
  if (infra.mode !== "metered") throw new Error(`catalog ${catalog.id} has no metered infrastructure prices`);
  return { frontDoorMonthly: infra.frontDoor.monthly.value, registryPerDay: infra.containerRegistryPerDay.value, daysPerMonth: catalog.daysPerMonth };
}

/** The network's share of the budget: its monthly cost plus the stack's headroom, rounded up. */
export function networkBudget(cost: NetworkCost, headroomPercent: number): number {
  return cost.monthly > 0 ? Math.ceil(cost.monthly * (1 + headroomPercent / 100)) : 0;
}

// ---------------------------------------------------------------------------------------------- plan

export interface NetworkPlan {
  enabled: boolean;
  layout?: NetworkLayout;
  frontDoorSku: FrontDoorSku;
  registrySku: RegistrySku;
  exposure: Exposure[];
  cost: NetworkCost;
}

/** Everything above for one stack; the config has been validated (networkProblems found nothing). */
export function networkPlan(c: NetworkInputs, scale: NetworkScale = { regions: 1, frontDoorProfiles: 1 }): NetworkPlan {
  let layout: NetworkLayout | undefined;
  if (c.network.enabled) {
    const l = networkLayout(c.network.addressSpace, c.replicas.max);
    if (Array.isArray(l)) throw new Error(`network: ${l.join("; ")}`);
    layout = l;
  }
  return { enabled: c.network.enabled, layout, frontDoorSku: frontDoorSku(c), registrySku: registrySku(c, scale.regions), exposure: exposure(c), cost: networkMonthlyCost(c, undefined, undefined, scale) };
}

/** Problems with the network and WAF settings, by dotted path (stacks/config.ts reports them). */
export function networkProblems(c: NetworkInputs): Array<{ path: (string | number)[]; message: string }> {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  c.network.registryPushCidrs.forEach((cidr, i) => {
    const parsed = parseCidr(cidr);
    if (typeof parsed === "string") out.push({ path: ["network", "registryPushCidrs", i], message: parsed });
  });
  c.waf.blockedIpRanges.forEach((cidr, i) => {
    const parsed = parseCidr(cidr.includes("/") ? cidr : `${cidr}/32`);
    if (typeof parsed === "string") out.push({ path: ["waf", "blockedIpRanges", i], message: parsed });
  });
  if (c.waf.enabled && !c.frontDoor.enabled) out.push({ path: ["waf", "enabled"], message: "needs frontDoor.enabled: the WAF policy is attached to the Front Door endpoint" });
  if (!c.network.enabled) {
    if (c.network.registryPushCidrs.length > 0) out.push({ path: ["network", "registryPushCidrs"], message: "only with network.enabled (a registry takes IP rules on Premium, which the private network brings)" });
    return out;
  }
  // replicas.max has its own rule (and error) when it is not a positive integer.
  if (Number.isInteger(c.replicas.max) && c.replicas.max > 0) {
    const layout = networkLayout(c.network.addressSpace, c.replicas.max);
    if (Array.isArray(layout)) for (const message of layout) out.push({ path: ["network", "addressSpace"], message });
  }
  if (c.hosting === "appService") out.push({ path: ["network", "enabled"], message: "the private network is built for Container Apps hosting only" });
  // With the environment's public access off, Front Door's Private Link is the only way in.
  if (!c.frontDoor.enabled) out.push({ path: ["network", "enabled"], message: "needs frontDoor.enabled: with public network access off, Front Door's Private Link is the only way in" });
  return out;
}
