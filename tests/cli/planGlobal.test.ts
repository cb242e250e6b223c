/**
 * `npm run plan -- --stack global` as a user runs it: the shipped file fails only on its placeholders
 * (as prod does), and prints one line per region, the Front Door profiles and Traffic Manager; with the
 * customer's own values it passes, and the manifest holds both regions' apps.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const root = join(__dirname, "..", "..");
const run = promisify(execFile);

test("the shipped global stack fails on its placeholders only; customised, it passes with per-region lines", async () => {
  const shipped = await run("npx", ["tsx", "plan/cli.ts", "--stack", "global"], { cwd: root }).then(() => null, (e) => e);
  expect(shipped?.code).toBe(1);
  const problems = shipped.stderr.split("\n").filter((l: string) => l.startsWith("global: "));
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) expect(p).toMatch(/(reserved example domain|all-zero).*a production stack cannot ship it$/);
  expect(shipped.stdout).toMatch(/^ {2}us eastus2: app ca-voice-platform-global, replicas 2\.\.52; Redis redis-voice-platform-global-[0-9a-f]{6} \(Balanced_B5\); VNet 10\.60\.0\.0\/22$/m);
  expect(shipped.stdout).toMatch(/^ {2}se swedencentral: app ca-voice-platform-global-se, replicas 2\.\.52; Redis redis-voice-platform-global-[0-9a-f]{6}-se \(Balanced_B5\); VNet 10\.60\.4\.0\/22$/m);
  expect(shipped.stdout).toContain("front door: 4 profile(s)");
  expect(shipped.stdout).toMatch(/traffic manager tm-voice-platform-global .*Weighted, 4 Front Door endpoints/);
  expect(shipped.stdout).toContain("policy: all passed");
  // The capacity plan of a stack that declares its peak, with the design's replication (no geo-replication warning).
  expect(shipped.stdout).toMatch(/^Global capacity: 12,000 concurrent interviews designed for/m);
  expect(shipped.stdout).not.toContain("redis.geoReplication.registry");
  expect(shipped.stdout).not.toContain("capacity plan (frontDoor.webSocketsPerProfile)");
  // The shipped stack holds its peak: the only capacity warning left is the undocumented re-sent-input case.
  expect(shipped.stdout.split("\n").filter((l: string) => l.includes("! capacity plan (")).map((l: string) => l.match(/\(([^)]+)\)/)![1])).toEqual(["voiceLive.tokensPerMinute.resent", "voiceLive.tokensPerMinute.resent"]);
  expect(shipped.stdout).not.toMatch(/! upstream quota:/);
  expect(shipped.stdout).toMatch(/Simulated day: 50,000 interviews, peak [\d,]+ open, \d+ replicas \(max 52\), 0 refused; other region lost: 100,000 interviews, peak [\d,]+ open, \d+ replicas, 0 refused/);
  // docs/capacity.md quotes the shipped stack's plan: its dollar figures and declared raises are what the plan prints now.
  const doc = readFileSync(join(root, "docs", "capacity.md"), "utf8");
  const shippedSection = doc.slice(doc.indexOf("Cost of the shipped stack"));
  const dollars = shippedSection.slice(0, shippedSection.indexOf("Not priced")).match(/\$[\d,]+(\.\d+)?/g)!;
  expect(dollars.length).toBeGreaterThan(5);
  for (const d of dollars.filter((x) => x !== "$306")) expect(shipped.stdout).toContain(d);
  expect(shipped.stdout).toMatch(/us1, us2, us3, us4, us5, us6, us7, us8: 30 -> 240/);
  expect(shipped.stdout).toMatch(/se1, se2, se3, se4, se5, se6, se7, se8: 100,000 -> 1,000,000/);

  const dir = mkdtempSync(join(tmpdir(), "plan-global-"));
  copyFileSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  // The customer's own values: a domain and made-up tenant and audience GUIDs in place of the placeholders.
  writeFileSync(join(dir, "Pulumi.global.yaml"), readFileSync(join(root, "Pulumi.global.yaml"), "utf8")
    .replace(/example\.com/g, "acme-interviews.com.au")
    .replace(/00000000-0000-0000-0000-000000000000/g, "3f2a9c1e-7b4d-4e8a-9f10-2c5d6e7f8a9b")
    .replace(/00000000-0000-0000-0000-00000000a0d1/g, "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"));
  const out = join(dir, "manifest.json");
  await run("npx", ["tsx", "plan/cli.ts", "--stack", "global", "--dir", dir, "--out", out], { cwd: root });
  const manifest = JSON.parse(readFileSync(out, "utf8"));
  expect(manifest.resources.filter((r: { type: string }) => r.type === "azure-native:app:ContainerApp").map((r: { inputs: { location: string } }) => r.inputs.location)).toEqual(["eastus2", "swedencentral"]);
  expect(manifest.outputs.wssUrl).toBe("wss://voice.acme-interviews.com.au/voice-live/realtime");
}, 120_000);
