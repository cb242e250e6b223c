import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import { HealthPath, SERVICE_PORT } from "../contracts";
import type { StackConfig } from "./config";
import { apiKeySecretName, serviceEnvironment } from "./serviceEnv";
import type { StackSizing } from "./sizing";

export interface VoiceAppArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  environmentName: string;
  appName: string;
  config: StackConfig;
  sizing: StackSizing;
  workspaceCustomerId: pulumi.Input<string>;
  workspaceSharedKey: pulumi.Input<string>;
  identityId: pulumi.Input<string>;
  registryServer: pulumi.Input<string>;
  image: pulumi.Input<string>;
  /** Versionless Key Vault secret URIs by Container Apps secret name. */
  keyVaultSecrets: Record<string, pulumi.Input<string>>;
  appInsightsConnectionString: pulumi.Input<string>;
  frontDoorId?: pulumi.Input<string>;
}

/**
 * The Container Apps environment and the voice proxy app: external HTTP ingress on 3000 with sticky
 * sessions (single revision mode, which sticky sessions require), the HTTP scale rule at
 * sessionsPerReplica, probes on /healthz and /readyz, a drain-long grace period, secrets only as Key
 * Vault references through the user-assigned identity, and the image pulled by that identity.
 */
export class VoiceApp extends pulumi.ComponentResource {
  readonly environment: app.ManagedEnvironment;
  readonly app: app.ContainerApp;
  readonly fqdn: pulumi.Output<string>;

  constructor(name: string, args: VoiceAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:VoiceApp", name, {}, opts);
    const { config, sizing } = args;
    for (const u of config.upstreams.filter((x) => x.auth === "key")) {
      if (!args.keyVaultSecrets[apiKeySecretName(u)]) throw new Error(`VoiceApp: no Key Vault secret for upstream "${u.name}"`);
    }
    this.environment = new app.ManagedEnvironment(`${name}-env`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      environmentName: args.environmentName,
      appLogsConfiguration: {
        destination: "log-analytics",
        logAnalyticsConfiguration: { customerId: args.workspaceCustomerId, sharedKey: args.workspaceSharedKey },
      },
    }, { parent: this });

    const env = pulumi.all([args.frontDoorId, args.appInsightsConnectionString]).apply(([frontDoorId, cs]) =>
      serviceEnvironment(config, sizing, { frontDoorId, appInsightsConnectionString: cs }));

    this.app = new app.ContainerApp(`${name}-app`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      containerAppName: args.appName,
      managedEnvironmentId: this.environment.id,
      identity: { type: app.ManagedServiceIdentityType.UserAssigned, userAssignedIdentities: [args.identityId] },
      configuration: {
        activeRevisionsMode: app.ActiveRevisionsMode.Single,
        ingress: {
          external: true,
          targetPort: SERVICE_PORT,
          transport: app.IngressTransportMethod.Http,
          allowInsecure: false,
          stickySessions: { affinity: app.Affinity.Sticky },
        },
        registries: [{ server: args.registryServer, identity: args.identityId }],
        secrets: Object.entries(args.keyVaultSecrets).map(([secretName, url]) => ({ name: secretName, keyVaultUrl: url, identity: args.identityId })),
      },
      template: {
        terminationGracePeriodSeconds: sizing.terminationGraceSeconds,
        containers: [{
          name: "voice-proxy",
          image: args.image,
          resources: { cpu: config.cpu, memory: `${config.memoryGiB}Gi` },
          env,
          probes: [
            { type: app.Type.Liveness, httpGet: { path: HealthPath.live, port: SERVICE_PORT }, periodSeconds: 10, failureThreshold: 3 },
            { type: app.Type.Readiness, httpGet: { path: HealthPath.ready, port: SERVICE_PORT }, periodSeconds: 5, failureThreshold: 2 },
            { type: app.Type.Startup, httpGet: { path: HealthPath.live, port: SERVICE_PORT }, periodSeconds: 2, failureThreshold: 30 },
          ],
        }],
        scale: {
          minReplicas: sizing.scale.minReplicas,
          maxReplicas: sizing.scale.maxReplicas,
          rules: [{ name: "http-sessions", http: { metadata: { concurrentRequests: String(sizing.scale.httpConcurrentRequests) } } }],
        },
      },
    }, { parent: this });
    this.fqdn = this.app.configuration.apply((c) => c?.ingress?.fqdn ?? "");
    this.registerOutputs({ fqdn: this.fqdn });
  }
}
