/**
 * What `plan` checks beyond the program itself, before anyone runs `pulumi up`: each upstream's region
 * and model against Microsoft's availability tables, the Redis and App Service choices a new tenant
 * trips over, placeholder values left in the stack file, the secrets the stack still needs, and the
 * roles the deploying identity needs. Pure: config and registered resources in, lines out.
 */
import { apiKeyEnvOf } from "../contracts";
import {
  APP_SERVICE_VCPUS, AZURE_CACHE_FOR_REDIS, AZURE_OPENAI_MODEL_REGIONS, BUILT_IN_ROLES, CONTRIBUTOR_ROLE_NAME, VOICE_LIVE_MODEL_REGIONS, type RegionOffer,
} from "./azureLiterals";
import { isProduction, PROJECT, type StackConfig } from "./config";
import type { RegisteredResource } from "./policies";
import { isAzureCacheForRedis } from "./redisStore";

export interface Preflight {
  /** Stop the plan (exit 1): `pulumi up` would deploy something that cannot work. */
  errors: string[];
  warnings: string[];
}

type Upstream = StackConfig["upstreams"][number];

/** The realtime model an upstream asks for: Voice Live names it; an Azure OpenAI deployment is matched by its name's prefix. */
export function upstreamModel(u: Upstream): string | undefined {
  if (u.kind === "voice-live") return u.model;
  const name = (u.deployment ?? "").toLowerCase();
  return Object.keys(AZURE_OPENAI_MODEL_REGIONS.models).sort((a, b) => b.length - a.length).find((m) => name === m || name.startsWith(`${m}-`));
}

/**
 * Each upstream's model against the region its resource is in. A model not offered there is an error in
 * a production stack and a warning elsewhere; a model the table does not list is a warning (not checked).
 */
export function availability(stack: string, config: Pick<StackConfig, "upstreams">): Preflight {
  const out: Preflight = { errors: [], warnings: [] };
  config.upstreams.forEach((u, i) => {
    const table = u.kind === "voice-live" ? VOICE_LIVE_MODEL_REGIONS : AZURE_OPENAI_MODEL_REGIONS;
    const model = upstreamModel(u);
    const key = `upstreams.${i} (${u.name})`;
    if (!model || !table.models[model]) {
      out.warnings.push(`${key}: ${u.kind} ${u.kind === "voice-live" ? `model "${u.model}"` : `deployment "${u.deployment}"`} is not in the availability table (read ${table.read} from ${table.source}); its region was not checked`);
      return;
    }
    const offers: RegionOffer[] = table.models[model];
    const here = offers.find((o) => o.region === u.region);
    if (here) return;
    const message = `${key}: ${u.kind} model ${model} is not offered in ${u.region}; it is in ${offers.map((o) => `${o.region} (${o.deployment})`).join(", ")} (read ${table.read} from ${table.source})`;
    (isProduction(stack) ? out.errors : out.warnings).push(message);
  });
  return out;
}

/** Choices that work only for some tenants or waste what they pay for. */
export function choiceWarnings(config: Pick<StackConfig, "redis" | "hosting" | "appService">): string[] {
  const warnings: string[] = [];
  if (isAzureCacheForRedis(config.redis.sku)) {
    warnings.push(`redis.sku ${config.redis.sku} is Azure Cache for Redis: only tenants that had an Azure Cache for Redis before ${AZURE_CACHE_FOR_REDIS.creationCutoff} can create one (it retires ${AZURE_CACHE_FOR_REDIS.retirement}); a new tenant's \`pulumi up\` fails here. Use Balanced_B0 or Balanced_B1 (Azure Managed Redis) unless this tenant has one`);
  }
  if (config.hosting === "appService") {
    const vcpus = APP_SERVICE_VCPUS[config.appService.sku];
    if (vcpus > APP_SERVICE_VCPUS.P1v3) warnings.push(`appService.sku ${config.appService.sku} has ${vcpus} vCPUs per instance; the proxy is one Node process and uses one of them: P1v3 (${APP_SERVICE_VCPUS.P1v3} vCPUs) carries the same sessions per instance for less`);
  }
  return warnings;
}

/** A value a stack file ships with that must be replaced by the customer's own. */
export interface Placeholder {
  path: string;
  value: string;
  reason: string;
}

