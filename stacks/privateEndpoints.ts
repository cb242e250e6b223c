import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";

/**
 * Private Link targets: the sub-resource (group id) a private endpoint connects to, and the private DNS
 * zone its name must resolve in. Sources, read 2026-12-03:
 * - vault, registry, redisCache: "Azure Private Endpoint DNS configuration" (learn.microsoft.com/azure/
 *   private-link/private-endpoint-dns; MicrosoftDocs/azure-docs articles/private-link/private-endpoint-dns.md),
 *   rows "Azure Key Vault (Microsoft.KeyVault/vaults) / vault | privatelink.vaultcore.azure.net",
 *   "Azure Container Registry (Microsoft.ContainerRegistry/registries) / registry | privatelink.azurecr.io",
 *   "Azure Cache for Redis (Microsoft.Cache/Redis) / redisCache | privatelink.redis.cache.windows.net".
 * - redisEnterprise (Azure Managed Redis, Microsoft.Cache/redisEnterprise): the group id is what
 *   Azure/azure-powershell PR #13511 registers the type's private link under and what every public
 *   template read uses (`groupIds: ['redisEnterprise']`); the zone privatelink.redis.azure.net is the one
 *   public Managed Redis templates link (its host names end in .redis.azure.net). Microsoft's zone table
 *   row for Managed Redis could not be read here: a real deployment confirms it (docs/network.md).
 * - managedEnvironments (Container Apps environment, for Front Door's Private Link origin):
 *   learn.microsoft.com/azure/container-apps/how-to-integrate-with-azure-front-door (ms.date 2025-05-02):
 *   `--private-link-sub-resource-type managedEnvironments`.
 */
export const PRIVATE_LINK = {
  vault: { groupId: "vault", zone: "privatelink.vaultcore.azure.net" },
  registry: { groupId: "registry", zone: "privatelink.azurecr.io" },
  redisCache: { groupId: "redisCache", zone: "privatelink.redis.cache.windows.net" },
  redisEnterprise: { groupId: "redisEnterprise", zone: "privatelink.redis.azure.net" },
} as const;
export const CONTAINER_APPS_PRIVATE_LINK_GROUP = "managedEnvironments";

export type PrivateLinkTarget = (typeof PRIVATE_LINK)[keyof typeof PRIVATE_LINK];

export interface PrivateEndpointArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  endpointName: string;
  subnetId: pulumi.Input<string>;
  /** The resource the endpoint connects to. */
  targetId: pulumi.Input<string>;
  target: PrivateLinkTarget;
  /** The private DNS zone (already linked to the VNet) that receives the endpoint's A record. */
  zoneId: pulumi.Input<string>;
  /** What the endpoint waits for (a geo-replicated registry's replicas: each gets an address in it). */
  dependsOn?: pulumi.Resource[];
}

/**
 * A private endpoint in the endpoints' subnet and its DNS zone group: Azure writes the endpoint's A
 * record into the linked zone, so the resource's usual host name resolves to the private address from
 * inside the VNet and clients keep their connection strings.
 */
export class PrivateEndpoint extends pulumi.ComponentResource {
  readonly endpoint: network.PrivateEndpoint;

  constructor(name: string, args: PrivateEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:PrivateEndpoint", name, {}, opts);
    this.endpoint = new network.PrivateEndpoint(`${name}-pe`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      privateEndpointName: args.endpointName,
      subnet: { id: args.subnetId },
      privateLinkServiceConnections: [{ name: args.endpointName, privateLinkServiceId: args.targetId, groupIds: [args.target.groupId] }],
    }, { parent: this, ...(args.dependsOn?.length ? { dependsOn: args.dependsOn } : {}) });
    new network.PrivateDnsZoneGroup(`${name}-dns`, {
      resourceGroupName: args.resourceGroupName,
      privateEndpointName: this.endpoint.name,
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: [{ name: args.target.zone.replace(/\./g, "-"), privateDnsZoneId: args.zoneId }],
    }, { parent: this });
    this.registerOutputs({ endpointId: this.endpoint.id });
  }
}
