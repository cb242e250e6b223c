/** `npm run plan` as a user runs it: the manifest, the program's other branches, a bad stack file. */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const root = join(__dirname, "..", "..");
const run = promisify(execFile);

describe("npm run plan, end to end", () => {
  test("writes the manifest: stack, project, resources with parents and inputs, outputs, warnings, policy", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "plan-")), "m.json");
    const { stdout } = await run("npx", ["tsx", "plan/cli.ts", "--stack", "prod", "--out", out], { cwd: root });
    expect(stdout).toContain("sessionAffinityState=Enabled");
    expect(stdout).toContain("monthly total");
    // Both scale rules, and the simulated day under each.
    expect(stdout).toContain("rule http-starts: HTTP concurrentRequests=233");
    expect(stdout).toMatch(/sessionsPerReplica 233: the measurement supports 233 for this replica \(500 sessions\/core/);
    expect(stdout).toMatch(/rule open-sessions: KEDA redis on voice:sessions at \S+:6380, target 233 open sessions per replica, password from secret redis-key/);
    expect(stdout).toContain("cooldownPeriod 2700 s");
    expect(stdout).toMatch(/simulated day, expected volume: 1000 interviews x [\d.]+ min\n {4}HTTP rule alone: peak 2 replicas, .*\n {4}both rules: {6}peak \d+ replicas/);
    expect(stdout).toMatch(/simulated day, volume at capacity: \d+ interviews x [\d.]+ min\n {4}HTTP rule alone: peak 2 replicas, 700 open at most, \d+ sessions refused.*\n {4}both rules: {6}peak 13 replicas, 3029 open at most, 0 sessions refused/);
    // What the budget covers, and the daily alert.
    expect(stdout).toContain("on /subscriptions/00000000-0000-0000-0000-000000000000, ResourceGroupName In rg-voice-platform-prod, rg-voice-prod-au, rg-voice-prod-us");
    expect(stdout).toMatch(/daily spend alert: ag-voice-platform-prod-daily-spend, .* over P1D, every PT1H, above \$\d+/);
    expect(stdout).toContain("front door: origin group sessionAffinityState=Enabled, probe off");
    const manifest = JSON.parse(readFileSync(out, "utf8"));
    expect(Object.keys(manifest)).toEqual(["stack", "project", "resources", "outputs", "warnings", "policy"]);
    expect(manifest.stack).toBe("prod");
    expect(manifest.resources.length).toBeGreaterThan(30);
    for (const r of manifest.resources) expect(Object.keys(r)).toEqual(["type", "name", "parent", "inputs"]);
    expect(JSON.stringify(manifest)).not.toMatch(/plan-placeholder-key|mock-redis-key|plan-placeholder-acr-token/);
    expect(manifest.warnings.some((w: string) => w.startsWith("upstream quota"))).toBe(true);
  }, 60_000);

  test("Front Door off and Azure Managed Redis: the other branches of the program", async () => {
    const dir = mkdtempSync(join(tmpdir(), "altstack-"));
    copyFileSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    // Front Door, and with it the private network and the WAF, off.
    const yaml = readFileSync(join(root, "Pulumi.prod.yaml"), "utf8").replace(/ {4}enabled: true/g, "    enabled: false").replace("    sku: Standard_C1", "    sku: Balanced_B0");
    writeFileSync(join(dir, "Pulumi.prod.yaml"), yaml);
    const out = join(dir, "m.json");
    const refused = await run("npx", ["tsx", "plan/cli.ts", "--stack", "prod", "--dir", dir, "--out", out], { cwd: root }).then(() => null, (e) => e);
    expect(refused?.code).toBe(1); // mandatory policy violations
    const manifest = JSON.parse(readFileSync(out, "utf8"));
    const types = manifest.resources.map((r: { type: string }) => r.type);
    expect(types.filter((t: string) => t.startsWith("azure-native:cdn:"))).toEqual([]);
    expect(types).not.toContain("azure-native:redis:Redis");
    const db = manifest.resources.find((r: { type: string }) => r.type === "azure-native:redisenterprise:Database");
    expect(db.inputs).toMatchObject({ clientProtocol: "Encrypted", port: 10000, clusteringPolicy: "EnterpriseCluster", accessKeysAuthentication: "Enabled" });
    expect(manifest.resources.find((r: { type: string }) => r.type === "azure-native:redisenterprise:RedisEnterprise").inputs).toMatchObject({ publicNetworkAccess: "Enabled", minimumTlsVersion: "1.2" });
    const metricNames = manifest.resources.filter((r: { type: string }) => r.type === "azure-native:monitor:MetricAlert").map((r: { inputs: { criteria: { allOf: Array<{ metricName: string }> } } }) => r.inputs.criteria.allOf[0].metricName);
    expect(metricNames.sort()).toEqual(["Replicas", "RestartCount", "percentProcessorTime"]); // Managed Redis: CPU; no Front Door
    const app = manifest.resources.find((r: { type: string }) => r.type === "azure-native:app:ContainerApp");
    expect(app.inputs.template.scale.rules[1].custom.metadata.address).toMatch(/\.australiaeast\.redis\.azure\.net:10000$/);
    const env = app.inputs.template.containers[0].env.map((e: { name: string }) => e.name);
    expect(env).not.toContain("FRONT_DOOR_ID");
    expect(env).toContain("REDIS_URL");
    expect(manifest.outputs.wssUrl).toBe(`wss://${manifest.outputs.appFqdn}/voice-live/realtime`);
    // A production stack without the private network is refused: every public data-plane resource is named.
    expect([...new Set(manifest.policy.map((p: { policy: string; level: string }) => `${p.level} ${p.policy}`))]).toEqual(["mandatory private-network-in-production"]);
    expect(manifest.policy.map((p: { resource: string }) => p.resource.split("::")[0]).sort()).toEqual([
      "azure-native:app:ManagedEnvironment", "azure-native:app:ManagedEnvironment", "azure-native:app:ManagedEnvironment", "azure-native:app:ManagedEnvironment",
      "azure-native:containerregistry:Registry", "azure-native:keyvault:Vault", "azure-native:redisenterprise:RedisEnterprise",
    ]);
  }, 60_000);

  test("App Service hosting (Pulumi.small.yaml): the plan shows the plan, the site, the autoscale and its price", async () => {
    const { stdout } = await run("npx", ["tsx", "plan/cli.ts", "--stack", "small"], { cwd: root });
    expect(stdout).toContain("hosting: App Service");
    expect(stdout).toContain("plan P2v3 (PremiumV3, linux), instances 1..3");
    expect(stdout).toMatch(/site: webSocketsEnabled=true, alwaysOn=true, ARR affinity=true, health check \/healthz, image \S+@sha256:[0-9a-f]{64} pulled by the identity/);
    expect(stdout).toContain("autoscale: CpuPercentage GreaterThan 70% over PT5M -> Increase by 1 (cooldown PT5M)");
    expect(stdout).toContain("autoscale: CpuPercentage LessThan 30% over PT10M -> Decrease by 1 (cooldown PT45M)");
    expect(stdout).toContain("the autoscaler sees the plan's CPU, not open sessions");
    expect(stdout).toMatch(/priced: App Service plan \$226\.3\d a month \(730 instance-hours\)/);
    expect(stdout).not.toMatch(/^ {2}x /m); // no mandatory violation (the command also exited 0)
  }, 60_000);

  test("a stack file with several mistakes exits 1 listing all of them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "badstack-"));
    copyFileSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    const yaml = readFileSync(join(root, "Pulumi.prod.yaml"), "utf8")
      .replace("    min: 2", "    min: 90")
      .replace("url: https://voice-prod-us", "url: http://voice-prod-us")
      .replace("voice-oncall@example.com", "nobody")
      .replace("headroomPercent: 20", "headroomPercent: -1");
    writeFileSync(join(dir, "Pulumi.prod.yaml"), yaml);
    const failed = await run("npx", ["tsx", "plan/cli.ts", "--stack", "prod", "--dir", dir], { cwd: root }).then(() => null, (e) => e);
    expect(failed?.code).toBe(1);
    expect(failed.stderr).toContain("4 problem(s)");
    for (const line of ["prod: upstreams.1.url: must be an https:// endpoint", "prod: alerts.emails.0: not a valid e-mail address", "prod: budget.headroomPercent: must be >= 0"]) {
      expect(failed.stderr).toContain(line);
    }
    expect(failed.stderr).toMatch(/prod: replicas.min: min \(90\) is greater than max \(13\)/);
  }, 60_000);
});
