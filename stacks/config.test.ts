/** The stack file's schema, the numbers derived from it, and the environment it gives the service. */
import { join } from "node:path";
import { loadConfig } from "../service/src/config";
import { loadStackConfigFile, parseConfigValue, parseStackConfig, readStackFile, serializeConfigValue, StackConfigError } from "./config";
import { globalNames, resourceNames } from "./names";
import { redisUrl } from "./redisStore";
import { serviceEnvironment, upstreamsJson } from "./serviceEnv";
import { capacityAlertThreshold, dailySpendAlertUsd, sizeStack } from "./sizing";

const root = join(__dirname, "..");

function problems(stack: string, raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(stack, raw);
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems.map((p) => `${p.stack}: ${p.path}: ${p.reason}`);
    throw error;
  }
  return [];
}

const prodRaw = () => readStackFile("prod", root) as Record<string, any>;

test("config values cross the engine as Pulumi passes them: plain strings raw, everything else JSON", () => {
  for (const value of ["australiaeast", 50, true, { min: 2, max: 50 }, ["https://a.example.com"]]) {
    expect(parseConfigValue(serializeConfigValue(value))).toEqual(value);
  }
  expect(serializeConfigValue("australiaeast")).toBe("australiaeast"); // what `pulumi up` hands index.ts
  expect(parseConfigValue("australiaeast")).toBe("australiaeast");
});

test("both committed stacks are valid", () => {
  expect(loadStackConfigFile("prod", root).replicas).toEqual({ min: 2, max: 50 });
  expect(loadStackConfigFile("staging", root).replicas).toEqual({ min: 1, max: 5 });
});

test("every mistake is reported at once, with stack, path and reason", () => {
  const raw = prodRaw();
  raw.replicas = { min: 1, max: 0 };
  raw.upstreams[1].priority = 1;
  raw.upstreams[1].region = "atlantis";
  raw.alerts.emails = ["oncall-at-example"];
  raw.budget = { amount: -10, financeEmails: ["finance@example.com"] };
  raw.sesion = { maxMinutes: 45 };
  const found = problems("prod", raw);
  expect(found).toEqual(expect.arrayContaining([
    "prod: replicas.max: Too small: expected number to be >0",
    "prod: replicas.min: min (1) is greater than max (0)",
    "prod: replicas.min: a production stack needs at least 2 replicas, got 1",
    "prod: upstreams.1.priority: duplicate priority 1 (also upstreams.0)",
    expect.stringMatching(/^prod: upstreams\.1\.region: unknown Azure region "atlantis"/),
    "prod: alerts.emails.0: not a valid e-mail address",
    "prod: budget.amount: must be positive",
    "prod: sesion: unknown key",
  ]));
  expect(found).toHaveLength(8);
});

test("staging may run one replica; the production rule applies to prod only", () => {
  const raw = prodRaw();
  raw.replicas = { min: 1, max: 5 };
  expect(problems("staging", raw)).toEqual([]);
  expect(problems("prod", raw)).toEqual(["prod: replicas.min: a production stack needs at least 2 replicas, got 1"]);
});

test("budget needs an amount or an expected volume, not both, not half", () => {
  const raw = prodRaw();
  raw.budget = { amount: 500, interviewsPerDay: 10, minutesPerInterview: 30, financeEmails: ["f@example.com"] };
  expect(problems("prod", raw)).toEqual(["prod: budget: give either amount, or interviewsPerDay and minutesPerInterview, not both"]);
  raw.budget = { interviewsPerDay: 10, financeEmails: ["f@example.com"] };
  expect(problems("prod", raw)).toEqual(["prod: budget: interviewsPerDay and minutesPerInterview go together"]);
});

test("memory must match Container Apps' CPU pairing; voice-live upstreams need a model", () => {
  const raw = prodRaw();
  raw.memoryGiB = 4;
  delete raw.upstreams[0].model;
  expect(problems("prod", raw)).toEqual(["prod: upstreams.0.model: required for voice-live", "prod: memoryGiB: Container Apps pairs 1 vCPU with 2 GiB, got 4"]);
});

