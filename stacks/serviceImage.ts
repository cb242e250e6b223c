import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as docker from "@pulumi/docker";
import { ACR_REFRESH_TOKEN_USER } from "./azureLiterals";
import { assignRole, BuiltInRole } from "./roles";

/**
 * Turns the deployer's Entra access token into an ACR refresh token (the registry's admin user stays
 * disabled). Injected, so the mock engine never calls the network.
 */
export type RegistryTokenExchange = (loginServer: string, tenantId: string, accessToken: string) => Promise<string>;

export const exchangeAcrToken: RegistryTokenExchange = async (loginServer, tenantId, accessToken) => {
  const res = await fetch(`https://${loginServer}/oauth2/exchange`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "access_token", service: loginServer, tenant: tenantId, access_token: accessToken }),
  });
  if (!res.ok) throw new Error(`ACR token exchange with ${loginServer} failed: HTTP ${res.status}`);
  return ((await res.json()) as { refresh_token: string }).refresh_token;
};

/**
 * The registry's network rules with the private network: 'Disabled', or 'Enabled' with default action
 * 'Deny' and an 'Allow' rule per push range (Microsoft.ContainerRegistry/registries: publicNetworkAccess
 * 'Enabled' | 'Disabled', networkRuleSet.defaultAction 'Allow' | 'Deny', ipRules[].action 'Allow'; IP
 * rules need Premium, Azure Container Registry service tiers, read 2026-12-03).
 */
export function registryNetworkRules(pushCidrs: string[]): { publicNetworkAccess: string; networkRuleSet?: { defaultAction: string; ipRules: Array<{ action: string; iPAddressOrRange: string }> } } {
  if (pushCidrs.length === 0) return { publicNetworkAccess: "Disabled" };
  return { publicNetworkAccess: "Enabled", networkRuleSet: { defaultAction: "Deny", ipRules: pushCidrs.map((range) => ({ action: "Allow", iPAddressOrRange: range })) } };
}

/** ACR's user name for refresh-token logins (azureLiterals.ts says where it is from, and that a search did not confirm it). */
export const ACR_TOKEN_USER = ACR_REFRESH_TOKEN_USER;

export interface ServiceImageArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Globally unique (see globalNames). */
  registryName: pulumi.Input<string>;
  /** Repository root: the build context (service/Dockerfile copies from it). */
  contextDir: string;
  tenantId: pulumi.Input<string>;
  subscriptionId: pulumi.Input<string>;
  deployerAccessToken: pulumi.Input<string>;
  exchangeToken: RegistryTokenExchange;
  /** Principal that pulls the image (the app's identity). */
  pullerPrincipalId: pulumi.Input<string>;
  /** Basic, or Premium for private endpoints, IP rules and geo-replication (stacks/networkSizing.ts registrySku). */
  sku?: "Basic" | "Premium";
  /**
   * The stack's other regions' locations: a geo-replica in each (Premium only), so a region's new
   * replicas pull the image from a copy in their own region, and pulls keep working when the registry's
   * home region is lost (azureLiterals ACR_GEO_REPLICATION). The app keeps the one login server.
   */
  replicaLocations?: string[];
  /**
   * Private network: public network access Disabled, or, when pushCidrs are given, open only to them
   * (default action Deny) so the image push from `pulumi up` reaches it; pulls go over the private endpoint.
   */
  privateOnly?: boolean;
  pushCidrs?: string[];
}

/** The registry (admin user disabled), the service image built and pushed to it, and AcrPull for the app. */
export class ServiceImage extends pulumi.ComponentResource {
  readonly registry: containerregistry.Registry;
  readonly image: docker.Image;
  /** `registry/voice-proxy@sha256:...`: the app runs this, so a revision rolls only when the image changed. */
  readonly repoDigest: pulumi.Output<string>;
  readonly pullRole: pulumi.Resource;
  /** The geo-replicas, by location (none for a single-region stack). */
  readonly replications = new Map<string, containerregistry.Replication>();

  constructor(name: string, args: ServiceImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:ServiceImage", name, {}, opts);
    this.registry = new containerregistry.Registry(`${name}-acr`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      registryName: args.registryName,
      sku: { name: args.sku ?? "Basic" },
      adminUserEnabled: false,
      ...(args.privateOnly ? registryNetworkRules(args.pushCidrs ?? []) : {}),
    }, { parent: this });
    const replicas = args.replicaLocations ?? [];
    if (replicas.length > 0 && args.sku !== "Premium") throw new Error(`ServiceImage: geo-replication to ${replicas.join(", ")} needs the Premium registry, got ${args.sku ?? "Basic"}`);
    for (const location of replicas) {
      // The replication's name is its location (alphanumeric, as Azure's own replicas are named). Zone
      // redundancy is left at the SDK's default: Azure makes replicas zone-redundant anyway where the
      // region has zones (azureLiterals ACR_GEO_REPLICATION.replicasZoneRedundantByDefault).
      this.replications.set(location, new containerregistry.Replication(`${name}-replica-${location}`, {
        resourceGroupName: args.resourceGroupName,
        registryName: this.registry.name,
        replicationName: location,
        location,
      }, { parent: this }));
    }
    const password = pulumi.secret(
      pulumi.all([this.registry.loginServer, args.tenantId, args.deployerAccessToken]).apply(([server, tenant, token]) => args.exchangeToken(server, tenant, token)),
    );
    this.image = new docker.Image(`${name}-image`, {
      imageName: pulumi.interpolate`${this.registry.loginServer}/voice-proxy:latest`,
      build: {
        context: args.contextDir,
        dockerfile: path.join(args.contextDir, "service", "Dockerfile"),
        platform: "linux/amd64",
      },
      registry: { server: this.registry.loginServer, username: ACR_TOKEN_USER, password },
    }, { parent: this });
    this.repoDigest = this.image.repoDigest;
    this.pullRole = assignRole(`${name}-acrpull`, {
      scope: this.registry.id, principalId: args.pullerPrincipalId,
      role: BuiltInRole.acrPull, subscriptionId: args.subscriptionId,
    }, { parent: this });
    this.registerOutputs({ loginServer: this.registry.loginServer, repoDigest: this.repoDigest });
  }
}
