/**
 * The optional `costRecordSalt` secret: given, every region's vault holds it and every app reads it as
 * COST_RECORD_SALT (cost records and session logs then carry a pseudonymous user); absent, nothing
 * changes (the single-region fingerprints in tests/infra/singleRegion.ts hold without it); too short, the
 * program refuses it before a revision would fail on it.
 */
import { runProgram, type PlanRun } from "../../plan/mockEngine";
import { checkedCostRecordSalt } from "../../stacks/program";
import { beforeUpLines } from "../../stacks/preflight";
import type { Loose } from "../support/plan";

const SALT = "a-salt-of-thirty-two-characters!";
let global: PlanRun;
let staging: PlanRun;
const inputs = (r: PlanRun, type: string): Loose[] => r.resources.filter((x) => x.type === type).map((x) => x.inputs);
const saltEnv = (app: Loose) => app.template.containers[0].env.filter((e: Loose) => e.name === "COST_RECORD_SALT");

beforeAll(async () => {
  global = await runProgram("global", undefined, { costRecordSalt: SALT });
  staging = await runProgram("staging");
}, 120_000);

test("given the salt, each region's vault holds it and each app reads it from its own vault as COST_RECORD_SALT", () => {
  const secrets = global.resources.filter((r) => r.type === "azure-native:keyvault:Secret" && r.inputs.secretName === "cost-record-salt");
  expect(secrets).toHaveLength(2);
  // The value never reaches the manifest.
  expect(JSON.stringify(global.resources)).not.toContain(SALT);
  for (const app of inputs(global, "azure-native:app:ContainerApp")) {
    expect(saltEnv(app)).toEqual([{ name: "COST_RECORD_SALT", secretRef: "cost-record-salt" }]);
    const ref = app.configuration.secrets.find((s: Loose) => s.name === "cost-record-salt");
    expect(ref?.keyVaultUrl).toBeDefined();
  }
});

test("without it, no secret and no variable; `before pulumi up` offers the command", () => {
  expect(staging.resources.filter((r) => r.type === "azure-native:keyvault:Secret" && r.inputs.secretName === "cost-record-salt")).toEqual([]);
  for (const app of inputs(staging, "azure-native:app:ContainerApp")) expect(saltEnv(app)).toEqual([]);
  expect(beforeUpLines("staging", staging.config).join("\n")).toMatch(/secret \(optional\) costRecordSalt: pulumi config set --secret 'voice-platform:costRecordSalt' "\$\(openssl rand -base64 32\)" -s staging/);
});

test("a salt shorter than the service accepts is refused with the command that makes a good one", () => {
  expect(() => checkedCostRecordSalt("staging", "too-short")).toThrow(/costRecordSalt: at least 16 characters; set it with: pulumi config set --secret 'voice-platform:costRecordSalt' "\$\(openssl rand -base64 32\)" -s staging/);
  expect(checkedCostRecordSalt("staging", SALT)).toBe(SALT);
});
