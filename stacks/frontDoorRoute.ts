import * as pulumi from "@pulumi/pulumi";
import * as cdn from "@pulumi/azure-native/cdn";
import type { CustomDomainConfig } from "./customDomain";
import { createFrontDoorDomain, type FrontDoorDomain } from "./frontDoorDomain";
import { HealthPath } from "../contracts";
import { FRONT_DOOR } from "./azureLiterals";
import { CONTAINER_APPS_PRIVATE_LINK_GROUP } from "./privateEndpoints";

/** One origin: a region's app (or the App Service site). */
export interface FrontDoorOriginSpec {
  /** "" for the first (it keeps the single-region names), the region's name for the others. */
  key: string;
  hostName: pulumi.Input<string>;
  /**
   * Front Door Premium reaches the Container Apps environment over Private Link (sub-resource
   * managedEnvironments, in the environment's region); the connection waits for approval on the
   * environment (docs/network.md).
   */
  privateLink?: { environmentId: pulumi.Input<string>; location: pulumi.Input<string> };
}

/**
 * The origin group's health probe when it has several origins (Front Door cannot turn probes off then):
 * HEAD /healthz over HTTPS every 30 s. /healthz, not /readyz: on the public port /readyz answers 503 for
 * a replica that is draining or full (service/src/server/healthEndpoints.ts), and Front Door's probe
 * reaches one replica of the region, so one busy replica would take a healthy region out. /healthz fails
 * when no replica of the region answers: the region's proxies are down. Values: azureLiterals FRONT_DOOR.
 */
export const ORIGIN_HEALTH_PROBE = {
  probePath: HealthPath.live,
  probeRequestType: FRONT_DOOR.probeRequestType,
  probeProtocol: FRONT_DOOR.probeProtocol,
  probeIntervalInSeconds: FRONT_DOOR.probeIntervalSeconds,
} as const;

export interface FrontDoorRouteArgs {
  resourceGroupName: pulumi.Input<string>;
  profileName: pulumi.Input<string>;
  endpointName: string;
  /** Every region's app: all of them serve every profile. */
  origins: FrontDoorOriginSpec[];
  /** Also serve the route on this domain (frontDoorDomain.ts). */
  customDomain?: CustomDomainConfig;
}

/**
 * Endpoint, origin group (cookie session affinity; a health probe only with several origins), each
 * region's app as an origin with certificate name check, and an HTTPS-only route without caching.
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
  readonly customDomain?: FrontDoorDomain;

  constructor(name: string, args: FrontDoorRouteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:FrontDoorRoute", name, {}, opts);
    this.endpoint = new cdn.AFDEndpoint(`${name}-endpoint`, {
      resourceGroupName: args.resourceGroupName,
      profileName: args.profileName,
      endpointName: args.endpointName,
      location: "global",
      enabledState: cdn.EnabledState.Enabled,
    }, { parent: this });
    if (args.customDomain) {
      this.customDomain = createFrontDoorDomain(name, this, { ...args.customDomain, resourceGroupName: args.resourceGroupName, profileName: args.profileName, endpointHostName: this.endpoint.hostName });
    }
    if (args.origins.length === 0) throw new Error("FrontDoorRoute: no origin");
    if (args.origins.length > FRONT_DOOR.maxOriginsPerOriginGroup) throw new Error(`FrontDoorRoute: ${args.origins.length} origins, an origin group takes ${FRONT_DOOR.maxOriginsPerOriginGroup}`);
    this.originGroup = new cdn.AFDOriginGroup(`${name}-origins`, {
      resourceGroupName: args.resourceGroupName,
      profileName: args.profileName,
      originGroupName: "voice-proxy",
      sessionAffinityState: cdn.EnabledState.Enabled,
      loadBalancingSettings: { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 },
      ...(args.origins.length > 1 ? { healthProbeSettings: { ...ORIGIN_HEALTH_PROBE } } : {}),
    }, { parent: this });
    // Equal priority and weight: Front Door sends each client to the nearest healthy region (latency
    // within additionalLatencyInMilliseconds counts as equal), and the affinity cookie keeps it there.
    const origins = args.origins.map((o) => new cdn.AFDOrigin(o.key ? `${name}-origin-${o.key}` : `${name}-origin`, {
      resourceGroupName: args.resourceGroupName,
      profileName: args.profileName,
      originGroupName: this.originGroup.name,
      originName: o.key ? `container-app-${o.key}` : "container-app",
      hostName: o.hostName,
      originHostHeader: o.hostName,
      httpsPort: 443,
      enforceCertificateNameCheck: true,
      ...(o.privateLink ? {
        sharedPrivateLinkResource: {
          privateLink: { id: o.privateLink.environmentId },
          groupId: CONTAINER_APPS_PRIVATE_LINK_GROUP,
          privateLinkLocation: o.privateLink.location,
          requestMessage: "Front Door origin for the voice proxy",
        },
      } : {}),
      priority: 1,
      weight: 1000,
      enabledState: cdn.EnabledState.Enabled,
    }, { parent: this }));
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
      ...(this.customDomain ? { customDomains: [{ id: this.customDomain.domain.id }] } : {}),
      enabledState: cdn.EnabledState.Enabled,
    }, { parent: this, dependsOn: origins });
    this.hostName = this.endpoint.hostName;
    this.registerOutputs({ hostName: this.hostName });
  }
}
