/**
 * Everything a stack chooses, validated once (zod) for `npm run plan` and `pulumi up` alike. Every
 * problem is reported at once with its stack, dotted path and reason.
 */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { DEFAULT_SESSIONS_PER_REPLICA, LATENCY_BUCKETS_MS, SESSION_DEFAULTS, UpstreamListSchema } from "../contracts";
import { catalogIds, findCatalogForUpstream } from "../cost";
import { CustomDomainSchema } from "./customDomain";
import { networkProblems } from "./networkSizing";
import { REGION_NAME, regionProblems } from "./regions";
import { COGNITIVE_SERVICES } from "./azureLiterals";

export const PROJECT = "voice-platform";

/** Azure regions that offer Container Apps (public cloud), as `az account list-locations` names them. */
export const AZURE_REGIONS = [
  "australiacentral", "australiaeast", "australiasoutheast", "brazilsouth", "canadacentral", "canadaeast",
  "centralindia", "centralus", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral",
  "italynorth", "japaneast", "japanwest", "koreacentral", "northcentralus", "northeurope", "norwayeast",
  "polandcentral", "qatarcentral", "southafricanorth", "southcentralus", "southeastasia", "southindia",
  "spaincentral", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "ukwest", "westcentralus",
  "westeurope", "westus", "westus2", "westus3",
] as const;

const Region = z.string().superRefine((r, ctx) => {
  if (!(AZURE_REGIONS as readonly string[]).includes(r)) {
    ctx.addIssue({ code: "custom", message: `unknown Azure region "${r}" (expected one of ${AZURE_REGIONS.join(", ")})` });
  }
});
const Email = z.email("not a valid e-mail address");
const positiveInt = z.number().int().positive();
/**
 * Resource group names: 1-90 characters, letters, digits, underscores, hyphens, periods and parentheses,
 * not ending in a period (ARM naming rules for Microsoft.Resources/resourcegroups, learn.microsoft.com
 * "Naming rules and restrictions for Azure resources", read 2026-11). ASCII only here.
 */
export const RESOURCE_GROUP_NAME = /^[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]$/;

/** Container Apps consumption: each vCPU comes with 2 GiB. */
export const CPU_CHOICES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 4] as const;
/**
 * The Redis SKUs a stack may choose. The Balanced (Azure Managed Redis) names are the ARM sku.name values
 * of stacks/azureLiterals.ts MANAGED_REDIS_BALANCED (sourced there); B3/B5 for a multi-region stack's
 * resume state (stacks/globalCapacity.ts sizes it).
 */
export const REDIS_SKUS = ["Basic_C1", "Standard_C1", "Premium_P1", "Balanced_B0", "Balanced_B1", "Balanced_B3", "Balanced_B5"] as const;
/** Where the proxy runs: Container Apps (the default), or an App Service plan (the seed's Option C). */
export const HOSTING_CHOICES = ["containerApps", "appService"] as const;
export type Hosting = (typeof HOSTING_CHOICES)[number];
/** Linux Premium v3 plans (the tier with the instance counts and always-on a voice proxy needs). */
export const APP_SERVICE_SKUS = ["P1v3", "P2v3", "P3v3"] as const;
/**
 * Premium v3 scales a plan to at most 30 instances ("App Service limits", Azure subscription and service
 * limits, learn.microsoft.com, read 2026-11).
 */
export const APP_SERVICE_MAX_INSTANCES = 30;

/**
 * The private network: a workload-profiles environment in its own subnet, private endpoints for Redis,
 * Key Vault and the registry, Front Door Premium over Private Link. Sizes and SKUs follow from it
 * (stacks/networkSizing.ts). `registryPushCidrs`: IPv4 ranges that may push the image to the registry's
 * public endpoint (everything else denied); empty keeps the registry private, so `pulumi up` must run
 * from inside the VNet or a network peered with it.
 */
const NetworkSchema = z.object({
  enabled: z.boolean().default(false),
  addressSpace: z.string().default("10.60.0.0/22"),
  registryPushCidrs: z.array(z.string()).max(100).default([]),
}).default({ enabled: false, addressSpace: "10.60.0.0/22", registryPushCidrs: [] });

