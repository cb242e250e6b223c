/**
 * The assertions every stack's plan must satisfy, written once and run per stack (one jest file per
 * stack: Pulumi's runtime state is per process).
 */
import * as app from "@pulumi/azure-native/app";
import * as cdn from "@pulumi/azure-native/cdn";
import * as consumption from "@pulumi/azure-native/consumption";
import * as monitor from "@pulumi/azure-native/monitor";
import * as redis from "@pulumi/azure-native/redis";
import { Metric } from "../../contracts";
import { runProgram, SECRET_PLACEHOLDER, type PlanRun, type RecordedResource } from "../../plan/mockEngine";
import { runPolicies } from "../../stacks/policies";
import { sizeStack, TERMINATION_GRACE_SECONDS } from "../../stacks/sizing";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- registered inputs are untyped
type Loose = any;

export function describePlatform(stack: string): void {
  let run: PlanRun;
  const all = (type: string): Array<RecordedResource & { inputs: Loose }> => run.resources.filter((r) => r.type === type);
  const one = (type: string): Loose => {
    const found = all(type);
    expect(found.map((r) => r.name)).toHaveLength(1);
    return found[0].inputs;
  };

  beforeAll(async () => {
    run = await runProgram(stack);
  }, 60_000);

  test("one resource group; every resource but the group and components sits under a component", () => {
    expect(one("azure-native:resources:ResourceGroup").resourceGroupName).toBe(`rg-voice-platform-${stack}`);
    for (const r of run.resources) {
      if (r.type.startsWith("voice:platform:") || r.type === "azure-native:resources:ResourceGroup") continue;
      expect([r.name, r.parent]).toEqual([r.name, expect.stringMatching(/^urn:pulumi:.*voice:platform:/)]);
    }
  });

  test("container app: sticky single-revision HTTP ingress on 3000, scale rule, probes, grace period", () => {
    const c = run.config;
    const a = one("azure-native:app:ContainerApp");
    expect(a.configuration.ingress).toMatchObject({ external: true, targetPort: 3000, transport: app.IngressTransportMethod.Http, stickySessions: { affinity: app.Affinity.Sticky } });
    expect(app.Affinity.Sticky).toBe("sticky");
    expect(a.configuration.activeRevisionsMode).toBe(app.ActiveRevisionsMode.Single);
    expect(a.template.scale).toEqual({ minReplicas: c.replicas.min, maxReplicas: c.replicas.max, rules: [{ name: "http-sessions", http: { metadata: { concurrentRequests: String(c.sessionsPerReplica) } } }] });
    const [container] = a.template.containers;
    expect(container.resources).toEqual({ cpu: c.cpu, memory: `${c.memoryGiB}Gi` });
    expect(container.probes.map((p: Loose) => [p.type, p.httpGet.path])).toEqual([["Liveness", "/healthz"], ["Readiness", "/readyz"], ["Startup", "/healthz"]]);
    expect(a.template.terminationGracePeriodSeconds).toBe(TERMINATION_GRACE_SECONDS);
    expect(a.identity.type).toBe(app.ManagedServiceIdentityType.UserAssigned);
  });

  test("image built from service/Dockerfile for linux/amd64, pushed to the admin-less registry, run by digest", () => {
    const image = one("docker:index/image:Image");
    expect(image.build.dockerfile).toMatch(/service\/Dockerfile$/);
    expect(image.build.platform).toBe("linux/amd64");
    expect(image.registry.password).toBe(SECRET_PLACEHOLDER);
    expect(one("azure-native:containerregistry:Registry").adminUserEnabled).toBe(false);
    const [container] = one("azure-native:app:ContainerApp").template.containers;
    expect(container.image).toMatch(/\.azurecr\.io\/voice-proxy@sha256:[0-9a-f]{64}$/);
    expect(container.image).toBe(run.outputs.imageDigest);
    const a = one("azure-native:app:ContainerApp");
    expect(a.configuration.registries).toEqual([{ server: expect.stringMatching(/\.azurecr\.io$/), identity: a.identity.userAssignedIdentities[0] }]);
  });

  test("environment: exactly the contract's variables; keys only as Key Vault references through the identity", () => {
    const c = run.config;
    const a = one("azure-native:app:ContainerApp");
    const env = Object.fromEntries(a.template.containers[0].env.map((e: Loose) => [e.name, e]));
    for (const u of c.upstreams) {
      const name = `UPSTREAM_${u.name.toUpperCase()}_API_KEY`;
      expect(env[name]).toEqual({ name, secretRef: `upstream-${u.name}-api-key` });
    }
    expect(env.REDIS_URL).toEqual({ name: "REDIS_URL", secretRef: "redis-url" });
    // The stack's entries as they are: the service finds each key under the same derived name (apiKeyEnvOf).
    expect(JSON.parse(env.UPSTREAMS.value)).toEqual(c.upstreams);
    expect(env.MAX_SESSIONS_PER_INSTANCE.value).toBe(String(Math.ceil(c.sessionsPerReplica * 1.5)));
    expect(env.SESSION_MAX_MINUTES.value).toBe(String(c.session.maxMinutes));
    expect(env.FRONT_DOOR_ID.value).toBe(run.outputs.frontDoorId);
    expect(env.APPLICATIONINSIGHTS_CONNECTION_STRING.value).toMatch(/^InstrumentationKey=/);
    expect(env.AUTH_ISSUER.value).toBe(c.auth.issuer);
    expect(JSON.stringify(a)).not.toMatch(/plan-placeholder-key|mock-redis-key/); // no key anywhere in the app
    for (const s of a.configuration.secrets) {
      expect(s).toEqual({ name: s.name, keyVaultUrl: expect.stringMatching(/^https:\/\/.+\.vault\.azure\.net\/secrets\//), identity: a.identity.userAssignedIdentities[0] });
    }
    // The Key Vault secrets hold the values, as secrets.
    for (const s of all("azure-native:keyvault:Secret")) expect(s.inputs.properties.value).toBe(SECRET_PLACEHOLDER);
  });

  test("Key Vault: RBAC, soft delete, purge protection in prod; identity reads, deployer writes", () => {
    const v = one("azure-native:keyvault:Vault");
    expect(v.properties).toMatchObject({ enableRbacAuthorization: true, enableSoftDelete: true });
    expect(v.properties.enablePurgeProtection).toBe(stack === "prod" ? true : undefined);
    const roles = all("azure-native:authorization:RoleAssignment").map((r) => r.inputs.roleDefinitionId.split("/").pop());
    expect(roles.sort()).toEqual(["4633458b-17de-408a-b874-0445c86b69e6", "7f951dca-d5c3-4a0a-9b4b-c1fe1f0d7e43", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"].sort());
    expect(all("azure-native:keyvault:Secret").map((s) => s.inputs.secretName).sort()).toEqual([...run.config.upstreams.map((u) => `upstream-${u.name}-api-key`), "redis-url"].sort());
  });

  test("Redis: TLS only, minimum TLS 1.2, non-TLS port off", () => {
    const r = one("azure-native:redis:Redis");
    expect(r).toMatchObject({ enableNonSslPort: false, minimumTlsVersion: redis.TlsVersion.TlsVersion_1_2 });
    expect(redis.TlsVersion.TlsVersion_1_2).toBe("1.2");
    const [tier, size] = run.config.redis.sku.split("_");
    expect(r.sku).toEqual({ name: tier, family: size[0], capacity: Number(size.slice(1)) });
  });

  test("Front Door Standard: affinity on the origin group, /healthz probe, app FQDN origin with name check, HTTPS-only route", () => {
    expect(one("azure-native:cdn:Profile").sku.name).toBe(cdn.SkuName.Standard_AzureFrontDoor);
    const group = one("azure-native:cdn:AFDOriginGroup");
    expect(group.sessionAffinityState).toBe(cdn.EnabledState.Enabled);
    expect(group.healthProbeSettings).toMatchObject({ probePath: "/healthz", probeProtocol: cdn.ProbeProtocol.Https, probeRequestType: cdn.HealthProbeRequestType.GET });
    const origin = one("azure-native:cdn:AFDOrigin");
    expect(origin).toMatchObject({ hostName: run.outputs.appFqdn, originHostHeader: run.outputs.appFqdn, enforceCertificateNameCheck: true });
    const route = one("azure-native:cdn:Route");
    expect(route).toMatchObject({ supportedProtocols: [cdn.AFDEndpointProtocols.Https], forwardingProtocol: cdn.ForwardingProtocol.HttpsOnly });
    expect(String(run.outputs.wssUrl)).toMatch(/^wss:\/\/.+\.azurefd\.net\/voice-live\/realtime$/);
  });

  test("alerts: the seed's four on the service's metric names with derived thresholds, plus platform alerts", () => {
    const c = run.config;
    const rules = Object.fromEntries(all("azure-native:monitor:ScheduledQueryRule").map((r) => [r.name.replace("alerts-", ""), r.inputs]));
    const criterion = (name: string) => rules[name].criteria.allOf[0];
    expect(criterion("sessions-near-capacity").threshold).toBe(sizeStack(c).capacityAlertThreshold);
    expect(criterion("sessions-near-capacity").threshold).toBe(Math.floor(c.replicas.max * c.sessionsPerReplica * 0.9));
    expect(criterion("sessions-near-capacity").query).toContain(`"${Metric.sessionsActive}"`);
    expect(criterion("latency-p95")).toMatchObject({ threshold: c.alerts.latencyP95Ms, metricMeasureColumn: "p95" });
    expect(criterion("latency-p95").query).toContain(`"${Metric.latencyMs}"`);
    expect(criterion("error-rate").threshold).toBe(c.alerts.errorRatePercent);
    expect(criterion("error-rate").query).toContain(`"${Metric.errors}"`);
    expect(criterion("connect-failures").threshold).toBe(c.alerts.connectFailurePercent);
    expect(criterion("connect-failures").query).toContain(`"${Metric.connectFailures}"`);
    for (const rule of Object.values(rules) as Loose[]) {
      expect(rule.kind).toBe(monitor.Kind.LogAlert);
      expect(rule.criteria.allOf[0].operator).toBe(monitor.ConditionOperator.GreaterThan);
      expect(rule.actions.actionGroups).toHaveLength(1);
    }
    const metrics = Object.fromEntries(all("azure-native:monitor:MetricAlert").map((r) => [r.inputs.criteria.allOf[0].metricName, r.inputs.criteria.allOf[0]]));
    expect(metrics.Replicas).toMatchObject({ threshold: c.replicas.max, operator: monitor.Operator.GreaterThanOrEqual });
    expect(Object.keys(metrics).sort()).toEqual(["OriginHealthPercentage", "Replicas", "RestartCount", "serverLoad"]);
    const group = one("azure-native:monitor:ActionGroup");
    expect(group.emailReceivers.map((r: Loose) => r.emailAddress)).toEqual(c.alerts.emails);
    expect(group.webhookReceivers[0].serviceUri).toBe(SECRET_PLACEHOLDER);
  });

  test("budget: monthly on the resource group, 50/80/100 actual and 100 forecast to finance and the action group", () => {
    const b = one("azure-native:consumption:Budget");
    expect(b.amount).toBe(run.outputs.budgetAmount);
    expect(b.timeGrain).toBe(consumption.TimeGrainType.Monthly);
    expect(b.timePeriod.startDate).toMatch(/^\d{4}-\d{2}-01T00:00:00Z$/);
    const n = Object.values(b.notifications) as Loose[];
    expect(n.map((x) => [x.threshold, x.thresholdType]).sort()).toEqual([[100, "Actual"], [100, "Forecasted"], [50, "Actual"], [80, "Actual"]]);
    for (const x of n) {
      expect(x.contactEmails).toEqual(run.config.budget.financeEmails);
      expect(x.contactGroups).toHaveLength(1);
    }
  });

  test("outputs: wss URL, app FQDN, image digest, Key Vault name, budget amount", () => {
    for (const key of ["wssUrl", "appFqdn", "imageDigest", "keyVaultName", "budgetAmount"]) expect(run.outputs[key]).toBeTruthy();
  });

  test("no mandatory policy is violated", () => {
    expect(runPolicies(stack, run.resources).filter((p) => p.level === "mandatory")).toEqual([]);
  });
}
