/**
 * Where the proxy tier runs: one region (every stack so far) or several, each with its own Container Apps
 * environment and app, its own Redis and, with the private network, its own VNet. Pure: no Pulumi, tested
 * on hand-computed values (stacks/regions.test.ts).
 *
 * The first region is the stack's `location` and keeps every name a single-region stack has, so a stack
 * that grows a second region keeps its running resources untouched; the others add `-<name>` to theirs
 * and get their own resource group (private DNS zones are per resource group, and each region's VNet
 * needs its own copy of the zones: see docs/regions.md).
 */
import type { StackConfig } from "./config";
import { ACR_GEO_REPLICATION, CONTAINER_APPS_QUOTAS, FRONT_DOOR } from "./azureLiterals";
import { ADDRESSES_PER_PRIVATE_ENDPOINT, cidrSize, formatCidr, networkLayout, overlaps, parseCidr, PRIVATE_ENDPOINTS, type NetworkLayout } from "./networkSizing";

/** Private endpoints in each region's VNet: Redis, Key Vault, the registry, and each other region's Redis. */
export const regionPrivateEndpoints = (regions: number): number => PRIVATE_ENDPOINTS.length + regions - 1;

/**
 * Addresses each region's endpoint subnet needs beyond ADDRESSES_PER_PRIVATE_ENDPOINT per endpoint: the
 * geo-replicated registry's endpoint takes one for the login server and one per region's data endpoint
 * (azureLiterals ACR_GEO_REPLICATION): 3 with two regions, one more than the two counted. A replica
 * cannot be added while any VNet's endpoint subnet lacks the address.
 */
export const regionRegistryExtraAddresses = (regions: number): number =>
  regions > 1 ? Math.max(0, ACR_GEO_REPLICATION.privateEndpointAddresses(regions) - ADDRESSES_PER_PRIVATE_ENDPOINT) : 0;

/** Each region's VNet layout: its endpoints and the registry's data endpoints counted (several regions only). */
export function regionNetworkLayout(addressSpace: string, maxReplicas: number, regions: number): NetworkLayout | string[] {
  return networkLayout(addressSpace, maxReplicas, regionPrivateEndpoints(regions), regionRegistryExtraAddresses(regions));
}

/** A region's short name: it becomes part of resource names and the REGION variable. */
export const REGION_NAME = /^[a-z][a-z0-9]{0,7}$/;

/** The region a stack without `regions` runs in. Its name is never written anywhere (no REGION variable). */
export const DEFAULT_REGION_NAME = "main";

export interface RegionPlan {
  name: string;
  location: string;
  /** The first region: today's single-region names. */
  primary: boolean;
  /** Appended to the names of this region's resources: "" for the primary, "-<name>" for the others. */
  suffix: string;
  /** The VNet's address space (with the private network). */
  addressSpace: string;
}

type RegionInputs = Pick<StackConfig, "location" | "network"> & { regions?: Array<{ name: string; location: string; addressSpace?: string }> };

/**
 * The address space of the index-th region when it gives none: the configured space shifted by `index`
 * spaces of its own size (10.60.0.0/22 -> 10.60.4.0/22 for the second region), so no two overlap.
 */
export function derivedAddressSpace(base: string, index: number): string {
  const space = parseCidr(base);
  if (typeof space === "string") return base;
  return formatCidr({ base: (space.base + index * cidrSize(space)) >>> 0, prefix: space.prefix });
}

/** The stack's regions, the first being the stack's location. */
export function stackRegions(c: RegionInputs): RegionPlan[] {
  const declared = c.regions ?? [{ name: DEFAULT_REGION_NAME, location: c.location }];
  return declared.map((r, i) => ({
    name: r.name,
    location: r.location,
    primary: i === 0,
    suffix: i === 0 ? "" : `-${r.name}`,
    addressSpace: r.addressSpace ?? (i === 0 ? c.network.addressSpace : derivedAddressSpace(c.network.addressSpace, i)),
  }));
}

/** Whether the stack runs in several regions (and the service gets REGION and PEER_REDIS_URLS). */
export const isMultiRegion = (c: Pick<RegionInputs, "regions">): boolean => (c.regions?.length ?? 0) > 1;

/**
 * Front Door profiles the stack's declared peak needs: ceil(peak x (1 + headroom) / 3,000), one profile
 * carrying at most 3,000 concurrent WebSockets (azureLiterals FRONT_DOOR). One without a declared peak.
 */