// RFC 2606 / RFC 6761 reserved names, and the all-zero GUID prefix the examples use for tenants and apps.
const RESERVED_HOST = /(^|[.@/])(example\.(com|net|org)|[a-z0-9-]+\.(example|invalid|test|localhost))([/:?#]|$)/i;
const ZERO_GUID = /00000000-0000-0000-0000-[0-9a-f]{12}/i;

/** Every placeholder in the stack's configuration, with its dotted key. */
export function placeholders(config: StackConfig): Placeholder[] {
  const found: Placeholder[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === "string") {
      if (RESERVED_HOST.test(value)) found.push({ path, value, reason: "a reserved example domain (RFC 2606)" });
      else if (ZERO_GUID.test(value)) found.push({ path, value, reason: value.includes("00000000-0000-0000-0000-000000000000") ? "the all-zero tenant id" : "an all-zero example GUID" });
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}.${i}`));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
  };
  walk(config, "");
  return found;
}

/** A secret the stack needs in its encrypted config before `pulumi up`. */
export interface RequiredSecret {
  key: string;
  required: boolean;
  command: string;
  why: string;
}

export function requiredSecrets(stack: string, config: Pick<StackConfig, "upstreams"> & Partial<Pick<StackConfig, "upstreamCreate">>): RequiredSecret[] {
  return [
    // A created account's key goes to Key Vault from the account itself.
    ...config.upstreams.filter((u) => u.auth === "key" && !config.upstreamCreate?.[u.name]).map((u) => ({
      key: `upstreamKeys.${u.name}`, required: true,
      command: `pulumi config set --secret --path '${PROJECT}:upstreamKeys.${u.name}' '<key of ${u.url}>' -s ${stack}`,
      why: `stored in Key Vault, the app's ${apiKeyEnvOf(u)}`,
    })),
    {
      key: "alertWebhookUrl", required: false,
      command: `pulumi config set --secret '${PROJECT}:alertWebhookUrl' '<PagerDuty Events API or other webhook URL>' -s ${stack}`,
      why: "optional: the action group's webhook (e-mail only without it)",
    },
    {
      key: "costRecordSalt", required: false,
      command: `pulumi config set --secret '${PROJECT}:costRecordSalt' "$(openssl rand -base64 32)" -s ${stack}`,
      why: "optional: cost records and session logs carry a pseudonymous user (HMAC of the token's subject) only with it",
    },
  ];
}

/** The `before pulumi up` list: every secret key and every placeholder, one line each. */
export function beforeUpLines(stack: string, config: StackConfig): string[] {
  return [
    "before `pulumi up`, set:",
    ...requiredSecrets(stack, config).map((s) => `  ${s.required ? "secret " : "secret (optional) "}${s.key}: ${s.command}   # ${s.why}`),
    ...placeholders(config).map((p) => `  ${p.path}: ${JSON.stringify(p.value)} is ${p.reason}: put the real value in Pulumi.${stack}.yaml`),
  ];
}

/** Placeholders stop a production plan: they would ship as the stack's real settings. */
export function placeholderErrors(stack: string, config: StackConfig): string[] {
  if (!isProduction(stack)) return [];
  return placeholders(config).map((p) => `${p.path}: ${JSON.stringify(p.value)} is ${p.reason}; a production stack cannot ship it`);
}

const ROLE_NAMES = Object.fromEntries(Object.values(BUILT_IN_ROLES).map((r) => [r.id, r.name]));

/**
 * The roles the identity running `pulumi up` needs, from what the program registers: it creates the
 * resource group and a budget at subscription scope (Contributor there covers both, and Cost Management's
 * budget write), and role assignments, which Contributor cannot write (its NotActions exclude
 * Microsoft.Authorization/*\/Write): those need Owner, User Access Administrator or Role Based Access
 * Control Administrator. The scope is the subscription: the group does not exist before the first run.
 */
export function deployerRoles(resources: RegisteredResource[]): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- registered inputs are untyped
  const inputs = (type: string) => resources.filter((r) => r.type === type).map((r) => r.inputs as any);
  const assignments = inputs("azure-native:authorization:RoleAssignment");
  const [budget] = inputs("azure-native:consumption:Budget");
  const [group] = inputs("azure-native:resources:ResourceGroup");
  const assigned = [...new Set(assignments.map((a) => ROLE_NAMES[String(a.roleDefinitionId).split("/").pop() ?? ""] ?? String(a.roleDefinitionId)))];
  const owner = BUILT_IN_ROLES.owner.name;
  const uaa = BUILT_IN_ROLES.userAccessAdministrator.name;
  const rbac = BUILT_IN_ROLES.roleBasedAccessControlAdministrator.name;
  const lines = ["deployer needs (the identity that runs `pulumi up`), on the subscription:"];
  lines.push(assignments.length > 0
    ? `  ${owner}, or ${CONTRIBUTOR_ROLE_NAME} plus ${uaa} or ${rbac} (${CONTRIBUTOR_ROLE_NAME} alone cannot write role assignments)`
    : `  ${CONTRIBUTOR_ROLE_NAME} (or ${owner})`);
  const why = [
    ...(group ? [`creates resource group ${group.resourceGroupName}`] : []),
    ...(budget ? [`a budget at ${budget.scope} (${CONTRIBUTOR_ROLE_NAME} there includes Microsoft.Consumption/budgets/write)`] : []),
    ...(assignments.length > 0 ? [`${assignments.length} role assignments for the app's identity (${assigned.join(", ")})`] : []),
  ];
  if (why.length) lines.push(`  because it ${why.join(", ")}`);
  return lines;
}
