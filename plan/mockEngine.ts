/**
 * Runs the Pulumi program (stacks/program.ts, the function index.ts runs) under Pulumi's own mock engine
 * with a stack's YAML config and records what it registers: every resource's type, name, parent URN and
 * inputs (secrets replaced by "[secret]"), and the stack outputs. Used by `npm run plan` and by the
 * infra tests. One run per process: Pulumi's runtime state is global.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, readStackFile, parseStackConfig, serializeConfigValue, StackConfigError, type StackConfig } from "../stacks/config";
import { validatePulumiFiles } from "./pulumiFiles";
import type { RegisteredResource } from "../stacks/policies";
import { voicePlatform } from "../stacks/program";
import type { RegistryTokenExchange } from "../stacks/serviceImage";

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
}
interface MonitorLike {
  registerResource(req: RegisterRequest, callback: unknown): unknown;
}

export type RecordedResource = RegisteredResource;

export interface PlanRun {
  stack: string;
  project: string;
  config: StackConfig;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
}

/** Marks a secret value in serialized inputs (Pulumi's wire format). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = pulumi.runtime.specialSigKey;

export const SECRET_PLACEHOLDER = "[secret]";
const MOCK_REDIS_KEY = "mock-redis-key";
const MOCK_ACR_TOKEN = "plan-placeholder-acr-token";
const MOCK_SHARED_KEY = "mock-shared-key";
const MOCK_ACCOUNT_KEY = "mock-account-key";

/**
 * Replaces secrets in a serialized value by "[secret]". Pulumi marks a whole top-level input secret
 * when anything inside it is; inside such an envelope, only the leaves that carry a known secret value
 * are replaced (the rest stays reviewable), and an envelope with no known secret is replaced whole.
 */
export function redactSecrets(value: unknown, knownSecrets: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, knownSecrets));
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (v[SIG_KEY] === SECRET_SIG) {
      const inner = unwrapSecrets(v.value);
      let found = false;
      const scrub = (x: unknown): unknown => {
        if (typeof x === "string" && knownSecrets.some((k) => x.includes(k))) {
          found = true;
          return SECRET_PLACEHOLDER;
        }
        if (Array.isArray(x)) return x.map(scrub);
        if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, c]) => [k, scrub(c)]));
        return x;
      };
      const scrubbed = scrub(inner);
      return found ? scrubbed : SECRET_PLACEHOLDER;
    }
    return Object.fromEntries(Object.entries(v).map(([k, child]) => [k, redactSecrets(child, knownSecrets)]));
  }
  return value;
}

/** The value inside secret envelopes, for the mock's returned state (which must look like Azure's). */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if (v[SIG_KEY] === SECRET_SIG) return unwrapSecrets(v.value);
    return Object.fromEntries(Object.entries(v).map(([k, child]) => [k, unwrapSecrets(child)]));
  }
  return value;
}

const fakeHash = (s: string) => createHash("sha256").update(s).digest("hex");