export function frontDoorProfileCount(capacity: { peakConcurrentSessions: number; headroomPercent: number } | undefined): number {
  if (!capacity) return 1;
  return Math.max(1, Math.ceil((capacity.peakConcurrentSessions * (1 + capacity.headroomPercent / 100)) / FRONT_DOOR.webSocketConnectionsPerProfile));
}

/**
 * Replicas each region's app needs to carry the whole peak (with headroom) alone, when every other region
 * is lost: ceil(peak x (1 + headroom) / sessionsPerReplica).
 */
export function regionLossReplicas(capacity: { peakConcurrentSessions: number; headroomPercent: number }, sessionsPerReplica: number): number {
  return Math.ceil((capacity.peakConcurrentSessions * (1 + capacity.headroomPercent / 100)) / sessionsPerReplica);
}

type Problem = { path: (string | number)[]; message: string };

/** Problems with `regions` and `capacity`, by dotted path (stacks/config.ts reports them with the rest). */
export function regionProblems(c: RegionInputs & Pick<StackConfig, "hosting" | "replicas" | "sessionsPerReplica" | "cpu" | "frontDoor"> & {
  capacity?: { peakConcurrentSessions: number; headroomPercent: number };
}): Problem[] {
  const out: Problem[] = [];
  const regions = c.regions;
  if (regions) {
    const names = new Map<string, number>();
    const locations = new Map<string, number>();
    regions.forEach((r, i) => {
      if (names.has(r.name)) out.push({ path: ["regions", i, "name"], message: `"${r.name}" is also region ${names.get(r.name)}'s name` });
      else names.set(r.name, i);
      if (locations.has(r.location)) out.push({ path: ["regions", i, "location"], message: `${r.location} is also region ${locations.get(r.location)}'s location: one app per region` });
      else locations.set(r.location, i);
      if (r.addressSpace !== undefined && !c.network.enabled) out.push({ path: ["regions", i, "addressSpace"], message: "only with network.enabled" });
    });
    if (regions.length > 0 && regions[0].location !== c.location) {
      out.push({ path: ["regions", 0, "location"], message: `the first region is the stack's location (${c.location}), got ${regions[0].location}` });
    }
    if (regions.length > 1 && c.hosting !== "containerApps") out.push({ path: ["regions"], message: "several regions are built for Container Apps hosting only" });
    if (regions.length > 1 && !c.frontDoor.enabled) out.push({ path: ["regions"], message: "several regions need frontDoor.enabled: Front Door spreads clients over the regions and takes a lost one out" });
    if (c.network.enabled && Number.isInteger(c.replicas.max) && c.replicas.max > 0) {
      const planned = stackRegions(c);
      const layouts: Array<NetworkLayout | undefined> = planned.map((r, i) => {
        const layout = regionNetworkLayout(r.addressSpace, c.replicas.max, planned.length);
        if (Array.isArray(layout)) {
          if (i > 0) for (const message of layout) out.push({ path: ["regions", i, "addressSpace"], message });
          return undefined;
        }
        return layout;
      });
      planned.forEach((a, i) => planned.slice(i + 1).forEach((b, k) => {
        const [pa, pb] = [parseCidr(a.addressSpace), parseCidr(b.addressSpace)];
        if (layouts[i] && layouts[i + 1 + k] && typeof pa !== "string" && typeof pb !== "string" && overlaps(pa, pb)) {
          out.push({ path: ["regions", i + 1 + k, "addressSpace"], message: `${b.addressSpace} (region ${b.name}) overlaps ${a.addressSpace} (region ${a.name}): VNets that may be peered must not overlap` });
        }
      }));
    }
  }
  const profiles = frontDoorProfileCount(c.capacity);
  if (profiles > 1) {
    // Traffic Manager answers with a Front Door endpoint's name, but the client's TLS handshake names the
    // host it asked for: only a custom domain that every profile serves works (docs/regions.md).
    if (!c.frontDoor.customDomain) out.push({ path: ["frontDoor", "customDomain"], message: `required: the declared peak needs ${profiles} Front Door profiles behind Traffic Manager, and clients reach them under a custom domain that every profile serves (a *.trafficmanager.net name has no certificate at Front Door)` });
    else if (c.frontDoor.customDomain.dnsZone) out.push({ path: ["frontDoor", "customDomain", "dnsZone"], message: `not with ${profiles} Front Door profiles: the CNAME goes to Traffic Manager and the TXT record carries every profile's token; create them by hand (npm run plan lists them)` });
  }
  if (c.capacity && c.hosting === "containerApps") {
    const need = regionLossReplicas(c.capacity, c.sessionsPerReplica);
    if (need > CONTAINER_APPS_QUOTAS.replicasPerRevision.value) {
      out.push({ path: ["capacity", "peakConcurrentSessions"], message: `one region alone would need ${need} replicas of ${c.sessionsPerReplica} sessions to carry the peak, above the ${CONTAINER_APPS_QUOTAS.replicasPerRevision.value} replicas an app can run` });
    }
    if (need * c.cpu > CONTAINER_APPS_QUOTAS.coresPerEnvironmentMax.value) {
      out.push({ path: ["capacity", "peakConcurrentSessions"], message: `one region alone would need ${need * c.cpu} cores, above the ${CONTAINER_APPS_QUOTAS.coresPerEnvironmentMax.value} an environment can be raised to` });
    }
  }
  return out;
}

