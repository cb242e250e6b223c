import * as pulumi from "@pulumi/pulumi";
import * as trafficmanager from "@pulumi/azure-native/trafficmanager";
import { HealthPath } from "../contracts";
import { TRAFFIC_MANAGER } from "./azureLiterals";

/**
 * The profile's DNS and probe settings, and what they mean for a client when a Front Door profile stops
 * answering (docs/regions.md). Values and limits: azureLiterals TRAFFIC_MANAGER.
 * - Weighted, equal weights: the profiles are interchangeable (each reaches every region), so clients are
 *   spread evenly over their WebSocket capacity; latency is Front Door's job inside each profile.
 * - TTL 60 s: Microsoft's reliability recommendation; a client resolves once per connection, so a longer
 *   TTL only delays moving clients off a failed profile.
 * - Fast probing (10 s, timeout 5 s), 2 tolerated failures: Degraded after the 3rd consecutive failure.
 * - HTTPS GET on /healthz through the profile's endpoint: Traffic Manager's probe reaches the
 *   proxy tier through Front Door, so it fails when the profile fails (or every region behind it).
 */
export const TRAFFIC_MANAGER_SETTINGS = {
  ttlSeconds: TRAFFIC_MANAGER.recommendedTtlSeconds,
  intervalInSeconds: 10,
  timeoutInSeconds: TRAFFIC_MANAGER.fastProbeTimeoutSeconds.min,
  toleratedNumberOfFailures: 2,
  weight: 1,
} as const;

/**
 * The longest a new connection can still be sent to a failed profile: the failures Traffic Manager needs
 * (tolerated + 1) at its probe interval, the last probe's timeout, then cached DNS answers for one TTL.
 */
export function trafficManagerFailoverSeconds(s: { intervalInSeconds: number; timeoutInSeconds: number; toleratedNumberOfFailures: number; ttlSeconds: number } = TRAFFIC_MANAGER_SETTINGS): number {
  return (s.toleratedNumberOfFailures + 1) * s.intervalInSeconds + s.timeoutInSeconds + s.ttlSeconds;
}

export interface TrafficManagerArgs {
  resourceGroupName: pulumi.Input<string>;
  profileName: string;
  /** <relativeName>.trafficmanager.net: global. */
  relativeName: pulumi.Input<string>;
  /** Each Front Door profile's endpoint host name (*.azurefd.net). */
  endpoints: Array<{ name: string; target: pulumi.Input<string> }>;
}

/**
 * An Azure Traffic Manager profile in front of several Front Door profiles (one carries 3,000 concurrent
 * WebSockets): each profile's endpoint as an external endpoint of equal weight. The public name is the
 * custom domain, CNAME'd to this profile's name (docs/regions.md).
 */
export class TrafficManager extends pulumi.ComponentResource {
  readonly profile: trafficmanager.Profile;
  readonly fqdn: pulumi.Output<string>;

  constructor(name: string, args: TrafficManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:TrafficManager", name, {}, opts);
    const s = TRAFFIC_MANAGER_SETTINGS;
    this.profile = new trafficmanager.Profile(`${name}-profile`, {
      resourceGroupName: args.resourceGroupName,
      profileName: args.profileName,
      location: "global",
      profileStatus: "Enabled",
      trafficRoutingMethod: TRAFFIC_MANAGER.weighted,
      dnsConfig: { relativeName: args.relativeName, ttl: s.ttlSeconds },
      monitorConfig: {
        protocol: TRAFFIC_MANAGER.monitorProtocol,
        port: 443,
        path: HealthPath.live,
        intervalInSeconds: s.intervalInSeconds,
        timeoutInSeconds: s.timeoutInSeconds,
        toleratedNumberOfFailures: s.toleratedNumberOfFailures,
      },
      trafficViewEnrollmentStatus: "Disabled",
    }, { parent: this });
    for (const endpoint of args.endpoints) {
      new trafficmanager.Endpoint(`${name}-${endpoint.name}`, {
        resourceGroupName: args.resourceGroupName,
        profileName: this.profile.name.apply((n) => n ?? args.profileName),
        endpointType: TRAFFIC_MANAGER.externalEndpoints,
        endpointName: endpoint.name,
        target: endpoint.target,
        endpointStatus: "Enabled",
        weight: s.weight,
      }, { parent: this });
    }
    this.fqdn = this.profile.dnsConfig.apply((d) => d?.fqdn ?? "");
    this.registerOutputs({ fqdn: this.fqdn });
  }
}
