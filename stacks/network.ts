import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import type { NetworkLayout } from "./networkSizing";
import { PrivateEndpoint, type PrivateLinkTarget } from "./privateEndpoints";

export interface PrivateNetworkArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  vnetName: string;
  /** Address space and subnets, from stacks/networkSizing.ts networkLayout. */
  layout: NetworkLayout;
  /** The Private Link targets whose DNS zones the VNet resolves (one zone per service). */
  targets: PrivateLinkTarget[];
}

/**
 * The stack's virtual network: the Container Apps environment's subnet (delegated to
 * Microsoft.App/environments, sized for replicas.max), the private endpoints' subnet, and one private
 * DNS zone per Private Link service, linked to the VNet so names resolve to private addresses inside it.
 * `connect` adds a private endpoint for a resource.
 */
export class PrivateNetwork extends pulumi.ComponentResource {
  readonly vnet: network.VirtualNetwork;
  readonly infrastructureSubnet: network.Subnet;
  readonly endpointSubnet: network.Subnet;
  readonly zones = new Map<string, privatedns.PrivateZone>();
  /** The zone links: a name resolves privately only once its zone is linked. */
  readonly links: privatedns.VirtualNetworkLink[] = [];
  private readonly args: PrivateNetworkArgs;

  constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:PrivateNetwork", name, {}, opts);
    this.args = args;
    const { layout } = args;
    this.vnet = new network.VirtualNetwork(`${name}-vnet`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      virtualNetworkName: args.vnetName,
      addressSpace: { addressPrefixes: [layout.addressSpace] },
    }, { parent: this });
    this.infrastructureSubnet = new network.Subnet(`${name}-apps`, {
      resourceGroupName: args.resourceGroupName,
      virtualNetworkName: this.vnet.name,
      subnetName: "container-apps",
      addressPrefix: layout.infrastructureSubnet.cidr,
      delegations: [{ name: "container-apps", serviceName: layout.infrastructureSubnet.delegation }],
    }, { parent: this });
    // Subnets of one VNet are written one at a time (concurrent writes fail with AnotherOperationInProgress).
    this.endpointSubnet = new network.Subnet(`${name}-endpoints`, {
      resourceGroupName: args.resourceGroupName,
      virtualNetworkName: this.vnet.name,
      subnetName: "private-endpoints",
      addressPrefix: layout.privateEndpointSubnet.cidr,
    }, { parent: this, dependsOn: [this.infrastructureSubnet] });
    for (const target of args.targets) {
      const key = target.groupId.toLowerCase();
      const zone = new privatedns.PrivateZone(`${name}-zone-${key}`, {
        resourceGroupName: args.resourceGroupName,
        privateZoneName: target.zone,
        location: "global",
      }, { parent: this });
      this.zones.set(target.zone, zone);
      this.links.push(new privatedns.VirtualNetworkLink(`${name}-link-${key}`, {
        resourceGroupName: args.resourceGroupName,
        privateZoneName: zone.name,
        virtualNetworkLinkName: args.vnetName,
        location: "global",
        virtualNetwork: { id: this.vnet.id },
        registrationEnabled: false,
      }, { parent: this }));
    }
    this.registerOutputs({ vnetId: this.vnet.id });
  }

  /** A private endpoint for `targetId` in the endpoints' subnet, its A record in the target's zone. */
  connect(name: string, endpointName: string, target: PrivateLinkTarget, targetId: pulumi.Input<string>, dependsOn?: pulumi.Resource[]): PrivateEndpoint {
    const zone = this.zones.get(target.zone);
    if (!zone) throw new Error(`PrivateNetwork: no DNS zone for ${target.groupId} (${target.zone}); list it in targets`);
    return new PrivateEndpoint(name, {
      resourceGroupName: this.args.resourceGroupName, location: this.args.location, endpointName,
      subnetId: this.endpointSubnet.id, targetId, target, zoneId: zone.id, dependsOn,
    }, { parent: this });
  }
}
