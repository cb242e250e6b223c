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
  expect(loadStackConfigFile("prod", root).replicas).toEqual({ min: 2, max: 13 });
  expect(loadStackConfigFile("staging", root).replicas).toEqual({ min: 1, max: 5 });
});

test("every mistake is reported at once, with stack, path and reason", () => {
  const raw = prodRaw();
  raw.replicas = { min: 1, max: 0 };
  raw.upstreams[1].url = "http://voice-prod-us.services.ai.azure.com";
  raw.upstreams[1].region = "atlantis";
  raw.alerts.emails = ["oncall-at-example"];
  raw.budget = { amount: -10, financeEmails: ["finance@example.com"] };
  raw.sesion = { maxMinutes: 45 };
  const found = problems("prod", raw);
  expect(found).toEqual(expect.arrayContaining([
    "prod: replicas.max: Too small: expected number to be >0",
    "prod: replicas.min: min (1) is greater than max (0)",
    "prod: replicas.min: a production stack needs at least 2 replicas, got 1",
    "prod: upstreams.1.url: must be an https:// endpoint",
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
  expect(problems("prod", raw)).toEqual(["prod: budget: give either amount, or interviewsPerDay and minutesPerInterview (or sessionMinutes), not both"]);
  raw.budget = { interviewsPerDay: 10, financeEmails: ["f@example.com"] };
  expect(problems("prod", raw)).toEqual(["prod: budget: interviewsPerDay and minutesPerInterview (or sessionMinutes) go together"]);
});

describe("the budget's interview lengths, cache hit range and truncation", () => {
  const budget = (extra: Record<string, unknown>) => ({ interviewsPerDay: 100, financeEmails: ["f@example.com"], ...extra });
  test("prod states a length mix up to its session limit, a cache hit range and the truncation", () => {
    expect(loadStackConfigFile("prod", root).budget).toMatchObject({
      sessionMinutes: [{ minutes: 30, share: 0.7 }, { minutes: 45, share: 0.3 }],
      cacheHitRate: { low: 0.6, expected: 0.95, high: 1 },
      truncation: { type: "auto" },
    });
  });
  test("every mistake in them at once", () => {
    const raw = prodRaw();
    raw.budget = budget({
      sessionMinutes: [{ minutes: 30, share: 0.5 }, { minutes: 60, share: 0.3 }, { minutes: 30, share: 0.1 }],
      cacheHitRate: { low: 0.9, expected: 0.8, high: 1 },
      truncation: { type: "retention_ratio", retentionRatio: 0.8 },
    });
    expect(problems("prod", raw)).toEqual([
      "prod: budget.sessionMinutes.1.minutes: longer than session.maxMinutes (45): no session runs that long",
      "prod: budget.sessionMinutes.2.minutes: 30 is listed twice",
      "prod: budget.sessionMinutes: shares must sum to 1, got 0.9",
      "prod: budget.cacheHitRate: must satisfy low <= expected <= high",
    ]);
    raw.budget = budget({ minutesPerInterview: 50, sessionMinutes: [{ minutes: 30, share: 1 }], truncation: { type: "retention_ratio", retentionRatio: 0 } });
    expect(problems("prod", raw)).toEqual(expect.arrayContaining([
      "prod: budget.truncation.retentionRatio: Too small: expected number to be >0",
    ]));
    raw.budget = budget({ minutesPerInterview: 50, sessionMinutes: [{ minutes: 30, share: 1 }] });
    expect(problems("prod", raw)).toEqual([
      "prod: budget: give minutesPerInterview or sessionMinutes, not both",
      "prod: budget.minutesPerInterview: longer than session.maxMinutes (45): no session runs that long",
    ]);
  });
  test("a budget derived from volume needs a catalog for every upstream, or budget.catalog", () => {
    const raw = prodRaw();
    raw.upstreams[1].model = "gpt-9-realtime";
    expect(problems("prod", raw)).toEqual([`prod: upstreams.1.model: no pricing catalog for voice-live model "gpt-9-realtime": set budget.catalog to price it as a known model, or give budget.amount`]);
    raw.budget.catalog = "voice-live-gpt-realtime";
    expect(problems("prod", raw)).toEqual([]);
    raw.budget.catalog = "voice-live-gpt-9";
    expect(problems("prod", raw)).toEqual([expect.stringMatching(/^prod: budget\.catalog: unknown catalog "voice-live-gpt-9" \(expected one of .*voice-live-gpt-realtime/)]);
    // A fixed amount needs no catalog, and the stack sizes without one.
    raw.budget = { amount: 1000, financeEmails: ["f@example.com"] };
    expect(problems("prod", raw)).toEqual([]);
    const fixed = sizeStack(parseStackConfig("prod", raw));
    expect(fixed.budget).toEqual({ amount: 1000 });
    expect(fixed.estimate).toBeUndefined();
  });
});

describe("the budget follows from one estimate of the upstreams' own catalog", () => {
  const config = loadStackConfigFile("prod", root);
  const sizing = sizeStack(config);
  test("prod: Voice Live gpt-realtime (Pro), its lengths, expected total plus 20%", () => {
    const e = sizing.estimate!;
    expect(e.catalogs.map((c) => [c.id, c.share])).toEqual([["voice-live-gpt-realtime", 1]]);
    expect(e.input.durations).toEqual([{ minutes: 30, share: 0.7 }, { minutes: 45, share: 0.3 }]);
    expect(sizing.range!.expected).toBe(e);
    // The model and base infrastructure plus 20%, and the private network's share plus 20% (stacks/networkSizing.ts).
    expect(sizing.budget.amount).toBe(Math.ceil(e.monthly.total * 1.2) + Math.ceil(sizing.network.cost.monthly * 1.2));
    expect(sizing.budget.derivation!.range!.low).toBeLessThan(e.monthly.total);
    expect(sizing.budget.derivation!.range!.high).toBeGreaterThan(e.monthly.total);
    expect(sizing.budget.derivation!.lines[0]).toBe("upstream us (voice-live gpt-realtime, priority 1, 100% of new sessions): catalog voice-live-gpt-realtime");
    expect(sizing.warnings.filter((w) => w.startsWith("budget:"))).toEqual([]); // its lengths reach the 45-minute limit
  });
  test("a budget that prices shorter interviews than the limit allows warns loudly", () => {
    const short = sizeStack({ ...config, budget: { ...config.budget, sessionMinutes: undefined, minutesPerInterview: 30 } });
    expect(short.warnings[0]).toMatch(/^budget: assumes no interview runs past 30 min, but session\.maxMinutes lets it run 45: a 45-minute interview costs \$\d+\.\d\d against \$\d+\.\d\d at 30 min \(\d\.\dx\)/);
  });
  test("budget.catalog prices every upstream with that catalog", () => {
    const mini = sizeStack({ ...config, budget: { ...config.budget, catalog: "voice-live-gpt-realtime-mini" } });
    expect(mini.estimate!.catalogs.map((c) => c.id)).toEqual(["voice-live-gpt-realtime-mini"]);
    expect(mini.budget.amount).toBeLessThan(sizing.budget.amount);
  });
  test("Azure Managed Redis Balanced_B1 is priced (it crashed the estimator before)", () => {
    const b1 = sizeStack({ ...config, redis: { sku: "Balanced_B1" } });
    expect(b1.estimate!.monthly.infrastructureBreakdown.redis).toBe(51);
  });
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
  expect(sizing.sessionCapacity).toBe(13 * 233);
  expect(sizing.capacityAlertThreshold).toBe(2726); // 3,029 x 0.9 = 2,726.1
  expect(capacityAlertThreshold({ ...config, replicas: { min: 1, max: 3 }, sessionsPerReplica: 7 })).toBe(18); // 21 x 0.9 = 18.9
  expect(sizing.maxSessionsPerInstance).toBe(350); // 233 x 1.5 = 349.5, rounded up
  expect(sizeStack({ ...config, sessionsPerReplica: 7 }).maxSessionsPerInstance).toBe(11);
  expect(sizing.scale).toEqual({ minReplicas: 2, maxReplicas: 13, httpConcurrentRequests: 233, sessionsPerReplica: 233, pollingSeconds: 30, cooldownSeconds: 45 * 60 });
  // Where 233 comes from: the measured capacity for 1 vCPU, and a warning when a stack asks for more.
  expect(sizing.sessionsPerReplicaBasis.measured).toBe(233);
  expect(sizeStack({ ...config, sessionsPerReplica: 234 }).warnings[0]).toMatch(/^sessionsPerReplica: 234 is above the 233 the measured capacity supports for 1 vCPU/);
  expect(sizeStack({ ...config, cpu: 0.5, memoryGiB: 1 }).sessionsPerReplicaBasis.measured).toBe(116);
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
  expect(service.upstreams.map((u) => [u.name, u.priority, u.apiKey])).toEqual([["us", 1, "key-value"], ["se", 2, "key-value"]]);
  expect(service.auth).toMatchObject({ mode: "oidc", issuer: config.auth.issuer });
  expect(service.frontDoorIds).toEqual(["fd-1"]);
  expect(service.maxSessionsPerInstance).toBe(350);
  expect(JSON.parse(upstreamsJson(config.upstreams))[0]).not.toHaveProperty("apiKey");
  expect(service.redisUrl).toBe("rediss://:a%2Fb%2Bc%3Dd%2Fe%2Bf%3D@cache.example.net:6380");
});


test("every upstream names its resource group (the budget watches it), and only upstreams do", () => {
  const raw = prodRaw();
  raw.upstreamResourceGroups = { se: "rg-voice-prod-se", eu: "rg-x", us: "bad name." };
  expect(problems("prod", raw)).toEqual(expect.arrayContaining([
    "prod: upstreamResourceGroups.us: not a resource group name (1-90 letters, digits, _ ( ) - ., not ending in .)",
  ]));
  raw.upstreamResourceGroups = { se: "rg-voice-prod-se", eu: "rg-x" };
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
  // 50 replicas exceed a Premium v3 plan's 30 instances; the Container Apps CPU/memory pairing no longer applies.
  raw.memoryGiB = 8;
  raw.replicas = { min: 2, max: 50 };
  expect(problems("prod", raw)).toEqual([
    "prod: replicas.max: an App Service Premium v3 plan runs at most 30 instances, got 50",
    "prod: network.enabled: the private network is built for Container Apps hosting only",
  ]);
  expect(loadStackConfigFile("small", root)).toMatchObject({ hosting: "appService", appService: { sku: "P1v3" } });
  expect(loadStackConfigFile("prod", root).hosting).toBe("containerApps");
});