/**
 * What `plan` warns about (the stack deploys, but does not carry what it declares): a region app whose
 * replicas.max cannot carry the peak alone, an environment above the default core quota.
 */
export function regionWarnings(c: Pick<StackConfig, "replicas" | "sessionsPerReplica" | "cpu" | "hosting"> & RegionInputs & {
  capacity?: { peakConcurrentSessions: number; headroomPercent: number; environmentCoresQuota?: number };
  waf?: { enabled: boolean; allowedCountries: string[] };
}): string[] {
  const out: string[] = [];
  // Traffic Manager probes from US-based Azure regions only (azureLiterals TRAFFIC_MANAGER), through the WAF.
  if (frontDoorProfileCount(c.capacity) > 1 && c.waf?.enabled && c.waf.allowedCountries.length > 0 && !c.waf.allowedCountries.includes("US")) {
    out.push(`waf.allowedCountries (${c.waf.allowedCountries.join(", ")}) blocks Traffic Manager's probes, which come from the US only: every Front Door profile would look Degraded and none be taken out when it fails; add US`);
  }
  const regions = stackRegions(c);
  if (c.capacity && c.hosting === "containerApps") {
    const need = regionLossReplicas(c.capacity, c.sessionsPerReplica);
    const peak = Math.ceil(c.capacity.peakConcurrentSessions * (1 + c.capacity.headroomPercent / 100));
    if (c.replicas.max < need) {
      out.push(`regions: each region's app runs at most ${c.replicas.max} replicas x ${c.sessionsPerReplica} = ${c.replicas.max * c.sessionsPerReplica} sessions; carrying the peak with headroom (${peak}) alone after losing ${regions.length > 1 ? "the other region(s)" : "nothing: one region"} needs ${need}: set replicas.max to ${need}`);
    }
  }
  // The quota counts every active replica of every revision: a revision change at the peak runs both.
  const cores = 2 * c.replicas.max * c.cpu;
  // A stack that declares its raised quota (capacity.environmentCoresQuota) is checked against it; the
  // capacity plan lists the raise as a request.
  const quota = c.capacity?.environmentCoresQuota ?? CONTAINER_APPS_QUOTAS.coresPerEnvironment.value;
  if (c.hosting === "containerApps" && cores > quota) {
    out.push(`regions: a revision change at replicas.max runs 2 x ${c.replicas.max} replicas x ${c.cpu} vCPU = ${cores} cores in an environment, above ${c.capacity?.environmentCoresQuota ? "the declared" : "the default"} quota of ${quota} cores per environment: request an increase (up to ${CONTAINER_APPS_QUOTAS.coresPerEnvironmentMax.value}) for ${regions.map((r) => r.location).join(" and ")} before go-live`);
  }
  return out;
}

/**
 * A region's view of the upstreams (its app's UPSTREAMS): entries in the region's own location keep their
 * priority, the others move below every local one (priority + the highest priority), so each region's
 * proxies use their own region's resources first and the others' as failover. Single-region stacks use
 * the entries as they are.
 */
export function regionUpstreams<U extends { priority: number; region?: string }>(upstreams: U[], location: string): U[] {
  const lowest = Math.max(...upstreams.map((u) => u.priority));
  return upstreams.map((u) => (u.region === location ? u : { ...u, priority: u.priority + lowest }));
}
