/** plan's checks before `pulumi up`: availability, choices, placeholders, secrets, the deployer's roles. */
import { loadStackConfigFile, type StackConfig } from "./config";
import type { RegisteredResource } from "./policies";
import { availability, beforeUpLines, choiceWarnings, deployerRoles, placeholderErrors, placeholders, requiredSecrets } from "./preflight";

const root = `${__dirname}/..`;
const prod = () => loadStackConfigFile("prod", root);
const upstream = (over: Partial<StackConfig["upstreams"][number]>) => ({ name: "x", url: "https://x.services.ai.azure.com", kind: "voice-live" as const, priority: 1, auth: "key" as const, ...over });

test("a model the region does not offer: an error in prod naming the upstream, a warning elsewhere", () => {
  // Speech regions page, Voice live tab (read 2026-12-03): gpt-realtime is "-" in australiaeast, global standard in eastus2.
  const au = { upstreams: [upstream({ name: "au", region: "australiaeast", model: "gpt-realtime" })] };
  expect(availability("prod", au).errors).toEqual([expect.stringMatching(/^upstreams\.0 \(au\): voice-live model gpt-realtime is not offered in australiaeast; it is in .*eastus2 \(Global standard\)/)]);
  expect(availability("staging", au)).toEqual({ errors: [], warnings: [expect.stringContaining("not offered in australiaeast")] });
  expect(availability("prod", { upstreams: [upstream({ region: "eastus2", model: "gpt-realtime" }), upstream({ name: "w", region: "westus2", model: "gpt-realtime-mini" })] })).toEqual({ errors: [], warnings: [] });
  // Azure OpenAI: the deployment's name prefix picks the model; gpt-realtime deploys from eastus2 and swedencentral.
  const aoai = (region: string, deployment: string) => availability("prod", { upstreams: [upstream({ kind: "azure-openai", region, deployment, model: undefined })] });
  expect(aoai("swedencentral", "gpt-realtime-2025-08-28").errors).toEqual([]);
  expect(aoai("australiaeast", "gpt-realtime").errors).toHaveLength(1);
  expect(aoai("eastus2", "my-voice-deployment").warnings).toEqual([expect.stringContaining("not in the availability table")]);
  // The shipped prod stack passes.
  expect(availability("prod", prod())).toEqual({ errors: [], warnings: [] });
});

test("Azure Cache for Redis warns with the tenant restriction; a many-core App Service plan warns", () => {
  const base = { hosting: "containerApps" as const, appService: { sku: "P1v3" as const } };
  expect(choiceWarnings({ ...base, redis: { sku: "Standard_C1" } })).toEqual([expect.stringMatching(/Standard_C1 is Azure Cache for Redis: only tenants that had an Azure Cache for Redis before 2026-04-01 can create one/)]);
  expect(choiceWarnings({ ...base, redis: { sku: "Balanced_B0" } })).toEqual([]);
  expect(choiceWarnings({ hosting: "appService", appService: { sku: "P2v3" }, redis: { sku: "Balanced_B0" } })).toEqual([expect.stringContaining("P2v3 has 4 vCPUs")]);
  expect(choiceWarnings({ hosting: "appService", appService: { sku: "P1v3" }, redis: { sku: "Balanced_B0" } })).toEqual([]);
});

test("placeholders: example domains and all-zero GUIDs, by key; they fail prod only", () => {
  const c = prod();
  expect(placeholders(c).map((p) => p.path)).toEqual(["alerts.emails.0", "budget.financeEmails.0", "budget.financeEmails.1", "allowedOrigins.0", "auth.issuer", "auth.audience", "auth.jwksUrl"]);
  expect(placeholders(c).find((p) => p.path === "auth.issuer")?.reason).toBe("the all-zero tenant id");
  expect(placeholderErrors("prod", c)).toHaveLength(7);
  expect(placeholderErrors("staging", c)).toEqual([]);
  const real = { ...c, alerts: { ...c.alerts, emails: ["oncall@acme-interviews.com.au"] }, budget: { ...c.budget, financeEmails: ["finance@acme-interviews.com.au"] }, allowedOrigins: ["https://interviews.acme-interviews.com.au"],
    auth: { issuer: "https://login.microsoftonline.com/3f2a9c1e-7b4d-4e8a-9f10-2c5d6e7f8a9b/v2.0", audience: "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", jwksUrl: "https://login.microsoftonline.com/3f2a9c1e-7b4d-4e8a-9f10-2c5d6e7f8a9b/discovery/v2.0/keys" } };
  expect(placeholders(real)).toEqual([]);
  expect(placeholders({ ...real, allowedOrigins: ["https://app.contoso.example"] }).map((p) => p.path)).toEqual(["allowedOrigins.0"]);
});

test("before `pulumi up`: every upstream key secret, the optional webhook and salt, then every placeholder", () => {
  const c = prod();
  expect(requiredSecrets("prod", c).map((s) => [s.key, s.required])).toEqual([["upstreamKeys.us", true], ["upstreamKeys.se", true], ["alertWebhookUrl", false], ["costRecordSalt", false]]);
  const lines = beforeUpLines("prod", c);
  expect(lines[0]).toBe("before `pulumi up`, set:");
  expect(lines[1]).toContain("pulumi config set --secret --path 'voice-platform:upstreamKeys.us'");
  expect(lines.filter((l) => l.includes("put the real value in Pulumi.prod.yaml"))).toHaveLength(7);
  // Entra upstreams need no key.
  expect(requiredSecrets("s", { upstreams: [upstream({ auth: "entra", region: "eastus2", model: "gpt-realtime" })] }).map((s) => s.key)).toEqual(["alertWebhookUrl", "costRecordSalt"]);
});

test("the deployer's roles follow what the program registers", () => {
  const r = (type: string, inputs: Record<string, unknown>): RegisteredResource => ({ type, name: type, parent: null, inputs });
  const resources = [
    r("azure-native:resources:ResourceGroup", { resourceGroupName: "rg-x" }),
    r("azure-native:consumption:Budget", { scope: "/subscriptions/s" }),
    // AcrPull's id as its role definition gives it (azure-rbac-catalog.org, read 2026-12-03).
    r("azure-native:authorization:RoleAssignment", { roleDefinitionId: "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d" }),
  ];
  expect(deployerRoles(resources)).toEqual([
    "deployer needs (the identity that runs `pulumi up`), on the subscription:",
    "  Owner, or Contributor plus User Access Administrator or Role Based Access Control Administrator (Contributor alone cannot write role assignments)",
    "  because it creates resource group rg-x, a budget at /subscriptions/s (Contributor there includes Microsoft.Consumption/budgets/write), 1 role assignments for the app's identity (AcrPull)",
  ]);
  expect(deployerRoles(resources.slice(0, 2))[1]).toBe("  Contributor (or Owner)");
});
