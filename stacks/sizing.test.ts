/** Probe timeouts and the log cap: hand-computed values. */
import { catalogById, DEFAULT_CATALOG_ID } from "../cost";
import { join } from "node:path";
import { loadStackConfigFile } from "./config";
import { logDailyCap, probeTimeoutSeconds, sizeStack } from "./sizing";

test("probe timeouts: 100 x the longest measured stall (52 ms), below the period; never Azure's 1 s default", () => {
  expect(probeTimeoutSeconds(10)).toBe(6); // ceil(5.2): liveness, period 10 s
  expect(probeTimeoutSeconds(5)).toBe(4); // capped at period - 1: readiness, period 5 s
  expect(probeTimeoutSeconds(10, 10)).toBe(1);
  expect(probeTimeoutSeconds(10)).toBeGreaterThan(1); // Container Apps' default (1 s, the probe schema)
  expect(() => probeTimeoutSeconds(1)).toThrow(/at least 2 s/);
});

test("log cap: configured, else twice the expected ingestion (at least 1 GB), priced at the cap", () => {
  const catalog = catalogById(DEFAULT_CATALOG_ID);
  const infra = catalog.infrastructure as { logGBPerInterview: { value: number }; logAnalyticsPerGB: { value: number }; logFreeGBPerMonth: { value: number } };
  const budget = (interviewsPerDay?: number) => ({ financeEmails: ["f@x.io"], headroomPercent: 20, interviewsPerDay });
  // 1,000 interviews x 0.002 GB = 2 GB a day -> cap 4 GB.
  const prod = logDailyCap({ budget: budget(1000), logAnalytics: {} }, catalog);
  expect(prod.expectedGbPerDay).toBeCloseTo(1000 * infra.logGBPerInterview.value, 9);
  expect(prod.capGb).toBe(Math.ceil(2 * 1000 * infra.logGBPerInterview.value));
  expect(prod.worstMonthlyUsd).toBeCloseTo((prod.capGb * catalog.daysPerMonth - infra.logFreeGBPerMonth.value) * infra.logAnalyticsPerGB.value, 9);
  expect(logDailyCap({ budget: budget(20), logAnalytics: {} }, catalog).capGb).toBe(1); // 0.04 GB a day: the 1 GB floor
  expect(logDailyCap({ budget: budget(), logAnalytics: {} }, catalog).capGb).toBe(1);
  expect(logDailyCap({ budget: budget(1000), logAnalytics: { dailyCapGb: 0.5 } }, catalog)).toMatchObject({ capGb: 0.5, derivation: expect.stringContaining("logAnalytics.dailyCapGb") });
});

test("a stack that declares its peak leaves the upstream-quota check to the per-region capacity plan", () => {
  const root = join(__dirname, "..");
  const global = loadStackConfigFile("global", root);
  const oneRegionView = (c: typeof global) => sizeStack(c).warnings.filter((w) => w.startsWith("upstream quota:"));
  expect(oneRegionView(global)).toEqual([]);
  // The same stack without `capacity`: the cost model's one-region view warns (it knows no declared raises).
  expect(oneRegionView({ ...global, capacity: undefined }).length).toBeGreaterThan(0);
});
