/** `npm run plan` as a user runs it: the manifest, the program's other branches, a bad stack file. */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const root = join(__dirname, "..", "..");
const run = promisify(execFile);

/** A stack directory holding Pulumi.yaml and Pulumi.<stack>.yaml as `edit` leaves the committed file. */
function stackDir(stack: string, edit: (yaml: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), `plan-${stack}-`));
  copyFileSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  writeFileSync(join(dir, `Pulumi.${stack}.yaml`), edit(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8")));
  return dir;
}

/** The customer's own values in place of the shipped placeholders (example domains, all-zero GUIDs). */
const customised = (yaml: string) => yaml
  .replace(/example\.com/g, "acme-interviews.com.au")
  .replace(/00000000-0000-0000-0000-000000000000/g, "3f2a9c1e-7b4d-4e8a-9f10-2c5d6e7f8a9b")
  .replace(/00000000-0000-0000-0000-00000000a0d1/g, "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");

describe("npm run plan, end to end", () => {
  test("writes the manifest: stack, project, resources with parents and inputs, outputs, warnings, policy", async () => {
    const dir = stackDir("prod", customised);
    const out = join(dir, "m.json");
    const { stdout } = await run("npx", ["tsx", "plan/cli.ts", "--stack", "prod", "--dir", dir, "--out", out], { cwd: root });
    expect(stdout).toContain("sessionAffinityState=Enabled");
    expect(stdout).toContain("monthly total");
    // Both scale rules, and the simulated day under each.
    expect(stdout).toContain("rule http-starts: HTTP concurrentRequests=233");
    expect(stdout).toMatch(/sessionsPerReplica 233: the measurement supports 233 for this replica \(500 sessions\/core/);
    // Azure Managed Redis (the default): TLS on 10000.
    expect(stdout).toMatch(/rule open-sessions: KEDA redis on voice:sessions at \S+\.australiaeast\.redis\.azure\.net:10000, target 233 open sessions per replica, password from secret redis-key/);
    expect(stdout).toContain("cooldownPeriod 2700 s");
    expect(stdout).toMatch(/simulated day, expected volume: 1000 interviews x [\d.]+ min\n {4}HTTP rule alone: peak 2 replicas, .*\n {4}both rules: {6}peak \d+ replicas/);
    expect(stdout).toMatch(/simulated day, volume at capacity: \d+ interviews x [\d.]+ min\n {4}HTTP rule alone: peak 2 replicas, 700 open at most, \d+ sessions refused.*\n {4}both rules: {6}peak 13 replicas, 3029 open at most, 0 sessions refused/);
    // What the budget covers, and the daily alert.
    expect(stdout).toContain("on /subscriptions/00000000-0000-0000-0000-000000000000, ResourceGroupName In rg-voice-platform-prod, rg-voice-prod-us, rg-voice-prod-se");
    expect(stdout).toMatch(/daily spend alert: ag-voice-platform-prod-daily-spend, .* over P1D, every PT1H, above \$\d+/);
    expect(stdout).toContain("front door: origin group sessionAffinityState=Enabled, probe off");
    // What the deploying identity needs, and what must be set first.
    expect(stdout).toContain("deployer needs (the identity that runs `pulumi up`), on the subscription:\n  Owner, or Contributor plus User Access Administrator or Role Based Access Control Administrator");
    expect(stdout).toMatch(/before `pulumi up`, set:\n {2}secret upstreamKeys\.us: pulumi config set --secret --path 'voice-platform:upstreamKeys\.us' .* -s prod.*\n {2}secret upstreamKeys\.se: .*\n {2}secret \(optional\) alertWebhookUrl: /);
    expect(stdout).toMatch(/logs: Log Analytics daily cap 4 GB/);
    const manifest = JSON.parse(readFileSync(out, "utf8"));
    expect(Object.keys(manifest)).toEqual(["stack", "project", "resources", "outputs", "warnings", "policy"]);
    expect(manifest.stack).toBe("prod");
    expect(manifest.resources.length).toBeGreaterThan(30);
    for (const r of manifest.resources) expect(Object.keys(r)).toEqual(["type", "name", "parent", "inputs"]);
    expect(JSON.stringify(manifest)).not.toMatch(/plan-placeholder-key|mock-redis-key|plan-placeholder-acr-token/);
    expect(manifest.warnings.some((w: string) => w.startsWith("upstream quota"))).toBe(true);
  }, 60_000);

  test("the shipped prod stack fails the plan, naming every placeholder; a model its region does not offer fails it too", async () => {
    const shipped = await run("npx", ["tsx", "plan/cli.ts", "--stack", "prod"], { cwd: root }).then(() => null, (e) => e);
    expect(shipped?.code).toBe(1);
    for (const key of ["alerts.emails.0", "budget.financeEmails.0", "budget.financeEmails.1", "allowedOrigins.0", "auth.issuer", "auth.audience", "auth.jwksUrl"]) {
      expect(shipped.stderr).toMatch(new RegExp(`^prod: ${key.replace(/\./g, "\\.")}: ".*" is .*; a production stack cannot ship it$`, "m"));
    }
    expect(shipped.stderr).toContain('prod: auth.issuer: "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0" is the all-zero tenant id');
    expect(shipped.stdout).toContain("before `pulumi up`, set:");
    // The upstream as it was: gpt-realtime from an australiaeast Voice Live resource (not offered there).
    const dir = stackDir("prod", (y) => customised(y).replace("region: eastus2", "region: australiaeast"));
    const failed = await run("npx", ["tsx", "plan/cli.ts", "--stack", "prod", "--dir", dir], { cwd: root }).then(() => null, (e) => e);
    expect(failed?.code).toBe(1);
    expect(failed.stderr).toMatch(/prod: upstreams\.0 \(us\): voice-live model gpt-realtime is not offered in australiaeast; it is in centralindia \(Cross-region\), eastus2 \(Global standard\)/);
  }, 90_000);

  test("Front Door off and Azure Cache for Redis: the other branches of the program, with the tenant warning", async () => {
    // Front Door, and with it the private network and the WAF, off.
    const dir = stackDir("prod", (y) => customised(y).replace(/ {4}enabled: true/g, "    enabled: false").replace("    sku: Balanced_B1", "    sku: Standard_C1"));
    const out = join(dir, "m.json");
    const refused = await run("npx", ["tsx", "plan/cli.ts", "--stack", "prod", "--dir", dir, "--out", out], { cwd: root }).then(() => null, (e) => e);
    expect(refused?.code).toBe(1); // mandatory policy violations
    const manifest = JSON.parse(readFileSync(out, "utf8"));
    const types = manifest.resources.map((r: { type: string }) => r.type);
    expect(types.filter((t: string) => t.startsWith("azure-native:cdn:"))).toEqual([]);
    expect(types).not.toContain("azure-native:redisenterprise:Database");
    const cache = manifest.resources.find((r: { type: string }) => r.type === "azure-native:redis:Redis");
    expect(cache.inputs).toMatchObject({ enableNonSslPort: false, minimumTlsVersion: "1.2", redisConfiguration: { maxmemoryPolicy: "noeviction" } });
    expect(manifest.warnings).toContainEqual(expect.stringMatching(/^redis\.sku Standard_C1 is Azure Cache for Redis: only tenants that had an Azure Cache for Redis before 2026-04-01 can create one/));
    const metricNames = manifest.resources.filter((r: { type: string }) => r.type === "azure-native:monitor:MetricAlert").map((r: { inputs: { criteria: { allOf: Array<{ metricName: string }> } } }) => r.inputs.criteria.allOf[0].metricName);
    expect(metricNames.sort()).toEqual(["Replicas", "serverLoad"]); // Azure Cache for Redis: server load; no Front Door; restarts are a log alert
    const app = manifest.resources.find((r: { type: string }) => r.type === "azure-native:app:ContainerApp");
    expect(app.inputs.template.scale.rules[1].custom.metadata.address).toMatch(/\.redis\.cache\.windows\.net:6380$/);
    const env = app.inputs.template.containers[0].env.map((e: { name: string }) => e.name);
    expect(env).not.toContain("FRONT_DOOR_ID");
    expect(env).toContain("REDIS_URL");
    expect(manifest.outputs.wssUrl).toBe(`wss://${manifest.outputs.appFqdn}/voice-live/realtime`);
    // A production stack without the private network is refused: every public data-plane resource is named.
    expect([...new Set(manifest.policy.map((p: { policy: string; level: string }) => `${p.level} ${p.policy}`))]).toEqual(["mandatory private-network-in-production"]);
    expect(manifest.policy.map((p: { resource: string }) => p.resource.split("::")[0]).sort()).toEqual([
      "azure-native:app:ManagedEnvironment", "azure-native:app:ManagedEnvironment", "azure-native:app:ManagedEnvironment", "azure-native:app:ManagedEnvironment",
      "azure-native:containerregistry:Registry", "azure-native:keyvault:Vault", "azure-native:redis:Redis",
    ]);
  }, 60_000);

  test("App Service hosting (Pulumi.small.yaml): the plan shows the plan, the site, the autoscale and its price", async () => {
    const { stdout } = await run("npx", ["tsx", "plan/cli.ts", "--stack", "small"], { cwd: root });
    expect(stdout).toContain("hosting: App Service");
    expect(stdout).toContain("plan P1v3 (PremiumV3, linux), instances 1..3");
    expect(stdout).toMatch(/site: webSocketsEnabled=true, alwaysOn=true, ARR affinity=true \(cookie from X-Forwarded-Host: true\), health check \/healthz, image \S+@sha256:[0-9a-f]{64} pulled by the identity/);
    expect(stdout).toContain("autoscale: voice.sessions.active GreaterThan 50 per instance over PT5M -> Increase by 1 (cooldown PT5M)");
    expect(stdout).toContain("autoscale: CpuPercentage GreaterThan 70% over PT5M -> Increase by 1 (cooldown PT5M)");
    expect(stdout).toContain("autoscale: voice.sessions.active LessThan 25 per instance over PT10M -> Decrease by 1 (cooldown PT45M)");
    expect(stdout).toContain("autoscale follows the mean open sessions per instance");
    // P1v3 at $0.155 an hour (cost catalog) x 730 h.
    expect(stdout).toMatch(/priced: App Service plan \$113\.1\d a month \(730 instance-hours\)/);
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
    for (const line of ["prod: upstreams.0.url: must be an https:// endpoint", "prod: alerts.emails.0: not a valid e-mail address", "prod: budget.headroomPercent: must be >= 0"]) {
      expect(failed.stderr).toContain(line);
    }
    expect(failed.stderr).toMatch(/prod: replicas.min: min \(90\) is greater than max \(13\)/);
  }, 60_000);
});
