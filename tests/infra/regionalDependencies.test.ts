/**
 * What a region needs to start new replicas when the first region (where the registry and the stack's
 * Key Vault live) is lost, on the two-region stack (Pulumi.global.yaml) under the mock engine: the
 * registry geo-replicated (Premium) to the second region, a Key Vault per region holding the same secret
 * names, each app reading its own region's vault; and the policy that refuses a stack breaking either.
 * A single-region stack registers none of it (and tests/infra/singleRegion.ts proves it unchanged).
 */
import { runProgram, SECRET_PLACEHOLDER, type PlanRun } from "../../plan/mockEngine";
import { regionalDependencyFindings, runPolicies, type RegisteredResource } from "../../stacks/policies";
import { packVerdicts } from "./policyParity";
import { regionLines } from "../../plan/summary";
import type { Loose } from "../support/plan";

let run: PlanRun;
let small: PlanRun;
const of = (r: PlanRun, type: string) => r.resources.filter((x) => x.type === type);
const inputs = (type: string): Loose[] => of(run, type).map((r) => r.inputs);
const appIn = (location: string): Loose => inputs("azure-native:app:ContainerApp").find((a) => a.location === location);
const urn = (type: string, name: string) => expect.stringMatching(new RegExp(`\\$${type.replace(/[$]/g, "\\$")}::${name}$`));

beforeAll(async () => {
  run = await runProgram("global");
  small = await runProgram("small");
}, 90_000);

test("the registry is Premium and geo-replicated to the second region; both apps pull from its one login server", () => {
  const [registry] = of(run, "azure-native:containerregistry:Registry");
  expect(registry.inputs).toMatchObject({ sku: { name: "Premium" }, location: "eastus2" });
  const replicas = inputs("azure-native:containerregistry:Replication");
  expect(replicas.map((r) => [r.replicationName, r.location, r.registryName, r.resourceGroupName])).toEqual([
    ["swedencentral", "swedencentral", registry.inputs.registryName, "rg-voice-platform-global"],
  ]);
  const servers = inputs("azure-native:app:ContainerApp").map((a) => a.configuration.registries.map((r: Loose) => r.server));
  expect(servers).toEqual([[`${registry.inputs.registryName}.azurecr.io`], [`${registry.inputs.registryName}.azurecr.io`]]);
  // The second region's app waits for its replica; the first region's (the registry's home) has none to wait for.
  const [us, se] = of(run, "azure-native:app:ContainerApp");
  expect(se.dependsOn).toContainEqual(urn("azure-native:containerregistry:Replication", "image-replica-swedencentral"));
  expect(us.dependsOn!.filter((d) => d.includes("Replication"))).toEqual([]);
});

test("a Key Vault per region with the same secret names; each app reads only its own region's vault, with the one identity", () => {
  const vaults = of(run, "azure-native:keyvault:Vault");
  expect(vaults.map((v) => [v.inputs.location, v.inputs.resourceGroupName])).toEqual([["eastus2", "rg-voice-platform-global"], ["swedencentral", "rg-voice-platform-global-se"]]);
  const byLocation = Object.fromEntries(vaults.map((v) => [v.inputs.location, v.inputs.vaultName as string]));
  // Every secret the program writes, in both vaults, under the same names, all values secret.
  const secrets = inputs("azure-native:keyvault:Secret");
  const namesIn = (vault: string) => secrets.filter((s) => s.vaultName === vault).map((s) => s.secretName).sort();
  expect(namesIn(byLocation.eastus2)).toEqual(namesIn(byLocation.swedencentral));
  expect(namesIn(byLocation.eastus2)).toEqual(expect.arrayContaining(["peer-redis-urls", "redis-key", "redis-url", "upstream-se1-api-key", "upstream-us1-api-key"]));
  expect(namesIn(byLocation.eastus2)).toHaveLength(19); // 16 upstream keys, redis-url, redis-key, peer-redis-urls
  expect(secrets.every((s) => s.properties.value === SECRET_PLACEHOLDER)).toBe(true);
  for (const location of ["eastus2", "swedencentral"]) {
    const app = appIn(location);
    const hosts = new Set(app.configuration.secrets.map((s: Loose) => new URL(s.keyVaultUrl).hostname));
    expect([...hosts]).toEqual([`${byLocation[location]}.vault.azure.net`]);
    expect(app.configuration.secrets.map((s: Loose) => s.name).sort()).toEqual(namesIn(byLocation[location]));
  }
  // One identity: the second vault creates none and grants it Key Vault Secrets User; its app waits for that.
  expect(of(run, "azure-native:managedidentity:UserAssignedIdentity")).toHaveLength(1);
  const readers = of(run, "azure-native:authorization:RoleAssignment").filter((r) => r.name.endsWith("secrets-user"));
  expect(readers.map((r) => [r.name, r.inputs.scope, r.inputs.principalId])).toEqual([
    ["vault-secrets-user", "vault-kv-id", "principal-vault-identity"], ["vault-se-secrets-user", "vault-se-kv-id", "principal-vault-identity"],
  ]);
  const [us, se] = of(run, "azure-native:app:ContainerApp");
  expect(se.dependsOn).toContainEqual(urn("azure-native:authorization:RoleAssignment", "vault-se-secrets-user"));
  expect(us.dependsOn).not.toContainEqual(urn("azure-native:authorization:RoleAssignment", "vault-se-secrets-user"));
  expect(run.outputs.regions).toEqual([
    expect.objectContaining({ name: "us", keyVaultName: byLocation.eastus2 }), expect.objectContaining({ name: "se", keyVaultName: byLocation.swedencentral }),
  ]);
});

