/** The stack file's schema, the numbers derived from it, and the environment it gives the service. */
import { join } from "node:path";
import { loadConfig } from "../service/src/config";
import { loadStackConfigFile, parseConfigValue, parseStackConfig, readStackFile, serializeConfigValue, StackConfigError } from "./config";
import { globalNames, resourceNames } from "./names";
import { serviceEnvironment, upstreamsJson } from "./serviceEnv";
import { capacityAlertThreshold, sizeStack } from "./sizing";

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
  expect(sizing.scale).toEqual({ minReplicas: 2, maxReplicas: 50, httpConcurrentRequests: 50 });
  expect(resourceNames("voice-platform", "prod").containerApp).toBe("ca-voice-platform-prod");
  const unique = globalNames("voice-platform", "prod", "sub-1");
  expect(unique.keyVault).toMatch(/^kvvoiceplatformp[0-9a-f]{6}$/); // Key Vault: 3-24 characters
  expect(unique.registry).toMatch(/^acrvoiceplatformprod[0-9a-f]{6}$/); // ACR: 5-50 alphanumerics
  expect(globalNames("voice-platform", "prod", "sub-1")).toEqual(unique); // stable
  expect(globalNames("voice-platform", "prod", "sub-2").keyVault).not.toBe(unique.keyVault);
});

test("the environment the infrastructure sets is one the service accepts", () => {
  const config = loadStackConfigFile("prod", root);
  const env: Record<string, string> = {};
  for (const e of serviceEnvironment(config, sizeStack(config), { frontDoorId: "fd-1", appInsightsConnectionString: "InstrumentationKey=x" })) {
    // Secret references resolve to values in Azure; stand in for them here.
    env[e.name] = e.value ?? (e.name === "REDIS_URL" ? "rediss://:k@cache.example.net:6380" : "key-value");
  }
  const service = loadConfig(env);
  expect(service.upstreams.map((u) => [u.name, u.priority, u.apiKey])).toEqual([["au", 1, "key-value"], ["us", 2, "key-value"]]);
  expect(service.auth).toMatchObject({ mode: "oidc", issuer: config.auth.issuer });
  expect(service.frontDoorId).toBe("fd-1");
  expect(service.maxSessionsPerInstance).toBe(75);
  expect(JSON.parse(upstreamsJson(config.upstreams))[0]).not.toHaveProperty("apiKey");
});