/**
 * The Front Door WAF policy. `upgradeRateLimit`: WebSocket upgrades a client IP may open per window
 * (Front Door's rateLimitDurationInMinutes takes 0-5, default 1: Microsoft.Network/
 * FrontDoorWebApplicationFirewallPolicies 2025-11-01, Azure/bicep-types-az types.md, read 2026-12-03).
 * `allowedCountries`: two-letter country codes; when given, upgrades from elsewhere are blocked.
 * `managedRuleSets`: Microsoft's default and bot rule sets, Premium only.
 */
const WafSchema = z.object({
  enabled: z.boolean().default(false),
  mode: z.enum(["Prevention", "Detection"]).default("Prevention"),
  upgradeRateLimit: z.object({
    threshold: positiveInt.max(100000).default(60),
    durationMinutes: z.number().int().min(1).max(5).default(1),
  }).default({ threshold: 60, durationMinutes: 1 }),
  allowedCountries: z.array(z.string().regex(/^[A-Z]{2}$/, "a two-letter country code in capitals (e.g. AU)")).max(100).default([]),
  blockedIpRanges: z.array(z.string()).max(100).default([]),
  managedRuleSets: z.boolean().default(false),
}).default({ enabled: false, mode: "Prevention", upgradeRateLimit: { threshold: 60, durationMinutes: 1 }, allowedCountries: [], blockedIpRanges: [], managedRuleSets: false });

/**
 * Several regions (stacks/regions.ts, docs/regions.md): 1-5 entries, the first being `location`. Absent:
 * the stack runs in `location` alone, exactly as before. `addressSpace` (network.enabled only): the
 * region's VNet; by default network.addressSpace shifted by the region's index.
 */
const RegionsSchema = z.array(z.object({
  name: z.string().regex(REGION_NAME, "1-8 lowercase letters and digits, starting with a letter (it becomes part of resource names)"),
  location: Region,
  addressSpace: z.string().optional(),
  /**
   * The hour (UTC) the region's users' business day starts: the capacity plan puts each region's share of
   * the day on its own curve (default 8). Planning only.
   */
  busyStartHourUtc: z.number().int().min(0).max(23).optional(),
})).min(1, "at least one region").max(5, "at most 5 regions");

/**
 * The concurrent sessions the stack must carry at its busiest, plus headroom: sizes the Front Door
 * profiles (3,000 WebSockets each) and the replicas each region needs to carry it alone.
 */
const CapacitySchema = z.object({
  peakConcurrentSessions: positiveInt.max(1_000_000),
  headroomPercent: z.number().min(0, "must be >= 0").max(500).default(20),
  /**
   * The Container Apps Consumption cores quota of each region's environment, when support has raised it
   * (published default 100, adjustable: stacks/azureLiterals.ts). The plan lists the raise as a request.
   */
  environmentCoresQuota: positiveInt.max(5_000).optional(),
});

/**
 * `create` on an upstream entry: the program creates the resource (a Foundry / AI Services account in the
 * entry's region and resource group, named by the URL's first label) and, for an Azure OpenAI upstream,
 * its model deployment; a key-auth upstream's key goes to Key Vault from the account, an Entra upstream
 * gets the app's identity as Cognitive Services User. The entry itself reaches the service unchanged
 * (`create` is taken out before the upstream schema sees it: stacks/config.ts splitUpstreamCreate).
 */
export const UpstreamCreateSchema = z.object({
  deployment: z.object({
    model: z.string().min(1),
    version: z.string().min(1),
    sku: z.enum(COGNITIVE_SERVICES.deploymentSkus).default("GlobalStandard"),
    /** Thousands of tokens a minute the deployment may use. */
    capacity: positiveInt.max(100_000),
  }).optional(),
}).strict();
export type UpstreamCreate = z.infer<typeof UpstreamCreateSchema>;

