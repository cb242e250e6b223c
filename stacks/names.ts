/** Azure resource names from the project and stack, within each service's length and character rules. */
import { createHash } from "node:crypto";

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
    vnet: `vnet-${base}`,
    actionGroup: `ag-${base}`,
    budget: `budget-${base}`,
    appServicePlan: `asp-${base}`,
    autoscale: `autoscale-${base}`,
  };
}

/**
 * The names of one region's resources: the primary region (suffix "") keeps the single-region names;
 * another region appends "-<name>" (stacks/regions.ts), within each service's length limit.
 */
export function regionResourceNames(project: string, stack: string, suffix: string) {
  const names = resourceNames(project, stack);
  if (!suffix) return names;
  const base = `${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  return {
    ...names,
    resourceGroup: `${names.resourceGroup}${suffix}`,
    environment: `${names.environment}${suffix}`,
    // Container app names: at most 32 characters; the suffix must survive the cut.
    containerApp: `ca-${base}`.slice(0, 32 - suffix.length) + suffix,
    vnet: `${names.vnet}${suffix}`,
  };
}

/** A region's Redis name: the stack's, with the region's suffix kept within 60 characters. */
export function regionRedisName(stackRedisName: string, suffix: string): string {
  return suffix ? stackRedisName.slice(0, 60 - suffix.length) + suffix : stackRedisName;
}

/**
 * A region's Key Vault name (a stack with several regions has a vault per region: docs/regions.md): the
 * stack's vault name, its 6-character hash kept, with the region's suffix, within Key Vault's 24
 * characters (azureLiterals KEY_VAULT_REDUNDANCY.namePattern): kvvoiceplatform<hash>-se. The primary region
 * keeps the stack's vault.
 */
export function regionVaultName(stackVaultName: string, suffix: string, maxLength = 24): string {
  if (!suffix) return stackVaultName;
  const hash = stackVaultName.slice(-6);
  const prefix = stackVaultName.slice(0, -6).slice(0, maxLength - hash.length - suffix.length);
  return `${prefix}${hash}${suffix}`;
}

/** Traffic Manager's DNS label (<label>.trafficmanager.net is global): the stack's Redis-style unique name. */
export function trafficManagerLabel(project: string, stack: string, subscriptionId: string): string {
  const hash = createHash("sha256").update(`${subscriptionId}/${project}/${stack}/trafficmanager`).digest("hex").slice(0, 6);
  return `${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 55) + `-${hash}`;
}

/**
 * Key Vault, ACR and Redis names are global across Azure: a short hash of the subscription and stack keeps
 * them unique and stable (the same inputs always give the same name, like Bicep's uniqueString).
 */
export function globalNames(project: string, stack: string, subscriptionId: string, vaultGeneration = 0): { keyVault: string; registry: string; redis: string; webApp: string } {
  const compact = `${project}${stack}`.toLowerCase().replace(/[^a-z0-9]/g, "");
  const hash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 6);
  const suffix = hash(`${subscriptionId}/${project}/${stack}`);
  // A destroyed vault's name stays taken while it is soft-deleted: a new generation gets a new name
  // (generation 0 keeps the name earlier versions gave, so existing stacks are not replaced).
  const vaultSuffix = vaultGeneration === 0 ? suffix : hash(`${subscriptionId}/${project}/${stack}/keyvault/${vaultGeneration}`);
  return {
    keyVault: `kv${compact}`.slice(0, 16) + vaultSuffix,
    registry: `acr${compact}`.slice(0, 40) + suffix,
    // <name>.redis.cache.windows.net and <name>.<region>.redis.azure.net are global too.
    redis: `redis-${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 50) + `-${suffix}`,
    // <name>.azurewebsites.net is global too; 2-60 characters.
    webApp: `app-${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 52) + `-${suffix}`,
  };
}