/** What Azure would return beyond the inputs: ids, host names, keys (all fake, all deterministic). */
function mockState(type: string, name: string, wireInputs: Record<string, unknown>): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- provider state is untyped by nature
  const inputs = unwrapSecrets(wireInputs) as Record<string, any>;
  const rg = inputs.resourceGroupName ?? "rg";
  const id = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${rg}/providers/${type}/${name}`;
  const extra: Record<string, unknown> = { id };
  switch (type) {
    case "azure-native:resources:ResourceGroup":
      extra.name = inputs.resourceGroupName;
      break;
    case "azure-native:managedidentity:UserAssignedIdentity":
      Object.assign(extra, { principalId: `principal-${name}`, clientId: `client-${name}` });
      break;
    case "azure-native:keyvault:Vault":
      extra.name = inputs.vaultName;
      break;
    // The validation token Azure issues for a custom domain (the TXT record's value).
    case "azure-native:cdn:AFDCustomDomain":
      extra.validationProperties = { validationToken: `mock-validation-token-${name}`, expirationDate: "2026-12-10T00:00:00Z" };
      break;
    case "azure-native:keyvault:Secret":
      extra.properties = { ...(inputs.properties ?? {}), secretUri: `https://${inputs.vaultName}.vault.azure.net/secrets/${inputs.secretName}` };
      extra.name = inputs.secretName;
      break;
    case "azure-native:operationalinsights:Workspace":
      Object.assign(extra, { name: inputs.workspaceName, customerId: `customer-${name}` });
      break;
    case "azure-native:applicationinsights:Component":
      extra.connectionString = `InstrumentationKey=mock-${name};IngestionEndpoint=https://${inputs.location}.in.applicationinsights.azure.com/`;
      break;
    case "azure-native:containerregistry:Registry":
      Object.assign(extra, { name: inputs.registryName, loginServer: `${inputs.registryName}.azurecr.io` });
      break;
    case "docker:index/image:Image": {
      const repo = String(inputs.imageName).replace(/:[^:/]+$/, "");
      extra.repoDigest = `${repo}@sha256:${fakeHash(repo)}`;
      break;
    }
    case "azure-native:redis:Redis":
      Object.assign(extra, { name: inputs.name, hostName: `${inputs.name}.redis.cache.windows.net`, sslPort: 6380 });
      break;
    case "azure-native:redisenterprise:RedisEnterprise":
      Object.assign(extra, { name: inputs.clusterName, hostName: `${inputs.clusterName}.${inputs.location}.redis.azure.net` });
      break;
    case "azure-native:redisenterprise:Database":
      extra.name = inputs.databaseName;
      break;
    case "azure-native:app:ManagedEnvironment":
      extra.defaultDomain = `mock.${inputs.location}.azurecontainerapps.io`;
      break;
    case "azure-native:app:ContainerApp":
      extra.configuration = { ...(inputs.configuration ?? {}), ingress: { ...(inputs.configuration?.ingress ?? {}), fqdn: `${inputs.containerAppName}.mock.${inputs.location}.azurecontainerapps.io` } };
      break;
    case "azure-native:cdn:Profile":
      Object.assign(extra, { name: inputs.profileName, frontDoorId: `fdid-${fakeHash(name).slice(0, 8)}` });
      break;
    case "azure-native:cdn:AFDEndpoint":
      Object.assign(extra, { name: inputs.endpointName, hostName: `${inputs.endpointName}-mock.z01.azurefd.net` });
      break;
    case "azure-native:cdn:AFDOriginGroup":
      extra.name = inputs.originGroupName;
      break;
    case "azure-native:monitor:ActionGroup":
      extra.name = inputs.actionGroupName;
      break;
    case "azure-native:network:VirtualNetwork":
      extra.name = inputs.virtualNetworkName;
      break;
    case "azure-native:network:Subnet":
      extra.name = inputs.subnetName;
      break;
    case "azure-native:network:PrivateEndpoint":
      extra.name = inputs.privateEndpointName;
      break;
    case "azure-native:privatedns:PrivateZone":
      extra.name = inputs.privateZoneName;
      break;
    // Azure answers a Traffic Manager profile with its DNS name <relativeName>.trafficmanager.net.
    case "azure-native:trafficmanager:Profile":
      Object.assign(extra, { name: inputs.profileName, dnsConfig: { ...(inputs.dnsConfig ?? {}), fqdn: `${inputs.dnsConfig?.relativeName}.trafficmanager.net` } });
      break;
    case "azure-native:cognitiveservices:Account":
      extra.name = inputs.accountName;
      break;
    case "azure-native:web:AppServicePlan":
      extra.name = inputs.name;
      break;
    case "azure-native:web:WebApp":
      Object.assign(extra, { name: inputs.name, defaultHostName: `${inputs.name}.azurewebsites.net` });
      break;
  }
  return { ...inputs, ...extra };
}

function mockCall(token: string): Record<string, unknown> {
  switch (token) {
    case "azure-native:authorization:getClientConfig":
      return { clientId: "deployer-client", objectId: "deployer-object", subscriptionId: "00000000-0000-0000-0000-000000000000", tenantId: "11111111-1111-1111-1111-111111111111" };
    case "azure-native:authorization:getClientToken":
      return { token: "mock-arm-token" };
    case "azure-native:operationalinsights:getSharedKeys":
      return { primarySharedKey: MOCK_SHARED_KEY, secondarySharedKey: `${MOCK_SHARED_KEY}-2` };
    case "azure-native:cognitiveservices:listAccountKeys":
      return { key1: MOCK_ACCOUNT_KEY, key2: `${MOCK_ACCOUNT_KEY}-2` };
    case "azure-native:redis:listRedisKeys":
    case "azure-native:redisenterprise:listDatabaseKeys":
      return { primaryKey: MOCK_REDIS_KEY, secondaryKey: `${MOCK_REDIS_KEY}-2` };
    default:
      throw new Error(`mock engine: no mock for ${token}`);
  }
}

