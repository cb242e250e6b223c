import { createHash } from "node:crypto";
/**
 * Numbers derived from the stack config: pure, tested on hand-computed values, never typed twice.
 */
import type { StackConfig } from "./config";

/** The most sessions the platform is sized for: every replica at its scale-rule target. */
export function sessionCapacity(config: Pick<StackConfig, "replicas" | "sessionsPerReplica">): number {
  return config.replicas.max * config.sessionsPerReplica;
}

/** The capacity alert fires above this many active sessions (capacityPercent of the capacity). */
export function capacityAlertThreshold(config: Pick<StackConfig, "replicas" | "sessionsPerReplica" | "alerts">): number {
  return Math.floor((sessionCapacity(config) * config.alerts.capacityPercent) / 100);
}

/**
 * MAX_SESSIONS_PER_INSTANCE: the HTTP scale rule counts a WebSocket at its upgrade, not while it is
 * open (notes/azure.md), so a replica can hold more than `sessionsPerReplica` open sessions. The hard
 * per-instance cap sits 50% above the scale target: headroom for bursts while new replicas start,
 * a bound before one replica is overloaded.
 */
export function maxSessionsPerInstance(sessionsPerReplica: number): number {
  return Math.ceil(sessionsPerReplica * 1.5);
}

/**
 * Replicas get SIGTERM, then SIGKILL after this long: enough to tell every client to reconnect and
 * finish the close handshakes (the proxy drains in seconds); Container Apps allows up to 600 s.
 */
export const TERMINATION_GRACE_SECONDS = 60;

/**
 * Key Vault, ACR and Redis names are global across Azure: a short hash of the subscription and stack keeps
 * them unique and stable (the same inputs always give the same name, like Bicep's uniqueString).
 */
export function globalNames(project: string, stack: string, subscriptionId: string): { keyVault: string; registry: string; redis: string } {
  const compact = `${project}${stack}`.toLowerCase().replace(/[^a-z0-9]/g, "");
  const suffix = createHash("sha256").update(`${subscriptionId}/${project}/${stack}`).digest("hex").slice(0, 6);
  return {
    keyVault: `kv${compact}`.slice(0, 16) + suffix,
    registry: `acr${compact}`.slice(0, 40) + suffix,
    // <name>.redis.cache.windows.net and <name>.<region>.redis.azure.net are global too.
    redis: `redis-${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 50) + `-${suffix}`,
  };
}

/** Azure resource names from the stack, within each service's length and character rules. */
export function resourceNames(project: string, stack: string) {
  const base = `${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  return {
    resourceGroup: `rg-${base}`,
    logAnalytics: `log-${base}`,
    appInsights: `appi-${base}`,
    identity: `id-${base}`,
    environment: `cae-${base}`,
    containerApp: `ca-${base}`.slice(0, 32),
    frontDoor: `afd-${base}`,
    actionGroup: `ag-${base}`,
    budget: `budget-${base}`,
  };
}
