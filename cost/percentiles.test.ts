/** Percentiles from stated distributions: the sampler, the quantiles, reproducibility, and what lifts p90. */
import { catalogById, estimate, sessionCost, sessionParams, type EstimateInput } from ".";
import { DEFAULT_DISTRIBUTIONS, DISTRIBUTED_PARAMETERS, estimatePercentiles, percentile, seededRandom, triangular, type ParameterDistributions } from "./percentiles";

const catalog = catalogById("voice-live-gpt-realtime");
const base: EstimateInput = { catalog, interviewsPerDay: 100, durations: [{ minutes: 30, share: 1 }], rotateMinutes: 9 };
/** Every parameter fixed at its most likely value. */
const fixed = Object.fromEntries(DISTRIBUTED_PARAMETERS.map((n) => [n, { ...DEFAULT_DISTRIBUTIONS[n], min: DEFAULT_DISTRIBUTIONS[n].mode, max: DEFAULT_DISTRIBUTIONS[n].mode }])) as ParameterDistributions;

test("triangular: the inverse CDF hits min, mode and max; the sample mean is (min + mode + max) / 3", () => {
  const d = { min: 0.5, mode: 1, max: 3 };
  expect(triangular(d, 0)).toBe(0.5);
  expect(triangular(d, (1 - 0.5) / (3 - 0.5))).toBeCloseTo(1, 12); // F(mode) = (mode - min) / (max - min)
  expect(triangular(d, 1)).toBe(3);
  const rng = seededRandom(1);
  let sum = 0;
  for (let i = 0; i < 100_000; i++) sum += triangular(d, rng());
  expect(sum / 100_000).toBeCloseTo(4.5 / 3, 2);
  expect(() => triangular({ min: 2, mode: 1, max: 3 }, 0.5)).toThrow(/min <= mode <= max/);
});

test("percentiles interpolate between order statistics", () => {
  const v = [11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  expect([percentile(v, 10), percentile(v, 50), percentile(v, 90)]).toEqual([2, 6, 10]);
  expect(percentile([1, 2], 50)).toBe(1.5);
});

test("no spread: p10 = p50 = p90 = the estimate at the most likely values, priced by hand", () => {
  const r = estimatePercentiles(base, fixed, { samples: 50 });
  const e = estimate({ ...base, session: { instructionsTokens: 1200, turnsPerMinute: 1, interruptedShare: 0.1 } });
  const month = sessionCost(catalog, sessionParams(catalog, 30, { rotateMinutes: 9 })).total * 100 * 30.42 + e.monthly.infrastructure;
  for (const q of [r.monthly.p10, r.monthly.p50, r.monthly.p90]) expect(q).toBeCloseTo(month, 6);
  expect(r.perInterview.p90).toBeCloseTo(sessionCost(catalog, sessionParams(catalog, 30, { rotateMinutes: 9 })).total, 9);
});

test("a fixed seed gives the same figures; another seed other ones; p10 < p50 < p90", () => {
  const a = estimatePercentiles(base, DEFAULT_DISTRIBUTIONS, { samples: 200 });
  const b = estimatePercentiles(base, DEFAULT_DISTRIBUTIONS, { samples: 200 });
  const c = estimatePercentiles(base, DEFAULT_DISTRIBUTIONS, { samples: 200, seed: 7 });
  expect(b.monthly).toEqual(a.monthly);
  expect(c.monthly.p90).not.toBe(a.monthly.p90);
  expect(a.monthly.p10).toBeLessThan(a.monthly.p50);
  expect(a.monthly.p50).toBeLessThan(a.monthly.p90);
  expect(a.perInterview.p10).toBeLessThan(a.perInterview.p90);
});

test("what lifts p90: the only spread parameter, and holding it removes the spread", () => {
  const onlyCache = { ...fixed, cacheHitRate: DEFAULT_DISTRIBUTIONS.cacheHitRate };
  const r = estimatePercentiles(base, onlyCache, { samples: 200 });
  expect(r.p90Driver.parameter).toBe("cacheHitRate");
  expect(r.p90Driver.p90Held).toBeCloseTo(estimatePercentiles(base, fixed, { samples: 20 }).monthly.p50, 6); // held at its mode, every month costs the same
  expect(r.p90Driver.p90Held).toBeLessThan(r.monthly.p90);
});
