import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import * as web from "@pulumi/azure-native/web";
import { HealthPath, Metric, SERVICE_PORT } from "../contracts";
import { AUTOSCALE_METRICS } from "./azureLiterals";
import type { StackConfig } from "./config";
import { COST_RECORD_SALT_SECRET, serviceEnvironment, type EnvVar } from "./serviceEnv";
import type { AppServiceAutoscale, StackSizing } from "./sizing";

/**
 * App Setting value of a Key Vault reference (App Service "Use Key Vault references", learn.microsoft.com,
 * read 2026-11: `@Microsoft.KeyVault(SecretUri=...)`; a versionless URI follows rotations within 24 h).
 */
export function keyVaultReference(secretUri: string): string {
  return `@Microsoft.KeyVault(SecretUri=${secretUri})`;
}

/**
 * The service's environment as App Settings: plain values as they are, secrets as Key Vault references
 * resolved by the user-assigned identity, plus WEBSITES_PORT (the container's port, which App Service
 * routes to). Pure.
 */
export function appSettings(env: EnvVar[], secretUris: Record<string, string>): Array<{ name: string; value: string }> {
  const settings = env.map((e) => {
    if (e.secretRef === undefined) return { name: e.name, value: e.value ?? "" };
    const uri = secretUris[e.secretRef];
    if (!uri) throw new Error(`app setting ${e.name}: no Key Vault secret "${e.secretRef}"`);
    return { name: e.name, value: keyVaultReference(uri) };
  });
  return [...settings, { name: "WEBSITES_PORT", value: String(SERVICE_PORT) }];
}

/** Premium v3 SKU name -> the tier App Service expects beside it. */
export const APP_SERVICE_TIER = "PremiumV3";

/**
 * Azure Monitor autoscale rules for the plan (2021-05-01-preview; values are the API's literals): the mean
 * open sessions per instance from Application Insights, and the plan's CPU as a backstop. See
 * AppServiceAutoscale for the thresholds.
 */
export function autoscaleProfile(scale: AppServiceAutoscale, ids: { planId: string; appInsightsId: string }): Record<string, unknown> {
  const trigger = (metric: { metricName: string; metricNamespace: string; metricResourceUri: string }, operator: string, threshold: number, timeWindow: string) => ({
    ...metric,
    operator,
    statistic: "Average",
    threshold,
    timeAggregation: "Average",
    timeGrain: "PT1M",
    timeWindow,
  });
  const sessions = { metricName: Metric.sessionsActive, metricNamespace: AUTOSCALE_METRICS.appInsightsCustomNamespace, metricResourceUri: ids.appInsightsId };
  const cpu = { ...AUTOSCALE_METRICS.planCpu, metricResourceUri: ids.planId };
  const out = { direction: "Increase", type: "ChangeCount", value: "1", cooldown: scale.scaleOutCooldown };
  const scaleIn = { direction: "Decrease", type: "ChangeCount", value: "1", cooldown: scale.scaleInCooldown };
  return {
    name: "open-sessions-per-instance",
    capacity: { minimum: String(scale.minimum), maximum: String(scale.maximum), default: String(scale.default) },
    rules: [
      { metricTrigger: trigger(sessions, "GreaterThan", scale.scaleOutSessions, scale.scaleOutWindow), scaleAction: out },
      { metricTrigger: trigger(cpu, "GreaterThan", scale.scaleOutCpuPercent, scale.scaleOutWindow), scaleAction: out },
      { metricTrigger: trigger(sessions, "LessThan", scale.scaleInSessions, scale.scaleInWindow), scaleAction: scaleIn },
      { metricTrigger: trigger(cpu, "LessThan", scale.scaleInCpuPercent, scale.scaleInWindow), scaleAction: scaleIn },
    ],
  };
}