export const StackConfigSchema = z
  .object({
    location: Region,
    regions: RegionsSchema.optional(),
    capacity: CapacitySchema.optional(),
    replicas: z.object({ min: z.number().int().min(0), max: positiveInt.max(1000) }),
    sessionsPerReplica: positiveInt.max(1000).default(DEFAULT_SESSIONS_PER_REPLICA),
    cpu: z.number().refine((c) => (CPU_CHOICES as readonly number[]).includes(c), { message: `must be one of ${CPU_CHOICES.join(", ")} vCPU` }).default(1),
    memoryGiB: z.number().positive().default(2),
    session: z
      .object({
        maxMinutes: positiveInt.max(240).default(SESSION_DEFAULTS.maxMinutes),
        rotateMinutes: positiveInt.max(60).default(SESSION_DEFAULTS.rotateMinutes),
        maxPerUser: positiveInt.max(20).default(SESSION_DEFAULTS.maxPerUser),
      })
      .default({ ...SESSION_DEFAULTS }),
    /** The same entries the service receives as UPSTREAMS (contracts/upstream.ts), with the stack's rules below. */
    upstreams: UpstreamListSchema,
    /**
     * The resource group of each upstream resource (by upstream name), in the stack's subscription: Voice
     * Live / Azure OpenAI usage is billed there, so the budget watches these groups with the stack's own.
     */
    upstreamResourceGroups: z.record(z.string(), z.string().regex(RESOURCE_GROUP_NAME, "not a resource group name (1-90 letters, digits, _ ( ) - ., not ending in .)")),
    /** The entries' `create` blocks by upstream name (filled from `upstreams[].create`, see splitUpstreamCreate). */
    upstreamCreate: z.record(z.string(), UpstreamCreateSchema).default({}),
    keyVault: z.object({
      /**
       * Part of the vault's name hash. A destroyed vault stays soft-deleted (7-90 days; in prod purge
       * protection forbids purging it) and its name cannot be reused meanwhile: bump this to deploy the
       * stack again under a new vault name (docs/infrastructure.md, "After pulumi destroy").
       */
      generation: z.number().int().min(0).max(999).default(0),
    }).default({ generation: 0 }),
    hosting: z.enum(HOSTING_CHOICES).default("containerApps"),
    /**
     * App Service hosting only: the Linux plan's SKU (Premium v3). P1v3 (2 vCPUs) by default: the proxy is
     * one Node process and uses one core; larger plans add cores it cannot use (`plan` warns).
     */
    appService: z.object({ sku: z.enum(APP_SERVICE_SKUS).default("P1v3") }).default({ sku: "P1v3" }),
    /**
     * Azure Managed Redis by default: a tenant without an Azure Cache for Redis before 2026-04-01 cannot
     * create Basic/Standard/Premium (the C1 SKUs stay a one-line choice; `plan` warns).
     */
    redis: z.object({ sku: z.enum(REDIS_SKUS).default("Balanced_B0") }).default({ sku: "Balanced_B0" }),
    frontDoor: z.object({ enabled: z.boolean().default(true), customDomain: CustomDomainSchema.optional() }).default({ enabled: true }),
    /** The workspace's daily ingestion cap in GB; default: twice the expected ingestion, at least 1 (sizing.ts logDailyCap). */
    logAnalytics: z.object({ dailyCapGb: z.number().positive("must be positive").max(1000).optional() }).default({}),
    /** The private network (stacks/network.ts, docs/network.md): production turns it on. */
    network: NetworkSchema,
    /** The Front Door WAF policy (stacks/waf.ts). */
    waf: WafSchema,
    alerts: z.object({
      emails: z.array(Email).min(1, "at least one on-call e-mail"),
      capacityPercent: z.number().gt(0).max(100).default(90),
      /** One of the service's latency buckets (contracts/telemetry.ts), so the p95 query is exact. */
      latencyP95Ms: positiveInt.refine((ms) => (LATENCY_BUCKETS_MS as readonly number[]).includes(ms), {
        message: `must be one of the latency buckets ${LATENCY_BUCKETS_MS.join(", ")} ms`,
      }).default(300),
      errorRatePercent: z.number().gt(0).max(100).default(1),
      connectFailurePercent: z.number().gt(0).max(100).default(5),
      redisServerLoadPercent: z.number().gt(0).max(100).default(80),
      /** Evaluation window of the log alerts. */
      windowMinutes: z.union([z.literal(5), z.literal(10), z.literal(15), z.literal(30)]).default(5),
    }),
    budget: z.object({
      amount: z.number().positive("must be positive").optional(),
      interviewsPerDay: z.number().positive("must be positive").optional(),
      minutesPerInterview: z.number().positive("must be positive").optional(),
      /**
       * Interview lengths and the share of interviews that run each long (shares sum to 1), instead of
       * one minutesPerInterview: the cost grows faster than the length, so it is priced length by length.
       */
      sessionMinutes: z.array(z.object({ minutes: z.number().positive("must be positive"), share: z.number().gt(0, "must be positive").max(1) })).min(1).max(12).optional(),
      /** The prompt cache hit rate the budget assumes (share of the re-sent prefix served from cache): a stated range. */
      cacheHitRate: z.object({ low: z.number().min(0).max(1), expected: z.number().min(0).max(1), high: z.number().min(0).max(1) }).optional(),
      /** The truncation the sessions use once the conversation outgrows the model's input limit (the API's default is auto). */
      truncation: z.discriminatedUnion("type", [
        z.object({ type: z.literal("auto") }),
        z.object({ type: z.literal("retention_ratio"), retentionRatio: z.number().gt(0).max(1) }),
      ]).optional(),
      headroomPercent: z.number().min(0, "must be >= 0").max(500).default(20),
      catalog: z.string().min(1).optional(),
      financeEmails: z.array(Email).min(1, "at least one finance e-mail"),
      /** First day of the first budget month; Azure needs the first of a month. */
      startDate: z.iso.date().optional(),
    }),
    allowedOrigins: z.array(z.url({ protocol: /^https?$/ })).default([]),
    auth: z.object({ issuer: z.url(), audience: z.string().min(1), jwksUrl: z.url({ protocol: /^https$/ }) }),
  })
  .superRefine((c, ctx) => {
    const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (c.replicas.min > c.replicas.max) problem(["replicas", "min"], `min (${c.replicas.min}) is greater than max (${c.replicas.max})`);
    if (c.hosting === "containerApps" && c.memoryGiB !== c.cpu * 2) problem(["memoryGiB"], `Container Apps pairs ${c.cpu} vCPU with ${c.cpu * 2} GiB, got ${c.memoryGiB}`);
    if (c.hosting === "appService") {
      if (c.replicas.max > APP_SERVICE_MAX_INSTANCES) problem(["replicas", "max"], `an App Service Premium v3 plan runs at most ${APP_SERVICE_MAX_INSTANCES} instances, got ${c.replicas.max}`);
      if (c.replicas.min < 1) problem(["replicas", "min"], "an App Service plan runs at least 1 instance");
    }
    if (c.session.rotateMinutes >= c.session.maxMinutes) problem(["session", "rotateMinutes"], "must be shorter than session.maxMinutes");
    // What a deployed stack needs beyond the service's own rules: Azure endpoints over TLS, a known region
    // (quota planning and metrics are per region), keys named by the platform (Key Vault references).
    // Equal priorities are allowed: new sessions spread over them (several resources' quotas in one region).
    c.upstreams.forEach((u, i) => {
      if (!u.url.startsWith("https://")) problem(["upstreams", i, "url"], "must be an https:// endpoint");
      if (u.region === undefined) problem(["upstreams", i, "region"], "required: the Azure region of the resource");
      else if (!(AZURE_REGIONS as readonly string[]).includes(u.region)) problem(["upstreams", i, "region"], `unknown Azure region "${u.region}" (expected one of ${AZURE_REGIONS.join(", ")})`);
      if (u.apiKeyEnv !== undefined) problem(["upstreams", i, "apiKeyEnv"], "set by the platform; give the key with pulumi config set --secret --path upstreamKeys.<name>");
    });
    const names = new Set(c.upstreams.map((u) => u.name));
    for (const u of c.upstreams) {
      if (c.upstreamResourceGroups[u.name] === undefined) problem(["upstreamResourceGroups", u.name], `required: the resource group of upstream "${u.name}" (its usage is billed there; the budget watches it)`);
    }
    for (const name of Object.keys(c.upstreamResourceGroups)) {
      if (!names.has(name)) problem(["upstreamResourceGroups", name], `no upstream is named "${name}"`);
    }
    const b = c.budget;
    const lengths = b.minutesPerInterview !== undefined || b.sessionMinutes !== undefined;
    const volume = b.interviewsPerDay !== undefined || lengths;
    if (b.amount !== undefined && volume) problem(["budget"], "give either amount, or interviewsPerDay and minutesPerInterview (or sessionMinutes), not both");
    if (b.amount === undefined && !volume) problem(["budget"], "give amount, or interviewsPerDay and minutesPerInterview (or sessionMinutes)");
    if (volume && (b.interviewsPerDay === undefined || !lengths)) problem(["budget"], "interviewsPerDay and minutesPerInterview (or sessionMinutes) go together");
    if (b.minutesPerInterview !== undefined && b.sessionMinutes !== undefined) problem(["budget"], "give minutesPerInterview or sessionMinutes, not both");
    // No session runs past the limit, so the budget cannot price one that does.
    if (b.minutesPerInterview !== undefined && b.minutesPerInterview > c.session.maxMinutes) {
      problem(["budget", "minutesPerInterview"], `longer than session.maxMinutes (${c.session.maxMinutes}): no session runs that long`);
    }
    if (b.sessionMinutes) {
      const seen = new Set<number>();
      b.sessionMinutes.forEach((d, i) => {
        if (d.minutes > c.session.maxMinutes) problem(["budget", "sessionMinutes", i, "minutes"], `longer than session.maxMinutes (${c.session.maxMinutes}): no session runs that long`);
        if (seen.has(d.minutes)) problem(["budget", "sessionMinutes", i, "minutes"], `${d.minutes} is listed twice`);
        seen.add(d.minutes);
      });
      const total = b.sessionMinutes.reduce((a, d) => a + d.share, 0);
      if (Math.abs(total - 1) > 1e-6) problem(["budget", "sessionMinutes"], `shares must sum to 1, got ${Number(total.toFixed(6))}`);
    }
    if (b.cacheHitRate && !(b.cacheHitRate.low <= b.cacheHitRate.expected && b.cacheHitRate.expected <= b.cacheHitRate.high)) {
      problem(["budget", "cacheHitRate"], "must satisfy low <= expected <= high");
    }
    // A budget derived from volume prices every upstream with its catalog (cost/upstreams.ts), unless
    // budget.catalog names one for all of them.
    if (b.catalog !== undefined && !catalogIds().includes(b.catalog)) problem(["budget", "catalog"], `unknown catalog "${b.catalog}" (expected one of ${catalogIds().join(", ")})`);
    if (volume && b.catalog === undefined) {
      c.upstreams.forEach((u, i) => {
        if ((u.kind === "voice-live" ? u.model : u.deployment) && !findCatalogForUpstream(u)) {
          const field = u.kind === "voice-live" ? "model" : "deployment";
          problem(["upstreams", i, field], `no pricing catalog for ${u.kind} ${field} "${u.kind === "voice-live" ? u.model : u.deployment}": set budget.catalog to price it as a known model, or give budget.amount`);
        }
      });
    }
    if (c.budget.startDate && !c.budget.startDate.endsWith("-01")) problem(["budget", "startDate"], "must be the first day of a month");
    for (const p of networkProblems(c)) problem(p.path, p.message);
    for (const p of regionProblems(c)) problem(p.path, p.message);
    for (const p of upstreamCreateProblems(c)) problem(p.path, p.message);
  });

