/**
 * The App Service stack (Pulumi.small.yaml, `hosting: appService`) under the mock engine: a Linux Premium
 * v3 plan, the same image through the same identity, WebSockets, always on, ARR affinity, a health check,
 * Key Vault references, the same service environment, autoscale from the replica config, Front Door in
 * front, the alerts and the budget that apply, and the cost model pricing the plan.
 */
import { Env } from "../../contracts";
import { runProgram, SECRET_PLACEHOLDER, type PlanRun } from "../../plan/mockEngine";
import { loadConfig } from "../../service/src/config";
import { runPolicies } from "../../stacks/policies";
import { sizeStack } from "../../stacks/sizing";
import { ARM_VALUES, checkArmValues } from "./armValues";
import { brokenCopies, packVerdicts } from "./policyParity";

import { lookups, type Loose } from "../support/plan";
import { expectSingleRegionUnchanged } from "./singleRegion";

let run: PlanRun;
const { all, one } = lookups(() => run);

beforeAll(async () => {
  run = await runProgram("small");
}, 60_000);

test("the stack declares no regions and registers exactly the resources, names and inputs it did before regions existed", () => {
  expectSingleRegionUnchanged(run);
});

test("every enum-valued property carries a value its ARM API accepts, App Service's included", () => {
  const checked = checkArmValues(run.resources);
  for (const rule of ARM_VALUES.filter((x) => !x.optional && all(x.type).length > 0)) expect(checked).toContain(`${rule.type} ${rule.path}`);
  expect(checked).toContain("azure-native:web:WebApp identity.type");
  expect(checked).toContain("azure-native:monitor:AutoscaleSetting profiles[].rules[].metricTrigger.operator");
});

test("hosting: an App Service plan and a site instead of Container Apps", () => {
  expect(run.config.hosting).toBe("appService");
  expect(all("azure-native:app:ContainerApp")).toEqual([]);
  expect(all("azure-native:app:ManagedEnvironment")).toEqual([]);
  const plan = one("azure-native:web:AppServicePlan");
  expect(plan).toMatchObject({ name: "asp-voice-platform-small", kind: "linux", reserved: true, sku: { name: "P1v3", tier: "PremiumV3", capacity: 1 } });
  // Autoscale owns the instance count: a later `pulumi up` must not reset it (and remove instances with their WebSockets).
  expect(all("azure-native:web:AppServicePlan")[0].ignoreChanges).toEqual(["sku.capacity"]);
});

test("the site: same image by digest through the identity, WebSockets, always on, ARR affinity, /healthz", () => {
  const site = one("azure-native:web:WebApp");
  const identity = all("azure-native:managedidentity:UserAssignedIdentity")[0];
  expect(site).toMatchObject({
    name: expect.stringMatching(/^app-voice-platform-small-[0-9a-f]{6}$/),
    kind: "app,linux,container",
    reserved: true,
    httpsOnly: true,
    clientAffinityEnabled: true,
    // The ARRAffinity cookie's domain from X-Forwarded-Host (the Front Door host), not *.azurewebsites.net.
    clientAffinityProxyEnabled: true,
    identity: { type: "UserAssigned", userAssignedIdentities: [`${identity.name}-id`] },
    keyVaultReferenceIdentity: `${identity.name}-id`,
  });
  expect(site.siteConfig).toMatchObject({
    linuxFxVersion: `DOCKER|${run.outputs.imageDigest}`,
    acrUseManagedIdentityCreds: true,
    acrUserManagedIdentityID: "client-vault-identity", // the identity's client id, as App Service wants it
    webSocketsEnabled: true,
    alwaysOn: true,
    healthCheckPath: "/healthz",
    minTlsVersion: "1.2",
    ftpsState: "Disabled",
  });
  // It waits for AcrPull and Key Vault Secrets User.
  const [record] = all("azure-native:web:WebApp");
  for (const role of ["image-acrpull", "vault-secrets-user"]) expect(record.dependsOn).toContainEqual(expect.stringMatching(new RegExp(`RoleAssignment::${role}$`)));
});

test("app settings: the service's environment, secrets as Key Vault references, WEBSITES_PORT; the service accepts it", () => {
  const settings: Array<{ name: string; value: string }> = one("azure-native:web:WebApp").siteConfig.appSettings;
  const byName = Object.fromEntries(settings.map((s) => [s.name, s.value]));
  expect(byName.WEBSITES_PORT).toBe("3000");
  expect(byName[Env.port]).toBe("3000");
  expect(byName.REDIS_URL).toMatch(/^@Microsoft\.KeyVault\(SecretUri=https:\/\/.+\.vault\.azure\.net\/secrets\/redis-url\)$/);
  expect(byName.UPSTREAM_AU_API_KEY).toMatch(/^@Microsoft\.KeyVault\(SecretUri=https:\/\/.+\/secrets\/upstream-au-api-key\)$/);
  expect(byName.FRONT_DOOR_ID).toBe(run.outputs.frontDoorId);
  expect(JSON.stringify(settings)).not.toMatch(/plan-placeholder-key|mock-redis-key/);
  // App Service resolves the references; stand in for that, then the service's own config must accept it.
  const env = Object.fromEntries(settings.map((s) => [s.name, s.value.startsWith("@Microsoft.KeyVault(") ? (s.name === "REDIS_URL" ? "rediss://:a%2Fb@x.redis.azure.net:10000" : "key-value") : s.value]));
  const service = loadConfig(env);
  expect(service.maxSessionsPerInstance).toBe(75);
  expect(service.frontDoorIds).toEqual([run.outputs.frontDoorId]);
  // No scale-rule secret here: App Service's autoscaler cannot use it.
  expect(all("azure-native:keyvault:Secret").map((s) => s.inputs.secretName).sort()).toEqual(["redis-url", "upstream-au-api-key"]);
});

