/**
 * The assertions every stack's plan must satisfy, written once and run per stack (one jest file per
 * stack: Pulumi's runtime state is per process). Values are asserted as the literal strings the ARM API
 * accepts (tests/infra/armValues.ts), never through the SDK enum that produced them.
 */
import { Metric, OPEN_SESSIONS_KEY, refusalsCausedBy } from "../../contracts";
import { runProgram, SECRET_PLACEHOLDER, type PlanRun, type RecordedResource } from "../../plan/mockEngine";
import { runPolicies } from "../../stacks/policies";
import { roleAssignmentName } from "../../stacks/roles";
import { sizeStack, TERMINATION_GRACE_SECONDS } from "../../stacks/sizing";
import { ARM_VALUES, checkArmValues } from "./armValues";
import { brokenCopies, packVerdicts } from "./policyParity";

import { lookups, type Loose } from "../support/plan";
import { expectSingleRegionUnchanged } from "./singleRegion";

// Typed from the sources (stacks/azureLiterals.ts names them): Key Vault RBAC guide's built-in roles table,
// and the AcrPull role definition JSON (azure-rbac-catalog.org, azadvertizer.net), read 2026-12-03.
const KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

export function describePlatform(stack: string): void {
  let run: PlanRun;
  const { all, one } = lookups(() => run);

  beforeAll(async () => {
    run = await runProgram(stack);
  }, 60_000);

  test("the stack declares no regions and registers exactly the resources, names and inputs it did before regions existed", () => {
    expectSingleRegionUnchanged(run);
  });

  test("every enum-valued property carries a value its ARM API accepts", () => {
    const checked = checkArmValues(run.resources);
    // The table covers what this stack registers: each rule for a registered type found its property.
    for (const rule of ARM_VALUES.filter((x) => !x.optional && all(x.type).length > 0)) expect(checked).toContain(`${rule.type} ${rule.path}`);
  });

  test("one resource group; every resource but the group and components sits under a component", () => {
    expect(one("azure-native:resources:ResourceGroup").resourceGroupName).toBe(`rg-voice-platform-${stack}`);
    for (const r of run.resources) {
      if (r.type.startsWith("voice:platform:") || r.type === "azure-native:resources:ResourceGroup") continue;
      expect([r.name, r.parent]).toEqual([r.name, expect.stringMatching(/^urn:pulumi:.*voice:platform:/)]);
    }
  });

  test("container app: sticky single-revision HTTP ingress on 3000, probes, grace period", () => {
    const c = run.config;
    const a = one("azure-native:app:ContainerApp");
    expect(a.configuration.ingress).toMatchObject({ external: true, targetPort: 3000, transport: "http", stickySessions: { affinity: "sticky" } });
    expect(a.configuration.activeRevisionsMode).toBe("Single");
    const [container] = a.template.containers;
    expect(container.resources).toEqual({ cpu: c.cpu, memory: `${c.memoryGiB}Gi` });
    expect(container.probes.map((p: Loose) => [p.type, p.httpGet.path])).toEqual([["Liveness", "/healthz"], ["Readiness", "/readyz"], ["Startup", "/healthz"]]);
    // 100 x the longest stall measured (52 ms), under each period (10 s, 5 s): not the probe schema's 1 s default.
    expect(container.probes.map((p: Loose) => [p.type, p.periodSeconds, p.timeoutSeconds])).toEqual([["Liveness", 10, 6], ["Readiness", 5, 4], ["Startup", 2, undefined]]);
    expect(a.template.terminationGracePeriodSeconds).toBe(TERMINATION_GRACE_SECONDS);
    expect(a.identity.type).toBe("UserAssigned");
  });

  test("scaling: the HTTP rule plus a KEDA rule on the registry's open sessions, target sessionsPerReplica, cooldown >= the session limit", () => {
    const c = run.config;
    const a = one("azure-native:app:ContainerApp");
    const redisAddress = run.config.redis.sku.startsWith("Balanced_")
      ? `${one("azure-native:redisenterprise:RedisEnterprise").clusterName}.${c.location}.redis.azure.net:10000` // Managed Redis: TLS on 10000
      : `${one("azure-native:redis:Redis").name}.redis.cache.windows.net:6380`;
    expect(a.template.scale).toEqual({
      minReplicas: c.replicas.min,
      maxReplicas: c.replicas.max,
      pollingInterval: 30,
      cooldownPeriod: Math.max(300, c.session.maxMinutes * 60),
      rules: [
        { name: "http-starts", http: { metadata: { concurrentRequests: String(c.sessionsPerReplica) } } },
        {
          name: "open-sessions",
          custom: {
            type: "redis",
            metadata: { address: redisAddress, listName: OPEN_SESSIONS_KEY, listLength: String(c.sessionsPerReplica), enableTLS: "true", databaseIndex: "0" },
            auth: [{ secretRef: "redis-key", triggerParameter: "password" }],
          },
        },
      ],
    });
    expect(a.template.scale.cooldownPeriod).toBeGreaterThanOrEqual(c.session.maxMinutes * 60);
    // The scaler's password is a Key Vault reference like every other secret.
    expect(a.configuration.secrets).toContainEqual({ name: "redis-key", keyVaultUrl: expect.stringMatching(/\/secrets\/redis-key$/), identity: a.identity.userAssignedIdentities[0] });
  });

  test("Log Analytics: the shared key reaches the environment as a secret; the workspace has a daily cap", () => {
    const envLogs = one("azure-native:app:ManagedEnvironment").appLogsConfiguration;
    expect(envLogs.destination).toBe("log-analytics");
    expect(envLogs.logAnalyticsConfiguration).toEqual({ customerId: expect.stringMatching(/^customer-/), sharedKey: SECRET_PLACEHOLDER });
    expect(JSON.stringify(run.resources)).not.toContain("mock-shared-key");
    const workspace = one("azure-native:operationalinsights:Workspace");
    expect(workspace.workspaceCapping).toEqual({ dailyQuotaGb: sizeStack(run.config).logDailyCap.capGb });
    expect(workspace.workspaceCapping.dailyQuotaGb).toBeGreaterThan(0); // -1 would be "no cap" (WorkspaceCapping.DailyQuotaGb)
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
    expect(JSON.parse(env.UPSTREAMS.value)).toEqual(c.upstreams);
    expect(env.MAX_SESSIONS_PER_INSTANCE.value).toBe(String(Math.ceil(c.sessionsPerReplica * 1.5)));
    expect(env.SESSION_MAX_MINUTES.value).toBe(String(c.session.maxMinutes));
    expect(env.FRONT_DOOR_ID.value).toBe(run.outputs.frontDoorId);
    expect(env.APPLICATIONINSIGHTS_CONNECTION_STRING.value).toMatch(/^InstrumentationKey=/);
    expect(env.OTEL_SERVICE_NAME.value).toBe("voice-proxy");
    expect(env.AUTH_ISSUER.value).toBe(c.auth.issuer);
    expect(JSON.stringify(a)).not.toMatch(/plan-placeholder-key|mock-redis-key/); // no key anywhere in the app
    for (const s of a.configuration.secrets) {
      expect(s).toEqual({ name: s.name, keyVaultUrl: expect.stringMatching(/^https:\/\/.+\.vault\.azure\.net\/secrets\//), identity: a.identity.userAssignedIdentities[0] });
    }
    for (const s of all("azure-native:keyvault:Secret")) expect(s.inputs.properties.value).toBe(SECRET_PLACEHOLDER);
  });

  test("Key Vault: RBAC, soft delete, purge protection in prod; secrets written through ARM, no role for the deployer", () => {
    const v = one("azure-native:keyvault:Vault");
    expect(v.properties).toMatchObject({ enableRbacAuthorization: true, enableSoftDelete: true, sku: { family: "A", name: "standard" } });
    expect(v.properties.enablePurgeProtection).toBe(stack === "prod" ? true : undefined);
    expect(all("azure-native:keyvault:Secret").map((s) => s.inputs.secretName).sort()).toEqual([...run.config.upstreams.map((u) => `upstream-${u.name}-api-key`), "redis-key", "redis-url"].sort());
    // The secrets wait for nothing but the vault: no data-plane role is involved in an ARM write.
    for (const s of all("azure-native:keyvault:Secret")) expect(s.dependsOn).not.toContainEqual(expect.stringContaining("RoleAssignment"));
  });

  test("role assignments: the identity only, as a ServicePrincipal, under deterministic names (UUIDv5 of scope, principal, role)", () => {
    const roles = all("azure-native:authorization:RoleAssignment").map((r) => r.inputs);
    expect(roles.map((r) => r.roleDefinitionId.split("/").pop()).sort()).toEqual([KEY_VAULT_SECRETS_USER, ACR_PULL].sort());
    for (const r of roles) {
      expect(r.principalType).toBe("ServicePrincipal");
      expect(r.principalId).toBe("principal-vault-identity"); // the user-assigned identity, never the deployer
      expect(r.roleAssignmentName).toBe(roleAssignmentName(r.scope, r.principalId, r.roleDefinitionId));
      expect(r.roleAssignmentName).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(JSON.stringify(roles)).not.toContain("deployer-object");
  });

  test("the container app waits for AcrPull and Key Vault Secrets User, not only its component", () => {
    const [app] = all("azure-native:app:ContainerApp");
    const assignments = all("azure-native:authorization:RoleAssignment");
    const urn = (r: RecordedResource) => expect.stringMatching(new RegExp(`azure-native:authorization:RoleAssignment::${r.name}$`));
    expect(app.dependsOn).toEqual(expect.arrayContaining(assignments.map(urn)));
    expect(assignments.map((r) => r.name).sort()).toEqual(["image-acrpull", "vault-secrets-user"]);
  });

  test("Redis: TLS only, never evicting; Managed Redis non-clustered with access keys on port 10000", () => {
    // Values typed from the REST spec (Microsoft.Cache/redisEnterprise/databases 2025-07-01, Microsoft.Cache/redis).
    if (run.config.redis.sku.startsWith("Balanced_")) {
      expect(all("azure-native:redis:Redis")).toEqual([]);
      expect(one("azure-native:redisenterprise:RedisEnterprise")).toMatchObject({ sku: { name: run.config.redis.sku }, minimumTlsVersion: "1.2" });
      expect(one("azure-native:redisenterprise:Database")).toMatchObject({
        clientProtocol: "Encrypted", port: 10000, clusteringPolicy: "NoCluster", evictionPolicy: "NoEviction", accessKeysAuthentication: "Enabled",
      });
    } else {
      const r = one("azure-native:redis:Redis");
      expect(r).toMatchObject({ enableNonSslPort: false, minimumTlsVersion: "1.2", redisConfiguration: { maxmemoryPolicy: "noeviction" } });
      const [tier, size] = run.config.redis.sku.split("_");
      expect(r.sku).toEqual({ name: tier, family: size[0], capacity: Number(size.slice(1)) });
    }
  });

  test("Front Door (Premium with the private network): affinity on the origin group, no health probe on the single origin, app FQDN origin with name check, HTTPS-only route", () => {
    expect(one("azure-native:cdn:Profile").sku.name).toBe(run.config.network.enabled ? "Premium_AzureFrontDoor" : "Standard_AzureFrontDoor");
    const group = one("azure-native:cdn:AFDOriginGroup");
    expect(group.sessionAffinityState).toBe("Enabled");
    expect(group).not.toHaveProperty("healthProbeSettings");
    expect(all("azure-native:cdn:AFDOrigin")).toHaveLength(1);
    const origin = one("azure-native:cdn:AFDOrigin");
    expect(origin).toMatchObject({ hostName: run.outputs.appFqdn, originHostHeader: run.outputs.appFqdn, enforceCertificateNameCheck: true });
    const route = one("azure-native:cdn:Route");
    expect(route).toMatchObject({ supportedProtocols: ["Https"], forwardingProtocol: "HttpsOnly" });
    expect(String(run.outputs.wssUrl)).toMatch(/^wss:\/\/.+\.azurefd\.net\/voice-live\/realtime$/);
  });

  test("log alerts: literal ARM values, derived thresholds, the service's metric names", () => {
    const c = run.config;
    const sizing = sizeStack(c);
    const rules = Object.fromEntries(all("azure-native:monitor:ScheduledQueryRule").map((r) => [r.name.replace("alerts-", ""), r.inputs]));
    expect(Object.keys(rules).sort()).toEqual(["connect-failures", "container-restarts", "daily-spend", "error-rate", "latency-p95", "sessions-near-capacity"]);
    const criterion = (name: string) => rules[name].criteria.allOf[0];
    for (const rule of Object.values(rules) as Loose[]) {
      expect(rule.kind).toBe("LogAlert");
      // The ARM API's value. azure-native's monitor.ConditionOperator.GreaterThan would have sent "gt".
      expect(rule.criteria.allOf[0].operator).toBe("GreaterThan");
      expect(rule.criteria.allOf[0].timeAggregation).toBe("Maximum");
      expect(rule.criteria.allOf[0].failingPeriods).toEqual({ numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 });
      expect(rule.actions.actionGroups).toHaveLength(1);
      expect(rule.scopes).toHaveLength(1);
      // Each description names its runbook section.
      expect(rule.description).toMatch(/Runbook: docs\/operations\.md#[a-z0-9-]+$/);
    }
    // Restarts are read from the environment's system logs, in the workspace; the rest from Application Insights.
    expect(criterion("container-restarts").query).toContain("ContainerAppSystemLogs_CL");
    expect(rules["container-restarts"].scopes[0]).not.toEqual(rules["error-rate"].scopes[0]);
    expect(criterion("sessions-near-capacity").threshold).toBe(Math.floor(c.replicas.max * c.sessionsPerReplica * c.alerts.capacityPercent / 100));
    expect(criterion("sessions-near-capacity").query).toContain(`"${Metric.sessionsActive}"`);
    expect(criterion("latency-p95")).toMatchObject({ threshold: 5, metricMeasureColumn: "slowTurnsPercent" });
    expect(criterion("latency-p95").query).toContain(`"${Metric.latencyTurns}"`);
    expect(criterion("latency-p95").query).toContain(`let slowerThanMs = ${c.alerts.latencyP95Ms}.0;`);
    expect(criterion("error-rate").threshold).toBe(c.alerts.errorRatePercent);
    expect(criterion("connect-failures").threshold).toBe(c.alerts.connectFailurePercent);
    expect(criterion("connect-failures").query).toContain(`tostring(customDimensions.stage) == "client"`);
    for (const code of refusalsCausedBy("client")) expect(criterion("connect-failures").query).not.toContain(`"${code}"`);
    expect(criterion("daily-spend").threshold).toBe(sizing.dailySpendAlertUsd);
    expect(rules["daily-spend"]).toMatchObject({ windowSize: "P1D", evaluationFrequency: "PT1H" });
  });

  test("metric alerts: literal ARM values; no Front Door origin-health page for a single origin", () => {
    const c = run.config;
    const metrics = Object.fromEntries(all("azure-native:monitor:MetricAlert").map((r) => [r.inputs.criteria.allOf[0].metricName, r.inputs]));
    const redisMetric = run.config.redis.sku.startsWith("Balanced_") ? "percentProcessorTime" : "serverLoad";
    expect(Object.keys(metrics).sort()).toEqual(["Percentage5XX", "Replicas", redisMetric].sort());
    expect(metrics.Replicas.criteria.allOf[0]).toMatchObject({ threshold: c.replicas.max, operator: "GreaterThanOrEqual", timeAggregation: "Maximum", criterionType: "StaticThresholdCriterion" });
    // Front Door: a 5xx share AND a minimum request count, both required. Metric names, aggregations and
    // operators as Microsoft's Microsoft.Cdn/profiles supported-metrics table (ms.date 2024-07-30) and the
    // metricAlerts 2018-03-01 API give them: Percentage5XX (Average), RequestCount (Total).
    const gate = sizeStack(c).alertGates.frontDoor5xx;
    expect(metrics.Percentage5XX.criteria.allOf).toEqual([
      expect.objectContaining({ metricName: "Percentage5XX", threshold: gate.percent, operator: "GreaterThan", timeAggregation: "Average", criterionType: "StaticThresholdCriterion" }),
      expect.objectContaining({ metricName: "RequestCount", threshold: gate.minRequests, operator: "GreaterThanOrEqual", timeAggregation: "Total", criterionType: "StaticThresholdCriterion" }),
    ]);
    expect(metrics.Percentage5XX.description).toMatch(/Runbook: docs\/operations\.md#frontdoor-5xx$/);
    for (const m of Object.values(metrics) as Loose[]) expect(m.criteria.odataType).toBe("Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria");
    const group = one("azure-native:monitor:ActionGroup");
    expect(group.emailReceivers.map((r: Loose) => r.emailAddress)).toEqual(c.alerts.emails);
    expect(group.webhookReceivers[0].serviceUri).toBe(SECRET_PLACEHOLDER);
  });

  test("operations workbook: shared, a UUID name, on the Application Insights component, its content JSON", () => {
    const workbook = one("azure-native:applicationinsights:Workbook");
    // Microsoft.Insights/workbooks: kind "shared" (its only valid value), category "workbook", the name a UUID.
    expect(workbook).toMatchObject({ kind: "shared", category: "workbook" });
    expect(workbook.resourceName).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(workbook.sourceId).toBe("observability-appi-id"); // the mock engine's id of the Application Insights component
    expect(JSON.parse(workbook.serializedData).version).toBe("Notebook/1.0");
  });

  test("budget: on the subscription, filtered to the stack's and the upstreams' resource groups; 50/80/100 actual and 100 forecast", () => {
    const c = run.config;
    const b = one("azure-native:consumption:Budget");
    expect(b.amount).toBe(run.outputs.budgetAmount);
    expect(b.scope).toBe("/subscriptions/00000000-0000-0000-0000-000000000000");
    const groups = [`rg-voice-platform-${stack}`, ...c.upstreams.map((u) => c.upstreamResourceGroups[u.name])];
    expect(b.filter).toEqual({ dimensions: { name: "ResourceGroupName", operator: "In", values: expect.arrayContaining(groups) } });
    expect(b.filter.dimensions.values.map((v: string) => v.toLowerCase())).toEqual(expect.arrayContaining(groups.map((g) => g.toLowerCase())));
    expect(run.outputs.budgetResourceGroups).toEqual(groups);
    expect(b).toMatchObject({ category: "Cost", timeGrain: "Monthly" });
    expect(b.timePeriod.startDate).toMatch(/^\d{4}-\d{2}-01T00:00:00Z$/);
    const n = Object.values(b.notifications) as Loose[];
    expect(n.map((x) => [x.threshold, x.thresholdType]).sort()).toEqual([[100, "Actual"], [100, "Forecasted"], [50, "Actual"], [80, "Actual"]]);
    for (const x of n) {
      expect(x.operator).toBe("GreaterThanOrEqualTo");
      expect(x.contactEmails).toEqual(c.budget.financeEmails);
      expect(x.contactGroups).toHaveLength(1);
    }
  });

  test("outputs: wss URL, app FQDN, image digest, Key Vault name, budget amount and scope, simulated days", () => {
    for (const key of ["wssUrl", "appFqdn", "imageDigest", "keyVaultName", "budgetAmount", "budgetResourceGroups", "dailySpendAlertUsd", "scaleDays"]) expect(run.outputs[key]).toBeTruthy();
  });

  test("no mandatory policy is violated", () => {
    expect(runPolicies(stack, run.resources).filter((p) => p.level === "mandatory")).toEqual([]);
  });

  test("the policy pack gives the plan's verdicts, on this stack and on copies broken the ways the policies guard", () => {
    const broken = [...run.resources, ...brokenCopies(run.resources)];
    expect(packVerdicts(stack, run.resources)).toEqual(runPolicies(stack, run.resources));
    const verdicts = runPolicies(stack, broken);
    expect(verdicts.filter((v) => v.level === "mandatory").length).toBeGreaterThanOrEqual(5);
    expect(packVerdicts(stack, broken)).toEqual(verdicts);
  });
}