export type StackConfig = z.infer<typeof StackConfigSchema>;
export type UpstreamSpec = StackConfig["upstreams"][number];

/**
 * Moves each upstream entry's `create` block to `upstreamCreate` (by the entry's name), so the entries are
 * exactly what the service receives. Errors in a block are reported under `upstreamCreate.<name>`.
 */
export function splitUpstreamCreate(raw: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(raw.upstreams)) return raw;
  const creates: Record<string, unknown> = {};
  const upstreams = raw.upstreams.map((u: unknown) => {
    if (!u || typeof u !== "object" || !("create" in u)) return u;
    const { create, ...entry } = u as Record<string, unknown>;
    creates[String((entry as { name?: unknown }).name)] = create ?? {};
    return entry;
  });
  return Object.keys(creates).length ? { ...raw, upstreams, upstreamCreate: { ...(raw.upstreamCreate as object ?? {}), ...creates } } : raw;
}

/** The account name of an upstream the program creates: its URL's first label, on a domain accounts answer on. */
export function upstreamAccountName(url: string): string | undefined {
  const host = (() => { try { return new URL(url).hostname; } catch { return ""; } })();
  const [label, ...rest] = host.split(".");
  return (COGNITIVE_SERVICES.endpointDomains as readonly string[]).includes(rest.join(".")) && /^[a-z0-9][a-z0-9-]{1,62}$/.test(label) ? label : undefined;
}

