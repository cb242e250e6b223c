import * as pulumi from "@pulumi/pulumi";
import * as cdn from "@pulumi/azure-native/cdn";

export interface FrontDoorRouteArgs {
  resourceGroupName: pulumi.Input<string>;
  profileName: pulumi.Input<string>;
  endpointName: string;
  originHostName: pulumi.Input<string>;
}

/**
 * Endpoint, origin group (cookie session affinity, /healthz probe over HTTPS), the container app as
 * origin with certificate name check, and an HTTPS-only route without caching.
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
      healthProbeSettings: {
        probePath: "/healthz",
        probeProtocol: cdn.ProbeProtocol.Https,
        probeRequestType: cdn.HealthProbeRequestType.GET,
        probeIntervalInSeconds: 30,
      },
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