test("derived numbers: capacity, alert threshold, per-instance cap, names", () => {
  const config = loadStackConfigFile("prod", root);
  const sizing = sizeStack(config);
  expect(sizing.sessionCapacity).toBe(50 * 50);
  expect(sizing.capacityAlertThreshold).toBe(2250);
  expect(capacityAlertThreshold({ ...config, replicas: { min: 1, max: 3 }, sessionsPerReplica: 7 })).toBe(18); // 21 x 0.9 = 18.9
  expect(sizing.maxSessionsPerInstance).toBe(75);
  expect(sizeStack({ ...config, sessionsPerReplica: 7 }).maxSessionsPerInstance).toBe(11);
  expect(sizing.scale).toEqual({ minReplicas: 2, maxReplicas: 50, httpConcurrentRequests: 50, sessionsPerReplica: 50, pollingSeconds: 30, cooldownSeconds: 45 * 60 });
  expect(sizeStack({ ...config, session: { ...config.session, maxMinutes: 3 } }).scale.cooldownSeconds).toBe(300); // never under KEDA's default
  // A day's share of the budget: $78,102 / 30.42 days = $2,567.4 -> $2,568.
  expect(dailySpendAlertUsd(78102, 30.42)).toBe(2568);
  expect(sizing.dailySpendAlertUsd).toBe(dailySpendAlertUsd(sizing.budget.amount, 30.42));
  expect(() => dailySpendAlertUsd(0, 30)).toThrow(RangeError);
  expect(resourceNames("voice-platform", "prod").containerApp).toBe("ca-voice-platform-prod");
  const unique = globalNames("voice-platform", "prod", "sub-1");
  expect(unique.keyVault).toMatch(/^kvvoiceplatformp[0-9a-f]{6}$/); // Key Vault: 3-24 characters
  expect(unique.registry).toMatch(/^acrvoiceplatformprod[0-9a-f]{6}$/); // ACR: 5-50 alphanumerics
  expect(globalNames("voice-platform", "prod", "sub-1")).toEqual(unique); // stable
  expect(globalNames("voice-platform", "prod", "sub-2").keyVault).not.toBe(unique.keyVault);
  // Generation 0 keeps the name earlier versions gave; a new generation gives a new vault name only.
  expect(globalNames("voice-platform", "prod", "sub-1", 0)).toEqual(unique);
  const next = globalNames("voice-platform", "prod", "sub-1", 1);
  expect(next.keyVault).toMatch(/^kvvoiceplatformp[0-9a-f]{6}$/);
  expect(next.keyVault).not.toBe(unique.keyVault);
  expect({ ...next, keyVault: unique.keyVault }).toEqual(unique);
});

test("the environment the infrastructure sets is one the service accepts", () => {
  const config = loadStackConfigFile("prod", root);
  const env: Record<string, string> = {};
  for (const e of serviceEnvironment(config, sizeStack(config), { frontDoorId: "fd-1", appInsightsConnectionString: "InstrumentationKey=x" })) {
    // Secret references resolve to values in Azure; stand in for them here.
    env[e.name] = e.value ?? (e.name === "REDIS_URL" ? redisUrl("cache.example.net", 6380, "a/b+c=d/e+f=") : "key-value");
  }
  const service = loadConfig(env);
  expect(service.upstreams.map((u) => [u.name, u.priority, u.apiKey])).toEqual([["au", 1, "key-value"], ["us", 2, "key-value"]]);
  expect(service.auth).toMatchObject({ mode: "oidc", issuer: config.auth.issuer });
  expect(service.frontDoorId).toBe("fd-1");
  expect(service.maxSessionsPerInstance).toBe(75);
  expect(JSON.parse(upstreamsJson(config.upstreams))[0]).not.toHaveProperty("apiKey");
  expect(service.redisUrl).toBe("rediss://:a%2Fb%2Bc%3Dd%2Fe%2Bf%3D@cache.example.net:6380");
});


test("every upstream names its resource group (the budget watches it), and only upstreams do", () => {
  const raw = prodRaw();
  raw.upstreamResourceGroups = { au: "rg-voice-prod-au", eu: "rg-x", us: "bad name." };
  expect(problems("prod", raw)).toEqual(expect.arrayContaining([
    "prod: upstreamResourceGroups.us: not a resource group name (1-90 letters, digits, _ ( ) - ., not ending in .)",
  ]));
  raw.upstreamResourceGroups = { au: "rg-voice-prod-au", eu: "rg-x" };
  expect(problems("prod", raw)).toEqual([
    "prod: upstreamResourceGroups.us: required: the resource group of upstream \"us\" (its usage is billed there; the budget watches it)",
    "prod: upstreamResourceGroups.eu: no upstream is named \"eu\"",
  ]);
  delete raw.upstreamResourceGroups;
  expect(problems("prod", raw)).toEqual(["prod: upstreamResourceGroups: Invalid input: expected record, received undefined"]);
});

test("the p95 threshold must be a latency bucket, so the alert's query is exact", () => {
  const raw = prodRaw();
  raw.alerts.latencyP95Ms = 333;
  expect(problems("prod", raw)).toEqual([expect.stringMatching(/^prod: alerts.latencyP95Ms: must be one of the latency buckets 50, 100, .* ms$/)]);
  raw.alerts.latencyP95Ms = 400;
  expect(problems("prod", raw)).toEqual([]);
});

test("hosting: containerApps or appService; an App Service plan's instance limit and SKUs", () => {
  const raw = prodRaw();
  raw.hosting = "kubernetes";
  expect(problems("prod", raw)).toEqual([expect.stringMatching(/^prod: hosting: Invalid option: expected one of "containerApps"\|"appService"/)]);
  raw.hosting = "appService";
  raw.appService = { sku: "B1" };
  expect(problems("prod", raw)).toEqual([expect.stringMatching(/^prod: appService.sku: Invalid option: expected one of "P1v3"\|"P2v3"\|"P3v3"/)]);
  raw.appService = {};
  // prod's 50 replicas exceed a Premium v3 plan's 30 instances; the Container Apps CPU/memory pairing no longer applies.
  raw.memoryGiB = 8;
  expect(problems("prod", raw)).toEqual(["prod: replicas.max: an App Service Premium v3 plan runs at most 30 instances, got 50"]);
  expect(loadStackConfigFile("small", root)).toMatchObject({ hosting: "appService", appService: { sku: "P2v3" } });
  expect(loadStackConfigFile("prod", root).hosting).toBe("containerApps");
});