type CreateInputs = Pick<StackConfig, "upstreams" | "upstreamResourceGroups" | "upstreamCreate">;

function upstreamCreateProblems(c: CreateInputs): Array<{ path: (string | number)[]; message: string }> {
  const out: Array<{ path: (string | number)[]; message: string }> = [];
  const byName = new Map(c.upstreams.map((u) => [u.name, u]));
  for (const [name, create] of Object.entries(c.upstreamCreate)) {
    const u = byName.get(name);
    if (!u) {
      out.push({ path: ["upstreamCreate", name], message: `no upstream is named "${name}"` });
      continue;
    }
    if (!upstreamAccountName(u.url)) out.push({ path: ["upstreamCreate", name], message: `the program names the account after the URL's first label: ${u.url} must be https://<name>.${COGNITIVE_SERVICES.endpointDomains.join(" | ")}` });
    if (u.kind === "azure-openai" && !create.deployment) out.push({ path: ["upstreamCreate", name, "deployment"], message: `required for azure-openai: the model deployment "${u.deployment}" to create` });
    if (u.kind === "voice-live" && create.deployment) out.push({ path: ["upstreamCreate", name, "deployment"], message: "Voice Live uses its managed models: no deployment to create" });
  }
  // A group the program creates holds only accounts it creates (it cannot create a group that exists).
  const groups = new Map<string, { created: string[]; existing: string[] }>();
  for (const u of c.upstreams) {
    const group = c.upstreamResourceGroups[u.name];
    if (!group) continue;
    const g = groups.get(group) ?? { created: [], existing: [] };
    (c.upstreamCreate[u.name] ? g.created : g.existing).push(u.name);
    groups.set(group, g);
  }
  for (const [group, g] of groups) {
    if (g.created.length && g.existing.length) out.push({ path: ["upstreamResourceGroups", g.created[0]], message: `${group} holds created (${g.created.join(", ")}) and existing (${g.existing.join(", ")}) upstreams: the program creates the group of the ones it creates, so give them a group of their own` });
  }
  return out;
}

