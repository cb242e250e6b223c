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
    const yaml = readFileSync(join(root, "Pulumi.prod.yaml"), "utf8").replace("    enabled: true", "    enabled: false").replace("    sku: Standard_C1", "    sku: Balanced_B0");
    writeFileSync(join(dir, "Pulumi.prod.yaml"), yaml);
    const out = join(dir, "m.json");
    await run("npx", ["tsx", "plan/cli.ts", "--stack", "prod", "--dir", dir, "--out", out], { cwd: root });
    const manifest = JSON.parse(readFileSync(out, "utf8"));
    const types = manifest.resources.map((r: { type: string }) => r.type);
    expect(types.filter((t: string) => t.startsWith("azure-native:cdn:"))).toEqual([]);
    expect(types).not.toContain("azure-native:redis:Redis");
    const db = manifest.resources.find((r: { type: string }) => r.type === "azure-native:redisenterprise:Database");
    expect(db.inputs).toMatchObject({ clientProtocol: "Encrypted", port: 10000, clusteringPolicy: "EnterpriseCluster" });
    const app = manifest.resources.find((r: { type: string }) => r.type === "azure-native:app:ContainerApp");
    const env = app.inputs.template.containers[0].env.map((e: { name: string }) => e.name);
    expect(env).not.toContain("FRONT_DOOR_ID");
    expect(env).toContain("REDIS_URL");
    expect(manifest.outputs.wssUrl).toBe(`wss://${manifest.outputs.appFqdn}/voice-live/realtime`);
    expect(manifest.policy).toEqual([]);
  }, 60_000);

  test("a stack file with several mistakes exits 1 listing all of them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "badstack-"));
    copyFileSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    const yaml = readFileSync(join(root, "Pulumi.prod.yaml"), "utf8")
      .replace("    min: 2", "    min: 90")
      .replace("      priority: 2", "      priority: 1")
      .replace("voice-oncall@example.com", "nobody")
      .replace("headroomPercent: 20", "headroomPercent: -1");
    writeFileSync(join(dir, "Pulumi.prod.yaml"), yaml);
    const failed = await run("npx", ["tsx", "plan/cli.ts", "--stack", "prod", "--dir", dir], { cwd: root }).then(() => null, (e) => e);
    expect(failed?.code).toBe(1);
    expect(failed.stderr).toContain("4 problem(s)");
    for (const line of ["prod: upstreams.1.priority: duplicate priority 1", "prod: alerts.emails.0: not a valid e-mail address", "prod: budget.headroomPercent: must be >= 0"]) {
      expect(failed.stderr).toContain(line);
    }
    expect(failed.stderr).toMatch(/prod: replicas.min: min \(90\) is greater than max \(50\)/);
  }, 60_000);
});
