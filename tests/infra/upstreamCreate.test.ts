/**
 * `create` on upstream entries (staging's file, edited): the program creates the Foundry (AI Services)
 * accounts in each entry's region and group, an Azure OpenAI entry's model deployment, puts a key-auth
 * account's own key in Key Vault (no stack secret needed) and gives an Entra upstream's account the
 * app's identity as Cognitive Services User. The entries the service receives carry no `create`.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram, SECRET_PLACEHOLDER, type PlanRun } from "../../plan/mockEngine";
import { parseStackConfig, readStackFile, StackConfigError } from "../../stacks/config";
import { requiredSecrets } from "../../stacks/preflight";
import { runPolicies } from "../../stacks/policies";
import { lookups, type Loose } from "../support/plan";

const root = join(__dirname, "..", "..");
const COGNITIVE_SERVICES_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"; // Cognitive Services User (azure-rbac-catalog.org, read 2026-12-03)

function stackDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "plan-create-"));
  copyFileSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  const yaml = readFileSync(join(root, "Pulumi.staging.yaml"), "utf8")
    .replace("      model: gpt-realtime\n      auth: key\n", [
      "      model: gpt-realtime",
      "      auth: key",
      "      create: {}",
      "    - name: aoai",
      "      url: https://voice-staging-aoai.openai.azure.com",
      "      kind: azure-openai",
      "      priority: 2",
      "      region: swedencentral",
      "      deployment: gpt-realtime",
      "      auth: entra",
      "      create:",
      "        deployment:",
      "          model: gpt-realtime",
      "          version: 2025-08-28",
      "          capacity: 10",
      "",
    ].join("\n"))
    .replace("    au: rg-voice-staging-au\n", "    au: rg-voice-staging-au\n    aoai: rg-voice-staging-aoai\n");
  writeFileSync(join(dir, "Pulumi.staging.yaml"), yaml);
  return dir;
}

let run: PlanRun;
const { all } = lookups(() => run);
const inputs = (type: string): Loose[] => all(type).map((r) => r.inputs);

beforeAll(async () => {
  run = await runProgram("staging", stackDir());
}, 60_000);

test("the accounts: AI Services S0 in each entry's region and its own group, named and reached by the URL's first label", () => {
  expect(inputs("azure-native:resources:ResourceGroup").map((g) => [g.resourceGroupName, g.location])).toEqual(expect.arrayContaining([
    ["rg-voice-staging-au", "australiaeast"], ["rg-voice-staging-aoai", "swedencentral"],
  ]));
  expect(inputs("azure-native:cognitiveservices:Account").map((a) => [a.accountName, a.location, a.resourceGroupName, a.kind, a.sku.name, a.properties.customSubDomainName, a.properties.disableLocalAuth])).toEqual([
    ["voice-staging-au", "australiaeast", "rg-voice-staging-au", "AIServices", "S0", "voice-staging-au", false],
    ["voice-staging-aoai", "swedencentral", "rg-voice-staging-aoai", "AIServices", "S0", "voice-staging-aoai", true],
  ]);
  expect(inputs("azure-native:cognitiveservices:Deployment")).toEqual([expect.objectContaining({
    accountName: "voice-staging-aoai", deploymentName: "gpt-realtime", sku: { name: "GlobalStandard", capacity: 10 },
    properties: { model: { format: "OpenAI", name: "gpt-realtime", version: "2025-08-28" } },
  })]);
});

test("the key-auth account's key goes to Key Vault; the Entra account gives the identity Cognitive Services User", () => {
  const secret = inputs("azure-native:keyvault:Secret").find((s) => s.secretName === "upstream-au-api-key");
  expect(secret.properties.value).toBe(SECRET_PLACEHOLDER);
  expect(JSON.stringify(run.resources)).not.toContain("mock-account-key");
  const role = inputs("azure-native:authorization:RoleAssignment").find((r) => r.roleDefinitionId.endsWith(COGNITIVE_SERVICES_USER));
  expect(role).toMatchObject({ principalId: "principal-vault-identity", principalType: "ServicePrincipal", scope: `${all("azure-native:cognitiveservices:Account")[1].name}-id` });
  expect(requiredSecrets("staging", run.config).map((s) => s.key)).toEqual(["alertWebhookUrl", "costRecordSalt"]);
  // The service gets the entries without `create`.
  const [app] = inputs("azure-native:app:ContainerApp");
  const upstreams = JSON.parse(app.template.containers[0].env.find((e: Loose) => e.name === "UPSTREAMS").value);
  expect(upstreams.map((u: Loose) => [u.name, "create" in u])).toEqual([["au", false], ["aoai", false]]);
  expect(runPolicies("staging", run.resources).filter((p) => p.level === "mandatory")).toEqual([]);
});

test("every bad create block is reported at once, with the rest of the file's problems", () => {
  const raw = readStackFile("staging") as Record<string, Loose>;
  raw.upstreams = [
    { ...raw.upstreams[0], url: "https://voice.example.net", create: { deployment: { model: "m", version: "1", capacity: 1 } } },
    { name: "aoai", url: "https://voice-aoai.openai.azure.com", kind: "azure-openai", priority: 2, region: "swedencentral", deployment: "gpt-realtime", create: {} },
    { name: "aoai2", url: "https://voice-aoai2.openai.azure.com", kind: "azure-openai", priority: 2, region: "swedencentral", deployment: "gpt-realtime", create: { size: 1 } },
    { name: "aoai3", url: "https://voice-aoai3.openai.azure.com", kind: "azure-openai", priority: 2, region: "swedencentral", deployment: "gpt-realtime" },
  ];
  raw.upstreamResourceGroups = { au: "rg-a", aoai: "rg-a", aoai2: "rg-b", aoai3: "rg-b" };
  let problems: string[] = [];
  try {
    parseStackConfig("staging", raw);
  } catch (error) {
    problems = (error as StackConfigError).problems.map((p) => `${p.path}: ${p.reason}`);
  }
  expect(problems).toEqual(expect.arrayContaining([
    expect.stringMatching(/^upstreamCreate\.aoai2: Unrecognized key/),
    expect.stringMatching(/^upstreamCreate\.au: the program names the account after the URL's first label/),
    expect.stringMatching(/^upstreamCreate\.au\.deployment: Voice Live uses its managed models/),
    expect.stringMatching(/^upstreamCreate\.aoai\.deployment: required for azure-openai/),
  ]));
  // The group check: rg-b would hold the created aoai2 and the existing aoai3.
  delete raw.upstreams[2].create.size;
  raw.upstreams[2].create.deployment = { model: "gpt-realtime", version: "2025-08-28", capacity: 1 };
  try {
    parseStackConfig("staging", raw);
  } catch (error) {
    problems = (error as StackConfigError).problems.map((p) => `${p.path}: ${p.reason}`);
  }
  expect(problems).toContainEqual(expect.stringMatching(/^upstreamResourceGroups\.aoai2: rg-b holds created \(aoai2\) and existing \(aoai3\) upstreams/));
});