/** Production stacks must survive a replica loss. `global` is the multi-region production stack (Pulumi.global.yaml). */
export function isProduction(stack: string): boolean {
  return stack === "prod" || stack.startsWith("prod-") || stack === "global";
}

export interface ConfigProblem {
  stack: string;
  path: string;
  reason: string;
}

export class StackConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`invalid stack configuration:\n${problems.map((p) => `  ${p.stack}: ${p.path}: ${p.reason}`).join("\n")}`);
  }
}

export function parseStackConfig(stack: string, raw: Record<string, unknown>): StackConfig {
  const problems: ConfigProblem[] = [];
  const known = new Set(Object.keys(StackConfigSchema.shape));
  for (const key of Object.keys(raw)) {
    if (!known.has(key) && key !== "upstreamKeys") problems.push({ stack, path: key, reason: "unknown key" });
  }
  const result = StackConfigSchema.safeParse(splitUpstreamCreate(raw));
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push({ stack, path: issue.path.join(".") || "(root)", reason: issue.message });
    }
  }
  if (result.success && isProduction(stack) && result.data.replicas.min < 2) {
    problems.push({ stack, path: "replicas.min", reason: `a production stack needs at least 2 replicas, got ${result.data.replicas.min}` });
  }
  // zod stops at the shape errors; the production rule is checked on the raw value too.
  if (!result.success && isProduction(stack)) {
    const min = (raw.replicas as { min?: unknown } | undefined)?.min;
    if (typeof min === "number" && min < 2) problems.push({ stack, path: "replicas.min", reason: `a production stack needs at least 2 replicas, got ${min}` });
  }
  if (problems.length > 0 || !result.success) throw new StackConfigError(problems);
  return result.data;
}

/** A config value as the Pulumi engine passes it: JSON for objects, arrays, numbers and booleans; a plain string otherwise. */
export function parseConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The string the Pulumi engine hands the program for a YAML value. */
export function serializeConfigValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI does: keys under `voice-platform:`. */
export function readStackFile(stack: string, rootDir = join(__dirname, "..")): Record<string, unknown> {
  const file = join(rootDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) throw new StackConfigError([{ stack, path: "(file)", reason: `${file} does not exist` }]);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new StackConfigError([{ stack, path: "(file)", reason: `not valid YAML: ${(error as Error).message}` }]);
  }
  const config = ((doc as { config?: Record<string, unknown> } | null)?.config ?? {}) as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = value;
    else if (!key.includes(":")) problems.push({ stack, path: key, reason: `config keys need the project prefix: ${PROJECT}:${key}` });
  }
  if (problems.length > 0) throw new StackConfigError(problems);
  return raw;
}

export function loadStackConfigFile(stack: string, rootDir?: string): StackConfig {
  return parseStackConfig(stack, readStackFile(stack, rootDir));
}