test("autoscale: open sessions per instance from Application Insights (CPU as a backstop), literal values, scale-in cooldown >= the session limit", () => {
  const autoscale = one("azure-native:monitor:AutoscaleSetting");
  const planId = `${all("azure-native:web:AppServicePlan")[0].name}-id`;
  const appInsightsId = `${all("azure-native:applicationinsights:Component")[0].name}-id`;
  expect(autoscale).toMatchObject({ enabled: true, targetResourceUri: planId, autoscaleSettingName: "autoscale-voice-platform-small" });
  const [profile] = autoscale.profiles;
  expect(profile.capacity).toEqual({ minimum: "1", maximum: "3", default: "1" });
  // small: sessionsPerReplica 50 -> out above 50 open sessions per instance, in below 25 (and CPU below 30%).
  expect(profile.rules.map((r: Loose) => [r.metricTrigger.metricName, r.metricTrigger.metricNamespace, r.metricTrigger.metricResourceUri, r.metricTrigger.operator, r.metricTrigger.threshold, r.scaleAction.direction, r.scaleAction.cooldown])).toEqual([
    ["voice.sessions.active", "azure.applicationinsights", appInsightsId, "GreaterThan", 50, "Increase", "PT5M"],
    ["CpuPercentage", "microsoft.web/serverfarms", planId, "GreaterThan", 70, "Increase", "PT5M"],
    ["voice.sessions.active", "azure.applicationinsights", appInsightsId, "LessThan", 25, "Decrease", "PT45M"],
    ["CpuPercentage", "microsoft.web/serverfarms", planId, "LessThan", 30, "Decrease", "PT45M"],
  ]);
  for (const r of profile.rules) expect([r.metricTrigger.statistic, r.metricTrigger.timeAggregation]).toEqual(["Average", "Average"]);
  expect(Number(/^PT(\d+)M$/.exec(profile.rules[2].scaleAction.cooldown)![1])).toBeGreaterThanOrEqual(run.config.session.maxMinutes);
});

test("Front Door in front of the site; the alerts that apply; the budget on the stack's and the upstream's groups", () => {
  const site = one("azure-native:web:WebApp");
  expect(one("azure-native:cdn:AFDOrigin")).toMatchObject({ hostName: `${site.name}.azurewebsites.net`, originHostHeader: `${site.name}.azurewebsites.net` });
  expect(String(run.outputs.wssUrl)).toMatch(/^wss:\/\/.+\.azurefd\.net\/voice-live\/realtime$/);
  const rules = all("azure-native:monitor:ScheduledQueryRule").map((r) => r.name.replace("alerts-", "")).sort();
  expect(rules).toEqual(["connect-failures", "daily-spend", "error-rate", "latency-p95", "sessions-near-capacity"]);
  const metrics = all("azure-native:monitor:MetricAlert").map((r) => r.inputs.criteria.allOf[0].metricName).sort();
  expect(metrics).toEqual(["Percentage5XX", "percentProcessorTime"]); // no Container Apps metrics; Managed Redis CPU
  expect(one("azure-native:consumption:Budget").filter.dimensions.values).toEqual(expect.arrayContaining(["rg-voice-platform-small", "rg-voice-small-au"]));
  expect(one("azure-native:redisenterprise:Database").accessKeysAuthentication).toBe("Enabled");
  expect(one("azure-native:monitor:ActionGroup").webhookReceivers[0].serviceUri).toBe(SECRET_PLACEHOLDER);
});

test("the cost model prices the plan: instance-hours at the SKU's hourly price, no Container Apps", () => {
  const sizing = sizeStack(run.config);
  const infra = sizing.estimate!.monthly.infrastructureBreakdown;
  expect(infra.containerApps).toBe(0);
  // 50 interviews a day peak at ~5 open sessions: one instance all month, 30.42 days x 24 h x $0.155 (P1v3).
  expect(infra.replicaHoursPerMonth).toBeCloseTo(30.42 * 24, 6);
  expect(infra.appService).toBeCloseTo(30.42 * 24 * 0.155, 6);
  expect(infra.containerApps).toBe(0);
  expect(infra.total).toBeCloseTo(infra.appService! + infra.frontDoor + infra.redis + infra.monitoring + infra.containerRegistry + infra.keyVault, 9);
  expect(run.outputs.infrastructureMonthly).toEqual(infra);
  expect(sizing.scaleDays).toBeUndefined(); // the Container Apps simulation does not apply
});

test("no mandatory policy is violated", () => {
  expect(runPolicies("small", run.resources).filter((p) => p.level === "mandatory")).toEqual([]);
});

test("the policy pack gives the plan's verdicts, on this stack and on copies broken the ways the policies guard", () => {
  const broken = [...run.resources, ...brokenCopies(run.resources)];
  expect(packVerdicts("small", run.resources)).toEqual(runPolicies("small", run.resources));
  expect(runPolicies("small", broken).filter((v) => v.level === "mandatory").length).toBeGreaterThanOrEqual(4);
  expect(packVerdicts("small", broken)).toEqual(runPolicies("small", broken));
});