test("private network: each VNet reaches its own region's vault; the registry's endpoints wait for the replica and their subnet has room for its data endpoints", () => {
  const endpoints = of(run, "azure-native:network:PrivateEndpoint");
  const target = (e: Loose) => e.inputs.privateLinkServiceConnections[0];
  const vaultEndpoints = endpoints.filter((e) => target(e).groupIds[0] === "vault").map((e) => [e.inputs.location, target(e).privateLinkServiceId]);
  expect(vaultEndpoints).toEqual([["eastus2", "vault-kv-id"], ["swedencentral", "vault-se-kv-id"]]);
  const registryEndpoints = endpoints.filter((e) => target(e).groupIds[0] === "registry");
  expect(registryEndpoints).toHaveLength(2);
  for (const e of registryEndpoints) expect(e.dependsOn).toContainEqual(urn("azure-native:containerregistry:Replication", "image-replica-swedencentral"));
  // 4 endpoints x 2 addresses + 1 more for the second region's registry data endpoint + 5 reserved = 14: a /28 holds it.
  expect(inputs("azure-native:network:Subnet").filter((s) => s.subnetName === "private-endpoints").map((s) => s.addressPrefix)).toEqual(["10.60.0.32/28", "10.60.4.32/28"]);
});

test("the plan says, per region, which vault and which registry copy a new replica needs", () => {
  const lines = regionLines(run).filter((l) => l.includes("new replicas read"));
  expect(lines).toEqual([
    expect.stringMatching(/^ {4}new replicas read Key Vault kvvoiceplatformg[0-9a-f]{6} \(eastus2\); pull acrvoiceplatformglobal[0-9a-f]{6}\.azurecr\.io from its home in eastus2 \(Premium\)$/),
    expect.stringMatching(/^ {4}new replicas read Key Vault kvvoiceplatform[0-9a-f]{6}-se \(swedencentral\); pull acrvoiceplatformglobal[0-9a-f]{6}\.azurecr\.io from its geo-replica in swedencentral \(Premium\)$/),
  ]);
});

test("the budget lists the registry's geo-replica and the second vault", () => {
  const lines = (run.outputs.budgetDerivation as string[]).join("\n");
  expect(lines).toMatch(/regions: 1 registry geo-replica\(s\), each \$50\.71\/month/);
  expect(lines).toMatch(/regions: 1 more Key Vault\(s\) \$0\.00\/month/);
});

test("the policy: every region's app reads a vault in its region and pulls from a registry with a copy there; the pack agrees", () => {
  expect(regionalDependencyFindings(run.resources)).toEqual([]);
  const clone = (r: RegisteredResource, change: (i: Loose) => void): RegisteredResource => {
    const i = JSON.parse(JSON.stringify(r.inputs));
    change(i);
    return { ...r, inputs: i };
  };
  const [registry] = of(run, "azure-native:containerregistry:Registry");
  const [usVault] = of(run, "azure-native:keyvault:Vault");
  // The second region's app pointed back at the first region's vault, as it was before vaults per region.
  const sharedVault = run.resources.map((r) => r.type === "azure-native:app:ContainerApp" && r.inputs.location === "swedencentral"
    ? clone(r, (i) => { for (const s of i.configuration.secrets) s.keyVaultUrl = s.keyVaultUrl.replace(/^https:\/\/[^.]+/, `https://${usVault.inputs.vaultName}`); })
    : r);
  const findings = regionalDependencyFindings(sharedVault);
  expect(findings).toHaveLength(19);
  expect(findings[0]).toBe(`ca-voice-platform-global-se (swedencentral): secret upstream-us1-api-key is read from vault ${usVault.inputs.vaultName} in eastus2; each region's app reads a vault in its own region`);
  // No geo-replica, and a Basic registry.
  const unreplicated = run.resources.filter((r) => r.type !== "azure-native:containerregistry:Replication")
    .map((r) => (r === registry ? clone(r, (i) => { i.sku = { name: "Basic" }; }) : r));
  expect(regionalDependencyFindings(unreplicated)).toEqual([
    `registry ${registry.inputs.registryName}: Basic cannot be geo-replicated; several regions need Premium`,
    `ca-voice-platform-global-se (swedencentral): registry ${registry.inputs.registryName} has no copy in swedencentral (home and geo-replicas: eastus2)`,
  ]);
  for (const broken of [sharedVault, unreplicated]) {
    const verdicts = runPolicies("global", broken).filter((p) => p.policy === "every-region-starts-replicas-on-its-own");
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.every((v) => v.level === "mandatory")).toBe(true);
    expect(packVerdicts("global", broken)).toEqual(runPolicies("global", broken));
  }
});

test("a single-region stack: no geo-replica, one vault, the registry as its network setting chooses, nothing for the policy to judge", () => {
  expect(of(small, "azure-native:containerregistry:Replication")).toEqual([]);
  expect(of(small, "azure-native:keyvault:Vault")).toHaveLength(1);
  expect((of(small, "azure-native:containerregistry:Registry")[0].inputs as Loose).sku.name).toBe(small.config.network.enabled ? "Premium" : "Basic");
  expect(regionalDependencyFindings(small.resources)).toEqual([]);
  expect((small.outputs.budgetDerivation as string[] | undefined ?? []).join("\n")).not.toMatch(/geo-replica/);
});