/** Placeholder secrets: secrets are never committed, so the plan stands in for them, clearly marked. */
export function placeholderSecrets(config: StackConfig): Record<string, string> {
  const keys = Object.fromEntries(config.upstreams.filter((u) => u.auth === "key").map((u) => [u.name, `plan-placeholder-key-${u.name}`]));
  return { [`${PROJECT}:upstreamKeys`]: JSON.stringify(keys), [`${PROJECT}:alertWebhookUrl`]: "https://plan-placeholder.invalid/webhook" };
}

const REPO_ROOT = join(__dirname, "..");

/**
 * `stackDir` holds Pulumi.<stack>.yaml (the repository by default); the program is always this repository's.
 * `secrets`: further secret config values by key (e.g. `costRecordSalt`), as `pulumi config set --secret` sets them.
 */
export async function runProgram(stack: string, stackDir = REPO_ROOT, secrets: Record<string, string> = {}): Promise<PlanRun> {
  // Validation first: a bad project or stack file stops here with every problem, as `pulumi up` would.
  const fileProblems = validatePulumiFiles(REPO_ROOT, stackDir, stack);
  if (fileProblems.length > 0) throw new StackConfigError(fileProblems.map((p) => ({ stack, path: `${p.file}: ${p.path}`, reason: p.reason })));
  const raw = readStackFile(stack, stackDir);
  const config = parseStackConfig(stack, raw);

  const recorded = new Map<string, RecordedResource>();
  const placeholders = placeholderSecrets(config);
  // Every secret value the plan itself supplies (stand-ins for the stack's secrets and the mocked keys).
  const knownSecrets = [
    ...Object.values(JSON.parse(placeholders[`${PROJECT}:upstreamKeys`]) as Record<string, string>),
    placeholders[`${PROJECT}:alertWebhookUrl`], MOCK_REDIS_KEY, MOCK_ACR_TOKEN, MOCK_SHARED_KEY, MOCK_ACCOUNT_KEY,
    ...Object.values(secrets),
  ];
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      const record = recorded.get(`${args.type}::${args.name}`);
      if (record) record.inputs = redactSecrets(args.inputs, knownSecrets) as Record<string, unknown>;
      return { id: args.custom ? `${args.name}-id` : "", state: mockState(args.type, args.name, args.inputs) };
    },
    call: (args) => mockCall(args.token),
  }, PROJECT, stack, false);

  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) values[`${PROJECT}:${key}`] = serializeConfigValue(value);
  Object.assign(values, placeholders);
  for (const [key, value] of Object.entries(secrets)) values[`${PROJECT}:${key}`] = value;
  pulumi.runtime.setAllConfig(values, [`${PROJECT}:upstreamKeys`, `${PROJECT}:alertWebhookUrl`, ...Object.keys(secrets).map((k) => `${PROJECT}:${k}`)]);

  // The mock engine does not hand parents to `newResource`; the registration request carries them.
  const monitor = (require("@pulumi/pulumi/runtime/settings") as { getMonitor(): MonitorLike }).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    recorded.set(`${req.getType()}::${req.getName()}`, {
      type: req.getType(), name: req.getName(), parent: req.getParent() || null, inputs: {}, dependsOn: req.getDependenciesList(),
      ignoreChanges: req.getIgnorechangesList(),
    });
    return register(req, callback);
  };

  const exchange: RegistryTokenExchange = async () => MOCK_ACR_TOKEN;
  const program = voicePlatform({ contextDir: REPO_ROOT, exchangeRegistryToken: exchange });

  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) {
    outputs[key] = pulumi.Output.isInstance(value) ? await new Promise((resolve) => value.apply(resolve)) : value;
  }
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> }).waitForRPCs();
  return { stack, project: PROJECT, config, resources: [...recorded.values()], outputs };
}
