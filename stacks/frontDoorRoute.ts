import * as pulumi from "@pulumi/pulumi";
import * as cdn from "@pulumi/azure-native/cdn";
import { CONTAINER_APPS_PRIVATE_LINK_GROUP } from "./privateEndpoints";

export interface FrontDoorRouteArgs {
  resourceGroupName: pulumi.Input<string>;
  profileName: pulumi.Input<string>;
  endpointName: string;
  originHostName: pulumi.Input<string>;
  /**
   * Front Door Premium reaches the Container Apps environment over Private Link (sub-resource
   * managedEnvironments, in the environment's region); the connection waits for approval on the
   * environment (docs/network.md).
   */
  privateLink?: { environmentId: pulumi.Input<string>; location: pulumi.Input<string> };
}

/**
 * Endpoint, origin group (cookie session affinity, no health probe), the container app as origin with
 * certificate name check, and an HTTPS-only route without caching.
 *
 * No health probe: the group has one origin, and Front Door documents that "if you have a single origin
 * in your origin group, you can choose to disable health probes to reduce the load on your application"
 * and that when every origin is unhealthy it routes to them anyway (learn.microsoft.com/azure/frontdoor/
 * health-probes, 2025-01-29). A probe would cost requests from every edge location (which also count as
 * HTTP requests for the app's HTTP scale rule) and change nothing for users. Omitting
 * `healthProbeSettings` is how the API disables them. Replica health is the container app's own
 * liveness/readiness probes' job; user-visible failures are alerted on (Alerts: Front Door 5xx).
 */
export class FrontDoorRoute extends pulumi.ComponentResource {
  readonly endpoint: cdn.AFDEndpoint;
  readonly originGroup: cdn.AFDOriginGroup;
  readonly hostName: pulumi.Output<string>;

  constructor(name: string, args: FrontDoorRouteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:FrontDoorRoute", name, {}, opts);
    this.endpoint = new cdn.AFDEndpoint(`${name}-endpoint`, {
      resourceGroupName: args.resourceGroupName,
      profileName: args.profileName,
      endpointName: args.endpointName,
      location: "global",
      enabledState: cdn.EnabledState.Enabled,
    }, { parent: this });
    this.originGroup = new cdn.AFDOriginGroup(`${name}-origins`, {
      resourceGroupName: args.resourceGroupName,
      profileName: args.profileName,
      originGroupName: "voice-proxy",
      sessionAffinityState: cdn.EnabledState.Enabled,
      loadBalancingSettings: { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 },
    }, { parent: this });
    const origin = new cdn.AFDOrigin(`${name}-origin`, {
      resourceGroupName: args.resourceGroupName,
      profileName: args.profileName,
      originGroupName: this.originGroup.name,
      originName: "container-app",
      hostName: args.originHostName,
      originHostHeader: args.originHostName,
      httpsPort: 443,
      enforceCertificateNameCheck: true,
      ...(args.privateLink ? {
        sharedPrivateLinkResource: {
          privateLink: { id: args.privateLink.environmentId },
          groupId: CONTAINER_APPS_PRIVATE_LINK_GROUP,
          privateLinkLocation: args.privateLink.location,
          requestMessage: "Front Door origin for the voice proxy",
        },
      } : {}),
      priority: 1,
      weight: 1000,
      enabledState: cdn.EnabledState.Enabled,
    }, { parent: this });
    new cdn.Route(`${name}-route`, {
      resourceGroupName: args.resourceGroupName,
      profileName: args.profileName,
      endpointName: this.endpoint.name,
      routeName: "voice",
      originGroup: { id: this.originGroup.id },
      supportedProtocols: [cdn.AFDEndpointProtocols.Https],
      forwardingProtocol: cdn.ForwardingProtocol.HttpsOnly,
      httpsRedirect: cdn.HttpsRedirect.Disabled,
      linkToDefaultDomain: cdn.LinkToDefaultDomain.Enabled,
      patternsToMatch: ["/*"],
      enabledState: cdn.EnabledState.Enabled,
    }, { parent: this, dependsOn: [origin] });
    this.hostName = this.endpoint.hostName;
    this.registerOutputs({ hostName: this.hostName });
  }
}