export interface VoiceWebAppArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  planName: string;
  /** Globally unique: <name>.azurewebsites.net. */
  appName: pulumi.Input<string>;
  autoscaleName: string;
  config: StackConfig;
  sizing: StackSizing;
  identityId: pulumi.Input<string>;
  /** The identity's client id: App Service pulls from ACR with it. */
  identityClientId: pulumi.Input<string>;
  image: pulumi.Input<string>;
  /** Versionless Key Vault secret URIs by secret name. */
  keyVaultSecrets: Record<string, pulumi.Input<string>>;
  appInsightsConnectionString: pulumi.Input<string>;
  /** The Application Insights component the service reports to: autoscale reads voice.sessions.active there. */
  appInsightsId: pulumi.Input<string>;
  frontDoorId?: pulumi.Input<string>;
  /** AcrPull and Key Vault Secrets User: the site pulls and resolves its references with them. */
  requiredRoles: pulumi.Resource[];
}

/**
 * App Service hosting (the seed's Option C, for small or single-region setups): a Linux Premium v3 plan,
 * a web app running the same image from the same registry through the same identity
 * (`acrUseManagedIdentityCreds` + the identity's client id), WebSockets on, always on, ARR affinity on
 * (the sticky session on App Service; its cookie follows X-Forwarded-Host behind Front Door), a health check on /healthz (not /readyz: a full instance answers
 * 503 there, and App Service replaces instances that fail their health check), secrets as Key Vault
 * references through the identity, the same service environment, and autoscale on open sessions per
 * instance within the replica config's bounds (the plan's instance count is autoscale's to change).
 */
export class VoiceWebApp extends pulumi.ComponentResource {
  readonly plan: web.AppServicePlan;
  readonly app: web.WebApp;
  readonly fqdn: pulumi.Output<string>;

  constructor(name: string, args: VoiceWebAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("voice:platform:VoiceWebApp", name, {}, opts);
    const { config, sizing } = args;
    const scale = sizing.appServiceAutoscale;
    if (!scale) throw new Error("VoiceWebApp: the stack's sizing has no App Service autoscale (hosting is not appService)");
    this.plan = new web.AppServicePlan(`${name}-plan`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      name: args.planName,
      kind: "linux",
      reserved: true,
      sku: { name: config.appService.sku, tier: APP_SERVICE_TIER, capacity: scale.default },
      // Autoscale owns the instance count: without this, every `pulumi up` reset it to replicas.min and
      // removed instances together with their WebSockets.
    }, { parent: this, ignoreChanges: ["sku.capacity"] });

    const settings = pulumi
      .all([args.frontDoorId, args.appInsightsConnectionString, pulumi.all(args.keyVaultSecrets)])
      .apply(([frontDoorId, cs, uris]) => appSettings(serviceEnvironment(config, sizing, { frontDoorId, appInsightsConnectionString: cs, costRecordSalt: COST_RECORD_SALT_SECRET in args.keyVaultSecrets }), uris as Record<string, string>));

    this.app = new web.WebApp(`${name}-site`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      name: args.appName,
      kind: "app,linux,container",
      serverFarmId: this.plan.id,
      reserved: true,
      httpsOnly: true,
      clientAffinityEnabled: true,
      // Behind Front Door the ARRAffinity cookie's domain would follow the Host header (*.azurewebsites.net),
      // which the browser on the Front Door host drops; this takes it from X-Forwarded-Host instead.
      clientAffinityProxyEnabled: true,
      identity: { type: "UserAssigned", userAssignedIdentities: [args.identityId] },
      keyVaultReferenceIdentity: args.identityId,
      siteConfig: {
        linuxFxVersion: pulumi.interpolate`DOCKER|${args.image}`,
        acrUseManagedIdentityCreds: true,
        acrUserManagedIdentityID: args.identityClientId,
        webSocketsEnabled: true,
        alwaysOn: true,
        healthCheckPath: HealthPath.live,
        minTlsVersion: "1.2",
        ftpsState: "Disabled",
        http20Enabled: false,
        appSettings: settings,
      },
    }, { parent: this, dependsOn: args.requiredRoles });

    new monitor.AutoscaleSetting(`${name}-autoscale`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      autoscaleSettingName: args.autoscaleName,
      enabled: true,
      targetResourceUri: this.plan.id,
      profiles: [pulumi.all([this.plan.id, args.appInsightsId]).apply(([planId, appInsightsId]) => autoscaleProfile(scale, { planId, appInsightsId }) as never)],
    }, { parent: this });

    this.fqdn = this.app.defaultHostName;
    this.registerOutputs({ fqdn: this.fqdn });
  }
}
